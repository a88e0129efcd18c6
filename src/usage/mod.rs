//! Usage analysis: browse-time sessions per person and site, their union per
//! category, the split on the schedule, and the policy flags.

pub mod holidays;
pub mod policy;
pub mod schedule;
pub mod sessions;

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use chrono::NaiveDate;
use polars::prelude::DataFrame;
use rayon::prelude::*;
use serde::Serialize;

use crate::classify::{SOCIAL_MEDIA_ROW, is_social};
use crate::event::col;
use crate::identity::pseudonym;
use policy::{FlaggedDay, Policy};
use schedule::{Schedule, Split};
use sessions::{Params, Session, sessionize, union};

/// Columns `analyse` needs from the store.
pub const COLUMNS: [&str; 6] = [
    col::TS,
    col::USER,
    col::SITE,
    col::CATEGORY,
    col::EMBEDDED,
    col::DENIED,
];

/// Browse time of one person in one category (or the `social_media` union).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    /// Split of the union of the category's sessions (ms).
    pub split: Split,
    /// Union length (ms).
    pub total_ms: i64,
    /// Browse-time sessions (embedded-only ones excluded).
    pub sessions: u64,
    /// Denied requests.
    pub blocked: u64,
}

/// One site's sessions for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteSessions {
    /// Site name.
    pub site: String,
    /// Category.
    pub category: String,
    /// Sessions, in time order, embedded-only ones included (marked).
    pub sessions: Vec<Session>,
    /// Row numbers (in the analysed DataFrame) of the requests, in time
    /// order: `Session::first` and `Session::last` index into this, so every
    /// session traces back to its events' source and line.
    pub rows: Vec<usize>,
}

/// Everything computed for one person.
#[derive(Debug, Clone)]
pub struct PersonUsage {
    /// Normalised user name: never printed by `usage` or `flags`.
    pub user: String,
    /// `u-` + 12 hex chars (see [`crate::identity::pseudonym`]).
    pub pseudonym: String,
    /// Totals per category, by name.
    pub categories: BTreeMap<String, Totals>,
    /// The union over the social-media categories.
    pub social: Totals,
    /// Social-media split per local date.
    pub social_days: BTreeMap<NaiveDate, Split>,
    /// Sessions per site.
    pub sites: Vec<SiteSessions>,
    /// Days over the policy threshold.
    pub flagged_days: Vec<FlaggedDay>,
    /// The policy flags this person.
    pub flagged: bool,
}

/// One CSV/JSON row of `usage`: `person,category,working_s,break_s,outside_s,total_s,sessions,blocked,flagged`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UsageRow {
    /// Pseudonym.
    pub person: String,
    /// Category, or `social_media` for the union row.
    pub category: String,
    /// Seconds in working time (rounded down).
    pub working_s: i64,
    /// Seconds in official breaks (rounded down).
    pub break_s: i64,
    /// Seconds outside working hours (rounded down).
    pub outside_s: i64,
    /// Seconds in all (rounded down from the exact union length).
    pub total_s: i64,
    /// Browse-time sessions.
    pub sessions: u64,
    /// Denied requests.
    pub blocked: u64,
    /// The policy flags the person (same on each of their rows).
    pub flagged: bool,
}

/// Computes usage for every person in `events` (columns [`COLUMNS`]).
///
/// # Errors
/// A column is missing or of the wrong type.
pub fn analyse(
    events: &DataFrame,
    key: &[u8],
    params: Params,
    schedule: &Schedule,
    policy: &Policy,
) -> anyhow::Result<Vec<PersonUsage>> {
    let ts = events
        .column(col::TS)?
        .datetime()
        .context("ts column")?
        .physical()
        .clone();
    let user = events.column(col::USER)?.str()?.clone();
    let site = events.column(col::SITE)?.str()?.clone();
    let category = events.column(col::CATEGORY)?.str()?.clone();
    let embedded = events.column(col::EMBEDDED)?.bool()?.clone();
    let denied = events.column(col::DENIED)?.bool()?.clone();
    let mut by_user: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, u) in user.iter().enumerate() {
        by_user.entry(u.unwrap_or("")).or_default().push(i);
    }
    let mut people: Vec<(&str, Vec<usize>)> = by_user.into_iter().collect();
    people.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut out: Vec<PersonUsage> = people
        .into_par_iter()
        .map(|(u, rows)| {
            let mut categories: BTreeMap<String, Totals> = BTreeMap::new();
            // (site, category) → requests as (ts ms, embedded, row)
            type Requests = Vec<(i64, bool, usize)>;
            let mut groups: BTreeMap<(&str, &str), Requests> = BTreeMap::new();
            for i in rows {
                let cat = category.get(i).unwrap_or("");
                if denied.get(i).unwrap_or(false) {
                    categories.entry(cat.to_string()).or_default().blocked += 1;
                    continue;
                }
                let t = ts.get(i).unwrap_or(0);
                groups
                    .entry((site.get(i).unwrap_or(""), cat))
                    .or_default()
                    .push((t, embedded.get(i).unwrap_or(false), i));
            }
            let mut sites = Vec::new();
            let mut per_cat: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
            for ((s, c), mut group) in groups {
                group.sort_unstable();
                let reqs: Vec<(i64, bool)> = group.iter().map(|&(t, e, _)| (t, e)).collect();
                let sess = sessionize(&reqs, params);
                for x in sess.iter().filter(|x| !x.embedded_only) {
                    per_cat.entry(c).or_default().push((x.start_ms, x.end_ms));
                }
                sites.push(SiteSessions {
                    site: s.to_string(),
                    category: c.to_string(),
                    sessions: sess,
                    rows: group.iter().map(|&(_, _, i)| i).collect(),
                });
            }
            let mut social = Totals::default();
            let mut social_intervals = Vec::new();
            for (c, intervals) in per_cat {
                let t = categories.entry(c.to_string()).or_default();
                t.sessions = intervals.len() as u64;
                if is_social(c) {
                    social.sessions += t.sessions;
                    social_intervals.extend_from_slice(&intervals);
                }
                for (a, b) in union(intervals) {
                    t.split.merge(&schedule.split(a, b));
                    t.total_ms += b - a;
                }
            }
            for (c, t) in &categories {
                if is_social(c) {
                    social.blocked += t.blocked;
                }
            }
            let mut social_days = BTreeMap::new();
            for (a, b) in union(social_intervals) {
                schedule.split_by_day(a, b, &mut social_days);
                social.total_ms += b - a;
            }
            for d in social_days.values() {
                social.split.merge(d);
            }
            let (flagged_days, flagged) = policy.evaluate(u, &social_days);
            PersonUsage {
                user: u.to_string(),
                pseudonym: pseudonym(key, u),
                categories,
                social,
                social_days,
                sites,
                flagged_days,
                flagged,
            }
        })
        .collect();
    out.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
    Ok(out)
}

/// The `usage` rows: per person, one row per category with browse time or
/// denied requests (by category name), then the `social_media` union row.
pub fn rows(people: &[PersonUsage]) -> Vec<UsageRow> {
    let row = |p: &PersonUsage, category: &str, t: &Totals| UsageRow {
        person: p.pseudonym.clone(),
        category: category.to_string(),
        working_s: t.split.working_ms / 1000,
        break_s: t.split.break_ms / 1000,
        outside_s: t.split.outside_ms / 1000,
        total_s: t.total_ms / 1000,
        sessions: t.sessions,
        blocked: t.blocked,
        flagged: p.flagged,
    };
    let mut out = Vec::new();
    for p in people {
        for (c, t) in &p.categories {
            if t.total_ms > 0 || t.blocked > 0 {
                out.push(row(p, c, t));
            }
        }
        out.push(row(p, SOCIAL_MEDIA_ROW, &p.social));
    }
    out
}
