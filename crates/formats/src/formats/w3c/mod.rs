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
//!   mid-file. A line that does not have that header's number of fields
//!   (excerpts concatenated under a later header, a ProxySG line with a
//!   field its header omits), or comes before any header (an IIS excerpt),
//!   is read with the one layout that fits its number of fields and the
//!   shapes of its values, among the file's earlier headers and the
//!   vendors' default layouts ([`layouts`]); which one read it is recorded
//!   ([`LineParser::reading`]). A line no layout fits, or two do, is
//!   quarantined saying so: never a guess.
//! - `date time` are UTC unless a `#GMT-Offset:` directive says otherwise;
//!   a `time` without `date` takes the date of the `#Date:` directive.
//! - Values may be quoted (ProxySG), with spaces and `;` inside; `-` is empty.
//! - Users: `DOMAIN\user` as logged; `anonymous` (ISA/TMG) is no user.
//! - A connection record (TMG firewall log: `source`, `destination` as
//!   `address:port`) becomes an event whose host is the destination address.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

pub mod layouts;

/// The W3C extended reader (layout from `#Fields:`).
pub struct W3c;

/// Blue Coat / Symantec ProxySG access logs written without a `#Fields:`
/// line: `bcreportermain_v1` (its 25-field list, extra trailing fields
/// allowed as custom additions; or its 35- or 42-field lists) and `main`,
/// each line read with the one of those layouts its values fit
/// ([`layouts::proxysg`]).
pub struct ProxySg;

/// The 25-field `bcreportermain_v1` fields (ProxySG Access Log Formats reference).
pub const BCREPORTERMAIN_V1: &str = layouts::BCREPORTERMAIN_V1_25;

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
        "Blue Coat / Symantec ProxySG bcreportermain_v1 (25, 35 or 42 fields) or main access log, written without #Fields: (a log with #Fields: is `w3c`); Broadcom Access Log Formats, Default Formats"
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
#[derive(Debug, Clone, Default, PartialEq)]
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

/// How many of a file's earlier `#Fields:` headers are kept to read lines
/// that follow them under a later one.
const EARLIER: usize = 8;

#[derive(Debug, Clone, Default)]
struct W3cParser {
    layout: Option<Layout>,
    /// The file's earlier `#Fields:` layouts, latest last.
    earlier: Vec<Layout>,
    /// Which layout read the last event, when not the header in force.
    read_as: Option<Cow<'static, str>>,
    date: Option<NaiveDate>,
    offset_s: i64,
    preset: bool,
    tz: chrono_tz::Tz,
}

/// The layouts of the vendors' defaults, ready to read with: IIS's, and
/// ProxySG's.
fn known(which: &'static [layouts::Known]) -> Vec<(&'static str, Layout)> {
    which
        .iter()
        .map(|k| (k.name.as_str(), layout_of(&k.fields, 0)))
        .collect()
}

fn iis_layouts() -> &'static [(&'static str, Layout)] {
    static L: std::sync::OnceLock<Vec<(&'static str, Layout)>> = std::sync::OnceLock::new();
    L.get_or_init(|| known(layouts::iis()))
}

fn proxysg_layouts() -> &'static [(&'static str, Layout)] {
    static L: std::sync::OnceLock<Vec<(&'static str, Layout)>> = std::sync::OnceLock::new();
    L.get_or_init(|| known(layouts::proxysg()))
}

/// Whether the values `v` fit `l`: as many, each of its field's shape.
fn fits_shapes(l: &Layout, v: &[&str]) -> bool {
    l.names
        .iter()
        .zip(v)
        .all(|(n, x)| layouts::shape_fits(n, x))
}

/// The layout a `#Fields:` value (`spec`, from line `line`) declares:
/// tab-separated when it holds a tab (ISA/TMG), else space-separated.
fn layout_of(spec: &str, line: u64) -> Layout {
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
    Layout {
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
    }
}

impl W3cParser {
    fn set_fields(&mut self, spec: &str, line: u64) {
        if let Some(old) = self.layout.take()
            && !self.preset
        {
            self.earlier.retain(|e| e.names != old.names);
            self.earlier.push(old);
            if self.earlier.len() > EARLIER {
                self.earlier.remove(0);
            }
        }
        self.layout = Some(layout_of(spec, line));
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
/// else on runs of spaces, keeping `"quoted values"` whole (quotes removed;
/// a doubled quote inside is part of the value).
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
            // A quote inside a quoted value is doubled (`""`), as IIS
            // Advanced Logging writes it; the value keeps both.
            let start = i + 1;
            let mut end = start;
            while end < b.len() {
                if b[end] == b'"' {
                    if b.get(end + 1) == Some(&b'"') {
                        end += 2;
                        continue;
                    }
                    break;
                }
                end += 1;
            }
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
        self.read_as = None;
        if let Some(l) = &self.layout {
            let v = values(line, l.tabs);
            let fits = if self.preset {
                v.len() >= l.names.len() && fits_shapes(l, &v)
            } else {
                v.len() == l.names.len()
            };
            if fits {
                return self.read(l, &v);
            }
        }
        let found = self.other_layouts(line)?;
        let mut reads = Vec::with_capacity(found.len());
        for (layout, _) in &found {
            reads.push(self.read(layout, &values(line, layout.tabs)));
        }
        // Two layouts that read the line alike (they differ only in fields
        // the reader leaves out, or that are `-` here) are no guess.
        if reads.iter().any(|r| r != &reads[0]) {
            return Err(Cow::Owned(format!(
                "W3C line of {} fields that fits more than one layout, read differently by each ({}): refused rather than guessed",
                values(line, found[0].0.tabs).len(),
                found
                    .iter()
                    .map(|(_, name)| name.as_ref())
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        let read = reads.swap_remove(0)?;
        let mut names = found.into_iter().map(|(_, name)| name);
        let first = names.next().expect("a layout");
        let others: Vec<Cow<'static, str>> = names.collect();
        self.read_as = Some(if others.is_empty() {
            first
        } else {
            Cow::Owned(format!(
                "{first} (as {}, which read it alike)",
                others.join(", ")
            ))
        });
        Ok(read)
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

    fn reading(&self) -> Option<&str> {
        self.read_as.as_deref()
    }
}

impl W3cParser {
    /// The layouts other than the header in force that `line` fits, and
    /// their names: among the file's earlier headers and the IIS and
    /// ProxySG defaults (IIS's only under a `#Fields:` header or before any;
    /// ProxySG's only under a header or in a headerless ProxySG log).
    ///
    /// # Errors
    /// No layout fits the line.
    fn other_layouts(&self, line: &str) -> Result<Vec<(Layout, Cow<'static, str>)>, Reason> {
        let mut found: Vec<(Layout, Cow<'static, str>)> = Vec::new();
        let mut consider = |l: &Layout, name: Cow<'static, str>| {
            let v = values(line, l.tabs);
            if v.len() == l.names.len()
                && fits_shapes(l, &v)
                && !found.iter().any(|(f, _)| f.names == l.names)
            {
                found.push((l.clone(), name));
            }
        };
        if !self.preset {
            for e in self.earlier.iter().rev() {
                consider(
                    e,
                    Cow::Owned(format!(
                        "W3C layout of the earlier #Fields header at line {}",
                        e.line
                    )),
                );
            }
            for (name, l) in iis_layouts() {
                consider(l, Cow::Borrowed(name));
            }
        }
        if self.preset || self.layout.is_some() {
            for (name, l) in proxysg_layouts() {
                consider(l, Cow::Borrowed(name));
            }
        }
        let n = values(line, self.layout.as_ref().is_some_and(|l| l.tabs)).len();
        match found.len() {
            0 => Err(Cow::Owned(match (&self.layout, self.preset) {
                (_, true) => format!(
                    "ProxySG line of {n} fields that no ProxySG layout fits (main, or bcreportermain_v1 of 25, 35 or 42 fields, by field count and the shapes of the values)"
                ),
                (None, _) => format!(
                    "W3C line before any #Fields: header, and no default IIS layout fits its {n} fields: its layout is unknown"
                ),
                (Some(l), _) => format!(
                    "W3C line has {n} fields, the #Fields header in force at line {} has {}, and neither an earlier header of the file nor a default IIS or ProxySG layout fits it",
                    l.line,
                    l.names.len()
                ),
            })),
            _ => Ok(found),
        }
    }

    /// Reads the values `v` of a data line with layout `l`.
    fn read<'a>(&self, l: &Layout, v: &[&'a str]) -> Result<Parsed<'a>, Reason> {
        let v = v.to_vec();
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
        let (source, source_port) = val(&v, l.source).map_or(("", None), addr_port);
        let client = val(&v, l.client)
            .or((!source.is_empty()).then_some(source))
            .ok_or("no client address: c-ip (or source) is `-`, a request the server or proxy made itself (an ISA/TMG Active Cache Request, a health check), not a client's")?;
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
}

#[cfg(test)]
mod tests;
