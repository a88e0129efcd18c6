//! Usage analysis: browse-time sessions per person and site, their union per
//! category, the split on the schedule, and the policy flags.

pub mod background;
pub mod coverage;
pub mod days;
pub mod holidays;
pub mod pipeline;
pub mod policy;
pub mod presets;
pub mod profile;
pub mod schedule;
pub mod sensitivity;
pub mod sessions;
pub mod stream;
pub mod work_use;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::Serialize;

use crate::classify::SOCIAL_MEDIA_ROW;
use crate::event::col;
pub use pipeline::Analysis;
use policy::{FlaggedDay, Policy};
use profile::Profiles;
use schedule::Split;
use sessions::{Params, Session};
pub use stream::Accumulator;

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
    /// Requests of background traffic: regular polling, not browse time.
    pub background: u64,
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

impl SiteSessions {
    /// Adds another group's sessions of the same site and category (from
    /// devices judged by another rule), their indices moved past this
    /// group's rows; sessions stay in start order and each session's rows
    /// stay one run (`rows[first..=last]`).
    pub fn absorb(&mut self, sessions: Vec<Session>, rows: Vec<usize>) {
        let offset = self.rows.len();
        self.rows.extend(rows);
        self.sessions.extend(sessions.into_iter().map(|mut s| {
            s.first += offset;
            s.last += offset;
            s
        }));
        self.sessions.sort_by_key(|s| (s.start_ms, s.end_ms));
    }
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
    /// Social-media split per local date, of the dates the accumulator was
    /// asked to keep ([`days::KeepDays`]: every date for an evidence pack,
    /// none for `usage`).
    pub social_days: BTreeMap<NaiveDate, Split>,
    /// Split per local date of the non-work finding's categories (the
    /// dates kept, as `social_days`).
    pub non_work_days: BTreeMap<NaiveDate, Split>,
    /// With device rules in the policy: the social-media split per local
    /// date of each rule's devices, and under `""` of the events the main
    /// rule judges (see [`policy::DeviceDays`]); empty otherwise. The dates
    /// kept, as `social_days`.
    pub device_days: policy::DeviceDays,
    /// Sessions per site.
    pub sites: Vec<SiteSessions>,
    /// Days over the policy threshold (none from an accumulator that keeps
    /// [`days::KeepDays::Measure`]: it measures, it does not judge).
    pub flagged_days: Vec<FlaggedDay>,
    /// The policy flags this person (never under [`days::KeepDays::Measure`]).
    pub flagged: bool,
    /// A designated business user (`exempt_users`): never flagged, and shown
    /// as exempt rather than left out.
    pub exempt: bool,
}

impl PersonUsage {
    /// How many distinct dates are flagged (a day over two limits, the
    /// social-media one and the non-work one, is one day).
    pub fn flagged_dates(&self) -> usize {
        let dates: std::collections::BTreeSet<NaiveDate> =
            self.flagged_days.iter().map(|d| d.date).collect();
        dates.len()
    }

    /// The kept days a finding of `reason` measures ([`policy::days_for`]).
    pub fn days_for(&self, reason: policy::Reason) -> &BTreeMap<NaiveDate, Split> {
        policy::days_for(
            reason,
            &self.social_days,
            &self.non_work_days,
            &self.device_days,
        )
    }
}

/// One CSV/JSON row of `usage`: `person,category,working_s,break_s,outside_s,total_s,sessions,blocked,background,flagged`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
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
    /// Requests of background traffic (a tab polling at a machine-regular
    /// interval), left out of browse time: a signal, not a finding.
    pub background: u64,
    /// The policy flags the person (same on each of their rows).
    pub flagged: bool,
}

/// Computes usage for every person in `events` (columns [`COLUMNS`], any
/// row order), keeping every session and the row of every request (as
/// indices into `events`): the evidence pack's analysis of one person.
/// `usage` and `flags` stream day by day through [`Accumulator`] instead.
///
/// # Errors
/// A column is missing or of the wrong type.
pub fn analyse(
    events: &DataFrame,
    key: &[u8],
    params: Params,
    profiles: &Profiles,
    policy: &Policy,
) -> anyhow::Result<Vec<PersonUsage>> {
    let mut acc = Accumulator::new(key, params, profiles, policy, true);
    acc.push(events, None)?;
    Ok(acc.finish())
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
        background: t.background,
        flagged: p.flagged,
    };
    let mut out = Vec::new();
    for p in people {
        for (c, t) in &p.categories {
            if t.total_ms > 0 || t.blocked > 0 || t.background > 0 {
                out.push(row(p, c, t));
            }
        }
        out.push(row(p, SOCIAL_MEDIA_ROW, &p.social));
    }
    out
}
