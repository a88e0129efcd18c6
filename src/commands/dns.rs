//! `netusage dns import`: DNS query logs, to name connections a firewall
//! logged with only a destination address.

use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::StoreArgs;
use crate::audit::{Draft, FileHash};
use crate::output::{self, OutputFormat};
use crate::store::Store;
use crate::store::dns::{self as table, DnsSource};

/// Import DNS query logs, or list the ones imported.
///
/// A connection logged with only its destination address is named, when
/// events are read, after the name its client most recently resolved to that
/// address within `[identity] dns_window_s` (default one hour); see README,
/// "DNS naming".
#[derive(Debug, Args)]
pub struct DnsArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: DnsCommand,
}

/// `dns` subcommands.
#[derive(Debug, Subcommand)]
pub enum DnsCommand {
    /// Import DNS logs (BIND/Infoblox query logs with responses, dnsmasq
    /// with log-queries, Windows DNS Server debug logs with details). Every
    /// line is a lookup, a query an answer used, a detail line of its packet,
    /// or refused with its reason (a query log line with no answer names
    /// nothing).
    Import {
        /// The zone of the logs' local times; default Europe/London. The same
        /// option as `ingest --source-time-zone` (`--time-zone` is its old
        /// spelling).
        #[arg(
            long = "source-time-zone",
            alias = "time-zone",
            value_name = "ZONE",
            default_value = "Europe/London"
        )]
        time_zone: chrono_tz::Tz,
        /// The year of syslog lines that omit it (dnsmasq); default this year.
        #[arg(long, value_name = "YEAR", value_parser = clap::value_parser!(i32).range(2000..=2100))]
        year: Option<i32>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// DNS log files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the imported DNS logs.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

/// One imported DNS log as `dns import` and `dns list` print it in CSV and
/// JSON: every field of its record ([`DnsSource`]); the columns CSV had
/// before the hash first, in their old places.
#[derive(Debug, Default, Serialize)]
pub struct DnsRow<'a> {
    /// Source id: the first 16 hex characters of `sha256`.
    pub source: &'a str,
    /// Canonical path.
    pub path: &'a str,
    /// Lines read; `accepted + rejected = records`.
    pub records: u64,
    /// Lines accepted.
    pub accepted: u64,
    /// Lines refused.
    pub rejected: u64,
    /// Lookups stored.
    pub lookups: u64,
    /// When it was imported (UTC, RFC 3339 with the clock's fraction of a second).
    pub imported_at: DateTime<Utc>,
    /// SHA-256 of its bytes, hex.
    pub sha256: &'a str,
}

impl<'a> From<&'a DnsSource> for DnsRow<'a> {
    fn from(s: &'a DnsSource) -> Self {
        DnsRow {
            source: &s.source,
            path: &s.path,
            sha256: &s.sha256,
            records: s.records,
            accepted: s.accepted,
            rejected: s.rejected,
            lookups: s.lookups,
            imported_at: s.imported_at,
        }
    }
}

/// A [`DnsRow`] in the table: no hash, the import time to the second.
#[derive(Default, Serialize)]
struct DnsLine<'a> {
    source: &'a str,
    path: &'a str,
    records: u64,
    accepted: u64,
    rejected: u64,
    lookups: u64,
    imported_at: String,
}

impl<'a> DnsLine<'a> {
    fn of(r: &DnsRow<'a>) -> Self {
        DnsLine {
            source: r.source,
            path: r.path,
            records: r.records,
            accepted: r.accepted,
            rejected: r.rejected,
            lookups: r.lookups,
            imported_at: r.imported_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        }
    }
}

/// Prints DNS log records in `format`.
fn print(sources: &[DnsSource], format: OutputFormat) -> anyhow::Result<()> {
    let rows: Vec<DnsRow> = sources.iter().map(DnsRow::from).collect();
    output::write_with_table(&rows, format, &mut std::io::stdout().lock(), DnsLine::of)
}

/// Runs `netusage dns`.
///
/// # Errors
/// Unreadable files, store errors.
pub fn run(args: DnsArgs) -> anyhow::Result<()> {
    match args.command {
        DnsCommand::List { format } => {
            let store = Store::open(&args.store.store)?;
            print(&table::sources(&store)?, format)
        }
        DnsCommand::Import {
            time_zone,
            year,
            format,
            files,
        } => {
            let store = Store::open_for_write(&args.store.store)?;
            let year = year.unwrap_or_else(|| crate::clock::now().year());
            let rows = super::audited_run(&store, "dns import", &files, |run| {
                let rows = (files.iter())
                    .map(|f| import_one(&store, f, time_zone, year, run))
                    .collect::<anyhow::Result<Vec<_>>>()?;
                Ok((rows, "ok".to_string()))
            })?;
            print(&rows, format)
        }
    }
}

/// Imports one DNS log into the store, or finds it imported before (same
/// SHA-256), and audits the import as part of run `run`; says on standard
/// error which lines it refused, commonest reason first.
///
/// # Errors
/// The file cannot be read; store or audit errors.
fn import_one(
    store: &Store,
    path: &std::path::Path,
    time_zone: chrono_tz::Tz,
    year: i32,
    run: u64,
) -> anyhow::Result<DnsSource> {
    let bytes = crate::fsutil::read_input(path, u64::MAX)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    if let Some(prev) = table::sources(store)?
        .into_iter()
        .find(|s| s.sha256 == sha256)
    {
        return Ok(prev);
    }
    let parsed = crate::dns::read(&String::from_utf8_lossy(&bytes), time_zone, year);
    let record = DnsSource {
        source: sha256[..16].to_string(),
        path: std::fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string(),
        sha256,
        records: parsed.records(),
        accepted: parsed.accepted,
        rejected: parsed.rejected.len() as u64,
        lookups: parsed.lookups.len() as u64,
        imported_at: chrono::Utc::now(),
    };
    table::write(store, &record, &parsed.lookups, &parsed.rejected)?;
    // The refusals by reason, commonest first, as `identity import` gives them.
    let mut reasons: std::collections::BTreeMap<&str, (u64, u64)> = Default::default();
    for (line, why) in &parsed.rejected {
        let e = reasons.entry(why.as_str()).or_insert((0, *line));
        e.0 += 1;
    }
    let mut reasons: Vec<(&str, (u64, u64))> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    for (why, (n, first)) in reasons {
        crate::stderr_line!(
            "{}: {n} line(s) refused: {why} (first: line {first}; all in dns/{}.rejected.jsonl)",
            path.display(),
            record.source
        );
    }
    let mut draft = Draft::new("dns import", "ok");
    draft.inputs = vec![FileHash {
        path: record.path.clone(),
        sha256: record.sha256.clone(),
    }];
    draft.details = serde_json::json!({
        "source": record.source, "records": record.records, "accepted": record.accepted,
        "rejected": record.rejected, "lookups": record.lookups, "run": run,
    });
    store.audit(draft)?;
    Ok(record)
}
