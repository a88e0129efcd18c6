//! The DNS table: lookups from imported DNS query logs (`netusage dns
//! import`), one `dns/<source>.parquet` per file (`ts` UTC ms, `client`,
//! `name`, `address`, `line`), its refused lines in
//! `dns/<source>.rejected.jsonl`, and `dns/sources.jsonl`, one line per
//! committed import (written last).

use std::fs::File;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use polars::prelude::{Column, DataFrame, IntoColumn, NamedFrom, ParquetReader, SerReader, Series};
use serde::{Deserialize, Serialize};

use super::{Store, sidecar};
use crate::dns::Lookup;

/// One imported DNS log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsSource {
    /// Source id: the first 16 hex characters of `sha256`.
    pub source: String,
    /// Canonical path.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Lines read; `accepted + rejected = records`.
    pub records: u64,
    /// Lines accepted.
    pub accepted: u64,
    /// Lines refused.
    pub rejected: u64,
    /// Lookups stored.
    pub lookups: u64,
    /// When it was imported (UTC).
    pub imported_at: DateTime<Utc>,
}

fn dir(store: &Store) -> PathBuf {
    store.root().join("dns")
}

/// Every committed import.
///
/// # Errors
/// The manifest cannot be read or a complete line is not a record.
pub fn sources(store: &Store) -> anyhow::Result<Vec<DnsSource>> {
    crate::fsutil::read_json_lines(
        &dir(store).join("sources.jsonl"),
        "DNS source record",
        crate::fsutil::LastLine::CompleteOnly,
    )
}

fn frame(v: &[Lookup]) -> anyhow::Result<DataFrame> {
    let cols: Vec<Column> = vec![
        Series::new("ts".into(), v.iter().map(|l| l.ts_ms).collect::<Vec<_>>()).into_column(),
        Series::new(
            "client".into(),
            v.iter().map(|l| l.client.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "name".into(),
            v.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "address".into(),
            v.iter().map(|l| l.address.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new("line".into(), v.iter().map(|l| l.line).collect::<Vec<_>>()).into_column(),
    ];
    Ok(DataFrame::new(v.len(), cols)?)
}

/// Stores one import: lookups, refused lines, then the manifest line.
///
/// # Errors
/// I/O or Parquet errors.
pub fn write(
    store: &Store,
    record: &DnsSource,
    lookups: &[Lookup],
    rejected: &[(u64, String)],
) -> anyhow::Result<()> {
    let d = dir(store);
    sidecar::write_table(&d, &record.source, &mut frame(lookups)?)?;
    let rejected = rejected
        .iter()
        .map(|(line, reason)| serde_json::json!({"line": line, "reason": reason}));
    sidecar::commit(&d, &record.source, rejected, record)?;
    Ok(())
}

/// The lookups of one source.
///
/// # Errors
/// The file cannot be read or lacks a column.
pub fn lookups(store: &Store, source: &str) -> anyhow::Result<Vec<Lookup>> {
    let path = dir(store).join(format!("{source}.parquet"));
    let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let df = ParquetReader::new(f)
        .finish()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let (ts, client) = (df.column("ts")?.i64()?, df.column("client")?.str()?);
    let (name, address, line) = (
        df.column("name")?.str()?,
        df.column("address")?.str()?,
        df.column("line")?.u64()?,
    );
    Ok((0..df.height())
        .map(|i| Lookup {
            ts_ms: ts.get(i).unwrap_or(0),
            client: client.get(i).unwrap_or("").to_string(),
            name: name.get(i).unwrap_or("").to_string(),
            address: address.get(i).unwrap_or("").to_string(),
            line: line.get(i).unwrap_or(0),
        })
        .collect())
}

/// Every lookup of every committed source.
///
/// # Errors
/// As [`sources`] and [`lookups`].
pub fn all(store: &Store) -> anyhow::Result<Vec<Lookup>> {
    let mut out = Vec::new();
    for s in sources(store)? {
        out.extend(lookups(store, &s.source)?);
    }
    Ok(out)
}

/// Removes lookups older than `cutoff_ms` (the retention purge) unless
/// `held` keeps them (a legal hold covers the events they name); returns
/// how many went (with `execute` false, how many would go).
///
/// # Errors
/// I/O or Parquet errors.
pub fn purge(
    store: &Store,
    cutoff_ms: i64,
    held: &dyn Fn(&Lookup) -> bool,
    execute: bool,
) -> anyhow::Result<u64> {
    let mut gone = 0;
    for s in sources(store)? {
        let all = lookups(store, &s.source)?;
        let keep: Vec<Lookup> = all
            .iter()
            .filter(|l| l.ts_ms >= cutoff_ms || held(l))
            .cloned()
            .collect();
        let n = (all.len() - keep.len()) as u64;
        if n > 0 && execute {
            sidecar::write_table(&dir(store), &s.source, &mut frame(&keep)?)?;
        }
        gone += n;
    }
    Ok(gone)
}
