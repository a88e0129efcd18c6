//! The pipeline of one file: a reader thread cuts the decoded stream into
//! blocks of whole lines ([`BLOCK_BYTES`]); one parser thread per core takes
//! each block as it comes and parses it ([`process_block_cached`], keeping
//! the hosts it has classified from block to block); the calling
//! thread puts the blocks back in file order and stores them ([`Storing`]).
//! A fixed set of block buffers goes round from the store back to the
//! reader, so memory is bounded by the blocks in flight, not by the input.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::bail;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};

use super::blocks::{BlockContext, BlockOut, LongLine, long_line_out, process_block_cached};
use super::columns::HostCache;
use super::files::Decoded;
use super::storing::Storing;
use super::timings::{Phase, Timings};
use super::{BLOCK_BYTES, LONG_LINE_HEAD_BYTES};
use crate::digest::ChainedSha256;
use crate::formats::LineParser;

/// A file opened to be read ([`super::files::examine`]): its decoded
/// stream, the bytes of it already read, and the reader's state at its start.
pub(super) struct Stream {
    /// The decoded stream, after the bytes in `head`.
    pub decoded: Decoded,
    /// Its first bytes, read to tell the format: the start of the first block.
    pub head: Vec<u8>,
    /// Number of the first line.
    pub first_line: u64,
    /// The reader's state at the first line.
    pub parser: Box<dyn LineParser>,
    /// Raw bytes read so far (for the progress bar).
    pub bytes_read: Arc<AtomicU64>,
    /// Where the stream starts in the file, when the file is not compressed:
    /// each block's place in the file is then kept for the chain index.
    pub chain_from: Option<u64>,
}

/// A block of whole lines, the number of its first line, and the reader's
/// state in force at that line.
pub(super) struct Block {
    /// The block's bytes: whole lines, each with its line break (the last
    /// one maybe without).
    pub bytes: Vec<u8>,
    /// Its place in the file: 0, 1, 2, ...
    pub seq: u64,
    /// Number of its first line.
    pub first_line: u64,
    /// Its lines.
    lines: u64,
    /// Where its first byte is in the decoded stream read (after any prefix skipped).
    offset: u64,
    parser: Box<dyn LineParser>,
    /// A line too long to hold in a block: read through, hashed and counted
    /// instead (`bytes` is then empty); the block is that one line.
    long: Option<LongLine>,
}

/// What the reader thread read: the hasher of the raw bytes, and the blocks
/// and lines it handed on (every one must come back stored).
pub(super) struct ReadAll {
    /// The SHA-256 of every raw byte read, with its checkpoints.
    pub hasher: ChainedSha256,
    blocks: u64,
    lines: u64,
}

/// A parsed block on its way back to be stored.
type Parsed = (Block, anyhow::Result<BlockOut>);

/// Reads, parses and stores the whole stream; `bar` shows the raw bytes
/// read and is cleared at the end. Returns what was read, and each block's
/// first line and place in the file (for the chain index; empty for a
/// compressed file).
///
/// # Errors
/// The file cannot be read, a block cannot be stored (the writer's error is
/// given before the reader's), or not every block read came back stored.
pub(super) fn run(
    path: &Path,
    stream: Stream,
    bar: ProgressBar,
    bcx: &BlockContext<'_>,
    storing: &mut Storing<'_>,
) -> anyhow::Result<(ReadAll, Vec<(u64, u64)>)> {
    let bytes_read = stream.bytes_read.clone();
    let chain_from = stream.chain_from;
    // Each block's first line and where it starts in the file (when the
    // file is not compressed): the chain index of the `digest` module.
    let mut starts: Vec<(u64, u64)> = Vec::new();
    // At most `in_flight` blocks are between the reader and the store,
    // however unevenly they take.
    let threads = rayon::current_num_threads().max(1);
    let in_flight = 2 * threads + 2;
    let (work_tx, work_rx) = sync_channel::<Block>(threads);
    // Held by the parser threads only: when the last one stops, the
    // reader's next send fails and it stops too, rather than wait on a
    // full channel nobody reads (after the store stopped on an error).
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (read, stored) = std::thread::scope(|scope| {
        let (done_tx, done_rx) = sync_channel::<Parsed>(in_flight);
        let (free_tx, free_rx) = sync_channel::<Vec<u8>>(in_flight);
        for _ in 0..in_flight {
            free_tx.send(Vec::new()).expect("room for every buffer");
        }
        let timings = bcx.timings;
        let reader = scope.spawn(move || read_blocks(path, stream, timings, free_rx, work_tx));
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let work_rx = Arc::clone(&work_rx);
            scope.spawn(move || parse_blocks(path, &work_rx, &done_tx, bcx));
        }
        drop((done_tx, work_rx));
        let stored = store_in_order(&done_rx, &free_tx, storing, |block| {
            bar.set_position(bytes_read.load(Ordering::Relaxed));
            if let Some(skip) = chain_from {
                starts.push((block.first_line, skip + block.offset));
            }
        });
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
        (read, stored)
    });
    bar.finish_and_clear();
    // The writer's own error explains a stopped writer better than the reader's.
    let ((blocks, lines), read) = stored.and_then(|s| read.map(|r| (s, r)))?;
    if blocks != read.blocks || lines != read.lines {
        bail!(
            "{}: only {lines} of {} lines ({blocks} of {} blocks) were stored; \
             not recorded as ingested, nothing was stored from this file",
            path.display(),
            read.lines,
            read.blocks
        );
    }
    Ok((read, starts))
}

/// A parser thread: takes blocks as they come and parses each whole, until
/// the reader is done or the store has stopped.
fn parse_blocks(
    path: &Path,
    work: &Mutex<Receiver<Block>>,
    done: &SyncSender<Parsed>,
    bcx: &BlockContext<'_>,
) {
    // The hosts this thread has classified, from block to block.
    let mut cache = HostCache::default();
    loop {
        let next = work.lock().map(|rx| rx.recv());
        let Ok(Ok(block)) = next else { return };
        let out = match &block.long {
            Some(long) => Ok(long_line_out(long)),
            None => parse_guarded(path, &block, bcx, &mut cache),
        };
        if done.send((block, out)).is_err() {
            return;
        }
    }
}

/// [`process_block_cached`] on `block`, with a panic in it (a bug) made the
/// block's error. Without this, the store would wait for the block for
/// ever, the reader for buffers the store never gives back, and ingest
/// would hang instead of failing; the other parser threads' blocks are
/// stored in order up to this one, and the file is then not recorded as
/// ingested. The thread's host cache, maybe half-updated, starts again.
fn parse_guarded(
    path: &Path,
    block: &Block,
    bcx: &BlockContext<'_>,
    cache: &mut HostCache,
) -> anyhow::Result<BlockOut> {
    let parse = || {
        process_block_cached(
            &block.bytes,
            block.first_line,
            block.lines as usize,
            block.parser.as_ref(),
            bcx,
            cache,
        )
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)) {
        Ok(out) => out,
        Err(panic) => {
            *cache = HostCache::default();
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "no message".to_owned());
            bail!(
                "{}: internal error (a bug in netusage: please report it) while parsing lines {} to {}: \
                 {what}; nothing was stored from this file",
                path.display(),
                block.first_line,
                block.first_line + block.lines.saturating_sub(1),
            )
        }
    }
}

/// Stores the parsed blocks in file order as they come back (in any
/// order), calling `on_block` with each before it is stored, and gives each
/// stored block's buffer back to the reader. Returns the blocks and lines
/// stored.
///
/// # Errors
/// The first block that failed to parse or to be stored.
fn store_in_order(
    done: &Receiver<Parsed>,
    free: &SyncSender<Vec<u8>>,
    storing: &mut Storing<'_>,
    mut on_block: impl FnMut(&Block),
) -> anyhow::Result<(u64, u64)> {
    let mut waiting: BTreeMap<u64, Parsed> = BTreeMap::new();
    let mut next = 0u64;
    let mut stored_lines = 0u64;
    for (block, out) in done.iter() {
        waiting.insert(block.seq, (block, out));
        while let Some((block, out)) = waiting.remove(&next) {
            next += 1;
            on_block(&block);
            stored_lines += out.and_then(|o| storing.store_block(&block, o))?;
            // The block is stored: its buffer goes back to the reader.
            let _ = free.try_send(block.bytes);
        }
    }
    Ok((next, stored_lines))
}

/// Reads until `buf` holds `want` bytes or the input ends.
pub(super) fn fill(r: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> io::Result<bool> {
    fill_from(r, buf, buf.len(), want)
}

/// Reads `want` more bytes into `buf` after its first `start` bytes, over
/// whatever it held there, or until the input ends; `buf` is then cut
/// where the bytes read end. A buffer that comes round again is read over
/// as it is: only what it lacks of `start + want` bytes is zeroed first
/// (zeroing a whole 4 MiB block before every read cost 2 % of a Squid
/// ingest's time).
fn fill_from(r: &mut dyn Read, buf: &mut Vec<u8>, start: usize, want: usize) -> io::Result<bool> {
    let end = start + want;
    if buf.len() < end {
        buf.resize(end, 0);
    }
    let mut filled = start;
    while filled < end {
        match r.read(&mut buf[filled..end]) {
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
    buf.truncate(end);
    Ok(true)
}

/// A read error near `line`, in words: a compressed file that is corrupt
/// or ends early is named as such.
pub(super) fn read_error(path: &Path, line: u64, e: io::Error) -> anyhow::Error {
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

/// A progress bar over the file's `size` raw bytes, named by its file name;
/// hidden unless `show`.
pub(super) fn progress_bar(show: bool, size: u64, path: &Path) -> ProgressBar {
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

/// Where the reader is: the next block's number, line and offset in the
/// decoded stream.
struct Position {
    seq: u64,
    line: u64,
    offset: u64,
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
fn read_blocks(
    path: &Path,
    stream: Stream,
    timings: &Timings,
    free: Receiver<Vec<u8>>,
    work: SyncSender<Block>,
) -> anyhow::Result<ReadAll> {
    let Stream {
        decoded: mut reader,
        head: mut carry,
        first_line,
        parser: mut tracker,
        ..
    } = stream;
    let mut at = Position {
        seq: 0,
        line: first_line,
        offset: 0,
    };
    // The bytes at the start of `carry` that begin the next block (the
    // rest of it, from a buffer that comes round, is read over).
    let mut kept = carry.len();
    loop {
        let reading = Instant::now();
        let more = fill_from(&mut reader, &mut carry, kept, BLOCK_BYTES)
            .map_err(|e| read_error(path, at.line, e))?;
        kept = carry.len();
        let cut = if more {
            match memchr::memrchr(b'\n', &carry) {
                Some(i) => i + 1,
                None if carry.len() > BLOCK_BYTES => {
                    // One line fills the block: read it through.
                    let (long, rest, used) = read_long_line(&mut reader, &mut carry, at.line)
                        .map_err(|e| read_error(path, at.line, e))?;
                    timings.add(Phase::Read, reading.elapsed());
                    let Ok(mut buf) = free.recv() else {
                        break;
                    };
                    buf.clear();
                    let block = Block {
                        bytes: buf,
                        seq: at.seq,
                        first_line: at.line,
                        lines: 1,
                        offset: at.offset,
                        parser: tracker.fork(),
                        long: Some(long),
                    };
                    if work.send(block).is_err() {
                        break;
                    }
                    at.seq += 1;
                    at.line += 1;
                    at.offset += used;
                    carry = rest;
                    kept = carry.len();
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
        // The rest starts the next buffer, whose old bytes after it are
        // read over, not cleared (`fill_from`).
        kept = carry.len() - cut;
        if next.len() < kept {
            next.resize(kept, 0);
        }
        next[..kept].copy_from_slice(&carry[cut..]);
        carry.truncate(cut);
        let block = std::mem::replace(&mut carry, next);
        let block_len = block.len() as u64;
        let lines = count_lines(&block);
        // The state in force at this block's first line; then the
        // block's own header lines move it on for the next block.
        let parser = tracker.fork();
        observe_headers(tracker.as_mut(), &block, at.line);
        timings.add(Phase::Read, reading.elapsed());
        if !block.is_empty() {
            let block = Block {
                bytes: block,
                seq: at.seq,
                first_line: at.line,
                lines,
                offset: at.offset,
                parser,
                long: None,
            };
            if work.send(block).is_err() {
                break;
            }
            at.seq += 1;
            at.line += lines;
        }
        at.offset += block_len;
        if !more {
            break;
        }
    }
    Ok(ReadAll {
        hasher: reader.into_inner().hasher,
        blocks: at.seq,
        lines: at.line - first_line,
    })
}

/// Moves the reader's state on over a block's header lines (`#...`), for
/// readers whose headers change how later lines read (W3C `#Fields:`).
fn observe_headers(tracker: &mut dyn LineParser, block: &[u8], first_line: u64) {
    if !tracker.has_directives() {
        return;
    }
    for (k, line) in block.split(|&b| b == b'\n').enumerate() {
        if line.first() == Some(&b'#')
            && let Ok(l) = std::str::from_utf8(line)
        {
            tracker.observe(l.trim_end_matches('\r'), first_line + k as u64);
        }
    }
}

/// Lines in a block: its line breaks, plus one for a last line without one.
fn count_lines(block: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', block).count() as u64;
    n + u64::from(!block.is_empty() && !block.ends_with(b"\n"))
}

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

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::mpsc;
    use std::time::Duration;

    use super::*;
    use crate::classify::Classifier;
    use crate::formats::{FileContext, LogFormat, Parsed, Reason};
    use crate::ingest::files::{Examined, examine};
    use crate::ingest::{Options, Timings};
    use crate::store::Store;

    /// The Squid reader, except that it panics on line `at` (a bug's stand-in).
    struct PanicsAt {
        squid: Box<dyn LineParser>,
        at: u64,
    }

    impl LineParser for PanicsAt {
        fn parse<'a>(&mut self, line: &'a str, number: u64) -> Result<Parsed<'a>, Reason> {
            if number == self.at {
                panic!("a bug on line {number}");
            }
            self.squid.parse(line, number)
        }

        fn fork(&self) -> Box<dyn LineParser> {
            Box::new(PanicsAt {
                squid: self.squid.fork(),
                at: self.at,
            })
        }

        fn leading_time(&self, line: &str) -> Option<i64> {
            self.squid.leading_time(line)
        }
    }

    /// A parser thread that panics on a line of the third block makes the
    /// file fail with an error naming the block's lines, and ingest ends:
    /// the reader, with a dozen blocks still to send, stops too. Before,
    /// the store waited for that block for ever and ingest hung.
    #[test]
    fn a_panic_while_parsing_fails_the_file_and_does_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("access.log");
        let line = "1764547200.000    120 10.0.0.1 TCP_MISS/200 5120 GET http://www.example.com/a - HIER_DIRECT/93.184.216.34 text/html\n";
        let per_block = BLOCK_BYTES / line.len();
        // Sixteen blocks: more than the channels and buffers hold at once.
        let lines = 16 * per_block;
        let mut f = std::io::BufWriter::new(std::fs::File::create(&log).unwrap());
        for _ in 0..lines {
            f.write_all(line.as_bytes()).unwrap();
        }
        f.into_inner().unwrap().sync_all().unwrap();
        let at = 2 * per_block as u64 + 10;

        let (tx, rx) = mpsc::channel();
        let dir_path = dir.path().to_path_buf();
        std::thread::spawn(move || {
            let store = Store::open_for_write(&dir_path.join("store")).unwrap();
            let opts = Options {
                format: None,
                context: FileContext::default(),
                as_of: None,
                progress: false,
                cutoff_ms: None,
                latest_ms: None,
                realms: Default::default(),
                timings: Arc::new(Timings::default()),
                run: None,
            };
            let Examined::New(new) = examine(&store, &log, &opts).unwrap() else {
                panic!("a new file")
            };
            let (_, mut stream) = *new;
            stream.parser = Box::new(PanicsAt {
                squid: crate::formats::squid::Squid.begin(&FileContext::default()),
                at,
            });
            let classifier = Classifier::bundled();
            let days = Default::default();
            let bcx = BlockContext {
                classifier: &classifier,
                source: "test",
                cutoff_ms: None,
                latest_ms: None,
                realms: &opts.realms,
                dup_days: &days,
                timings: &opts.timings,
            };
            let mut storing = Storing::new(&store, &opts.timings, "test");
            let out = run(&log, stream, ProgressBar::hidden(), &bcx, &mut storing);
            tx.send(out.map(|_| ()).map_err(|e| e.to_string())).unwrap();
        });
        // Minutes, not seconds: a liveness guard, not a timing.
        let out = rx
            .recv_timeout(Duration::from_secs(300))
            .expect("ingest ended rather than hung");
        let err = out.expect_err("the file failed");
        // "...: internal error (...) while parsing lines A to B: a bug on line AT; ..."
        let (_, after) = err
            .split_once("internal error (a bug in netusage: please report it) while parsing lines ")
            .unwrap_or_else(|| panic!("{err}"));
        let (range, rest) = after.split_once(": ").unwrap();
        let (first, last) = range.split_once(" to ").unwrap();
        let (first, last): (u64, u64) = (first.parse().unwrap(), last.parse().unwrap());
        // The block's lines: a whole block, around the line that panicked.
        assert!(first > 1 && first <= at && at <= last, "{err}");
        assert!(last - first + 1 >= per_block as u64 / 2, "{err}");
        assert!(
            rest.starts_with(&format!(
                "a bug on line {at}; nothing was stored from this file"
            )),
            "{err}"
        );
        assert!(err.contains("access.log"), "{err}");
    }
}
