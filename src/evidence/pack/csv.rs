//! The pack's CSV files: `events.csv`, `sessions.csv` and `sources.csv`.

use std::collections::BTreeSet;

use chrono::SecondsFormat;
use polars::prelude::{DataFrame, StringChunked};

use super::sessions::{SessionRow, local, utc};
use super::subject::ATTRIBUTION;
use crate::event::col;
use crate::output::csv_safe;
use crate::store::manifest::SourceRecord;
use crate::usage::schedule::Plan;

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
