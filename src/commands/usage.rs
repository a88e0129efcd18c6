//! `netusage usage`: browse time per person and category.

use std::io::Write;

use clap::Args;

use super::{AnalysisArgs, StoreArgs, compute};
use crate::classify::SOCIAL_MEDIA_ROW;
use crate::config::Config;
use serde::Serialize;

use crate::output::{self, OutputFormat, minutes};
use crate::usage::{PersonUsage, UsageRow, rows};

/// Name of this command in the audit log.
const CMD: &str = "usage";

/// Browse time per person (by pseudonym) and category.
///
/// Splits each person's estimated browse time into working time, official
/// breaks and time outside working hours, on the configured schedule in local
/// time, and says whether the policy flags them. One row per person per
/// category, plus a `social_media` row: the union over all social-media
/// categories (two sites open at once count once).
///
/// The table shows one line per person (social-media minutes by period,
/// flagged days), the people with the most social-media working time first;
/// --by-category shows every category. CSV and JSON always give every
/// category row, in seconds.
///
/// Table columns: `person` (pseudonym; `(address)` when it stands for a
/// client address no identity record attributes to anyone); `social media:
/// working / break / outside / total min` (the union of the social-media
/// categories, split on the schedule); `flagged days` (days over the
/// policy's limit); `blocked (all sites)` (requests the proxy or firewall
/// denied, of every category); `policy` (FLAGGED, or exempt for a
/// designated business user).
#[derive(Debug, Args)]
pub struct UsageArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// What to analyse and how to show it.
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Only the N people with the most social-media time in working time.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,
    /// In the table, one row per person per category (CSV and JSON always are).
    #[arg(long)]
    pub by_category: bool,
    /// Instead of browse time, the coverage of the events: per person and
    /// day how many were logged with a user, attributed from each identity
    /// source, ambiguous or unattributed; and per source file the silences
    /// of 30 minutes or more in working hours (tables and JSON).
    #[arg(long)]
    pub coverage: bool,
}

/// One person in the table: social-media time by period and the flag.
#[derive(Debug, Clone)]
pub struct PersonRow {
    /// Pseudonym.
    pub person: String,
    /// Social-media time in working time (s).
    pub working_s: i64,
    /// In official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
    /// In all (s).
    pub total_s: i64,
    /// Days the policy flags.
    pub flagged_days: usize,
    /// Denied requests (all categories).
    pub blocked: u64,
    /// Requests of background traffic (all categories): open tabs polling.
    pub background: u64,
    /// The policy flags the person.
    pub flagged: bool,
    /// A designated business user, never flagged (shown as `exempt`).
    pub exempt: bool,
    /// The pseudonym stands for a client address, not a person (no identity
    /// record attributes its events).
    pub address: bool,
}

/// A [`PersonRow`] in the table: minutes, the address marked, the policy's
/// finding in a word.
#[derive(Default, Serialize)]
struct PersonLine {
    person: String,
    #[serde(rename = "social media: working min")]
    working: String,
    #[serde(rename = "break min")]
    breaks: String,
    #[serde(rename = "outside min")]
    outside: String,
    #[serde(rename = "total min")]
    total: String,
    #[serde(rename = "flagged days")]
    flagged_days: usize,
    #[serde(rename = "blocked (all sites)")]
    blocked: u64,
    #[serde(rename = "polling requests")]
    background: u64,
    policy: &'static str,
}

impl PersonLine {
    fn of(r: &PersonRow) -> Self {
        PersonLine {
            person: if r.address {
                format!("{} (address)", r.person)
            } else {
                r.person.clone()
            },
            working: minutes(r.working_s),
            breaks: minutes(r.break_s),
            outside: minutes(r.outside_s),
            total: minutes(r.total_s),
            flagged_days: r.flagged_days,
            blocked: r.blocked,
            background: r.background,
            policy: if r.flagged {
                "FLAGGED"
            } else if r.exempt {
                "exempt"
            } else {
                ""
            },
        }
    }
}

/// One row per person, the most social-media working time first.
pub fn person_rows(people: &[PersonUsage]) -> Vec<PersonRow> {
    let mut rows: Vec<PersonRow> = people
        .iter()
        .map(|p| PersonRow {
            person: p.pseudonym.clone(),
            working_s: p.social.split.working_ms / 1000,
            break_s: p.social.split.break_ms / 1000,
            outside_s: p.social.split.outside_ms / 1000,
            total_s: p.social.total_ms / 1000,
            flagged_days: p.flagged_dates(),
            blocked: p.categories.values().map(|t| t.blocked).sum(),
            background: p.categories.values().map(|t| t.background).sum(),
            flagged: p.flagged,
            exempt: p.exempt,
            address: is_address(p),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.working_s
            .cmp(&a.working_s)
            .then(b.total_s.cmp(&a.total_s))
            .then(a.person.cmp(&b.person))
    });
    rows
}

/// True when the row stands for a client address no identity record
/// attributes (events logged with no user name, left as `ip:<client>`).
pub fn is_address(p: &PersonUsage) -> bool {
    p.user.starts_with("ip:")
}

/// The N people with the most social-media working time (all when `top` is `None`).
pub fn top_people(people: Vec<PersonUsage>, top: Option<u32>) -> Vec<PersonUsage> {
    let Some(n) = top else {
        return people;
    };
    let keep: std::collections::HashSet<String> = person_rows(&people)
        .into_iter()
        .take(n as usize)
        .map(|r| r.person)
        .collect();
    people
        .into_iter()
        .filter(|p| keep.contains(&p.pseudonym))
        .collect()
}

/// A [`UsageRow`] in the `--by-category` table: minutes, and the flag once
/// per person (it belongs to the person), on the social-media row.
#[derive(Default, Serialize)]
struct CategoryLine {
    person: String,
    category: String,
    #[serde(rename = "working min")]
    working: String,
    #[serde(rename = "break min")]
    breaks: String,
    #[serde(rename = "outside min")]
    outside: String,
    #[serde(rename = "total min")]
    total: String,
    sessions: u64,
    blocked: u64,
    flagged: &'static str,
}

impl CategoryLine {
    fn of(r: &UsageRow) -> Self {
        CategoryLine {
            person: r.person.clone(),
            category: r.category.clone(),
            working: minutes(r.working_s),
            breaks: minutes(r.break_s),
            outside: minutes(r.outside_s),
            total: minutes(r.total_s),
            sessions: r.sessions,
            blocked: r.blocked,
            flagged: if r.flagged && r.category == SOCIAL_MEDIA_ROW {
                "FLAGGED"
            } else {
                ""
            },
        }
    }
}

/// The schedule in words, e.g. `Monday to Friday 09:00–17:00, official
/// break 12:30–13:30, Europe/London time, bank holidays of England and Wales
/// off`.
pub fn schedule_words(s: &crate::config::ScheduleConfig) -> String {
    let day = |d: &str| {
        match d {
            "Mon" => "Monday",
            "Tue" => "Tuesday",
            "Wed" => "Wednesday",
            "Thu" => "Thursday",
            "Fri" => "Friday",
            "Sat" => "Saturday",
            "Sun" => "Sunday",
            other => other,
        }
        .to_string()
    };
    let week = |w: &[String]| {
        if w == ["Mon", "Tue", "Wed", "Thu", "Fri"] {
            "Monday to Friday".to_string()
        } else {
            w.iter().map(|d| day(d)).collect::<Vec<_>>().join(", ")
        }
    };
    let days = if s.rota.is_empty() {
        week(&s.working_days)
    } else {
        format!(
            "a {}-week rota from {} ({})",
            s.rota.len(),
            s.rota_start,
            s.rota
                .iter()
                .enumerate()
                .map(|(i, w)| format!("week {}: {}", i + 1, week(w)))
                .collect::<Vec<_>>()
                .join("; ")
        )
    };
    let breaks = match s.breaks.len() {
        0 => "no official break".to_string(),
        1 => format!("official break {}–{}", s.breaks[0][0], s.breaks[0][1]),
        _ => format!(
            "official breaks {}",
            crate::usage::schedule::spans_words(&s.breaks, " and ")
        ),
    };
    let holidays = match s.bank_holidays.as_str() {
        "england-and-wales" => "bank holidays of England and Wales off",
        "scotland" => "Scottish bank holidays off",
        "northern-ireland" => "bank holidays of Northern Ireland off",
        "none" => "no bank holidays",
        other => other,
    };
    let core = if s.core_hours.is_empty() {
        String::new()
    } else {
        format!(
            ", core hours {}",
            crate::usage::schedule::spans_words(&s.core_hours, " and ")
        )
    };
    let night = if s.working_hours[1] <= s.working_hours[0] {
        " (ending the next day)"
    } else {
        ""
    };
    format!(
        "{days} {}–{}{night}{core}, {breaks}, {} time, {holidays}",
        s.working_hours[0], s.working_hours[1], s.time_zone
    )
}

/// The period in words: `--from`/`--to`, or every stored event.
pub fn period_words(a: &AnalysisArgs) -> String {
    let d = |x: chrono::NaiveDate| x.format("%a %-d %b %Y").to_string();
    match (a.from, a.to) {
        (Some(f), Some(t)) => format!("{} to {} (local dates)", d(f), d(t)),
        (Some(f), None) => format!("from {} (local date) on", d(f)),
        (None, Some(t)) => format!("up to {} (local date)", d(t)),
        (None, None) => "every stored event (give --from and --to to choose)".into(),
    }
}

/// The one-paragraph statement of the method, printed under tables.
pub fn method_note(config: &Config) -> String {
    format!(
        "Browse time is an estimate from proxy requests: per person and site, a gap over {} s starts a new session; \
         a session lasts from its first request to its last + {} s; sessions of CDN/widget hosts alone are not counted; \
         per category, overlapping sessions count once. Working time: {}{}.",
        config.browse_time.idle_timeout_s,
        config.browse_time.allowance_s,
        schedule_words(&config.schedule),
        if config.schedules.is_empty() && config.profiles.people.is_empty() {
            ""
        } else {
            " (people on named schedules and leave: see `netusage policy show`)"
        },
    )
}

/// Prints usage: the per-person table (or every category row with
/// `by_category`, and always for CSV and JSON), then, for tables, a legend of
/// the columns, the people counted (client addresses apart; `top` is `(N,
/// of how many)` when `--top N` cut the list), the period, the policy and the
/// method in words.
///
/// # Errors
/// Write errors.
pub fn print(
    config: &Config,
    a: &AnalysisArgs,
    people: &[PersonUsage],
    by_category: bool,
    top: Option<(u32, usize)>,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    if a.format != OutputFormat::Table
        && !config.policy.preset.is_empty()
        && let Some(note) = config.hours_default_note()
    {
        crate::stderr_line!("{note}");
    }
    if a.format == OutputFormat::Table && !by_category {
        let lines: Vec<PersonLine> = person_rows(people).iter().map(PersonLine::of).collect();
        output::write(&lines, a.format, &mut out)?;
    } else {
        output::write_with_table(rows(people), a.format, &mut out, CategoryLine::of)?;
    }
    if a.format == OutputFormat::Table {
        let addresses = people.iter().filter(|p| is_address(p)).count();
        let shown = match top {
            Some((n, of)) => format!("Top {n} of {of}: "),
            None => String::new(),
        };
        writeln!(
            out,
            "Columns: social-media minutes (every social-media category, overlaps counted once) in working \
             time, official breaks and outside working hours; days the policy flags; requests blocked on any \
             site and requests of tabs left polling (signals, per person: neither is browse time); the policy's \
             finding."
        )?;
        writeln!(
            out,
            "{shown}{} people{}, {} flagged by the policy ({}: {}), \
             {} designated business users exempt. Period: {}.",
            people.len() - addresses,
            if addresses == 0 {
                String::new()
            } else {
                format!(
                    " and {addresses} client address(es) no identity record attributes (marked \"(address)\")"
                )
            },
            people.iter().filter(|p| p.flagged).count(),
            config.policy.personal_use,
            config.policy()?.limits_words(),
            people.iter().filter(|p| p.exempt).count(),
            period_words(a)
        )?;
        writeln!(out, "{}", method_note(config))?;
        if let Some(note) = config.hours_default_note() {
            writeln!(out, "{note}")?;
        }
        let background: u64 = people
            .iter()
            .flat_map(|p| p.categories.values())
            .map(|t| t.background)
            .sum();
        if config.browse_time.exclude_background {
            writeln!(
                out,
                "Background traffic: {background} request(s) at a machine-regular interval for 30 min or more \
                 (open tabs polling) left out of browse time (docs/METHOD.md)."
            )?;
        }
    }
    Ok(())
}

/// Runs `netusage usage`.
///
/// # Errors
/// Configuration (exit 2), store errors (exit 1).
pub fn run(args: UsageArgs) -> anyhow::Result<()> {
    if args.coverage {
        let analysis = super::prepare(CMD, &args.store, &args.analysis)?;
        return super::coverage::print(&analysis, args.analysis.format);
    }
    let (analysis, people, draft) = compute(CMD, &args.store, &args.analysis)?;
    let all = people.len();
    let people = top_people(people, args.top);
    let top = args.top.map(|n| (n, all));
    let printed = print(
        &analysis.config,
        &args.analysis,
        &people,
        args.by_category,
        top,
    );
    super::record_outcome(&analysis.store, draft, printed)
}
