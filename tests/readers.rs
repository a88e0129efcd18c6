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
    let lines = |user: &str| every(&format!("{d}T10:00:00Z"), 60, 3, user, "x.com").join("\n") + "\n";
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
    std::fs::write(logs.join("c.log.zst"), zstd::encode_all(lines("dan").as_bytes(), 3).unwrap()).unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(lines("eve").as_bytes()).unwrap();
    std::fs::write(logs.join("d.log.xz"), xz.finish().unwrap()).unwrap();
    let store = dir.path().join("store");
    ok(&["ingest", "--store", store.to_str().unwrap(), logs.to_str().unwrap()]);
    let mut got: Vec<(String, String, u64)> = records(&store)
        .into_iter()
        .map(|r| {
            let name = Path::new(&r.path).file_name().unwrap().to_str().unwrap().to_string();
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
    let out = run(&["ingest", "--store", store2.to_str().unwrap(), cut.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cut.log.bz2") && err.contains("compressed data is corrupt or ends early"), "{err}");
    assert!(records(&store2).is_empty());
    assert!(!store2.join("events").exists() || std::fs::read_dir(store2.join("events")).unwrap().next().is_none());
}
