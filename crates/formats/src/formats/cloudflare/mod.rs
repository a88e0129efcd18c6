//! Cloudflare Zero Trust Gateway HTTP logs, as Logpush writes the
//! `gateway_http` dataset: one JSON object per line.
//!
//! Source: Cloudflare Logs documentation, "Log fields: Zero Trust:
//! Gateway HTTP" (<https://developers.cloudflare.com/logs/reference/log-fields/account/gateway_http/>):
//! `Datetime`, `SourceIP`, `SourceInternalIP`, `Email`, `UserID`,
//! `HTTPHost`, `URL`, `HTTPMethod`, `HTTPStatusCode`, `Action`,
//! `DestinationIP`, `DestinationPort`; and "Logpush: timestamp formats".
//!
//! - Time: `Datetime` in the job's timestamp format: RFC 3339, Unix
//!   seconds or Unix nanoseconds; all UTC.
//! - Client: `SourceInternalIP` (the device's address behind the WARP
//!   client), else `SourceIP` (the address the request reached Cloudflare
//!   from). A record with neither is refused: no address to attribute.
//! - User: `Email`.
//! - Host: `HTTPHost`, else the host of `URL`.
//! - Bytes: the dataset has no byte counts: 0.
//! - Denial: `Action` `block`. `allow`, `isolate`, `scan`, `override`
//!   are not denials.

use std::borrow::Cow;

use super::json::Object;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Cloudflare Gateway HTTP reader.
pub struct CloudflareGateway;

impl LogFormat for CloudflareGateway {
    fn name(&self) -> &'static str {
        "cloudflare-gateway"
    }
    fn description(&self) -> &'static str {
        "Cloudflare Zero Trust Gateway HTTP logs (Logpush gateway_http JSON), UTC times (Cloudflare Logs: Log fields, Gateway HTTP)"
    }
    fn sample(&self) -> &'static str {
        r#"{"Action":"block","Datetime":"2026-11-10T09:15:02Z","DestinationIP":"157.240.221.35","DestinationPort":443,"Email":"jsmith@council.gov.uk","HTTPHost":"www.facebook.com","HTTPMethod":"GET","HTTPStatusCode":403,"RequestID":"1884fec9b600007fb06a299400000001","SourceIP":"81.2.69.193","SourceInternalIP":"10.0.0.5","URL":"https://www.facebook.com/"}"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(CloudflareParser)
    }
}

#[derive(Clone, Copy)]
struct CloudflareParser;

fn time(o: &Object<'_>) -> Result<i64, Reason> {
    let t = o.some("Datetime").ok_or("Gateway record has no Datetime")?;
    super::json::rfc3339_ms(&t)
        .or_else(|| super::json::unix_ms(&t))
        .ok_or_else(|| {
            Cow::Owned(format!(
                "Datetime `{t}` is not RFC 3339, Unix seconds or Unix nanoseconds between 2000 and 2100"
            ))
        })
}

impl LineParser for CloudflareParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let o = Object::parse(line)?;
        if !(o.has("Datetime") && (o.has("HTTPHost") || o.has("RequestID"))) {
            return Err(
                "not a Cloudflare Gateway HTTP record: no Datetime with HTTPHost or RequestID"
                    .into(),
            );
        }
        let ts_ms = time(&o)?;
        let client = o
            .str("SourceInternalIP")
            .or_else(|| o.str("SourceIP"))
            .ok_or("Gateway record has neither SourceInternalIP nor SourceIP: no client address")?;
        let url = o.some("URL").unwrap_or(Cow::Borrowed(""));
        let action = o.str("Action");
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: o.some("Email"),
            method: o.str("HTTPMethod").map_or("", super::method_name),
            status: o
                .num("HTTPStatusCode")
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            bytes: 0,
            bytes_out: None,
            url,
            host: o.some("HTTPHost"),
            dst_port: o.num("DestinationPort").and_then(|p| u16::try_from(p).ok()),
            action,
            denied: action.is_some_and(|a| a.eq_ignore_ascii_case("block")),
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
