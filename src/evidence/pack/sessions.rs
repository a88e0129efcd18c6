//! The subject's browse-time sessions as rows (`sessions.csv` and the
//! report), the log lines behind them, and the events that made no session.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat};
use polars::prelude::DataFrame;
use serde::Serialize;

use super::subject::ATTRIBUTION;
use crate::event::col;
use crate::usage::PersonUsage;
use crate::usage::schedule::Plan;

/// One session: a row of `sessions.csv`, its columns in this order.
#[derive(Debug, Clone, Default, Serialize)]
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
    /// Only embedded hosts: not counted as browse time.
    pub embedded_only: bool,
    /// Source id of the first request.
    pub first_source: String,
    /// Line of the first request in that source.
    pub first_line: u64,
    /// The first request as logged: method and URL.
    pub first_request: String,
    /// Source id of the last request.
    pub last_source: String,
    /// Line of the last request in that source.
    pub last_line: u64,
    /// The last request as logged: method and URL.
    pub last_request: String,
    /// The distinct hosts the session's requests went to, in order of first
    /// request, `;`-separated.
    pub hosts: String,
    /// The first line's text as read back from its source file (empty when
    /// the file is gone or changed: see `raw_lines` in summary.json).
    pub first_text: String,
    /// The last line's text, likewise.
    pub last_text: String,
    /// The devices its requests came from, as the asset register names
    /// them (`;`-separated; empty when none is known).
    pub devices: String,
    /// How its requests were attributed to the subject: `logged` and/or
    /// `identity:<source>:<line>` (see `attributions` in summary.json),
    /// `;`-separated.
    pub attribution: String,
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
    let device = events
        .column(col::DEVICE)
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
            let mut devices: Vec<&str> = Vec::new();
            for &r in &s.rows[x.first..=x.last] {
                if let Some(d) = device.as_ref().and_then(|c| c.get(r))
                    && !devices.contains(&d)
                {
                    devices.push(d);
                }
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
                devices: devices.join(";"),
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
    let back = crate::evidence::rawlines::read_back(records, &wanted, chain_of);
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
