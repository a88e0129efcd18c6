//! The ingest pipeline: file → (decompress) → blocks of whole lines →
//! parallel parse + classify → day partitions, quarantine, manifest.
//!
//! A reader thread reads blocks of about [`BLOCK_BYTES`] ending on a line
//! boundary (hashing every byte); one parser thread per core takes each
//! block as it comes, parses and classifies its lines, builds its columns
//! with the strings dictionary-encoded ([`columns`]) and encodes them as a
//! Parquet row group; the calling thread stores the blocks in file order.
//! A fixed set of block buffers goes round from the store back to the
//! reader, so memory is bounded by that set, not by the input size.
//!
//! By job: `files.rs` tells what a file is (seen before, grown, compressed,
//! its format); `pipeline.rs` runs the reader and parser threads and puts
//! the blocks back in order; `blocks.rs` parses one block; `storing.rs`
//! writes the blocks' events and quarantined lines. This file ties them
//! together and commits each file with its `sources.jsonl` record.

mod blocks;
pub mod columns;
mod files;
mod pipeline;
mod storing;
pub mod timings;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::bail;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::classify::Classifier;
use crate::formats::{FileContext, LogFormat};
use crate::identity::Realms;
use crate::input::Compression;
use crate::store::Store;
use crate::store::manifest::{self, SourceRecord};
use files::{Examined, NewFile};
use pipeline::ReadAll;
use storing::Storing;
use timings::{Phase, Timings};

pub use blocks::{BlockContext, BlockOut, DayFrame, FUTURE, Stats, TOO_OLD, process_block};

/// Target size of one block of lines handed to a parser thread (bytes).
pub const BLOCK_BYTES: usize = 4 << 20;
/// Lines longer than this (bytes) are quarantined unparsed.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// Bytes of an over-long line kept in its quarantine record (its whole
/// length and SHA-256 are kept too).
pub const LONG_LINE_HEAD_BYTES: usize = 256;
/// Bytes of the (decompressed) file looked at to detect binary data and the format.
const HEAD_BYTES: usize = 64 << 10;

/// Options for one ingest run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Log reader; `None` detects it per file from its first lines.
    pub format: Option<&'static dyn LogFormat>,
    /// The time zone for logs that write local time without an offset, and
    /// where it came from (`--source-time-zone`, or the default Europe/London).
    pub context: FileContext,
    /// The `--now` ingest was given, recorded beside the real `ingested_at`.
    pub as_of: Option<DateTime<Utc>>,
    /// Show a progress bar (on standard error).
    pub progress: bool,
    /// The retention cutoff (UTC ms): events before it are refused and
    /// quarantined without their text, so an old archive cannot bring purged
    /// data back. `None` accepts every date.
    pub cutoff_ms: Option<i64>,
    /// Events later than this (UTC ms: the system clock plus the clock-skew
    /// tolerance) are quarantined. `None` accepts every date.
    pub latest_ms: Option<i64>,
    /// The organisation's own realms, stripped from user names.
    pub realms: Realms,
    /// Where the time goes, summed over every file of the run.
    pub timings: Arc<Timings>,
    /// The `seq` of the audit entry that opened this run, recorded in each
    /// source's record (`SourceRecord::run`).
    pub run: Option<u64>,
}

/// How far ahead of the system clock an event may be dated (s): clocks of
/// proxies and of this machine may disagree by this much.
pub const CLOCK_SKEW_S: i64 = 300;

/// What happened to one input file.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Stored: its manifest record.
    Ingested(SourceRecord),
    /// Already in the store (same SHA-256): the existing record.
    Duplicate(SourceRecord),
    /// Not ingested; the store is unchanged for this file. The reason.
    Failed(String),
    /// Found while walking a directory but not a log (binary, or no known
    /// format): left out, and reported. The reason.
    Skipped(String),
}

/// The file is not a log at all (binary, or no known format): an error for a
/// file named on the command line, a reported skip for one found in a directory.
#[derive(Debug)]
pub struct NotALog(pub String);

impl std::fmt::Display for NotALog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotALog {}

pub use crate::input::Input;

/// One input file and its outcome.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The path as found.
    pub path: PathBuf,
    /// What happened.
    pub outcome: Outcome,
    /// Wall-clock seconds spent on it.
    pub seconds: f64,
}

/// Ingests every file; one file's failure does not stop the others.
pub fn ingest_files(
    store: &Store,
    classifier: &Classifier,
    files: &[Input],
    opts: &Options,
) -> Vec<FileReport> {
    files
        .iter()
        .map(|input| {
            let started = Instant::now();
            let outcome = match ingest_file(store, classifier, &input.path, opts) {
                Ok(o) => o,
                Err(e) if !input.explicit && e.is::<NotALog>() => Outcome::Skipped(e.to_string()),
                Err(e) => Outcome::Failed(format!("{e:#}")),
            };
            crash_point(&outcome);
            FileReport {
                path: input.path.clone(),
                outcome,
                seconds: started.elapsed().as_secs_f64(),
            }
        })
        .collect()
}

/// Test hook, compiled into test builds only (the `test-hooks` feature):
/// `NETUSAGE_INGEST_CRASH_AFTER=n` aborts the process (no clean-up, like
/// SIGKILL) once the n-th file of the run is stored, so tests can show what
/// a run killed half-way leaves. In every other build it does nothing.
fn crash_point(outcome: &Outcome) {
    #[cfg(feature = "test-hooks")]
    {
        use std::sync::atomic::{AtomicU64, Ordering};
        static STORED: AtomicU64 = AtomicU64::new(0);
        if let Outcome::Ingested(_) = outcome {
            let n = STORED.fetch_add(1, Ordering::Relaxed) + 1;
            let at = std::env::var("NETUSAGE_INGEST_CRASH_AFTER").ok();
            if at.and_then(|v| v.parse::<u64>().ok()) == Some(n) {
                std::process::abort();
            }
        }
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = outcome;
}

/// Ingests one file. Returns `Duplicate` when its SHA-256 is already in the
/// manifest. When it starts with the exact content of a source already
/// ingested (a log that grew, or a rotated copy with more lines), only the
/// lines after that content are read, numbered as in this file.
///
/// # Errors
/// The file cannot be read, is binary, is a truncated `.gz`, or its format
/// cannot be detected; nothing is written for it then.
pub fn ingest_file(
    store: &Store,
    classifier: &Classifier,
    path: &Path,
    opts: &Options,
) -> anyhow::Result<Outcome> {
    let (file, stream) = match files::examine(store, path, opts)? {
        Examined::Duplicate(existing) => return Ok(Outcome::Duplicate(*existing)),
        Examined::New(new) => *new,
    };
    let source = source_id(&file.records, &file.head_sha256, file.size, file.first_line);
    let dup_days = crate::store::scan::days_with_events(store)?;
    let bar = pipeline::progress_bar(opts.progress, file.size, path);
    let bcx = BlockContext {
        classifier,
        source: &source,
        cutoff_ms: opts.cutoff_ms,
        latest_ms: opts.latest_ms,
        realms: &opts.realms,
        dup_days: &dup_days,
        timings: &opts.timings,
    };
    // No record holds this source id: day files under it were left by an
    // ingest of this file killed before its record was written.
    crate::store::writer::remove_unrecorded(&store.events_dir(), &source)?;
    // From here on, an error drops `storing`, whose writers then remove
    // everything written for this file.
    let mut storing = Storing::new(store, &opts.timings, &source);
    let (read, starts) = pipeline::run(path, stream, bar, &bcx, &mut storing)?;
    let sha256 = hex::encode(read.hasher.finalize());
    if file.prefix.is_none()
        && let Some(existing) = file.records.iter().find(|r| r.sha256 == sha256)
    {
        return Ok(Outcome::Duplicate(existing.clone()));
    }
    let (stats, quarantined) = (&storing.stats, storing.quarantine.count());
    if stats.accepted + quarantined != stats.lines {
        bail!(
            "{}: {} lines read but {} stored and {quarantined} quarantined; not recorded as ingested",
            path.display(),
            stats.lines,
            stats.accepted,
        );
    }
    let mut record = source_record(path, &file, &source, sha256, &read, &storing, opts);
    if file.compression == Compression::None {
        let chain = crate::store::chain::Chain::new(read.hasher.checkpoints(), starts);
        record.chain_sha256 = Some(crate::store::chain::write(store, &source, &chain)?);
    }
    let writing = Instant::now();
    // Until the record is appended, an error removes the files committed.
    let mut committed = storing.parts.commit()?;
    committed.extend(storing.quarantine.commit()?);
    opts.timings.add(Phase::Write, writing.elapsed());
    manifest::append(&store.manifest_path(), &record)?;
    committed.keep();
    Ok(Outcome::Ingested(record))
}

/// The `sources.jsonl` record of a file read whole and stored: what it is
/// ([`NewFile`]), what was read ([`ReadAll`], whose SHA-256 is `sha256`)
/// and what was stored and quarantined ([`Storing`]).
fn source_record(
    path: &Path,
    file: &NewFile,
    source: &str,
    sha256: String,
    read: &ReadAll,
    storing: &Storing<'_>,
    opts: &Options,
) -> SourceRecord {
    let stats = &storing.stats;
    let format = file.format;
    SourceRecord {
        source: source.to_string(),
        path: file.canonical.display().to_string(),
        given_path: path.display().to_string(),
        sha256,
        size: read.hasher.len(),
        head_sha256: file.head_sha256.clone(),
        compression: file.compression.name().to_string(),
        prefix_of: file.prefix.as_ref().map(|r| r.source.clone()),
        first_line: file.first_line,
        format: format.map_or("none (empty file)".to_string(), |f| f.name().to_string()),
        reader_version: format.map_or(0, |f| f.version()),
        time_zone: format.map(|f| {
            if f.uses_source_time_zone() {
                format!("{} ({})", file.cx.tz.name(), file.cx.tz_source)
            } else {
                "from each line (UTC or its own offset)".to_string()
            }
        }),
        lines: stats.lines,
        accepted: stats.accepted,
        rejected: storing.quarantine.count(),
        too_old: stats.too_old,
        too_old_range: stats.too_old_range.and_then(|(a, b)| {
            Some((
                DateTime::from_timestamp_millis(a)?,
                DateTime::from_timestamp_millis(b)?,
            ))
        }),
        future: stats.future,
        duplicates: stats.duplicates,
        headers: stats.headers,
        realms: storing.realms.clone(),
        first_ts: stats.first_ts.and_then(DateTime::from_timestamp_millis),
        last_ts: stats.last_ts.and_then(DateTime::from_timestamp_millis),
        ingested_at: Utc::now(),
        as_of: opts.as_of,
        chain_sha256: None,
        run: opts.run,
    }
}

/// A new source id: the first 16 hex characters of SHA-256(`head_sha256`
/// `:` size `:` first line), known before the file is read (its whole
/// SHA-256 is known only after, and is recorded beside it in
/// `sources.jsonl`). On the rare clash with an id already used, `#2`, `#3`,
/// ... is added to the hashed text until it is unique.
fn source_id(records: &[SourceRecord], head_sha256: &str, size: u64, first_line: u64) -> String {
    let used: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    (1u32..)
        .map(|n| {
            let text = if n == 1 {
                format!("{head_sha256}:{size}:{first_line}")
            } else {
                format!("{head_sha256}:{size}:{first_line}#{n}")
            };
            hex::encode(Sha256::digest(text.as_bytes()))[..16].to_string()
        })
        .find(|id| !used.contains(id.as_str()))
        .expect("an unused id is found")
}
