//! Microsoft Entra Internet Access (Global Secure Access) traffic logs:
//! one JSON object per line, as the Microsoft Graph API's
//! `networkAccessTraffic` records (one per line of its `value` array) or
//! as the Log Analytics `NetworkAccessTraffic` table exports them.
//!
//! Source: Microsoft Graph beta reference, "networkAccessTraffic resource
//! type" and "List traffic logs"
//! (<https://learn.microsoft.com/graph/api/networkaccess-logs-list-traffic?view=graph-rest-beta>):
//! `createdDateTime`, `sourceIp`, `userPrincipalName`, `destinationFQDN`,
//! `destinationUrl`, `destinationIp`, `destinationPort`, `action`,
//! `sentBytes`, `receivedBytes`; the Log Analytics table names the same
//! columns in Pascal case (`CreatedDateTime` or `TimeGenerated`,
//! `SourceIp`, `UserPrincipalName`, `DestinationFqdn`, ...), read too.
//!
//! - Time: `createdDateTime`, ISO 8601 in UTC (`Z`, up to 7 fraction digits).
//! - Client: `sourceIp`. User: `userPrincipalName`.
//! - Host: `destinationFQDN`, else the host of `destinationUrl`, else
//!   `destinationIp`. Port: `destinationPort`.
//! - Bytes: `receivedBytes` to the client, `sentBytes` from it.
//! - Denial: `action` `block` (or `blocked`, `deny`, `denied`); `allow`,
//!   `allowed`, `bypass`, `alert` are not denials.

use std::borrow::Cow;

use super::json::Object;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Entra Internet Access traffic log reader.
pub struct EntraInternetAccess;

impl LogFormat for EntraInternetAccess {
    fn name(&self) -> &'static str {
        "entra-internet-access"
    }
    fn description(&self) -> &'static str {
        "Microsoft Entra Internet Access / Global Secure Access traffic logs (Graph networkAccessTraffic JSON, one record per line), UTC times (Microsoft Graph: networkAccessTraffic resource type)"
    }
    fn sample(&self) -> &'static str {
        r#"{"createdDateTime":"2026-11-10T09:15:02.1234567Z","transactionId":"t-1","trafficType":"internet","destinationIp":"157.240.221.35","destinationPort":443,"destinationFQDN":"www.facebook.com","sourceIp":"10.0.0.5","userPrincipalName":"jsmith@council.gov.uk","action":"block","sentBytes":420,"receivedBytes":5120}"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(EntraParser)
    }
}

#[derive(Clone, Copy)]
struct EntraParser;

/// The first of `names` the record has, as text.
fn first<'a>(o: &Object<'a>, names: &[&str]) -> Option<Cow<'a, str>> {
    names.iter().find_map(|n| o.some(n))
}

fn time(o: &Object<'_>) -> Result<i64, Reason> {
    let t = first(o, &["createdDateTime", "CreatedDateTime", "TimeGenerated"])
        .ok_or("not an Entra traffic record: no createdDateTime")?;
    super::json::rfc3339_ms(&t).ok_or_else(|| {
        Cow::Owned(format!(
            "createdDateTime `{t}` is not an ISO 8601 UTC time between 2000 and 2100"
        ))
    })
}

impl LineParser for EntraParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let o = Object::parse(line)?;
        if ![
            "destinationFQDN",
            "DestinationFqdn",
            "transactionId",
            "TransactionId",
        ]
        .iter()
        .any(|k| o.has(k))
        {
            return Err("not an Entra traffic record: no destinationFQDN or transactionId".into());
        }
        let ts_ms = time(&o)?;
        let client = ["sourceIp", "SourceIp"]
            .iter()
            .find_map(|k| o.str(k))
            .ok_or("Entra traffic record has no sourceIp")?;
        let url = first(&o, &["destinationUrl", "DestinationUrl"]).unwrap_or(Cow::Borrowed(""));
        let host = first(&o, &["destinationFQDN", "DestinationFqdn"]).or_else(|| {
            if super::url_host(&url).is_some() {
                None
            } else {
                first(&o, &["destinationIp", "DestinationIp"])
            }
        });
        let action = ["action", "Action"].iter().find_map(|k| o.str(k));
        let num = |names: &[&str]| names.iter().find_map(|k| o.num(k));
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: first(&o, &["userPrincipalName", "UserPrincipalName"]),
            method: "",
            status: 0,
            bytes: num(&["receivedBytes", "ReceivedBytes"]).unwrap_or(0),
            bytes_out: num(&["sentBytes", "SentBytes"]),
            url,
            host,
            dst_port: num(&["destinationPort", "DestinationPort"])
                .and_then(|p| u16::try_from(p).ok()),
            action,
            denied: action.is_some_and(|a| {
                ["block", "blocked", "deny", "denied"]
                    .iter()
                    .any(|d| a.eq_ignore_ascii_case(d))
            }),
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
