//! `netusage audit`: check the hash-chained audit log.

use clap::{Args, Subcommand};
use std::io::Write;

use super::StoreArgs;
use crate::audit::{self, HeadCheck};
use crate::store::Store;

/// Check the store's audit log.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain and its signed head: reports the first entry
    /// where the chain breaks (edited, deleted, reordered, or a truncated
    /// tail), and a log that is shorter than its signed head or deleted.
    /// Exit 0 only when every entry checks out.
    Verify {
        /// The hash the last entry should have, kept elsewhere (e.g. from an
        /// evidence pack): shows that no entry was cut from the end.
        #[arg(long, value_name = "HEX")]
        expect_last: Option<String>,
        /// An evidence pack made from this store (its folder; repeat for
        /// several): every audit entry the pack copied (`data/audit.jsonl`)
        /// must be in the store's log with the same hash. The pack is kept
        /// by HR, away from the store, so a log rewritten and re-signed by
        /// someone holding the store's key no longer matches it.
        #[arg(long, value_name = "DIR")]
        pack: Vec<std::path::PathBuf>,
    },
}

/// Runs `netusage audit`.
///
/// # Errors
/// The chain is broken (exit 1, first bad entry named) or the log cannot be read.
pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match args.command {
        AuditCommand::Verify { expect_last, pack } => {
            let store = Store::open(&args.store.store)?;
            let v = audit::verify(store.root(), &store.signing_key().verifying_key())?;
            if let Some((line, why)) = &v.broken {
                anyhow::bail!(
                    "audit log {} is broken at line {line}: {why}. The {} entries before it check out.",
                    args.store.store.join("audit.jsonl").display(),
                    v.good
                );
            }
            if let HeadCheck::Broken(why) = &v.head {
                anyhow::bail!(
                    "audit log {} is not whole: {why}",
                    args.store.store.join(audit::LOG_FILE).display()
                );
            }
            if let Some(expected) = expect_last {
                let entries = audit::read(&args.store.store)?;
                match entries.iter().find(|e| e.hash == expected) {
                    Some(e) => writeln!(
                        out,
                        "entry seq {} has the expected hash; {} entries follow it",
                        e.seq,
                        entries.len() as u64 - e.seq
                    )?,
                    None => {
                        let last = v.last.as_ref().map_or(audit::GENESIS, |(_, h)| h.as_str());
                        anyhow::bail!(
                            "no audit entry has hash {expected}: entries were cut from the end (the last is now {last})"
                        );
                    }
                }
            }
            match &v.last {
                Some((seq, hash)) => writeln!(
                    out,
                    "audit log OK: {} entries, chain intact; last entry seq {seq}, hash {hash}",
                    v.good
                )?,
                None => writeln!(out, "audit log is empty")?,
            }
            let entries = audit::read(&args.store.store)?;
            for dir in &pack {
                check_pack(&entries, dir, &mut out)?;
            }
            print_purge_runs(&entries, &mut out)?;
            print_unclosed_runs(&store, &entries, &mut out)?;
            match v.head {
                HeadCheck::Behind(n) => writeln!(
                    out,
                    "warning: the last {n} entr(ies) follow the signed head: a command was interrupted between \
                     writing its entry and signing the head, or entries were added without the store's key"
                )?,
                _ => writeln!(
                    out,
                    "the signed head (audit.head) matches the last entry: no entry was cut from the end"
                )?,
            }
            writeln!(
                out,
                "The head is signed with the store's key: someone holding that key could still rewrite the log \
                 and re-sign it. Keep the last hash elsewhere (each evidence pack keeps a copy) and check it with --expect-last, \
                 or check the packs HR keeps with --pack DIR."
            )?;
            Ok(())
        }
    }
}

/// Checks that every entry `pack` (an evidence pack's folder) copied into
/// `data/audit.jsonl` whole is in `entries` at its `seq` with the same
/// hash; entries the pack reduced (another subject's) carry no hash and
/// are skipped.
///
/// # Errors
/// The pack's extract cannot be read, or an entry differs or is missing
/// (the store's log was rewritten after the pack was made).
fn check_pack(
    entries: &[audit::Entry],
    pack: &std::path::Path,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let path = pack.join("data/audit.jsonl");
    let text = crate::fsutil::read_input_text(&path, crate::fsutil::SMALL_INPUT_MAX)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let mut checked = 0;
    for (i, line) in text.lines().enumerate() {
        let copy: serde_json::Value = serde_json::from_str(line).map_err(|e| {
            anyhow::anyhow!("{} line {}: not an audit entry: {e}", path.display(), i + 1)
        })?;
        let (Some(seq), Some(hash)) = (copy["seq"].as_u64(), copy["hash"].as_str()) else {
            continue;
        };
        match entries.iter().find(|e| e.seq == seq) {
            Some(e) if e.hash == hash => checked += 1,
            Some(e) => anyhow::bail!(
                "audit entry {seq} is not the one the pack {} copied (hash {hash} in the pack, {} in the store): \
                 the store's audit log was rewritten after the pack was made",
                pack.display(),
                e.hash
            ),
            None => anyhow::bail!(
                "audit entry {seq}, which the pack {} copied (hash {hash}), is not in the store's audit log: \
                 entries were removed after the pack was made",
                pack.display()
            ),
        }
    }
    if checked == 0 {
        anyhow::bail!(
            "{} holds no whole audit entry to check: is {} an evidence pack of this store?",
            path.display(),
            pack.display()
        );
    }
    writeln!(
        out,
        "pack {}: every audit entry it copied ({checked}) is in the log unchanged",
        pack.display()
    )?;
    Ok(())
}

/// A note for each ingest or import run that opened and never closed
/// ([`audit::unclosed_runs`]), with how many files it stored.
///
/// # Errors
/// `sources.jsonl` cannot be read; the output cannot be written.
fn print_unclosed_runs(
    store: &Store,
    entries: &[audit::Entry],
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let unclosed = audit::unclosed_runs(entries);
    if unclosed.is_empty() {
        return Ok(());
    }
    let records = crate::store::manifest::read(&store.manifest_path())?;
    for run in unclosed {
        let (stored, named) = if run.command == "ingest" {
            let n = records.iter().filter(|r| r.run == Some(run.seq)).count();
            (n, "records in sources.jsonl")
        } else {
            let of_run = |e: &&audit::Entry| {
                e.details.get("run").and_then(serde_json::Value::as_u64) == Some(run.seq)
            };
            (entries.iter().filter(of_run).count(), "audit entries")
        };
        writeln!(
            out,
            "note: the {} run opened at entry {} ({}) has no closing entry: it was stopped before it \
             ended (killed, or its machine failed), or is still running. It stored {stored} file(s) still in \
             the store, each complete, whose {named} name run {}; the file it was reading, \
             if any, left nothing that any command reads, and {} it again stores it",
            run.command,
            run.seq,
            run.ts,
            run.seq,
            if run.command == "ingest" {
                "ingesting"
            } else {
                "importing"
            }
        )?;
    }
    Ok(())
}

/// A note for each purge an interrupted run left and a later one finished,
/// and a warning for each that nothing finished ([`audit::purge_runs`]).
///
/// # Errors
/// The output cannot be written.
fn print_purge_runs(entries: &[audit::Entry], out: &mut impl Write) -> anyhow::Result<()> {
    for run in audit::purge_runs(entries) {
        match run.closed_by {
            Some(by) if by > run.seq + 1 => writeln!(
                out,
                "note: the purge started at entry {} ({}) was interrupted; entry {by} finished it",
                run.seq, run.ts
            )?,
            Some(_) => {}
            None => writeln!(
                out,
                "warning: the purge started at entry {} ({}) has no closing entry: it was killed or \
                 stopped by an error before it finished; run `netusage purge --execute` to finish it",
                run.seq, run.ts
            )?,
        }
    }
    Ok(())
}
