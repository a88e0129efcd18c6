//! Netskope events as Netskope's REST API v2 and Log Streaming deliver
//! them: one JSON object per line, its kind in `record_type`.
//!
//! Source: Netskope documentation, "Netskope REST API v2: Events" / "Log
//! Streaming: event fields" (`timestamp`, `record_type`, `user`, `srcip`,
//! `userip`, `url`, `domain`, `dsthost`, `dstip`, `dstport`, `action`,
//! `client_bytes`, `server_bytes`).
//!
//! - Web records: `page` (a web page request), `application` (an
//!   activity in a cloud or web app) and `network` (a connection through
//!   the Netskope cloud firewall or private access). Other record types
//!   (`alert`, `incident`, `epdlp`, `audit`, `infrastructure`, ...) are
//!   lines of this source that are not requests.
//! - Time: `timestamp`, Unix seconds: UTC.
//! - Client: `userip` (the device's own address, from the Netskope
//!   client), else `srcip` (the address the traffic reached Netskope from).
//! - User: `user` (else `ur_normalized`, `userkey`).
//! - Host: the host of `url`, else `domain`, else `dsthost`, else `dstip`.
//! - Bytes: `server_bytes` to the client, `client_bytes` sent.
//! - Denial: `action` `block` or `blocked`. `allow`, `bypass`, `alert`,
//!   `useralert` (a coaching page the user may pass) are not denials.

use std::borrow::Cow;

use super::json::Object;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The Netskope events reader.
pub struct Netskope;

impl LogFormat for Netskope {
    fn name(&self) -> &'static str {
        "netskope"
    }
    fn description(&self) -> &'static str {
        "Netskope events (REST API v2 / Log Streaming JSON): page, application and network records, Unix times (Netskope REST API v2 and Log Streaming event fields)"
    }
    fn sample(&self) -> &'static str {
        r#"{"record_type":"page","timestamp":1762766102,"user":"jsmith@council.gov.uk","userip":"10.0.0.5","srcip":"81.2.69.193","url":"www.facebook.com/","domain":"www.facebook.com","dstip":"157.240.221.35","dstport":443,"action":"allow","client_bytes":420,"server_bytes":5120}"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(NetskopeParser)
    }
}

#[derive(Clone, Copy)]
struct NetskopeParser;

fn time(o: &Object<'_>) -> Result<i64, Reason> {
    let t = o
        .some("timestamp")
        .ok_or("Netskope record has no timestamp")?;
    super::json::unix_ms(&t).ok_or_else(|| {
        Cow::Owned(format!(
            "timestamp `{t}` is not Unix seconds between 2000 and 2100"
        ))
    })
}

impl LineParser for NetskopeParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let o = Object::parse(line)?;
        let kind = o
            .str("record_type")
            .ok_or("not a Netskope event: no record_type")?;
        let ts_ms = time(&o)?;
        if !matches!(kind, "page" | "application" | "network") {
            return Ok(Parsed::Skip(
                "a Netskope record that is not a web request (alert, incident, DLP, audit or infrastructure)",
            ));
        }
        let client = o
            .str("userip")
            .or_else(|| o.str("srcip"))
            .ok_or("Netskope record has neither userip nor srcip")?;
        let url = o.some("url").unwrap_or(Cow::Borrowed(""));
        let host: Cow<'a, str> = match url_host(&url) {
            Some(h) => Cow::Owned(h.to_string()),
            None => o
                .some("domain")
                .or_else(|| o.some("dsthost"))
                .or_else(|| o.some("dstip"))
                .ok_or("Netskope record has no url, domain, dsthost or dstip")?,
        };
        let action = o.str("action");
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: o
                .some("user")
                .or_else(|| o.some("ur_normalized"))
                .or_else(|| o.some("userkey")),
            method: "",
            status: 0,
            bytes: o.num("server_bytes").unwrap_or(0),
            bytes_out: o.num("client_bytes"),
            url,
            host: Some(host),
            dst_port: o.num("dstport").and_then(|p| u16::try_from(p).ok()),
            action,
            denied: action.is_some_and(|a| a == "block" || a == "blocked"),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        time(&Object::parse(line).ok()?).ok()
    }
}

#[cfg(test)]
mod tests;
