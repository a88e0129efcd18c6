//! `netusage formats`: the log readers, with one sample line each.

use std::io::Write;

use clap::Args;

use crate::formats::registry;

/// List the log formats netusage reads, with one sample line each.
///
/// `--log-format NAME` picks one on `ingest` and `analyse`; by default the
/// format of each file is detected from its first lines.
#[derive(Debug, Args)]
pub struct FormatsArgs {}

/// Runs `netusage formats`.
///
/// # Errors
/// Write errors.
pub fn run(_args: FormatsArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for f in registry() {
        let zone = if f.uses_source_time_zone() {
            " Local times without an offset are read in --source-time-zone."
        } else {
            ""
        };
        writeln!(out, "{} (reader version {})", f.name(), f.version())?;
        writeln!(out, "  {}.{zone}", f.description())?;
        for line in f.sample().lines() {
            writeln!(out, "  | {line}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}
