//! `netusage analyse`: the main job in one command (ingest, then usage).

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use clap::Args;

use super::ingest::{IngestArgs, ReaderArgs, ingest_all};
use super::{AnalysisArgs, StoreArgs, compute, parse_now};
use crate::output::OutputFormat;

/// Name of this command in the audit log.
const CMD: &str = "analyse";

/// Ingest log files, then print browse time per person and category.
///
/// The same as `netusage ingest PATH...` followed by `netusage usage`: files
/// already in the store are skipped, so running it again on the same folder
/// only adds what is new. The ingest summary goes to standard error, the
/// usage table (or CSV/JSON) to standard output.
#[derive(Debug, Args)]
pub struct AnalyseArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// What to analyse and how to show it.
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// How to read the logs.
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// Only the N people with the most social-media time in working time (as `usage --top`).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,
    /// In the table, one row per person per category (as `usage --by-category`).
    #[arg(long)]
    pub by_category: bool,
    /// Treat this time (RFC 3339, not later than the system clock) as "now"
    /// for ingest: events after it are refused. The retention window is
    /// always measured back from the system clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Log files or directories.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// Runs `netusage analyse`.
///
/// # Errors
/// As `ingest` and `usage`; exit code 1 when any file failed to ingest (the
/// usage table is still printed for what was stored).
pub fn run(args: AnalyseArgs) -> anyhow::Result<()> {
    let ingest_args = IngestArgs {
        store: args.store.clone(),
        reader: args.reader.clone(),
        format: OutputFormat::Table,
        categories: args.analysis.categories.clone(),
        config: args.analysis.config.clone(),
        now: args.now,
        timings: false,
        paths: args.paths.clone(),
    };
    let mut err = std::io::stderr().lock();
    let (_, summary) = ingest_all(&ingest_args, &mut err)?;
    summary.write(OutputFormat::Table, &mut err)?;
    writeln!(err)?;
    drop(err);
    let (analysis, people, draft) = compute(CMD, &args.store, &args.analysis)?;
    let all = people.len();
    let people = super::usage::top_people(people, args.top);
    let top = args.top.map(|n| (n, all));
    let printed = super::usage::print(
        &analysis.config,
        &args.analysis,
        &people,
        args.by_category,
        top,
    );
    super::record_outcome(&analysis.store, draft, printed)?;
    summary.result()
}
