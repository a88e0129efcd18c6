//! Microsoft Defender for Endpoint `DeviceNetworkEvents` (advanced hunting)
//! exports: JSON, one result per line (the Advanced Hunting API's
//! `Results`, or the Streaming API's records with the row under
//! `properties`), and the portal's CSV export.
//!
//! Source: Microsoft Defender XDR documentation, "DeviceNetworkEvents"
//! (<https://learn.microsoft.com/defender-xdr/advanced-hunting-devicenetworkevents-table>):
//! `Timestamp`, `DeviceId`, `DeviceName`, `ActionType`, `RemoteIP`,
//! `RemotePort`, `RemoteUrl`, `LocalIP`, `LocalPort`, `Protocol` (the
//! table's first ten columns, in this order), `InitiatingProcessAccountDomain`,
//! `InitiatingProcessAccountName`, `InitiatingProcessAccountUpn`; and
//! "Advanced Hunting API" (the response's `Results` array), "Streaming
//! API" (`{"time", "category": "AdvancedHunting-DeviceNetworkEvents",
//! "properties": {...}}`).
//!
//! - Time: `Timestamp`, ISO 8601 UTC.
//! - Client: `LocalIP`. Host: the host of `RemoteUrl` (a URL or a name),
//!   else `RemoteIP`; port `RemotePort`. A connection: no method, status
//!   or bytes (the table has none).
//! - User (JSON only): `InitiatingProcessAccountUpn`, else
//!   `InitiatingProcessAccountDomain\InitiatingProcessAccountName`; the
//!   machine's own accounts (`system`, `local service`, `network
//!   service`) are no user. The CSV export's user columns move with the
//!   query's projection: CSV rows carry no user (attribution by address).
//! - CSV: the first ten columns in the documented order; the header line
//!   is checked against it, and a header in another order is refused
//!   (export without `project`, or export JSON).
//! - Inbound records (`InboundConnectionAccepted`,
//!   `ListeningConnectionCreated`) are lines of this source that are not
//!   the device reaching out.
//! - Denial: an `ActionType` ending in `Blocked` (network protection);
//!   `ConnectionFailed` is a failure, not a denial.

use std::borrow::Cow;

use super::csv::csv_fields;
use super::json::Object;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The Defender for Endpoint DeviceNetworkEvents reader.
pub struct DefenderNetwork;

/// The table's first columns, in the documented order.
const COLUMNS: [&str; 10] = [
    "Timestamp",
    "DeviceId",
    "DeviceName",
    "ActionType",
    "RemoteIP",
    "RemotePort",
    "RemoteUrl",
    "LocalIP",
    "LocalPort",
    "Protocol",
];

impl LogFormat for DefenderNetwork {
    fn name(&self) -> &'static str {
        "defender-network"
    }
    fn description(&self) -> &'static str {
        "Microsoft Defender for Endpoint DeviceNetworkEvents exports: JSON per result (Advanced Hunting / Streaming API) or portal CSV, UTC times (Defender XDR advanced hunting: DeviceNetworkEvents table)"
    }
    fn sample(&self) -> &'static str {
        r#"{"Timestamp":"2026-11-10T09:15:02.1234567Z","DeviceId":"c0ffee0000000000000000000000000000000001","DeviceName":"pc123.council.local","ActionType":"ConnectionSuccess","RemoteIP":"157.240.221.35","RemotePort":443,"RemoteUrl":"www.facebook.com","LocalIP":"10.0.0.5","LocalPort":50123,"Protocol":"Tcp","InitiatingProcessAccountDomain":"corp","InitiatingProcessAccountName":"jsmith","InitiatingProcessAccountUpn":"jsmith@council.gov.uk"}"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(DefenderParser)
    }
}

#[derive(Clone, Copy)]
struct DefenderParser;

/// What one record says, borrowed from the line where it can be.
struct Row<'a> {
    time: Cow<'a, str>,
    action: &'a str,
    remote_ip: Option<Cow<'a, str>>,
    remote_port: Option<u64>,
    remote_url: Option<Cow<'a, str>>,
    local_ip: Option<&'a str>,
    user: Option<Cow<'a, str>>,
}

fn event<'a>(r: Row<'a>) -> Result<Parsed<'a>, Reason> {
    let ts_ms = super::json::rfc3339_ms(&r.time).ok_or_else(|| {
        Cow::Owned(format!(
            "Timestamp `{}` is not an ISO 8601 UTC time between 2000 and 2100",
            r.time
        ))
    })?;
    if matches!(
        r.action,
        "InboundConnectionAccepted" | "ListeningConnectionCreated"
    ) {
        return Ok(Parsed::Skip(
            "an inbound or listening record: not the device reaching out",
        ));
    }
    let client = r
        .local_ip
        .ok_or("DeviceNetworkEvents record has no LocalIP")?;
    let url = r.remote_url.unwrap_or(Cow::Borrowed(""));
    let host = match url_host(&url) {
        Some(h) if h == url.as_ref() => None,
        Some(h) => Some(Cow::Owned(h.to_string())),
        None if !url.is_empty() && !url.contains('/') => Some(url.clone()),
        None => Some(
            r.remote_ip
                .clone()
                .ok_or("DeviceNetworkEvents record has neither RemoteUrl nor RemoteIP")?,
        ),
    };
    Ok(Parsed::Event(RawEvent {
        ts_ms,
        elapsed_ms: None,
        client_ip: client,
        user: r.user,
        method: "",
        status: 0,
        bytes: 0,
        bytes_out: None,
        url,
        host,
        dst_port: r.remote_port.and_then(|p| u16::try_from(p).ok()),
        action: Some(r.action),
        denied: r.action.ends_with("Blocked"),
    }))
}

/// The account that ran the process, when it is a person's.
fn user<'a>(o: &Object<'a>) -> Option<Cow<'a, str>> {
    let name = o.some("InitiatingProcessAccountName");
    if name.as_deref().is_some_and(|n| {
        ["system", "local service", "network service"].contains(&n.to_lowercase().as_str())
    }) {
        return None;
    }
    o.some("InitiatingProcessAccountUpn").or_else(|| {
        let name = name?;
        Some(match o.some("InitiatingProcessAccountDomain") {
            Some(d) => Cow::Owned(format!("{d}\\{name}")),
            None => name,
        })
    })
}

impl DefenderParser {
    fn json<'a>(&self, line: &'a str) -> Result<Parsed<'a>, Reason> {
        let outer = Object::parse(line)?;
        if outer.has("Results") && outer.has("Schema") {
            return Err("an Advanced Hunting API response, not one result: put one result per line (jq -c '.Results[]')".into());
        }
        let o = match outer.raw("properties") {
            Some(p) if outer.has("category") => Object::parse(p.get())?,
            _ => outer,
        };
        let time = o
            .some("Timestamp")
            .ok_or("not a DeviceNetworkEvents record: no Timestamp")?;
        let action = o
            .str("ActionType")
            .ok_or("not a DeviceNetworkEvents record: no ActionType")?;
        event(Row {
            time,
            action,
            remote_ip: o.some("RemoteIP"),
            remote_port: o.num("RemotePort"),
            remote_url: o.some("RemoteUrl"),
            local_ip: o.str("LocalIP"),
            user: user(&o),
        })
    }

    fn csv<'a>(&self, line: &'a str) -> Result<Parsed<'a>, Reason> {
        let f = csv_fields(line);
        // A header line names `Timestamp` somewhere; a row has a time there.
        if f.iter()
            .any(|c| c.trim_start_matches('\u{feff}') == "Timestamp")
        {
            return if f.len() >= COLUMNS.len()
                && f.iter()
                    .zip(COLUMNS)
                    .all(|(a, b)| a.trim_start_matches('\u{feff}') == b)
            {
                Ok(Parsed::Skip("the CSV export's header line"))
            } else {
                Err("a CSV header whose first columns are not DeviceNetworkEvents' own order (Timestamp, DeviceId, DeviceName, ActionType, RemoteIP, RemotePort, RemoteUrl, LocalIP, LocalPort, Protocol): export without `project`, or export JSON".into())
            };
        }
        if f.len() < COLUMNS.len() {
            return Err(Cow::Owned(format!(
                "not a DeviceNetworkEvents CSV row: {} columns, the table has at least {}",
                f.len(),
                COLUMNS.len()
            )));
        }
        let action = match &f[3] {
            Cow::Borrowed(a) if !a.is_empty() => *a,
            _ => return Err("DeviceNetworkEvents CSV row has no ActionType".into()),
        };
        let opt = |i: usize| Some(f[i].clone()).filter(|v| !v.is_empty());
        event(Row {
            time: f[0].clone(),
            action,
            remote_ip: opt(4),
            remote_port: f[5].trim().parse().ok(),
            remote_url: opt(6),
            local_ip: match &f[7] {
                Cow::Borrowed(s) if !s.is_empty() => Some(*s),
                _ => None,
            },
            user: None,
        })
    }
}

impl LineParser for DefenderParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        if line.trim_start().starts_with('{') {
            self.json(line)
        } else {
            self.csv(line)
        }
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let t = if line.trim_start().starts_with('{') {
            let o = Object::parse(line).ok()?;
            match o.raw("properties") {
                Some(p) => Object::parse(p.get()).ok()?.some("Timestamp")?.into_owned(),
                None => o.some("Timestamp")?.into_owned(),
            }
        } else {
            csv_fields(line).into_iter().next()?.into_owned()
        };
        super::json::rfc3339_ms(&t)
    }
}

#[cfg(test)]
mod tests;
