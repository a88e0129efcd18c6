//! `netusage audit`: check the hash-chained audit log.

use clap::{Args, Subcommand};

use super::StoreArgs;
use crate::audit;

/// Check the store's audit log.
#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: AuditCommand,
}

/// `audit` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain: reports the first entry where it breaks (edited,
    /// deleted, reordered, or a truncated tail). Exit 0 only when every entry checks out.
    Verify {
        /// The hash the last entry should have, kept elsewhere (e.g. from an
        /// evidence pack): shows that no entry was cut from the end.
        #[arg(long, value_name = "HEX")]
        expect_last: Option<String>,
    },
}

/// Runs `netusage audit`.
///
/// # Errors
/// The chain is broken (exit 1, first bad entry named) or the log cannot be read.
pub fn run(args: AuditArgs) -> anyhow::Result<()> {
    match args.command {
        AuditCommand::Verify { expect_last } => {
            let v = audit::verify(&args.store.store)?;
            if let Some((line, why)) = &v.broken {
                anyhow::bail!(
                    "audit log {} is broken at line {line}: {why}. The {} entries before it check out.",
                    args.store.store.join("audit.jsonl").display(),
                    v.good
                );
            }
            if let Some(expected) = expect_last {
                let entries = audit::read(&args.store.store)?;
                match entries.iter().find(|e| e.hash == expected) {
                    Some(e) => println!(
                        "entry seq {} has the expected hash; {} entries follow it",
                        e.seq,
                        entries.len() as u64 - e.seq
                    ),
                    None => {
                        let last = v.last.as_ref().map_or(audit::GENESIS, |(_, h)| h.as_str());
                        anyhow::bail!(
                            "no audit entry has hash {expected}: entries were cut from the end (the last is now {last})"
                        );
                    }
                }
            }
            match &v.last {
                Some((seq, hash)) => println!(
                    "audit log OK: {} entries, chain intact; last entry seq {seq}, hash {hash}",
                    v.good
                ),
                None => println!("audit log is empty"),
            }
            println!(
                "A hash chain shows edits, deletions and reordering, but not that whole entries were cut from the end: \
                 keep the last hash elsewhere (each evidence pack keeps a copy) and check it with --expect-last."
            );
            Ok(())
        }
    }
}
