//! Identity sources: the records that say who held a network address when.
//!
//! A firewall log, or a transparent proxy, names an address, not a person.
//! These readers turn logon events, DHCP leases, VPN accounting and plain
//! CSV into [`Observation`]s (a logon, a logoff, a lease, an interval), which
//! netusage's `identity::intervals::build` turns into address → user intervals. One
//! reader per source kind, beside this trait (as `formats/` does for logs).
//! Every record is accepted as an observation or rejected with its line and
//! reason: `accepted + rejected = records`.

pub mod assets;
pub mod cisco_asa_vpn;
pub mod csv;
pub mod dhcpd;
pub mod fortigate_vpn;
pub mod globalprotect;
pub mod openvpn_status;
pub mod radius;
pub mod vpn;
pub mod windows_dhcp;
pub mod windows_events;

use chrono_tz::Tz;

/// What a record says about an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    /// `user` held the address until `end_ms` (UTC ms, exclusive): a CSV row.
    Interval {
        /// User name as given.
        user: String,
        /// End (UTC ms).
        end_ms: i64,
    },
    /// `user` began to hold the address (a logon, a Kerberos ticket, an
    /// accounting start); `key` pairs it with its [`What::Stop`] (logon id,
    /// accounting session id).
    Start {
        /// User name as logged.
        user: String,
        /// Pairs the start with its stop, when the source has one.
        key: Option<String>,
    },
    /// The session with `key` ended (a logoff, an accounting stop).
    Stop {
        /// The start's key.
        key: String,
    },
    /// A device was leased the address until `end_ms` (or the maximum hold
    /// when the source gives no end); the asset register names its user.
    Lease {
        /// Device identifiers as logged: MAC address, host name, DUID.
        devices: Vec<String>,
        /// Lease end (UTC ms), when the source gives it.
        end_ms: Option<i64>,
    },
    /// The lease of the address ended (released, expired, deleted).
    LeaseEnd,
}

/// One accepted record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// When (UTC ms).
    pub ts_ms: i64,
    /// The address (empty for a stop, which names only its key).
    pub ip: String,
    /// What it says.
    pub what: What,
    /// Line (or record number, for `.evtx`) in the source file.
    pub line: u64,
    /// The record as logged.
    pub raw: String,
}

/// One refused record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedRecord {
    /// Line (or record number).
    pub line: u64,
    /// Why, in words.
    pub reason: String,
    /// The record as logged.
    pub raw: String,
}

/// What a reader made of a file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct IdentityRecords {
    /// Accepted records.
    pub observations: Vec<Observation>,
    /// Refused records.
    pub rejected: Vec<RefusedRecord>,
}

impl IdentityRecords {
    /// Records read: accepted + rejected.
    pub fn records(&self) -> usize {
        self.observations.len() + self.rejected.len()
    }

    fn reject(&mut self, line: u64, reason: impl Into<String>, raw: &str) {
        self.rejected.push(RefusedRecord {
            line,
            reason: reason.into(),
            raw: raw.to_string(),
        });
    }
}

/// How to read a file's local times, for sources that write them.
#[derive(Debug, Clone, Copy)]
pub struct ReadContext {
    /// The zone of local timestamps (Windows DHCP audit logs, RADIUS
    /// detail headers without a `Timestamp`).
    pub tz: Tz,
}

/// A source kind: its name for `--kind`, and its reader.
pub trait IdentityReader: Sync {
    /// Name for `--kind` and the store (`windows-events`, `dhcpd-leases`, ...).
    fn name(&self) -> &'static str;
    /// One line for `--help` and errors: what it reads.
    fn describe(&self) -> &'static str;
    /// True when `head` (the file's first bytes) looks like this kind.
    fn sniff(&self, head: &[u8]) -> bool;
    /// Reads a whole file.
    ///
    /// # Errors
    /// The file as a whole is not of this kind (a record-level problem is a
    /// [`RefusedRecord`] record instead).
    fn read(&self, bytes: &[u8], cx: &ReadContext) -> Result<IdentityRecords, String>;
}

/// Every reader, in the order `--kind auto` tries them.
pub fn registry() -> Vec<&'static dyn IdentityReader> {
    vec![
        &windows_events::WindowsEvents,
        &dhcpd::DhcpdLeases,
        &windows_dhcp::WindowsDhcp,
        &radius::RadiusDetail,
        &csv::CsvIntervals,
        // VPN address assignment (issue 27, item 5).
        &cisco_asa_vpn::CiscoAsaVpn,
        &fortigate_vpn::FortiGateVpn,
        &globalprotect::GlobalProtect,
        &openvpn_status::OpenVpnStatus,
    ]
}

/// The reader named `name`, or the first whose `sniff` accepts `head` when
/// `name` is `auto`.
///
/// # Errors
/// An unknown name, or no reader recognises the file: the message lists the kinds.
pub fn choose(name: &str, head: &[u8]) -> Result<&'static dyn IdentityReader, String> {
    let all = registry();
    let names = || {
        all.iter()
            .map(|r| format!("{} ({})", r.name(), r.describe()))
            .collect::<Vec<_>>()
            .join("; ")
    };
    if name == "auto" {
        return all
            .iter()
            .find(|r| r.sniff(head))
            .copied()
            .ok_or_else(|| format!("not a known identity source; give --kind: {}", names()));
    }
    all.iter()
        .find(|r| r.name() == name)
        .copied()
        .ok_or_else(|| format!("no identity source kind `{name}`; kinds: {}", names()))
}

/// An address as the sources write it, normalised: an IPv4-mapped IPv6
/// address (`::ffff:10.0.0.5`, as Kerberos events log it) becomes its IPv4
/// form; IPv6 is lower case. `None` for `-`, empty, loopback or
/// unparseable values.
pub fn normalise_ip(s: &str) -> Option<String> {
    let s = s.trim().trim_matches(|c| c == '[' || c == ']');
    let ip: std::net::IpAddr = s.parse().ok()?;
    let ip = match ip {
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => std::net::IpAddr::V4(v4),
            None => std::net::IpAddr::V6(v6),
        },
        v4 => v4,
    };
    if ip.is_loopback() || ip.is_unspecified() {
        return None;
    }
    Some(ip.to_string())
}

#[cfg(test)]
mod vpn_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_normalised_and_local_ones_refused() {
        assert_eq!(normalise_ip("::ffff:10.0.0.5"), Some("10.0.0.5".into()));
        assert_eq!(normalise_ip(" 10.0.0.5 "), Some("10.0.0.5".into()));
        assert_eq!(normalise_ip("2A02:CF40::1"), Some("2a02:cf40::1".into()));
        assert_eq!(normalise_ip("-"), None);
        assert_eq!(normalise_ip("::1"), None);
        assert_eq!(normalise_ip("127.0.0.1"), None);
        assert_eq!(normalise_ip("0.0.0.0"), None);
    }
}
