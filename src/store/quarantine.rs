//! `quarantine/<source>.jsonl`: every line ingest rejected, with its number
//! and the reason, so nothing is dropped silently.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::fsutil::{AtomicFile, Committed, LastLine};

/// One rejected line: a line of a source that ingest did not store as an
/// event, and why (one JSON line of `quarantine/<source>.jsonl`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuarantinedLine {
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
    /// line too long to parse: [`QuarantinedLine::over_long`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
}

impl QuarantinedLine {
    /// A rejected line from its raw bytes.
    pub fn new(line: u64, reason: &str, raw: &[u8]) -> QuarantinedLine {
        let (raw, raw_hex) = match std::str::from_utf8(raw) {
            Ok(s) => (s.to_string(), None),
            Err(_) => (
                String::from_utf8_lossy(raw).into_owned(),
                Some(hex::encode(raw)),
            ),
        };
        QuarantinedLine {
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
    pub fn over_long(
        line: u64,
        reason: &str,
        head: &[u8],
        bytes: u64,
        sha256: String,
    ) -> QuarantinedLine {
        QuarantinedLine {
            raw_sha256: Some(sha256),
            bytes: Some(bytes),
            ..QuarantinedLine::new(line, reason, head)
        }
    }

    /// A rejected line whose text is withheld: only its SHA-256 is kept.
    pub fn withheld(line: u64, reason: &str, raw: &[u8]) -> QuarantinedLine {
        use sha2::Digest;
        QuarantinedLine {
            line,
            reason: reason.to_string(),
            raw: String::new(),
            raw_hex: None,
            raw_sha256: Some(hex::encode(sha2::Sha256::digest(raw))),
            bytes: None,
        }
    }
}

/// Streams a source's rejected lines to `quarantine/.<source>.jsonl.tmp`
/// (an [`AtomicFile`]); [`QuarantineWriter::commit`] puts it in place as
/// `quarantine/<source>.jsonl` (nothing is written for a source with no
/// rejected line). Dropped without a commit (the ingest of the source
/// failed), it removes the temporary file. Memory stays flat however many
/// lines fail.
pub struct QuarantineWriter {
    dir: PathBuf,
    source: String,
    out: Option<BufWriter<AtomicFile>>,
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

    /// Appends one rejected line.
    ///
    /// # Errors
    /// Any I/O error, naming the path.
    pub fn push(&mut self, r: &QuarantinedLine) -> anyhow::Result<()> {
        let out = match &mut self.out {
            Some(out) => out,
            None => {
                crate::fsutil::create_dir_all(&self.dir)?;
                let dest = self.dir.join(format!("{}.jsonl", self.source));
                self.out.insert(BufWriter::new(AtomicFile::create(&dest)?))
            }
        };
        let written = serde_json::to_writer(&mut *out, r)
            .map_err(anyhow::Error::from)
            .and_then(|()| Ok(out.write_all(b"\n")?));
        written.with_context(|| format!("cannot write {}", out.get_ref().tmp_path().display()))?;
        self.count += 1;
        Ok(())
    }

    /// Lines pushed so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Fsyncs the file, renames it into place and fsyncs the folder; the
    /// file is removed again if the result is dropped before
    /// [`Committed::keep`] (the source's record could not be written).
    ///
    /// # Errors
    /// Any I/O error, naming the path; the temporary file is removed then.
    pub fn commit(mut self) -> anyhow::Result<Committed> {
        let mut committed = Committed::default();
        if let Some(out) = self.out.take() {
            let tmp = out.get_ref().tmp_path().to_path_buf();
            let finished = out
                .into_inner()
                .map_err(|e| e.into_error())
                .with_context(|| format!("cannot write {}", tmp.display()))?
                .finish()?;
            let dest = finished.dest().to_path_buf();
            finished.commit()?;
            committed.push(dest);
        }
        Ok(committed)
    }
}

/// Reads a source's quarantine file (empty when there is none).
///
/// # Errors
/// The file exists but cannot be read or parsed (line named).
pub fn read(dir: &Path, source: &str) -> anyhow::Result<Vec<QuarantinedLine>> {
    crate::fsutil::read_json_lines(
        &dir.join(format!("{source}.jsonl")),
        "quarantine record",
        LastLine::All,
    )
}
