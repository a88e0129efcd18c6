//! `netusage flags`: the people the policy flags, and the days that flag them.

use std::collections::HashMap;
use std::io::Write;

use clap::Args;
use serde::Serialize;

use super::{AnalysisArgs, StoreArgs};
use crate::output::{self, OutputFormat, minutes};
use crate::usage::Analysis;
use crate::usage::PersonUsage;
use crate::usage::days::KeepDays;
use crate::usage::policy::Policy;
use crate::usage::sensitivity::{self, Range};

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

/// The flag rows of the flagged people, by pseudonym then date, each with
/// its day's range under the sensitivity set (by user: one per flagged
/// day, in the order of `flagged_days`, as [`sensitivity::Pass::finish`]
/// gives them).
/// Made as they are written.
pub fn flag_rows<'a>(
    people: &'a [PersonUsage],
    policy: &'a Policy,
    sensitivity: &'a HashMap<String, Vec<Range>>,
) -> impl Iterator<Item = FlagRow> + 'a {
    people.iter().filter(|p| p.flagged).flat_map(move |p| {
        let ranges = sensitivity.get(&p.user);
        let blocked: u64 = p.categories.values().map(|t| t.blocked).sum();
        let background: u64 = p.categories.values().map(|t| t.background).sum();
        let flagged_days = p.flagged_dates();
        p.flagged_days.iter().enumerate().map(move |(i, d)| {
            let s = ranges.and_then(|r| r.get(i));
            let counted_s = d.measured_s();
            FlagRow {
                person: p.pseudonym.clone(),
                date: d.date.to_string(),
                counted_s,
                limit_s: policy.limit_ms(d.reason) / 1000,
                working_s: d.working_s,
                break_s: d.break_s,
                outside_s: d.outside_s,
                flagged_days,
                blocked,
                background,
                min_counted_s: s.map_or(counted_s, Range::min_counted_s),
                max_counted_s: s.map_or(counted_s, Range::max_counted_s),
                finding: s.map_or("marginal", Range::finding).to_string(),
                reason: policy.reason_text(d.reason),
            }
        })
    })
}

/// Runs `netusage flags`.
///
/// # Errors
/// Configuration (exit 2), store errors (exit 1).
pub fn run(args: FlagsArgs) -> anyhow::Result<()> {
    let analysis = super::prepare(CMD, &args.store, &args.analysis)?;
    // The configured model is always one of the set
    // ([`sensitivity::models`]): its figures are the flagged days' own.
    let base = analysis.config.params();
    let models = sensitivity::models(base)
        .iter()
        .filter(|m| m.params != base)
        .map(|m| analysis.accumulator(m.params).keep_days(KeepDays::Measure))
        .collect();
    let mut pass = sensitivity::Pass::new(analysis.accumulator(base), models, &analysis.policy);
    analysis.accumulate(|events, until| pass.push(events, until))?;
    let events = pass.events();
    let (people, ranges) = pass.finish();
    let draft = analysis.draft(CMD, events, &people);
    let printed = print(&analysis, &args, &people, &ranges);
    super::record_outcome(&analysis.store, draft, printed)
}

/// Prints the flags: a row per flagged person-day, then (as a table) the
/// policy in words and what "robust" means.
fn print(
    analysis: &Analysis,
    args: &FlagsArgs,
    people: &[PersonUsage],
    sens: &HashMap<String, Vec<Range>>,
) -> anyhow::Result<()> {
    let config = &analysis.config;
    let mut out = std::io::stdout().lock();
    let hours_note = config.hours_default_note();
    if args.analysis.format != OutputFormat::Table
        && !config.policy.preset.is_empty()
        && let Some(note) = &hours_note
    {
        crate::stderr_line!("{note}");
    }
    let rows = flag_rows(people, &analysis.policy, sens);
    output::write_with_table(rows, args.analysis.format, &mut out, FlagLine::of)?;
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
