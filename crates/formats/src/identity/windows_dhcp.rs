//! The Windows DHCP Server audit log, `DhcpSrvLog-<Day>.log` (and
//! `DhcpV6SrvLog-<Day>.log`): a header of event-code descriptions, then CSV
//! rows `ID,Date,Time,Description,IP Address,Host Name,MAC Address,...` with
//! the date as MM/DD/YY and the time in the server's local time
//! (`--time-zone`). Leases: 10 (assigned), 11 (renewed), 20 (BOOTP
//! assigned), and for DHCPv6 11002 (request), 11003 (confirm), 11004
//! (renew), 11005 (rebind). Ends: 12 (released), 16 (deleted), 17 and 18
//! (expired), 11007 (release). The log gives no lease length: a lease lasts
//! until its end is logged or the maximum hold. Other rows (DNS updates,
//! service start, rogue detection) are records refused as not lease events.
//! Microsoft documents the codes in the header the server writes.

use chrono::TimeZone;

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind windows-dhcp`.
pub struct WindowsDhcp;

const LEASES: [u32; 7] = [10, 11, 20, 11002, 11003, 11004, 11005];
const ENDS: [u32; 5] = [12, 16, 17, 18, 11007];

impl IdentityReader for WindowsDhcp {
    fn name(&self) -> &'static str {
        "windows-dhcp"
    }

    fn describe(&self) -> &'static str {
        "Windows DHCP Server audit log (DhcpSrvLog-*.log), with --assets"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let text = String::from_utf8_lossy(head);
        text.contains("Microsoft DHCP Service Activity Log")
            || text
                .lines()
                .any(|l| l.starts_with("ID,Date,Time,Description"))
            || text.lines().take(3).all(|l| {
                let f: Vec<&str> = l.split(',').collect();
                f.len() >= 4
                    && f[0].trim_start_matches('\u{feff}').parse::<u32>().is_ok()
                    && f[1].len() == 8
                    && f[1].as_bytes().get(2) == Some(&b'/')
            }) && !text.is_empty()
    }

    fn read(&self, bytes: &[u8], cx: &ReadContext) -> Result<IdentityRecords, String> {
        let text = String::from_utf8_lossy(bytes);
        let mut out = IdentityRecords::default();
        // Rows come after the header, when there is one.
        let has_header = text.lines().any(|l| l.starts_with("ID,Date,Time"));
        let mut in_rows = !has_header;
        for (i, line) in text.lines().enumerate() {
            let n = i as u64 + 1;
            let l = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
            if !in_rows {
                in_rows = l.starts_with("ID,Date,Time");
                continue;
            }
            if l.trim().is_empty() {
                continue;
            }
            let f: Vec<&str> = l.split(',').map(str::trim).collect();
            let Some(id) = f.first().and_then(|x| x.parse::<u32>().ok()) else {
                out.reject(n, "not an audit row: no event ID", l);
                continue;
            };
            if f.len() < 5 {
                out.reject(n, format!("event {id} has no address column"), l);
                continue;
            }
            if !LEASES.contains(&id) && !ENDS.contains(&id) {
                out.reject(n, format!("event {id} ({}) is not a lease event", f[3]), l);
                continue;
            }
            let when = chrono::NaiveDateTime::parse_from_str(
                &format!("{} {}", f[1], f[2]),
                "%m/%d/%y %H:%M:%S",
            );
            let Some(ts_ms) = when
                .ok()
                .and_then(|t| cx.tz.from_local_datetime(&t).earliest())
                .map(|t| t.timestamp_millis())
            else {
                out.reject(
                    n,
                    format!(
                        "`{} {}` is not a date and time as MM/DD/YY HH:MM:SS",
                        f[1], f[2]
                    ),
                    l,
                );
                continue;
            };
            let Some(ip) = normalise_ip(f[4]) else {
                out.reject(n, format!("`{}` is not a lease address", f[4]), l);
                continue;
            };
            let what = if ENDS.contains(&id) {
                What::LeaseEnd
            } else {
                // v4: Host Name, MAC Address; v6: Host Name, Error Code, Duid Length, Duid Bytes.
                let mut devices: Vec<String> = Vec::new();
                let columns: &[usize] = if id >= 11000 { &[5, 8] } else { &[6, 5] };
                for &c in columns {
                    if let Some(d) = f.get(c).filter(|d| !d.is_empty() && **d != "000000000000") {
                        devices.push(d.to_string());
                    }
                }
                if devices.is_empty() {
                    out.reject(
                        n,
                        format!("event {id} names no device (no MAC address or host name)"),
                        l,
                    );
                    continue;
                }
                What::Lease {
                    devices,
                    end_ms: None,
                }
            };
            out.observations.push(Observation {
                ts_ms,
                ip,
                what,
                line: n,
                raw: l.to_string(),
            });
        }
        Ok(out)
    }
}
