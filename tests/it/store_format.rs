//! The store's Parquet files, written through polars' internal crates
//! (`polars-parquet`, `polars-arrow`, `polars-compute`: no stable API), read
//! back through polars' public API and through DuckDB: every column of every
//! row equals what the log lines say, computed by hand. An upgrade of polars
//! that changes what `store/rowgroup.rs` writes fails here
//! (docs/ARCHITECTURE.md, "Polars' internal crates").

use std::path::{Path, PathBuf};

use polars::prelude::{AnyValue, DataFrame, ParquetReader, SerReader};

use crate::common::*;

/// The columns in schema order, as both readers give them: one string per
/// cell (`null` for a missing value, times as UTC milliseconds).
const COLUMNS: [&str; 21] = [
    "ts",
    "user",
    "client_ip",
    "host",
    "domain",
    "site",
    "category",
    "embedded",
    "method",
    "status",
    "bytes",
    "elapsed_ms",
    "url",
    "denied",
    "bytes_out",
    "dst_port",
    "action",
    "source",
    "line",
    "user_logged",
    "reading",
];

/// Every partition file of the store, sorted.
fn partition_files(store: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(store.join("events"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    files
}

/// A cell as text: integers in decimal, booleans, strings, times as ms.
fn cell(v: AnyValue<'_>) -> String {
    match v {
        AnyValue::Null => "null".into(),
        AnyValue::Datetime(ms, _, _) => ms.to_string(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Boolean(b) => b.to_string(),
        AnyValue::UInt16(n) => n.to_string(),
        AnyValue::UInt32(n) => n.to_string(),
        AnyValue::UInt64(n) => n.to_string(),
        other => panic!("unexpected value {other:?}"),
    }
}

/// Every row of the store read with polars' public Parquet reader, by
/// source and line.
fn polars_rows(store: &Path) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for path in partition_files(store) {
        let df: DataFrame = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        assert_eq!(
            names,
            COLUMNS,
            "{}: columns in schema order",
            path.display()
        );
        for i in 0..df.height() {
            let row = df.get_row(i).unwrap();
            rows.push(row.0.into_iter().map(cell).collect());
        }
    }
    rows.sort_by(|a: &Vec<String>, b| {
        (&a[17], a[18].parse::<u64>().unwrap()).cmp(&(&b[17], b[18].parse().unwrap()))
    });
    rows
}

/// Every row read by DuckDB (Python package `duckdb`, installed by
/// `.ci/run`), by source and line, cells as [`cell`] writes them.
fn duckdb_rows(store: &Path) -> Vec<Vec<String>> {
    let script = r#"
import sys
import duckdb
store = sys.argv[1]
cols = sys.argv[2].split(",")
con = duckdb.connect()
exprs = ", ".join(
    ("coalesce(CAST(epoch_ms(ts) AS VARCHAR), 'null')" if c == "ts"
     else f"coalesce(lower(CAST(\"{c}\" AS VARCHAR)), 'null')" if c in ("embedded", "denied", "user_logged")
     else f"coalesce(CAST(\"{c}\" AS VARCHAR), 'null')")
    for c in cols)
query = f"SELECT {exprs} FROM read_parquet('{store}/events/*/*.parquet', hive_partitioning = false) ORDER BY source, line"
for row in con.execute(query).fetchall():
    print("\t".join(row))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(store)
        .arg(COLUMNS.join(","))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "DuckDB failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| l.split('\t').map(String::from).collect())
        .collect()
}

#[test]
#[cfg_attr(
    duckdb_missing,
    ignore = "needs Python's duckdb package (python3 -m pip install duckdb; installed by .ci/run)"
)]
fn every_column_reads_back_alike_through_polars_and_duckdb() {
    let dir = tempfile::tempdir().unwrap();
    let d = recent_tuesday();
    let t = ms(&format!("{d}T10:00:00Z")) / 1000;
    // A logged user; an address-only denied CONNECT (Squid's native layout
    // logs no port: `host:port` stays in the URL); a FortiGate record with
    // the columns Squid leaves empty (bytes sent, port, action), its URL
    // made from the service, host name and path.
    let squid = write_log(
        dir.path(),
        "access.log",
        &[
            format!(
                "{t}.250   1500 10.0.0.5 TCP_MISS/200 4242 GET http://www.facebook.com/home jsmith HIER_DIRECT/1.2.3.4 text/html"
            ),
            // Through OPNsense's syslog (RFC 5424): the envelope is read
            // and recorded in `reading`.
            format!(
                "<13>1 {d}T10:01:05Z opnsense.local (squid-1) 4242 - - {}.000      0 10.0.0.6 TCP_DENIED/403 3900 CONNECT www.bet365.com:443 - HIER_NONE/- -",
                t + 60
            ),
        ],
    );
    let forti = write_log(
        dir.path(),
        "fortigate.log",
        &[format!(
            r#"date={d} time=11:15:02 logid="0317013312" type="utm" subtype="webfilter" tz="+0000" user="akhan" srcip=10.0.0.7 dstip=157.240.221.35 dstport=8443 service="HTTPS" hostname="www.bbc.co.uk" action="passthrough" url="/news" sentbyte=3545 rcvdbyte=6812"#
        )],
    );
    let store = dir.path().join("store");
    for log in [&squid, &forti] {
        ok(&[
            &"ingest",
            &"--store",
            &store,
            &"--source-time-zone",
            &"UTC",
            log,
        ]);
    }
    // The source id (src/ingest/mod.rs, `source_id`): SHA-256 of the first
    // 64 KiB's SHA-256 (here the whole file), its size and first line.
    let source = |p: &Path| {
        let bytes = std::fs::read(p).unwrap();
        let text = format!("{}:{}:1", sha256_hex(&bytes), bytes.len());
        sha256_hex(text.as_bytes())[..16].to_string()
    };
    let (s1, s2) = (source(&squid), source(&forti));
    let t_forti = ms(&format!("{d}T11:15:02Z"));
    let row = |cells: [&str; 21]| cells.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    let mut expected = vec![
        row([
            &(t * 1000 + 250).to_string(),
            "jsmith",
            "10.0.0.5",
            "www.facebook.com",
            "facebook.com",
            "facebook",
            "social_networking",
            "false",
            "GET",
            "200",
            "4242",
            "1500",
            "http://www.facebook.com/home",
            "false",
            "null",
            "null",
            "null",
            &s1,
            "1",
            "true",
            "null",
        ]),
        row([
            &((t + 60) * 1000).to_string(),
            "ip:10.0.0.6",
            "10.0.0.6",
            "www.bet365.com",
            "bet365.com",
            "bet365",
            "gambling",
            "false",
            "CONNECT",
            "403",
            "3900",
            "0",
            "www.bet365.com:443",
            "true",
            "null",
            "null",
            "null",
            &s1,
            "2",
            "false",
            "syslog RFC 5424 host opnsense.local tag (squid-1); time from the line",
        ]),
        row([
            &t_forti.to_string(),
            "akhan",
            "10.0.0.7",
            "www.bbc.co.uk",
            "bbc.co.uk",
            "bbc",
            "news",
            "false",
            "",
            "0",
            "6812",
            "null",
            "https://www.bbc.co.uk/news",
            "false",
            "3545",
            "8443",
            "passthrough",
            &s2,
            "1",
            "true",
            "null",
        ]),
    ];
    expected.sort_by(|a, b| (&a[17], &a[18]).cmp(&(&b[17], &b[18])));
    let from_polars = polars_rows(&store);
    assert_eq!(from_polars, expected, "polars' public reader");
    assert_eq!(duckdb_rows(&store), expected, "DuckDB");
}

#[test]
fn a_layout_3_store_reads_on_with_reading_as_null() {
    use polars::prelude::ParquetWriter;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, UTC_CONFIG).unwrap();
    let mut lines = every(&at(0, "10:00:00"), 120, 12, "alice", "www.facebook.com");
    lines.extend(every(&at(0, "10:00:00"), 60, 5, "bob", "x.com"));
    let log = write_log(dir.path(), "access.log", &lines);
    ok(&[&"ingest", &"--store", &store, &"--config", &config, &log]);
    let before = usage_csv(&store, Some(&config));
    // The store as version 3 wrote it: no `reading` column, layout 3.
    for path in partition_files(&store) {
        let mut df = ParquetReader::new(std::fs::File::open(&path).unwrap())
            .finish()
            .unwrap();
        df = df.drop("reading").unwrap();
        let mut f = std::fs::File::create(&path).unwrap();
        ParquetWriter::new(&mut f).finish(&mut df).unwrap();
    }
    let info = store.join("store.toml");
    let text = std::fs::read_to_string(&info).unwrap();
    assert!(text.contains("schema_version = 4"), "{text}");
    std::fs::write(
        &info,
        text.replace("schema_version = 4", "schema_version = 3"),
    )
    .unwrap();
    // alice: [10:00, 10:24) = 23.0 min; bob [10:00, 10:05) = 5.0 min, as before.
    assert_eq!(usage_csv(&store, Some(&config)), before);
    assert!(before.contains(",1380,"), "{before}");
    // A layout-2 store is refused, with what to do.
    std::fs::write(
        &info,
        text.replace("schema_version = 4", "schema_version = 2"),
    )
    .unwrap();
    let out = run(&[&"usage", &"--store", &store]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("has layout version 2, this netusage reads versions 3 to 4"));
}
