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
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::input::Compression;
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

/// Reads back `wanted` lines (by source id) from the sources in `records`.
pub fn read_back(records: &[SourceRecord], wanted: &BTreeMap<String, BTreeSet<u64>>) -> ReadBack {
    let mut out = ReadBack::default();
    for (source, lines) in wanted {
        let status = match records.iter().rfind(|r| &r.source == source) {
            None => "not read back: the source is not in the manifest".to_string(),
            Some(r) => match read_one(r, lines) {
                Ok(found) => {
                    for (n, text) in found {
                        out.lines.insert((source.clone(), n), text);
                    }
                    format!("read back from {} (SHA-256 verified)", r.path)
                }
                Err(why) => format!("not read back from {}: {why}", r.path),
            },
        };
        out.status.insert(source.clone(), status);
    }
    out
}

/// Verifies one source file and takes `lines` from it, in one pass: the
/// raw bytes are hashed as the decoder reads them, and the rest of the
/// file is hashed after the last line wanted.
fn read_one(r: &SourceRecord, lines: &BTreeSet<u64>) -> Result<Vec<(u64, String)>, String> {
    let file = std::fs::File::open(&r.path).map_err(|e| format!("cannot open it ({e})"))?;
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

    #[test]
    fn lines_come_back_by_number_from_an_unchanged_or_grown_file_and_not_from_a_changed_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("access.log");
        let text = b"one\r\ntwo\nthree\n";
        std::fs::write(&path, text).unwrap();
        let r = record(&path, text);
        let wanted = BTreeMap::from([(r.source.clone(), BTreeSet::from([1, 3]))]);
        let got = read_back(std::slice::from_ref(&r), &wanted);
        assert_eq!(got.lines[&(r.source.clone(), 1)], "one");
        assert_eq!(got.lines[&(r.source.clone(), 3)], "three");
        assert!(got.status[&r.source].ends_with("(SHA-256 verified)"));
        // The log grew: its first `size` bytes are unchanged.
        std::fs::write(&path, b"one\r\ntwo\nthree\nfour\n").unwrap();
        assert_eq!(read_back(std::slice::from_ref(&r), &wanted).lines.len(), 2);
        // Edited: nothing is quoted.
        std::fs::write(&path, b"one\r\nTWO\nthree\n").unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted);
        assert!(got.lines.is_empty());
        assert!(got.status[&r.source].contains("has changed since it was ingested"));
        std::fs::remove_file(&path).unwrap();
        let got = read_back(std::slice::from_ref(&r), &wanted);
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
        let got = read_back(std::slice::from_ref(&r), &wanted);
        assert_eq!(got.lines[&(r.source, 2)], "beta");
    }
}
