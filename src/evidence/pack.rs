//! Assembling an evidence pack: the subject's events in the period, their
//! browse time, and the payload files of the bag.
//!
//! Minimisation: only the subject's events inside the period are read into
//! the pack; the analysis runs on those alone, so no other person's name,
//! pseudonym or address can appear in any file.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::{BooleanChunked, DataFrame, IntoColumn, NewChunkedArray, StringChunked};
use serde::Serialize;

use super::authorisation::Authorisation;
use crate::audit::Entry;
use crate::classify::{DATA_VERSION, SOCIAL_MEDIA, SOCIAL_MEDIA_ROW};
use crate::config::Config;
use crate::event::col;
use crate::identity::{Realms, normalise_user, pseudonym};
use crate::output::csv_safe;
use crate::store::manifest::SourceRecord;
use crate::usage::policy::{FlaggedDay, Policy};
use crate::usage::schedule::{Plan, Split};
use crate::usage::sensitivity::DaySensitivity;
use crate::usage::{PersonUsage, UsageRow, rows as usage_rows};

/// The events of one subject, and who they turned out to be.
#[derive(Debug)]
pub struct SubjectEvents {
    /// Every column of the subject's events in the period, in time order.
    pub events: DataFrame,
    /// The accounts the record resolved to: normalised user names, and
    /// `ip:<addr>` for the addresses it names.
    pub users: BTreeSet<String>,
    /// The pseudonym reported for the subject (the record's, else the first account's).
    pub pseudonym: String,
    /// The label the analysis uses for the subject (the first account).
    pub label: String,
}

/// Resolves the record's subject to accounts and reads their events with
/// `read` (every column, the period's rows, only those accounts: the store
/// prunes the read to them). `period_users` gives every account with events
/// in the period; it is called only when the record names a pseudonym, to
/// find the account behind it. One pack is one person: when the
/// users, the pseudonym and the addresses resolve to more than one account,
/// the record must list every account (`users`, `ips`) and say why they are
/// one person (`same_person`).
///
/// Returns the subject, or every problem found (a refusal). A problem never
/// names the account behind a pseudonym: that is what the gate protects.
///
/// # Errors
/// Polars errors.
pub fn subject_events(
    a: &Authorisation,
    key: &[u8],
    realms: &Realms,
    period_users: &dyn Fn() -> anyhow::Result<BTreeSet<String>>,
    read: &dyn Fn(&BTreeSet<String>) -> anyhow::Result<DataFrame>,
) -> anyhow::Result<Result<SubjectEvents, Vec<String>>> {
    let named: BTreeSet<String> = a
        .subject
        .users
        .iter()
        .filter(|u| !u.trim().is_empty())
        .map(|u| normalise_user(Some(u.trim()), "", realms).into_owned())
        .collect();
    let ip_accounts: BTreeSet<String> = a
        .subject
        .ips
        .iter()
        .filter(|i| !i.trim().is_empty())
        .map(|i| format!("ip:{}", i.trim()))
        .collect();
    let mut problems = Vec::new();
    let mut behind_pseudonym = None;
    if let Some(p) = &a.subject.pseudonym {
        behind_pseudonym = period_users()?
            .into_iter()
            .find(|u| &pseudonym(key, u) == p);
        if behind_pseudonym.is_none() {
            problems.push(format!(
                "the pseudonym {p} matches no account with events in the period {} to {}",
                a.period.from, a.period.to
            ));
        }
    }
    let mut accounts: BTreeSet<String> = named.union(&ip_accounts).cloned().collect();
    if let Some(u) = &behind_pseudonym {
        accounts.insert(u.clone());
    }
    if accounts.len() > 1 {
        let described: Vec<String> = accounts
            .iter()
            .map(|acc| {
                if named.contains(acc) {
                    format!("{acc} (users)")
                } else if ip_accounts.contains(acc) {
                    format!("{acc} (ips)")
                } else {
                    format!(
                        "the account behind {} (pseudonym)",
                        a.subject.pseudonym.as_deref().unwrap_or("")
                    )
                }
            })
            .collect();
        if a.subject.same_person.trim().is_empty() {
            problems.push(format!(
                "the subject resolves to {} accounts: {}. One pack is one person: if these accounts are one \
                 person's, list every account in `users` and `ips` and give `same_person = \"<why>\"` in [subject]",
                accounts.len(),
                described.join(", ")
            ));
        } else if behind_pseudonym
            .as_ref()
            .is_some_and(|u| !named.contains(u))
        {
            problems.push(format!(
                "the pseudonym {} is an account that `users` does not list: with `same_person`, every account must be listed by name",
                a.subject.pseudonym.as_deref().unwrap_or("")
            ));
        }
    }
    if !problems.is_empty() {
        return Ok(Err(problems));
    }
    let events = read(&accounts)?;
    if events.height() == 0 {
        return Ok(Err(vec![format!(
            "the subject ({}) matches no event in the store between {} and {}",
            describe_subject(a),
            a.period.from,
            a.period.to
        )]));
    }
    // Time order, then where each event came from: the same pack whatever
    // order the store holds the rows in.
    let events = events.sort([col::TS, col::SOURCE, col::LINE], Default::default())?;
    let label = behind_pseudonym
        .clone()
        .or_else(|| accounts.iter().next().cloned())
        .unwrap_or_default();
    Ok(Ok(SubjectEvents {
        pseudonym: a
            .subject
            .pseudonym
            .clone()
            .unwrap_or_else(|| pseudonym(key, &label)),
        events,
        users: accounts,
        label,
    }))
}

/// The column [`crate::enrich::Enricher::apply`] adds.
pub const ATTRIBUTION: &str = "attribution";

/// One identity record a pack's attribution rests on.
#[derive(Debug, Clone, Serialize)]
pub struct AttributionRow {
    /// `identity:<source>:<line>`, as in sessions.csv and events.csv.
    pub attribution: String,
    /// The address.
    pub ip: String,
    /// The person it names.
    pub user: String,
    /// The interval, UTC.
    pub start_utc: String,
    /// Its end, UTC (exclusive).
    pub end_utc: String,
    /// Events of the pack attributed by it.
    pub events: u64,
    /// The identity record as logged.
    pub raw: String,
}

/// One local day of a pack's coverage: how its events were attributed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageRow {
    /// Local date.
    pub date: String,
    /// Events.
    pub events: u64,
    /// Logged with a user.
    pub logged: u64,
    /// Attributed from an identity source.
    pub identity: u64,
    /// At an address two people held at once: attributed to neither.
    pub ambiguous: u64,
    /// At an address nobody is known to have held.
    pub unattributed: u64,
}

/// A silence of one of the pack's source files inside working hours.
#[derive(Debug, Clone, Serialize)]
pub struct GapRow {
    /// Source id (see sources.csv).
    pub source: String,
    /// Start, UTC.
    pub start_utc: String,
    /// End, UTC.
    pub end_utc: String,
    /// Minutes.
    pub minutes: i64,
}

/// Per local date, how the pack's events were attributed.
///
/// # Errors
/// Polars errors.
pub fn coverage_rows(events: &DataFrame, plan: &dyn Plan) -> anyhow::Result<Vec<CoverageRow>> {
    let ts = events.column(col::TS)?.datetime()?.physical().clone();
    let labels = events
        .column(ATTRIBUTION)
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let mut days: BTreeMap<chrono::NaiveDate, crate::usage::coverage::DayCoverage> =
        BTreeMap::new();
    for i in 0..events.height() {
        let d = plan.local_date(ts.get(i).unwrap_or(0));
        let label = labels.as_ref().and_then(|c| c.get(i)).unwrap_or("logged");
        days.entry(d).or_default().count(label);
    }
    Ok(days
        .into_iter()
        .map(|(d, c)| CoverageRow {
            date: d.to_string(),
            events: c.events,
            logged: c.logged,
            identity: c.identity.values().sum(),
            ambiguous: c.ambiguous,
            unattributed: c.unattributed,
        })
        .collect())
}

/// Every identity label among the pack's events with its count, for
/// looking up the records behind them.
///
/// # Errors
/// Polars errors.
pub fn identity_labels(events: &DataFrame) -> anyhow::Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    if let Ok(c) = events.column(ATTRIBUTION) {
        for l in c.str()?.iter().flatten() {
            if l.starts_with("identity:") {
                *out.entry(l.to_string()).or_default() += 1;
            }
        }
    }
    Ok(out)
}

/// Reads a subject's events with attribution: `read` is given the accounts
/// and the addresses the named accounts held in `[from_ms, to_ms)` (their
/// events logged with only an address are stored under it); the rows kept
/// are those stored under one of the subject's own addresses (`ip:` accounts,
/// whoever the identity sources say held it) and those attributed to one of
/// its named accounts. Adds the `attribution` column (see
/// [`crate::enrich::Enricher::apply`]).
///
/// # Errors
/// As `read`; Polars errors.
pub fn read_attributed(
    accounts: &BTreeSet<String>,
    enricher: &crate::enrich::Enricher,
    read: impl Fn(&BTreeSet<String>) -> anyhow::Result<DataFrame>,
    from_ms: i64,
    to_ms: i64,
) -> anyhow::Result<DataFrame> {
    let named: BTreeSet<String> = accounts
        .iter()
        .filter(|a| !a.starts_with("ip:"))
        .cloned()
        .collect();
    let mut wanted = accounts.clone();
    wanted.extend(enricher.attributor().addresses_of(&named, from_ms, to_ms));
    let mut df = read(&wanted)?;
    let users = df.column(col::USER)?.str()?.clone();
    let logged = df.column(col::USER_LOGGED)?.bool()?.clone();
    // An address named in the record stands for the events logged with only
    // that address (the store's mark), never for a logged name that reads
    // `ip:…`.
    let own_address: BooleanChunked = users
        .iter()
        .zip(logged.iter())
        .map(|(u, l)| l == Some(false) && u.is_some_and(|u| accounts.contains(u)))
        .collect();
    enricher.apply(&mut df, true)?;
    let theirs: BooleanChunked = df
        .column(col::USER)?
        .str()?
        .iter()
        .map(|u| u.is_some_and(|u| named.contains(u)))
        .collect();
    Ok(df.filter(&(own_address | theirs))?)
}

/// The subject in words: `users alice, bob; pseudonym u-…; addresses 10.0.0.5`.
pub fn describe_subject(a: &Authorisation) -> String {
    let mut parts = Vec::new();
    let users: Vec<&str> = a
        .subject
        .users
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
        .collect();
    if !users.is_empty() {
        parts.push(format!("users {}", users.join(", ")));
    }
    if let Some(p) = &a.subject.pseudonym {
        parts.push(format!("pseudonym {p}"));
    }
    let ips: Vec<&str> = a
        .subject
        .ips
        .iter()
        .map(|i| i.trim())
        .filter(|i| !i.is_empty())
        .collect();
    if !ips.is_empty() {
        parts.push(format!("addresses {}", ips.join(", ")));
    }
    parts.join("; ")
}

/// The subject's events with every user relabelled to the subject's label,
/// so several accounts of one person count as one (union of their sessions).
pub fn as_one_person(s: &SubjectEvents) -> anyhow::Result<DataFrame> {
    let mut df = s.events.clone();
    let n = df.height();
    df.replace(
        col::USER,
        StringChunked::from_iter_values(col::USER.into(), std::iter::repeat_n(s.label.as_str(), n))
            .into_column(),
    )?;
    Ok(df)
}

/// One session, as in `sessions.csv`.
#[derive(Debug, Clone, Serialize)]
pub struct SessionRow {
    /// Site.
    pub site: String,
    /// Category.
    pub category: String,
    /// Start, local time (schedule's zone).
    pub start_local: String,
    /// End (last request + allowance), local time.
    pub end_local: String,
    /// Start, UTC.
    pub start_utc: String,
    /// End, UTC.
    pub end_utc: String,
    /// Length (s).
    pub seconds: i64,
    /// In working time (s).
    pub working_s: i64,
    /// In official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
    /// Requests.
    pub requests: u32,
    /// The distinct hosts the session's requests went to, in order of first
    /// request, `;`-separated.
    pub hosts: String,
    /// The first line's text as read back from its source file (empty when
    /// the file is gone or changed: see `raw_lines` in summary.json).
    pub first_text: String,
    /// The last line's text, likewise.
    pub last_text: String,
    /// How its requests were attributed to the subject: `logged` and/or
    /// `identity:<source>:<line>` (see `attributions` in summary.json),
    /// `;`-separated.
    pub attribution: String,
    /// Only embedded hosts: not counted as browse time.
    pub embedded_only: bool,
    /// Source id of the first request.
    pub first_source: String,
    /// Line of the first request in that source.
    pub first_line: u64,
    /// Source id of the last request.
    pub last_source: String,
    /// Line of the last request in that source.
    pub last_line: u64,
    /// The first request as logged: method and URL.
    pub first_request: String,
    /// The last request as logged: method and URL.
    pub last_request: String,
}

/// Formats UTC ms as local time in the schedule's zone.
pub fn local(schedule: &dyn Plan, ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&schedule.tz())
                .format("%Y-%m-%d %H:%M:%S %Z")
                .to_string()
        })
        .unwrap_or_default()
}

/// Formats UTC ms as RFC 3339 (ms).
pub fn utc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// Every session of the subject, in time order.
///
/// # Errors
/// Polars errors.
pub fn session_rows(
    p: &PersonUsage,
    events: &DataFrame,
    schedule: &dyn Plan,
) -> anyhow::Result<Vec<SessionRow>> {
    let source = events.column(col::SOURCE)?.str()?.clone();
    let line = events.column(col::LINE)?.u64()?.clone();
    let method = events.column(col::METHOD)?.str()?.clone();
    let url = events.column(col::URL)?.str()?.clone();
    let host = events.column(col::HOST)?.str()?.clone();
    let labels = events
        .column(ATTRIBUTION)
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let request = |i: usize| {
        format!(
            "{} {}",
            method.get(i).unwrap_or(""),
            url.get(i).unwrap_or("-")
        )
    };
    let mut out = Vec::new();
    for s in &p.sites {
        for x in &s.sessions {
            let (first, last) = (s.rows[x.first], s.rows[x.last]);
            let mut hosts: Vec<&str> = Vec::new();
            let mut how: Vec<&str> = Vec::new();
            for &r in &s.rows[x.first..=x.last] {
                let h = host.get(r).unwrap_or("");
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
                let l = labels.as_ref().and_then(|c| c.get(r)).unwrap_or("logged");
                if !how.contains(&l) {
                    how.push(l);
                }
            }
            let split = schedule.split(x.start_ms, x.end_ms);
            out.push(SessionRow {
                site: s.site.clone(),
                category: s.category.clone(),
                start_local: local(schedule, x.start_ms),
                end_local: local(schedule, x.end_ms),
                start_utc: utc(x.start_ms),
                end_utc: utc(x.end_ms),
                seconds: x.len_ms() / 1000,
                working_s: split.working_ms / 1000,
                break_s: split.break_ms / 1000,
                outside_s: split.outside_ms / 1000,
                requests: x.requests,
                hosts: hosts.join(";"),
                first_text: String::new(),
                last_text: String::new(),
                attribution: how.join(";"),
                embedded_only: x.embedded_only,
                first_source: source.get(first).unwrap_or("").to_string(),
                first_line: line.get(first).unwrap_or(0),
                last_source: source.get(last).unwrap_or("").to_string(),
                last_line: line.get(last).unwrap_or(0),
                first_request: request(first),
                last_request: request(last),
            });
        }
    }
    out.sort_by(|a, b| a.start_utc.cmp(&b.start_utc).then(a.site.cmp(&b.site)));
    Ok(out)
}

/// Fills each session's `first_text` and `last_text` with its lines read
/// back from the source files in `records`; returns what happened per source.
pub fn add_line_texts(
    sessions: &mut [SessionRow],
    records: &[crate::store::manifest::SourceRecord],
    chain_of: &dyn Fn(
        &crate::store::manifest::SourceRecord,
    ) -> Result<crate::store::chain::Chain, String>,
) -> BTreeMap<String, String> {
    let mut wanted: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for r in sessions.iter() {
        wanted
            .entry(r.first_source.clone())
            .or_default()
            .insert(r.first_line);
        wanted
            .entry(r.last_source.clone())
            .or_default()
            .insert(r.last_line);
    }
    let back = super::rawlines::read_back(records, &wanted, chain_of);
    let text = |s: &str, n: u64| {
        back.lines
            .get(&(s.to_string(), n))
            .cloned()
            .unwrap_or_default()
    };
    for r in sessions.iter_mut() {
        r.first_text = text(&r.first_source, r.first_line);
        r.last_text = text(&r.last_source, r.last_line);
    }
    back.status
}

/// The rows of `events` that are background traffic: neither denied nor
/// part of any of `person`'s sessions.
///
/// # Errors
/// Polars errors.
pub fn background_rows(
    person: &PersonUsage,
    events: &DataFrame,
) -> anyhow::Result<BTreeSet<usize>> {
    let fed: BTreeSet<usize> = person
        .sites
        .iter()
        .flat_map(|s| s.rows.iter().copied())
        .collect();
    let denied = events.column(col::DENIED)?.bool()?.clone();
    Ok((0..events.height())
        .filter(|i| !fed.contains(i) && !denied.get(*i).unwrap_or(false))
        .collect())
}

/// One day of social-media time, for the report and `summary.json`.
#[derive(Debug, Clone, Serialize)]
pub struct DayRow {
    /// Local date.
    pub date: String,
    /// Working time (s).
    pub working_s: i64,
    /// Official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
    /// The policy flags this day.
    pub flagged: bool,
}

/// Per-site totals.
#[derive(Debug, Clone, Serialize)]
pub struct SiteRow {
    /// Site.
    pub site: String,
    /// Category.
    pub category: String,
    /// Browse-time sessions (embedded-only ones excluded).
    pub sessions: usize,
    /// Sum of those sessions' lengths (s).
    pub seconds: i64,
}

/// `summary.json`: the figures in the report, machine-readable.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Authorisation reference.
    pub reference: String,
    /// Employee id.
    pub employee_id: String,
    /// Normalised user names matched.
    pub users: Vec<String>,
    /// Pseudonym (as `usage` and `flags` show it).
    pub pseudonym: String,
    /// First local date.
    pub period_from: String,
    /// Last local date (inclusive).
    pub period_to: String,
    /// Time zone of local dates and times.
    pub time_zone: String,
    /// Events in the pack.
    pub events: usize,
    /// Denied requests among them.
    pub blocked: u64,
    /// Requests of background traffic among them (regular polling, left
    /// out of browse time; `background` in events.csv).
    pub background_requests: u64,
    /// Per local date, how the events were attributed to the subject.
    pub coverage: Vec<CoverageRow>,
    /// Every identity record an attribution in the pack rests on, with its raw line.
    pub attributions: Vec<AttributionRow>,
    /// Silences of 30 minutes or more inside working hours of the source
    /// files the pack rests on, over the period: gaps in the evidence.
    pub gaps: Vec<GapRow>,
    /// Per source file cited by a session: whether its lines were read back
    /// (the file still where it was ingested, SHA-256 verified) or why not.
    pub raw_lines: BTreeMap<String, String>,
    /// The schedules the subject worked in the period and their leave days,
    /// from the people and leave files (empty: the default schedule, no leave).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<String>,
    /// The `usage` rows for the subject and period (same figures).
    pub usage: Vec<UsageRow>,
    /// Social-media time per local day.
    pub social_media_days: Vec<DayRow>,
    /// Days over the policy threshold.
    pub flagged_days: Vec<FlaggedDay>,
    /// Each flagged day under the browse-time model's sensitivity set
    /// (idle timeouts of 2, 5 and 10 minutes and the configured one): the
    /// least and most counted time, and `robust` or not.
    pub sensitivity: Vec<DaySensitivity>,
    /// The policy flags the subject in the period.
    pub flagged: bool,
    /// The subject is a designated business user (`exempt_users`): their
    /// social-media use is business use, never flagged.
    pub exempt: bool,
    /// Per-site totals, longest first.
    pub sites: Vec<SiteRow>,
    /// Why several accounts are one person (`same_person`), when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_person: Option<String>,
    /// Each account's social-media figures beside the total, when the
    /// subject has more than one account (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<AccountRow>,
    /// The pack this one supersedes, when made with `--supersede`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<Supersedes>,
}

/// One account of a subject with several, and its own social-media time.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRow {
    /// Normalised user name, or `ip:<addr>`.
    pub account: String,
    /// Its pseudonym.
    pub pseudonym: String,
    /// Its events in the pack.
    pub events: u64,
    /// Its social-media time in working time (s).
    pub working_s: i64,
    /// In official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
    /// In all (s): the union of its own sessions.
    pub total_s: i64,
}

/// The earlier pack of the same reference that this one replaces.
#[derive(Debug, Clone, Serialize)]
pub struct Supersedes {
    /// Why a new pack was made (`--supersede`).
    pub reason: String,
    /// Where the earlier pack was written.
    pub pack: String,
    /// SHA-256 of its `tagmanifest-sha256.txt`, as the audit log recorded it.
    pub tagmanifest_sha256: String,
    /// The audit entry that granted it: seq and hash.
    pub granted_seq: u64,
    /// Hash of that entry.
    pub granted_hash: String,
}

/// Each account's figures, from usage computed per account (not relabelled).
pub fn account_rows(people: &[PersonUsage], events: &DataFrame) -> anyhow::Result<Vec<AccountRow>> {
    let user = events.column(col::USER)?.str()?.clone();
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for u in user.iter().flatten() {
        *counts.entry(u).or_default() += 1;
    }
    let mut rows: Vec<AccountRow> = people
        .iter()
        .map(|p| AccountRow {
            account: p.user.clone(),
            pseudonym: p.pseudonym.clone(),
            events: counts.get(p.user.as_str()).copied().unwrap_or(0),
            working_s: p.social.split.working_ms / 1000,
            break_s: p.social.split.break_ms / 1000,
            outside_s: p.social.split.outside_ms / 1000,
            total_s: p.social.total_ms / 1000,
        })
        .collect();
    rows.sort_by(|a, b| a.account.cmp(&b.account));
    Ok(rows)
}

/// Builds the summary.
pub fn summary(a: &Authorisation, s: &SubjectEvents, p: &PersonUsage, config: &Config) -> Summary {
    let flagged_dates: BTreeSet<_> = p.flagged_days.iter().map(|d| d.date).collect();
    let days = p
        .social_days
        .iter()
        .map(|(d, x): (_, &Split)| DayRow {
            date: d.to_string(),
            working_s: x.working_ms / 1000,
            break_s: x.break_ms / 1000,
            outside_s: x.outside_ms / 1000,
            flagged: flagged_dates.contains(d),
        })
        .collect();
    let mut sites: Vec<SiteRow> = p
        .sites
        .iter()
        .map(|s| {
            let counted: Vec<_> = s.sessions.iter().filter(|x| !x.embedded_only).collect();
            SiteRow {
                site: s.site.clone(),
                category: s.category.clone(),
                sessions: counted.len(),
                seconds: counted.iter().map(|x| x.len_ms()).sum::<i64>() / 1000,
            }
        })
        .filter(|r| r.sessions > 0)
        .collect();
    sites.sort_by(|x, y| y.seconds.cmp(&x.seconds).then(x.site.cmp(&y.site)));
    let mut usage = usage_rows(std::slice::from_ref(p));
    for r in &mut usage {
        r.person = s.pseudonym.clone();
    }
    Summary {
        reference: a.reference.clone(),
        employee_id: a.subject.employee_id.clone(),
        users: s.users.iter().cloned().collect(),
        pseudonym: s.pseudonym.clone(),
        period_from: a.period.from.to_string(),
        period_to: a.period.to.to_string(),
        time_zone: config.schedule.time_zone.clone(),
        events: s.events.height(),
        blocked: usage
            .iter()
            .filter(|r| r.category != SOCIAL_MEDIA_ROW)
            .map(|r| r.blocked)
            .sum(),
        background_requests: p.categories.values().map(|t| t.background).sum(),
        raw_lines: BTreeMap::new(),
        coverage: Vec::new(),
        attributions: Vec::new(),
        gaps: Vec::new(),
        profile: Vec::new(),
        usage,
        social_media_days: days,
        flagged_days: p.flagged_days.clone(),
        flagged: p.flagged,
        exempt: p.exempt,
        sites,
        same_person: (s.users.len() > 1).then(|| a.subject.same_person.trim().to_string()),
        accounts: Vec::new(),
        sensitivity: Vec::new(),
        supersedes: None,
    }
}

/// `method.json`: how the figures were made.
pub fn method(config: &Config, policy: &Policy, now: DateTime<Utc>) -> serde_json::Value {
    serde_json::json!({
        "tool": "netusage",
        "version": env!("CARGO_PKG_VERSION"),
        "made_at": now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "browse_time": {
            "rule": "Per person and site, requests sorted by time; a gap longer than idle_timeout_s starts a new session; \
                     a session lasts from its first request to its last plus allowance_s; sessions of embedded \
                     (CDN/widget/API) hosts alone are not counted; per category, the union of sessions; split on the schedule in local time.",
            "idle_timeout_s": config.browse_time.idle_timeout_s,
            "allowance_s": config.browse_time.allowance_s,
            "estimate": true,
        },
        "schedule": config.schedule,
        "time_zone": config.schedule.time_zone,
        "policy": policy,
        "social_media_categories": SOCIAL_MEDIA,
        "category_data_version": DATA_VERSION,
    })
}

/// Writes rows as CSV with every string cell made spreadsheet-safe.
///
/// # Errors
/// Serialisation errors.
pub fn csv_bytes(
    header: &[&str],
    rows: impl Iterator<Item = Vec<String>>,
) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header)?;
    for r in rows {
        w.write_record(r.iter().map(|c| csv_safe(c).into_owned()))?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// `events.csv`: every event of the subject in the period; `background`
/// marks the requests found to be background traffic (regular polling,
/// docs/METHOD.md), which made no browse time.
///
/// # Errors
/// Polars or serialisation errors.
pub fn events_csv(
    events: &DataFrame,
    schedule: &dyn Plan,
    background: &BTreeSet<usize>,
) -> anyhow::Result<Vec<u8>> {
    let ts = events.column(col::TS)?.datetime()?.physical().clone();
    let s = |c: &str| -> anyhow::Result<StringChunked> { Ok(events.column(c)?.str()?.clone()) };
    let (user, ip, host, domain, site, cat, method, url, source) = (
        s(col::USER)?,
        s(col::CLIENT_IP)?,
        s(col::HOST)?,
        s(col::DOMAIN)?,
        s(col::SITE)?,
        s(col::CATEGORY)?,
        s(col::METHOD)?,
        s(col::URL)?,
        s(col::SOURCE)?,
    );
    let emb = events.column(col::EMBEDDED)?.bool()?.clone();
    let denied = events.column(col::DENIED)?.bool()?.clone();
    let status = events.column(col::STATUS)?.u16()?.clone();
    let bytes = events.column(col::BYTES)?.u64()?.clone();
    let elapsed = events.column(col::ELAPSED_MS)?.u32()?.clone();
    let line = events.column(col::LINE)?.u64()?.clone();
    let labels = events
        .column(ATTRIBUTION)
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let host_source = events
        .column("host_source")
        .ok()
        .and_then(|c| c.str().ok().cloned());
    let header = [
        "ts_utc",
        "ts_local",
        "user",
        "client_ip",
        "host",
        "domain",
        "site",
        "category",
        "embedded",
        "method",
        "status",
        "bytes",
        "elapsed_ms",
        "url",
        "denied",
        "source",
        "line",
        "background",
        "attribution",
        "host_source",
    ];
    let g = |c: &StringChunked, i: usize| c.get(i).unwrap_or("").to_string();
    csv_bytes(
        &header,
        (0..events.height()).map(|i| {
            let t = ts.get(i).unwrap_or(0);
            vec![
                utc(t),
                local(schedule, t),
                g(&user, i),
                g(&ip, i),
                g(&host, i),
                g(&domain, i),
                g(&site, i),
                g(&cat, i),
                emb.get(i).unwrap_or(false).to_string(),
                g(&method, i),
                status.get(i).map_or(String::new(), |x| x.to_string()),
                bytes.get(i).map_or(String::new(), |x| x.to_string()),
                elapsed.get(i).map_or(String::new(), |x| x.to_string()),
                g(&url, i),
                denied.get(i).unwrap_or(false).to_string(),
                g(&source, i),
                line.get(i).map_or(String::new(), |x| x.to_string()),
                background.contains(&i).to_string(),
                labels
                    .as_ref()
                    .and_then(|c| c.get(i))
                    .unwrap_or("logged")
                    .to_string(),
                host_source
                    .as_ref()
                    .and_then(|c| c.get(i))
                    .unwrap_or("logged")
                    .to_string(),
            ]
        }),
    )
}

/// `sessions.csv`.
///
/// # Errors
/// Serialisation errors.
pub fn sessions_csv(rows: &[SessionRow]) -> anyhow::Result<Vec<u8>> {
    let header = [
        "site",
        "category",
        "start_local",
        "end_local",
        "start_utc",
        "end_utc",
        "seconds",
        "working_s",
        "break_s",
        "outside_s",
        "requests",
        "embedded_only",
        "first_source",
        "first_line",
        "first_request",
        "last_source",
        "last_line",
        "last_request",
        "hosts",
        "first_text",
        "last_text",
        "attribution",
    ];
    csv_bytes(
        &header,
        rows.iter().map(|r| {
            vec![
                r.site.clone(),
                r.category.clone(),
                r.start_local.clone(),
                r.end_local.clone(),
                r.start_utc.clone(),
                r.end_utc.clone(),
                r.seconds.to_string(),
                r.working_s.to_string(),
                r.break_s.to_string(),
                r.outside_s.to_string(),
                r.requests.to_string(),
                r.embedded_only.to_string(),
                r.first_source.clone(),
                r.first_line.to_string(),
                r.first_request.clone(),
                r.last_source.clone(),
                r.last_line.to_string(),
                r.last_request.clone(),
                r.hosts.clone(),
                r.first_text.clone(),
                r.last_text.clone(),
                r.attribution.clone(),
            ]
        }),
    )
}

/// `sources.csv`: the input files the subject's events came from.
///
/// # Errors
/// Serialisation errors.
pub fn sources_csv(records: &[SourceRecord], used: &BTreeSet<String>) -> anyhow::Result<Vec<u8>> {
    let header = [
        "source",
        "path",
        "sha256",
        "size",
        "format",
        "lines",
        "accepted",
        "rejected",
        "ingested_at",
    ];
    csv_bytes(
        &header,
        records
            .iter()
            .filter(|r| used.contains(&r.source))
            .map(|r| {
                vec![
                    r.source.clone(),
                    r.path.clone(),
                    r.sha256.clone(),
                    r.size.to_string(),
                    r.format.clone(),
                    r.lines.to_string(),
                    r.accepted.to_string(),
                    r.rejected.to_string(),
                    r.ingested_at.to_rfc3339_opts(SecondsFormat::Secs, true),
                ]
            }),
    )
}

/// `audit.jsonl` for the pack: the store's entries for this reference. An
/// entry about this subject (its `details.subject_key` is `subject_key`,
/// [`crate::evidence::authorisation::Subject::key`]) is copied whole; any
/// other entry under the reference (an earlier attempt that named someone
/// else, or a record that could not be read) is reduced to its sequence
/// number, time and command, with `"subject": "another subject"`, so a pack
/// never carries another person's name or pseudonym.
///
/// # Errors
/// Serialisation errors.
pub fn audit_lines(
    entries: &[Entry],
    reference: &str,
    subject_key: &str,
) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| {
        e.authorisation
            .as_ref()
            .is_some_and(|a| a.reference == reference)
    }) {
        let own = e.details.get("subject_key").and_then(|k| k.as_str()) == Some(subject_key);
        if own {
            out.extend(serde_json::to_vec(e)?);
        } else {
            out.extend(serde_json::to_vec(&serde_json::json!({
                "seq": e.seq,
                "ts": e.ts,
                "command": e.command,
                "subject": "another subject",
            }))?);
        }
        out.push(b'\n');
    }
    Ok(out)
}
