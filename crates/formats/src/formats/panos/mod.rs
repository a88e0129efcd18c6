//! Palo Alto Networks PAN-OS syslog CSV: TRAFFIC (connections) and THREAT
//! with subtype `url` (URL filtering).
//!
//! Source: PAN-OS Administrator's Guide, "Syslog Field Descriptions"
//! (TRAFFIC and THREAT log formats). Columns used, from 0: 3 type, 4
//! subtype, 6 generated time (`YYYY/MM/DD HH:MM:SS`, firewall-local, no
//! zone: read in `--source-time-zone`), 7 source address, 8 destination
//! address, 12 source user (`domain\user`), 24 source port, 25 destination
//! port, 30 action; TRAFFIC 32 bytes sent, 33 bytes received; THREAT 31 URL,
//! 33 URL category. Later PAN-OS versions add columns at the end, so a line
//! may have more columns than these, never fewer. Fields may be quoted (`""`
//! is a quote inside a field). A syslog header before the CSV is skipped.

use std::borrow::Cow;

use chrono::NaiveDateTime;

use super::csv::csv_fields;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The PAN-OS reader.
pub struct PanOs;

/// Columns a TRAFFIC line needs (through bytes received).
pub const TRAFFIC_MIN: usize = 34;
/// Columns a THREAT line needs (through the URL category).
pub const THREAT_MIN: usize = 34;

impl LogFormat for PanOs {
    fn name(&self) -> &'static str {
        "panos"
    }
    fn description(&self) -> &'static str {
        "Palo Alto Networks PAN-OS syslog CSV: TRAFFIC and THREAT/url (PAN-OS Syslog Field Descriptions)"
    }
    fn sample(&self) -> &'static str {
        r#"Nov 10 09:15:02 fw01 1,2026/11/10 09:15:02,0123456789,THREAT,url,1,2026/11/10 09:15:02,10.0.0.5,157.240.221.35,0.0.0.0,0.0.0.0,allow-web,corp\jsmith,,facebook-base,vsys1,trust,untrust,ethernet1/2,ethernet1/1,fwd,,1234,1,50123,443,0,0,0x8000,tcp,alert,"www.facebook.com/",(9999),social-networking,informational,client-to-server"#
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(PanParser { tz: cx.tz })
    }
}

#[derive(Clone, Copy)]
struct PanParser {
    tz: chrono_tz::Tz,
}

fn borrowed<'a>(f: &[Cow<'a, str>], i: usize) -> Option<&'a str> {
    match f.get(i) {
        Some(Cow::Borrowed(s)) if !s.is_empty() => Some(*s),
        _ => None,
    }
}

/// The CSV part of a line: from the start of the space-separated token
/// holding the first comma.
fn csv_part(line: &str) -> &str {
    match line.find(',') {
        Some(c) => &line[line[..c].rfind(' ').map_or(0, |s| s + 1)..],
        None => line,
    }
}

impl LineParser for PanParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let f = csv_fields(csv_part(line));
        if f.len() < 8 {
            return Err("fewer than 8 CSV columns: not a PAN-OS log line".into());
        }
        let kind = f[3].as_ref();
        let need = match kind {
            "TRAFFIC" => TRAFFIC_MIN,
            "THREAT" => THREAT_MIN,
            "SYSTEM" | "CONFIG" | "HIPMATCH" | "GLOBALPROTECT" | "USERID" | "AUTH"
            | "DECRYPTION" | "TUNNEL" | "SCTP" | "IPTAG" | "CORRELATION" => {
                return Ok(Parsed::Skip(
                    "PAN-OS record that is not TRAFFIC or THREAT/url: not a web request or connection",
                ));
            }
            other => {
                return Err(Cow::Owned(format!(
                    "log type `{other}` (column 4) is not a PAN-OS log type"
                )));
            }
        };
        if f.len() < need {
            return Err(Cow::Owned(format!(
                "PAN-OS {kind} line has {} columns, needs at least {need}",
                f.len()
            )));
        }
        if kind == "THREAT" && f[4] != "url" {
            return Ok(Parsed::Skip(
                "PAN-OS THREAT record that is not URL filtering (only THREAT/url is a web request)",
            ));
        }
        let naive = NaiveDateTime::parse_from_str(&f[6], "%Y/%m/%d %H:%M:%S").map_err(|_| {
            Cow::Owned(format!(
                "generated time `{}` is not YYYY/MM/DD HH:MM:SS",
                f[6]
            ))
        })?;
        let ts_ms = super::time::local_to_utc(naive, self.tz).ok_or(
            "the time does not exist in the source time zone or is not between 2000 and 2100",
        )?;
        let client = borrowed(&f, 7).ok_or("no source address (column 8)")?;
        let dst = f[8].clone();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<u64>().ok());
        let action = borrowed(&f, 30);
        let user = Some(f[12].clone()).filter(|u| !u.is_empty());
        let (url, host, bytes, bytes_out) = if kind == "THREAT" {
            let url = f[31].clone();
            let host = url_host(&url).map_or_else(|| dst.clone(), |h| Cow::Owned(h.to_string()));
            (url, host, 0, None)
        } else {
            (Cow::Borrowed(""), dst, num(33).unwrap_or(0), num(32))
        };
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user,
            method: "",
            status: 0,
            bytes,
            bytes_out,
            url,
            host: Some(host),
            dst_port: num(25).and_then(|p| u16::try_from(p).ok()),
            action,
            denied: action.is_some_and(|a| {
                a == "deny" || a == "drop" || a.starts_with("reset") || a.starts_with("block")
            }),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let f = csv_fields(csv_part(line));
        let naive = NaiveDateTime::parse_from_str(f.get(6)?, "%Y/%m/%d %H:%M:%S").ok()?;
        super::time::local_to_utc(naive, self.tz)
    }
}

#[cfg(test)]
mod tests;
