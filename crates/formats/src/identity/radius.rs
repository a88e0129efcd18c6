//! FreeRADIUS accounting `detail` files (and GNU Radius's, the same shape):
//! records separated by a blank line, each a date line
//! (`Fri Dec 15 18:00:24 2000`, the server's local time) then indented
//! `Attribute = value` lines. An `Acct-Status-Type = Start` (or
//! `Interim-Update`) with `Framed-IP-Address` and `User-Name` starts a
//! hold of that address, paired by `Acct-Session-Id` with its `Stop`. The
//! `Timestamp` attribute (Unix seconds) gives the time when present, else
//! the date line in `--time-zone`. FreeRADIUS documents the format in
//! `raddb/mods-available/detail` and the attributes in RFC 2866.

use chrono::TimeZone;

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind radius-detail`.
pub struct RadiusDetail;

fn header_time(line: &str, cx: &ReadContext) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(line.trim(), "%a %b %e %H:%M:%S %Y").ok()?;
    cx.tz
        .from_local_datetime(&t)
        .earliest()
        .map(|t| t.timestamp_millis())
}

impl IdentityReader for RadiusDetail {
    fn name(&self) -> &'static str {
        "radius-detail"
    }

    fn describe(&self) -> &'static str {
        "FreeRADIUS accounting detail file (Start/Stop with Framed-IP-Address)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        text.contains("Acct-Status-Type") && text.contains(" = ")
    }

    fn read(&self, bytes: &[u8], cx: &ReadContext) -> Result<IdentityRecords, String> {
        let text = String::from_utf8_lossy(bytes);
        let mut out = IdentityRecords::default();
        let mut record: Vec<(u64, &str)> = Vec::new();
        let finish = |record: &mut Vec<(u64, &str)>, out: &mut IdentityRecords| {
            if record.is_empty() {
                return;
            }
            let line = record[0].0;
            let raw = record
                .iter()
                .map(|(_, l)| *l)
                .collect::<Vec<_>>()
                .join("\n");
            let attr = |name: &str| {
                record.iter().skip(1).find_map(|(_, l)| {
                    let (k, v) = l.split_once('=')?;
                    // Quoted values escape `\` and `"` with a backslash.
                    (k.trim() == name).then(|| {
                        v.trim()
                            .trim_matches('"')
                            .replace("\\\\", "\\")
                            .replace("\\\"", "\"")
                    })
                })
            };
            let ts_ms = attr("Timestamp")
                .and_then(|t| t.parse::<i64>().ok())
                .and_then(|s| s.checked_mul(1000))
                .or_else(|| header_time(record[0].1, cx));
            let status = attr("Acct-Status-Type").unwrap_or_default();
            let key = attr("Acct-Session-Id");
            let user = attr("User-Name").filter(|u| !u.is_empty());
            let framed = attr("Framed-IP-Address");
            record.clear();
            let Some(ts_ms) = ts_ms else {
                out.reject(
                    line,
                    "no time: neither a Timestamp attribute nor a date line",
                    &raw,
                );
                return;
            };
            let what = match status.as_str() {
                "Start" | "Interim-Update" => {
                    let Some(user) = user else {
                        out.reject(line, format!("{status} without User-Name"), &raw);
                        return;
                    };
                    What::Start { user, key }
                }
                "Stop" => match key {
                    Some(key) => What::Stop { key },
                    None => {
                        out.reject(line, "Stop without Acct-Session-Id", &raw);
                        return;
                    }
                },
                "" => {
                    out.reject(line, "no Acct-Status-Type", &raw);
                    return;
                }
                other => {
                    out.reject(
                        line,
                        format!("Acct-Status-Type {other} is not a session start or stop"),
                        &raw,
                    );
                    return;
                }
            };
            let ip = match (&what, framed.and_then(|a| normalise_ip(&a))) {
                (_, Some(ip)) => ip,
                (What::Stop { .. }, None) => String::new(),
                (_, None) => {
                    out.reject(
                        line,
                        format!("{status} without Framed-IP-Address: no address to attribute"),
                        &raw,
                    );
                    return;
                }
            };
            out.observations.push(Observation {
                ts_ms,
                ip,
                what,
                line,
                raw,
            });
        };
        for (i, l) in text.lines().enumerate() {
            if l.trim().is_empty() {
                finish(&mut record, &mut out);
            } else if !l.starts_with([' ', '\t']) && !record.is_empty() {
                // A new date line without a blank line before it.
                finish(&mut record, &mut out);
                record.push((i as u64 + 1, l));
            } else {
                record.push((i as u64 + 1, l));
            }
        }
        finish(&mut record, &mut out);
        Ok(out)
    }
}
