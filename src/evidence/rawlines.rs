//! The raw text of the log lines an evidence pack cites, read back from the
//! source files when they are still where they were ingested and unchanged.
//!
//! The store keeps each line's source id and number, not its text. For the
//! first and last line of every session, the pack goes back to the file:
//! the file's first `size` bytes must hash to the SHA-256 recorded at ingest
//! (a log that has grown since still qualifies), and only then are lines
//! taken from it, decompressed as at ingest, by number. A file that is gone
//! or changed gives no text, and the pack says so for that source rather than
//! quoting something that may not be what was analysed.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::digest::ChainedSha256;
use crate::input::Compression;
use crate::store::chain::Chain;
use crate::store::manifest::SourceRecord;

/// Longest text kept of one line (bytes); longer lines are cut and marked.
pub const MAX_LINE_BYTES: usize = 2000;

/// What reading back gave: the text of each line found, by (source id,
/// line number), and for each source asked for, what happened in words.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ReadBack {
    /// Line text (lossy UTF-8, at most [`MAX_LINE_BYTES`]), by (source, line).
    pub lines: BTreeMap<(String, u64), String>,
    /// Per source id: `read back from PATH (SHA-256 verified)` or why not.
    pub status: BTreeMap<String, String>,
}

/// How lines were checked, with a chain index.
const CHECKED_STRETCHES: &str =
    "the stretches holding these lines checked against the SHA-256 chain kept at ingest";
/// How lines were checked, without one.
const CHECKED_FILE: &str = "SHA-256 verified";

/// Most bytes read for one block of lines (a block is about 4 MiB; one
/// line can make it longer). An index that asks for more is not used.
const MAX_STRETCH_BYTES: u64 = 256 << 20;

/// Reads back `wanted` lines (by source id) from the sources in `records`.
/// `chain_of` gives a source's chain index (`store::chain`) when it has a
/// sound one: then only the stretches of the file holding the wanted lines
/// are read and checked; otherwise the whole file is hashed again.
pub fn read_back(
    records: &[SourceRecord],
    wanted: &BTreeMap<String, BTreeSet<u64>>,
    chain_of: &dyn Fn(&SourceRecord) -> Result<Chain, String>,
) -> ReadBack {
    let mut out = ReadBack::default();
    for (source, lines) in wanted {
        let status = match records.iter().rfind(|r| &r.source == source) {
            None => "not read back: the source is not in the manifest".to_string(),
            Some(r) => {
                let read = match chain_of(r) {
                    Ok(chain) if r.compression == "none" => {
                        read_stretches(r, &chain, lines).map(|found| (found, CHECKED_STRETCHES))
                    }
                    _ => read_one(r, lines).map(|found| (found, CHECKED_FILE)),
                };
                match read {
                    Ok((found, how)) => {
                        for (n, text) in found {
                            out.lines.insert((source.clone(), n), text);
                        }
                        format!("read back from {} ({how})", r.path)
                    }
                    Err(why) => format!("not read back from {}: {why}", r.path),
                }
            }
        };
        out.status.insert(source.clone(), status);
    }
    out
}

/// Verifies one source file and takes `lines` from it, in one pass: the
/// raw bytes are hashed as the decoder reads them, and the rest of the
/// file is hashed after the last line wanted.
fn read_one(r: &SourceRecord, lines: &BTreeSet<u64>) -> Result<Vec<(u64, String)>, String> {
    let file = crate::fsutil::open_regular(Path::new(&r.path))
        .map(|(f, _)| f)
        .map_err(|e| format!("cannot open it ({e})"))?;
    let digest = Arc::new(Mutex::new((Sha256::new(), 0u64)));
    let mut raw = BufReader::with_capacity(
        1 << 20,
        Hashing {
            inner: file.take(r.size),
            digest: Arc::clone(&digest),
        },
    );
    let magic = raw
        .fill_buf()
        .map_err(|e| format!("cannot read it ({e})"))?
        .to_vec();
    let decoder = Compression::detect(&magic)
        .decoder(raw)
        .map_err(|e| e.to_string())?;
    let mut reader = BufReader::with_capacity(1 << 20, decoder);
    let bad = |e: std::io::Error| format!("cannot read or decompress it ({e})");
    let mut want = lines.iter().copied().peekable();
    let mut out = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    let mut n = 1u64;
    while want.peek().is_some() {
        let buf = reader.fill_buf().map_err(bad)?;
        if buf.is_empty() {
            break;
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', buf) {
            if want.peek() == Some(&n) {
                keep(&mut current, &buf[start..end]);
                out.push((n, text_of(&current)));
                current.clear();
                want.next();
            }
            n += 1;
            start = end + 1;
        }
        if want.peek() == Some(&n) {
            keep(&mut current, &buf[start..]);
        }
        let len = buf.len();
        reader.consume(len);
    }
    if want.peek() == Some(&n) && !current.is_empty() {
        out.push((n, text_of(&current)));
    }
    std::io::copy(&mut reader, &mut std::io::sink()).map_err(bad)?;
    drop(reader);
    let (h, bytes) = std::mem::take(&mut *digest.lock().map_err(|_| "hash poisoned")?);
    if bytes != r.size || hex::encode(h.finalize()) != r.sha256 {
        return Err("the file has changed since it was ingested".into());
    }
    Ok(out)
}

/// Takes `lines` from a file not compressed, reading only the blocks of lines
/// that hold them, each widened to the chain's kept values around it: from
/// the value before a stretch, its bytes must give the value after it (or,
/// for the file's last stretch, the file's SHA-256). See `crate::digest`.
///
/// Blocks whose widened ranges meet or overlap are hashed as one stretch,
/// read block by block (memory: one block and its margins), so a pack
/// quoting lines from every block of a day hashes those bytes once, not
/// once per block plus the kept-value margins shared by neighbours.
fn read_stretches(
    r: &SourceRecord,
    chain: &Chain,
    lines: &BTreeSet<u64>,
) -> Result<Vec<(u64, String)>, String> {
    use std::io::{Seek, SeekFrom};
    let malformed = || "its chain index does not describe it".to_string();
    let cp = chain.checkpoint_bytes;
    if cp != crate::digest::CHECKPOINT_BYTES {
        return Err(malformed());
    }
    let mut file = crate::fsutil::open_regular(Path::new(&r.path))
        .map(|(f, _)| f)
        .map_err(|e| format!("cannot open it ({e})"))?;
    let len = file
        .metadata()
        .map_err(|e| format!("cannot read it ({e})"))?
        .len();
    if len < r.size {
        return Err("the file has changed since it was ingested (it is shorter)".into());
    }
    let changed = || "the file has changed since it was ingested".to_string();
    // The blocks holding wanted lines: (first line, next block's first
    // line, byte start, byte end, widened from, widened to).
    let mut wanted = Vec::new();
    for (i, &(first, start)) in chain.blocks.iter().enumerate() {
        let (next, end) = chain
            .blocks
            .get(i + 1)
            .map_or((r.first_line + r.lines, r.size), |&b| b);
        if first > next || start > end || end > r.size {
            return Err(malformed());
        }
        if lines.range(first..next).next().is_none() {
            continue;
        }
        let from = start / cp * cp;
        let to = end.div_ceil(cp).saturating_mul(cp).min(r.size);
        if to - from > MAX_STRETCH_BYTES {
            return Err(malformed());
        }
        wanted.push((first, next, start, end, from, to));
    }
    // Runs of blocks whose widened ranges meet: each run is hashed once,
    // from the kept value before it to the one after it.
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, w) in wanted.iter().enumerate() {
        match runs.last_mut() {
            Some((_, b)) if w.4 <= wanted[*b].5 => *b = i,
            _ => runs.push((i, i)),
        }
    }
    let mut out = Vec::new();
    let mut bytes = Vec::new();
    for (a, b) in runs {
        let (from, to) = (wanted[a].4, wanted[b].5);
        let mut h = ChainedSha256::resume(from, chain.state_at(from).ok_or_else(malformed)?);
        // `bytes` holds the file's bytes `at..hashed`, every one of them
        // hashed as read: a block's lines come from the bytes hashed, and
        // the margin shared with the block before is kept, not read again.
        let (mut at, mut hashed) = (from, from);
        bytes.clear();
        for &(first, next, start, end, _, block_to) in &wanted[a..=b] {
            let keep_from = start.min(hashed);
            bytes.drain(..usize::try_from(keep_from - at).map_err(|_| malformed())?);
            at = keep_from;
            let old = bytes.len();
            let new_end = block_to.max(hashed);
            bytes.resize(usize::try_from(new_end - at).map_err(|_| malformed())?, 0);
            file.seek(SeekFrom::Start(hashed))
                .and_then(|_| file.read_exact(&mut bytes[old..]))
                .map_err(|e| format!("cannot read it ({e})"))?;
            h.update(&bytes[old..]);
            hashed = new_end;
            let block = &bytes[(start - at) as usize..(end - at) as usize];
            let mut want = lines.range(first..next).copied().peekable();
            let (mut n, mut line_start) = (first, 0);
            let ends = memchr::memchr_iter(b'\n', block).chain(std::iter::once(block.len()));
            for line_end in ends {
                let Some(&w) = want.peek() else { break };
                if w == n {
                    let mut text = Vec::new();
                    keep(&mut text, &block[line_start..line_end]);
                    out.push((n, text_of(&text)));
                    want.next();
                }
                n += 1;
                line_start = line_end + 1;
            }
        }
        // Nothing read from this run is returned unless it proves sound.
        let sound = if to == r.size {
            hex::encode(h.finalize()) == r.sha256
        } else {
            h.state().is_some() && h.state() == chain.state_at(to)
        };
        if !sound {
            return Err(changed());
        }
    }
    Ok(out)
}

/// Appends to a line being collected, up to one byte past
/// [`MAX_LINE_BYTES`] (enough to know it was cut).
fn keep(line: &mut Vec<u8>, more: &[u8]) {
    let room = (MAX_LINE_BYTES + 1).saturating_sub(line.len());
    line.extend_from_slice(&more[..more.len().min(room)]);
}

/// A line's text: a trailing carriage return removed, lossy UTF-8, cut at
/// [`MAX_LINE_BYTES`] with `…` after.
fn text_of(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if line.len() > MAX_LINE_BYTES {
        format!("{}…", String::from_utf8_lossy(&line[..MAX_LINE_BYTES]))
    } else {
        String::from_utf8_lossy(line).into_owned()
    }
}

/// A reader that hashes the bytes read through it (and counts them).
struct Hashing<R> {
    inner: R,
    digest: Arc<Mutex<(Sha256, u64)>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut d) = self.digest.lock() {
            d.0.update(&buf[..n]);
            d.1 += n as u64;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &std::path::Path, bytes: &[u8]) -> SourceRecord {
        let sha = hex::encode(Sha256::digest(bytes));
        serde_json::from_value(serde_json::json!({
            "source": &sha[..16],
            "path": path.display().to_string(),
            "sha256": sha,
            "size": bytes.len(),
            "format": "squid",
            "lines": 3, "accepted": 3, "rejected": 0,
            "ingested_at": "2025-06-11T00:00:00Z"
        }))
        .unwrap()
    }

    fn no_chain(_: &SourceRecord) -> Result<Chain, String> {
        Err("none".into())
    }

    #[test]
    fn with_a_chain_only_the_stretches_holding_the_lines_are_read_and_checked() {
        let cp = crate::digest::CHECKPOINT_BYTES as usize;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        // Lines of 100 bytes ("line N" padded, then \n): 6.5 MiB in all.
        let n_lines = (13 * cp / 2) / 100;
        let mut text = Vec::new();
        for n in 1..=n_lines {
            text.extend_from_slice(format!("{:<99}\n", format!("line {n}")).as_bytes());
        }
        std::fs::write(&path, &text).unwrap();
        let mut h = ChainedSha256::new();
        h.update(&text);
        assert_eq!(h.checkpoints().len(), 6);
        // Blocks of 10,000 lines (1,000,000 bytes), as ingest cut them.
        let blocks: Vec<(u64, u64)> = (0..n_lines)
            .step_by(10_000)
            .map(|i| (i as u64 + 1, i as u64 * 100))
            .collect();
        let chain = Chain::new(h.checkpoints(), blocks);
        let mut r = record(&path, &text);
        r.lines = n_lines as u64;
        r.compression = "none".into();
        let wanted = BTreeMap::from([(
            r.source.clone(),
            BTreeSet::from([2, 15_000, n_lines as u64]),
        )]);
        let with = |c: Chain| move |_: &SourceRecord| Ok::<Chain, String>(c.clone());
        let got = read_back(std::slice::from_ref(&r), &wanted, &with(chain.clone()));
        assert_eq!(
            got.lines[&(r.source.clone(), 2)],
            format!("{:<99}", "line 2")
        );
        assert_eq!(
            got.lines[&(r.source.clone(), 15_000)],
            format!("{:<99}", "line 15000")
        );
        let last = format!("{:<99}", format!("line {n_lines}"));
        assert_eq!(got.lines[&(r.source.clone(), n_lines as u64)], last);
        assert!(
            got.status[&r.source].contains("SHA-256 chain"),
            "{:?}",
            got.status
        );
        // A byte changed where no wanted line's stretch is: line 2's block
        // is read with [0, 1 MiB), line 15,000's with [0, 2 MiB), the last
        // line's (block of lines from 60,001, at byte 6,000,000) with
        // [5 MiB, the end); byte 4,000,000 is in none of them. Still quoted.
        let mut edited = text.clone();
        edited[4_000_000] ^= 1;
        std::fs::write(&path, &edited).unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted, &with(chain.clone()));
        assert_eq!(got.lines.len(), 3, "{:?}", got.status);
        // A byte changed beside line 15,000 (in its 1 MiB stretch): refused.
        let mut edited = text.clone();
        edited[15_000 * 100 + 50] ^= 1;
        std::fs::write(&path, &edited).unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted, &with(chain.clone()));
        assert!(got.lines.is_empty());
        assert!(got.status[&r.source].contains("has changed since it was ingested"));
        // An index out of order (lines or offsets going back), or one that
        // would read past the file: refused, no panic.
        std::fs::write(&path, &text).unwrap();
        for blocks in [
            vec![(100, 0), (1, 10)],
            vec![(1, 500), (2, 10)],
            vec![(1, 0), (5, 1 << 40)],
        ] {
            let bad = Chain {
                blocks,
                ..chain.clone()
            };
            let got = read_back(std::slice::from_ref(&r), &wanted, &with(bad));
            assert!(
                got.status[&r.source].contains("does not describe it"),
                "{:?}",
                got.status
            );
        }
        // The last stretch is checked against the file's own SHA-256.
        let mut edited = text.clone();
        let end = edited.len() - 3;
        edited[end] ^= 1;
        std::fs::write(&path, &edited).unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted, &with(chain));
        assert!(got.status[&r.source].contains("has changed since it was ingested"));
    }

    #[test]
    fn lines_come_back_by_number_from_an_unchanged_or_grown_file_and_not_from_a_changed_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let text = b"one\r\ntwo\nthree\n";
        std::fs::write(&path, text).unwrap();
        let r = record(&path, text);
        let wanted = BTreeMap::from([(r.source.clone(), BTreeSet::from([1, 3]))]);
        let got = read_back(std::slice::from_ref(&r), &wanted, &no_chain);
        assert_eq!(got.lines[&(r.source.clone(), 1)], "one");
        assert_eq!(got.lines[&(r.source.clone(), 3)], "three");
        assert!(got.status[&r.source].ends_with("(SHA-256 verified)"));
        // The log grew: its first `size` bytes are unchanged.
        std::fs::write(&path, b"one\r\ntwo\nthree\nfour\n").unwrap();
        assert_eq!(
            read_back(std::slice::from_ref(&r), &wanted, &no_chain)
                .lines
                .len(),
            2
        );
        // Edited: nothing is quoted.
        std::fs::write(&path, b"one\r\nTWO\nthree\n").unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted, &no_chain);
        assert!(got.lines.is_empty());
        assert!(got.status[&r.source].contains("has changed since it was ingested"));
        std::fs::remove_file(&path).unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted, &no_chain);
        assert!(
            got.status[&r.source].contains("cannot open it"),
            "{:?}",
            got.status
        );
    }

    #[test]
    fn a_gzip_file_is_read_back_decompressed() {
        use std::io::Write;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log.gz");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(b"alpha\nbeta\n").unwrap();
        let bytes = gz.finish().unwrap();
        std::fs::write(&path, &bytes).unwrap();
        let r = record(&path, &bytes);
        let wanted = BTreeMap::from([(r.source.clone(), BTreeSet::from([2]))]);
        let got = read_back(std::slice::from_ref(&r), &wanted, &no_chain);
        assert_eq!(got.lines[&(r.source, 2)], "beta");
    }
}
