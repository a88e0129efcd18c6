//! `netusage flags`: the people the policy flags, and the days that flag them.

use std::collections::HashMap;
use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::{AnalysisArgs, StoreArgs};
use crate::output::{self, OutputFormat, minutes};
use crate::store::scan;
use crate::usage::Analysis;
use crate::usage::PersonUsage;
use crate::usage::days::KeepDays;
use crate::usage::policy::{Policy, Reason};
use crate::usage::sensitivity::{self, DaySensitivity};

/// Name of this command in the audit log.
const CMD: &str = "flags";

/// The people the policy flags (by pseudonym), with the days and minutes
/// that flag them.
///
/// A day is flagged when the social-media time that the policy counts
/// (working time for `breaks_only` and `reasonable`, core hours for
/// `outside_core_hours`, all of it for `not_permitted`) exceeds
/// `max_working_minutes_per_day`, or, for `reasonable` and
/// `outside_core_hours`, when the time in breaks and own time exceeds
/// `max_own_time_minutes_per_day` ("not excessive"); a person is flagged
/// with at least `min_flagged_days` such days. To see who a
/// pseudonym is, an investigation needs an authorisation record.
#[derive(Debug, Args)]
pub struct FlagsArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// What to analyse and how to show it.
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// One flagged day of one flagged person.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FlagRow {
    /// Pseudonym.
    pub person: String,
    /// Local date.
    pub date: String,
    /// Social-media seconds measured against the limit the day is over.
    pub counted_s: i64,
    /// That limit (s).
    pub limit_s: i64,
    /// Social-media seconds in working time.
    pub working_s: i64,
    /// Social-media seconds in official breaks.
    pub break_s: i64,
    /// Social-media seconds outside working hours.
    pub outside_s: i64,
    /// Flagged days of this person in the range.
    pub flagged_days: usize,
    /// Denied requests of this person in the range (all sites): a signal.
    pub blocked: u64,
    /// Requests of this person's tabs left polling (background traffic,
    /// all sites) in the range: a signal, not browse time.
    pub background: u64,
    /// The least counted time (s) under the sensitivity set's models.
    pub min_counted_s: i64,
    /// The most counted time (s) under the sensitivity set's models.
    pub max_counted_s: i64,
    /// `robust` (over the limit under every model) or `marginal`.
    pub finding: String,
    /// The limit the day is over: `counted` (working, core or all time
    /// against the working limit), `own_time` (breaks and own time against
    /// the own-time limit) or `non_work` (non-work sites in working time
    /// against the non-work limit); under a preset, followed by `: ` and
    /// the clause it rests on, quoted.
    pub reason: String,
}

/// A [`FlagRow`] in the table: minutes, the range over the sensitivity
/// set's models in one column, the limit the day is over in words.
#[derive(Default, Serialize)]
struct FlagLine {
    person: String,
    date: String,
    #[serde(rename = "counted min")]
    counted: String,
    #[serde(rename = "limit min")]
    limit: String,
    #[serde(rename = "working min")]
    working: String,
    #[serde(rename = "break min")]
    breaks: String,
    #[serde(rename = "outside min")]
    outside: String,
    #[serde(rename = "flagged days")]
    flagged_days: usize,
    #[serde(rename = "counted min, all models")]
    range: String,
    finding: String,
    over: String,
}

impl FlagLine {
    fn of(r: &FlagRow) -> Self {
        FlagLine {
            person: r.person.clone(),
            date: r.date.clone(),
            counted: minutes(r.counted_s),
            limit: minutes(r.limit_s),
            working: minutes(r.working_s),
            breaks: minutes(r.break_s),
            outside: minutes(r.outside_s),
            flagged_days: r.flagged_days,
            range: format!("{}–{}", minutes(r.min_counted_s), minutes(r.max_counted_s)),
            finding: r.finding.clone(),
            over: r
                .reason
                .split(':')
                .next()
                .unwrap_or_default()
                .replace('_', " "),
        }
    }
}

/// The flag rows of the flagged people, by pseudonym then date, with each
/// day's sensitivity (by user, then date).
pub fn flag_rows(
    people: &[PersonUsage],
    policy: &Policy,
    sensitivity: &HashMap<String, Vec<DaySensitivity>>,
) -> Vec<FlagRow> {
    people
        .iter()
        .filter(|p| p.flagged)
        .flat_map(|p| {
            p.flagged_days.iter().map(move |d| {
                let s = sensitivity.get(&p.user).and_then(|days| {
                    days.iter()
                        .find(|s| s.date == d.date && s.reason == d.reason)
                });
                let counted_s = match d.reason {
                    Reason::Counted | Reason::NonWork | Reason::Device(_) => d.counted_s,
                    Reason::OwnTime => d.own_s,
                };
                FlagRow {
                    person: p.pseudonym.clone(),
                    date: d.date.to_string(),
                    counted_s,
                    limit_s: policy.limit_ms(d.reason) / 1000,
                    working_s: d.working_s,
                    break_s: d.break_s,
                    outside_s: d.outside_s,
                    flagged_days: p.flagged_dates(),
                    blocked: p.categories.values().map(|t| t.blocked).sum(),
                    background: p.categories.values().map(|t| t.background).sum(),
                    min_counted_s: s.map_or(counted_s, |s| s.min_counted_s),
                    max_counted_s: s.map_or(counted_s, |s| s.max_counted_s),
                    finding: s.map_or("marginal", DaySensitivity::finding).to_string(),
                    reason: policy.reason_text(d.reason),
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
/// Store or rules-file errors.
pub fn sensitivity(
    analysis: &Analysis,
    people: &[PersonUsage],
) -> anyhow::Result<HashMap<String, Vec<DaySensitivity>>> {
    let flagged: Vec<&PersonUsage> = people.iter().filter(|p| p.flagged).collect();
    if flagged.is_empty() {
        return Ok(HashMap::new());
    }
    let filter = scan::Filter {
        range: analysis.filter.range.clone(),
        users: Some(flagged.iter().map(|p| p.user.clone()).collect()),
    };
    // Each model keeps only the dates the main model flagged.
    let dates = KeepDays::Only(
        flagged
            .iter()
            .map(|p| {
                (
                    p.user.clone(),
                    p.flagged_days.iter().map(|d| d.date).collect(),
                )
            })
            .collect(),
    );
    let models = sensitivity::models(analysis.config.params());
    let mut accs: Vec<_> = models
        .iter()
        .map(|m| analysis.accumulator(m.params).keep_days(dates.clone()))
        .collect();
    analysis.accumulate(&filter, &mut accs)?;
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
            let days = sensitivity::of_person(p, &under, &analysis.policy);
            (p.user.clone(), days)
        })
        .collect())
}

/// Runs `netusage flags`.
///
/// # Errors
/// Configuration (exit 2), store errors (exit 1).
pub fn run(args: FlagsArgs) -> anyhow::Result<()> {
    let analysis = super::prepare(CMD, &args.store, &args.analysis)?;
    let (people, draft) = analysis.compute(CMD)?;
    let printed = print(&analysis, &args, &people);
    super::record_outcome(&analysis.store, draft, printed)
}

/// Prints the flags: a row per flagged person-day, then (as a table) the
/// policy in words and what "robust" means.
fn print(analysis: &Analysis, args: &FlagsArgs, people: &[PersonUsage]) -> anyhow::Result<()> {
    let sens = sensitivity(analysis, people)?;
    let config = &analysis.config;
    let rows = flag_rows(people, &analysis.policy, &sens);
    let mut out = std::io::stdout().lock();
    let hours_note = config.hours_default_note();
    if args.analysis.format != OutputFormat::Table
        && !config.policy.preset.is_empty()
        && let Some(note) = &hours_note
    {
        crate::stderr_line!("{note}");
    }
    output::write_with_table(&rows, args.analysis.format, &mut out, FlagLine::of)?;
    if args.analysis.format == OutputFormat::Table {
        let n = people.iter().filter(|p| p.flagged).count();
        writeln!(
            out,
            "{n} of {} people flagged: policy `{}`: {}.",
            people.len(),
            config.policy.personal_use,
            analysis.policy.limits_words()
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
        let signals: Vec<String> = people
            .iter()
            .filter_map(|p| {
                let blocked: u64 = p.categories.values().map(|t| t.blocked).sum();
                let polling: u64 = p.categories.values().map(|t| t.background).sum();
                (blocked > 0 || polling > 0).then(|| {
                    format!(
                        "{}: {blocked} denied request(s), {polling} request(s) of tabs left polling",
                        p.pseudonym
                    )
                })
            })
            .collect();
        let work: Vec<String> = people
            .iter()
            .flat_map(|p| {
                p.categories
                    .iter()
                    .filter(|(c, t)| crate::usage::work_use::is_work_use(c) && t.total_ms > 0)
                    .map(move |(c, t)| {
                        format!("{}: {} min {c}", p.pseudonym, minutes(t.total_ms / 1000))
                    })
            })
            .collect();
        if !work.is_empty() {
            writeln!(
                out,
                "Work use per person (a designation or the business allow-list; never counted): {}.",
                work.join("; ")
            )?;
        }
        if !signals.is_empty() {
            writeln!(
                out,
                "Signals per person (not findings, not browse time): {}.",
                signals.join("; ")
            )?;
        }
        if let Some(note) = &hours_note {
            writeln!(out, "{note}")?;
        }
    }
    Ok(())
}
