//! The audit log: `audit.jsonl` in the store, append-only and hash-chained.
//!
//! Each line is one [`Entry`]. `hash` = SHA-256(`prev_hash` ‖ canonical JSON
//! of the entry without its `hash`), hex; the first entry's `prev_hash` is 64
//! zeros. Editing, deleting or reordering any entry breaks the chain at that
//! entry. What a chain alone cannot show is that entries were cut from the
//! end: for that the last hash must be kept elsewhere (every evidence pack and
//! every command's output carries a copy).

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// A file read or written by a command, with its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    /// Path as given or as stored.
    pub path: String,
    /// SHA-256, hex.
    pub sha256: String,
}

/// The authorisation a command ran under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRef {
    /// The record's `reference`.
    pub reference: String,
    /// SHA-256 of the record file, hex.
    pub sha256: String,
}

/// What a command asks to record; [`append`] adds the sequence, time and chain.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Who ran it.
    pub operator: String,
    /// Subcommand, e.g. `ingest`, `purge`.
    pub command: String,
    /// The command-line arguments after the subcommand.
    pub arguments: Vec<String>,
    /// Authorisation, where there is one.
    pub authorisation: Option<AuthRef>,
    /// Files read.
    pub inputs: Vec<FileHash>,
    /// Files written.
    pub outputs: Vec<FileHash>,
    /// `ok`, `refused: ...`, `error: ...`.
    pub result: String,
    /// Command-specific figures (counts, cutoff, ...).
    pub details: serde_json::Value,
}

/// One audit entry, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3, ... with no gap.
    pub seq: u64,
    /// When (UTC, RFC 3339 with microseconds).
    pub ts: String,
    /// Who ran the command.
    pub operator: String,
    /// Subcommand.
    pub command: String,
    /// Arguments.
    pub arguments: Vec<String>,
    /// Authorisation reference and record hash.
    pub authorisation: Option<AuthRef>,
    /// Files read.
    pub inputs: Vec<FileHash>,
    /// Files written.
    pub outputs: Vec<FileHash>,
    /// Outcome.
    pub result: String,
    /// Command-specific figures.
    pub details: serde_json::Value,
    /// `hash` of the entry before (or [`GENESIS`]).
    pub prev_hash: String,
    /// SHA-256(prev_hash ‖ canonical JSON of the other fields), hex.
    pub hash: String,
}

impl Entry {
    /// The hash this entry should carry.
    pub fn compute_hash(&self) -> String {
        let mut unsigned = self.clone();
        unsigned.hash = String::new();
        let canonical = serde_json::to_vec(&unsigned).expect("entries serialise");
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(&canonical);
        hex::encode(h.finalize())
    }
}

/// The operator name: `NETUSAGE_OPERATOR`, else the login name, else `unknown`.
pub fn operator() -> String {
    ["NETUSAGE_OPERATOR", "USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}

/// The arguments this process was started with, after the program name.
pub fn process_arguments() -> Vec<String> {
    std::env::args().skip(1).collect()
}

/// Appends an entry to `<store>/audit.jsonl`, holding an exclusive lock on the
/// file while it reads the last entry and writes the new one, then fsyncs.
///
/// # Errors
/// I/O errors, or a last line that is not a valid entry (run `audit verify`).
pub fn append(store: &Path, draft: Draft, now: DateTime<Utc>) -> anyhow::Result<Entry> {
    let path = store.join("audit.jsonl");
    let mut f = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("cannot open audit log {}", path.display()))?;
    f.lock()
        .with_context(|| format!("cannot lock {}", path.display()))?;
    let mut text = String::new();
    f.seek(SeekFrom::Start(0))?;
    f.read_to_string(&mut text)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let (seq, prev_hash) = match text.lines().rev().find(|l| !l.trim().is_empty()) {
        None => (1, GENESIS.to_string()),
        Some(last) => {
            let last: Entry = serde_json::from_str(last).with_context(|| {
                format!(
                    "the last line of {} is not an audit entry: run `netusage audit verify`",
                    path.display()
                )
            })?;
            (last.seq + 1, last.hash)
        }
    };
    if !text.is_empty() && !text.ends_with('\n') {
        f.write_all(b"\n")?;
    }
    let mut e = Entry {
        seq,
        ts: now.to_rfc3339_opts(SecondsFormat::Micros, true),
        operator: draft.operator,
        command: draft.command,
        arguments: draft.arguments,
        authorisation: draft.authorisation,
        inputs: draft.inputs,
        outputs: draft.outputs,
        result: draft.result,
        details: draft.details,
        prev_hash,
        hash: String::new(),
    };
    e.hash = e.compute_hash();
    let mut line = serde_json::to_string(&e)?;
    line.push('\n');
    f.write_all(line.as_bytes())
        .with_context(|| format!("cannot append to {}", path.display()))?;
    f.sync_all()?;
    Ok(e)
}

/// Reads every entry (a torn last line is an error of its own kind in [`verify`]).
///
/// # Errors
/// The file cannot be read or a line is not an entry.
pub fn read(store: &Path) -> anyhow::Result<Vec<Entry>> {
    let path = store.join("audit.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| {
                format!("{}: line {} is not an audit entry", path.display(), i + 1)
            })
        })
        .collect()
}

/// The result of checking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Entries that checked out before the first break (or all of them).
    pub good: u64,
    /// The first break: line number (1-based) and what is wrong.
    pub broken: Option<(usize, String)>,
    /// `seq` and `hash` of the last entry that checked out.
    pub last: Option<(u64, String)>,
}

/// Checks the chain in `<store>/audit.jsonl`: each line parses, `seq` counts
/// up from 1 without gaps, `prev_hash` is the previous entry's `hash`, and
/// `hash` matches the entry's content. Stops at the first break.
///
/// # Errors
/// The file cannot be read.
pub fn verify(store: &Path) -> anyhow::Result<Verdict> {
    let path = store.join("audit.jsonl");
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Verdict {
                good: 0,
                broken: None,
                last: None,
            });
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut prev = GENESIS.to_string();
    let mut v = Verdict {
        good: 0,
        broken: None,
        last: None,
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        if !raw.ends_with('\n') {
            v.broken = Some((
                n,
                "the last line is incomplete: the log was cut short (truncated tail)".into(),
            ));
            break;
        }
        let Ok(e) = serde_json::from_str::<Entry>(raw.trim_end()) else {
            v.broken = Some((n, "not a valid audit entry (edited or damaged)".into()));
            break;
        };
        let expected_seq = v.good + 1;
        if e.seq != expected_seq {
            v.broken = Some((
                n,
                format!(
                    "entry seq {} where seq {expected_seq} was expected: entries were deleted or reordered",
                    e.seq
                ),
            ));
            break;
        }
        if e.prev_hash != prev {
            v.broken = Some((
                n,
                format!(
                    "entry seq {}: prev_hash does not match the entry before it (deleted, inserted or reordered)",
                    e.seq
                ),
            ));
            break;
        }
        if e.compute_hash() != e.hash {
            v.broken = Some((
                n,
                format!(
                    "entry seq {}: its hash does not match its content (edited)",
                    e.seq
                ),
            ));
            break;
        }
        prev = e.hash.clone();
        v.good += 1;
        v.last = Some((e.seq, e.hash));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(cmd: &str) -> Draft {
        Draft {
            operator: "ict1".into(),
            command: cmd.into(),
            result: "ok".into(),
            ..Default::default()
        }
    }

    #[test]
    fn chain_links_and_detects_edits() {
        let dir = tempfile::tempdir().unwrap();
        let now = DateTime::parse_from_rfc3339("2026-11-22T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let a = append(dir.path(), draft("ingest"), now).unwrap();
        let b = append(dir.path(), draft("usage"), now).unwrap();
        assert_eq!((a.seq, a.prev_hash.as_str()), (1, GENESIS));
        assert_eq!((b.seq, b.prev_hash.as_str()), (2, a.hash.as_str()));
        assert_eq!(
            verify(dir.path()).unwrap(),
            Verdict {
                good: 2,
                broken: None,
                last: Some((2, b.hash.clone()))
            }
        );
        let p = dir.path().join("audit.jsonl");
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("\"usage\"", "\"flags\"");
        std::fs::write(&p, text).unwrap();
        let v = verify(dir.path()).unwrap();
        assert_eq!(v.good, 1);
        assert_eq!(
            v.broken,
            Some((
                2,
                "entry seq 2: its hash does not match its content (edited)".into()
            ))
        );
    }
}
