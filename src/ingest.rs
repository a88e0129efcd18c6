//! The ingest pipeline: file → (decompress) → blocks of whole lines →
//! parallel parse + classify → day partitions, quarantine, manifest.
//!
//! A reader thread reads blocks of about [`BLOCK_BYTES`] ending on a line
//! boundary into a bounded channel; the calling thread parses groups of
//! blocks in parallel (rayon) and writes them in file order. Memory is bounded
//! by the channel depth and the group size, not by the input size.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::sync_channel;
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use flate2::read::MultiGzDecoder;
use indicatif::ProgressBar;
use polars::prelude::DataFrame;
use rayon::prelude::*;

use crate::classify::Classifier;
use crate::event::{self, Event, HostInfo};
use crate::formats::{Format, detect};
use crate::identity::normalise_user;
use crate::store::Store;
use crate::store::manifest::{self, SourceRecord};
use crate::store::quarantine::{QuarantineWriter, Rejected};
use crate::store::writer::PartitionWriter;

/// Target size of one block of lines handed to a parser thread (bytes).
pub const BLOCK_BYTES: usize = 4 << 20;
/// Lines longer than this (bytes) are quarantined unparsed.
pub const MAX_LINE_BYTES: usize = 64 << 10;
/// A run of this many bytes without a line break fails the file.
pub const MAX_RUN_WITHOUT_NEWLINE: usize = 256 << 20;
/// Bytes of the (decompressed) file looked at to detect binary data and the format.
const HEAD_BYTES: usize = 64 << 10;

/// Options for one ingest run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Log format; `None` detects it per file from its first lines.
    pub format: Option<Format>,
    /// The time recorded as `ingested_at` (UTC).
    pub now: DateTime<Utc>,
    /// Show a progress bar (on standard error).
    pub progress: bool,
    /// The retention cutoff (UTC ms): events before it are refused and
    /// quarantined without their text, so an old archive cannot bring purged
    /// data back. `None` accepts every date.
    pub cutoff_ms: Option<i64>,
}

/// Quarantine reason for events older than the retention window.
pub const TOO_OLD: &str = "older than retention window: refused (text withheld; see raw_sha256)";

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

/// A file to ingest and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Its path.
    pub path: PathBuf,
    /// Named on the command line (true) or found in a directory (false).
    pub explicit: bool,
}

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

/// Expands files and directories (recursively, sorted, hidden entries left
/// out) into the files to read. A named path that cannot be read is kept, so
/// its ingest fails with the reason.
///
/// # Errors
/// A directory cannot be listed (path named).
pub fn expand_paths(paths: &[PathBuf]) -> anyhow::Result<Vec<Input>> {
    fn walk(p: &Path, out: &mut Vec<Input>, explicit: bool) -> anyhow::Result<()> {
        let Ok(meta) = std::fs::metadata(p) else {
            out.push(Input {
                path: p.to_path_buf(),
                explicit,
            });
            return Ok(());
        };
        if meta.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot list directory {}", p.display()))?
                .map(|e| e.map(|e| e.path()))
                .collect::<Result<_, _>>()?;
            entries.sort();
            for e in entries {
                if e.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
                {
                    continue;
                }
                walk(&e, out, false)?;
            }
        } else {
            out.push(Input {
                path: p.to_path_buf(),
                explicit,
            });
        }
        Ok(())
    }
    let mut out = Vec::new();
    for p in paths {
        walk(p, &mut out, true)?;
    }
    Ok(out)
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
            FileReport {
                path: input.path.clone(),
                outcome,
                seconds: started.elapsed().as_secs_f64(),
            }
        })
        .collect()
}

/// Counts bytes read from the underlying file, for the progress bar.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

fn open_decoded(path: &Path, counter: Arc<AtomicU64>) -> anyhow::Result<Box<dyn Read + Send>> {
    let mut f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut magic = [0u8; 2];
    let n = f
        .read(&mut magic)
        .with_context(|| format!("cannot read {}", path.display()))?;
    drop(f);
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let counted = Counting {
        inner: f,
        read: counter,
    };
    Ok(if n == 2 && magic == [0x1f, 0x8b] {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            1 << 20,
            counted,
        )))
    } else {
        Box::new(counted)
    })
}

/// Reads until `buf` holds `want` bytes or the input ends.
fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    let start = buf.len();
    buf.resize(start + want, 0);
    let mut filled = start;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => {
                buf.truncate(filled);
                return Ok(false);
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                buf.truncate(filled);
                return Err(e);
            }
        }
    }
    Ok(true)
}

/// A block of whole lines and the number of its first line.
struct Block {
    bytes: Vec<u8>,
    first_line: u64,
}

/// Ingests one file. Returns `Duplicate` without reading further when its
/// SHA-256 is already in the manifest.
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
    let size = std::fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .len();
    let sha256 = crate::store::sha256_file(path)?;
    if let Some(existing) = manifest::read(&store.manifest_path())?
        .into_iter()
        .find(|r| r.sha256 == sha256)
    {
        return Ok(Outcome::Duplicate(existing));
    }
    let source = manifest::source_id(&sha256);
    let counter = Arc::new(AtomicU64::new(0));
    let mut reader = open_decoded(path, counter.clone())?;
    let mut head = Vec::new();
    fill(&mut reader, &mut head, HEAD_BYTES).map_err(|e| read_error(path, 1, e))?;
    if head.contains(&0) {
        bail!(
            "{} is a binary file (NUL bytes in its first 64 KiB), not a text log",
            path.display()
        );
    }
    let format = match opts.format {
        Some(f) => Some(f),
        None if head.iter().all(|b| b.is_ascii_whitespace()) => None,
        None => Some(detect::detect(&head).ok_or_else(|| {
            NotALog(format!(
                "{}: cannot tell the log format from its first lines (known: squid); give --format to read it anyway",
                path.display()
            ))
        })?),
    };

    let bar = progress_bar(opts.progress, size, path);
    let mut parts = PartitionWriter::new(&store.events_dir(), &source);
    let mut quarantine = QuarantineWriter::new(&store.quarantine_dir(), &source);
    let result = read_blocks(path, reader, head, |blocks| {
        bar.set_position(counter.load(Ordering::Relaxed));
        let outs: Vec<anyhow::Result<BlockOut>> = blocks
            .par_iter()
            .map(|b| {
                process_block(
                    &b.bytes,
                    b.first_line,
                    format.unwrap_or(Format::Squid),
                    classifier,
                    &source,
                    opts.cutoff_ms,
                )
            })
            .collect();
        let mut stats = Stats::default();
        for out in outs {
            let out = out?;
            for (day, df) in &out.frames {
                parts.write(*day, df)?;
            }
            for r in &out.rejects {
                quarantine.push(r)?;
            }
            stats.merge(&out.stats);
        }
        Ok(stats)
    });
    bar.finish_and_clear();
    let stats = match result {
        Ok(s) => s,
        Err(e) => {
            parts.abort();
            quarantine.abort();
            return Err(e);
        }
    };
    debug_assert_eq!(stats.accepted + quarantine.count(), stats.lines);
    let record = SourceRecord {
        source,
        path: path.display().to_string(),
        sha256,
        size,
        format: format.map_or("none (empty file)".to_string(), |f| f.name().to_string()),
        lines: stats.lines,
        accepted: stats.accepted,
        rejected: quarantine.count(),
        too_old: stats.too_old,
        first_ts: stats.first_ts.and_then(DateTime::from_timestamp_millis),
        last_ts: stats.last_ts.and_then(DateTime::from_timestamp_millis),
        ingested_at: opts.now,
    };
    if let Err(e) = parts.commit() {
        quarantine.abort();
        return Err(e);
    }
    quarantine.commit()?;
    manifest::append(&store.manifest_path(), &record)?;
    Ok(Outcome::Ingested(record))
}

fn read_error(path: &Path, line: u64, e: io::Error) -> anyhow::Error {
    let what = if matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
    ) {
        "compressed data is corrupt or ends early (truncated .gz?)"
    } else {
        "read error"
    };
    anyhow::anyhow!(
        "{}: {what} near line {line}: {e}; nothing was stored from this file",
        path.display()
    )
}

fn progress_bar(show: bool, size: u64, path: &Path) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message(
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string(),
    );
    bar
}

/// Splits the decoded stream into blocks of whole lines (on a reader thread)
/// and hands groups of them to `sink`, in order.
fn read_blocks(
    path: &Path,
    mut reader: Box<dyn Read + Send>,
    head: Vec<u8>,
    mut sink: impl FnMut(&[Block]) -> anyhow::Result<Stats>,
) -> anyhow::Result<Stats> {
    let group = rayon::current_num_threads().max(1);
    let (tx, rx) = sync_channel::<anyhow::Result<Block>>(group * 2);
    let path_owned = path.to_path_buf();
    let producer = std::thread::spawn(move || {
        let mut carry = head;
        let mut next_line = 1u64;
        loop {
            let more = match fill(&mut *reader, &mut carry, BLOCK_BYTES) {
                Ok(more) => more,
                Err(e) => {
                    let _ = tx.send(Err(read_error(&path_owned, next_line, e)));
                    return;
                }
            };
            let cut = if more {
                match carry.iter().rposition(|&b| b == b'\n') {
                    Some(i) => i + 1,
                    None if carry.len() > MAX_RUN_WITHOUT_NEWLINE => {
                        let _ = tx.send(Err(anyhow::anyhow!(
                            "{}: line {next_line} runs past {} MiB without a line break; not a text log",
                            path_owned.display(),
                            MAX_RUN_WITHOUT_NEWLINE >> 20
                        )));
                        return;
                    }
                    None => continue,
                }
            } else {
                carry.len()
            };
            let rest = carry.split_off(cut);
            let block = std::mem::replace(&mut carry, rest);
            let lines = count_lines(&block);
            if !block.is_empty()
                && tx
                    .send(Ok(Block {
                        bytes: block,
                        first_line: next_line,
                    }))
                    .is_err()
            {
                return;
            }
            next_line += lines;
            if !more {
                return;
            }
        }
    });
    let mut total = Stats::default();
    let mut pending = Vec::with_capacity(group);
    let mut result = Ok(());
    for block in rx.iter() {
        match block {
            Ok(b) => pending.push(b),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
        if pending.len() == group {
            match sink(&pending) {
                Ok(s) => total.merge(&s),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
            pending.clear();
        }
    }
    if result.is_ok() && !pending.is_empty() {
        result = sink(&pending).map(|s| total.merge(&s));
    }
    drop(rx);
    let _ = producer.join();
    result.map(|()| total)
}

/// Lines in a block: its line breaks, plus one for a last line without one.
fn count_lines(block: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', block).count() as u64;
    n + u64::from(!block.is_empty() && !block.ends_with(b"\n"))
}

/// Counters of one block or file.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Lines read.
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines refused as older than the retention window (also quarantined).
    pub too_old: u64,
    /// Earliest event (UTC ms).
    pub first_ts: Option<i64>,
    /// Latest event (UTC ms).
    pub last_ts: Option<i64>,
}

impl Stats {
    fn merge(&mut self, o: &Stats) {
        self.lines += o.lines;
        self.accepted += o.accepted;
        self.too_old += o.too_old;
        self.first_ts = min_opt(self.first_ts, o.first_ts);
        self.last_ts = max_opt(self.last_ts, o.last_ts);
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b)
}

/// One parsed block: events as Parquet-ready frames per UTC day, rejected lines.
pub struct BlockOut {
    /// Events grouped by UTC day, in line order within each day.
    pub frames: Vec<(NaiveDate, DataFrame)>,
    /// Rejected lines, in line order.
    pub rejects: Vec<Rejected>,
    /// Counters.
    pub stats: Stats,
}

/// Parses and classifies one block of whole lines.
///
/// # Errors
/// Only Polars errors while building frames.
pub fn process_block(
    block: &[u8],
    first_line: u64,
    format: Format,
    classifier: &Classifier,
    source: &str,
    cutoff_ms: Option<i64>,
) -> anyhow::Result<BlockOut> {
    let mut hosts: Vec<HostInfo> = Vec::new();
    let mut host_ix: HashMap<&str, u32> = HashMap::new();
    let mut events: Vec<Event<'_>> = Vec::with_capacity(block.len() / 160);
    let mut rejects = Vec::new();
    let mut stats = Stats::default();
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    for (this, raw) in (first_line..).zip(body.split(|&b| b == b'\n')) {
        let line_bytes = raw.strip_suffix(b"\r").unwrap_or(raw);
        stats.lines += 1;
        if line_bytes.len() > MAX_LINE_BYTES {
            rejects.push(Rejected::new(
                this,
                "line longer than 65536 bytes",
                line_bytes,
            ));
            continue;
        }
        let Ok(line) = std::str::from_utf8(line_bytes) else {
            rejects.push(Rejected::new(this, "not valid UTF-8 text", line_bytes));
            continue;
        };
        if line.trim().is_empty() {
            rejects.push(Rejected::new(this, "blank line", line_bytes));
            continue;
        }
        let e = match format.parse_line(line) {
            Ok(e) => e,
            Err(reason) => {
                rejects.push(Rejected::new(this, reason, line_bytes));
                continue;
            }
        };
        if cutoff_ms.is_some_and(|c| e.ts_ms < c) {
            rejects.push(Rejected::withheld(this, TOO_OLD, line_bytes));
            stats.too_old += 1;
            continue;
        }
        let host = match host_ix.get(e.host) {
            Some(&i) => i,
            None => {
                let c = classifier.classify(e.host);
                hosts.push(HostInfo {
                    host: c.host,
                    domain: c.domain,
                    site: c.site,
                    category: c.category,
                    embedded: c.embedded,
                });
                let i = (hosts.len() - 1) as u32;
                host_ix.insert(e.host, i);
                i
            }
        };
        stats.accepted += 1;
        stats.first_ts = min_opt(stats.first_ts, Some(e.ts_ms));
        stats.last_ts = max_opt(stats.last_ts, Some(e.ts_ms));
        events.push(Event {
            ts_ms: e.ts_ms,
            user: normalise_user(e.user, e.client_ip),
            client_ip: e.client_ip,
            host,
            method: e.method,
            status: e.status,
            bytes: e.bytes,
            elapsed_ms: e.elapsed_ms,
            url: (e.url != "-").then_some(e.url),
            denied: e.denied,
            line: this,
        });
    }
    let mut by_day: BTreeMap<i64, Vec<&Event<'_>>> = BTreeMap::new();
    for e in &events {
        by_day
            .entry(e.ts_ms.div_euclid(86_400_000))
            .or_default()
            .push(e);
    }
    let frames = by_day
        .into_iter()
        .map(|(day, evs)| {
            let date = DateTime::from_timestamp(day * 86_400, 0)
                .expect("timestamps are range-checked by the parser")
                .date_naive();
            Ok((date, event::to_dataframe(&evs, &hosts, source)?))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(BlockOut {
        frames,
        rejects,
        stats,
    })
}
