//! Web events in Elastic Common Schema (ECS) JSON, as councils running the
//! Elastic stack export them (one document per line: an Elasticsearch
//! export, `_source` of a search, or a Filebeat/Elastic Agent file output).
//!
//! Source: Elastic Common Schema reference (<https://www.elastic.co/guide/en/ecs/current/>):
//! `@timestamp` (base fields), `source.ip`, `client.ip`, `source.nat.ip`,
//! `user.name`, `url.original`, `url.full`, `url.domain`, `url.port`,
//! `http.request.method`, `http.response.status_code`,
//! `http.response.bytes`, `http.request.bytes`, `event.action`,
//! `event.type` (categorisation: `allowed`, `denied`). Fields nest
//! (`{"source":{"ip":...}}`) or are written flat with dots
//! (`"source.ip": ...`); both are read.
//!
//! - Time: `@timestamp`, ISO 8601 with an offset (ECS stores UTC).
//! - Client: the first of `source.ip`, `client.ip`, `source.address`,
//!   `client.address`, `source.nat.ip` (a NAT address: the only source
//!   some integrations keep, Forcepoint's `connection_ip` for one).
//! - User: `user.name`. URL: `url.original`, else `url.full`; host
//!   `url.domain`, else the URL's, else `destination.domain`.
//! - Bytes: `http.response.bytes` (else `destination.bytes`) to the
//!   client; `http.request.bytes` (else `source.bytes`) sent.
//! - Denial: `event.type` contains `denied` (the ECS rule), or
//!   `event.action` is `blocked`, `block`, `deny`, `denied` or `drop`.
//!
//! A document with `@timestamp` but no URL or domain is a line of this
//! source that is not a web request.

use std::borrow::Cow;

use super::json::Object;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The ECS JSON reader.
pub struct EcsJson;

impl LogFormat for EcsJson {
    fn name(&self) -> &'static str {
        "ecs-json"
    }
    fn description(&self) -> &'static str {
        "Elastic Common Schema (ECS) JSON web events, one document per line, UTC @timestamp (Elastic Common Schema reference)"
    }
    fn sample(&self) -> &'static str {
        r#"{"@timestamp":"2026-11-10T09:15:02.000Z","source":{"ip":"10.0.0.5"},"user":{"name":"jsmith"},"url":{"original":"https://www.facebook.com/","domain":"www.facebook.com"},"http":{"request":{"method":"GET"},"response":{"status_code":200,"bytes":5120}},"event":{"action":"allowed","type":["allowed"]}}"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(EcsParser)
    }
}

#[derive(Clone, Copy)]
struct EcsParser;

fn time(o: &Object<'_>) -> Result<i64, Reason> {
    let t = o
        .some("@timestamp")
        .ok_or("not an ECS document: no @timestamp")?;
    super::json::rfc3339_ms(&t).ok_or_else(|| {
        Cow::Owned(format!(
            "@timestamp `{t}` is not an ISO 8601 time with an offset between 2000 and 2100"
        ))
    })
}

/// The first of `paths` the document has, as text.
fn first<'a>(o: &Object<'a>, paths: &[&str]) -> Option<Cow<'a, str>> {
    paths.iter().find_map(|p| o.some(p))
}

impl LineParser for EcsParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let o = Object::parse(line)?;
        let ts_ms = time(&o)?;
        let url = first(&o, &["url.original", "url.full"]).unwrap_or(Cow::Borrowed(""));
        let host = first(&o, &["url.domain", "destination.domain"]);
        if url.is_empty() && host.is_none() {
            return Ok(Parsed::Skip(
                "an ECS document with no url.original, url.full, url.domain or destination.domain: not a web request",
            ));
        }
        let client = [
            "source.ip",
            "client.ip",
            "source.address",
            "client.address",
            "source.nat.ip",
        ]
        .iter()
        .find_map(|p| o.str(p))
        .ok_or("ECS web event has no source.ip, client.ip, source.address or source.nat.ip")?;
        let action = o.str("event.action");
        let types = o.get("event.type").unwrap_or(Cow::Borrowed(""));
        let denied = types.contains("denied")
            || action.is_some_and(|a| {
                ["blocked", "block", "deny", "denied", "drop"]
                    .iter()
                    .any(|d| a.eq_ignore_ascii_case(d))
            });
        let num = |paths: &[&str]| paths.iter().find_map(|p| o.num(p));
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: o.some("user.name"),
            method: o.str("http.request.method").map_or("", super::method_name),
            status: num(&["http.response.status_code"])
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            bytes: num(&["http.response.bytes", "destination.bytes"]).unwrap_or(0),
            bytes_out: num(&["http.request.bytes", "source.bytes"]),
            url,
            host,
            dst_port: num(&["url.port", "destination.port"]).and_then(|p| u16::try_from(p).ok()),
            action,
            denied,
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
