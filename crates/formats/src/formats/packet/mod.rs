//! Packet-filter logs: Linux netfilter `LOG` lines (iptables, nftables,
//! Proxmox, UniFi) and pfSense / OPNsense `filterlog`. Each line is one
//! packet the rule logged — a connection attempt, read as a connection
//! record: the client is the source, the host the destination address.
//!
//! Sources: the kernel's `nf_log` format (`IN= OUT= SRC= DST= PROTO= SPT=
//! DPT=`, after a prefix the rule sets); the pfSense documentation "Raw
//! Filter Log Format" (`rule,subrule,anchor,tracker,interface,reason,action,
//! direction,ipversion,...`; IPv4: source and destination in columns 19–20,
//! ports 21–22; IPv6: 16–17 and 18–19, counting from 1).
//!
//! - Times come from the syslog header: RFC 3339 with an offset, `Mon dd
//!   HH:MM:SS` (the file's year, the source time zone), or Proxmox's
//!   `dd/Mon/yyyy:HH:MM:SS +zzzz`.
//! - Denied when the log prefix (netfilter) or the action (pfSense) says
//!   DROP, REJECT, BLOCK or DENY.

use std::borrow::Cow;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The netfilter `LOG` reader.
pub struct Netfilter;

/// The pfSense / OPNsense `filterlog` reader.
pub struct PfFilterlog;

impl LogFormat for Netfilter {
    fn name(&self) -> &'static str {
        "netfilter"
    }
    fn description(&self) -> &'static str {
        "Linux netfilter LOG lines (iptables, nftables, Proxmox, UniFi): one logged packet each (kernel nf_log format)"
    }
    fn sample(&self) -> &'static str {
        "Nov 10 09:15:02 gw kernel: [FWD-ACCEPT] IN=eth1 OUT=eth0 MAC=00:11:22:33:44:55:66:77:88:99:aa:bb:08:00 SRC=10.0.0.5 DST=157.240.221.35 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=1 DF PROTO=TCP SPT=50123 DPT=443 WINDOW=64240 RES=0x00 SYN URGP=0"
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(Packets {
            tz: cx.tz,
            year: cx.year,
            pf: false,
        })
    }
}

impl LogFormat for PfFilterlog {
    fn name(&self) -> &'static str {
        "pfsense"
    }
    fn description(&self) -> &'static str {
        "pfSense / OPNsense filterlog CSV: one logged packet each (pfSense Raw Filter Log Format)"
    }
    fn sample(&self) -> &'static str {
        "<134>Nov 10 09:15:02 filterlog[72237]: 146,,,1535324496,igb1,match,block,in,4,0x0,,63,12617,0,DF,6,tcp,60,10.0.0.5,157.240.221.35,50123,443,0,S,1891286705,,64240,,mss"
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(Packets {
            tz: cx.tz,
            year: cx.year,
            pf: true,
        })
    }
}

#[derive(Clone, Copy)]
struct Packets {
    tz: chrono_tz::Tz,
    year: i32,
    pf: bool,
}

impl Packets {
    fn time(&self, line: &str) -> Option<i64> {
        let s = match line.strip_prefix('<') {
            Some(r) => &r[r.find('>')? + 1..],
            None => line,
        };
        let s = s.strip_prefix("1 ").unwrap_or(s);
        let first = s.split_whitespace().next()?;
        if let Ok(t) = chrono::DateTime::parse_from_rfc3339(first) {
            return super::time::plausible(t.timestamp_millis());
        }
        // A CLF time after the syslog header (Proxmox); any line without
        // one goes on to the BSD date below.
        if let Some(i) = line.find('/')
            && let Some(start) = line[..i].rfind(' ')
            && let Some(t) = line
                .get(start + 1..start + 27)
                .and_then(super::time::clf_time)
        {
            return Some(t);
        }
        let mut w = s.split_whitespace();
        let mon = super::time::month(w.next()?)?;
        let day: u32 = w.next()?.parse().ok()?;
        let time = NaiveTime::parse_from_str(w.next()?, "%H:%M:%S").ok()?;
        let naive = NaiveDateTime::new(NaiveDate::from_ymd_opt(self.year, mon, day)?, time);
        super::time::local_to_utc(naive, self.tz)
    }

    fn netfilter<'a>(&self, line: &'a str, ts_ms: i64) -> Result<Parsed<'a>, Reason> {
        let field = |k: &str| {
            line.split(' ')
                .find_map(|w| w.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
                .filter(|v| !v.is_empty())
        };
        let src = field("SRC").ok_or("no SRC= address: not a netfilter LOG line")?;
        let dst = field("DST").ok_or("no DST= address")?;
        let upper = line.to_ascii_uppercase();
        let prefix = &upper[..upper.find("IN=").unwrap_or(0)];
        Ok(Parsed::Event(event(
            ts_ms,
            src,
            dst,
            field("DPT").and_then(|p| p.parse().ok()),
            field("LEN").and_then(|l| l.parse().ok()),
            ["DROP", "REJECT", "BLOCK", "DENY", "-D]"]
                .iter()
                .any(|d| prefix.contains(d)),
            None,
        )))
    }

    fn filterlog<'a>(&self, line: &'a str, ts_ms: i64) -> Result<Parsed<'a>, Reason> {
        let at = line
            .find("filterlog")
            .ok_or("no filterlog tag: not a pfSense filter log line")?;
        let csv = line[at..]
            .split_once(": ")
            .map(|(_, c)| c)
            .or_else(|| line[at..].rsplit_once(" - ").map(|(_, c)| c))
            .ok_or("no filterlog CSV after the tag")?;
        let csv = csv
            .rsplit_once("] ")
            .map_or(csv, |(_, c)| c)
            .trim_start_matches("- ");
        let f: Vec<&str> = csv.split(',').collect();
        let (src, dst, ports) = match f.get(8) {
            Some(&"4") if f.len() >= 20 => (f[18], f[19], 20),
            Some(&"6") if f.len() >= 17 => (f[15], f[16], 17),
            Some(v) if *v == "4" || *v == "6" => {
                return Err(Cow::Owned(format!(
                    "filterlog IPv{v} line has {} columns, too few for its addresses",
                    f.len()
                )));
            }
            _ => return Err("filterlog column 9 is not the IP version 4 or 6".into()),
        };
        let proto = if f[8] == "4" { f.get(16) } else { f.get(12) };
        let with_ports = matches!(proto, Some(&"tcp" | &"udp"));
        let dport = with_ports
            .then(|| f.get(ports + 1).and_then(|p| p.parse().ok()))
            .flatten();
        let action = f.get(6).copied().filter(|a| !a.is_empty());
        Ok(Parsed::Event(event(
            ts_ms,
            src,
            dst,
            dport,
            None,
            action.is_some_and(|a| a == "block" || a == "reject"),
            action,
        )))
    }
}

fn event<'a>(
    ts_ms: i64,
    src: &'a str,
    dst: &'a str,
    dport: Option<u16>,
    bytes_out: Option<u64>,
    denied: bool,
    action: Option<&'a str>,
) -> RawEvent<'a> {
    RawEvent {
        ts_ms,
        elapsed_ms: None,
        client_ip: src,
        user: None,
        method: "",
        status: 0,
        bytes: 0,
        bytes_out,
        url: Cow::Borrowed(""),
        host: Some(Cow::Borrowed(dst)),
        dst_port: dport,
        action,
        denied,
    }
}

impl LineParser for Packets {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        if self.pf != line.contains("filterlog") {
            return Err(if self.pf {
                "no filterlog tag: not a pfSense filter log line".into()
            } else {
                "a pfSense filterlog line, not a netfilter LOG line".into()
            });
        }
        let ts_ms = self
            .time(line)
            .ok_or("no readable time in the syslog header")?;
        if self.pf {
            self.filterlog(line, ts_ms)
        } else {
            self.netfilter(line, ts_ms)
        }
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        self.time(line)
    }
}

#[cfg(test)]
mod tests;
