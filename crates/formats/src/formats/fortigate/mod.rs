//! Fortinet FortiGate (FortiOS) `key=value` logs: traffic, webfilter and
//! application-control.
//!
//! Source: Fortinet "FortiOS Log Message Reference" (log fields `date`,
//! `time`, `tz`, `eventtime`, `srcip`, `dstip`, `dstport`, `user`,
//! `hostname`, `url` (the path only), `sentbyte`, `rcvdbyte`, `action`).
//!
//! - The time is `date` + `time`, local to the firewall: in the offset of
//!   `tz="+0200"` when the line has it, else in the source time zone
//!   (`--source-time-zone`). `eventtime` (s, ms, µs or ns) is not used.
//! - The URL is the scheme (from `service`), `hostname` and the `url` path;
//!   a record without `hostname` is a connection: its host is `dstip`.
//! - Denied when `action` is `deny`, `blocked`, `block`, `dropped` or `reject`.

use std::borrow::Cow;

use super::kv::{get, pairs};
use super::time::date_time;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The FortiGate reader.
pub struct FortiGate;

impl LogFormat for FortiGate {
    fn name(&self) -> &'static str {
        "fortigate"
    }
    fn description(&self) -> &'static str {
        "Fortinet FortiGate / FortiOS key=value logs: traffic, webfilter, app-ctrl (FortiOS Log Message Reference)"
    }
    fn sample(&self) -> &'static str {
        r#"date=2026-11-10 time=09:15:02 logid="0317013312" type="utm" subtype="webfilter" tz="+0000" user="jsmith" srcip=10.0.0.5 dstip=157.240.221.35 dstport=443 service="HTTPS" hostname="www.facebook.com" action="passthrough" url="/" sentbyte=3545 rcvdbyte=6812"#
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(FortiParser { tz: cx.tz })
    }
}

#[derive(Clone, Copy)]
struct FortiParser {
    tz: chrono_tz::Tz,
}

impl LineParser for FortiParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let p = pairs(line);
        if !p
            .iter()
            .any(|(k, _)| ["logid", "devid", "devname", "logver"].contains(k))
        {
            return Err("no logid=, devid= or devname=: not a FortiGate log line".into());
        }
        let date = get(&p, "date").ok_or("FortiGate line has no date=")?;
        let time = get(&p, "time").ok_or("FortiGate line has no time=")?;
        let naive = date_time(date, time).ok_or_else(|| {
            Cow::Owned(format!(
                "date={date} time={time} is not YYYY-MM-DD HH:MM:SS"
            ))
        })?;
        let ts_ms = match get(&p, "tz") {
            Some(z) => {
                let off = super::time::offset_seconds(z).ok_or_else(|| {
                    Cow::Owned(format!("tz=\"{z}\" is not an offset such as +0200"))
                })?;
                super::time::plausible(naive.and_utc().timestamp_millis() - i64::from(off) * 1000)
            }
            None => super::time::local_to_utc(naive, self.tz),
        }
        .ok_or("the time does not exist in the source time zone or is not between 2000 and 2100")?;
        let src = p
            .iter()
            .find(|(k, _)| *k == "srcip")
            .map(|(_, v)| v)
            .ok_or("FortiGate line has no srcip=")?;
        let client: &'a str = match src {
            Cow::Borrowed(s) => s,
            Cow::Owned(_) => return Err("srcip= is escaped: not an address".into()),
        };
        let num = |k: &str| get(&p, k).and_then(|v| v.parse::<u64>().ok());
        let dst = get(&p, "dstip").cloned();
        let hostname = get(&p, "hostname").cloned();
        let path = get(&p, "url").cloned();
        let scheme = match get(&p, "service").map(|s| s.to_ascii_uppercase()) {
            Some(s) if s == "HTTPS" || s == "SSL" => "https",
            _ => "http",
        };
        let (host, url) = match (&hostname, &path) {
            (Some(h), Some(u)) if u.starts_with('/') => {
                (h.clone(), Cow::Owned(format!("{scheme}://{h}{u}")))
            }
            (Some(h), Some(u)) => (h.clone(), u.clone()),
            (Some(h), None) => (h.clone(), Cow::Owned(format!("{scheme}://{h}/"))),
            (None, _) => (
                dst.clone()
                    .ok_or("FortiGate line has neither hostname= nor dstip=")?,
                Cow::Borrowed(""),
            ),
        };
        let action: Option<&'a str> =
            p.iter()
                .find(|(k, _)| *k == "action")
                .and_then(|(_, v)| match v {
                    Cow::Borrowed(s) if !s.is_empty() => Some(*s),
                    _ => None,
                });
        let user = get(&p, "user").or(get(&p, "unauthuser")).cloned();
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user,
            method: "",
            status: 0,
            bytes: num("rcvdbyte").unwrap_or(0),
            bytes_out: num("sentbyte"),
            url,
            host: Some(host),
            dst_port: num("dstport").and_then(|p| u16::try_from(p).ok()),
            action,
            denied: action
                .is_some_and(|a| ["deny", "blocked", "block", "dropped", "reject"].contains(&a)),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let p = pairs(line);
        let naive = date_time(get(&p, "date")?, get(&p, "time")?)?;
        super::time::local_to_utc(naive, self.tz)
    }
}

#[cfg(test)]
mod tests;
