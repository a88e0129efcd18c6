//! ISC dhcpd's lease database, `dhcpd.leases` (dhcpd.leases(5)): one
//! `lease ADDRESS { ... }` block per lease state written, with `starts` and
//! `ends` in UTC (`starts 2 2013/12/10 12:57:04;`, or `starts epoch N;` with
//! `db-time-format local`), `hardware ethernet MAC;` and
//! `client-hostname "NAME";`. Each block is a record (its line is the
//! `lease` line); the asset register names the user of its device. Other
//! statements (`server-duid`, `failover peer`, comments) are not records.

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind dhcpd-leases`.
pub struct DhcpdLeases;

/// A `starts`/`ends` value: `W YYYY/MM/DD HH:MM:SS` (UTC), `epoch N`, or
/// `never` (`Ok(None)`).
fn lease_time(v: &str) -> Result<Option<i64>, ()> {
    let v = v.trim();
    if v == "never" {
        return Ok(None);
    }
    if let Some(n) = v.strip_prefix("epoch ") {
        let secs: i64 = n.trim().parse().map_err(|_| ())?;
        return secs.checked_mul(1000).map(Some).ok_or(());
    }
    let rest = v.split_once(' ').map_or("", |(_, r)| r);
    chrono::NaiveDateTime::parse_from_str(rest.trim(), "%Y/%m/%d %H:%M:%S")
        .map(|t| Some(t.and_utc().timestamp_millis()))
        .map_err(|_| ())
}

impl IdentityReader for DhcpdLeases {
    fn name(&self) -> &'static str {
        "dhcpd-leases"
    }

    fn describe(&self) -> &'static str {
        "ISC dhcpd.leases, with --assets to name each device's user"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        String::from_utf8_lossy(head)
            .lines()
            .any(|l| l.trim_start().starts_with("lease ") && l.trim_end().ends_with('{'))
    }

    fn read(&self, bytes: &[u8], _cx: &ReadContext) -> Result<IdentityRecords, String> {
        let text = String::from_utf8_lossy(bytes);
        let mut out = IdentityRecords::default();
        let mut lines = text.lines().enumerate().peekable();
        while let Some((i, line)) = lines.next() {
            let t = line.trim();
            let Some(rest) = t.strip_prefix("lease ") else {
                continue;
            };
            let start_line = i as u64 + 1;
            let addr = rest.trim_end_matches('{').trim().to_string();
            let mut raw = vec![line.to_string()];
            let (mut starts, mut ends, mut devices) = (None, None, Vec::new());
            let mut bad = None;
            let mut closed = false;
            for (_, l) in lines.by_ref() {
                raw.push(l.to_string());
                let s = l.trim();
                if s.starts_with('}') {
                    closed = true;
                    break;
                }
                let s = s
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_end_matches(';');
                if let Some(v) = s.strip_prefix("starts ") {
                    match lease_time(v) {
                        Ok(x) => starts = x,
                        Err(()) => bad = Some(format!("`starts {v}` is not a lease time")),
                    }
                } else if let Some(v) = s.strip_prefix("ends ") {
                    match lease_time(v) {
                        Ok(x) => ends = x,
                        Err(()) => bad = Some(format!("`ends {v}` is not a lease time")),
                    }
                } else if let Some(v) = s.strip_prefix("hardware ethernet ") {
                    devices.push(v.trim().to_string());
                } else if let Some(v) = s.strip_prefix("client-hostname ") {
                    devices.push(v.trim().trim_matches('"').to_string());
                }
            }
            let raw = raw.join("\n");
            let reason = if !closed {
                Some("the lease block has no closing `}`".to_string())
            } else if let Some(b) = bad {
                Some(b)
            } else if normalise_ip(&addr).is_none() {
                Some(format!("`{addr}` is not a lease address"))
            } else if starts.is_none() {
                Some("no start time".to_string())
            } else if devices.is_empty() {
                Some(
                    "no device (no hardware address or host name): an abandoned or backup lease"
                        .to_string(),
                )
            } else {
                None
            };
            if let Some(r) = reason {
                out.reject(start_line, r, &raw);
                continue;
            }
            let ts_ms = starts.expect("checked");
            out.observations.push(Observation {
                ts_ms,
                ip: normalise_ip(&addr).expect("checked"),
                what: What::Lease {
                    devices,
                    end_ms: ends.filter(|e| *e > ts_ms),
                },
                line: start_line,
                raw,
            });
        }
        Ok(out)
    }
}
