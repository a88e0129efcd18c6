//! `netusage purge`: enforce the retention window (the nightly job).

use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Args;
use serde::Serialize;

use super::{StoreArgs, parse_now};
use crate::audit::Draft;
use crate::error::ExitError;
use crate::output::{self, OutputFormat};
use crate::retention::{self, Action, FileStep, PurgePlan};
use crate::store::{Store, UnfinishedPurge};

/// Enforce the retention window: remove expired events (the nightly job).
///
/// Every event older than the window (default 365 days) goes, except what a
/// legal hold keeps.
///
/// Without --execute it prints the plan and changes nothing. With --execute
/// it deletes whole day partitions, rewrites the boundary partition
/// atomically, and removes quarantined lines and manifest entries whose events
/// are all expired. Safe to run unattended: one purge at a time (the store
/// lock), a second run deletes nothing, and a purge killed at any point is
/// finished by the next. The cutoff is now − N × 24 h in UTC.
#[derive(Debug, Args)]
pub struct PurgeArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// Configuration file (TOML): `[retention] days` and `minimum_days`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Retention window in days, 1 to 3650 (default: `[retention] days`, 365).
    /// Below the minimum (365, or a higher `[retention] minimum_days`) only with --override-minimum.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub retention_days: Option<u32>,
    /// Purge as if it were this time (RFC 3339, not later than the system
    /// clock; default: the clock). The audit entry records both.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// Carry out the plan (without it, only print it).
    #[arg(long)]
    pub execute: bool,
    /// Allow, for this run only, a window shorter than the minimum (365 days,
    /// or `[retention] minimum_days`); the reason is required and audited.
    #[arg(long, value_name = "REASON")]
    pub override_minimum: Option<String>,
    /// Output format of the plan.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// One line of the printed plan.
#[derive(Debug, Default, Serialize)]
pub struct PlanRow {
    /// `delete` or `rewrite`.
    pub action: String,
    /// File, relative to the store.
    pub file: String,
    /// Rows in the file.
    pub rows: u64,
    /// Rows removed.
    pub remove_rows: u64,
    /// Expired rows kept by a hold.
    pub held_rows: u64,
    /// File size (bytes).
    pub bytes: u64,
    /// Oldest event removed (UTC).
    pub oldest: String,
    /// Newest event removed (UTC).
    pub newest: String,
}

fn ts(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| {
        t.to_rfc3339_opts(SecondsFormat::Millis, true)
    })
}

fn row(store: &Store, s: &FileStep) -> PlanRow {
    PlanRow {
        action: match s.action {
            Action::Delete => "delete".into(),
            Action::Rewrite => "rewrite".into(),
        },
        file: s
            .path
            .strip_prefix(store.root())
            .unwrap_or(&s.path)
            .display()
            .to_string(),
        rows: s.rows,
        remove_rows: s.remove_rows,
        held_rows: s.held_rows,
        bytes: s.bytes,
        oldest: ts(s.oldest_ms),
        newest: ts(s.newest_ms),
    }
}

/// The plan's figures, as printed and audited.
pub fn summary(
    plan: &PurgePlan,
    executed: bool,
    override_reason: Option<&str>,
) -> serde_json::Value {
    let count = |a: Action| plan.files.iter().filter(|f| f.action == a).count();
    serde_json::json!({
        "executed": executed,
        "cutoff": plan.cutoff.to_rfc3339_opts(SecondsFormat::Millis, true),
        "partitions_deleted": count(Action::Delete),
        "partitions_rewritten": count(Action::Rewrite),
        "rows_removed": plan.remove_rows(),
        "bytes_in_affected_files": plan.files.iter().map(|f| f.bytes).sum::<u64>(),
        "oldest_removed": plan.files.iter().map(|f| f.oldest_ms).min().map(ts),
        "newest_removed": plan.files.iter().map(|f| f.newest_ms).max().map(ts),
        "sources_removed": plan.sources,
        "quarantine_files_removed": plan.quarantine.len(),
        "quarantine_lines_removed": plan.quarantine_rewrites.iter().map(|(_, n)| n).sum::<u64>(),
        "leftover_temporary_files": plan.leftovers.len(),
        "kept_by_hold": plan.held,
        "identity_intervals_removed": plan.identity.iter().map(|(_, n, _)| n).sum::<u64>(),
        "override_minimum": override_reason,
    })
}

/// Runs `netusage purge`.
///
/// # Errors
/// Exit 2 for a window below the minimum without `--override-minimum`;
/// exit 1 for store errors.
pub fn run(args: PurgeArgs) -> anyhow::Result<()> {
    let config = super::load_config(&args.store.store, args.config.as_deref(), None)?;
    let (days, reason) = window(&args, &config)?;
    let reason = reason.as_deref();
    let now = args.now.unwrap_or_else(crate::clock::now);
    let store = Store::open_locked(&args.store.store)?;
    let holds = retention::holds(&store)?;
    let cutoff = retention::cutoff(now, days);
    // Holds keep what analysis attributes to the held people: the plan is
    // made with attribution applied.
    let enricher = crate::enrich::Enricher::attribution(&store)?;
    let plan = retention::plan(&store, cutoff, &holds, enricher.attributor())?;
    let dns_removed = plan.dns_lookups;
    // Everything printed is kept until the purge and its audit entries are
    // done: a closed or full standard output (`| head`, `| logger` gone)
    // must never stop the nightly purge half-way or before it starts.
    let mut out: Vec<u8> = Vec::new();
    let rows: Vec<PlanRow> = plan.files.iter().map(|s| row(&store, s)).collect();
    if args.format == OutputFormat::Json {
        let mut v = summary(&plan, args.execute, reason);
        v["dns_lookups_removed"] = dns_removed.into();
        v["files"] = serde_json::to_value(&rows)?;
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        output::write(&rows, args.format, &mut out)?;
    }
    let unfinished = store.unfinished_purge()?;
    let draft = |result: &str| {
        let mut draft = Draft::new("purge", result);
        draft.as_of = args.now;
        draft.config = Some(config.audit_record());
        draft.details = summary(&plan, args.execute, reason);
        draft.details["dns_lookups_removed"] = dns_removed.into();
        draft.details["retention_days"] = days.into();
        if let Some(u) = &unfinished
            && args.execute
        {
            // This run finishes the purge that was killed: its plan is
            // worked out again from what is on disk.
            draft.details["finishes"] = u.seq.into();
        }
        draft
    };
    let entry = if args.execute && !plan.is_empty() {
        execute(&store, &plan, &holds, &enricher, draft)?
    } else {
        store.audit(draft(match (plan.is_empty(), args.execute) {
            (true, _) => "ok: nothing to purge",
            (false, true) => "ok: purged",
            (false, false) => "ok: plan only",
        }))?
    };
    if args.execute {
        store.clear_purge_mark()?;
    }
    if args.format == OutputFormat::Table {
        let when = (cutoff, now, days);
        print_table(
            &mut out,
            &plan,
            when,
            unfinished.as_ref(),
            args.execute,
            &entry,
        )?;
    }
    std::io::stdout().lock().write_all(&out)?;
    Ok(())
}

/// The retention window in days (`--retention-days`, else the
/// configuration's) and `--override-minimum`'s reason, checked.
///
/// # Errors
/// Exit 2: a window below `[retention] minimum_days` without a reason, or
/// a reason with no letter or digit (a zero-width space is no reason).
fn window(
    args: &PurgeArgs,
    config: &crate::config::Config,
) -> anyhow::Result<(u32, Option<String>)> {
    let days = args.retention_days.unwrap_or(config.retention.days);
    let reason = (args.override_minimum.as_deref())
        .map(|r| crate::audit::reason("--override-minimum", r).map_err(ExitError::usage))
        .transpose()?;
    if days < config.retention.minimum_days && reason.is_none() {
        return Err(ExitError::usage(format!(
            "a retention window of {days} days is below the minimum of {} days (the one-year floor of the seed policies, \
             or a higher [retention] minimum_days): refused; give --override-minimum \"reason\" to do it for this run (the reason is audited)",
            config.retention.minimum_days
        )));
    }
    Ok((days, reason))
}

/// Carries out `plan`: what it will delete is in the audit log before
/// anything goes (`started:`), and the store is marked, so a purge killed
/// half-way is found; the closing entry (`completes`) says how it ended.
///
/// # Errors
/// The purge's error, after the closing entry records it; audit errors.
fn execute(
    store: &Store,
    plan: &PurgePlan,
    holds: &[retention::Hold],
    enricher: &crate::enrich::Enricher,
    draft: impl Fn(&str) -> Draft,
) -> anyhow::Result<crate::audit::Entry> {
    // Nothing is opened in the audit log while readers could still fail;
    // a purge that gives up waiting for them says so in the log.
    let _readers = match store.exclude_readers() {
        Ok(out) => out,
        Err(e) => {
            store.audit(draft(&format!("error: nothing purged: {e:#}")))?;
            return Err(e);
        }
    };
    let opened = store.audit(draft("started: deleting what the plan lists"))?;
    store.mark_purge(&UnfinishedPurge {
        seq: opened.seq,
        started: opened.ts.clone(),
    })?;
    let done = retention::execute(store, plan, holds, enricher.attributor());
    let mut closing = draft(&match &done {
        Ok(()) => "ok: purged".to_string(),
        Err(e) => format!("error: {e:#}"),
    });
    closing.details["completes"] = opened.seq.into();
    let entry = store.audit(closing)?;
    if done.is_ok() {
        // Cleared while readers are still kept out: one let in before
        // would warn of a purge under way.
        store.clear_purge_mark()?;
    }
    done.map(|()| entry)
}

/// The table output's words: the cutoff, what was (or would be) removed,
/// what each hold kept, an unfinished purge, and the audit entry.
///
/// # Errors
/// The output cannot be written.
fn print_table(
    out: &mut Vec<u8>,
    plan: &PurgePlan,
    (cutoff, now, days): (DateTime<Utc>, DateTime<Utc>, u32),
    unfinished: Option<&UnfinishedPurge>,
    execute: bool,
    entry: &crate::audit::Entry,
) -> anyhow::Result<()> {
    let verb = if execute { "removed" } else { "would remove" };
    writeln!(
        out,
        "cutoff {} ({days} days before {}): events before it are expired",
        cutoff.to_rfc3339_opts(SecondsFormat::Millis, true),
        now.to_rfc3339_opts(SecondsFormat::Secs, true)
    )?;
    if plan.is_empty() {
        writeln!(out, "nothing to purge")?;
    } else {
        writeln!(
            out,
            "{verb}: {} rows; {} partition file(s) deleted, {} rewritten; {} manifest entr(ies) and {} quarantine file(s)",
            plan.remove_rows(),
            plan.files
                .iter()
                .filter(|f| f.action == Action::Delete)
                .count(),
            plan.files
                .iter()
                .filter(|f| f.action == Action::Rewrite)
                .count(),
            plan.sources.len(),
            plan.quarantine.len()
        )?;
    }
    for (reference, h) in &plan.held {
        writeln!(
            out,
            "kept by hold {reference}: {} expired rows ({} logged under a held name, {} attributed to a held \
             person by identity records), {} identity intervals, {} DNS lookups",
            h.rows(),
            h.logged,
            h.attributed,
            h.intervals,
            h.dns_lookups
        )?;
    }
    if let Some(u) = unfinished {
        writeln!(
            out,
            "{} the purge that started at {} (audit entry {}) and did not finish",
            if execute {
                "this run finishes"
            } else {
                "dry run: `--execute` would finish"
            },
            u.started,
            u.seq
        )?;
    }
    if !execute && !plan.is_empty() {
        writeln!(out, "dry run: nothing changed; add --execute to purge")?;
    }
    writeln!(out, "audit entry {} ({})", entry.seq, &entry.hash[..16])?;
    Ok(())
}
