//! `netusage flags`: the people the policy flags, and the days that flag them.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::{AnalysisArgs, StoreArgs, compute};
use crate::output::{self, OutputFormat, Record, minutes};
use crate::usage::PersonUsage;

/// Name of this command in the audit log.
const CMD: &str = "flags";

/// The people the policy flags (by pseudonym), with the days and minutes
/// that flag them.
///
/// A day is flagged when the social-media time that the policy counts
/// (working time for `breaks_only` and `reasonable`, all of it for
/// `not_permitted`) exceeds `max_working_minutes_per_day`; a person is
/// flagged with at least `min_flagged_days` such days. To see who a
/// pseudonym is, an investigation needs an authorisation record.
#[derive(Debug, Args)]
pub struct FlagsArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// One flagged day of one flagged person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagRow {
    /// Pseudonym.
    pub person: String,
    /// Local date.
    pub date: String,
    /// Social-media seconds the policy counts that day.
    pub counted_s: i64,
    /// The policy's daily limit (s).
    pub limit_s: u64,
    /// Social-media seconds in working time.
    pub working_s: i64,
    /// Social-media seconds in official breaks.
    pub break_s: i64,
    /// Social-media seconds outside working hours.
    pub outside_s: i64,
    /// Flagged days of this person in the range.
    pub flagged_days: usize,
}

impl Record for FlagRow {
    fn header() -> Vec<&'static str> {
        vec![
            "person",
            "date",
            "counted_s",
            "limit_s",
            "working_s",
            "break_s",
            "outside_s",
            "flagged_days",
        ]
    }
    fn fields(&self) -> Vec<String> {
        vec![
            self.person.clone(),
            self.date.clone(),
            self.counted_s.to_string(),
            self.limit_s.to_string(),
            self.working_s.to_string(),
            self.break_s.to_string(),
            self.outside_s.to_string(),
            self.flagged_days.to_string(),
        ]
    }
    fn table_header() -> Vec<&'static str> {
        vec![
            "person",
            "date",
            "counted min",
            "limit min",
            "working min",
            "break min",
            "outside min",
            "flagged days",
        ]
    }
    fn table_fields(&self) -> Vec<String> {
        vec![
            self.person.clone(),
            self.date.clone(),
            minutes(self.counted_s),
            minutes(self.limit_s as i64),
            minutes(self.working_s),
            minutes(self.break_s),
            minutes(self.outside_s),
            self.flagged_days.to_string(),
        ]
    }
}

/// The flag rows of the flagged people, by pseudonym then date.
pub fn flag_rows(people: &[PersonUsage], limit_s: u64) -> Vec<FlagRow> {
    people
        .iter()
        .filter(|p| p.flagged)
        .flat_map(|p| {
            p.flagged_days.iter().map(move |d| FlagRow {
                person: p.pseudonym.clone(),
                date: d.date.to_string(),
                counted_s: d.counted_s,
                limit_s,
                working_s: d.working_s,
                break_s: d.break_s,
                outside_s: d.outside_s,
                flagged_days: p.flagged_days.len(),
            })
        })
        .collect()
}

/// Runs `netusage flags`.
///
/// # Errors
/// Configuration (exit 2), store errors (exit 1).
pub fn run(args: FlagsArgs) -> anyhow::Result<()> {
    let (config, people) = compute(CMD, &args.store, &args.analysis)?;
    let rows = flag_rows(&people, config.policy.max_working_minutes_per_day * 60);
    let mut out = std::io::stdout().lock();
    output::write(&rows, args.analysis.format, &mut out)?;
    if args.analysis.format == OutputFormat::Table {
        let n = people.iter().filter(|p| p.flagged).count();
        writeln!(
            out,
            "{n} of {} people flagged: policy `{}`, more than {} min a day, on at least {} day(s).",
            people.len(),
            config.policy.personal_use,
            config.policy.max_working_minutes_per_day,
            config.policy.min_flagged_days
        )?;
    }
    Ok(())
}
