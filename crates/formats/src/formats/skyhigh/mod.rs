//! Skyhigh Secure Web Gateway (formerly McAfee Web Gateway) `access.log`,
//! in the layout its default "Access Log" log handler rule writes.
//!
//! Source: Skyhigh Security, "Secure Web Gateway: Logging" (the Log
//! Handler's default Access Log rule and its header line), and the header
//! the appliance writes at the top of each file:
//!
//! ```text
//! # time_stamp "auth_user" src_ip status_code "req_line" "categories" "rep_level" "media_type" bytes_to_client "user_agent" "virus_name" "block_res"
//! [10/Nov/2026:09:15:02 +0000] "jsmith" 10.0.0.5 200 "GET https://www.facebook.com/ HTTP/1.1" "Social Networking" "Minimal Risk" "text/html" 5120 "Mozilla/5.0" "" "0"
//! ```
//!
//! - Time: `time_stamp`, `[dd/Mon/yyyy:HH:MM:SS ±zzzz]` with its offset.
//! - User: `auth_user`, empty when the request was not authenticated.
//! - URL: the second word of `req_line` (`host:443` for CONNECT).
//! - Bytes: `bytes_to_client`.
//! - Denial: `block_res` (the block reason ID) other than `0`, which is
//!   "not blocked"; `10` is a URL filter block, `80`-`81` anti-malware, and
//!   so on (the Web Gateway's block reason ID list).
//! - The `#` header line (naming `time_stamp` ... `block_res`) is a line
//!   of this format that is not a request; other `#` lines are refused.

use std::borrow::Cow;

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Skyhigh / McAfee Web Gateway access log reader.
pub struct Skyhigh;

impl LogFormat for Skyhigh {
    fn name(&self) -> &'static str {
        "skyhigh"
    }
    fn description(&self) -> &'static str {
        "Skyhigh Secure Web Gateway / McAfee Web Gateway access.log, default Access Log layout, times with offsets (Skyhigh Secure Web Gateway: Logging, default Access Log rule)"
    }
    fn sample(&self) -> &'static str {
        r#"[10/Nov/2026:09:15:02 +0000] "jsmith" 10.0.0.5 200 "GET https://www.facebook.com/ HTTP/1.1" "Social Networking" "Minimal Risk" "text/html" 5120 "Mozilla/5.0" "" "0""#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(SkyhighParser)
    }
}

#[derive(Clone, Copy)]
struct SkyhighParser;

/// The fields of a line: `[...]` and `"..."` as one field each, without
/// their brackets or quotes; other fields split at spaces.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line.trim_start();
    while !rest.is_empty() {
        let close = match rest.as_bytes()[0] {
            b'[' => Some(']'),
            b'"' => Some('"'),
            _ => None,
        };
        match close {
            Some(c) => {
                let end = rest[1..].find(c).map_or(rest.len(), |i| i + 1);
                out.push(&rest[1..end]);
                rest = rest.get(end + 1..).unwrap_or("");
            }
            None => {
                let end = rest.find(' ').unwrap_or(rest.len());
                out.push(&rest[..end]);
                rest = &rest[end..];
            }
        }
        rest = rest.trim_start();
    }
    out
}

impl LineParser for SkyhighParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        if line.starts_with('#') {
            // Only the header the gateway writes: a file of other `#` lines
            // (notes) is not this format.
            return if line.contains("time_stamp") && line.contains("block_res") {
                Ok(Parsed::Skip("the access log's header line"))
            } else {
                Err(
                    "a `#` line that is not the access log's header (time_stamp ... block_res)"
                        .into(),
                )
            };
        }
        if !line.starts_with('[') {
            return Err("not a Web Gateway access line (does not start with [time_stamp])".into());
        }
        let t = tokens(line);
        if t.len() != 12 {
            return Err(Cow::Owned(format!(
                "Web Gateway access line has {} fields, the default layout has 12",
                t.len()
            )));
        }
        let ts_ms = super::time::clf_time(t[0]).ok_or_else(|| {
            Cow::Owned(format!(
                "time_stamp `{}` is not dd/Mon/yyyy:HH:MM:SS +zzzz between 2000 and 2100",
                t[0]
            ))
        })?;
        let status: u16 = t[3]
            .parse()
            .map_err(|_| Cow::Owned(format!("status_code `{}` is not a number", t[3])))?;
        let mut req = t[4].split(' ');
        let method = req.next().unwrap_or("");
        let url = req.next().unwrap_or("");
        if url.is_empty() {
            return Err(Cow::Owned(format!(
                "req_line `{}` is not METHOD URL VERSION",
                t[4]
            )));
        }
        let block = t[11];
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: t[2],
            user: (!t[1].is_empty() && t[1] != "-").then_some(Cow::Borrowed(t[1])),
            method,
            status,
            bytes: t[8].parse().unwrap_or(0),
            bytes_out: None,
            url: Cow::Borrowed(url),
            host: None,
            dst_port: None,
            action: Some(block),
            denied: !block.is_empty() && block != "0",
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let inner = line.strip_prefix('[')?;
        super::time::clf_time(&inner[..inner.find(']')?])
    }
}

#[cfg(test)]
mod tests;
