//! `netusage flags`: the people the policy flags, and the days that flag them.

use std::io::Write;

use clap::Args;
use serde::Serialize;

use std::collections::HashMap;

use super::{AnalysisArgs, StoreArgs, accumulate, compute, local_range};
use crate::classify::Classifier;
use crate::config::Config;
use crate::output::{self, OutputFormat, Record, minutes};
use crate::store::Store;
use crate::store::scan;
use crate::usage::Accumulator;
use crate::usage::PersonUsage;
use crate::usage::sensitivity::{self, DaySensitivity};

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
    /// The least counted time (s) under the sensitivity set's models.
    pub min_counted_s: i64,
    /// The most counted time (s) under the sensitivity set's models.
    pub max_counted_s: i64,
    /// `robust` (over the limit under every model) or `marginal`.
    pub finding: String,
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
            "min_counted_s",
            "max_counted_s",
            "finding",
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
            self.min_counted_s.to_string(),
            self.max_counted_s.to_string(),
            self.finding.clone(),
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
            "counted min, all models",
            "finding",
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
            format!(
                "{}–{}",
                minutes(self.min_counted_s),
                minutes(self.max_counted_s)
            ),
            self.finding.clone(),
        ]
    }
}

/// The flag rows of the flagged people, by pseudonym then date, with each
/// day's sensitivity (by user, then date).
pub fn flag_rows(
    people: &[PersonUsage],
    limit_s: u64,
    sensitivity: &HashMap<String, Vec<DaySensitivity>>,
) -> Vec<FlagRow> {
    people
        .iter()
        .filter(|p| p.flagged)
        .flat_map(|p| {
            p.flagged_days.iter().map(move |d| {
                let s = sensitivity
                    .get(&p.user)
                    .and_then(|days| days.iter().find(|s| s.date == d.date));
                FlagRow {
                    person: p.pseudonym.clone(),
                    date: d.date.to_string(),
                    counted_s: d.counted_s,
                    limit_s,
                    working_s: d.working_s,
                    break_s: d.break_s,
                    outside_s: d.outside_s,
                    flagged_days: p.flagged_days.len(),
                    min_counted_s: s.map_or(d.counted_s, |s| s.min_counted_s),
                    max_counted_s: s.map_or(d.counted_s, |s| s.max_counted_s),
                    finding: s.map_or("marginal", DaySensitivity::finding).to_string(),
                }
            })
        })
        .collect()
}

/// Recomputes the flagged people's usage under every model of the
/// sensitivity set (one more pass over the store, reading only their rows)
/// and rates each of their flagged days `robust` or `marginal`. By user.
///
/// # Errors
/// Configuration, store or rules-file errors.
pub fn sensitivity(
    config: &Config,
    store_args: &StoreArgs,
    a: &AnalysisArgs,
    people: &[PersonUsage],
) -> anyhow::Result<HashMap<String, Vec<DaySensitivity>>> {
    let flagged: Vec<&PersonUsage> = people.iter().filter(|p| p.flagged).collect();
    if flagged.is_empty() {
        return Ok(HashMap::new());
    }
    let (schedule, policy) = (config.schedule()?, config.policy()?);
    let store = Store::open(&store_args.store)?;
    let classifier = match &a.categories {
        Some(path) => Some(Classifier::with_user_file(Some(path))?),
        None => None,
    };
    let filter = scan::Filter {
        range: local_range(&schedule, a.from, a.to)?,
        users: Some(flagged.iter().map(|p| p.user.clone()).collect()),
    };
    let models = sensitivity::models(config.params());
    let mut accs: Vec<Accumulator> = models
        .iter()
        .map(|m| Accumulator::new(store.key(), m.params, &schedule, &policy, false))
        .collect();
    accumulate(&store, &schedule, &filter, classifier.as_ref(), &mut accs)?;
    let results: Vec<HashMap<String, PersonUsage>> = accs
        .into_iter()
        .map(|acc| {
            acc.finish()
                .into_iter()
                .map(|p| (p.user.clone(), p))
                .collect()
        })
        .collect();
    Ok(flagged
        .iter()
        .map(|p| {
            let under: Vec<_> = models
                .iter()
                .zip(&results)
                .map(|(m, r)| (m, r.get(&p.user)))
                .collect();
            (p.user.clone(), sensitivity::of_person(p, &under, &policy))
        })
        .collect())
}

/// Runs `netusage flags`.
///
/// # Errors
/// Configuration (exit 2), store errors (exit 1).
pub fn run(args: FlagsArgs) -> anyhow::Result<()> {
    let (config, people) = compute(CMD, &args.store, &args.analysis)?;
    let sens = sensitivity(&config, &args.store, &args.analysis, &people)?;
    let rows = flag_rows(
        &people,
        config.policy.max_working_minutes_per_day * 60,
        &sens,
    );
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
        let names: Vec<String> = sensitivity::models(config.params())
            .into_iter()
            .map(|m| m.name)
            .collect();
        writeln!(
            out,
            "A day is robust when it is over the limit under every browse-time model of the sensitivity set \
             ({}); marginal otherwise.",
            names.join(", ")
        )?;
    }
    Ok(())
}
