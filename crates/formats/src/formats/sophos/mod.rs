//! Sophos firewall `key=value` logs: XG / SFOS before 18.5, SFOS 18.5 and
//! later, and Sophos UTM (web proxy `httpproxy`).
//!
//! Sources: Sophos "SFOS log file guide" (pre-18.5: `date=` `time=`
//! `timezone="IST"`; 18.5+: `timestamp="2021-11-15T18:28:48-0600"`,
//! `src_ip`, `dst_ip`, `user_name`, `url`, `domain`, `sent_bytes`,
//! `recv_bytes`, `log_subtype` Allowed/Denied); Sophos UTM web-filter log
//! (`YYYY:MM:DD-HH:MM:SS host httpproxy[pid]: ... srcip= dstip= user= url=
//! statuscode= size= action=pass|block`).
//!
//! - SFOS 18.5+ times carry their offset. Pre-18.5 times are local with a
//!   zone abbreviation: `GMT`/`UTC` are UTC, `BST` is +01:00, `IST` is
//!   India (+05:30, Sophos' convention), `CET`/`CEST` +01:00/+02:00; any
//!   other abbreviation, and UTM times, are read in the source time zone.
//! - Values may be unquoted with spaces (pre-18.5); see [`super::kv`].
//! - A line with no date at all is quarantined with that reason, unless it
//!   came inside a syslog message: then it takes the header's time
//!   ([`super::envelope`]).
//! - A `domain=` holding a space (an unquoted value run into the next
//!   words) is no host name: the host is then the `url=`'s.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime};

use super::kv::{get, pairs};
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The Sophos reader.
pub struct Sophos;

impl LogFormat for Sophos {
    fn name(&self) -> &'static str {
        "sophos"
    }
    fn description(&self) -> &'static str {
        "Sophos XG/SFOS (before and from 18.5) and UTM key=value logs (SFOS log file guide, UTM web filter log)"
    }
    fn sample(&self) -> &'static str {
        r#"device_name="SFW" timestamp="2026-11-10T09:15:02+0000" log_type="Content Filtering" log_subtype="Allowed" user_name="jsmith" src_ip=10.0.0.5 dst_ip=157.240.221.35 dst_port=443 url="https://www.facebook.com/" domain=www.facebook.com sent_bytes=420 recv_bytes=5120"#
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(SophosParser { tz: cx.tz })
    }
}

#[derive(Clone, Copy)]
struct SophosParser {
    tz: chrono_tz::Tz,
}

/// Seconds east of UTC of the zone abbreviations SFOS writes, where known.
fn abbreviation(z: &str) -> Option<i64> {
    Some(match z.to_ascii_uppercase().as_str() {
        "GMT" | "UTC" => 0,
        "BST" | "CET" => 3600,
        "CEST" => 7200,
        "IST" => 19_800,
        _ => return None,
    })
}

impl SophosParser {
    fn time(&self, line: &str, p: &[(&str, Cow<'_, str>)]) -> Result<i64, Reason> {
        if let Some(t) = get(p, "timestamp") {
            return DateTime::parse_from_str(t, "%Y-%m-%dT%H:%M:%S%z")
                .ok()
                .and_then(|d| super::time::plausible(d.timestamp_millis()))
                .ok_or_else(|| {
                    Cow::Owned(format!("timestamp=\"{t}\" is not YYYY-MM-DDTHH:MM:SS±hhmm"))
                });
        }
        if let (Some(d), Some(t)) = (get(p, "date"), get(p, "time")) {
            let naive = super::time::date_time(d, t).ok_or_else(|| {
                Cow::Owned(format!("date={d} time={t} is not YYYY-MM-DD HH:MM:SS"))
            })?;
            let off = get(p, "timezone").and_then(|z| abbreviation(z));
            return match off {
                Some(o) => super::time::plausible(naive.and_utc().timestamp_millis() - o * 1000),
                None => super::time::local_to_utc(naive, self.tz),
            }
            .ok_or_else(|| "the time is not between 2000 and 2100".into());
        }
        // UTM: `2023:03:08-15:00:00 host httpproxy[6267]: ...`, local time.
        if let Some(first) = line.split(' ').next()
            && let Ok(naive) = NaiveDateTime::parse_from_str(first, "%Y:%m:%d-%H:%M:%S")
        {
            return super::time::local_to_utc(naive, self.tz)
                .ok_or_else(|| "the time does not exist in the source time zone".into());
        }
        Err("Sophos line with no date: neither timestamp=, date= time=, nor a UTM YYYY:MM:DD-HH:MM:SS start".into())
    }
}

impl LineParser for SophosParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        self.read(line, None).map(|(p, _)| p)
    }

    fn parse_enveloped<'a>(
        &mut self,
        line: &'a str,
        _number: u64,
        header_ms: Option<i64>,
    ) -> Result<(Parsed<'a>, bool), Reason> {
        self.read(line, header_ms)
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        self.time(line, &pairs(line)).ok()
    }
}

impl SophosParser {
    /// Reads a line; `header_ms` is the time of the syslog header it came
    /// in, taken when the line has none. The event, and whether its time
    /// is the line's own.
    fn read<'a>(
        &self,
        line: &'a str,
        header_ms: Option<i64>,
    ) -> Result<(Parsed<'a>, bool), Reason> {
        let p = pairs(line);
        if p.len() < 3 {
            return Err("fewer than 3 key=value pairs: not a Sophos log line".into());
        }
        if !p
            .iter()
            .any(|(k, _)| ["device_name", "device", "log_id", "log_type", "sys"].contains(k))
        {
            return Err(
                "no device_name=, log_id=, log_type= or sys=: not a Sophos log line".into(),
            );
        }
        let (ts_ms, own_time) = match (self.time(line, &p), header_ms) {
            (Ok(t), _) => (t, true),
            (Err(_), Some(h))
                if !p
                    .iter()
                    .any(|(k, _)| ["timestamp", "date", "time"].contains(k)) =>
            {
                (h, false)
            }
            (Err(r), _) => return Err(r),
        };
        let borrowed = |keys: &[&str]| -> Option<&'a str> {
            keys.iter().find_map(|k| {
                p.iter()
                    .find(|(key, _)| key == k)
                    .and_then(|(_, v)| match v {
                        Cow::Borrowed(s) if !s.is_empty() => Some(*s),
                        _ => None,
                    })
            })
        };
        let what = || {
            let kind = [
                "log_type",
                "log_component",
                "log_subtype",
                "name",
                "function",
            ]
            .iter()
            .filter_map(|k| get(&p, k).map(|v| format!("{k}=\"{v}\"")))
            .collect::<Vec<_>>();
            if kind.is_empty() {
                String::from("a Sophos record")
            } else {
                format!("a Sophos record {}", kind.join(" "))
            }
        };
        let client = borrowed(&["src_ip", "srcip"]).ok_or_else(|| {
            Cow::Owned(format!(
                "{} with no src_ip= or srcip=: not a client's web request",
                what()
            ))
        })?;
        let num = |keys: &[&str]| {
            keys.iter()
                .find_map(|k| get(&p, k).and_then(|v| v.parse::<u64>().ok()))
        };
        let url = get(&p, "url").cloned().unwrap_or(Cow::Borrowed(""));
        let host: Cow<'a, str> = match get(&p, "domain").filter(|d| !d.contains(' ')) {
            Some(d) => d.clone(),
            None => match url_host(&url) {
                Some(h) if url.contains("://") => Cow::Owned(h.to_string()),
                _ => get(&p, "dst_ip")
                    .or(get(&p, "dstip"))
                    .cloned()
                    .ok_or_else(|| {
                        Cow::Owned(format!(
                            "{} with no url=, domain= or dst_ip=: no site to attribute",
                            what()
                        ))
                    })?,
            },
        };
        let action = borrowed(&["log_subtype", "action"]);
        let user = get(&p, "user_name").or(get(&p, "user")).cloned();
        Ok((
            Parsed::Event(RawEvent {
                ts_ms,
                elapsed_ms: None,
                client_ip: client,
                user,
                method: borrowed(&["method"]).unwrap_or(""),
                status: num(&["httpresponsecode", "statuscode"])
                    .and_then(|s| u16::try_from(s).ok())
                    .unwrap_or(0),
                bytes: num(&["recv_bytes", "size"]).unwrap_or(0),
                bytes_out: num(&["sent_bytes"]),
                url,
                host: Some(host),
                dst_port: num(&["dst_port", "dstport"]).and_then(|p| u16::try_from(p).ok()),
                action,
                denied: action.is_some_and(|a| {
                    let a = a.to_ascii_lowercase();
                    a == "denied" || a == "block" || a == "blocked" || a == "deny"
                }),
            }),
            own_time,
        ))
    }
}

#[cfg(test)]
mod tests;
