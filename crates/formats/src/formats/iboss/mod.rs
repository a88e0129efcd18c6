//! iboss cloud web gateway logs as iboss forwards them to a SIEM: a
//! syslog header (`<46>May  6 06:14:53 host.ibosscloud.com `) then one JSON
//! object per line.
//!
//! Source: iboss publishes its log fields in its customer portal only; the
//! names here are those iboss cloud writes and Datadog's iboss integration
//! reads (DataDog/integrations-core `iboss/assets/logs/iboss.yaml`):
//! `logType` (`WEB_LOG`, `DLP`, `AUDIT`, ...), `logTime`, `time`,
//! `sourceIpAddress`, `username`, `url`, `host`, `requestMethod`,
//! `responseCode`, `action`, `downstreamByteUsage`, `upstreamByteUsage`,
//! `destinationPort`.
//!
//! - Web records: `WEB_LOG` and `DLP` (an upload or download stopped or
//!   passed by the data-loss rules); `AUDIT` and other types are lines of
//!   this source that are not requests.
//! - Time: `logTime` (`YYYY-MM-DD`) and `time` (`HH:MM:SS`), UTC: the
//!   sample's `proxyTransactionStartTime` (Unix seconds) agrees to the
//!   second. The syslog header's time is not used.
//! - Client: `sourceIpAddress`. User: `username`.
//! - Host: `host`, else the host of `url`.
//! - Bytes: `downstreamByteUsage` to the client, `upstreamByteUsage` sent.
//! - Denial: `action` `Blocked` or `Soft-blocked` (a warning page the
//!   user may pass; the request itself was stopped). `Allowed` is not.

use std::borrow::Cow;

use super::json::Object;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The iboss reader.
pub struct Iboss;

impl LogFormat for Iboss {
    fn name(&self) -> &'static str {
        "iboss"
    }
    fn description(&self) -> &'static str {
        "iboss cloud web gateway logs: syslog header then JSON (WEB_LOG, DLP), UTC times (iboss SIEM log forwarding, field names as Datadog's iboss integration reads them)"
    }
    fn sample(&self) -> &'static str {
        r#"<46>Nov 10 09:15:02 council.ibosscloud.com {"logType":"WEB_LOG","logTime":"2026-11-10","time":"09:15:02","sourceIpAddress":"10.0.0.5","username":"jsmith","url":"https://www.facebook.com/","host":"www.facebook.com","requestMethod":"GET","responseCode":"200","action":"Allowed","downstreamByteUsage":"5120","upstreamByteUsage":"420","destinationPort":"443"}"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(IbossParser)
    }
}

#[derive(Clone, Copy)]
struct IbossParser;

/// The JSON object after the syslog header.
fn object(line: &str) -> Result<Object<'_>, Reason> {
    let at = line
        .find('{')
        .ok_or("not an iboss record: no JSON object on the line")?;
    Object::parse(&line[at..])
}

fn time(o: &Object<'_>) -> Result<i64, Reason> {
    let (d, t) = (
        o.some("logTime").ok_or("iboss record has no logTime")?,
        o.some("time").ok_or("iboss record has no time")?,
    );
    let naive = super::time::date_time(&d, &t).ok_or_else(|| {
        Cow::Owned(format!(
            "logTime `{d}` time `{t}` is not YYYY-MM-DD HH:MM:SS"
        ))
    })?;
    super::time::plausible(naive.and_utc().timestamp_millis())
        .ok_or(Cow::Borrowed("the time is not between 2000 and 2100"))
}

impl LineParser for IbossParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let o = object(line)?;
        let kind = o.some("logType").ok_or("not an iboss record: no logType")?;
        let ts_ms = time(&o)?;
        if kind != "WEB_LOG" && kind != "DLP" {
            return Ok(Parsed::Skip(
                "an iboss record that is not a web request (AUDIT or another log type)",
            ));
        }
        let client = o
            .str("sourceIpAddress")
            .ok_or("iboss record has no sourceIpAddress")?;
        let url = o.some("url").unwrap_or(Cow::Borrowed(""));
        let action = o.str("action");
        let method = o.str("requestMethod").map_or("", super::method_name);
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: o.some("username"),
            method,
            status: o
                .num("responseCode")
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            bytes: o.num("downstreamByteUsage").unwrap_or(0),
            bytes_out: o.num("upstreamByteUsage"),
            url,
            host: o.some("host"),
            dst_port: o.num("destinationPort").and_then(|p| u16::try_from(p).ok()),
            action,
            denied: action.is_some_and(|a| {
                a.eq_ignore_ascii_case("blocked") || a.eq_ignore_ascii_case("soft-blocked")
            }),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        time(&object(line).ok()?).ok()
    }
}

#[cfg(test)]
mod tests;
