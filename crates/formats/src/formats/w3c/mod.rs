//! W3C Extended Log File Format: Microsoft IIS, ISA Server / Forefront TMG
//! (web proxy and firewall logs), Blue Coat / Symantec ProxySG.
//!
//! Sources: W3C Working Draft WD-logfile-960323 ("Extended Log File
//! Format": `#Fields:`, `#Date:`, `#Software:` directives, `date` and `time`
//! in UTC, `-` for no value); Microsoft's IIS and ISA/TMG log field
//! references (TMG writes tab-separated fields whose names contain spaces);
//! Symantec ProxySG access-log formats (`bcreportermain_v1` is written
//! without a `#Fields:` line, see [`ProxySg`]).
//!
//! - The layout comes from the `#Fields:` header in force, which may change
//!   mid-file; a line that does not have that header's number of fields is
//!   quarantined with both counts and the header's line number.
//! - `date time` are UTC unless a `#GMT-Offset:` directive says otherwise;
//!   a `time` without `date` takes the date of the `#Date:` directive.
//! - Values may be quoted (ProxySG), with spaces and `;` inside; `-` is empty.
//! - Users: `DOMAIN\user` as logged; `anonymous` (ISA/TMG) is no user.
//! - A connection record (TMG firewall log: `source`, `destination` as
//!   `address:port`) becomes an event whose host is the destination address.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The W3C extended reader (layout from `#Fields:`).
pub struct W3c;

/// Blue Coat / Symantec ProxySG `bcreportermain_v1`, written without a
/// `#Fields:` line: the W3C reader with that layout preset. Extra trailing
/// fields (custom additions) are allowed.
pub struct ProxySg;

/// The `bcreportermain_v1` fields (ProxySG Access Log Formats reference).
pub const BCREPORTERMAIN_V1: &str = "date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id";

impl LogFormat for W3c {
    fn name(&self) -> &'static str {
        "w3c"
    }
    fn description(&self) -> &'static str {
        "W3C Extended Log File Format with #Fields: IIS, ISA Server / Forefront TMG, ProxySG (W3C WD-logfile-960323)"
    }
    fn sample(&self) -> &'static str {
        "#Fields: date time c-ip cs-username cs-method cs-uri sc-status sc-bytes\n2026-11-10 09:15:02 10.0.0.5 CORP\\jsmith GET http://www.facebook.com/ 200 5120"
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(W3cParser {
            tz: cx.tz,
            ..W3cParser::default()
        })
    }
}

impl LogFormat for ProxySg {
    fn name(&self) -> &'static str {
        "proxysg"
    }
    fn description(&self) -> &'static str {
        "Blue Coat / Symantec ProxySG bcreportermain_v1 access log, written without #Fields: (a log with #Fields: is `w3c`)"
    }
    fn sample(&self) -> &'static str {
        r#"2020-05-01 22:22:53 1 10.0.0.5 jsmith - - OBSERVED "Social Networking" - 200 TCP_HIT GET text/html https www.facebook.com 443 / - - "Mozilla/5.0" 10.0.0.2 1008 289 -"#
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        let mut p = W3cParser {
            tz: cx.tz,
            ..W3cParser::default()
        };
        p.set_fields(BCREPORTERMAIN_V1, 0);
        p.preset = true;
        Box::new(p)
    }
}

/// The W3C directives (WD-logfile-960323) and the ones IIS, ISA and Oracle add.
const DIRECTIVES: [&str; 9] = [
    "fields",
    "software",
    "version",
    "date",
    "start-date",
    "end-date",
    "remark",
    "gmt-offset",
    "end",
];

/// What each needed field's column is, for the header in force.
#[derive(Debug, Clone, Default)]
struct Layout {
    names: Vec<String>,
    tabs: bool,
    line: u64,
    date: Option<usize>,
    time: Option<usize>,
    /// `date-local`/`time-local`: the times are in the source time zone.
    local: bool,
    client: Option<usize>,
    user: Option<usize>,
    method: Option<usize>,
    uri: Option<usize>,
    uri_stem: Option<usize>,
    uri_query: Option<usize>,
    uri_scheme: Option<usize>,
    host: Option<usize>,
    port: Option<usize>,
    status: Option<usize>,
    sc_bytes: Option<usize>,
    cs_bytes: Option<usize>,
    time_taken: Option<usize>,
    action: Option<usize>,
    filter: Option<usize>,
    source: Option<usize>,
    destination: Option<usize>,
}

#[derive(Debug, Clone, Default)]
struct W3cParser {
    layout: Option<Layout>,
    date: Option<NaiveDate>,
    offset_s: i64,
    preset: bool,
    tz: chrono_tz::Tz,
}

impl W3cParser {
    fn set_fields(&mut self, spec: &str, line: u64) {
        let tabs = spec.contains('\t');
        let names: Vec<String> = if tabs {
            spec.split('\t')
                .map(|n| n.trim().to_ascii_lowercase())
                .collect()
        } else {
            spec.split_whitespace()
                .map(str::to_ascii_lowercase)
                .collect()
        };
        let find = |cands: &[&str]| names.iter().position(|n| cands.contains(&n.as_str()));
        self.layout = Some(Layout {
            tabs,
            line,
            date: find(&["date", "date-local"]),
            time: find(&["time", "time-local"]),
            local: names.iter().any(|n| n == "time-local" || n == "date-local"),
            client: find(&["c-ip", "original client ip", "client ip"]),
            user: find(&["cs-username", "username", "cs-userdn"]),
            method: find(&["cs-method", "s-operation"]),
            uri: find(&["cs-uri", "cs(uri)"]),
            uri_stem: find(&["cs-uri-stem", "cs-uri-path"]),
            uri_query: find(&["cs-uri-query"]),
            uri_scheme: find(&["cs-uri-scheme"]),
            host: find(&["cs-host", "r-host", "cs(host)", "destination name"]),
            port: find(&["cs-uri-port", "r-port"]),
            status: find(&["sc-status", "status"]),
            sc_bytes: find(&["sc-bytes", "bytes received"]),
            cs_bytes: find(&["cs-bytes", "bytes sent"]),
            time_taken: find(&["time-taken"]),
            action: find(&["s-action", "action"]),
            filter: find(&["sc-filter-result"]),
            source: find(&["source"]),
            destination: find(&["destination"]),
            names,
        });
        self.preset = false;
    }

    fn directive(&mut self, line: &str, number: u64) {
        let body = line.strip_prefix('#').unwrap_or(line);
        let (key, value) = body.split_once(':').unwrap_or((body, ""));
        let value = value.trim_start_matches(' ');
        match key.trim().to_ascii_lowercase().as_str() {
            "fields" => self.set_fields(value.trim_end(), number),
            "date" | "start-date" => {
                self.date = value
                    .get(..10)
                    .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            }
            "gmt-offset" => {
                if let Some(o) =
                    super::time::offset_seconds(value.split_whitespace().next().unwrap_or(""))
                {
                    self.offset_s = i64::from(o);
                }
            }
            _ => {}
        }
    }
}

/// Splits a data line into values: on tabs for a tab-separated header,
/// else on runs of spaces, keeping `"quoted values"` whole (quotes removed).
fn values(line: &str, tabs: bool) -> Vec<&str> {
    if tabs {
        return line.split('\t').collect();
    }
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        if b[i] == b'"' {
            let start = i + 1;
            let end = line[start..].find('"').map_or(b.len(), |k| start + k);
            out.push(&line[start..end]);
            i = end + 1;
        } else {
            let start = i;
            while i < b.len() && b[i] != b' ' {
                i += 1;
            }
            out.push(&line[start..i]);
        }
    }
    out
}

fn val<'a>(v: &[&'a str], ix: Option<usize>) -> Option<&'a str> {
    ix.and_then(|i| v.get(i))
        .copied()
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "-")
}

/// `10.0.0.1:1234` as (address, port); `[v6]:port` too.
fn addr_port(s: &str) -> (&str, Option<u16>) {
    match s.rsplit_once(':') {
        Some((a, p)) if !a.contains(':') || a.ends_with(']') => {
            (a.trim_matches(['[', ']']), p.parse().ok())
        }
        _ => (s, None),
    }
}

impl LineParser for W3cParser {
    fn parse<'a>(&mut self, line: &'a str, number: u64) -> Result<Parsed<'a>, Reason> {
        if let Some(directive) = line.strip_prefix('#') {
            let name = directive
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase();
            if !DIRECTIVES.contains(&name.as_str()) {
                return Err(
                    "a `#` line that is not a W3C directive (#Fields:, #Date:, #Software: ...)"
                        .into(),
                );
            }
            if self.preset {
                return Err(
                    "a W3C header line in a headerless ProxySG log: read this file as `w3c`".into(),
                );
            }
            self.directive(line, number);
            return Ok(Parsed::Skip(
                "W3C header line (#Fields:, #Date:, #Software: ...): not an event",
            ));
        }
        let Some(l) = &self.layout else {
            return Err("W3C line before any #Fields: header: its layout is unknown".into());
        };
        let v = values(line, l.tabs);
        let fits = if self.preset {
            v.len() >= l.names.len()
        } else {
            v.len() == l.names.len()
        };
        if !fits {
            return Err(Cow::Owned(if self.preset {
                format!(
                    "ProxySG line has {} fields, bcreportermain_v1 has {}",
                    v.len(),
                    l.names.len()
                )
            } else {
                format!(
                    "W3C line has {} fields, the #Fields header in force at line {} has {}",
                    v.len(),
                    l.line,
                    l.names.len()
                )
            }));
        }
        let date = match val(&v, l.date) {
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| Cow::Owned(format!("date `{d}` is not YYYY-MM-DD")))?,
            None => self
                .date
                .ok_or("no date field and no #Date: directive to take the date from")?,
        };
        let t = val(&v, l.time).ok_or("no time field")?;
        let time = NaiveTime::parse_from_str(t, "%H:%M:%S%.f")
            .map_err(|_| Cow::Owned(format!("time `{t}` is not HH:MM:SS")))?;
        let naive = NaiveDateTime::new(date, time);
        let ts_ms = if l.local {
            super::time::local_to_utc(naive, self.tz)
                .ok_or("local time does not exist in the source time zone (clocks went forward) or is not between 2000 and 2100")?
        } else {
            super::time::plausible(naive.and_utc().timestamp_millis() - self.offset_s * 1000)
                .ok_or("time is not between 2000 and 2100")?
        };
        if self.preset {
            let filter = val(&v, l.filter).unwrap_or("");
            if !["OBSERVED", "PROXIED", "DENIED", "PASS", "BLOCKED"].contains(&filter) {
                return Err(Cow::Owned(format!(
                    "does not fit bcreportermain_v1: sc-filter-result (field 8) is `{filter}`, not OBSERVED, PROXIED or DENIED"
                )));
            }
        }
        let (source, source_port) = val(&v, l.source).map_or(("", None), addr_port);
        let client = val(&v, l.client)
            .or((!source.is_empty()).then_some(source))
            .ok_or("no client address (c-ip or source)")?;
        let _ = source_port;
        let user = val(&v, l.user)
            .filter(|u| !u.eq_ignore_ascii_case("anonymous"))
            .map(Cow::Borrowed);
        let method = val(&v, l.method).unwrap_or("");
        let (dest, dst_port) = val(&v, l.destination).map_or(("", None), addr_port);
        let url: Cow<'a, str> = match (val(&v, l.uri), val(&v, l.uri_stem)) {
            (Some(u), _) => Cow::Borrowed(u),
            (None, Some(stem)) => {
                let host = val(&v, l.host);
                let scheme = val(&v, l.uri_scheme);
                let query = val(&v, l.uri_query);
                match (scheme, host) {
                    (Some(s), Some(h)) => Cow::Owned(format!(
                        "{s}://{h}{stem}{}",
                        query.map(|q| format!("?{q}")).unwrap_or_default()
                    )),
                    _ => match query {
                        Some(q) => Cow::Owned(format!("{stem}?{q}")),
                        None => Cow::Borrowed(stem),
                    },
                }
            }
            (None, None) => Cow::Borrowed(""),
        };
        let host: Cow<'a, str> = match val(&v, l.host) {
            Some(h) => Cow::Borrowed(
                h.rsplit_once(':')
                    .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
                    .map_or(h, |(a, _)| a),
            ),
            None => match url_host(&url) {
                Some(h) if url.contains("://") || method == "CONNECT" => Cow::Owned(h.to_string()),
                _ => Cow::Borrowed(dest),
            },
        };
        let num = |ix: Option<usize>, what: &str| -> Result<Option<u64>, Reason> {
            match val(&v, ix) {
                None => Ok(None),
                Some(x) => x
                    .parse::<u64>()
                    .map(Some)
                    .map_err(|_| Cow::Owned(format!("{what} `{x}` is not a number"))),
            }
        };
        // An HTTP status; a TMG firewall log's `status` is a Windows result
        // code (`0xc004000d`), not HTTP: read as 0.
        let status = match val(&v, l.status) {
            None => 0,
            Some(s) if s.starts_with("0x") => 0,
            Some(s) => s
                .parse::<u16>()
                .map_err(|_| Cow::Owned(format!("status `{s}` is not a number")))?,
        };
        let action = val(&v, l.filter).or(val(&v, l.action));
        let denied = action.is_some_and(|a| {
            let a = a.to_ascii_uppercase();
            a.contains("DENIED") || a.contains("BLOCK")
        });
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: num(l.time_taken, "time-taken")?.map(|t| t.min(u64::from(u32::MAX)) as u32),
            client_ip: client,
            user,
            method,
            status,
            bytes: num(l.sc_bytes, "sc-bytes")?.unwrap_or(0),
            bytes_out: num(l.cs_bytes, "cs-bytes")?,
            url,
            host: Some(host),
            dst_port: dst_port.or(num(l.port, "port")?.and_then(|p| u16::try_from(p).ok())),
            action,
            denied,
        }))
    }

    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(self.clone())
    }

    fn has_directives(&self) -> bool {
        !self.preset
    }

    fn observe(&mut self, line: &str, number: u64) {
        self.directive(line, number);
    }

    fn leading_time(&self, line: &str) -> Option<i64> {
        let mut v = line.split([' ', '\t']);
        let (d, t) = (v.next()?, v.next()?);
        let date = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?;
        let time = NaiveTime::parse_from_str(t, "%H:%M:%S%.f").ok()?;
        super::time::plausible(NaiveDateTime::new(date, time).and_utc().timestamp_millis())
    }
}

#[cfg(test)]
mod tests;
