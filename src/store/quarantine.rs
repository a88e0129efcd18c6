//! `quarantine/<source>.jsonl`: every line ingest rejected, with its number
//! and the reason, so nothing is dropped silently.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use serde::{Deserialize, Serialize};

/// One rejected line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// 1-based line number in the source file (after decompression).
    pub line: u64,
    /// Why the line was not stored as an event.
    pub reason: String,
    /// The raw line, lossily decoded as UTF-8 (invalid bytes become U+FFFD).
    pub raw: String,
    /// The raw bytes as hex when they were not valid UTF-8, so nothing is lost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_hex: Option<String>,
    /// SHA-256 of the raw line (hex), given instead of the text when the line
    /// holds personal data that must not be kept (events older than the
    /// retention window): it still proves which line was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_sha256: Option<String>,
    /// The line's whole length in bytes, when `raw` holds only its start (a
    /// line too long to parse: [`Rejected::over_long`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

impl Rejected {
    /// A rejected line from its raw bytes.
    pub fn new(line: u64, reason: &str, raw: &[u8]) -> Rejected {
        let (raw, raw_hex) = match std::str::from_utf8(raw) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (
                String::from_utf8_lossy(raw).into_owned(),
                Some(hex::encode(raw)),
            ),
        };
        Rejected {
            line,
            reason: reason.to_string(),
            raw,
            raw_hex,
            raw_sha256: None,
            bytes: None,
        }
    }

    /// A line too long to parse: its first bytes (`head`, lossy UTF-8 in
    /// `raw`, hex too when not valid UTF-8), its whole length in bytes and
    /// the SHA-256 (hex) of the whole line.
    pub fn over_long(line: u64, reason: &str, head: &[u8], bytes: u64, sha256: String) -> Rejected {
        Rejected {
            raw_sha256: Some(sha256),
            bytes: Some(bytes),
            ..Rejected::new(line, reason, head)
        }
    }

    /// A rejected line whose text is withheld: only its SHA-256 is kept.
    pub fn withheld(line: u64, reason: &str, raw: &[u8]) -> Rejected {
        use sha2::Digest;
        Rejected {
            line,
            reason: reason.to_string(),
            raw: String::new(),
            raw_hex: None,
            raw_sha256: Some(hex::encode(sha2::Sha256::digest(raw))),
            bytes: None,
        }
    }
}

/// Streams a source's rejected lines to `quarantine/.<source>.jsonl.tmp`;
/// [`QuarantineWriter::commit`] renames it into place (nothing is written for
/// a source with no rejected line). Memory stays flat however many lines fail.
pub struct QuarantineWriter {
    dir: PathBuf,
    source: String,
    out: Option<BufWriter<File>>,
    count: u64,
}

impl QuarantineWriter {
    /// A writer for `source` in `dir`; the file is created on the first line.
    pub fn new(dir: &Path, source: &str) -> QuarantineWriter {
        QuarantineWriter {
            dir: dir.to_path_buf(),
            source: source.to_string(),
            out: None,
            count: 0,
        }
    }

    fn tmp_path(&self) -> PathBuf {
        self.dir.join(format!(".{}.jsonl.tmp", self.source))
    }

    /// Appends one rejected line.
    ///
    /// # Errors
    /// Any I/O error, naming the path.
    pub fn push(&mut self, r: &Rejected) -> anyhow::Result<()> {
        if self.out.is_none() {
            crate::fsutil::create_dir_all(&self.dir)?;
            let f = crate::fsutil::create(&self.tmp_path())?;
            self.out = Some(BufWriter::new(f));
        }
        let out = self.out.as_mut().expect("opened above");
        serde_json::to_writer(&mut *out, r)?;
        out.write_all(b"\n")?;
        self.count += 1;
        Ok(())
    }

    /// Lines pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Fsyncs and renames the file into place.
    ///
    /// # Errors
    /// Any I/O error, naming the path.
    pub fn commit(mut self) -> anyhow::Result<()> {
        if let Some(out) = self.out.take() {
            let f = out.into_inner().map_err(|e| e.into_error())?;
            f.sync_all()?;
            let dest = self.dir.join(format!("{}.jsonl", self.source));
            std::fs::rename(self.tmp_path(), &dest)
                .with_context(|| format!("cannot write {}", dest.display()))?;
            super::sync_dir(&self.dir);
        }
        Ok(())
    }

    /// Removes the temporary file (ingest of the source failed).
    pub fn abort(mut self) {
        if self.out.take().is_some() {
            let _ = std::fs::remove_file(self.tmp_path());
        }
    }
}

/// Reads a source's quarantine file (empty when there is none).
///
/// # Errors
/// The file exists but cannot be read or parsed (line named).
pub fn read(dir: &Path, source: &str) -> anyhow::Result<Vec<Rejected>> {
    let path = dir.join(format!("{source}.jsonl"));
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| anyhow::anyhow!("{}: line {}: {e}", path.display(), i + 1))
        })
        .collect()
}
