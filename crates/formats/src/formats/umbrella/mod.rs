//! Cisco Umbrella (Secure Internet Gateway) proxy logs, as Umbrella writes
//! them to its S3 bucket (`proxylogs/`): one quoted CSV record per line.
//!
//! Source: Cisco Umbrella User Guide, "Log Formats and Versioning", proxy
//! logs (<https://docs.umbrella.com/deployment-umbrella/docs/log-formats-and-versioning>);
//! column order as Elastic's `cisco_umbrella` integration reads it
//! (`data_stream/log/elasticsearch/ingest_pipeline/default.yml`):
//! 1 timestamp, 2 policy identity, 3 internal client IP, 4 external client
//! IP, 5 destination IP, 6 content type, 7 verdict, 8 URL, 9 referer,
//! 10 user agent, 11 status code, 12 requested size, 13 response size,
//! 14 response body size, 15 SHA-256, 16 categories, 17–21 AV / AMP,
//! 22 policy identity type, 23 blocked categories, 24 identities,
//! 25 identity types, 26 request method, then (newer versions, up to 38
//! columns) DLP status, certificate errors, file name, rule set, rule,
//! destination lists, isolate / file / warn actions.
//!
//! - Time: `YYYY-MM-DD HH:MM:SS`, always UTC (the guide; Elastic's
//!   pipeline says the same).
//! - Client: the internal client IP; the external (egress) IP when the
//!   record has no internal one (a network identity).
//! - User: the identity (column 24) whose type (column 25) is a users type
//!   (`AD Users`); the address in brackets when it is written
//!   `Full Name (user@domain)`. Computers, networks and sites are not users.
//! - Bytes: the response size to the client; the request size sent.
//! - Denial: verdict `BLOCKED`. `ALLOWED` and the rest are not denials.

use std::borrow::Cow;

use super::csv::csv_fields;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Umbrella proxy log reader.
pub struct Umbrella;

/// The fewest columns of a proxy record (through the request method, v5).
const MIN_COLUMNS: usize = 26;

impl LogFormat for Umbrella {
    fn name(&self) -> &'static str {
        "umbrella"
    }
    fn description(&self) -> &'static str {
        "Cisco Umbrella proxy logs, S3 CSV, times in UTC (Umbrella User Guide: Log Formats and Versioning, proxy logs)"
    }
    fn sample(&self) -> &'static str {
        r#""2026-11-10 09:15:02","Jo Smith (jsmith@council.gov.uk)","10.0.0.5","81.2.69.193","157.240.221.35","text/html","ALLOWED","https://www.facebook.com/","","Mozilla/5.0","200","420","5120","5000","","Social Networking","","","","","","AD Users","","Jo Smith (jsmith@council.gov.uk),HQ","AD Users,Sites","GET""#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(UmbrellaParser)
    }
}

#[derive(Clone, Copy)]
struct UmbrellaParser;

/// `YYYY-MM-DD HH:MM:SS` (UTC) as ms.
fn utc_time(s: &str) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").ok()?;
    super::time::plausible(t.and_utc().timestamp_millis())
}

/// The user among the identities: the first whose type is a users type.
fn user_of<'a>(identities: &Cow<'a, str>, types: &str) -> Option<Cow<'a, str>> {
    let types: Vec<&str> = types.split(',').map(str::trim).collect();
    let at = types.iter().position(|t| t.ends_with("Users"))?;
    // An identity may itself hold a comma (an RFC 822 name): when the counts
    // differ, only a lone users identity can be placed.
    let ids: Vec<&str> = identities.split(',').map(str::trim).collect();
    let id = if ids.len() == types.len() {
        ids[at]
    } else if types.len() == 1 {
        identities.trim()
    } else {
        return None;
    };
    let id = match (id.rfind('('), id.ends_with(')')) {
        (Some(open), true) => &id[open + 1..id.len() - 1],
        _ => id,
    };
    (!id.is_empty()).then(|| Cow::Owned(id.to_string()))
}

impl LineParser for UmbrellaParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        if !line.starts_with('"') {
            return Err("not an Umbrella proxy record (does not start with a quoted time)".into());
        }
        let f = csv_fields(line);
        let ts_ms = utc_time(&f[0]).ok_or_else(|| {
            Cow::Owned(format!(
                "`{}` is not an Umbrella time (YYYY-MM-DD HH:MM:SS, UTC, 2000-2100)",
                f[0]
            ))
        })?;
        if f.len() < MIN_COLUMNS {
            return Err(Cow::Owned(format!(
                "Umbrella record has {} columns, a proxy log record has at least {MIN_COLUMNS}",
                f.len()
            )));
        }
        let borrowed = |i: usize| match &f[i] {
            Cow::Borrowed(s) if !s.trim().is_empty() => Some(s.trim()),
            _ => None,
        };
        let client = borrowed(2)
            .or_else(|| borrowed(3))
            .ok_or("Umbrella record has neither an internal nor an external client IP")?;
        let action = borrowed(6).ok_or("Umbrella record has no verdict (column 7)")?;
        let num = |i: usize| f[i].trim().parse::<u64>().ok();
        let url = f[7].clone();
        if url.trim().is_empty() {
            return Err("Umbrella record has no URL (column 8)".into());
        }
        let method = super::method_name(f[25].trim());
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: user_of(&f[23], &f[24]),
            method: if f[25].trim().is_empty() { "" } else { method },
            status: num(10).and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
            bytes: num(12).unwrap_or(0),
            bytes_out: num(11),
            url,
            host: None,
            dst_port: None,
            action: Some(action),
            denied: action.eq_ignore_ascii_case("BLOCKED"),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let first = csv_fields(line).into_iter().next()?;
        utc_time(&first)
    }
}

#[cfg(test)]
mod tests;
