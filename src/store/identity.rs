//! The identity table: address → user intervals from imported identity
//! sources (`netusage identity import`), one `identity/<source>.parquet` per
//! file, its refused records in `identity/<source>.rejected.jsonl`, and
//! `identity/sources.jsonl`, one line per committed import (written last, so
//! a crash mid-import leaves no half source). Columns: `ip`, `user`,
//! `start` and `end` (UTC ms, `[start, end)`), `line`, `raw`, `device` and
//! `device_type` (the leased device and its type from the asset register,
//! empty when not known; a table written before they existed reads them as
//! empty).

use std::fs::File;
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Utc};
use polars::prelude::{Column, DataFrame, IntoColumn, NamedFrom, ParquetReader, SerReader, Series};
use serde::{Deserialize, Serialize};

use super::{Store, sidecar};
use crate::identity::intervals::Interval;
use crate::identity::sources::RefusedRecord;

/// One imported identity file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentitySource {
    /// Source id: the first 16 hex characters of `sha256`.
    pub source: String,
    /// Canonical path of the file.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
    /// Its size (bytes).
    pub size: u64,
    /// Source kind (`windows-events`, `dhcpd-leases`, ...).
    pub kind: String,
    /// Records read; `accepted + rejected = records`.
    pub records: u64,
    /// Records accepted.
    pub accepted: u64,
    /// Records refused (each in `<source>.rejected.jsonl` with its reason).
    pub rejected: u64,
    /// Intervals made.
    pub intervals: u64,
    /// The maximum hold used (s).
    pub max_hold_s: u64,
    /// The asset register used, if any: path and SHA-256.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assets: Option<(String, String)>,
    /// The zone local times were read in.
    pub time_zone: String,
    /// When it was imported (system clock, UTC).
    pub imported_at: DateTime<Utc>,
}

fn manifest(store: &Store) -> PathBuf {
    store.identity_dir().join("sources.jsonl")
}

fn table(store: &Store, source: &str) -> PathBuf {
    store.identity_dir().join(format!("{source}.parquet"))
}

/// Every committed import, in order, a file imported again (with another
/// asset register: its table replaced) once, as its latest import.
///
/// # Errors
/// The manifest cannot be read, or a complete line is not a record.
pub fn sources(store: &Store) -> anyhow::Result<Vec<IdentitySource>> {
    let all: Vec<IdentitySource> = crate::fsutil::read_json_lines(
        &manifest(store),
        "identity source record",
        crate::fsutil::LastLine::CompleteOnly,
    )?;
    let mut out: Vec<IdentitySource> = Vec::with_capacity(all.len());
    for s in all {
        match out.iter_mut().find(|o| o.source == s.source) {
            Some(o) => *o = s,
            None => out.push(s),
        }
    }
    Ok(out)
}

/// Stores one import: the intervals, the refused records, then the manifest line.
///
/// # Errors
/// I/O or Parquet errors, naming the file.
pub fn write(
    store: &Store,
    record: &IdentitySource,
    intervals: &[Interval],
    rejected: &[RefusedRecord],
) -> anyhow::Result<()> {
    let dir = store.identity_dir();
    sidecar::write_table(&dir, &record.source, &mut to_frame(intervals)?)?;
    let rejected = rejected
        .iter()
        .map(|r| serde_json::json!({"line": r.line, "reason": r.reason, "raw": r.raw}));
    sidecar::commit(&dir, &record.source, rejected, record)?;
    Ok(())
}

/// Replaces a source's intervals with `keep` (the retention purge), and
/// when `all_gone`, deletes its refused records too (their raw lines are as
/// old as the intervals). The manifest line stays: the import happened.
///
/// # Errors
/// I/O or Parquet errors, naming the file.
pub fn rewrite(
    store: &Store,
    source: &str,
    keep: &[Interval],
    all_gone: bool,
) -> anyhow::Result<()> {
    let dir = store.identity_dir();
    sidecar::write_table(&dir, source, &mut to_frame(keep)?)?;
    if all_gone {
        let rejected = dir.join(format!("{source}.rejected.jsonl"));
        if rejected.exists() {
            std::fs::remove_file(&rejected)
                .with_context(|| format!("cannot delete {}", rejected.display()))?;
        }
    }
    crate::fsutil::sync_dir(&dir);
    Ok(())
}

fn to_frame(v: &[Interval]) -> anyhow::Result<DataFrame> {
    let cols: Vec<Column> = vec![
        Series::new(
            "ip".into(),
            v.iter().map(|i| i.ip.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "user".into(),
            v.iter().map(|i| i.user.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "start".into(),
            v.iter().map(|i| i.start_ms).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new("end".into(), v.iter().map(|i| i.end_ms).collect::<Vec<_>>()).into_column(),
        Series::new("line".into(), v.iter().map(|i| i.line).collect::<Vec<_>>()).into_column(),
        Series::new(
            "raw".into(),
            v.iter().map(|i| i.raw.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "device".into(),
            v.iter().map(|i| i.device.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
        Series::new(
            "device_type".into(),
            v.iter().map(|i| i.device_type.as_str()).collect::<Vec<_>>(),
        )
        .into_column(),
    ];
    Ok(DataFrame::new(v.len(), cols)?)
}

/// The intervals of one committed source.
///
/// # Errors
/// The file cannot be read or lacks a column.
pub fn intervals(store: &Store, source: &str) -> anyhow::Result<Vec<Interval>> {
    let path = table(store, source);
    let f = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    let df = ParquetReader::new(f)
        .finish()
        .with_context(|| format!("cannot read {}", path.display()))?;
    let (ip, user) = (df.column("ip")?.str()?, df.column("user")?.str()?);
    let (start, end) = (df.column("start")?.i64()?, df.column("end")?.i64()?);
    let (line, raw) = (df.column("line")?.u64()?, df.column("raw")?.str()?);
    // Tables written before devices were recorded lack these columns.
    let optional = |name: &str| -> anyhow::Result<Option<polars::prelude::StringChunked>> {
        Ok(match df.column(name) {
            Ok(c) => Some(c.str()?.clone()),
            Err(_) => None,
        })
    };
    let (device, device_type) = (optional("device")?, optional("device_type")?);
    let text = |c: &Option<polars::prelude::StringChunked>, i: usize| {
        c.as_ref().and_then(|c| c.get(i)).unwrap_or("").to_string()
    };
    Ok((0..df.height())
        .map(|i| Interval {
            ip: ip.get(i).unwrap_or("").to_string(),
            user: user.get(i).unwrap_or("").to_string(),
            start_ms: start.get(i).unwrap_or(0),
            end_ms: end.get(i).unwrap_or(0),
            line: line.get(i).unwrap_or(0),
            raw: raw.get(i).unwrap_or("").to_string(),
            device: text(&device, i),
            device_type: text(&device_type, i),
        })
        .collect())
}

/// Every interval of every committed source, with its source id.
///
/// # Errors
/// As [`sources`] and [`intervals`].
pub fn all(store: &Store) -> anyhow::Result<Vec<(String, Interval)>> {
    let mut out = Vec::new();
    for s in sources(store)? {
        for iv in intervals(store, &s.source)? {
            out.push((s.source.clone(), iv));
        }
    }
    Ok(out)
}
