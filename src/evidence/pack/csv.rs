//! The pack's CSV files: `events.csv`, `sessions.csv` and `sources.csv`,
//! each a row type written by [`crate::output::CsvWriter`] (the header is
//! the row's field names; every cell formula-safe).

use std::collections::BTreeSet;

use chrono::SecondsFormat;
use polars::prelude::{DataFrame, StringChunked};
use serde::Serialize;

use super::sessions::{SessionRow, local, utc};
use super::subject::ATTRIBUTION;
use crate::event::col;
use crate::output::{CsvWriter, csv_bytes};
use crate::store::manifest::SourceRecord;
use crate::usage::schedule::Plan;

/// One event: a row of `events.csv`, its columns in this order. Text
/// columns borrow from the events' frame; an absent number is an empty cell.
#[derive(Debug, Default, Serialize)]
pub struct EventRow<'a> {
    /// Time, UTC (RFC 3339, ms).
    pub ts_utc: String,
    /// Time, local (the schedule's zone).
    pub ts_local: String,
    /// Normalised user name, or `ip:<addr>`.
    pub user: &'a str,
    /// Client address.
    pub client_ip: &'a str,
    /// Host requested.
    pub host: &'a str,
    /// Its registrable domain.
    pub domain: &'a str,
    /// Its site.
    pub site: &'a str,
    /// Its category.
    pub category: &'a str,
    /// A CDN/widget/API host.
    pub embedded: bool,
    /// HTTP method (or `CONNECT`).
    pub method: &'a str,
    /// HTTP status.
    pub status: Option<u16>,
    /// Bytes sent to the client.
    pub bytes: Option<u64>,
    /// Time taken (ms).
    pub elapsed_ms: Option<u32>,
    /// URL as logged.
    pub url: &'a str,
    /// Denied by the proxy or firewall.
    pub denied: bool,
    /// Source id (see sources.csv).
    pub source: &'a str,
    /// Line in that source.
    pub line: Option<u64>,
    /// Background traffic (regular polling): no browse time.
    pub background: bool,
    /// `logged`, or how it was attributed (`identity:<source>:<line>`, ...).
    pub attribution: &'a str,
    /// Where the host came from: `logged`, or the DNS naming.
    pub host_source: &'a str,
    /// The device that held the client address then, as the asset register
    /// writes it (empty: not known).
    pub device: &'a str,
    /// Its type (`computer`, `phone`, `tablet`; empty: not known).
    pub device_type: &'a str,
}

/// One input file of the pack: a row of `sources.csv`.
#[derive(Debug, Default, Serialize)]
pub struct SourceRow<'a> {
    /// Source id.
    pub source: &'a str,
    /// Canonical path of the file read.
    pub path: &'a str,
    /// SHA-256 of the bytes read, hex.
    pub sha256: &'a str,
    /// Bytes read.
    pub size: u64,
    /// Log format name.
    pub format: &'a str,
    /// Lines read.
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines quarantined.
    pub rejected: u64,
    /// When it was ingested (UTC, RFC 3339, seconds).
    pub ingested_at: String,
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
    let optional = |name: &str| events.column(name).ok().and_then(|c| c.str().ok().cloned());
    let host_source = optional(col::HOST_SOURCE);
    let (device, device_type) = (optional(col::DEVICE), optional(col::DEVICE_TYPE));
    fn g(c: &StringChunked, i: usize) -> &str {
        c.get(i).unwrap_or("")
    }
    let mut w = CsvWriter::<_, EventRow>::new(Vec::new())?;
    for i in 0..events.height() {
        let t = ts.get(i).unwrap_or(0);
        w.row(&EventRow {
            ts_utc: utc(t),
            ts_local: local(schedule, t),
            user: g(&user, i),
            client_ip: g(&ip, i),
            host: g(&host, i),
            domain: g(&domain, i),
            site: g(&site, i),
            category: g(&cat, i),
            embedded: emb.get(i).unwrap_or(false),
            method: g(&method, i),
            status: status.get(i),
            bytes: bytes.get(i),
            elapsed_ms: elapsed.get(i),
            url: g(&url, i),
            denied: denied.get(i).unwrap_or(false),
            source: g(&source, i),
            line: line.get(i),
            background: background.contains(&i),
            attribution: labels.as_ref().and_then(|c| c.get(i)).unwrap_or("logged"),
            host_source: host_source
                .as_ref()
                .and_then(|c| c.get(i))
                .unwrap_or("logged"),
            device: device.as_ref().and_then(|c| c.get(i)).unwrap_or(""),
            device_type: device_type.as_ref().and_then(|c| c.get(i)).unwrap_or(""),
        })?;
    }
    w.into_inner()
}

/// `sessions.csv`: one [`SessionRow`] per session.
///
/// # Errors
/// Serialisation errors.
pub fn sessions_csv(rows: &[SessionRow]) -> anyhow::Result<Vec<u8>> {
    csv_bytes(rows)
}

/// `sources.csv`: the input files the subject's events came from.
///
/// # Errors
/// Serialisation errors.
pub fn sources_csv(records: &[SourceRecord], used: &BTreeSet<String>) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<SourceRow> = records
        .iter()
        .filter(|r| used.contains(&r.source))
        .map(|r| SourceRow {
            source: &r.source,
            path: &r.path,
            sha256: &r.sha256,
            size: r.size,
            format: &r.format,
            lines: r.lines,
            accepted: r.accepted,
            rejected: r.rejected,
            ingested_at: r.ingested_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        })
        .collect();
    csv_bytes(&rows)
}
