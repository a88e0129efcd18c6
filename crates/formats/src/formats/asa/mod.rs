//! Cisco ASA connection messages: `%ASA-6-302013` / `302015` (built, TCP /
//! UDP) and `302014` / `302016` (teardown, with duration and bytes).
//!
//! Source: Cisco "ASA Series Syslog Messages" (302013–302016): `Built
//! {inbound|outbound} {TCP|UDP} connection ID for IFACE:ADDR/PORT
//! (MAPPED/PORT) [(user)] to IFACE:ADDR/PORT (MAPPED/PORT) [(user)]` and
//! `Teardown {TCP|UDP} connection ID for IFACE:ADDR/PORT to IFACE:ADDR/PORT
//! duration H:MM:SS bytes N [reason]`.
//!
//! - The client is the `to` side of an outbound connection and of a
//!   teardown, the `for` side of an inbound one; the host is the other side's
//!   address (a connection record: naming it is attribution's job).
//! - The syslog header gives the time: `Oct 10 2018 12:34:56` or, without a
//!   year, `Aug  1 14:01:20` (the year is the file's); local in the source
//!   time zone unless followed by `UTC` or `GMT`.
//! - Other ASA messages (NAT translations, ...) are quarantined as such.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Cisco ASA reader.
pub struct Asa;

impl LogFormat for Asa {
    fn name(&self) -> &'static str {
        "cisco-asa"
    }
    fn description(&self) -> &'static str {
        "Cisco ASA syslog connection messages 302013-302016 (ASA Series Syslog Messages)"
    }
    fn sample(&self) -> &'static str {
        "Nov 10 2026 09:15:02 fw01 : %ASA-6-302014: Teardown TCP connection 11749 for outside:157.240.221.35/443 to inside:10.0.0.5/50123 duration 0:01:07 bytes 38110 TCP FINs"
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(AsaParser {
            tz: cx.tz,
            year: cx.year,
        })
    }
}

#[derive(Clone, Copy)]
struct AsaParser {
    tz: chrono_tz::Tz,
    year: i32,
}

/// `IFACE:ADDR/PORT` as (address, port).
fn endpoint(s: &str) -> Option<(&str, u16)> {
    let (_, ap) = s.split_once(':')?;
    let (a, p) = ap.rsplit_once('/')?;
    Some((a, p.parse().ok()?))
}

impl AsaParser {
    /// The syslog header's time: `Mon dd [yyyy] HH:MM:SS [UTC]`.
    fn header_time(&self, line: &str) -> Option<i64> {
        let s = match line.strip_prefix('<') {
            Some(r) => &r[r.find('>')? + 1..],
            None => line,
        };
        let mut t = s.split_whitespace();
        let mon = super::time::month(t.next()?)?;
        let day: u32 = t.next()?.parse().ok()?;
        let mut next = t.next()?;
        let year = if next.len() == 4 && next.bytes().all(|b| b.is_ascii_digit()) {
            let y = next.parse().ok()?;
            next = t.next()?;
            y
        } else {
            self.year
        };
        let time = NaiveTime::parse_from_str(next, "%H:%M:%S").ok()?;
        let naive = NaiveDateTime::new(NaiveDate::from_ymd_opt(year, mon, day)?, time);
        match t.next() {
            Some("UTC" | "GMT" | "UTC:" | "GMT:") => {
                super::time::plausible(naive.and_utc().timestamp_millis())
            }
            _ => super::time::local_to_utc(naive, self.tz),
        }
    }
}

impl LineParser for AsaParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let at = line
            .find("%ASA-")
            .ok_or("no %ASA- message: not a Cisco ASA line")?;
        let rest = &line[at + 5..];
        let (tag, msg) = rest
            .split_once(": ")
            .ok_or("%ASA- tag without its message")?;
        let id = tag.rsplit('-').next().unwrap_or("");
        if !["302013", "302014", "302015", "302016"].contains(&id) {
            return Ok(Parsed::Skip(
                "ASA message that is not a connection built or torn down (302013-302016)",
            ));
        }
        let ts_ms = self
            .header_time(&line[..at])
            .ok_or("the syslog header has no `Mon dd [yyyy] HH:MM:SS` time")?;
        let words: Vec<&str> = msg.split_whitespace().collect();
        let pos = |w: &str| words.iter().position(|x| *x == w);
        let (f, t) = (
            pos("for").ok_or("no `for` endpoint")?,
            pos("to").ok_or("no `to` endpoint")?,
        );
        let first = words
            .get(f + 1)
            .and_then(|w| endpoint(w))
            .ok_or("the `for` endpoint is not IFACE:ADDR/PORT")?;
        let second = words
            .get(t + 1)
            .and_then(|w| endpoint(w))
            .ok_or("the `to` endpoint is not IFACE:ADDR/PORT")?;
        let inbound = words.get(1) == Some(&"inbound");
        let ((client, _), (dest, dport)) = if inbound {
            (first, second)
        } else {
            (second, first)
        };
        // An identity-firewall user in parentheses: `(LOCAL\user, 321)` or `(user)`.
        let user = msg
            .split('(')
            .skip(1)
            .filter_map(|p| p.split(')').next())
            .map(|u| u.split(',').next().unwrap_or(u).trim())
            .find(|u| !u.is_empty() && !u.contains('/') && !u.contains(' '))
            .map(Cow::Borrowed);
        let duration = pos("duration")
            .and_then(|i| words.get(i + 1))
            .and_then(|d| {
                let mut p = d.split(':').map(|x| x.parse::<u32>().ok());
                Some(
                    p.next()??.saturating_mul(3600)
                        + p.next()??.saturating_mul(60)
                        + p.next()??,
                )
            });
        let bytes = pos("bytes")
            .and_then(|i| words.get(i + 1))
            .and_then(|b| b.parse::<u64>().ok());
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: duration.map(|s| s.saturating_mul(1000)),
            client_ip: client,
            user,
            method: "",
            status: 0,
            bytes: bytes.unwrap_or(0),
            bytes_out: None,
            url: Cow::Borrowed(""),
            host: Some(Cow::Borrowed(dest)),
            dst_port: Some(dport),
            action: Some(if id == "302013" || id == "302015" {
                "built"
            } else {
                "teardown"
            }),
            denied: false,
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        self.header_time(line)
    }
}

#[cfg(test)]
mod tests;
