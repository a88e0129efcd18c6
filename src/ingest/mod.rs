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

pub mod columns;
pub mod timings;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use crate::classify::Classifier;
use crate::digest::ChainedSha256;

use crate::formats::detect::{self, Detection};
use crate::formats::{FileContext, LineParser, LogFormat, Parsed, url_host};
use crate::identity::{Realms, logged_user};
use crate::input::Compression;
use crate::store::Store;
use crate::store::manifest::{self, SourceRecord};
use crate::store::quarantine::{QuarantineWriter, QuarantinedLine};
use crate::store::rowgroup::{EncodedRows, Rows};
use crate::store::writer::PartitionWriter;
use columns::{BlockColumns, Row};
use polars_arrow::array::PrimitiveArray;
use polars_arrow::bitmap::Bitmap;
use timings::{Phase, Timings};

/// Target size of one block of lines handed to a parser thread (bytes).
pub const BLOCK_BYTES: usize = 4 << 20;
/// Lines longer than this (bytes) are quarantined unparsed.
pub const MAX_LINE_BYTES: usize = 64 << 10;
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
}

/// How far ahead of the system clock an event may be dated (s): clocks of
/// proxies and of this machine may disagree by this much.
pub const CLOCK_SKEW_S: i64 = 300;

/// Quarantine reason for events older than the retention window.
pub const TOO_OLD: &str = "older than retention window: refused (text withheld; see raw_sha256)";

/// Quarantine reason for events dated after the system clock.
pub const FUTURE: &str = "later than now: dated more than 300 s after the system clock (a wrong proxy clock or a forged line)";

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
            FileReport {
                path: input.path.clone(),
                outcome,
                seconds: started.elapsed().as_secs_f64(),
            }
        })
        .collect()
}

/// Hashes and counts the raw bytes read from the underlying file. The
/// thread that reads owns it (inside the decoder) and hands it back when the
/// file is read, so the SHA-256 recorded describes exactly the bytes that
/// were read: a file that grows while it is read is recorded as read. Other
/// threads see only the count, for the progress bar.
struct Hashing<R> {
    inner: R,
    hasher: ChainedSha256,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A file's decoded stream over its hashed raw bytes.
type Decoded = crate::input::Decoder<Hashing<File>>;

/// Opens `path` at byte `skip` and decompresses it by `compression`; every
/// raw byte read goes through `hasher` (which starts at the state after the
/// skipped bytes) and is counted in `read`.
fn open_decoded(
    path: &Path,
    compression: Compression,
    skip: u64,
    hasher: ChainedSha256,
    read: Arc<AtomicU64>,
) -> anyhow::Result<Decoded> {
    use std::io::{Seek, SeekFrom};
    let (mut f, _) = crate::fsutil::open_regular(path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if skip > 0 {
        f.seek(SeekFrom::Start(skip))
            .with_context(|| format!("cannot read {}", path.display()))?;
    }
    compression
        .decode(Hashing {
            inner: f,
            hasher,
            read,
        })
        .with_context(|| format!("cannot read {}", path.display()))
}

/// Bytes at the start of a file whose SHA-256 is kept as `head_sha256`.
const HEAD_HASH_BYTES: u64 = 64 << 10;

/// The first `n` bytes of `path` (fewer when the file is shorter).
fn read_prefix(path: &Path, n: u64) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    crate::fsutil::open_regular(path)
        .with_context(|| format!("cannot open {}", path.display()))?
        .0
        .take(n)
        .read_to_end(&mut out)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(out)
}

/// The earlier source this plain file starts with (the longest one whose
/// exact bytes, ending on a line break, are this file's first bytes), with
/// the SHA-256 state after those bytes. A grown or rotated copy of a log
/// already ingested is then read from where the earlier one ended.
fn find_prefix(
    path: &Path,
    size: u64,
    head: &[u8],
    records: &[SourceRecord],
) -> anyhow::Result<Option<(SourceRecord, ChainedSha256)>> {
    let mut candidates: Vec<&SourceRecord> = records
        .iter()
        .filter(|r| {
            r.compression == "none" && r.size > 0 && r.size < size && !r.head_sha256.is_empty() && {
                let n = (r.size.min(HEAD_HASH_BYTES) as usize).min(head.len());
                hex::encode(Sha256::digest(&head[..n])) == r.head_sha256
            }
        })
        .collect();
    if candidates.is_empty() {
        return Ok(None);
    }
    candidates.sort_by_key(|r| r.size);
    let mut f = BufReader::with_capacity(
        1 << 20,
        crate::fsutil::open_regular(path)
            .with_context(|| format!("cannot open {}", path.display()))?
            .0,
    );
    let mut h = ChainedSha256::new();
    let mut at = 0u64;
    let mut last_byte = 0u8;
    let mut best = None;
    let mut buf = vec![0u8; 1 << 20];
    for r in candidates {
        while at < r.size {
            let want = ((r.size - at) as usize).min(buf.len());
            let n = f
                .read(&mut buf[..want])
                .with_context(|| format!("cannot read {}", path.display()))?;
            if n == 0 {
                return Ok(best);
            }
            h.update(&buf[..n]);
            last_byte = buf[n - 1];
            at += n as u64;
        }
        if last_byte == b'\n' && hex::encode(h.finalize()) == r.sha256 {
            best = Some((r.clone(), h.clone()));
        }
    }
    Ok(best)
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

/// A block of whole lines, the number of its first line, and the reader's
/// state in force at that line.
struct Block {
    bytes: Vec<u8>,
    /// Its place in the file: 0, 1, 2, ...
    seq: u64,
    first_line: u64,
    /// Where its first byte is in the decoded stream read (after any prefix skipped).
    offset: u64,
    parser: Box<dyn LineParser>,
    /// A line too long to hold in a block: read through, hashed and counted
    /// instead (`bytes` is then empty); the block is that one line.
    long: Option<LongLine>,
}

/// A line longer than a block, read through without being held: its number,
/// length, SHA-256 and first bytes, for its quarantine record.
struct LongLine {
    line: u64,
    bytes: u64,
    sha256: String,
    head: Vec<u8>,
}

/// What the reader thread read: the hasher of the raw bytes, and the blocks
/// and lines it handed on (every one must come back stored).
struct ReadAll {
    hasher: ChainedSha256,
    blocks: u64,
    lines: u64,
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
    let meta =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() {
        bail!(
            "{} is not a regular file: refused, never opened",
            path.display()
        );
    }
    let size = meta.len();
    let canonical =
        std::fs::canonicalize(path).with_context(|| format!("cannot read {}", path.display()))?;
    let records = manifest::read(&store.manifest_path())?;
    // Only a file the size of a source already stored can be that source:
    // hash it first then, and skip it without parsing.
    if records.iter().any(|r| r.size == size) {
        let sha = crate::store::sha256_file(path)?;
        if let Some(existing) = records.iter().find(|r| r.sha256 == sha) {
            return Ok(Outcome::Duplicate(existing.clone()));
        }
    }
    let head_raw = read_prefix(path, HEAD_HASH_BYTES)?;
    let compression = Compression::detect(&head_raw);
    let head_sha256 = hex::encode(Sha256::digest(&head_raw));
    let prefix = if compression == Compression::None {
        find_prefix(path, size, &head_raw, &records)?
    } else {
        None
    };
    let (skip, first_line, start) = match &prefix {
        Some((r, h)) => (r.size, r.first_line + r.lines, h.clone()),
        None => (0, 1, ChainedSha256::new()),
    };
    let bytes_read = Arc::new(AtomicU64::new(0));
    let mut decoded = open_decoded(path, compression, skip, start, bytes_read.clone())?;
    let mut head = Vec::new();
    fill(&mut decoded, &mut head, HEAD_BYTES).map_err(|e| read_error(path, first_line, e))?;
    // The rest of a log already ingested (it grew): it was judged a text log
    // of its format then, and a crash that left NUL bytes where it went on
    // (Squid's typical damage) is for the line checks to quarantine.
    let continued: Option<&'static dyn LogFormat> = prefix
        .as_ref()
        .and_then(|(r, _)| crate::formats::by_name(&r.format).ok());
    if continued.is_none() && head.contains(&0) {
        return Err(NotALog(format!(
            "{} is a binary file (NUL bytes in its first 64 KiB), not a text log",
            path.display()
        ))
        .into());
    }
    let mut cx = opts.context.clone();
    if let Ok(modified) = meta.modified() {
        use chrono::Datelike;
        cx.year = DateTime::<Utc>::from(modified).year();
    }
    let format: Option<&'static dyn LogFormat> = match opts.format.or(continued) {
        Some(f) => Some(f),
        None if head.iter().all(|b| b.is_ascii_whitespace()) => None,
        None => match detect::detect(&head, &cx) {
            Detection::Found(f, _) => Some(f),
            Detection::Empty => None,
            Detection::Tie(a, b, score) => {
                return Err(NotALog(format!(
                    "{}: its first lines read equally well as {a} and {b} ({score}%): give --log-format to choose",
                    path.display()
                ))
                .into());
            }
            Detection::Unknown(best) => {
                let known: Vec<&str> = crate::formats::registry()
                    .iter()
                    .map(|f| f.name())
                    .collect();
                let tried = if best.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (best: {})",
                        best.iter()
                            .map(|(n, s)| format!("{n} {s}%"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                };
                return Err(NotALog(format!(
                    "{}: cannot tell the log format from its first lines{tried}; known: {}; give --log-format to read it anyway",
                    path.display(),
                    known.join(", ")
                ))
                .into());
            }
        },
    };
    let reader = format.unwrap_or(&crate::formats::squid::Squid);
    let tracker = reader.begin(&cx);

    let source = source_id(&records, &head_sha256, size, first_line);
    let dup_days = crate::store::scan::days_with_events(store)?;
    let bar = progress_bar(opts.progress, size, path);
    let bcx = BlockContext {
        classifier,
        source: &source,
        cutoff_ms: opts.cutoff_ms,
        latest_ms: opts.latest_ms,
        realms: &opts.realms,
        dup_days: &dup_days,
        timings: &opts.timings,
    };
    let storing = Storing {
        store,
        timings: &opts.timings,
        parts: PartitionWriter::new(&store.events_dir(), &source),
        quarantine: QuarantineWriter::new(&store.quarantine_dir(), &source),
        dup_index: HashMap::new(),
        realms: BTreeMap::new(),
        stats: Stats::default(),
    };
    // Blocks flow from the reader thread to the parser threads, each of
    // which parses, classifies and encodes a whole block on its own; this
    // thread stores them in file order. At most `in_flight` blocks are
    // between the reader and the store, however unevenly they take.
    // Each block's first line and where it starts in the file (when the
    // file is not compressed): the chain index of the `digest` module.
    let mut starts: Vec<(u64, u64)> = Vec::new();
    let threads = rayon::current_num_threads().max(1);
    let in_flight = 2 * threads + 2;
    let mut storing = storing;
    let (work_tx, work_rx) = sync_channel::<Block>(threads);
    let work_rx = Mutex::new(work_rx);
    let (read, stored) = std::thread::scope(|scope| {
        let (done_tx, done_rx) = sync_channel::<(Block, anyhow::Result<BlockOut>)>(in_flight);
        let (free_tx, free_rx) = sync_channel::<Vec<u8>>(in_flight);
        for _ in 0..in_flight {
            free_tx.send(Vec::new()).expect("room for every buffer");
        }
        let timings = opts.timings.clone();
        let reader = scope.spawn(move || {
            read_blocks(
                path, decoded, head, first_line, tracker, timings, free_rx, work_tx,
            )
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let (work_rx, bcx) = (&work_rx, &bcx);
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().map(|rx| rx.recv());
                    let Ok(Ok(block)) = next else { return };
                    let out = match &block.long {
                        Some(long) => Ok(long_line_out(long)),
                        None => process_block(
                            &block.bytes,
                            block.first_line,
                            block.parser.as_ref(),
                            bcx,
                        ),
                    };
                    if done_tx.send((block, out)).is_err() {
                        return;
                    }
                }
            });
        }
        drop(done_tx);
        let mut waiting: BTreeMap<u64, (Block, anyhow::Result<BlockOut>)> = BTreeMap::new();
        let mut next = 0u64;
        let mut stored = Ok(());
        let mut stored_lines = 0u64;
        'receive: for (block, out) in done_rx.iter() {
            waiting.insert(block.seq, (block, out));
            while let Some((block, out)) = waiting.remove(&next) {
                next += 1;
                bar.set_position(bytes_read.load(Ordering::Relaxed));
                if compression == Compression::None {
                    starts.push((block.first_line, skip + block.offset));
                }
                match out.and_then(|o| storing.store_block(&block, o)) {
                    Ok(lines) => stored_lines += lines,
                    Err(e) => {
                        stored = Err(e);
                        break 'receive;
                    }
                }
                // The block is stored: its buffer goes back to the reader.
                let _ = free_tx.try_send(block.bytes);
            }
        }
        // On an error, dropping the receivers stops the parsers and the reader.
        drop(done_rx);
        drop(free_tx);
        let read = match reader.join() {
            Ok(read) => read,
            Err(_) => Err(anyhow::anyhow!(
                "{}: the reader thread stopped unexpectedly; nothing was stored from this file",
                path.display()
            )),
        };
        (read, stored.map(|()| (next, stored_lines)))
    });
    bar.finish_and_clear();
    let Storing {
        parts,
        quarantine,
        realms,
        stats,
        ..
    } = storing;
    // The writer's own error explains a stopped writer better than the reader's.
    let read_all = match stored.and_then(|s| read.map(|r| (s, r))) {
        Ok(((blocks, lines), r)) if blocks == r.blocks && lines == r.lines => r,
        Ok(((blocks, lines), r)) => {
            bail!(
                "{}: only {lines} of {} lines ({blocks} of {} blocks) were stored; \
                 not recorded as ingested, nothing was stored from this file",
                path.display(),
                r.lines,
                r.blocks
            );
        }
        Err(e) => return Err(e),
    };
    let sha256 = hex::encode(read_all.hasher.finalize());
    let bytes_read = read_all.hasher.len();
    let checkpoints = read_all.hasher.checkpoints().to_vec();
    if prefix.is_none()
        && let Some(existing) = records.iter().find(|r| r.sha256 == sha256)
    {
        return Ok(Outcome::Duplicate(existing.clone()));
    }
    if stats.accepted + quarantine.count() != stats.lines {
        let quarantined = quarantine.count();
        bail!(
            "{}: {} lines read but {} stored and {quarantined} quarantined; not recorded as ingested",
            path.display(),
            stats.lines,
            stats.accepted,
        );
    }
    let mut record = SourceRecord {
        source: source.clone(),
        path: canonical.display().to_string(),
        given_path: path.display().to_string(),
        sha256,
        size: bytes_read,
        head_sha256,
        compression: compression.name().to_string(),
        prefix_of: prefix.as_ref().map(|(r, _)| r.source.clone()),
        first_line,
        format: format.map_or("none (empty file)".to_string(), |f| f.name().to_string()),
        reader_version: format.map_or(0, |f| f.version()),
        time_zone: format.map(|f| {
            if f.uses_source_time_zone() {
                format!("{} ({})", cx.tz.name(), cx.tz_source)
            } else {
                "from each line (UTC or its own offset)".to_string()
            }
        }),
        lines: stats.lines,
        accepted: stats.accepted,
        rejected: quarantine.count(),
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
        realms,
        first_ts: stats.first_ts.and_then(DateTime::from_timestamp_millis),
        last_ts: stats.last_ts.and_then(DateTime::from_timestamp_millis),
        ingested_at: Utc::now(),
        as_of: opts.as_of,
        chain_sha256: None,
    };
    if compression == Compression::None {
        let chain = crate::store::chain::Chain::new(&checkpoints, starts);
        record.chain_sha256 = Some(crate::store::chain::write(store, &source, &chain)?);
    }
    let writing = Instant::now();
    // A writer dropped uncommitted (any error above) removes its files.
    parts.commit()?;
    quarantine.commit()?;
    opts.timings.add(Phase::Write, writing.elapsed());
    manifest::append(&store.manifest_path(), &record)?;
    Ok(Outcome::Ingested(record))
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

/// The quarantine records of a block's duplicate lines (line number →
/// reason), with their raw bytes, in line order: one pass over the block,
/// however many lines repeat (an overlapping copy repeats them all).
fn duplicate_rejects(block: &Block, lines: BTreeMap<u64, String>) -> Vec<QuarantinedLine> {
    if lines.is_empty() {
        return Vec::new();
    }
    let body = block.bytes.strip_suffix(b"\n").unwrap_or(&block.bytes);
    (block.first_line..)
        .zip(body.split(|&b| b == b'\n'))
        .filter_map(|(n, raw)| {
            let why = lines.get(&n)?;
            Some(QuarantinedLine::new(
                n,
                why,
                raw.strip_suffix(b"\r").unwrap_or(raw),
            ))
        })
        .collect()
}

fn read_error(path: &Path, line: u64, e: io::Error) -> anyhow::Error {
    let what = if matches!(
        e.kind(),
        io::ErrorKind::UnexpectedEof | io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData
    ) {
        "compressed data is corrupt or ends early (a truncated .gz, .bz2, .zst or .xz?)"
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

/// Splits the decoded stream into blocks of whole lines, numbered from 0,
/// and sends them to `work` in order. Each block is read into a buffer
/// taken from `free`, where the store gives back the buffers of the blocks
/// it has stored: the buffers bound the blocks in flight, and their memory
/// is reused instead of being given back to the system and taken again.
/// A line longer than a block (a crash-damaged log's run of NUL bytes, a
/// line glued to the next by a lost line break) is read through without
/// being held, hashed and counted, and sent as a block of its own
/// ([`LongLine`]): reading goes on after it. Stops early when the store has
/// stopped (a channel is closed). Returns the raw bytes' hasher and what
/// was sent, so the caller can check every block and line came back.
///
/// # Errors
/// The input cannot be read.
#[allow(clippy::too_many_arguments)]
fn read_blocks(
    path: &Path,
    mut reader: Decoded,
    head: Vec<u8>,
    first_line: u64,
    mut tracker: Box<dyn LineParser>,
    timings: Arc<Timings>,
    free: Receiver<Vec<u8>>,
    work: SyncSender<Block>,
) -> anyhow::Result<ReadAll> {
    let mut carry = head;
    let mut next_line = first_line;
    let mut offset = 0u64;
    let mut seq = 0u64;
    loop {
        let reading = Instant::now();
        let more = fill(&mut reader, &mut carry, BLOCK_BYTES)
            .map_err(|e| read_error(path, next_line, e))?;
        let cut = if more {
            match memchr::memrchr(b'\n', &carry) {
                Some(i) => i + 1,
                None if carry.len() > BLOCK_BYTES => {
                    // One line fills the block: read it through.
                    let (long, rest, used) = read_long_line(&mut reader, &mut carry, next_line)
                        .map_err(|e| read_error(path, next_line, e))?;
                    timings.add(Phase::Read, reading.elapsed());
                    let Ok(mut buf) = free.recv() else {
                        break;
                    };
                    buf.clear();
                    let block = Block {
                        bytes: buf,
                        seq,
                        first_line: next_line,
                        offset,
                        parser: tracker.fork(),
                        long: Some(long),
                    };
                    if work.send(block).is_err() {
                        break;
                    }
                    seq += 1;
                    next_line += 1;
                    offset += used;
                    carry = rest;
                    continue;
                }
                None => continue,
            }
        } else {
            carry.len()
        };
        // The block is the bytes before the cut; the rest starts the next one.
        let Ok(mut next) = free.recv() else {
            break;
        };
        next.clear();
        next.extend_from_slice(&carry[cut..]);
        carry.truncate(cut);
        let block = std::mem::replace(&mut carry, next);
        let block_len = block.len() as u64;
        let lines = count_lines(&block);
        // The state in force at this block's first line; then the
        // block's own header lines move it on for the next block.
        let parser = tracker.fork();
        if tracker.has_directives() {
            for (k, line) in block.split(|&b| b == b'\n').enumerate() {
                if line.first() == Some(&b'#')
                    && let Ok(l) = std::str::from_utf8(line)
                {
                    tracker.observe(l.trim_end_matches('\r'), next_line + k as u64);
                }
            }
        }
        timings.add(Phase::Read, reading.elapsed());
        if !block.is_empty() {
            let block = Block {
                bytes: block,
                seq,
                first_line: next_line,
                offset,
                parser,
                long: None,
            };
            if work.send(block).is_err() {
                break;
            }
            seq += 1;
            next_line += lines;
        }
        offset += block_len;
        if !more {
            break;
        }
    }
    Ok(ReadAll {
        hasher: reader.into_inner().hasher,
        blocks: seq,
        lines: next_line - first_line,
    })
}

/// Bytes of an over-long line kept in its quarantine record (its whole
/// length and SHA-256 are kept too).
pub const LONG_LINE_HEAD_BYTES: usize = 256;

/// Reads through the line that starts `carry` and has no line break in it:
/// hashes it (a trailing carriage return left out, as for every line) and
/// counts its bytes, holding no more than one buffer of it. Returns the
/// line's record, the bytes after its line break (the start of the next
/// line), and the bytes it took in the stream (its line break included).
fn read_long_line(
    reader: &mut dyn Read,
    carry: &mut Vec<u8>,
    line: u64,
) -> io::Result<(LongLine, Vec<u8>, u64)> {
    let head = carry[..carry.len().min(LONG_LINE_HEAD_BYTES)].to_vec();
    let mut h = Sha256::new();
    let mut len = 0u64;
    // The last byte seen is held back until the next one shows whether it
    // was the carriage return of a CRLF line end.
    let mut held: Option<u8> = None;
    let mut chunk = std::mem::take(carry);
    let (rest, line_break) = loop {
        let (body, found) = match memchr::memchr(b'\n', &chunk) {
            Some(i) => (&chunk[..i], Some(i)),
            None => (&chunk[..], None),
        };
        if let Some((&last, before)) = body.split_last() {
            if let Some(b) = held.take() {
                h.update([b]);
            }
            h.update(before);
            held = Some(last);
            len += body.len() as u64;
        }
        if let Some(i) = found {
            break (chunk[i + 1..].to_vec(), true);
        }
        chunk.clear();
        if !fill(reader, &mut chunk, BLOCK_BYTES)? && chunk.is_empty() {
            break (Vec::new(), false);
        }
    };
    let mut bytes = len;
    if held == Some(b'\r') {
        bytes -= 1;
    } else if let Some(b) = held {
        h.update([b]);
    }
    Ok((
        LongLine {
            line,
            bytes,
            sha256: hex::encode(h.finalize()),
            head,
        },
        rest,
        len + u64::from(line_break),
    ))
}

/// The quarantine record of a line too long to parse, in a block of its
/// own ([`read_long_line`]).
fn long_line_out(long: &LongLine) -> BlockOut {
    BlockOut {
        frames: Vec::new(),
        rejects: vec![long_line_reject(long)],
        stats: Stats {
            lines: 1,
            ..Stats::default()
        },
        realms: BTreeMap::new(),
    }
}

/// The quarantine record of a line too long to parse: its first bytes,
/// length and SHA-256, and why.
fn long_line_reject(long: &LongLine) -> QuarantinedLine {
    let binary = memchr::memchr(0, &long.head).is_some();
    let reason = format!(
        "line of {} bytes, longer than {MAX_LINE_BYTES}: not parsed{}; its first {} bytes are kept, \
         and its SHA-256 over the whole line",
        long.bytes,
        if binary {
            " (NUL bytes: binary data, as in a crash-damaged log)"
        } else {
            ""
        },
        long.head.len().min(LONG_LINE_HEAD_BYTES),
    );
    QuarantinedLine::over_long(
        long.line,
        &reason,
        &long.head,
        long.bytes,
        long.sha256.clone(),
    )
}

/// The writer side of one file's ingest: stores each parsed block's events
/// (after looking for duplicates of stored events) and quarantined lines,
/// in block order.
struct Storing<'a> {
    store: &'a Store,
    timings: &'a Timings,
    parts: PartitionWriter,
    quarantine: QuarantineWriter,
    /// Dedup keys of the events already stored, per UTC day, loaded on first use.
    dup_index: HashMap<NaiveDate, HashMap<u128, crate::store::scan::Origin>>,
    realms: BTreeMap<String, u64>,
    stats: Stats,
}

impl Storing<'_> {
    /// Stores one block; returns the lines it accounted for.
    fn store_block(&mut self, block: &Block, mut out: BlockOut) -> anyhow::Result<u64> {
        let mut dup_lines: BTreeMap<u64, String> = BTreeMap::new();
        for f in out.frames {
            let deduping = Instant::now();
            let encoded = match (f.encoded, &f.keys) {
                (Some(encoded), _) => Some(encoded),
                (None, None) => Some(f.rows.encode()?),
                (None, Some(keys)) => {
                    let index = match self.dup_index.entry(f.day) {
                        std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                        std::collections::hash_map::Entry::Vacant(v) => {
                            v.insert(crate::store::scan::day_keys(self.store, f.day)?)
                        }
                    };
                    let lines = f
                        .rows
                        .column(crate::event::col::LINE)
                        .and_then(|c| c.as_any().downcast_ref::<PrimitiveArray<u64>>())
                        .context("the line column holds line numbers")?;
                    let keep: Bitmap = keys
                        .iter()
                        .zip(lines.values_iter())
                        .map(|(k, &line)| match index.get(k) {
                            Some((src, stored)) => {
                                dup_lines.insert(
                                    line,
                                    format!(
                                        "duplicate: the same event (time, client, user, method, URL, status, bytes) \
                                         is already stored from source {src} line {stored}"
                                    ),
                                );
                                false
                            }
                            None => true,
                        })
                        .collect();
                    let kept = f.rows.filter(&keep);
                    (!kept.is_empty()).then(|| kept.encode()).transpose()?
                }
            };
            self.timings.add(Phase::Dedup, deduping.elapsed());
            if let Some(encoded) = encoded {
                let writing = Instant::now();
                self.parts.write(f.day, &encoded)?;
                self.timings.add(Phase::Write, writing.elapsed());
            }
        }
        out.stats.accepted -= dup_lines.len() as u64;
        out.stats.duplicates += dup_lines.len() as u64;
        let mut dups = duplicate_rejects(block, dup_lines).into_iter().peekable();
        let mut rejects = out.rejects.into_iter().peekable();
        // Quarantine stays in line order: merge the block's rejects with its duplicates.
        loop {
            let take_dup = match (rejects.peek(), dups.peek()) {
                (Some(r), Some(d)) => d.line < r.line,
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if take_dup {
                self.quarantine.push(&dups.next().expect("peeked"))?;
            } else if let Some(r) = rejects.next() {
                self.quarantine.push(&r)?;
            } else {
                break;
            }
        }
        for (r, n) in out.realms {
            *self.realms.entry(r).or_default() += n;
        }
        self.stats.merge(&out.stats);
        Ok(out.stats.lines)
    }
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
    /// Earliest and latest time of those lines (UTC ms).
    pub too_old_range: Option<(i64, i64)>,
    /// Lines refused as dated after the system clock (also quarantined).
    pub future: u64,
    /// Lines whose event another source already stored (also quarantined).
    pub duplicates: u64,
    /// Header and comment lines (W3C `#Fields:` ...), kept in quarantine.
    pub headers: u64,
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
        self.too_old_range = match (self.too_old_range, o.too_old_range) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, None) | (None, x) => x,
        };
        self.future += o.future;
        self.duplicates += o.duplicates;
        self.headers += o.headers;
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

/// One UTC day's events of a block.
pub struct DayFrame {
    /// The UTC day.
    pub day: NaiveDate,
    /// Its events as the store's columns, in line order.
    pub rows: Rows,
    /// Each row's [`crate::event::dedup_key`], when the store already holds events
    /// of that day (so duplicates must be looked for); `None` otherwise.
    pub keys: Option<Vec<u128>>,
    /// The rows encoded as a Parquet row group, when there are no
    /// duplicates to look for (otherwise the writer encodes what it keeps).
    pub encoded: Option<EncodedRows>,
}

/// One parsed block: events as Parquet-ready frames per UTC day, rejected lines.
pub struct BlockOut {
    /// Events grouped by UTC day.
    pub frames: Vec<DayFrame>,
    /// QuarantinedLine lines, in line order.
    pub rejects: Vec<QuarantinedLine>,
    /// Counters.
    pub stats: Stats,
    /// Realms kept in user names (not configured as local), with event counts.
    pub realms: BTreeMap<String, u64>,
}

/// What every block of one file is parsed with.
pub struct BlockContext<'a> {
    /// Host classification.
    pub classifier: &'a Classifier,
    /// Source id written into each event.
    pub source: &'a str,
    /// Events before this (UTC ms) are refused as older than the retention window.
    pub cutoff_ms: Option<i64>,
    /// Events after this (UTC ms) are refused as later than now.
    pub latest_ms: Option<i64>,
    /// The organisation's own realms.
    pub realms: &'a Realms,
    /// UTC days that already hold events: their rows get dedup keys.
    pub dup_days: &'a HashSet<NaiveDate>,
    /// Where the time goes.
    pub timings: &'a Timings,
}

/// A block's (user name as logged, client address) pairs, with the keys of
/// the normalised name and of the address: a person's name and address come
/// back together line after line, so one lookup gives both, and a name is
/// normalised (`COUNCIL%5CJSmith` → `council\jsmith`) once per address.
type People<'a> =
    HashMap<(Option<&'a str>, &'a str), (u32, u32, bool), foldhash::fast::RandomState>;

/// The user and client keys of a line's name as logged (`None` when it
/// has none: the person is then `ip:<client>`) and client address, and
/// whether a name was logged.
fn person_keys<'a>(
    cols: &mut BlockColumns<'a>,
    people: &mut People<'a>,
    user: Option<&'a str>,
    client: &'a str,
    realms: &Realms,
) -> (u32, u32, bool) {
    if let Some(&keys) = people.get(&(user, client)) {
        return keys;
    }
    let name = logged_user(user, realms);
    let logged = name.is_some();
    let name = name.unwrap_or_else(|| Cow::Owned(format!("ip:{client}")));
    let keys = (
        cols.users.key(name),
        cols.clients.key(Cow::Borrowed(client)),
        logged,
    );
    people.insert((user, client), keys);
    keys
}

/// The UTC date of a day number (days since 1970-01-01).
fn day_date(day: i64) -> NaiveDate {
    DateTime::from_timestamp(day * 86_400, 0)
        .expect("timestamps are range-checked by the parser")
        .date_naive()
}

/// Parses and classifies one block of whole lines.
///
/// # Errors
/// Only Parquet encoding errors (a bug: the column types are fixed).
pub fn process_block<'a>(
    block: &'a [u8],
    first_line: u64,
    parser: &dyn LineParser,
    cx: &BlockContext<'_>,
) -> anyhow::Result<BlockOut> {
    let started = Instant::now();
    let mut classifying = std::time::Duration::ZERO;
    let mut parser = parser.fork();
    let mut cols = BlockColumns::with_capacity(block.len());
    let mut people: People<'a> = HashMap::default();
    let mut rejects = Vec::new();
    let mut stats = Stats::default();
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    // The common case checked once for the whole block (vectorised): no NUL
    // byte, and valid UTF-8, so that every line is (lines end at an ASCII
    // byte). Otherwise each line is checked on its own.
    let has_nul = memchr::memchr(0, body).is_some();
    let text = std::str::from_utf8(body).ok();
    // An empty block holds no line (splitting it would give one empty line).
    let ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
    let mut start = 0;
    let lines = (!block.is_empty()).then(|| {
        ends.map(move |end| {
            let range = start..end;
            start = end + 1;
            range
        })
    });
    for (this, range) in (first_line..).zip(lines.into_iter().flatten()) {
        let raw = &body[range.clone()];
        let cr = usize::from(raw.last() == Some(&b'\r'));
        let line_bytes = &raw[..raw.len() - cr];
        stats.lines += 1;
        if line_bytes.len() > MAX_LINE_BYTES {
            rejects.push(long_line_reject(&LongLine {
                line: this,
                bytes: line_bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(line_bytes)),
                head: line_bytes[..LONG_LINE_HEAD_BYTES].to_vec(),
            }));
            continue;
        }
        if has_nul && memchr::memchr(0, line_bytes).is_some() {
            rejects.push(QuarantinedLine::new(
                this,
                "NUL byte in the line: binary data, not log text",
                line_bytes,
            ));
            continue;
        }
        let line = match text {
            Some(t) => &t[range.start..range.end - cr],
            None => match std::str::from_utf8(line_bytes) {
                Ok(l) => l,
                Err(_) => {
                    rejects.push(QuarantinedLine::new(
                        this,
                        "not valid UTF-8 text",
                        line_bytes,
                    ));
                    continue;
                }
            },
        };
        if line.trim().is_empty() {
            rejects.push(QuarantinedLine::new(this, "blank line", line_bytes));
            continue;
        }
        let e = match parser.parse(line, this) {
            Ok(Parsed::Event(e)) => e,
            Ok(Parsed::Skip(what)) => {
                rejects.push(QuarantinedLine::new(this, what, line_bytes));
                stats.headers += 1;
                continue;
            }
            Err(reason) => {
                rejects.push(QuarantinedLine::new(this, &reason, line_bytes));
                continue;
            }
        };
        if cx.cutoff_ms.is_some_and(|c| e.ts_ms < c) {
            rejects.push(QuarantinedLine::withheld(this, TOO_OLD, line_bytes));
            stats.too_old += 1;
            stats.too_old_range = Some(match stats.too_old_range {
                Some((a, b)) => (a.min(e.ts_ms), b.max(e.ts_ms)),
                None => (e.ts_ms, e.ts_ms),
            });
            continue;
        }
        if cx.latest_ms.is_some_and(|l| e.ts_ms > l) {
            rejects.push(QuarantinedLine::new(this, FUTURE, line_bytes));
            stats.future += 1;
            continue;
        }
        let classify = |h: &str| {
            let t = Instant::now();
            let c = cx.classifier.classify(h);
            classifying += t.elapsed();
            c
        };
        let (url, host) = match (e.host, e.url) {
            // The host is the URL's: once per distinct URL of the block.
            (None, Cow::Borrowed(u)) => cols.url_and_host(u, classify),
            (host, url) => {
                let host =
                    host.unwrap_or_else(|| Cow::Owned(url_host(&url).unwrap_or("").to_owned()));
                let host = cols.host(host, classify);
                (cols.url(url), host)
            }
        };
        let (user, client, user_logged) = match e.user {
            // The common case: the name as logged, borrowed from the line.
            Some(Cow::Borrowed(u)) => {
                person_keys(&mut cols, &mut people, Some(u), e.client_ip, cx.realms)
            }
            None => person_keys(&mut cols, &mut people, None, e.client_ip, cx.realms),
            // A name the reader had to unescape: normalised on every line.
            Some(Cow::Owned(u)) => {
                let name = logged_user(Some(&u), cx.realms).map(Cow::into_owned);
                let logged = name.is_some();
                let name = name.unwrap_or_else(|| format!("ip:{}", e.client_ip));
                (
                    cols.users.key(Cow::Owned(name)),
                    cols.clients.key(Cow::Borrowed(e.client_ip)),
                    logged,
                )
            }
        };
        stats.accepted += 1;
        stats.first_ts = min_opt(stats.first_ts, Some(e.ts_ms));
        stats.last_ts = max_opt(stats.last_ts, Some(e.ts_ms));
        let row = Row {
            ts_ms: e.ts_ms,
            user,
            user_logged,
            client,
            host,
            method: cols.methods.key(Cow::Borrowed(e.method)),
            status: e.status,
            bytes: e.bytes,
            elapsed_ms: e.elapsed_ms,
            url,
            bytes_out: e.bytes_out,
            dst_port: e.dst_port,
            action: e.action.map(|a| cols.actions.key(Cow::Borrowed(a))),
            denied: e.denied,
            line: this,
        };
        cols.rows.push(row);
    }
    let encoding = Instant::now();
    let columns::Finished { days, realms } =
        cols.finish(cx.source, |day| cx.dup_days.contains(&day_date(day)))?;
    let frames = days
        .into_iter()
        .map(|d| {
            let encoded = match d.keys {
                Some(_) => None,
                None => Some(d.rows.encode()?),
            };
            Ok(DayFrame {
                day: day_date(d.day),
                rows: d.rows,
                keys: d.keys,
                encoded,
            })
        })
        .collect::<anyhow::Result<_>>()?;
    let encoded = encoding.elapsed();
    cx.timings.add(Phase::Encode, encoded);
    cx.timings.add(Phase::Classify, classifying);
    cx.timings.add(
        Phase::Parse,
        started.elapsed().saturating_sub(encoded + classifying),
    );
    Ok(BlockOut {
        frames,
        rejects,
        stats,
        realms,
    })
}
