//! The syslog envelope: any reader's lines as they arrive through syslog
//! (Squid's `access_log syslog:`, pfSense / OPNsense's `(squid-1)[pid]:`
//! tag, lines forwarded by rsyslog or syslog-ng), read in one place for
//! every reader.
//!
//! Sources: RFC 3164 ("The BSD syslog Protocol", 4.1: `<PRI>`, then
//! `Mmm dd hh:mm:ss` with the day space-padded, HOSTNAME, and a TAG such as
//! `prog[pid]:` before the CONTENT); RFC 5424 ("The Syslog Protocol", 6:
//! `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG`,
//! `-` for a nil value, `]`, `"` and `\` escaped with `\` inside SD
//! values); rsyslog's `RSYSLOG_FileFormat` template (an RFC 3339 time in
//! place of RFC 3164's; UniFi gateways repeat the host name); pfSense writes Squid's log with the tag
//! `(squid-1)[pid]:` and OPNsense with the RFC 5424 APP-NAME `(squid-1)`.
//!
//! - A line is first given to the reader as it is: readers that read their
//!   own syslog header (FortiGate, Sophos, PAN-OS, Cisco ASA, netfilter,
//!   pfSense `filterlog`, Juniper SRX) keep doing so, unchanged.
//! - Only a line the reader refuses, and that starts with a syslog header,
//!   is read again without its header. The header's host and tag are kept
//!   with the event ([`LineParser::reading`]), and which time the event
//!   has: the inner line's own when it has one (it is the proxy's own
//!   clock, closer to the request than the relay's), else the header's.
//! - An RFC 3164 time has no year and no zone: the year is the file's
//!   ([`FileContext::year`]), the zone the source time zone.
//! - A line the reader refuses even without its header is refused with the
//!   reader's reason and what the line was: a syslog message of that tag.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{FileContext, LineParser, LogFormat, Parsed, Reason};

/// Which syslog header a line starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// RFC 3164 (BSD): `Mmm dd hh:mm:ss host tag:`, or rsyslog's file
    /// format with an RFC 3339 time in its place.
    Rfc3164,
    /// RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD`.
    Rfc5424,
}

/// A syslog header read from the start of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    /// RFC 3164 or RFC 5424.
    pub kind: Kind,
    /// The sending host (empty when the header has none).
    pub host: &'a str,
    /// The tag (RFC 3164) or APP-NAME (RFC 5424), without its `[pid]`.
    pub tag: &'a str,
    /// The header's time, UTC milliseconds, when it is readable and
    /// between 2000 and 2100.
    pub ts_ms: Option<i64>,
}

/// `<PRI>` at the start of `s` (1 to 3 digits, at most 191): the rest.
fn strip_pri(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('<')?;
    let close = rest.find('>')?;
    let pri = &rest[..close];
    (!pri.is_empty()
        && pri.len() <= 3
        && pri.bytes().all(|b| b.is_ascii_digit())
        && pri.parse::<u16>().ok()? <= 191)
        .then(|| &rest[close + 1..])
}

/// The next space-separated token of `s` and the text after its space.
fn token(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start_matches(' ');
    if s.is_empty() {
        return None;
    }
    Some(match s.find(' ') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    })
}

/// An RFC 3339 time as UTC ms (a `Z` or an offset required).
fn rfc3339(t: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .and_then(|d| super::time::plausible(d.timestamp_millis()))
}

/// Reads the syslog header `line` starts with, if any: the header, and the
/// message after it. `year` and `tz` place an RFC 3164 time, which has
/// neither.
pub fn header(line: &str, year: i32, tz: chrono_tz::Tz) -> Option<(Header<'_>, &str)> {
    let after_pri = strip_pri(line);
    let s = after_pri.unwrap_or(line);
    // RFC 5424: VERSION 1 right after the PRI.
    if after_pri.is_some()
        && let Some(rest) = s.strip_prefix("1 ")
    {
        return rfc5424(rest);
    }
    rfc3164(s, year, tz)
}

fn rfc5424(rest: &str) -> Option<(Header<'_>, &str)> {
    let (ts, rest) = token(rest)?;
    let (host, rest) = token(rest)?;
    let (app, rest) = token(rest)?;
    let (_procid, rest) = token(rest)?;
    let (_msgid, rest) = token(rest)?;
    let ts_ms = if ts == "-" { None } else { Some(rfc3339(ts)?) };
    let msg = structured_data_end(rest)?;
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);
    Some((
        Header {
            kind: Kind::Rfc5424,
            host: nil(host),
            tag: nil(app),
            ts_ms,
        },
        msg,
    ))
}

/// `-` is RFC 5424's nil value: empty.
fn nil(s: &str) -> &str {
    if s == "-" { "" } else { s }
}

/// The message after RFC 5424 structured data (`-`, or `[id k="v" ...]`
/// elements, with `\]`, `\"` and `\\` escaped inside values).
fn structured_data_end(s: &str) -> Option<&str> {
    if let Some(rest) = s.strip_prefix('-') {
        return Some(rest.strip_prefix(' ').unwrap_or(rest));
    }
    let b = s.as_bytes();
    if b.first() != Some(&b'[') {
        return None;
    }
    let mut i = 0;
    while b.get(i) == Some(&b'[') {
        let mut quoted = false;
        i += 1;
        loop {
            match b.get(i)? {
                b'\\' if quoted => i += 1,
                b'"' => quoted = !quoted,
                b']' if !quoted => break,
                _ => {}
            }
            i += 1;
        }
        i += 1;
    }
    let rest = &s[i..];
    Some(rest.strip_prefix(' ').unwrap_or(rest))
}

fn rfc3164(s: &str, year: i32, tz: chrono_tz::Tz) -> Option<(Header<'_>, &str)> {
    // The time: `Mmm dd hh:mm:ss` (an optional year after it, as some
    // relays add), or an RFC 3339 time (rsyslog's file format).
    let (ts_ms, rest) = match token(s)? {
        (mon, rest) if mon.len() == 3 && super::time::month(mon).is_some() => {
            let (day, rest) = token(rest)?;
            let (clock, rest) = token(rest)?;
            let day: u32 = day.parse().ok()?;
            let time = NaiveTime::parse_from_str(clock, "%H:%M:%S%.f").ok()?;
            let (y, rest) = match token(rest) {
                Some((y, after)) if y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()) => {
                    (y.parse().ok()?, after)
                }
                _ => (year, rest),
            };
            let date = NaiveDate::from_ymd_opt(y, super::time::month(mon)?, day)?;
            (
                super::time::local_to_utc(NaiveDateTime::new(date, time), tz),
                rest,
            )
        }
        (t, rest) if t.len() >= 20 && t.as_bytes()[4] == b'-' && t.as_bytes()[10] == b'T' => {
            (Some(rfc3339(t)?), rest)
        }
        _ => return None,
    };
    // HOSTNAME then TAG, or the TAG alone (a local log without a host).
    let (first, after_first) = token(rest)?;
    let (host, tag, msg) = match tag_of(first) {
        Some(tag) => ("", tag, after_first),
        None => {
            let (mut second, mut after_second) = token(after_first)?;
            // UniFi gateways write the host twice.
            if second == first {
                (second, after_second) = token(after_second)?;
            }
            (first, tag_of(second)?, after_second)
        }
    };
    Some((
        Header {
            kind: Kind::Rfc3164,
            host,
            tag,
            ts_ms,
        },
        msg,
    ))
}

/// An RFC 3164 TAG token (`prog:`, `prog[pid]:`, pfSense's
/// `(squid-1)[pid]:`): the name without `[pid]` and the colon.
fn tag_of(t: &str) -> Option<&str> {
    let t = t.strip_suffix(':')?;
    let name = match t.strip_suffix(']') {
        Some(open) => {
            let (name, pid) = open.rsplit_once('[')?;
            if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            name
        }
        None => t,
    };
    (!name.is_empty()
        && name.len() <= 48
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'[' && b != b':'))
    .then_some(name)
}

/// A parser for one file of `format`, with the syslog envelope read around
/// it: what ingest and detection use for every reader.
pub fn begin(format: &dyn LogFormat, cx: &FileContext) -> Box<dyn LineParser> {
    Box::new(Enveloped {
        inner: format.begin(cx),
        year: cx.year,
        tz: cx.tz,
        reading: None,
    })
}

/// A reader's parser with the syslog envelope around it.
struct Enveloped {
    inner: Box<dyn LineParser>,
    year: i32,
    tz: chrono_tz::Tz,
    /// How the last event was read, when not plainly.
    reading: Option<String>,
}

impl Enveloped {
    /// The reading note of an enveloped event: the header's kind, host and
    /// tag, the time used, and the inner reader's own note.
    fn note(&self, h: &Header<'_>, time: &str) -> String {
        let kind = match h.kind {
            Kind::Rfc3164 => "RFC 3164",
            Kind::Rfc5424 => "RFC 5424",
        };
        let host = if h.host.is_empty() { "-" } else { h.host };
        let tag = if h.tag.is_empty() { "-" } else { h.tag };
        let mut s = format!("syslog {kind} host {host} tag {tag}; time from {time}");
        if let Some(inner) = self.inner.reading() {
            s.push_str("; ");
            s.push_str(inner);
        }
        s
    }
}

impl LineParser for Enveloped {
    fn parse<'a>(&mut self, line: &'a str, number: u64) -> Result<Parsed<'a>, Reason> {
        self.reading = None;
        let refused = match self.inner.parse(line, number) {
            Ok(p) => return Ok(p),
            Err(r) => r,
        };
        let Some((h, msg)) = header(line, self.year, self.tz) else {
            return Err(refused);
        };
        match self.inner.parse_enveloped(msg, number, h.ts_ms) {
            Ok((Parsed::Event(e), own_time)) => {
                let time = if own_time {
                    "the line"
                } else {
                    "the syslog header"
                };
                self.reading = Some(self.note(&h, time));
                Ok(Parsed::Event(e))
            }
            Ok((skip, _)) => Ok(skip),
            Err(r) => Err(Cow::Owned(format!(
                "a syslog message{} from {} that this reader does not read: {r}",
                if h.tag.is_empty() {
                    String::new()
                } else {
                    format!(" of `{}`", h.tag)
                },
                if h.host.is_empty() { "-" } else { h.host },
            ))),
        }
    }

    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(Enveloped {
            inner: self.inner.fork(),
            year: self.year,
            tz: self.tz,
            reading: None,
        })
    }

    fn has_directives(&self) -> bool {
        self.inner.has_directives()
    }

    fn observe(&mut self, line: &str, number: u64) {
        self.inner.observe(line, number);
    }

    fn leading_time(&self, line: &str) -> Option<i64> {
        self.inner.leading_time(line).or_else(|| {
            let (h, msg) = header(line, self.year, self.tz)?;
            self.inner.leading_time(msg).or(h.ts_ms)
        })
    }

    fn reading(&self) -> Option<&str> {
        self.reading.as_deref().or_else(|| self.inner.reading())
    }
}

#[cfg(test)]
mod tests;
