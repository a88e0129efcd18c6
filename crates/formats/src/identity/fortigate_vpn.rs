//! FortiGate SSL-VPN tunnels from FortiOS event logs (`type="event"
//! subtype="vpn"`): who held which tunnel address when.
//!
//! Source: Fortinet "FortiOS Log Message Reference": log ids 0101039947
//! `SSL VPN tunnel up` (`action="tunnel-up"`, with `tunnelid`,
//! `tunnelip` (the address assigned to the client), `user`, `remip`) and
//! 0101039948 `SSL VPN tunnel down` (`action="tunnel-down"`, the same
//! `tunnelid`).
//!
//! - A tunnel-up with a `tunnelip` and a user starts a hold of the tunnel
//!   address, keyed by device, VDOM and `tunnelid`; the tunnel-down with
//!   the same key ends it (else `--max-hold` does).
//! - The time is `date` + `time`, in the offset of `tz="+0100"` when the
//!   line has it, else in `--source-time-zone`.
//! - Every other FortiGate line (logins, IPsec, FSSO, system events) is a
//!   record refused with its type, subtype and action.

use chrono::TimeZone;

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};
use crate::formats::kv::{get, pairs};

/// `--kind fortigate-vpn`.
pub struct FortiGateVpn;

impl IdentityReader for FortiGateVpn {
    fn name(&self) -> &'static str {
        "fortigate-vpn"
    }

    fn describe(&self) -> &'static str {
        "FortiGate SSL-VPN event log (tunnel-up with tunnelip, tunnel-down)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        text.contains("logid=")
            && (text.contains("subtype=\"vpn\"") || text.contains("subtype=vpn"))
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
            let p = pairs(l);
            let v = |k: &str| get(&p, k).map(|s| s.to_string());
            if v("logid").is_none() && v("devid").is_none() {
                out.reject(line, "not a FortiGate log line (no logid= or devid=)", l);
                continue;
            }
            let action = v("action").unwrap_or_default();
            if action != "tunnel-up" && action != "tunnel-down" {
                out.reject(
                    line,
                    format!(
                        "FortiGate {}/{} action={action}: not an SSL-VPN tunnel up or down",
                        v("type").unwrap_or_default(),
                        v("subtype").unwrap_or_default()
                    ),
                    l,
                );
                continue;
            }
            let Some(naive) = v("date")
                .zip(v("time"))
                .and_then(|(d, t)| crate::formats::time::date_time(&d, &t))
            else {
                out.reject(line, "no date= and time= (YYYY-MM-DD HH:MM:SS)", l);
                continue;
            };
            let ts_ms = match v("tz") {
                Some(z) => match crate::formats::time::offset_seconds(&z) {
                    Some(off) => naive.and_utc().timestamp_millis() - i64::from(off) * 1000,
                    None => {
                        out.reject(
                            line,
                            format!("tz=\"{z}\" is not an offset such as +0100"),
                            l,
                        );
                        continue;
                    }
                },
                None => match cx.tz.from_local_datetime(&naive).earliest() {
                    Some(t) => t.timestamp_millis(),
                    None => {
                        out.reject(line, "the time does not exist in the source time zone", l);
                        continue;
                    }
                },
            };
            let Some(tunnel) = v("tunnelid") else {
                out.reject(line, format!("{action} without tunnelid"), l);
                continue;
            };
            let key = format!(
                "forti:{}:{}:{tunnel}",
                v("devid").or_else(|| v("devname")).unwrap_or_default(),
                v("vd").unwrap_or_default()
            );
            let (ip, what) = if action == "tunnel-down" {
                (String::new(), What::Stop { key })
            } else {
                let user = v("user").filter(|u| u != "N/A");
                let Some(user) = user else {
                    out.reject(line, "tunnel-up without a user", l);
                    continue;
                };
                let Some(ip) = v("tunnelip").and_then(|a| normalise_ip(&a)) else {
                    out.reject(line, "tunnel-up without a tunnelip: no address assigned", l);
                    continue;
                };
                (
                    ip,
                    What::Start {
                        user,
                        key: Some(key),
                    },
                )
            };
            out.observations.push(Observation {
                ts_ms,
                ip,
                what,
                line,
                raw: l.to_string(),
            });
        }
        Ok(out)
    }
}
