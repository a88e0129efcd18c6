//! From identity observations to address → user intervals.
//!
//! An address is held by a person from one event until a logoff, a lease
//! end, an accounting or VPN session stop, or the maximum hold (`--max-hold`, default 10 h),
//! whichever is first. Holds of one address by one person that overlap or
//! touch are one interval: a lease renewal or a second Kerberos ticket
//! extends the hold. A lease names a device; the asset register names its
//! user, and a lease whose device the register does not know is refused
//! (it says nothing about a person), though it ends the address's earlier
//! lease (the address is bound to another device now). A renewal extends a
//! hold only when the register gives the device the same type then.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::sources::assets::AssetRegister;
use super::sources::{Observation, RefusedRecord, What};
use super::{Realms, normalise_user};

/// Default maximum hold (ms): 10 hours.
pub const DEFAULT_MAX_HOLD_MS: i64 = 10 * 3_600_000;

/// One address held by one person: `[start_ms, end_ms)` UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    /// The address.
    pub ip: String,
    /// The person: a normalised user name.
    pub user: String,
    /// Start (UTC ms).
    pub start_ms: i64,
    /// End (UTC ms, exclusive).
    pub end_ms: i64,
    /// Line (or record number) of the record that started it.
    pub line: u64,
    /// That record as logged.
    pub raw: String,
    /// The device that held the address, as the asset register writes it:
    /// set for a DHCP lease of a registered device, empty otherwise.
    #[serde(default)]
    pub device: String,
    /// Its type from the asset register (`computer`, `phone`, `tablet`),
    /// empty when the register does not say or no device is known.
    #[serde(default)]
    pub device_type: String,
}

/// Builds the intervals of one source's observations; leases whose device
/// the register does not know come back as refused records.
pub fn build(
    mut obs: Vec<Observation>,
    assets: &AssetRegister,
    max_hold_ms: i64,
    realms: &Realms,
) -> (Vec<Interval>, Vec<RefusedRecord>) {
    obs.sort_by_key(|o| (o.ts_ms, o.line));
    let mut out: Vec<Interval> = Vec::new();
    let mut refused = Vec::new();
    // Open holds by key (logon id, accounting session, VPN session: one key
    // may start holds of several addresses, as a VPN session holds both
    // its tunnel address and the public address it came from), and the
    // latest interval of each (address, user) and of each leased address.
    let mut by_key: HashMap<String, Vec<usize>> = HashMap::new();
    let mut latest: HashMap<(String, String), usize> = HashMap::new();
    let mut lease_of: HashMap<String, usize> = HashMap::new();
    for o in obs {
        let hold = |user: &str,
                    end: i64,
                    device: Option<(&str, &str)>,
                    out: &mut Vec<Interval>,
                    latest: &mut HashMap<(String, String), usize>| {
            let user = normalise_user(Some(user), "", realms).into_owned();
            let (device, device_type) = device.unwrap_or(("", ""));
            let k = (o.ip.clone(), user.clone());
            if let Some(&i) = latest.get(&k)
                && out[i].end_ms >= o.ts_ms
                && out[i].device == device
                && out[i].device_type == device_type
            {
                out[i].end_ms = out[i].end_ms.max(end);
                return i;
            }
            out.push(Interval {
                ip: o.ip.clone(),
                user,
                start_ms: o.ts_ms,
                end_ms: end,
                line: o.line,
                raw: o.raw.clone(),
                device: device.to_string(),
                device_type: device_type.to_string(),
            });
            latest.insert(k, out.len() - 1);
            out.len() - 1
        };
        match &o.what {
            What::Interval { user, end_ms } => {
                hold(user, *end_ms, None, &mut out, &mut latest);
            }
            What::Start { user, key } => {
                let i = hold(
                    user,
                    o.ts_ms.saturating_add(max_hold_ms),
                    None,
                    &mut out,
                    &mut latest,
                );
                if let Some(k) = key {
                    let held = by_key.entry(k.clone()).or_default();
                    if !held.contains(&i) {
                        held.push(i);
                    }
                }
            }
            What::Stop { key } => {
                for i in by_key.remove(key).unwrap_or_default() {
                    end_at(&mut out[i], o.ts_ms);
                }
            }
            What::Lease { devices, end_ms } => {
                let Some(assigned) = assets.assigned(devices, o.ts_ms) else {
                    // The address is bound to another device now: the
                    // earlier lease of it is over, whoever this one is.
                    if let Some(i) = lease_of.remove(&o.ip) {
                        end_at(&mut out[i], o.ts_ms);
                    }
                    refused.push(RefusedRecord {
                        line: o.line,
                        reason: format!(
                            "device {} is not in the asset register at that time: no user to name",
                            devices.join(" / ")
                        ),
                        raw: o.raw.clone(),
                    });
                    continue;
                };
                let end = end_ms
                    .unwrap_or(i64::MAX)
                    .min(o.ts_ms.saturating_add(max_hold_ms));
                let device = (assigned.device, assigned.kind.unwrap_or(""));
                let i = hold(assigned.user, end, Some(device), &mut out, &mut latest);
                lease_of.insert(o.ip.clone(), i);
            }
            What::LeaseEnd => {
                if let Some(i) = lease_of.remove(&o.ip) {
                    end_at(&mut out[i], o.ts_ms);
                }
            }
        }
    }
    out.retain(|iv| iv.end_ms > iv.start_ms);
    (out, refused)
}

/// Ends a hold at `ts_ms` (UTC ms) if that is within it: a stop before the
/// hold began leaves it as it is.
fn end_at(iv: &mut Interval, ts_ms: i64) {
    if ts_ms >= iv.start_ms {
        iv.end_ms = iv.end_ms.min(ts_ms);
    }
}

/// The registered devices that held two addresses at once: for each, the
/// device, the two addresses and when the overlap began (UTC ms), in device
/// then time order. One device has one address at a time on a network; two
/// mean a host name or MAC was copied (the register's device is then not
/// the only one answering to it), and the events of both addresses are
/// named as that device's.
pub fn devices_on_two_addresses(intervals: &[Interval]) -> Vec<(String, String, String, i64)> {
    let mut by_device: std::collections::BTreeMap<&str, Vec<&Interval>> = Default::default();
    for iv in intervals.iter().filter(|iv| !iv.device.is_empty()) {
        by_device.entry(&iv.device).or_default().push(iv);
    }
    let mut out = Vec::new();
    for (device, mut holds) in by_device {
        holds.sort_by_key(|iv| (iv.start_ms, iv.end_ms));
        // The hold reaching furthest so far, against each next one.
        let mut reach: Option<&Interval> = None;
        for iv in holds {
            if let Some(r) = reach
                && r.end_ms > iv.start_ms
                && r.ip != iv.ip
            {
                out.push((device.to_string(), r.ip.clone(), iv.ip.clone(), iv.start_ms));
            }
            if reach.is_none_or(|r| iv.end_ms > r.end_ms) {
                reach = Some(iv);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn obs(ts_h: i64, ip: &str, what: What, line: u64) -> Observation {
        Observation {
            ts_ms: ts_h * H,
            ip: ip.into(),
            what,
            line,
            raw: format!("line {line}"),
        }
    }

    fn start(user: &str, key: &str) -> What {
        What::Start {
            user: user.into(),
            key: Some(key.into()),
        }
    }

    fn spans(v: &[Interval]) -> Vec<(&str, &str, i64, i64)> {
        v.iter()
            .map(|i| (i.ip.as_str(), i.user.as_str(), i.start_ms / H, i.end_ms / H))
            .collect()
    }

    #[test]
    fn a_logoff_ends_a_hold_and_the_maximum_ends_one_without() {
        let realms = Realms::new(&["CORP".to_string()]);
        let (v, _) = build(
            vec![
                obs(9, "10.0.0.5", start("CORP\\JSmith", "0x1"), 1),
                obs(12, "", What::Stop { key: "0x1".into() }, 2),
                obs(13, "10.0.0.5", start("akhan", "0x2"), 3),
            ],
            &AssetRegister::default(),
            DEFAULT_MAX_HOLD_MS,
            &realms,
        );
        assert_eq!(
            spans(&v),
            [("10.0.0.5", "jsmith", 9, 12), ("10.0.0.5", "akhan", 13, 23)]
        );
        assert_eq!(v[0].raw, "line 1");
    }

    #[test]
    fn a_lease_renewal_extends_the_hold_and_an_unknown_device_is_refused() {
        let assets = AssetRegister::read(
            b"device,user,from,to\naa:bb:cc:dd:ee:ff,jsmith,1970-01-01,\n",
            "a.csv",
        )
        .unwrap();
        let lease = |end: i64| What::Lease {
            devices: vec!["AA-BB-CC-DD-EE-FF".into()],
            end_ms: Some(end * H),
        };
        let (v, refused) = build(
            vec![
                obs(9, "10.0.0.7", lease(10), 1),
                obs(10, "10.0.0.7", lease(11), 2),
                obs(
                    11,
                    "10.0.0.8",
                    What::Lease {
                        devices: vec!["11:22:33:44:55:66".into()],
                        end_ms: None,
                    },
                    3,
                ),
                obs(12, "10.0.0.7", lease(13), 4),
                obs(12, "10.0.0.7", What::LeaseEnd, 5),
            ],
            &assets,
            DEFAULT_MAX_HOLD_MS,
            &Realms::default(),
        );
        // 9–10 renewed at 10 to 11: one hold 9–11; a new lease at 12 released at once.
        assert_eq!(spans(&v), [("10.0.0.7", "jsmith", 9, 11)]);
        assert_eq!(refused.len(), 1);
        assert!(
            refused[0]
                .reason
                .starts_with("device 11:22:33:44:55:66 is not in the asset register")
        );
    }

    #[test]
    fn an_unregistered_devices_lease_ends_the_address_s_earlier_lease_and_a_type_change_splits_a_renewal()
     {
        let assets = AssetRegister::read(
            b"device,user,from,to,type\naa:bb:cc:00:00:60,akhan,1970-01-01,1970-01-01,computer\naa:bb:cc:00:00:60,akhan,1970-01-02,,phone\n",
            "a.csv",
        )
        .unwrap();
        let lease = |mac: &str, end: i64| What::Lease {
            devices: vec![mac.into()],
            end_ms: Some(end * H),
        };
        // akhan's device leases .60 from 09 to 17; another device, not in
        // the register, leases it at 11: akhan's hold ends at 11.
        let (v, refused) = build(
            vec![
                obs(9, "10.0.0.60", lease("aa:bb:cc:00:00:60", 17), 1),
                obs(11, "10.0.0.60", lease("de:ad:be:ef:00:01", 19), 2),
            ],
            &assets,
            DEFAULT_MAX_HOLD_MS,
            &Realms::default(),
        );
        assert_eq!(spans(&v), [("10.0.0.60", "akhan", 9, 11)]);
        assert_eq!(refused.len(), 1);
        // A lease from 23 on the 1st renewed at 24 + 9 (the 2nd, when the
        // register makes the device a phone): two holds, each with its type.
        let (v, _) = build(
            vec![
                obs(23, "10.0.0.60", lease("aa:bb:cc:00:00:60", 33), 1),
                obs(33, "10.0.0.60", lease("aa:bb:cc:00:00:60", 41), 2),
            ],
            &assets,
            DEFAULT_MAX_HOLD_MS,
            &Realms::default(),
        );
        let types: Vec<(i64, i64, &str)> = v
            .iter()
            .map(|i| (i.start_ms / H, i.end_ms / H, i.device_type.as_str()))
            .collect();
        assert_eq!(types, [(23, 33, "computer"), (33, 41, "phone")]);
    }

    #[test]
    fn a_device_on_two_addresses_at_once_is_found() {
        let iv = |ip: &str, device: &str, a: i64, b: i64| Interval {
            ip: ip.into(),
            user: "dbrown".into(),
            start_ms: a * H,
            end_ms: b * H,
            line: 1,
            raw: String::new(),
            device: device.into(),
            device_type: "computer".into(),
        };
        let found = devices_on_two_addresses(&[
            iv("10.0.0.21", "pc-7", 9, 17),
            iv("10.0.0.22", "pc-7", 12, 13),
            iv("10.0.0.21", "pc-7", 18, 19),
            iv("10.0.0.23", "pc-7", 19, 20),
            iv("10.0.0.31", "", 9, 17),
            iv("10.0.0.32", "", 9, 17),
        ]);
        assert_eq!(
            found,
            [(
                "pc-7".to_string(),
                "10.0.0.21".to_string(),
                "10.0.0.22".to_string(),
                12 * H
            )]
        );
    }

    #[test]
    fn a_vpn_session_stop_ends_every_address_its_key_started() {
        let key = "asa:user-1@81.2.69.144";
        let (v, _) = build(
            vec![
                obs(9, "81.2.69.144", start("user-1", key), 1),
                obs(9, "10.8.0.21", start("user-1", key), 2),
                obs(11, "", What::Stop { key: key.into() }, 3),
            ],
            &AssetRegister::default(),
            DEFAULT_MAX_HOLD_MS,
            &Realms::default(),
        );
        assert_eq!(
            spans(&v),
            [
                ("81.2.69.144", "user-1", 9, 11),
                ("10.8.0.21", "user-1", 9, 11)
            ]
        );
    }
}
