//! How a pack's events were attributed to the subject: per local day
//! (logged, identity, ambiguous, unattributed), the identity records the
//! attributions rest on, the devices the events came from, and the
//! silences of its source files.

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use serde::Serialize;

use super::subject::ATTRIBUTION;
use crate::event::col;
use crate::usage::schedule::Plan;

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

/// One device a pack's events came from (or, with `device` empty, the
/// events no registered device is known to have made).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DeviceRow {
    /// The device as the asset register writes it; empty: not known (no
    /// DHCP lease of a registered device covers the event's address).
    pub device: String,
    /// Its type from the register (`computer`, `phone`, `tablet`); empty
    /// when not known.
    pub device_type: String,
    /// Events from it.
    pub events: u64,
    /// The rule its social-media time is judged by: `[policy.devices.<type>]`
    /// or `[policy]` (the main rule).
    pub judged_by: String,
}

/// The devices the pack's events came from, by device (the unknown last),
/// each with the rule `policy` judges it by. When enrichment named no
/// device (the store's identity records name none): empty, or under device
/// rules one "not known" row holding every event.
///
/// # Errors
/// Polars errors.
pub fn device_rows(
    events: &DataFrame,
    policy: &crate::usage::policy::Policy,
) -> anyhow::Result<Vec<DeviceRow>> {
    let (Ok(device), Ok(kind)) = (events.column(col::DEVICE), events.column(col::DEVICE_TYPE))
    else {
        // No record names a device; under device rules, say so: every
        // event is then judged by the main rule.
        return Ok(if policy.devices.is_empty() {
            Vec::new()
        } else {
            vec![DeviceRow {
                events: events.height() as u64,
                judged_by: "[policy]".into(),
                ..DeviceRow::default()
            }]
        });
    };
    let (device, kind) = (device.str()?, kind.str()?);
    let mut counts: BTreeMap<(bool, &str, &str), u64> = BTreeMap::new();
    for (d, k) in device.iter().zip(kind.iter()) {
        let d = d.unwrap_or("");
        *counts
            .entry((d.is_empty(), d, k.unwrap_or("")))
            .or_default() += 1;
    }
    Ok(counts
        .into_iter()
        .map(|((_, device, kind), events)| DeviceRow {
            device: device.to_string(),
            device_type: kind.to_string(),
            events,
            judged_by: match policy.device_group(kind) {
                "" => "[policy]".to_string(),
                t => format!("[policy.devices.{t}]"),
            },
        })
        .collect())
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
