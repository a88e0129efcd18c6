//! DNS query logs: which name a client resolved to which address, so a
//! connection a firewall logged with only a destination address can be named
//! (docs/STORE.md, "DNS naming").
//!
//! Readers, by the log's own documentation:
//! - BIND 9 / Infoblox NIOS query logs with responses
//!   (`client 10.0.0.5#53531 UDP: query: www.facebook.com IN A response:
//!   NOERROR + www.facebook.com 60 IN A 157.240.1.35;`): one lookup per
//!   address answered. A plain BIND query log line has no answer (the address
//!   in brackets is the server's), so it names nothing and is refused.
//! - dnsmasq with `log-queries` (`query[A] NAME from CLIENT`, then `reply
//!   NAME is ADDRESS` or `cached NAME is ADDRESS`): each answer goes to the
//!   client whose query for that name came last. Syslog lines carry no year:
//!   `--year` gives it.
//! - Windows DNS Server debug logs: a response sent to a client (`Snd`,
//!   flag `R`) with "details" logging on is followed by indented lines whose
//!   `ANSWER SECTION` holds `DATA <address>` lines; without details the
//!   response records no answer and is refused, as are query packets and
//!   responses from other servers. Detail lines belong to their packet.
//!
//! Times are the server's local time (`--time-zone`). Every line is a
//! lookup, a query waiting for its answer, or refused with its reason.

use std::collections::HashMap;

use chrono::{NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use crate::identity::normalise_ip;

/// One answered lookup: `client` resolved `name` to `address` at `ts_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// When (UTC ms).
    pub ts_ms: i64,
    /// The client's address.
    pub client: String,
    /// The name looked up, lower case, no trailing dot.
    pub name: String,
    /// An address in the answer.
    pub address: String,
    /// Line in the file.
    pub line: u64,
}

/// What a file gave: lookups, lines used without a lookup of their own
/// (queries answered later), and refused lines with reasons.
#[derive(Debug, Default, Clone)]
pub struct DnsRecords {
    /// Lookups.
    pub lookups: Vec<Lookup>,
    /// Lines accepted (a lookup's line or a query line an answer used).
    pub accepted: u64,
    /// Refused lines: (line, reason).
    pub rejected: Vec<(u64, String)>,
}

impl DnsRecords {
    /// Lines read (blank lines are not records).
    pub fn records(&self) -> u64 {
        self.accepted + self.rejected.len() as u64
    }
}

fn local(tz: Tz, t: NaiveDateTime) -> Option<i64> {
    tz.from_local_datetime(&t)
        .earliest()
        .map(|t| t.timestamp_millis())
}

fn name_of(s: &str) -> String {
    s.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Reads a DNS log of any supported kind, line by line.
pub fn read(text: &str, tz: Tz, year: i32) -> DnsRecords {
    let mut out = DnsRecords::default();
    // dnsmasq: the latest client to query each name, with its line.
    let mut asked: HashMap<String, (String, u64, bool)> = HashMap::new();
    // Windows DNS debug: the response packet whose detail lines follow.
    let mut packet: Option<Packet> = None;
    for (i, line) in text.lines().enumerate() {
        let n = i as u64 + 1;
        let l = line.trim_end_matches('\r');
        if l.trim().is_empty() {
            continue;
        }
        if let Some(at) = l.find(": query: ").filter(|_| l.contains(" response: ")) {
            bind_response(l, at, n, tz, &mut out);
        } else if l.contains(" dnsmasq[") {
            dnsmasq(l, n, tz, year, &mut asked, &mut out);
        } else if l.contains(" PACKET ") {
            finish_packet(&mut packet, &mut out);
            packet = windows_packet(l, n, tz, &mut out);
        } else if let Some(p) = packet.as_mut().filter(|_| l.starts_with([' ', '\t'])) {
            // A detail line of the packet above (debug logging with "details").
            let t = l.trim();
            if t.starts_with("ANSWER SECTION") {
                p.in_answer = true;
            } else if t.ends_with("SECTION:") {
                p.in_answer = false;
            } else if p.in_answer
                && let Some(addr) = t.strip_prefix("DATA").and_then(|a| normalise_ip(a.trim()))
            {
                p.answers.push(addr);
            }
        } else if l.contains("query: ") {
            out.rejected.push((n, "a query without its answer (the address in brackets is the server's): nothing to name".into()));
        } else {
            out.rejected.push((n, "not a DNS query or answer".into()));
        }
    }
    finish_packet(&mut packet, &mut out);
    for (_, line, used) in asked.into_values() {
        if !used {
            out.rejected
                .push((line, "a query no answer in this file followed".into()));
        }
    }
    out.rejected.sort();
    out
}

/// A Windows DNS Server response to a client, waiting for its detail lines.
struct Packet {
    ts_ms: i64,
    client: String,
    name: String,
    line: u64,
    in_answer: bool,
    answers: Vec<String>,
}

/// A Windows DNS debug `PACKET` line: a response sent to a client (`Snd`
/// with the `R` flag) waits for its answer section; anything else is refused.
fn windows_packet(l: &str, n: u64, tz: Tz, out: &mut DnsRecords) -> Option<Packet> {
    let f: Vec<&str> = l.split_whitespace().collect();
    let ampm = f.get(2).is_some_and(|w| *w == "AM" || *w == "PM");
    let ts = if ampm {
        NaiveDateTime::parse_from_str(&f[..3].join(" "), "%m/%d/%Y %I:%M:%S %p").ok()
    } else {
        let dt = f.get(..2).map(|x| x.join(" ")).unwrap_or_default();
        NaiveDateTime::parse_from_str(&dt, "%d/%m/%Y %H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(&dt, "%Y-%m-%d %H:%M:%S"))
            .ok()
    };
    let Some(ts_ms) = ts.and_then(|t| local(tz, t)) else {
        out.rejected
            .push((n, "a packet line without a date and time".into()));
        return None;
    };
    let Some(d) = f.iter().position(|w| *w == "Snd" || *w == "Rcv") else {
        out.rejected.push((
            n,
            "a packet line that is not a DNS query or response".into(),
        ));
        return None;
    };
    if f[d] != "Snd" || f.get(d + 3) != Some(&"R") {
        out.rejected.push((
            n,
            "a query packet, or a response from another server: not an answer to a client".into(),
        ));
        return None;
    }
    let Some(client) = f.get(d + 1).and_then(|a| normalise_ip(a)) else {
        out.rejected
            .push((n, "a response without a client address".into()));
        return None;
    };
    // The name, as (3)www(8)facebook(3)com(0) or .www.facebook.com.
    let raw_name = f.last().copied().unwrap_or("");
    let mut name = String::new();
    let mut rest = raw_name;
    while let Some(open) = rest.find('(') {
        name.push_str(&rest[..open]);
        if !name.is_empty() && !name.ends_with('.') {
            name.push('.');
        }
        let close = rest[open..].find(')').map_or(rest.len(), |c| open + c);
        rest = rest.get(close + 1..).unwrap_or("");
    }
    name.push_str(rest);
    Some(Packet {
        ts_ms,
        client,
        name: name_of(name.trim_matches('.')),
        line: n,
        in_answer: false,
        answers: Vec::new(),
    })
}

/// Turns a finished response packet into lookups, or refuses it.
fn finish_packet(packet: &mut Option<Packet>, out: &mut DnsRecords) {
    let Some(p) = packet.take() else {
        return;
    };
    if p.answers.is_empty() {
        out.rejected.push((
            p.line,
            "a response whose answer the log does not record (debug logging without details): nothing to name".into(),
        ));
        return;
    }
    out.accepted += 1;
    for address in p.answers {
        out.lookups.push(Lookup {
            ts_ms: p.ts_ms,
            client: p.client.clone(),
            name: p.name.clone(),
            address,
            line: p.line,
        });
    }
}

/// `DD-Mon-YYYY HH:MM:SS.mmm client IP#PORT ...: query: NAME IN TYPE response: RCODE FLAGS ANSWERS;`
fn bind_response(l: &str, at: usize, n: u64, tz: Tz, out: &mut DnsRecords) {
    let when = l
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find_map(|w| {
            NaiveDateTime::parse_from_str(&format!("{} {}", w[0], w[1]), "%d-%b-%Y %H:%M:%S%.f")
                .ok()
        });
    let client = l
        .split("client ")
        .nth(1)
        .and_then(|r| r.split_whitespace().find(|w| w.contains('#')))
        .and_then(|w| normalise_ip(w.split('#').next().unwrap_or("")));
    let (Some(when), Some(client)) = (when.and_then(|t| local(tz, t)), client) else {
        out.rejected.push((
            n,
            "a response line without its time or client address".into(),
        ));
        return;
    };
    let query = &l[at + ": query: ".len()..];
    let name = name_of(query.split_whitespace().next().unwrap_or(""));
    let answers = query.split(" response: ").nth(1).unwrap_or("");
    let before = out.lookups.len();
    for record in answers.split(';') {
        let f: Vec<&str> = record.split_whitespace().collect();
        // ... NAME TTL IN A|AAAA ADDRESS
        if let Some(p) = f.iter().position(|w| *w == "A" || *w == "AAAA")
            && p >= 1
            && f[p - 1] == "IN"
            && let Some(addr) = f.get(p + 1).and_then(|a| normalise_ip(a))
        {
            out.lookups.push(Lookup {
                ts_ms: when,
                client: client.clone(),
                name: name.clone(),
                address: addr,
                line: n,
            });
        }
    }
    if out.lookups.len() == before {
        out.rejected.push((
            n,
            "a response with no address in its answer (NXDOMAIN, REFUSED, CNAME only)".into(),
        ));
    } else {
        out.accepted += 1;
    }
}

/// `Mon DD HH:MM:SS dnsmasq[PID]: query[A] NAME from CLIENT` / `reply NAME is ADDRESS`.
fn dnsmasq(
    l: &str,
    n: u64,
    tz: Tz,
    year: i32,
    asked: &mut HashMap<String, (String, u64, bool)>,
    out: &mut DnsRecords,
) {
    let when = l
        .get(..15)
        .and_then(|s| {
            NaiveDateTime::parse_from_str(&format!("{year} {s}"), "%Y %b %e %H:%M:%S").ok()
        })
        .and_then(|t| local(tz, t));
    let msg = l.split("]: ").nth(1).unwrap_or("");
    let Some(when) = when else {
        out.rejected
            .push((n, "a dnsmasq line without its time".into()));
        return;
    };
    let words: Vec<&str> = msg.split_whitespace().collect();
    match words.as_slice() {
        [q, name, "from", client] if q.starts_with("query[") => match normalise_ip(client) {
            Some(c) => {
                if let Some((_, old, false)) = asked.insert(name_of(name), (c, n, false)) {
                    out.rejected
                        .push((old, "a query no answer in this file followed".into()));
                }
            }
            None => out
                .rejected
                .push((n, format!("query from `{client}`: not a client address"))),
        },
        ["reply" | "cached", name, "is", addr] => {
            let name = name_of(name);
            match (asked.get_mut(&name), normalise_ip(addr)) {
                (Some((client, _, used)), Some(a)) => {
                    out.lookups.push(Lookup {
                        ts_ms: when,
                        client: client.clone(),
                        name,
                        address: a,
                        line: n,
                    });
                    out.accepted += 1;
                    // The query line counts as accepted once an answer used it.
                    if !*used {
                        *used = true;
                        out.accepted += 1;
                    }
                }
                (None, _) => out.rejected.push((
                    n,
                    "an answer no client's query in this file asked for".into(),
                )),
                (_, None) => out
                    .rejected
                    .push((n, format!("an answer without an address (`{addr}`)"))),
            }
        }
        _ => out
            .rejected
            .push((n, "a dnsmasq line that is not a query or an answer".into())),
    }
}

/// The lookups of every imported DNS log, by (client, address).
#[derive(Debug, Default, Clone)]
pub struct Resolver {
    by_pair: HashMap<(String, String), Vec<(i64, String)>>,
}

impl Resolver {
    /// Indexes lookups.
    pub fn new(lookups: impl IntoIterator<Item = Lookup>) -> Resolver {
        let mut by_pair: HashMap<(String, String), Vec<(i64, String)>> = HashMap::new();
        for l in lookups {
            by_pair
                .entry((l.client, l.address))
                .or_default()
                .push((l.ts_ms, l.name));
        }
        for v in by_pair.values_mut() {
            v.sort();
        }
        Resolver { by_pair }
    }

    /// True when there are no lookups.
    pub fn is_empty(&self) -> bool {
        self.by_pair.is_empty()
    }

    /// The name `client` most recently resolved to `address` at or before
    /// `ts_ms`, no more than `window_ms` before it.
    pub fn name(&self, client: &str, address: &str, ts_ms: i64, window_ms: i64) -> Option<&str> {
        let v = self
            .by_pair
            .get(&(client.to_string(), address.to_string()))?;
        let i = v.partition_point(|(t, _)| *t <= ts_ms);
        let (t, name) = v.get(i.checked_sub(1)?)?;
        (ts_ms - t <= window_ms).then_some(name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each lookup as (client, name, address, line).
    fn lookups(p: &DnsRecords) -> Vec<(&str, &str, &str, u64)> {
        p.lookups
            .iter()
            .map(|l| {
                (
                    l.client.as_str(),
                    l.name.as_str(),
                    l.address.as_str(),
                    l.line,
                )
            })
            .collect()
    }

    #[test]
    fn bind_responses_and_dnsmasq_replies_become_lookups_and_the_rest_is_refused() {
        let text = "07-Apr-2022 08:08:10.043 client 192.168.0.1#57398 UDP: query: a1.foo.com IN A response: NOERROR +ED a1.foo.com 28800 IN A 192.168.0.2; a1.foo.com 28800 IN A 192.168.0.3;\n\
                    07-Apr-2022 08:08:11.000 client 192.168.0.1#57398 UDP: query: nx.foo.com IN A response: NXDOMAIN +ED\n\
                    17-Feb-2018 23:06:56.326 queries: info: client 172.26.0.1#12345 (test.example.com): query: test.example.com IN A +E(0)K (172.26.0.3)\n\
                    Jun 12 16:13:28 dnsmasq[421]: query[A] www.facebook.com from 10.86.32.102\n\
                    Jun 12 16:13:28 dnsmasq[421]: reply www.facebook.com is 157.240.1.35\n\
                    Jun 12 16:13:29 dnsmasq[421]: reply other.com is 1.2.3.4\n";
        let p = read(text, chrono_tz::UTC, 2025);
        assert_eq!(p.records(), 6);
        let got = lookups(&p);
        assert_eq!(
            got,
            [
                ("192.168.0.1", "a1.foo.com", "192.168.0.2", 1),
                ("192.168.0.1", "a1.foo.com", "192.168.0.3", 1),
                ("10.86.32.102", "www.facebook.com", "157.240.1.35", 5),
            ]
        );
        let lines: Vec<u64> = p.rejected.iter().map(|r| r.0).collect();
        assert_eq!(lines, [2, 3, 6]);
    }

    #[test]
    fn a_windows_dns_debug_log_with_details_gives_the_answer_section() {
        // Microsoft's debug log layout with "details": a response to the
        // client, then its answer section; then one without details.
        let text = "22/12/2021 21:46:04 0E1C PACKET  0000017DEDFE28D0 UDP Snd 10.20.0.6       966f R Q [8081   DR  NOERROR] A      (3)www(8)facebook(3)com(0)\n\
                    UDP response info at 0000017DEDFE28D0\n  Socket = 512\n  Remote addr 10.20.0.6, port 53012\n  ANSWER SECTION:\n    \
                    Name      \"[C00C](3)www(8)facebook(3)com(0)\"\n      TYPE   A  (1)\n      DATA   157.240.1.35\n  AUTHORITY SECTION:\n      \
                    DATA   10.9.9.9\n\
                    22/12/2021 21:46:05 0E1C PACKET  0000017DEDFE28D0 UDP Snd 10.20.0.6       9670 R Q [8081   DR  NOERROR] A      (5)login(4)live(3)com(0)\n";
        let p = read(text, chrono_tz::UTC, 2021);
        let got = lookups(&p);
        assert_eq!(got, [("10.20.0.6", "www.facebook.com", "157.240.1.35", 1)]);
        assert_eq!(p.lookups[0].ts_ms, 1_640_209_564_000);
        let rejected: Vec<u64> = p.rejected.iter().map(|r| r.0).collect();
        assert_eq!(
            rejected,
            [2, 11],
            "the info line and the response without details: {:?}",
            p.rejected
        );
    }

    #[test]
    fn the_most_recent_lookup_within_the_window_names_the_address() {
        let l = |t: i64, name: &str| Lookup {
            ts_ms: t * 60_000,
            client: "10.0.0.5".into(),
            name: name.into(),
            address: "157.240.1.35".into(),
            line: 1,
        };
        let r = Resolver::new([
            l(0, "old.example"),
            l(30, "www.facebook.com"),
            l(200, "later.example"),
        ]);
        let hour = 3_600_000;
        assert_eq!(
            r.name("10.0.0.5", "157.240.1.35", 40 * 60_000, hour),
            Some("www.facebook.com")
        );
        assert_eq!(
            r.name("10.0.0.5", "157.240.1.35", 100 * 60_000, hour),
            None,
            "70 minutes after: outside the window"
        );
        assert_eq!(
            r.name("10.0.0.6", "157.240.1.35", 40 * 60_000, hour),
            None,
            "another client's lookup"
        );
    }
}
