//! `summary.json` and `method.json`: the pack's figures and how they were
//! made, machine-readable.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::DataFrame;
use serde::Serialize;

use super::coverage::{AttributionRow, CoverageRow, DeviceRow, GapRow};
use super::sites::{DaySiteRow, PeriodTotals, SiteRow};
use super::subject::SubjectEvents;
use crate::classify::{DATA_VERSION, SOCIAL_MEDIA_ROW};
use crate::config::Config;
use crate::event::col;
use crate::evidence::authorisation::Authorisation;
use crate::usage::policy::{FlaggedDay, Policy};
use crate::usage::schedule::Split;
use crate::usage::sensitivity::DaySensitivity;
use crate::usage::{PersonUsage, UsageRow, rows as usage_rows};

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
    /// The devices the events came from, as DHCP leases and the asset
    /// register name them, each with the rule it is judged by (empty: the
    /// store's identity records name no device).
    pub devices: Vec<DeviceRow>,
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
    /// What the council's policy calls social media (the preset's
    /// categories and sites): the `social_media` figures are their union.
    pub social_media: crate::usage::policy::SocialMedia,
    /// The designations that covered some of the subject's requests
    /// (category `designated:<name>`) and the allow-list entries (category
    /// `work:<name>`), with what each covers and when: work use, never
    /// counted.
    pub work_use: Vec<String>,
    /// Per-site totals, longest first, each with the rule that gave its
    /// category.
    pub sites: Vec<SiteRow>,
    /// Per local day, each social-media site's time, longest first.
    pub social_site_days: Vec<DaySiteRow>,
    /// Browse time on all sites (the union of every counted session).
    pub all_sites: PeriodTotals,
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
    /// What the policy counts of it (s): working time under `breaks_only`
    /// and `not_permitted`'s working part, core hours under
    /// `outside_core_hours`, and so on ([`crate::usage::policy::PersonalUse::counted_ms`]);
    /// with device rules, the main rule's part of the time of the devices
    /// it judges ([`crate::usage::policy::Policy::counted_ms_by_rule`]).
    pub counted_s: i64,
    /// With device rules: what each device type's own rule counts of that
    /// type's time (s), by type. Not added to `counted_s`: the same minute
    /// on a phone and a PC is counted by each rule.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counted_on_device_s: BTreeMap<String, i64>,
    /// The policy flags this day.
    pub flagged: bool,
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

/// Builds the summary (its `sites`, `social_site_days` and `all_sites`
/// are filled by the caller, which holds the events and the rules).
pub fn summary(
    a: &Authorisation,
    s: &SubjectEvents,
    p: &PersonUsage,
    config: &Config,
    policy: &Policy,
) -> Summary {
    let flagged_dates: BTreeSet<_> = p.flagged_days.iter().map(|d| d.date).collect();
    let days = p
        .social_days
        .iter()
        .map(|(d, x): (_, &Split)| {
            let (counted, on_devices) = policy.counted_ms_by_rule(*d, x, &p.device_days);
            DayRow {
                date: d.to_string(),
                working_s: x.working_ms / 1000,
                break_s: x.break_ms / 1000,
                outside_s: x.outside_ms / 1000,
                counted_s: counted / 1000,
                counted_on_device_s: on_devices
                    .into_iter()
                    .map(|(t, ms)| (t.to_string(), ms / 1000))
                    .collect(),
                flagged: flagged_dates.contains(d),
            }
        })
        .collect();
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
        devices: Vec::new(),
        gaps: Vec::new(),
        profile: Vec::new(),
        usage,
        social_media_days: days,
        flagged_days: p.flagged_days.clone(),
        flagged: p.flagged,
        exempt: p.exempt,
        social_media: policy.social.clone(),
        work_use: work_use_words(p, policy),
        sites: Vec::new(),
        social_site_days: Vec::new(),
        all_sites: PeriodTotals::default(),
        same_person: (s.users.len() > 1).then(|| a.subject.same_person.trim().to_string()),
        accounts: Vec::new(),
        sensitivity: Vec::new(),
        supersedes: None,
    }
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

/// The designations and allow-list entries that cover some of `p`'s
/// requests, in words.
fn work_use_words(p: &PersonUsage, policy: &Policy) -> Vec<String> {
    use crate::usage::work_use::{DESIGNATED_PREFIX, WORK_PREFIX};
    let mut out = Vec::new();
    for (c, t) in &p.categories {
        if let Some(name) = c.strip_prefix(DESIGNATED_PREFIX)
            && let Some(d) = policy.work_use.designations.iter().find(|d| d.name == name)
        {
            out.push(format!(
                "{} min under the designation `{name}`{} ({}, {} to {}): business use, never counted",
                t.total_ms / 60_000,
                if d.list.is_empty() { String::new() } else { format!(" on the {}", d.list) },
                d.scope.words(),
                d.from,
                d.to.map_or("no end date".to_string(), |t| t.to_string())
            ));
        }
        if let Some(name) = c.strip_prefix(WORK_PREFIX)
            && let Some(a) = policy.work_use.allowed.iter().find(|a| a.name == name)
        {
            out.push(format!(
                "{} min on the business allow-list entry `{name}` ({}): work use, never counted",
                t.total_ms / 60_000,
                a.scope.words()
            ));
        }
    }
    out
}

/// Which of the subject's records the pack holds: those of working time
/// only when the preset's policy releases no others (Charnwood), with the
/// clause; else every record of the period.
fn records_released(config: &Config) -> serde_json::Value {
    let clause = crate::usage::presets::get(&config.policy.preset)
        .ok()
        .and_then(|p| p.clause_of("records").cloned());
    match clause {
        Some(c) => serde_json::json!({
            "scope": "working time only: events in breaks, outside working hours, on leave and bank holidays are not in the pack",
            "source": format!("{} preset, {}", config.policy.preset, c.reference),
            "quote": c.quote,
        }),
        None => serde_json::json!({ "scope": "every event of the authorised period" }),
    }
}

/// The preset's social-media clause and what it counts, or netusage's
/// default definition.
fn social_definition(config: &Config) -> serde_json::Value {
    let preset = (!config.policy.preset.is_empty())
        .then(|| crate::usage::presets::get(&config.policy.preset).ok())
        .flatten();
    match preset.as_ref().and_then(|p| p.clause_of("social_media")) {
        Some(c) => serde_json::json!({
            "source": format!("{} preset, {}", config.policy.preset, c.reference),
            "quote": c.quote,
            "encodes": c.encodes,
        }),
        None => serde_json::json!({
            "source": "netusage's default: no preset gives a definition",
        }),
    }
}

/// `method.json`: how the figures were made, the council preset in force
/// (its document and clause), who set each setting, and the defaults that
/// nobody set. The policy's designated users are given as a count only:
/// their names are other people's data, which a pack never holds.
pub fn method(config: &Config, policy: &Policy, now: DateTime<Utc>) -> serde_json::Value {
    let mut policy_json = serde_json::to_value(policy).unwrap_or_default();
    policy_json["exempt_users"] = serde_json::json!({
        "count": policy.exempt_users.len(),
        "names": "withheld: other people's data is never in a pack",
    });
    let preset = (!config.policy.preset.is_empty())
        .then(|| crate::usage::presets::get(&config.policy.preset).ok())
        .flatten()
        .map(|p| {
            serde_json::json!({
                "name": p.name,
                "council": p.council,
                "document": p.document,
                "clause": p.clause,
                "encodes": p.encodes,
            })
        });
    let set_by: BTreeMap<&str, String> = config
        .set_by
        .keys()
        .map(|k| (k.as_str(), config.origin(k)))
        .collect();
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
        "policy": policy_json,
        "preset": preset,
        "set_by": set_by,
        "defaults_in_force": config.defaults_in_force(),
        "social_media_categories": policy.social.categories,
        "social_media_sites": policy.social.sites,
        "social_media_definition": social_definition(config),
        "records_released": records_released(config),
        "category_data_version": DATA_VERSION,
    })
}
