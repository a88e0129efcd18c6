//! What a file is, before a line of it is parsed: a regular file; not a
//! source already stored (same SHA-256); plain or compressed; a grown copy
//! of a log already ingested (then read from where that one ended); a text
//! log, and in which format.

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::pipeline::{Stream, fill, read_error};
use super::{HEAD_BYTES, NotALog, Options};
use crate::digest::ChainedSha256;
use crate::formats::detect::{self, Detection};
use crate::formats::{FileContext, LogFormat};
use crate::input::Compression;
use crate::store::Store;
use crate::store::manifest::{self, SourceRecord};

/// Bytes at the start of a file whose SHA-256 is kept as `head_sha256`.
const HEAD_HASH_BYTES: u64 = 64 << 10;

/// What [`examine`] found a file to be.
pub(super) enum Examined {
    /// Already in the store (same SHA-256): the existing record.
    Duplicate(Box<SourceRecord>),
    /// To be read: what is known of it, and its stream.
    New(Box<(NewFile, Stream)>),
}

/// A file to be read, as the checks found it.
pub(super) struct NewFile {
    /// Its size in bytes when examined.
    pub size: u64,
    /// Its absolute, canonical path.
    pub canonical: PathBuf,
    /// The store's source records when the file was examined.
    pub records: Vec<SourceRecord>,
    /// SHA-256 (hex) of its first [`HEAD_HASH_BYTES`] raw bytes.
    pub head_sha256: String,
    /// How its bytes are compressed.
    pub compression: Compression,
    /// The earlier source it starts with (a log that grew), if any.
    pub prefix: Option<SourceRecord>,
    /// Number of the first line read (1, or the line after `prefix`'s content).
    pub first_line: u64,
    /// Its log format; `None` for an empty (or blank) file.
    pub format: Option<&'static dyn LogFormat>,
    /// The time zone and year its local times are read with.
    pub cx: FileContext,
}

/// Examines `path`: refuses what is not a regular file, finds a source
/// already stored with the same bytes, and otherwise opens the file (after
/// the content of an earlier source it starts with), reads its first
/// 64 KiB and tells its format from them (or takes `opts.format`).
///
/// # Errors
/// The file cannot be read, or is a truncated compressed file; [`NotALog`]
/// when it is binary or its format cannot be told.
pub(super) fn examine(store: &Store, path: &Path, opts: &Options) -> anyhow::Result<Examined> {
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
            return Ok(Examined::Duplicate(Box::new(existing.clone())));
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
    let format = match opts.format.or(continued) {
        Some(f) => Some(f),
        None => detect_format(path, &head, &cx)?,
    };
    let stream = Stream {
        decoded,
        head,
        first_line,
        parser: crate::formats::envelope::begin(
            format.unwrap_or(&crate::formats::squid::Squid),
            &cx,
        ),
        bytes_read,
        chain_from: (compression == Compression::None).then_some(skip),
    };
    let file = NewFile {
        size,
        canonical,
        records,
        head_sha256,
        compression,
        prefix: prefix.map(|(r, _)| r),
        first_line,
        format,
        cx,
    };
    Ok(Examined::New(Box::new((file, stream))))
}

/// The format of a log from its first bytes; `None` when they are empty or blank.
///
/// # Errors
/// [`NotALog`]: two formats read them equally well, or none does.
fn detect_format(
    path: &Path,
    head: &[u8],
    cx: &FileContext,
) -> anyhow::Result<Option<&'static dyn LogFormat>> {
    if head.iter().all(|b| b.is_ascii_whitespace()) {
        return Ok(None);
    }
    match detect::detect(head, cx) {
        Detection::Found(f, _) => Ok(Some(f)),
        Detection::Empty => Ok(None),
        Detection::Tie(a, b, score) => Err(NotALog(format!(
            "{}: its first lines read equally well as {a} and {b} ({score}%): give --log-format to choose",
            path.display()
        ))
        .into()),
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
            Err(NotALog(format!(
                "{}: cannot tell the log format from its first lines{tried}; known: {}; give --log-format to read it anyway",
                path.display(),
                known.join(", ")
            ))
            .into())
        }
    }
}

/// Hashes and counts the raw bytes read from the underlying file. The
/// thread that reads owns it (inside the decoder) and hands it back when the
/// file is read, so the SHA-256 recorded describes exactly the bytes that
/// were read: a file that grows while it is read is recorded as read. Other
/// threads see only the count, for the progress bar.
pub(super) struct Hashing<R> {
    inner: R,
    /// The SHA-256 of the raw bytes read so far.
    pub hasher: ChainedSha256,
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
pub(super) type Decoded = crate::input::Decoder<Hashing<File>>;

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
