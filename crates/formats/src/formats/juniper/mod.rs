//! Juniper SRX structured syslog (RFC 5424): `RT_FLOW` session records and
//! `RT_UTM` web-filter records.
//!
//! Sources: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD-ID
//! key="value" ...]`, values escaping `"`, `\` and `]` with `\`); Juniper
//! "System Log Explorer" for `RT_FLOW_SESSION_CLOSE` (`source-address`,
//! `destination-address`, `destination-port`, `bytes-from-client`,
//! `bytes-from-server`, `elapsed-time`, `username`) and
//! `WEBFILTER_URL_PERMITTED` / `WEBFILTER_URL_BLOCKED` (`url` is the host,
//! `obj` the path).
//!
//! - The timestamp carries its offset: converted to UTC.
//! - A session close is a connection (host = destination address); a
//!   session denied is a denied connection; a web-filter record is a web
//!   request to `url` + `obj`. Session creation (counted at its close) and
//!   other messages are kept in quarantine as not events.
//! - `N/A` users are no user.

use std::borrow::Cow;

use super::kv::{get, pairs};
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Juniper SRX reader.
pub struct Juniper;

impl LogFormat for Juniper {
    fn name(&self) -> &'static str {
        "juniper-srx"
    }
    fn description(&self) -> &'static str {
        "Juniper SRX structured syslog (RFC 5424): RT_FLOW sessions and RT_UTM web filtering"
    }
    fn sample(&self) -> &'static str {
        r#"<14>1 2026-11-10T09:15:02.123Z srx01 RT_UTM - WEBFILTER_URL_PERMITTED [junos@2636.1.1.1.2.40 source-address="10.0.0.5" source-port="50123" destination-address="157.240.221.35" destination-port="443" category="Enhanced_Social_Web_Facebook" reason="BY_PRE_DEFINED" profile="wf" url="www.facebook.com" obj="/" username="N/A" roles="N/A"]"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(SrxParser)
    }
}

#[derive(Clone, Copy)]
struct SrxParser;

/// The RFC 5424 header: (timestamp in UTC ms, MSGID, structured data).
fn header(line: &str) -> Option<(Option<i64>, &str, &str)> {
    let rest = line.strip_prefix('<')?;
    let rest = &rest[rest.find('>')? + 1..];
    let mut parts = rest.splitn(7, ' ');
    if parts.next()? != "1" {
        return None;
    }
    let ts = parts.next()?;
    let (_host, _app, _proc) = (parts.next()?, parts.next()?, parts.next()?);
    let msgid = parts.next()?;
    let sd = parts.next().unwrap_or("");
    let ms = chrono::DateTime::parse_from_rfc3339(ts)
        .ok()
        .and_then(|t| super::time::plausible(t.timestamp_millis()));
    Some((ms, msgid, sd))
}

impl LineParser for SrxParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let (ts, msgid, sd) = header(line)
            .ok_or("not an RFC 5424 line (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [...]`)")?;
        if !sd.starts_with("[junos@") {
            return Err("structured data is not `[junos@...]`: not a Juniper SRX line".into());
        }
        let web = msgid.starts_with("WEBFILTER_URL_");
        let flow = matches!(msgid, "RT_FLOW_SESSION_CLOSE" | "RT_FLOW_SESSION_DENY");
        if !web && !flow {
            return Ok(Parsed::Skip(
                "Juniper SRX message that is not a session close or deny, or a web-filter decision",
            ));
        }
        let ts_ms =
            ts.ok_or("the timestamp is not RFC 3339 with an offset between 2000 and 2100")?;
        let p = pairs(sd.trim_start_matches('[').trim_end_matches(']'));
        let client: &'a str = match p
            .iter()
            .find(|(k, _)| *k == "source-address")
            .map(|(_, v)| v)
        {
            Some(Cow::Borrowed(s)) if !s.is_empty() => s,
            _ => return Err("no source-address".into()),
        };
        let num = |k: &str| get(&p, k).and_then(|v| v.parse::<u64>().ok());
        let dst = get(&p, "destination-address")
            .cloned()
            .ok_or("no destination-address")?;
        let (host, url) = if web {
            let h = get(&p, "url")
                .cloned()
                .ok_or("web-filter record without url=")?;
            let path = get(&p, "obj").cloned().unwrap_or(Cow::Borrowed("/"));
            let url = Cow::Owned(format!("{h}{path}"));
            (h, url)
        } else {
            (dst, Cow::Borrowed(""))
        };
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: num("elapsed-time")
                .map(|s| s.saturating_mul(1000).min(u64::from(u32::MAX)) as u32),
            client_ip: client,
            user: get(&p, "username").filter(|u| u.as_ref() != "N/A").cloned(),
            method: "",
            status: 0,
            bytes: num("bytes-from-server").unwrap_or(0),
            bytes_out: num("bytes-from-client"),
            url,
            host: Some(host),
            dst_port: num("destination-port").and_then(|p| u16::try_from(p).ok()),
            action: Some(msgid),
            denied: msgid == "RT_FLOW_SESSION_DENY" || msgid == "WEBFILTER_URL_BLOCKED",
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        header(line)?.0
    }
}

#[cfg(test)]
mod tests;
