//! Readers and input: every compression by content, and each log format on
//! real sample lines (copies in tests/data with their sources and licences).

mod common;

use std::io::Write;
use std::path::Path;

use common::*;

fn records(store: &Path) -> Vec<netusage::store::manifest::SourceRecord> {
    netusage::store::manifest::read(&store.join("sources.jsonl")).unwrap()
}

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
    ok(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        logs.to_str().unwrap(),
    ]);
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
    let out = run(&[
        "ingest",
        "--store",
        store2.to_str().unwrap(),
        cut.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
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

fn ms_of(s: &str) -> i64 {
    ms(s)
}

fn sample(rel: &str) -> String {
    std::fs::read_to_string(test_data().join(rel)).unwrap()
}

#[test]
fn common_and_combined_lines_read_exactly() {
    use netusage::formats::common::parse_line;
    let text = sample("apache-clf/crowdsec_apache2-logs.log");
    let lines: Vec<&str> = text.lines().collect();
    let e = parse_line(lines[0]).unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.host.as_ref(),
            e.status,
            e.bytes,
            e.denied
        ),
        (
            ms_of("2020-06-08T06:49:01Z"),
            "93.43.209.58",
            None,
            "",
            500,
            803,
            false
        )
    );
    assert_eq!((e.method, e.url.as_ref()), ("GET", "/"));
    // A virtual host first (vhost_combined): the host is the virtual host.
    let e = parse_line(lines[3]).unwrap();
    assert_eq!(
        (e.client_ip, e.host.as_ref()),
        ("1.2.3.4", "www.crowdsec.net")
    );
    // Common (no referer or agent), offset +0100.
    let e = parse_line(lines[5]).unwrap();
    assert_eq!(
        (e.ts_ms, e.status, e.bytes),
        (ms_of("2021-03-05T08:01:38Z"), 200, 1513)
    );
    // `host:port` virtual host, offset +0200.
    let e = parse_line(lines[6]).unwrap();
    assert_eq!(
        (e.ts_ms, e.host.as_ref(), e.status, e.bytes),
        (ms_of("2021-10-25T09:05:52Z"), "website.com", 403, 6963)
    );
    // Apache error-log lines are not access lines.
    assert!(parse_line(lines[7]).is_err());
    // `"-"`: no request at all.
    let dash = sample("apache-clf/lnav_logfile_access_log.1.log");
    let e = parse_line(dash.trim_end()).unwrap();
    assert_eq!(
        (e.method, e.status, e.bytes, e.client_ip),
        ("", 400, 0, "10.112.81.15")
    );
    // Squid's combined layout: absolute URL, user, escaped quote, %Ss:%Sh.
    let e = parse_line(
        r#"10.0.0.5 - CORP%5Cjsmith [11/Nov/2026:12:00:00 +0000] "GET http://www.facebook.com/a\"b HTTP/1.1" 403 3900 "-" "Mozilla \"x\"" TCP_DENIED:HIER_NONE"#,
    )
    .unwrap();
    assert_eq!(
        (
            e.host.as_ref(),
            e.url.as_ref(),
            e.user.as_deref(),
            e.denied,
            e.action
        ),
        (
            "www.facebook.com",
            "http://www.facebook.com/a\"b",
            Some("CORP%5Cjsmith"),
            true,
            Some("TCP_DENIED:HIER_NONE")
        )
    );
    // A hostname client and CONNECT host:port.
    let e = parse_line(r#"pc-042.council.local - - [11/Nov/2026:12:00:00 +0000] "CONNECT x.com:443 HTTP/1.1" 200 5120"#).unwrap();
    assert_eq!(
        (e.client_ip, e.host.as_ref(), e.method),
        ("pc-042.council.local", "x.com", "CONNECT")
    );
}
