//! `netusage usage`: browse time per person and category.

use std::io::Write;

use clap::Args;

use super::{AnalysisArgs, StoreArgs, compute};
use crate::config::Config;
use crate::output::{self, OutputFormat, Record, minutes};
use crate::usage::{UsageRow, rows};

/// Name of this command in the audit log.
const CMD: &str = "usage";

/// Browse time per person (by pseudonym) and category.
///
/// Splits each person's estimated browse time into working time, official
/// breaks and time outside working hours, on the configured schedule in local
/// time, and says whether the policy flags them. One row per person per
/// category, plus a `social_media` row: the union over all social-media
/// categories (two sites open at once count once).
#[derive(Debug, Args)]
pub struct UsageArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

impl Record for UsageRow {
    fn header() -> Vec<&'static str> {
        vec![
            "person",
            "category",
            "working_s",
            "break_s",
            "outside_s",
            "total_s",
            "sessions",
            "blocked",
            "flagged",
        ]
    }
    fn fields(&self) -> Vec<String> {
        vec![
            self.person.clone(),
            self.category.clone(),
            self.working_s.to_string(),
            self.break_s.to_string(),
            self.outside_s.to_string(),
            self.total_s.to_string(),
            self.sessions.to_string(),
            self.blocked.to_string(),
            self.flagged.to_string(),
        ]
    }
    fn table_header() -> Vec<&'static str> {
        vec![
            "person",
            "category",
            "working min",
            "break min",
            "outside min",
            "total min",
            "sessions",
            "blocked",
            "flagged",
        ]
    }
    fn table_fields(&self) -> Vec<String> {
        vec![
            self.person.clone(),
            self.category.clone(),
            minutes(self.working_s),
            minutes(self.break_s),
            minutes(self.outside_s),
            minutes(self.total_s),
            self.sessions.to_string(),
            self.blocked.to_string(),
            if self.flagged {
                "FLAGGED".into()
            } else {
                String::new()
            },
        ]
    }
}

/// The one-paragraph statement of the method, printed under tables.
pub fn method_note(config: &Config) -> String {
    format!(
        "Browse time is an estimate from proxy requests: per person and site, a gap over {} s starts a new session; \
         a session lasts from its first request to its last + {} s; sessions of CDN/widget hosts alone are not counted; \
         per category, overlapping sessions count once. Periods in {} ({}, {}–{}, breaks {:?}).",
        config.browse_time.idle_timeout_s,
        config.browse_time.allowance_s,
        config.schedule.time_zone,
        config.schedule.working_days.join(" "),
        config.schedule.working_hours[0],
        config.schedule.working_hours[1],
        config.schedule.breaks,
    )
}

/// Prints the usage rows.
///
/// # Errors
/// Write errors.
pub fn print(config: &Config, rows: &[UsageRow], format: OutputFormat) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    output::write(rows, format, &mut out)?;
    if format == OutputFormat::Table {
        let flagged: std::collections::BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.flagged)
            .map(|r| r.person.as_str())
            .collect();
        writeln!(
            out,
            "{} people, {} flagged by the policy ({}).",
            rows.iter()
                .map(|r| &r.person)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            flagged.len(),
            config.policy.personal_use
        )?;
        writeln!(out, "{}", method_note(config))?;
    }
    Ok(())
}

/// Runs `netusage usage`.
///
/// # Errors
/// Configuration (exit 2), store errors (exit 1).
pub fn run(args: UsageArgs) -> anyhow::Result<()> {
    let (config, people) = compute(CMD, &args.store, &args.analysis)?;
    print(&config, &rows(&people), args.analysis.format)
}
