//! Juniper SRX structured syslog (RFC 5424): `RT_FLOW` session records and
//! `RT_UTM` web-filter records.
//!
//! Sources: RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID [SD-ID
//! key="value" ...]`, values escaping `"`, `\` and `]` with `\`); Juniper
//! "System Log Explorer" for `RT_FLOW_SESSION_CLOSE` (`source-address`,
//! `destination-address`, `destination-port`, `bytes-from-client`,
//! `bytes-from-server`, `elapsed-time`, `username`) and
//! `WEBFILTER_URL_PERMITTED` / `WEBFILTER_URL_BLOCKED` (`url` is the host,
//! `obj` the path; `_LS` when sent by a log stream),
//! `CONTENT_FILTERING_BLOCKED_MT` (`action`, `reason`, `filename`) and the
//! antivirus `AV_*_MT` records (`filename` is the scanned object's URL as
//! `host/path`; for a download the file's sender, the web server, is the
//! `source-address`).
//!
//! - The timestamp carries its offset: converted to UTC.
//! - A session close is a connection (host = destination address); a
//!   session denied is a denied connection; a web-filter record is a web
//!   request to `url` + `obj`, denied when blocked. A content-filtering
//!   block is a denied web request to the destination address. An
//!   antivirus record whose `filename` is a URL is a web request to it
//!   (client: the destination when the source port is a web port, 80, 443,
//!   3128, 8080 or 8443, that is, a download; else the source), denied when
//!   the message or `action` says the file was dropped or blocked, or a
//!   virus was detected (the SRX drops infected content). Session creation
//!   (counted at its close), anti-spam and other messages are kept in
//!   quarantine as not events.
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
        "Juniper SRX structured syslog (RFC 5424): RT_FLOW sessions, RT_UTM web filtering, content filtering and antivirus (Juniper System Log Explorer)"
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
        let content = msgid.starts_with("CONTENT_FILTERING_BLOCKED");
        let av = msgid.starts_with("AV_");
        if !web && !flow && !content && !av {
            return Ok(Parsed::Skip(
                "Juniper SRX message that is not a session close or deny, a web-filter or content-filter decision, or an antivirus record",
            ));
        }
        let ts_ms =
            ts.ok_or("the timestamp is not RFC 3339 with an offset between 2000 and 2100")?;
        let p = pairs(sd.trim_start_matches('[').trim_end_matches(']'));
        let address = |key: &str| -> Result<&'a str, Reason> {
            match p.iter().find(|(k, _)| *k == key).map(|(_, v)| v) {
                Some(Cow::Borrowed(s)) if !s.is_empty() => Ok(s),
                _ => Err(Cow::Owned(format!("no {key}"))),
            }
        };
        let num = |k: &str| get(&p, k).and_then(|v| v.parse::<u64>().ok());
        let action = get(&p, "action").map(|a| a.to_ascii_lowercase());
        let blocked_action = action
            .as_deref()
            .is_some_and(|a| matches!(a, "drop" | "block" | "blocked" | "deny"));
        let mut client = address("source-address")?;
        let mut dst_port = num("destination-port");
        let (host, url, denied) = if web {
            let h = get(&p, "url")
                .cloned()
                .ok_or("web-filter record without url=")?;
            let path = get(&p, "obj").cloned().unwrap_or(Cow::Borrowed("/"));
            let url = Cow::Owned(format!("{h}{path}"));
            (h, url, msgid.contains("BLOCKED"))
        } else if av {
            let file = get(&p, "filename").cloned().unwrap_or_default();
            let host = file.split('/').next().unwrap_or("");
            if !file.contains('/')
                || host.is_empty()
                || !host.contains(['.', ':'])
                || host.contains(' ')
            {
                return Ok(Parsed::Skip(
                    "Juniper SRX antivirus record whose filename= is not a URL (host/path): not a web request",
                ));
            }
            let source_port = num("source-port");
            if source_port.is_some_and(|p| [80, 443, 3128, 8080, 8443].contains(&p)) {
                client = address("destination-address")?;
                dst_port = source_port;
            }
            let denied = ["DROP", "BLOCK", "DETECTED"]
                .iter()
                .any(|w| msgid.contains(w))
                || blocked_action;
            (Cow::Owned(host.to_string()), file, denied)
        } else if content {
            let dst = get(&p, "destination-address")
                .cloned()
                .ok_or("no destination-address")?;
            (dst, Cow::Borrowed(""), true)
        } else {
            let dst = get(&p, "destination-address")
                .cloned()
                .ok_or("no destination-address")?;
            (dst, Cow::Borrowed(""), msgid == "RT_FLOW_SESSION_DENY")
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
            dst_port: dst_port.and_then(|p| u16::try_from(p).ok()),
            action: Some(msgid),
            denied,
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
