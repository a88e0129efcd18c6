//! Every command that writes both CSV and JSON writes the same columns: the
//! CSV header is the JSON objects' keys, in order (one row type declares
//! both).

use std::ffi::OsString;
use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::common::*;

/// The keys of one JSON object, in the order written.
#[derive(Debug)]
struct Keys(Vec<String>);

impl<'de> de::Deserialize<'de> for Keys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeysVisitor;
        impl<'de> Visitor<'de> for KeysVisitor {
            type Value = Keys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Keys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    keys.push(k);
                }
                Ok(Keys(keys))
            }
        }
        d.deserialize_map(KeysVisitor)
    }
}

/// The header of a CSV text and how many rows follow it.
fn csv_header(text: &str) -> (Vec<String>, usize) {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap().iter().map(String::from).collect();
    (header, r.records().count())
}

/// Runs `args` with `--format csv` and `--format json` (`json_rows` picks
/// the array of row objects out of the JSON text); asserts both have rows
/// and the header equals every row object's keys. Returns the header.
fn same_columns(
    args: &[Arg],
    json_rows: impl Fn(&str) -> Vec<Keys>,
    store_for: impl Fn(&str) -> Vec<OsString>,
) -> Vec<String> {
    let mut outputs = Vec::new();
    for format in ["csv", "json"] {
        let store = store_for(format);
        let mut a = args.to_vec();
        a.extend(args_of(&store));
        a.extend([&"--format" as Arg, &format]);
        outputs.push(ok(&a));
    }
    // `ingest` writes a line per file on standard output before the
    // totals, as many in either format: the same count is skipped in both.
    let skip = outputs[1]
        .lines()
        .take_while(|l| !l.starts_with(['[', '{']))
        .count();
    let after = |text: &str| text.lines().skip(skip).collect::<Vec<_>>().join("\n");
    let (header, rows) = csv_header(&after(&outputs[0]));
    assert!(rows > 0, "{:?}: no CSV rows\n{}", shown(args), outputs[0]);
    let objects = json_rows(&after(&outputs[1]));
    assert_eq!(
        objects.len(),
        rows,
        "{:?}: as many JSON objects as CSV rows",
        shown(args)
    );
    for o in objects {
        assert_eq!(o.0, header, "{:?}", shown(args));
    }
    header
}

/// The objects of a JSON array.
fn array(text: &str) -> Vec<Keys> {
    serde_json::from_str(text).unwrap()
}

/// The objects of the array under `key` of a JSON object.
fn under(key: &'static str) -> impl Fn(&str) -> Vec<Keys> {
    move |text| {
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        serde_json::from_str(&v[key].to_string()).unwrap()
    }
}

#[test]
fn csv_headers_are_the_json_keys_of_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cfg = root.join("c.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    // alice: 23 minutes of facebook in working time on Wed 11 June 2025
    // (flagged); bob: one request; one firewall line with only an address.
    let mut lines = every("2025-06-11T10:00:00Z", 120, 12, "alice", "www.facebook.com");
    lines.push(line("2025-06-11T15:00:00Z", "bob", "www.gov.uk"));
    lines.push(line("2025-06-11T15:10:00Z", "-", "157.240.1.35"));
    let log = write_log(root, "access.log", &lines);
    let ids = root.join("ids.csv");
    std::fs::write(
        &ids,
        "ip,user,from,to\n10.0.0.5,alice,2025-06-11T08:00:00Z,2025-06-11T18:00:00Z\n",
    )
    .unwrap();
    let dns = facebook_lookup_log(root);
    let store = root.join("store");
    ingest(&store, &log);
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-2025-001",
        &"--users",
        &"alice",
        &"--from",
        &"2025-06-01",
        &"--to",
        &"2025-06-30",
        &"--reason",
        &"grievance",
    ]);
    let fresh = |name: &'static str| {
        let root = root.to_path_buf();
        move |format: &str| {
            let st = root.join(format!("{name}-{format}"));
            vec!["--store".into(), st.into()]
        }
    };
    let this = |_: &str| vec!["--store".into(), store.clone().into()];
    // `identity import` and `dns import` need a store: one per format.
    for name in ["identity", "dns"] {
        for format in ["csv", "json"] {
            ingest(&root.join(format!("{name}-{format}")), &log);
        }
    }

    let ingest_header = same_columns(
        &[&"ingest", &"--now", &TEST_NOW, &log],
        array,
        fresh("ingest"),
    );
    assert_eq!(
        ingest_header,
        [
            "files",
            "ingested",
            "already_ingested",
            "failed",
            "skipped",
            "lines",
            "accepted",
            "rejected",
            "first_event",
            "last_event",
            "seconds",
            "lines_per_s"
        ]
    );
    same_columns(
        &[&"identity", &"import", &"--kind", &"csv", &ids],
        array,
        fresh("identity"),
    );
    ok(&[
        &"identity",
        &"import",
        &"--store",
        &store,
        &"--kind",
        &"csv",
        &ids,
    ]);
    let dns_import: [Arg; 7] = [
        &"dns",
        &"import",
        &"--time-zone",
        &"UTC",
        &"--year",
        &"2025",
        &dns,
    ];
    same_columns(&dns_import, array, fresh("dns"));
    crate::common::dns_import(&store, "2025", &[&dns]);

    same_columns(&[&"usage", &"--config", &cfg], array, this);
    same_columns(
        &[&"usage", &"--config", &cfg, &"--by-category"],
        array,
        this,
    );
    same_columns(
        &[&"usage", &"--config", &cfg, &"--coverage"],
        under("coverage"),
        this,
    );
    same_columns(&[&"flags", &"--config", &cfg], array, this);
    let hold = same_columns(&[&"hold", &"list"], array, this);
    assert_eq!(
        hold,
        [
            "reference",
            "users",
            "from",
            "to",
            "reason",
            "created_at",
            "created_by",
            "time_zone"
        ]
    );
    same_columns(
        // A year and nine days after 11 June 2025: those events have expired.
        &[
            &"purge",
            &"--config",
            &cfg,
            &"--now",
            &"2026-06-20T00:00:00Z",
        ],
        under("files"),
        this,
    );
    let identity = same_columns(&[&"identity", &"list"], array, this);
    assert_eq!(
        identity,
        [
            "source",
            "kind",
            "path",
            "records",
            "accepted",
            "rejected",
            "intervals",
            "imported_at",
            "sha256",
            "size",
            "max_hold_s",
            "assets",
            "time_zone"
        ]
    );
    let dns = same_columns(&[&"dns", &"list"], array, this);
    assert_eq!(
        dns,
        [
            "source",
            "path",
            "records",
            "accepted",
            "rejected",
            "lookups",
            "imported_at",
            "sha256"
        ]
    );
    same_columns(
        &[
            &"categories",
            &"lookup",
            &"www.facebook.com",
            &"=evil.example",
        ],
        array,
        |_| Vec::new(),
    );
    let hosts = tempfile::tempdir().unwrap();
    let list = hosts.path().join("hosts.txt");
    std::fs::write(&list, "www.facebook.com\n-evil.example\n").unwrap();
    for each in [None, Some(&"--each" as Arg)] {
        let mut args: Vec<Arg> = vec![&"categories", &"coverage", &list];
        args.extend(each);
        same_columns(&args, array, |_| Vec::new());
    }
    same_columns(
        &[&"windows", &"--from", &"2025-06-09", &"--to", &"2025-06-13"],
        array,
        |_| Vec::new(),
    );
}
