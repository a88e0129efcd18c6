//! `sources.jsonl`: one JSON line per ingested file. A source is committed
//! once its line is here.

use std::collections::HashSet;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One ingested file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// Source id: the first 16 hex characters of `sha256`.
    pub source: String,
    /// Path as given on the command line.
    pub path: String,
    /// SHA-256 of the file's bytes as stored (compressed, for `.gz`), hex.
    pub sha256: String,
    /// File size in bytes.
    pub size: u64,
    /// Log format name (e.g. `squid`).
    pub format: String,
    /// Lines read (after decompression).
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines quarantined; `accepted + rejected = lines`.
    pub rejected: u64,
    /// Of the rejected lines, those refused as older than the retention window.
    #[serde(default)]
    pub too_old: u64,
    /// First event time (UTC), if any event was accepted.
    pub first_ts: Option<DateTime<Utc>>,
    /// Last event time (UTC), if any event was accepted.
    pub last_ts: Option<DateTime<Utc>>,
    /// When it was ingested (UTC).
    pub ingested_at: DateTime<Utc>,
}

/// Source id for a file's SHA-256 (hex): its first 16 characters.
pub fn source_id(sha256_hex: &str) -> String {
    sha256_hex[..16].to_string()
}

/// Reads every record. A last line without its newline is an append cut short
/// by a crash, not a committed source, and is skipped.
///
/// # Errors
/// The file cannot be read, or a complete line is not a valid record (line named).
pub fn read(path: &Path) -> anyhow::Result<Vec<SourceRecord>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    complete
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| {
                format!(
                    "{}: line {} is not a valid source record",
                    path.display(),
                    i + 1
                )
            })
        })
        .collect()
}

/// The ids of committed sources.
pub fn committed(path: &Path) -> anyhow::Result<HashSet<String>> {
    Ok(read(path)?.into_iter().map(|r| r.source).collect())
}

/// Appends one record and fsyncs: this is the commit point of an ingest.
///
/// # Errors
/// Any I/O error, naming the path.
pub fn append(path: &Path, record: &SourceRecord) -> anyhow::Result<()> {
    // A torn last line from an earlier crash would glue onto this one: cut it first.
    if let Ok(text) = fs::read(path)
        && !text.is_empty()
        && !text.ends_with(b"\n")
    {
        let keep = text.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        super::write_atomic(path, &text[..keep])?;
    }
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    let mut line = serde_json::to_string(record)?;
    line.push('\n');
    f.write_all(line.as_bytes())
        .with_context(|| format!("cannot append to {}", path.display()))?;
    f.sync_all()?;
    Ok(())
}
