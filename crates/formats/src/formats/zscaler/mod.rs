//! Zscaler Internet Access NSS web logs: the JSON feed, and CSV/TSV feeds
//! whose field list the administrator chose (`--nss-fields`).
//!
//! Source: Zscaler "NSS Feed Output Format: Web Logs" (fields `time`,
//! `login`, `cip`, `sip`, `eurl` (the URL, `%HH`-encoded), `reqmethod`,
//! `respcode`, `reqsize`, `respsize`, `action` Allowed/Blocked, `urlcat`).
//!
//! - JSON lines, either the event object itself or wrapped as
//!   `{"sourcetype": "zscalernss-web", "event": {...}}`.
//! - CSV (quoted, comma-separated) or TSV lines when `--nss-fields` gives
//!   the feed's field names in order, either as `time,login,cip,...` or as
//!   the feed format itself (`%s{time}\t%s{login}\t...`).
//! - `time` is `Fri Dec 31 07:07:07 2021`, in the feed's time zone: read in
//!   `--source-time-zone`.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde_json::value::RawValue;

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The Zscaler NSS web reader.
pub struct Zscaler;

impl LogFormat for Zscaler {
    fn name(&self) -> &'static str {
        "zscaler"
    }
    fn description(&self) -> &'static str {
        "Zscaler ZIA NSS web feed: JSON, or CSV/TSV with --nss-fields (NSS Feed Output Format: Web Logs)"
    }
    fn sample(&self) -> &'static str {
        r#"{"sourcetype":"zscalernss-web","event":{"time":"Tue Nov 10 09:15:02 2026","login":"jsmith@council.gov.uk","cip":"10.0.0.5","eurl":"www.facebook.com/","reqmethod":"GET","respcode":"200","reqsize":"420","respsize":"5120","action":"Allowed","urlcat":"Social Networking"}}"#
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(ZParser {
            tz: cx.tz,
            fields: cx.nss_fields.as_deref().map(field_names),
        })
    }
}

/// The field names of `--nss-fields`: `%s{name}` tokens of a feed format,
/// else comma-, tab- or space-separated names.
pub fn field_names(spec: &str) -> Vec<String> {
    if spec.contains('{') {
        spec.split('{')
            .skip(1)
            .filter_map(|p| p.split('}').next())
            .map(str::to_string)
            .collect()
    } else {
        spec.split([',', '\t', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Clone)]
struct ZParser {
    tz: chrono_tz::Tz,
    fields: Option<Vec<String>>,
}

#[derive(serde::Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    event: HashMap<&'a str, &'a RawValue>,
}

/// A JSON value as text: a string without escapes is borrowed.
fn text(v: &RawValue) -> Cow<'_, str> {
    let raw = v.get();
    match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
        Some(_) => Cow::Owned(serde_json::from_str::<String>(raw).unwrap_or_default()),
        None => Cow::Borrowed(raw),
    }
}

impl ZParser {
    fn event<'a>(
        &self,
        get: impl Fn(&str) -> Option<Cow<'a, str>>,
    ) -> Result<RawEvent<'a>, Reason> {
        let t = get("time").ok_or("NSS record has no time field")?;
        let naive = NaiveDateTime::parse_from_str(&t, "%a %b %d %H:%M:%S %Y").map_err(|_| {
            Cow::Owned(format!("time `{t}` is not like `Fri Dec 31 07:07:07 2021`"))
        })?;
        let ts_ms = super::time::local_to_utc(naive, self.tz).ok_or(
            "the time does not exist in the source time zone or is not between 2000 and 2100",
        )?;
        let client = match get("cip").ok_or("NSS record has no cip (client address)")? {
            Cow::Borrowed(c) => c,
            Cow::Owned(_) => return Err("cip is escaped: not an address".into()),
        };
        let url = get("eurl")
            .or_else(|| get("url"))
            .unwrap_or(Cow::Borrowed(""));
        let host: Cow<'a, str> = match get("host").or_else(|| get("hostname")) {
            Some(h) if h != "None" => h,
            _ => url_host(&url).map_or(Cow::Borrowed(""), |h| Cow::Owned(h.to_string())),
        };
        let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
        let action = match get("action") {
            Some(Cow::Borrowed(a)) => Some(a),
            _ => None,
        };
        let method = match get("reqmethod") {
            Some(Cow::Borrowed(m)) if m != "NA" => m,
            _ => "",
        };
        Ok(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user: get("login").filter(|l| l != "None" && !l.is_empty()),
            method,
            status: num("respcode")
                .and_then(|s| u16::try_from(s).ok())
                .unwrap_or(0),
            bytes: num("respsize").unwrap_or(0),
            bytes_out: num("reqsize"),
            url,
            host: Some(host),
            dst_port: None,
            action,
            denied: action.is_some_and(|a| a.eq_ignore_ascii_case("blocked")),
        })
    }
}

impl LineParser for ZParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') {
            let map: HashMap<&'a str, &'a RawValue> =
                match serde_json::from_str::<Wrapped<'a>>(trimmed) {
                    Ok(w) => w.event,
                    Err(_) => serde_json::from_str(trimmed)
                        .map_err(|e| Cow::Owned(format!("not a JSON object: {e}")))?,
                };
            return self
                .event(|k| map.get(k).map(|v| text(v)))
                .map(Parsed::Event);
        }
        let Some(names) = &self.fields else {
            return Err(
                "not a JSON NSS record, and no --nss-fields to read CSV/TSV feeds with".into(),
            );
        };
        let values: Vec<Cow<'a, str>> = if line.contains('\t') {
            line.split('\t').map(Cow::Borrowed).collect()
        } else {
            super::csv::csv_fields(line)
        };
        if values.len() != names.len() {
            return Err(Cow::Owned(format!(
                "NSS line has {} fields, --nss-fields names {}",
                values.len(),
                names.len()
            )));
        }
        self.event(|k| names.iter().position(|n| n == k).map(|i| values[i].clone()))
            .map(Parsed::Event)
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(self.clone())
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let at = line.find("\"time\"")?;
        let rest = &line[at + 6..];
        let start = rest.find('"')? + 1;
        let end = start + rest[start..].find('"')?;
        let naive =
            NaiveDateTime::parse_from_str(&rest[start..end], "%a %b %d %H:%M:%S %Y").ok()?;
        super::time::local_to_utc(naive, self.tz)
    }
}

#[cfg(test)]
mod tests;
