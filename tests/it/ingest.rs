//! Ingest: real sample files, bad input, idempotence.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::common::*;
use netusage::store::quarantine;

#[test]
fn every_squid_sample_is_accounted_for_line_by_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let squid = test_data().join("squid");
    // Each sample is ingested as of just after its own time (the test
    // build's clock with it: the window is measured from the clock).
    for (file, now) in [
        ("beats_x-pack_squid_access1.log", "2006-09-10T00:00:00Z"),
        (
            "integrations_squid_test-access-extensive.log",
            "2026-03-14T00:00:00Z",
        ),
    ] {
        ok(&[
            &"ingest",
            &"--now",
            &now,
            &"--store",
            &store,
            &squid.join(file),
        ]);
    }
    let records = records(&store);
    let files: Vec<_> = std::fs::read_dir(&squid)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(records.len(), files.len());
    for r in &records {
        let bytes = std::fs::read(&r.path).unwrap();
        assert_eq!(r.lines, count_lines(&bytes), "{}", r.path);
        assert_eq!(r.accepted + r.rejected, r.lines, "{}", r.path);
        let q = quarantine::read(&store.join("quarantine"), &r.source).unwrap();
        assert_eq!(q.len() as u64, r.rejected, "{}", r.path);
        let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        for rej in &q {
            assert!(!rej.reason.is_empty());
            assert_eq!(
                rej.raw.as_bytes(),
                lines[rej.line as usize - 1],
                "quarantined raw text is the line itself"
            );
        }
    }
    // Both real samples parse completely: the native one (100 lines) and the extended layout (11).
    let by_name: BTreeMap<&str, (u64, u64)> = records
        .iter()
        .map(|r| {
            (
                Path::new(&r.path).file_name().unwrap().to_str().unwrap(),
                (r.lines, r.accepted),
            )
        })
        .collect();
    assert_eq!(by_name["beats_x-pack_squid_access1.log"], (100, 100));
    assert_eq!(
        by_name["integrations_squid_test-access-extensive.log"],
        (11, 11)
    );
}

#[test]
fn generated_sample_ingests_with_its_malformed_lines_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = sample_logs(dir.path()).join("council-office-access.log");
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--now",
        &"2026-11-20T12:00:00Z",
        &log,
    ]);
    let r = &records(&store)[0];
    assert_eq!(r.lines, 50_000);
    let q = quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert!(!q.is_empty(), "the generator writes a few malformed lines");
    assert_eq!(r.accepted + q.len() as u64, 50_000);
    // Each quarantined line really is malformed, and no good line was rejected.
    for rej in &q {
        assert!(netusage::formats::squid::parse_line(&rej.raw).is_err());
    }
}

#[test]
fn second_ingest_of_the_same_file_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(
        dir.path(),
        "a.log",
        &every("2025-06-11T09:00:00Z", 60, 5, "alice", "x.com"),
    );
    ingest(&store, &log);
    let before = snapshot(&store);
    let out = ingest(&store, &log);
    assert!(out.contains("already ingested as source"), "{out}");
    assert_eq!(snapshot(&store), before);
}

#[test]
fn bad_files_give_clear_errors_and_leave_the_store_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let good = write_log(
        dir.path(),
        "good.log",
        &every("2025-06-11T09:00:00Z", 60, 3, "alice", "x.com"),
    );
    ingest(&store, &good);
    let before = snapshot(&store);

    // A binary file.
    let bin = dir.path().join("image.bin");
    std::fs::write(&bin, [0x89u8, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0xfe]).unwrap();
    // A truncated .gz: the first half of a compressed log.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for l in every("2025-06-12T09:00:00Z", 1, 5000, "bob", "www.facebook.com") {
        writeln!(gz, "{l}").unwrap();
    }
    let full = gz.finish().unwrap();
    let trunc = dir.path().join("cut.log.gz");
    std::fs::write(&trunc, &full[..full.len() / 2]).unwrap();
    // An unreadable file: a symlink to nowhere.
    let dangling = dir.path().join("gone.log");
    std::os::unix::fs::symlink(dir.path().join("missing-target"), &dangling).unwrap();
    // A log of another kind: an SSH daemon's syslog.
    let apache = write_log(
        dir.path(),
        "auth.log",
        &[
            "Oct 10 13:55:36 host sshd[123]: Accepted password for bob from 10.0.0.5 port 22 ssh2"
                .to_string(),
        ],
    );

    for (path, expect) in [
        (&bin, "is a binary file"),
        (&trunc, "truncated .gz"),
        (&dangling, "cannot read"),
        (&apache, "cannot tell the log format"),
    ] {
        let out = run(&[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &path]);
        assert_eq!(out.status.code(), Some(1), "{}", path.display());
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(
            all.contains(expect),
            "{}: expected `{expect}` in:\n{all}",
            path.display()
        );
        assert!(
            all.contains(path.file_name().unwrap().to_str().unwrap()),
            "message names the file: {all}"
        );
        assert_eq!(
            snapshot(&store),
            before,
            "store unchanged after {}",
            path.display()
        );
    }
}

/// A mistyped log path (or an empty folder) given with a new `--store`
/// creates no store: the error names the path and says none was made.
/// Before, an empty store with keys of its own was left for the next
/// command to find.
#[test]
fn nothing_to_ingest_creates_no_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let typo = dir.path().join("acess.log");
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for (path, why) in [
        (&typo, typo.display().to_string()),
        (&empty, format!("{} holds no file to read", empty.display())),
    ] {
        let out = run(&[&"ingest", &"--now", &TEST_NOW, &"--store", &store, path]);
        assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "nothing to ingest, so no store was created at {}: ",
                store.display()
            )) && err.contains(&why),
            "{err}"
        );
        assert!(!store.exists());
    }
}

#[test]
fn empty_file_other_format_and_huge_line_are_quarantined_not_lost() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    // Forced squid on Apache lines: each line quarantined with its reason.
    let apache = write_log(
        dir.path(),
        "apache.log",
        &[
            "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326".to_string(),
            "garbage".to_string(),
        ],
    );
    // A 1 MB line between two good ones.
    let mut lines = vec![line("2025-06-11T09:00:00Z", "alice", "x.com")];
    lines.push("x".repeat(1 << 20));
    lines.push(line("2025-06-11T09:01:00Z", "alice", "x.com"));
    let huge = write_log(dir.path(), "huge.log", &lines);

    ingest(&store, &empty);
    ok(&[
        &"ingest",
        &"--now",
        &TEST_NOW,
        &"--store",
        &store,
        &"--log-format",
        &"squid",
        &apache,
    ]);
    ingest(&store, &huge);
    let records = records(&store);
    let get = |name: &str| {
        records
            .iter()
            .find(|r| r.path.ends_with(name))
            .unwrap()
            .clone()
    };
    let (e, a, h) = (get("empty.log"), get("apache.log"), get("huge.log"));
    assert_eq!((e.lines, e.accepted, e.rejected), (0, 0, 0));
    assert_eq!((a.lines, a.accepted, a.rejected), (2, 0, 2));
    assert_eq!((h.lines, h.accepted, h.rejected), (3, 2, 1));
    let qa = quarantine::read(&store.join("quarantine"), &a.source).unwrap();
    assert_eq!(
        qa.iter()
            .map(|q| (q.line, q.reason.as_str()))
            .collect::<Vec<_>>(),
        [
            (
                1,
                "timestamp is not `seconds.milliseconds` between 2000 and 2100"
            ),
            (2, "fewer than 10 fields: not a Squid access-log line")
        ]
    );
    let qh = quarantine::read(&store.join("quarantine"), &h.source).unwrap();
    assert_eq!(
        (qh[0].line, qh[0].raw.len(), qh[0].bytes),
        (2, 256, Some(1 << 20))
    );
    assert!(
        qh[0]
            .reason
            .starts_with("line of 1048576 bytes, longer than 65536")
    );
    assert_eq!(
        qh[0].raw_sha256.as_deref(),
        Some(hex::encode(<sha2::Sha256 as sha2::Digest>::digest("x".repeat(1 << 20))).as_str())
    );
}

/// Squid lines by alice, one a second from 2025-06-11 09:00:00 UTC plus `from` s.
fn squid_lines(from: u64, n: u64) -> Vec<u8> {
    let mut out = Vec::new();
    for i in from..from + n {
        out.extend_from_slice(
            format!(
                "{}.000    120 10.0.0.5 TCP_TUNNEL/200 5120 CONNECT www.facebook.com:443 alice HIER_DIRECT/203.0.113.9 -\n",
                1_749_632_400 + i
            )
            .as_bytes(),
        );
    }
    out
}

#[test]
fn a_line_longer_than_a_block_is_quarantined_and_reading_goes_on() {
    // 1,000 lines, a 20 MiB line, a 20 MiB run of NUL bytes (after the first
    // 64 KiB, as in a crash-damaged log), 1,000 more lines: every line is
    // accounted for, the two long ones quarantined with length and SHA-256.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let long = vec![b'x'; 20 << 20];
    let nul = vec![0u8; 20 << 20];
    let mut bytes = squid_lines(0, 1000);
    bytes.extend_from_slice(&long);
    bytes.push(b'\n');
    bytes.extend_from_slice(&nul);
    bytes.extend_from_slice(b"\r\n");
    bytes.extend_from_slice(&squid_lines(1000, 1000));
    let path = dir.path().join("damaged.log");
    std::fs::write(&path, &bytes).unwrap();
    ingest(&store, &path);
    let records = records(&store);
    let r = &records[0];
    assert_eq!((r.lines, r.accepted, r.rejected), (2002, 2000, 2));
    assert_eq!(r.size, bytes.len() as u64);
    let sha = |b: &[u8]| hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b));
    assert_eq!(r.sha256, sha(&bytes));
    let q = quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    let got: Vec<_> = q
        .iter()
        .map(|q| (q.line, q.bytes, q.raw_sha256.clone().unwrap(), q.raw.len()))
        .collect();
    assert_eq!(
        got,
        [
            (1001, Some(20 << 20), sha(&long), 256),
            (1002, Some(20 << 20), sha(&nul), 256),
        ]
    );
    assert!(q[1].reason.contains("NUL bytes"), "{}", q[1].reason);
    let last = r.last_ts.unwrap().timestamp();
    assert_eq!(last, 1_749_632_400 + 1999);
}

#[test]
fn gzip_logs_read_like_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let lines = every("2025-06-11T09:00:00Z", 60, 4, "alice", "www.facebook.com");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all((lines.join("\n") + "\n").as_bytes()).unwrap();
    let path = dir.path().join("access.log.1.gz");
    std::fs::write(&path, gz.finish().unwrap()).unwrap();
    ingest(&store, &path);
    let r = &records(&store)[0];
    assert_eq!((r.lines, r.accepted, r.format.as_str()), (4, 4, "squid"));
    assert_eq!(
        r.first_ts.unwrap().to_rfc3339(),
        "2025-06-11T09:00:00+00:00"
    );
    assert_eq!(r.last_ts.unwrap().to_rfc3339(), "2025-06-11T09:03:00+00:00");
}

/// Hostile lines, each refused with a reason or stored, and counted: the
/// verdicts worked out by hand from Squid's native format (`time.msec
/// elapsed client code/status bytes method URL user hierarchy/peer type`,
/// fields split on runs of spaces or tabs). Then 20,000 pseudo-random lines
/// of Squid-like fragments and noise: none panics the parser, and none is
/// stored (the one fragment that reads as a time, 1157689312.049, is
/// 8 September 2006, outside the year before `TEST_NOW`).
#[test]
fn no_line_makes_the_parser_panic() {
    let good = line("2025-06-11T09:00:00Z", "alice", "www.facebook.com");
    let hostile = [
        // 1 to 4 stored.
        good.clone(),
        line("2025-06-11T09:00:30Z", "alice", "www.facebook.com").replace(' ', "\t"),
        // A URL that is no URL and a user name of a BOM and a lone `%`:
        // both are any token in the format.
        line("2025-06-11T09:01:00Z", "alice", "x.com")
            .replace("CONNECT x.com:443", "GET http://[::1"),
        line("2025-06-11T09:02:00Z", "\u{feff}%", "x.com"),
        // 5 to 11 refused.
        String::new(),
        "::::".to_string(),
        good.replace("1749632400.000", "9999999999999999999999"),
        good.replace("TCP_TUNNEL/200", "TCP_TUNNEL/2000"),
        good.replace(" 5120 ", " % "),
        good.split(" alice ").next().unwrap().to_string(),
        ["-"; 10].join(" "),
    ];
    assert_eq!(
        hostile[6].split(' ').next(),
        Some("9999999999999999999999"),
        "the time replaced"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(dir.path(), "hostile.log", &hostile);
    ingest_as_of(&store, TEST_NOW, &[&"--log-format", &"squid"], &log);
    let r = &records(&store)[0];
    assert_eq!((r.lines, r.accepted, r.rejected), (11, 4, 7));
    let q = quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!(
        q.iter().map(|l| l.line).collect::<Vec<_>>(),
        [5, 6, 7, 8, 9, 10, 11]
    );
    for l in &q {
        assert!(!l.reason.trim().is_empty(), "line {} has a reason", l.line);
    }
    assert_eq!(q[0].reason, "blank line");

    // Deterministic pseudo-random lines built from Squid-like fragments and noise.
    let parts = [
        "1157689312.049",
        "5006",
        "10.0.0.1",
        "TCP_MISS/200",
        "19763",
        "CONNECT",
        "GET",
        "a.com:443",
        "http://[::1",
        "-",
        "DIRECT/-",
        "/",
        "%",
        "\u{feff}",
        "HTTP/1.1",
        "::::",
        "9999999999999999999999",
        "",
    ];
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut noise = Vec::new();
    for _ in 0..20_000 {
        let mut line = String::new();
        for _ in 0..(x % 16) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            line.push_str(parts[(x % parts.len() as u64) as usize]);
            line.push(if x & 1 == 0 { ' ' } else { '\t' });
        }
        match netusage::formats::squid::parse_line(&line) {
            Err(reason) => assert!(!reason.is_empty(), "{line:?}"),
            Ok(e) => assert_eq!(e.ts_ms, 1_157_689_312_049, "{line:?}"),
        }
        let _ = netusage::formats::url_host(&line);
        let _ = netusage::classify::Classifier::bundled().classify(&line);
        noise.push(line);
    }
    let log = write_log(dir.path(), "noise.log", &noise);
    ingest_as_of(&store, TEST_NOW, &[&"--log-format", &"squid"], &log);
    let r = &records(&store)[1];
    assert_eq!((r.lines, r.accepted, r.rejected), (20_000, 0, 20_000));
    let q = quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!(q.len(), 20_000);
    assert!(q.iter().all(|l| !l.reason.trim().is_empty()));
}

#[test]
fn non_logs_found_in_a_directory_are_skipped_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    write_log(
        &logs,
        "access.log",
        &[line("2025-06-11T09:00:00Z", "alice", "x.com")],
    );
    std::fs::write(logs.join("README.md"), "# notes about these logs\n").unwrap();
    let store = dir.path().join("store");
    let out = ingest(&store, &logs);
    assert!(out.contains("skipped (not a log): "), "{out}");
    assert!(
        out.contains("README.md: cannot tell the log format"),
        "{out}"
    );
    assert_eq!(records(&store).len(), 1);
    // Named explicitly, the same file is an error.
    let out = run(&[
        &"ingest",
        &"--now",
        &TEST_NOW,
        &"--store",
        &store,
        &logs.join("README.md"),
    ]);
    assert_eq!(out.status.code(), Some(1));
}

/// A log already ingested that grew after a crash left NUL bytes where it
/// went on (Squid's typical damage): the new part was refused whole as "a
/// binary file". It is read as the continuation it is, its damaged line
/// quarantined.
#[test]
fn a_grown_log_whose_new_part_starts_with_damage_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let path = dir.path().join("access.log");
    std::fs::write(&path, squid_lines(0, 2)).unwrap();
    ingest(&store, &path);
    let mut grown = squid_lines(0, 2);
    grown.extend_from_slice(&vec![0u8; 1 << 20]);
    grown.push(b'\n');
    grown.extend_from_slice(&squid_lines(2, 2));
    std::fs::write(&path, &grown).unwrap();
    let out = ingest(&store, &path);
    assert!(out.contains("only lines 3 onwards were read"), "{out}");
    let records = records(&store);
    let r = &records[1];
    assert_eq!(
        (r.first_line, r.lines, r.accepted, r.rejected),
        (3, 3, 2, 1)
    );
    let q = quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!((q[0].line, q[0].bytes), (3, Some(1 << 20)));
}
