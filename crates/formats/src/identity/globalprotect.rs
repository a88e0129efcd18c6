//! Palo Alto Networks GlobalProtect logs (PAN-OS 9.1 and later, log type
//! `GLOBALPROTECT`), as the firewall sends them by syslog in CSV: who held
//! which tunnel address when.
//!
//! Source: Palo Alto Networks "PAN-OS Administrator's Guide: Syslog Field
//! Descriptions, GlobalProtect Log Fields": FUTURE_USE, Receive Time,
//! Serial Number, Type, Threat/Content Type, FUTURE_USE, Generated Time,
//! Virtual System, Event ID, Stage, Authentication Method, Tunnel Type,
//! Source User, Source Region, Machine Name, Public IP, Public IPv6,
//! Private IP, Private IPv6, Host ID, Serial Number, Client Version,
//! Client OS, Client OS Version, Repeat Count, Reason, Error,
//! Description, Status, ...
//!
//! - A successful (`Status` `success`) record with a user and a private
//!   (tunnel) address, IPv4 or else IPv6 and not `0.0.0.0`, says the user
//!   held that address at its time: it starts a hold keyed by user and
//!   host ID. `gateway-logout` ends the holds of that key (else
//!   `--max-hold` does).
//! - Refused: `pre-logon` (the machine before anyone logs on), records
//!   with no user or no private address (portal events, failures).
//! - Time: Generated Time, `YYYY/MM/DD HH:MM:SS` in the firewall's local
//!   time (`--source-time-zone`), or RFC 3339 (`2021-10-22T16:10:05Z`).
//! - A syslog header before the CSV (`Nov 30 16:09:08 `) is skipped.

use chrono::TimeZone;

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};
use crate::formats::csv::csv_fields;

/// `--kind globalprotect`.
pub struct GlobalProtect;

impl IdentityReader for GlobalProtect {
    fn name(&self) -> &'static str {
        "globalprotect"
    }

    fn describe(&self) -> &'static str {
        "Palo Alto GlobalProtect log (PAN-OS GLOBALPROTECT CSV: user and private tunnel address)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        String::from_utf8_lossy(head).contains(",GLOBALPROTECT,")
    }

    fn read(&self, bytes: &[u8], cx: &ReadContext) -> Result<IdentityRecords, String> {
        let text = String::from_utf8_lossy(bytes);
        let mut out = IdentityRecords::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i as u64 + 1;
            let l = raw.trim_end_matches('\r');
            if l.trim().is_empty() {
                continue;
            }
            let Some(at) = l.find(",GLOBALPROTECT,") else {
                out.reject(
                    line,
                    "not a GlobalProtect log record (no GLOBALPROTECT type)",
                    l,
                );
                continue;
            };
            // The CSV starts at the first field, after any syslog header.
            let before = &l[..at];
            let first_comma = before.find(',').unwrap_or(before.len());
            let start = before[..first_comma].rfind(' ').map_or(0, |s| s + 1);
            let f = csv_fields(&l[start..]);
            if f.len() < 29 {
                out.reject(
                    line,
                    format!(
                        "GlobalProtect record has {} fields, the log has at least 29",
                        f.len()
                    ),
                    l,
                );
                continue;
            }
            let generated = f[6].trim();
            let ts_ms = match chrono::DateTime::parse_from_rfc3339(generated) {
                Ok(t) => Some(t.timestamp_millis()),
                Err(_) => chrono::NaiveDateTime::parse_from_str(generated, "%Y/%m/%d %H:%M:%S")
                    .ok()
                    .and_then(|t| cx.tz.from_local_datetime(&t).earliest())
                    .map(|t| t.timestamp_millis()),
            };
            let Some(ts_ms) = ts_ms else {
                out.reject(
                    line,
                    format!("Generated Time `{generated}` is not YYYY/MM/DD HH:MM:SS or RFC 3339"),
                    l,
                );
                continue;
            };
            let (event, user, host_id, status) =
                (f[8].trim(), f[12].trim(), f[19].trim(), f[28].trim());
            if user.is_empty() {
                out.reject(line, format!("{event}: no user"), l);
                continue;
            }
            if user == "pre-logon" {
                out.reject(
                    line,
                    format!("{event}: pre-logon (the machine before anyone logs on)"),
                    l,
                );
                continue;
            }
            let key = format!("gp:{}|{host_id}", user.to_lowercase());
            if event == "gateway-logout" {
                out.observations.push(Observation {
                    ts_ms,
                    ip: String::new(),
                    what: What::Stop { key },
                    line,
                    raw: l.to_string(),
                });
                continue;
            }
            if status != "success" {
                out.reject(line, format!("{event}: status `{status}`, not success"), l);
                continue;
            }
            let Some(ip) = normalise_ip(&f[17]).or_else(|| normalise_ip(&f[18])) else {
                out.reject(line, format!("{event}: no private (tunnel) address"), l);
                continue;
            };
            out.observations.push(Observation {
                ts_ms,
                ip,
                what: What::Start {
                    user: user.to_string(),
                    key: Some(key),
                },
                line,
                raw: l.to_string(),
            });
        }
        Ok(out)
    }
}
