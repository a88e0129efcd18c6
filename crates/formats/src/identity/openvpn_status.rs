//! OpenVPN server status files (`--status FILE [n]`): the clients connected
//! when the file was written and the virtual address each holds.
//!
//! Source: the OpenVPN 2.x reference manual, `--status` and
//! `--status-version n` (<https://openvpn.net/community-resources/reference-manual-for-openvpn-2-6/>),
//! and the format `multi_print_status` writes:
//! - version 1: `OpenVPN CLIENT LIST`, `Updated,<time>`, a `Common
//!   Name,Real Address,Bytes Received,Bytes Sent,Connected Since` table,
//!   `ROUTING TABLE`, a `Virtual Address,Common Name,Real Address,Last Ref`
//!   table, `GLOBAL STATS`, `END`;
//! - versions 2 and 3 (comma- or tab-separated): `TIME,<time>,<time_t>`,
//!   `HEADER,CLIENT_LIST,...` naming the columns, then `CLIENT_LIST` rows
//!   with `Virtual Address`, `Virtual IPv6 Address`, `Connected Since
//!   (time_t)` and `Username`.
//!
//! Each client's virtual address was held by it from `Connected Since`
//! to the file's update time: an interval. The records are the routing
//! table rows (version 1) or the `CLIENT_LIST` rows (versions 2 and 3);
//! subnets (an `iroute`), MAC addresses (a `dev tap` server) and cached
//! routes (a `C` suffix) are refused: none is one address held by one
//! client. Version 1 times (`Thu Jun 18 04:23:03 2015`) are the server's
//! local time (`--source-time-zone`); `time_t` values are UTC. The user is
//! `Username` when logged (not `UNDEF`), else the certificate's Common Name.

use chrono::TimeZone;

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind openvpn-status`.
pub struct OpenVpnStatus;

fn local(s: &str, cx: &ReadContext) -> Option<i64> {
    let t = chrono::NaiveDateTime::parse_from_str(s.trim(), "%a %b %e %H:%M:%S %Y").ok()?;
    cx.tz
        .from_local_datetime(&t)
        .earliest()
        .map(|t| t.timestamp_millis())
}

/// Why a virtual address is not one address, if it is not.
fn not_an_address(v: &str) -> Option<&'static str> {
    if v.ends_with('C') && normalise_ip(v.trim_end_matches('C')).is_some() {
        Some("a cached route (`C` suffix), not an address assigned to the client")
    } else if v.contains('/') {
        Some("a subnet routed to the client (iroute), not one address")
    } else if v.len() == 17 && v.matches(':').count() == 5 {
        Some("a MAC address (a `dev tap` server), not an IP address")
    } else if normalise_ip(v).is_none() {
        Some("not an IP address")
    } else {
        None
    }
}

impl IdentityReader for OpenVpnStatus {
    fn name(&self) -> &'static str {
        "openvpn-status"
    }

    fn describe(&self) -> &'static str {
        "OpenVPN server status file (--status, versions 1 to 3: client, virtual address, connected since)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        text.starts_with("OpenVPN CLIENT LIST")
            || text.starts_with("TITLE,OpenVPN")
            || text.starts_with("TITLE\tOpenVPN")
    }

    fn read(&self, bytes: &[u8], cx: &ReadContext) -> Result<IdentityRecords, String> {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
        let sep = if lines.first().is_some_and(|l| l.starts_with("TITLE\t")) {
            '\t'
        } else {
            ','
        };
        // The update time: `Updated,<local>` (v1) or `TIME,<local>,<time_t>`.
        let updated = lines.iter().find_map(|l| {
            let f: Vec<&str> = l.split(sep).collect();
            match f.as_slice() {
                ["Updated", t] => local(t, cx),
                ["TIME", _, secs] => secs.trim().parse::<i64>().ok().map(|s| s * 1000),
                _ => None,
            }
        });
        let mut out = IdentityRecords::default();
        let Some(updated) = updated else {
            return Err("no `Updated` or `TIME` line: not an OpenVPN status file".into());
        };
        // Version 1: connected-since by (common name, real address).
        let mut since = std::collections::HashMap::new();
        let mut section = "";
        let mut header: Vec<&str> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let line = i as u64 + 1;
            let f: Vec<&str> = l.split(sep).collect();
            match f[0] {
                "OpenVPN CLIENT LIST" => section = "clients",
                "ROUTING TABLE" => section = "routes",
                "GLOBAL STATS" | "END" => section = "",
                "Common Name" | "Virtual Address" | "Updated" => {}
                "HEADER" if f.get(1) == Some(&"CLIENT_LIST") => header = f[2..].to_vec(),
                "CLIENT_LIST" => {
                    let col = |name: &str| {
                        header
                            .iter()
                            .position(|h| *h == name)
                            .and_then(|k| f.get(k + 1))
                            .map(|v| v.trim())
                            .filter(|v| !v.is_empty())
                    };
                    let user = col("Username")
                        .filter(|u| *u != "UNDEF")
                        .or_else(|| col("Common Name"));
                    let start = col("Connected Since (time_t)")
                        .and_then(|s| s.parse::<i64>().ok())
                        .map(|s| s * 1000);
                    let addr = col("Virtual Address").or_else(|| col("Virtual IPv6 Address"));
                    let reason = match (user, start, addr) {
                        (None, _, _) => Some("no Common Name or Username".to_string()),
                        (_, None, _) => Some("no Connected Since (time_t)".to_string()),
                        (_, _, None) => {
                            Some("no virtual address (the client has none yet)".to_string())
                        }
                        (_, _, Some(a)) => not_an_address(a).map(str::to_string),
                    };
                    if let Some(r) = reason {
                        out.reject(line, r, l);
                        continue;
                    }
                    out.observations.push(Observation {
                        ts_ms: start.expect("checked"),
                        ip: normalise_ip(addr.expect("checked")).expect("checked"),
                        what: What::Interval {
                            user: user.expect("checked").to_string(),
                            end_ms: updated,
                        },
                        line,
                        raw: l.to_string(),
                    });
                }
                _ if section == "clients" && f.len() == 5 => {
                    if let Some(t) = local(f[4], cx) {
                        since.insert((f[0].to_string(), f[1].to_string()), t);
                    }
                }
                _ if section == "routes" => {
                    if f.len() != 4 {
                        out.reject(
                            line,
                            format!("routing table row has {} fields, not 4", f.len()),
                            l,
                        );
                        continue;
                    }
                    if let Some(r) = not_an_address(f[0]) {
                        out.reject(line, r, l);
                        continue;
                    }
                    let start = since
                        .get(&(f[1].to_string(), f[2].to_string()))
                        .copied()
                        .or_else(|| local(f[3], cx));
                    let Some(start) = start else {
                        out.reject(
                            line,
                            "no Connected Since for this client, and Last Ref is not a time",
                            l,
                        );
                        continue;
                    };
                    out.observations.push(Observation {
                        ts_ms: start,
                        ip: normalise_ip(f[0]).expect("checked"),
                        what: What::Interval {
                            user: f[1].to_string(),
                            end_ms: updated,
                        },
                        line,
                        raw: l.to_string(),
                    });
                }
                _ => {}
            }
        }
        Ok(out)
    }
}
