//! Cisco ASA (Secure Firewall) AnyConnect / Secure Client sessions from the
//! ASA's syslog messages: who held which address when.
//!
//! Source: Cisco "Secure Firewall ASA Series Syslog Messages":
//! - `%ASA-4-722051: Group <group> User <user> IP <public> IPv4 Address
//!   <assigned> IPv6 address <assigned6> assigned to session`: the tunnel
//!   address the proxy sees. Starts a hold of the assigned address (the
//!   IPv6 one when no IPv4 address was assigned).
//! - `%ASA-6-113039: Group <group> User <user> IP <public> AnyConnect
//!   parent session started` and `%ASA-6-722022: Group <group> User <user>
//!   IP <public> {TCP|UDP} SVC connection established`: start a hold of the
//!   public address the client connected from (what a cloud gateway sees
//!   for traffic outside the tunnel).
//! - `%ASA-6-722023: Group <group> User <user> IP <public> {TCP|UDP} SVC
//!   connection terminated` and `%ASA-4-113019: Group = group, Username =
//!   user, IP = public, Session disconnected`: end every hold of that
//!   user's session from that public address.
//!
//! Values are bracketed (`<user-1>`, ASA 9.x) or bare words (older
//! releases). The time is the syslog header's, `Oct 10 2018 12:34:56` in
//! the ASA's local time (`--source-time-zone`) or RFC 3339 (`logging
//! timestamp rfc5424`); a header without a year is refused. Every other
//! line is a record refused with its message number.

use super::vpn::leading_time;
use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind cisco-asa-vpn`.
pub struct CiscoAsaVpn;

/// The value after the word `label` in `s` (` User `, ` IP `): `<...>`
/// (to the closing bracket) or one word (after an optional `= `, as
/// 113019 writes them); and the text after it.
fn value<'a>(s: &'a str, label: &str) -> Option<(&'a str, &'a str)> {
    let pattern = format!(" {label} ");
    // In ` {s}`, a match at `p` ends at `p + len` there: `p + len - 1` in `s`.
    let p = format!(" {s}").find(&pattern)?;
    let rest = s[p + pattern.len() - 1..].trim_start_matches([' ', '=']);
    if let Some(inner) = rest.strip_prefix('<') {
        let end = inner.find('>')?;
        Some((&inner[..end], &inner[end + 1..]))
    } else {
        let end = rest.find([' ', ',']).unwrap_or(rest.len());
        Some((&rest[..end], &rest[end..]))
    }
}

/// The message id and text after `%ASA-L-NNNNNN: `.
fn message(line: &str) -> Option<(&str, &str)> {
    let at = line.find("%ASA-")?;
    let rest = &line[at + 5..];
    let (_level, rest) = rest.split_once('-')?;
    let (id, text) = rest.split_once(':')?;
    Some((id, text.trim_start()))
}

impl IdentityReader for CiscoAsaVpn {
    fn name(&self) -> &'static str {
        "cisco-asa-vpn"
    }

    fn describe(&self) -> &'static str {
        "Cisco ASA AnyConnect syslog (722051 address assigned, 113039/722022 start, 722023/113019 end)"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        text.contains("%ASA-")
            && ["-722051:", "-113039:", "-722022:", "-722023:"]
                .iter()
                .any(|m| text.contains(m))
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
            let Some((id, msg)) = message(l) else {
                out.reject(line, "not a Cisco ASA syslog message (no %ASA-)", l);
                continue;
            };
            let ts_ms = match leading_time(l, cx) {
                Ok((t, _)) => t,
                Err(e) => {
                    out.reject(line, e, l);
                    continue;
                }
            };
            let session = || -> Option<(String, String)> {
                let (user, rest) = value(msg, "Username").or_else(|| value(msg, "User"))?;
                let (public, _) = value(rest, "IP")?;
                Some((user.to_string(), public.to_string()))
            };
            let Some((user, public)) = session() else {
                out.reject(
                    line,
                    format!(
                        "%ASA-{id} is not an AnyConnect address assignment or session start or end"
                    ),
                    l,
                );
                continue;
            };
            let key = format!("asa:{}@{public}", user.to_lowercase());
            let (ip, what) = match id {
                "722051" => {
                    let v4 = value(msg, "IPv4 Address").map(|(a, _)| a);
                    let v6 = value(msg, "IPv6 address").map(|(a, _)| a);
                    let Some(ip) = v4
                        .and_then(normalise_ip)
                        .or_else(|| v6.and_then(normalise_ip))
                    else {
                        out.reject(line, "722051 without an assigned IPv4 or IPv6 address", l);
                        continue;
                    };
                    (
                        ip,
                        What::Start {
                            user,
                            key: Some(key),
                        },
                    )
                }
                "113039" | "722022" => {
                    let Some(ip) = normalise_ip(&public) else {
                        out.reject(line, format!("`{public}` is not the client's address"), l);
                        continue;
                    };
                    (
                        ip,
                        What::Start {
                            user,
                            key: Some(key),
                        },
                    )
                }
                "722023" | "113019" => (String::new(), What::Stop { key }),
                other => {
                    out.reject(
                        line,
                        format!("%ASA-{other} is not an AnyConnect address assignment or session start or end"),
                        l,
                    );
                    continue;
                }
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
