//! `sources.jsonl`: one JSON line per ingested file. A source is committed
//! once its line is here.

use std::collections::HashSet;
use std::fs;
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
    /// Absolute, canonical path of the file read.
    pub path: String,
    /// The path as given on the command line or found in a folder.
    #[serde(default)]
    pub given_path: String,
    /// SHA-256 of exactly the bytes read (compressed, for `.gz`), hex,
    /// hashed in the same pass that read the lines: a file that grew while
    /// it was read is described as it was read.
    pub sha256: String,
    /// Bytes read (the file's size when it was read).
    pub size: u64,
    /// SHA-256 of the first `min(size, 64 KiB)` bytes, hex: finds a later
    /// file that starts with this one's content (a grown or rotated copy).
    #[serde(default)]
    pub head_sha256: String,
    /// `none` or `gzip`: how the file's bytes were compressed.
    #[serde(default)]
    pub compression: String,
    /// When this file starts with the exact content of an earlier source
    /// (a log that grew): that source's id. Only the lines after it were read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_of: Option<String>,
    /// Number of the first line read (1, or the line after the earlier
    /// source's content when `prefix_of` is set).
    #[serde(default = "one")]
    pub first_line: u64,
    /// Log format name (e.g. `squid`).
    pub format: String,
    /// Version of the reader that read it.
    #[serde(default)]
    pub reader_version: u32,
    /// The zone local timestamps were read in, and where it came from
    /// (`Europe/London (default)`, `UTC (--source-time-zone)`), or `from each
    /// line` for formats whose times are UTC or carry their own offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Lines read (after decompression), from `first_line` on.
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines quarantined; `accepted + rejected = lines`.
    pub rejected: u64,
    /// Of the rejected lines, those refused as older than the retention window.
    #[serde(default)]
    pub too_old: u64,
    /// The earliest and latest time of the lines refused as older than the
    /// retention window (UTC), when there were any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub too_old_range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    /// Of the rejected lines, those dated later than the system clock
    /// (beyond the clock-skew tolerance).
    #[serde(default)]
    pub future: u64,
    /// Of the rejected lines, those whose event was already stored from
    /// another source (same time, client, user, method, URL, status, bytes).
    #[serde(default)]
    pub duplicates: u64,
    /// Of the rejected lines, header and comment lines (W3C `#Fields:` ...).
    #[serde(default)]
    pub headers: u64,
    /// Realms kept in user names (not configured as local), with their event counts.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub realms: std::collections::BTreeMap<String, u64>,
    /// First event time (UTC), if any event was accepted.
    pub first_ts: Option<DateTime<Utc>>,
    /// Last event time (UTC), if any event was accepted.
    pub last_ts: Option<DateTime<Utc>>,
    /// When it was ingested, by the system clock (UTC).
    pub ingested_at: DateTime<Utc>,
    /// The `--now` ingest ran with, if any (UTC): the retention window was
    /// measured back from it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<DateTime<Utc>>,
    /// SHA-256 (hex) of the file's chain index (`chains/<source>.json`,
    /// see `store::chain`), for a file read without decompression: lets an
    /// evidence pack check only the stretches of the file it quotes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_sha256: Option<String>,
    /// The `seq` of the audit entry that opened the ingest run which stored
    /// it (`started: ...`): every source is traced to its run, including a
    /// run killed before its closing entry. `None` in stores from before
    /// ingest opened its runs in the audit log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<u64>,
}

fn one() -> u64 {
    1
}

/// Reads every record. A last line without its newline is an append cut short
/// by a crash, not a committed source, and is skipped.
///
/// # Errors
/// The file cannot be read, or a complete line is not a valid record (line named).
pub fn read(path: &Path) -> anyhow::Result<Vec<SourceRecord>> {
    crate::fsutil::read_json_lines(path, "source record", crate::fsutil::LastLine::CompleteOnly)
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
    let mut f = crate::fsutil::open_append(path)?;
    let mut line = serde_json::to_string(record)?;
    line.push('\n');
    f.write_all(line.as_bytes())
        .with_context(|| format!("cannot append to {}", path.display()))?;
    f.sync_all()?;
    Ok(())
}

/// Replaces the manifest with `keep`, one line each, atomically: how the
/// purge and `store forget` drop records.
///
/// # Errors
/// Any I/O or serialisation error, naming the path.
pub fn rewrite(path: &Path, keep: &[SourceRecord]) -> anyhow::Result<()> {
    let mut text = String::new();
    for r in keep {
        text.push_str(&serde_json::to_string(r)?);
        text.push('\n');
    }
    super::write_atomic(path, text.as_bytes())
}
