//! The audit log: `audit.jsonl` in the store, append-only and hash-chained,
//! with a signed head.
//!
//! Each line is one [`Entry`]. `hash` = SHA-256(`prev_hash` ‖ the entry's
//! canonical JSON without its `hash`, RFC 8785 through
//! `serde_json_canonicalizer`), hex; the first entry's `prev_hash` is 64
//! zeros. Editing, deleting or reordering any entry breaks the chain at that
//! entry. A chain alone cannot show that entries were cut from the end, or
//! that the whole log was deleted: so every append also rewrites
//! `audit.head`, the last entry's `seq` and `hash` signed with the store's
//! Ed25519 key (see [`crate::signing`]). A log shorter than its signed head,
//! or a store with no head, is an error that names what is missing.
//!
//! `ts` is always the system clock. A command run with `--now` records that
//! time beside it as `as_of`. `operator` is always the operating-system login
//! of the process (not an environment variable); a display name from
//! `--operator` or `NETUSAGE_OPERATOR` goes beside it as `operator_name`.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `prev_hash` of the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The log's file name in the store.
pub const LOG_FILE: &str = "audit.jsonl";
/// The signed head's file name in the store.
pub const HEAD_FILE: &str = "audit.head";

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

/// What a command asks to record; [`append`] adds the sequence, the real
/// time, the operating-system login, the arguments and the chain.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// Subcommand, e.g. `ingest`, `purge`.
    pub command: String,
    /// A display name for the operator (`--operator`, `NETUSAGE_OPERATOR`),
    /// recorded beside the login, never instead of it.
    pub operator_name: Option<String>,
    /// The `--now` the command ran with, if any (recorded beside the real time).
    pub as_of: Option<DateTime<Utc>>,
    /// The configuration in force: file, SHA-256 and effective settings.
    pub config: Option<serde_json::Value>,
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

impl Draft {
    /// A draft for `command` with `result`, the display name from the
    /// environment, and nothing else.
    pub fn new(command: &str, result: impl Into<String>) -> Draft {
        Draft {
            command: command.to_string(),
            operator_name: display_name(None),
            result: result.into(),
            ..Default::default()
        }
    }
}

/// One audit entry, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3, ... with no gap.
    pub seq: u64,
    /// When, by the system clock (UTC, RFC 3339 with microseconds).
    pub ts: String,
    /// The `--now` the command was given (UTC), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// The operating-system login that ran the command.
    pub operator: String,
    /// The display name given with `--operator` / `NETUSAGE_OPERATOR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_name: Option<String>,
    /// Subcommand.
    pub command: String,
    /// Arguments.
    pub arguments: Vec<String>,
    /// The configuration in force (file, SHA-256, effective settings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<serde_json::Value>,
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
    /// SHA-256(prev_hash ‖ RFC 8785 canonical JSON of the other fields), hex.
    pub hash: String,
}

impl Entry {
    /// The hash this entry should carry.
    pub fn compute_hash(&self) -> String {
        let mut value = serde_json::to_value(self).expect("entries serialise");
        if let Some(map) = value.as_object_mut() {
            map.remove("hash");
        }
        let canonical = serde_json_canonicalizer::to_vec(&value).expect("JSON values canonicalise");
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(&canonical);
        hex::encode(h.finalize())
    }
}

/// The operating-system login of this process (from its real user id and the
/// password database), else `uid:<n>`. Environment variables cannot change it.
pub fn os_login() -> String {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(u)) => u.name,
        _ => format!("uid:{uid}"),
    }
}

/// The operator's display name: `given` (e.g. `--operator`), else
/// `NETUSAGE_OPERATOR`; `None` when neither is set or both are blank.
pub fn display_name(given: Option<&str>) -> Option<String> {
    given
        .map(str::to_string)
        .or_else(|| std::env::var("NETUSAGE_OPERATOR").ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// The arguments this process was started with, after the program name.
pub fn process_arguments() -> Vec<String> {
    std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect()
}

/// `audit.head`: the last entry's sequence and hash, signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// `seq` of the last entry.
    pub seq: u64,
    /// `hash` of the last entry.
    pub hash: String,
    /// Ed25519 signature (hex) over [`Head::message`].
    pub signature: String,
}

impl Head {
    /// The bytes signed: `netusage-audit-head\n<seq>\n<hash>\n`.
    pub fn message(seq: u64, hash: &str) -> Vec<u8> {
        format!("netusage-audit-head\n{seq}\n{hash}\n").into_bytes()
    }
}

/// Reads `audit.head`; `None` when there is none.
///
/// # Errors
/// It exists but cannot be read or parsed.
pub fn read_head(store: &Path) -> anyhow::Result<Option<Head>> {
    let path = store.join(HEAD_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .with_context(|| format!("{} is not a valid audit head", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

fn write_head(store: &Path, key: &SigningKey, seq: u64, hash: &str) -> anyhow::Result<()> {
    let head = Head {
        seq,
        hash: hash.to_string(),
        signature: crate::signing::sign(key, &Head::message(seq, hash)),
    };
    crate::fsutil::write_atomic(
        &store.join(HEAD_FILE),
        serde_json::to_string(&head)?.as_bytes(),
    )
}

/// Checks `head` against the entries of the log text: its signature, and that
/// the log still holds the entry it names. Returns the problem, if any.
fn head_problem(head: &Head, key: &VerifyingKey, text: &str) -> Option<String> {
    if crate::signing::verify(key, &Head::message(head.seq, &head.hash), &head.signature).is_err() {
        return Some(format!(
            "{HEAD_FILE} is not signed by this store's key: it was edited or replaced"
        ));
    }
    let mut last_seq = 0;
    for line in text.lines().rev().filter(|l| !l.trim().is_empty()) {
        let Ok(e) = serde_json::from_str::<Entry>(line) else {
            continue;
        };
        last_seq = last_seq.max(e.seq);
        if e.seq == head.seq {
            return (e.hash != head.hash).then(|| {
                format!(
                    "entry seq {} does not have the hash the signed head records ({}): the log was rewritten",
                    head.seq, head.hash
                )
            });
        }
        if e.seq < head.seq {
            break;
        }
    }
    Some(if text.trim().is_empty() {
        format!(
            "the audit log is empty or missing, but the store's signed head records {} entries (last hash {}): \
             entries 1 to {} were deleted",
            head.seq, head.hash, head.seq
        )
    } else {
        format!(
            "the audit log ends at seq {last_seq}, but the store's signed head records seq {} (hash {}): \
             entries {} to {} were cut from the end",
            head.seq,
            head.hash,
            last_seq + 1,
            head.seq
        )
    })
}

/// Starts the audit log of a new store: its first entry and signed head.
///
/// # Errors
/// A log or head already exists, or I/O errors.
pub fn start(store: &Path, key: &SigningKey, draft: Draft) -> anyhow::Result<Entry> {
    if store.join(HEAD_FILE).exists() || store.join(LOG_FILE).exists() {
        bail!("{} already has an audit log", store.display());
    }
    write_entry(store, key, draft, true)
}

/// Appends an entry to `<store>/audit.jsonl` and re-signs the head, holding
/// an exclusive lock on the log while it checks the head against the log,
/// writes the new entry (fsynced) and then the new head.
///
/// # Errors
/// The store has no signed head, the log no longer holds the entry the head
/// names (entries deleted: nothing is appended until that is investigated),
/// the last line is damaged, or I/O errors.
pub fn append(store: &Path, key: &SigningKey, draft: Draft) -> anyhow::Result<Entry> {
    write_entry(store, key, draft, false)
}

fn write_entry(store: &Path, key: &SigningKey, draft: Draft, first: bool) -> anyhow::Result<Entry> {
    let path = store.join(LOG_FILE);
    let mut f = crate::fsutil::private_options()
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
    if !first {
        match read_head(store)? {
            None => bail!(
                "{} has no signed audit head ({HEAD_FILE}): it was deleted, so entries may have been too; \
                 nothing is appended until this is investigated (`netusage audit verify`)",
                store.display()
            ),
            Some(head) => {
                if let Some(problem) = head_problem(&head, &key.verifying_key(), &text) {
                    bail!(
                        "audit log {}: {problem}; nothing is appended until this is investigated (`netusage audit verify`)",
                        path.display()
                    );
                }
            }
        }
    }
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
    let micros = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
    let mut e = Entry {
        seq,
        ts: micros(Utc::now()),
        as_of: draft.as_of.map(micros),
        operator: os_login(),
        operator_name: draft.operator_name,
        command: draft.command,
        arguments: process_arguments(),
        config: draft.config,
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
    if !text.is_empty() && !text.ends_with('\n') {
        line.insert(0, '\n');
    }
    if let Err(err) = f.write_all(line.as_bytes()).and_then(|()| f.sync_all()) {
        // A write cut short (a full disk) would leave a torn last line,
        // and every later command would stop at it: the log is cut back
        // to what it was, so it still ends with the head's entry.
        let cut = f.set_len(text.len() as u64).and_then(|()| f.sync_all());
        let outcome = match cut {
            Ok(()) => "nothing was appended",
            Err(_) => {
                "and what was written of the entry could not be cut off: run `netusage audit verify`"
            }
        };
        return Err(anyhow::Error::from(err)
            .context(format!("cannot append to {}; {outcome}", path.display())));
    }
    write_head(store, key, e.seq, &e.hash)?;
    Ok(e)
}

/// Reads every entry (a torn last line is an error of its own kind in [`verify`]).
///
/// # Errors
/// The file cannot be read or a line is not an entry.
pub fn read(store: &Path) -> anyhow::Result<Vec<Entry>> {
    crate::fsutil::read_json_lines(
        &store.join(LOG_FILE),
        "audit entry",
        crate::fsutil::LastLine::All,
    )
}

/// What the signed head says about the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadCheck {
    /// The head is signed by the store's key and names the log's last entry.
    Matches,
    /// The head names an entry that is in the log, but later entries follow
    /// it: a command was interrupted between its entry and its head, or entries
    /// were added without the key. Their number.
    Behind(u64),
    /// The head is missing, not signed by the store's key, or names an entry
    /// the log no longer holds: what is wrong.
    Broken(String),
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
    /// The signed head against the log.
    pub head: HeadCheck,
}

/// Checks the chain in `<store>/audit.jsonl` — each line parses, `seq` counts
/// up from 1 without gaps, `prev_hash` is the previous entry's `hash`, `hash`
/// matches the entry's content; stops at the first break — and the signed
/// head against `key`.
///
/// # Errors
/// The file cannot be read.
pub fn verify(store: &Path, key: &VerifyingKey) -> anyhow::Result<Verdict> {
    let path = store.join(LOG_FILE);
    // The log and its head are read under the log's lock, shared: another
    // command appending an entry (and then re-signing the head) between the
    // two reads would otherwise look like entries cut from the end.
    let (bytes, _locked) = match File::open(&path) {
        Ok(mut f) => {
            f.lock_shared()
                .with_context(|| format!("cannot lock {}", path.display()))?;
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes)
                .with_context(|| format!("cannot read {}", path.display()))?;
            (bytes, Some(f))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Vec::new(), None),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    // Bytes that are not UTF-8 break the chain at their line (found by fuzzing:
    // they used to make the whole log unreadable instead).
    let utf8_up_to = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| bytes.len());
    let text = String::from_utf8_lossy(&bytes[..utf8_up_to]).into_owned();
    let damaged_line = (utf8_up_to < bytes.len())
        .then(|| bytes[..utf8_up_to].iter().filter(|&&b| b == b'\n').count() + 1);
    let mut prev = GENESIS.to_string();
    let mut v = Verdict {
        good: 0,
        broken: None,
        last: None,
        head: HeadCheck::Matches,
    };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    for (i, raw) in lines.iter().enumerate() {
        let n = i + 1;
        if damaged_line == Some(n) {
            v.broken = Some((n, "not UTF-8 text (damaged)".into()));
            break;
        }
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
    v.head = match read_head(store) {
        Err(e) => HeadCheck::Broken(format!("{e:#}")),
        Ok(None) => HeadCheck::Broken(format!(
            "{HEAD_FILE} is missing: the store's signed record of its audit chain was deleted"
        )),
        Ok(Some(head)) => match head_problem(&head, key, &text) {
            Some(p) => HeadCheck::Broken(p),
            None => match &v.last {
                Some((seq, _)) if *seq > head.seq => HeadCheck::Behind(seq - head.seq),
                _ => HeadCheck::Matches,
            },
        },
    };
    Ok(v)
}

/// A reason given in words for the audit log (`--reason`,
/// `--override-minimum`, `--supersede`), trimmed: it must hold at least one
/// letter or digit once invisible characters (zero-width spaces, soft
/// hyphens, control characters) are left out, so a blank or invisible
/// reason is refused.
///
/// # Errors
/// A message naming `option`, for the caller to give as a usage error.
pub fn reason(option: &str, text: &str) -> Result<String, String> {
    let visible = text.chars().any(|c| c.is_alphanumeric());
    if visible {
        Ok(text.trim().to_string())
    } else {
        Err(format!(
            "{option} needs a reason in words (at least one letter or digit); it is recorded in the audit log"
        ))
    }
}

/// A purge that opened with a `started:` entry (listing what it would
/// delete), and the entry that closed it: its own closing entry
/// (`details.completes`), or a later purge that finished it
/// (`details.finishes`); `None` when nothing has (a closing entry that
/// records an error does not count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeRun {
    /// `seq` of the opening entry.
    pub seq: u64,
    /// Its time.
    pub ts: String,
    /// `seq` of the entry that closed or finished it.
    pub closed_by: Option<u64>,
}

/// The commands that open their runs in the audit log and close them with
/// `details.completes` (a purge's runs are followed by [`purge_runs`]).
pub const RUN_COMMANDS: [&str; 3] = ["ingest", "identity import", "dns import"];

/// Every run of [`RUN_COMMANDS`] that opened with a `started:` entry and
/// has no closing entry (one whose `details.completes` is its `seq`), in
/// order: a run that was killed, or whose machine failed, before it ended
/// (or one still running). What it stored names it: an ingest's source
/// records (`SourceRecord::run`), an import's entry for each file
/// (`details.run`).
pub fn unclosed_runs(entries: &[Entry]) -> Vec<&Entry> {
    let ours = |e: &&Entry| RUN_COMMANDS.contains(&e.command.as_str());
    let closed: std::collections::HashSet<u64> = entries
        .iter()
        .filter(ours)
        .filter_map(|e| {
            e.details
                .get("completes")
                .and_then(serde_json::Value::as_u64)
        })
        .collect();
    entries
        .iter()
        .filter(ours)
        .filter(|e| e.result.starts_with("started") && !closed.contains(&e.seq))
        .collect()
}

/// Every purge that opened with a `started:` entry, in order, with what
/// closed it: a purge killed half-way shows as `closed_by: None` until the
/// next purge that carries out its plan closes it (by `details.finishes`,
/// or by ending `ok` with `executed`: its plan is worked out again from what
/// is on disk, so a whole purge after a killed one finishes that one's work).
/// A dry run (`executed` false) closes nothing.
pub fn purge_runs(entries: &[Entry]) -> Vec<PurgeRun> {
    let mut runs: Vec<PurgeRun> = Vec::new();
    for e in entries.iter().filter(|e| e.command == "purge") {
        let executed = e
            .details
            .get("executed")
            .and_then(serde_json::Value::as_bool)
            == Some(true);
        if !executed {
            continue;
        }
        if e.result.starts_with("ok") {
            for run in runs.iter_mut().filter(|r| r.closed_by.is_none()) {
                run.closed_by = Some(e.seq);
            }
        }
        // A closing entry that records an error did not finish the work.
        let keys: &[&str] = if e.result.starts_with("ok") {
            &["completes", "finishes"]
        } else {
            &["finishes"]
        };
        for key in keys {
            if let Some(seq) = e.details.get(*key).and_then(serde_json::Value::as_u64)
                && let Some(run) = runs
                    .iter_mut()
                    .find(|r| r.seq == seq && r.closed_by.is_none())
            {
                run.closed_by = Some(e.seq);
            }
        }
        if e.result.starts_with("started") {
            runs.push(PurgeRun {
                seq: e.seq,
                ts: e.ts.clone(),
                closed_by: None,
            });
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(cmd: &str) -> Draft {
        Draft {
            command: cmd.into(),
            result: "ok".into(),
            ..Default::default()
        }
    }

    fn key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    /// Runs that opened and never closed: an ingest (seq 2) and an identity
    /// import (seq 6) left open; a DNS import (seq 3) closed by seq 5; a
    /// purge's run is not one of these.
    #[test]
    fn unclosed_runs_are_the_opened_ones_no_entry_completes() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let entry = |cmd: &str, result: &str, details: serde_json::Value| Draft {
            command: cmd.into(),
            result: result.into(),
            details,
            ..Default::default()
        };
        start(dir.path(), &k, draft("store create")).unwrap();
        for (cmd, result, details) in [
            (
                "ingest",
                "started: ingesting 2 file(s)",
                serde_json::json!({}),
            ),
            (
                "dns import",
                "started: importing 1 file(s)",
                serde_json::json!({}),
            ),
            ("dns import", "ok", serde_json::json!({ "run": 3 })),
            ("dns import", "ok", serde_json::json!({ "completes": 3 })),
            (
                "identity import",
                "started: importing 1 file(s)",
                serde_json::json!({}),
            ),
            (
                "purge",
                "started: deleting what the plan lists",
                serde_json::json!({}),
            ),
        ] {
            append(dir.path(), &k, entry(cmd, result, details)).unwrap();
        }
        let entries = read(dir.path()).unwrap();
        let open: Vec<u64> = unclosed_runs(&entries).iter().map(|e| e.seq).collect();
        assert_eq!(open, [2, 6]);
    }

    #[test]
    fn chain_links_and_detects_edits() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let a = start(dir.path(), &k, draft("ingest")).unwrap();
        let b = append(dir.path(), &k, draft("usage")).unwrap();
        assert_eq!((a.seq, a.prev_hash.as_str()), (1, GENESIS));
        assert_eq!((b.seq, b.prev_hash.as_str()), (2, a.hash.as_str()));
        assert_eq!(
            verify(dir.path(), &k.verifying_key()).unwrap(),
            Verdict {
                good: 2,
                broken: None,
                last: Some((2, b.hash.clone())),
                head: HeadCheck::Matches,
            }
        );
        let p = dir.path().join(LOG_FILE);
        let text = std::fs::read_to_string(&p)
            .unwrap()
            .replace("\"usage\"", "\"flags\"");
        std::fs::write(&p, text).unwrap();
        let v = verify(dir.path(), &k.verifying_key()).unwrap();
        assert_eq!(v.good, 1);
        assert_eq!(
            v.broken,
            Some((
                2,
                "entry seq 2: its hash does not match its content (edited)".into()
            ))
        );
    }

    #[test]
    fn the_hash_is_over_rfc8785_canonical_json() {
        // Key order, spacing and number spelling of the stored line do not matter:
        // the hash is over the canonical form.
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        let mut d = draft("usage");
        d.details = serde_json::json!({ "b": 1.5, "a": [3, 1e2] });
        let e = start(dir.path(), &k, d).unwrap();
        let mut v = serde_json::to_value(&e).unwrap();
        v.as_object_mut().unwrap().remove("hash");
        let canonical = serde_json_canonicalizer::to_string(&v).unwrap();
        assert!(
            canonical.contains(r#""details":{"a":[3,100],"b":1.5}"#),
            "{canonical}"
        );
        let mut h = Sha256::new();
        h.update(GENESIS.as_bytes());
        h.update(canonical.as_bytes());
        assert_eq!(e.hash, hex::encode(h.finalize()));
    }

    #[test]
    fn bytes_that_are_not_utf8_break_the_chain_at_their_line() {
        // Found by `cargo fuzz run audit_verify`: a log with invalid UTF-8 was
        // an unreadable file, not a chain broken at a named line.
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        start(dir.path(), &k, draft("ingest")).unwrap();
        append(dir.path(), &k, draft("usage")).unwrap();
        let p = dir.path().join(LOG_FILE);
        let mut bytes = std::fs::read(&p).unwrap();
        let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 5;
        bytes[second] = 0xFF;
        std::fs::write(&p, bytes).unwrap();
        let v = verify(dir.path(), &k.verifying_key()).unwrap();
        assert_eq!(
            (v.good, v.broken),
            (1, Some((2, "not UTF-8 text (damaged)".to_string())))
        );
    }

    #[test]
    fn a_deleted_or_shortened_log_is_refused_and_named() {
        let dir = tempfile::tempdir().unwrap();
        let k = key();
        start(dir.path(), &k, draft("ingest")).unwrap();
        append(dir.path(), &k, draft("usage")).unwrap();
        let third = append(dir.path(), &k, draft("flags")).unwrap();
        let p = dir.path().join(LOG_FILE);
        let text = std::fs::read_to_string(&p).unwrap();
        let two: String = text.lines().take(2).map(|l| format!("{l}\n")).collect();
        std::fs::write(&p, two).unwrap();
        let err = append(dir.path(), &k, draft("usage"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("entries 3 to 3 were cut from the end"),
            "{err}"
        );
        assert!(err.contains(&third.hash), "{err}");
        std::fs::remove_file(&p).unwrap();
        let err = append(dir.path(), &k, draft("usage"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("entries 1 to 3 were deleted"), "{err}");
        let v = verify(dir.path(), &k.verifying_key()).unwrap();
        assert!(
            matches!(v.head, HeadCheck::Broken(ref s) if s.contains("entries 1 to 3 were deleted"))
        );
        std::fs::remove_file(dir.path().join(HEAD_FILE)).unwrap();
        let err = append(dir.path(), &k, draft("usage"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no signed audit head"), "{err}");
    }
}
