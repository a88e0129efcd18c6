//! Readers and input: every compression by content, and each log format on
//! real sample lines (copies in tests/data with their sources and licences).

use std::io::Write;

use netusage::formats::LogFormat;
use std::path::Path;

use crate::common::*;

#[test]
fn gzip_multi_member_bzip2_zstd_and_xz_are_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let d = recent_tuesday();
    let lines =
        |user: &str| every(&format!("{d}T10:00:00Z"), 60, 3, user, "x.com").join("\n") + "\n";
    // gzip with two members, as `cat a.gz b.gz` makes.
    let mut gz = Vec::new();
    for part in [lines("ann"), lines("ben")] {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(part.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    std::fs::write(logs.join("a.log.1"), &gz).unwrap(); // no .gz name: found by content
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(lines("cat").as_bytes()).unwrap();
    let bz = bz.finish().unwrap();
    std::fs::write(logs.join("b.log.bz2"), &bz).unwrap();
    std::fs::write(
        logs.join("c.log.zst"),
        zstd::encode_all(lines("dan").as_bytes(), 3).unwrap(),
    )
    .unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(lines("eve").as_bytes()).unwrap();
    std::fs::write(logs.join("d.log.xz"), xz.finish().unwrap()).unwrap();
    let store = dir.path().join("store");
    ok(&[&"ingest", &"--store", &store, &logs]);
    let mut got: Vec<(String, String, u64)> = records(&store)
        .into_iter()
        .map(|r| {
            let name = Path::new(&r.path)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            (name, r.compression, r.accepted)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("a.log.1".into(), "gzip".into(), 6),
            ("b.log.bz2".into(), "bzip2".into(), 3),
            ("c.log.zst".into(), "zstd".into(), 3),
            ("d.log.xz".into(), "xz".into(), 3),
        ]
    );
    // A truncated .bz2: a clear error, and nothing of it stored.
    let cut = dir.path().join("cut.log.bz2");
    std::fs::write(&cut, &bz[..bz.len() / 2]).unwrap();
    let store2 = dir.path().join("store2");
    let out = run(&[&"ingest", &"--store", &store2, &cut]);
    assert_eq!(out.status.code(), Some(1));
    let err = output_text(&out);
    assert!(
        err.contains("cut.log.bz2") && err.contains("compressed data is corrupt or ends early"),
        "{err}"
    );
    assert!(records(&store2).is_empty());
    assert!(
        !store2.join("events").exists()
            || std::fs::read_dir(store2.join("events"))
                .unwrap()
                .next()
                .is_none()
    );
}

/// The text of `tests/data/REL`.
fn sample(rel: &str) -> String {
    std::fs::read_to_string(test_data().join(rel)).unwrap()
}

/// Parses the lines of a sample with a reader, as ingest does (headers move
/// the state on): each line's result by line number.
/// `Ok(None)`: a line of the format that is not an event (quarantined as such).
fn read_all(
    format: &dyn netusage::formats::LogFormat,
    text: &str,
) -> Vec<Result<Option<netusage::formats::RawEvent<'static>>, String>> {
    let cx = netusage::formats::FileContext {
        tz: chrono_tz::UTC,
        ..Default::default()
    };
    let mut p = format.begin(&cx);
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    leaked
        .lines()
        .enumerate()
        .map(
            |(i, l)| match p.parse(l.trim_end_matches('\r'), i as u64 + 1) {
                Ok(netusage::formats::Parsed::Event(e)) => Ok(Some(e)),
                Ok(netusage::formats::Parsed::Skip(_)) => Ok(None),
                Err(r) => Err(r.into_owned()),
            },
        )
        .collect()
}

#[test]
fn a_w3c_header_that_changes_mid_file_is_followed_and_misfits_named() {
    let d = recent_tuesday();
    let text = format!(
        "#Software: Microsoft Internet Information Services 10.0\n\
         #Fields: date time c-ip cs-username cs-method cs-uri sc-status\n\
         {d} 09:00:00 10.0.0.5 CORP\\alice GET http://www.facebook.com/ 200\n\
         #Fields: date time c-ip cs-method cs-uri sc-status sc-bytes\n\
         {d} 09:01:00 10.0.0.6 GET http://x.com/ 200 512\n\
         {d} 09:02:00 10.0.0.6 GET http://x.com/ 200\n"
    );
    let r = read_all(&netusage::formats::w3c::W3c, &text);
    let e = r[2].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.as_deref(), e.host_name(), e.bytes),
        (Some("CORP\\alice"), "www.facebook.com", 0)
    );
    let e = r[4].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.host_name(), e.bytes),
        (None, "x.com", 512)
    );
    assert_eq!(
        r[5],
        Err("W3C line has 6 fields, the #Fields header in force at line 4 has 7, and neither an earlier header of the file nor a default IIS or ProxySG layout fits it".to_string())
    );
    // Through ingest, in parallel blocks: the same, and every line accounted for.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("u_ex.log");
    std::fs::write(&log, &text).unwrap();
    let store = dir.path().join("store");
    ok(&[&"ingest", &"--store", &store, &log]);
    let rec = &records(&store)[0];
    assert_eq!(
        (
            rec.format.as_str(),
            rec.lines,
            rec.accepted,
            rec.rejected,
            rec.headers
        ),
        ("w3c", 6, 2, 4, 3)
    );
    assert_eq!(rec.time_zone.as_deref(), Some("Europe/London (default)"));
}

/// The reader each sample folder's files are in.
const FOLDERS: [(&str, &str); 10] = [
    ("iptables", "netfilter"),
    ("pfsense", "pfsense"),
    ("squid", "squid"),
    ("apache-clf", "common"),
    ("w3c", "w3c"),
    ("fortigate", "fortigate"),
    ("sophos", "sophos"),
    ("panos", "panos"),
    ("cisco-asa", "cisco-asa"),
    ("zscaler", "zscaler"),
];

#[test]
fn every_sample_file_is_detected_and_every_line_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    // Files whose lines fit no layout their reader can know: read with --log-format.
    let undetectable = [
        "integrations_proxysg_test-proxy-bcreportermain_v1.log", // a custom ProxySG layout, no #Fields:
        "integrations_proxysg_test-proxy-bcreportermainv1.log",  // the same
        "lnav_logfile_w3c.5.log", // data lines that do not fit its own #Fields:
    ];
    let mut n = 0;
    for (folder, reader) in FOLDERS {
        let Ok(entries) = std::fs::read_dir(test_data().join(folder)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let store = dir.path().join(format!("s{n}"));
            n += 1;
            let mut args: Vec<Arg> =
                vec![&"ingest", &"--store", &store, &"--source-time-zone", &"UTC"];
            let forced = undetectable.contains(&name.as_str());
            if forced {
                args.extend([&"--log-format" as Arg, &reader]);
            }
            args.push(&path);
            let out = ok(&args);
            let r = &records(&store)[0];
            let expected = if name.starts_with("azure-sentinel_SymantecProxySG") {
                "proxysg"
            } else {
                reader
            };
            assert_eq!(
                r.format, expected,
                "{name}: detected as {} ({out})",
                r.format
            );
            let bytes = std::fs::read(&path).unwrap();
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64
                + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
            assert_eq!(r.lines, lines, "{name}");
            assert_eq!(r.accepted + r.rejected, r.lines, "{name}");
            let q =
                netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
            assert_eq!(q.len() as u64, r.rejected, "{name}");
            assert!(q.iter().all(|x| !x.reason.is_empty()), "{name}");
        }
    }
    assert!(n >= 24, "{n} sample files");
}

#[test]
fn a_mixed_or_unknown_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let squid = sample("squid/integrations_squid_test-access-extensive.log");
    let apache = sample("apache-clf/crowdsec_apache2-logs.log");
    let mixed: String = squid
        .lines()
        .take(5)
        .chain(apache.lines().take(5))
        .map(|l| format!("{l}\n"))
        .collect();
    let m = dir.path().join("mixed.log");
    std::fs::write(&m, mixed).unwrap();
    let store = dir.path().join("store");
    let out = run(&[&"ingest", &"--store", &store, &m]);
    assert_eq!(out.status.code(), Some(1));
    let err = output_text(&out);
    assert!(
        err.contains("mixed.log") && err.contains("read equally well as squid and common (50%)"),
        "{err}"
    );
    let u = dir.path().join("notes.txt");
    std::fs::write(&u, "shopping list\nmilk\neggs\n").unwrap();
    let out = run(&[&"ingest", &"--store", &store, &u]);
    assert_eq!(out.status.code(), Some(1));
    let err = output_text(&out);
    assert!(
        err.contains("notes.txt: cannot tell the log format"),
        "{err}"
    );
}

#[test]
fn a_custom_squid_logformat_is_read_from_its_template() {
    let dir = tempfile::tempdir().unwrap();
    let d = recent_tuesday();
    let t = ms(&format!("{d}T10:00:00Z"));
    let log = dir.path().join("custom.log");
    std::fs::write(
        &log,
        format!(
            "{}.123    120 10.0.0.5 jsmith - TCP_DENIED/403 3900 GET http://www.facebook.com/ \"Mozilla/5.0 (X11; Linux)\" 192.168.1.1\n\
             {}.500 7 10.0.0.6 - - TCP_MISS/200 512 GET http://x.com/a \"curl/8\" 192.168.1.1\n\
             not a line of this layout\n",
            t / 1000,
            t / 1000 + 60
        ),
    )
    .unwrap();
    let store = dir.path().join("store");
    let spec = r#"logformat custom %ts.%03tu %6tr %>a %un %ul %Ss/%03>Hs %<st %rm %ru "%{User-Agent}>h" %>la"#;
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--squid-logformat",
        &spec,
        &log,
    ]);
    let r = &records(&store)[0];
    assert_eq!(
        (r.format.as_str(), r.lines, r.accepted, r.rejected),
        ("squid-logformat", 3, 2, 1)
    );
    let cx = netusage::formats::FileContext {
        squid_logformat: Some(spec.into()),
        ..Default::default()
    };
    let mut p = netusage::formats::logformat::SquidLogformat.begin(&cx);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    match p.parse(lines[0], 1).unwrap() {
        netusage::formats::Parsed::Event(e) => assert_eq!(
            (
                e.ts_ms,
                e.elapsed_ms,
                e.client_ip,
                e.user.as_deref(),
                e.status,
                e.bytes,
                e.method,
                e.host_name(),
                e.denied
            ),
            (
                t + 123,
                Some(120),
                "10.0.0.5",
                Some("jsmith"),
                403,
                3900,
                "GET",
                "www.facebook.com",
                true
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(p.parse(lines[2], 3).is_err());
    // A layout with %tl and a quoted request line.
    let cx = netusage::formats::FileContext {
        squid_logformat: Some(r#"%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st"#.into()),
        ..Default::default()
    };
    let mut p = netusage::formats::logformat::SquidLogformat.begin(&cx);
    match p
        .parse(r#"10.0.0.7 - CORP%5Cann [10/Nov/2026:09:15:02 +0100] "CONNECT www.bbc.co.uk:443 HTTP/1.1" 200 4096"#, 1)
        .unwrap()
    {
        netusage::formats::Parsed::Event(e) => assert_eq!(
            (e.ts_ms, e.user.as_deref(), e.host_name(), e.status, e.bytes),
            (ms("2026-11-10T08:15:02Z"), Some("CORP%5Cann"), "www.bbc.co.uk", 200, 4096)
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn quarantined_lines_of_any_reader_age_out_by_their_own_time() {
    // A W3C log (its time in the first two columns, not Unix seconds)
    // ingested as of June 2025: an old good line, an old malformed line that
    // still holds its date, and a good line from the end of May.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("u_ex.log");
    std::fs::write(
        &log,
        "#Fields: date time c-ip cs-method cs-uri sc-status\n\
         2025-05-20 09:00:00 10.0.0.5 GET http://x.com/ 200\n\
         2025-05-20 09:01:00 10.0.0.5 GET\n\
         2025-05-31 09:00:00 10.0.0.5 GET http://x.com/ 200\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--now",
        &"2025-06-01T00:00:00Z",
        &log,
    ]);
    let r = &records(&store)[0];
    assert_eq!((r.format.as_str(), r.accepted, r.rejected), ("w3c", 2, 2));
    // A purge on 25 May 2026: 20 May 2025 is past the one-year window, 31 May
    // is not. The old event and the malformed line (dated by the w3c reader)
    // go; the header line, which has no time, stays with its source until the
    // source's events all expire.
    ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-05-25T00:00:00Z",
        &"--execute",
    ]);
    let q = netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!(q.iter().map(|x| x.line).collect::<Vec<_>>(), vec![1]);
    assert_eq!(records(&store).len(), 1);
}
