//! Attribution at scan time: an event logged with no user (stored as
//! `ip:<address>`) gets the person whose identity interval covers its time
//! at its address. Done as events are read, not at ingest, so an identity
//! source imported later fixes old events without re-ingesting
//! (docs/ARCHITECTURE.md, "Attribution").
//!
//! The result for each event: `logged` (the log named a user: it always
//! wins), `identity:<source>:<line>` (one person held the address then),
//! `ambiguous` (two or more did: attributed to neither), or `unattributed`.

use std::collections::{BTreeSet, HashMap};

use super::intervals::Interval;

/// An interval as looked up: its person, end, and where it came from.
#[derive(Debug, Clone)]
struct Hold {
    start_ms: i64,
    end_ms: i64,
    /// The most any hold up to this one in start order ends (ms).
    reach_ms: i64,
    user: String,
    /// `identity:<source>:<line>`.
    attribution: String,
    /// The leased device and its type (empty when not known).
    device: String,
    device_type: String,
}

/// How one event was attributed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The log named the user.
    Logged,
    /// One person held the address: their user name, and `identity:<source>:<line>`.
    Identity(&'a str, &'a str),
    /// Several people held it at once.
    Ambiguous,
    /// Nobody is known to have held it.
    Unattributed,
}

impl Outcome<'_> {
    /// The `attribution` value: `logged`, `identity:<source>:<line>`,
    /// `ambiguous` or `unattributed`.
    pub fn label(&self) -> &str {
        match self {
            Outcome::Logged => "logged",
            Outcome::Identity(_, a) => a,
            Outcome::Ambiguous => "ambiguous",
            Outcome::Unattributed => "unattributed",
        }
    }
}

/// Every identity interval, indexed by address.
#[derive(Debug, Clone, Default)]
pub struct Attributor {
    by_ip: HashMap<String, Vec<Hold>, foldhash::fast::RandomState>,
}

impl Attributor {
    /// Indexes intervals, each with the id of the source it came from.
    pub fn new(intervals: impl IntoIterator<Item = (String, Interval)>) -> Attributor {
        let mut by_ip: HashMap<String, Vec<Hold>, foldhash::fast::RandomState> = HashMap::default();
        for (source, iv) in intervals {
            by_ip.entry(iv.ip).or_default().push(Hold {
                start_ms: iv.start_ms,
                end_ms: iv.end_ms,
                reach_ms: 0,
                user: iv.user,
                attribution: format!("identity:{source}:{}", iv.line),
                device: iv.device,
                device_type: iv.device_type,
            });
        }
        for holds in by_ip.values_mut() {
            holds.sort_by_key(|h| (h.start_ms, h.end_ms));
            let mut reach = i64::MIN;
            for h in holds.iter_mut() {
                reach = reach.max(h.end_ms);
                h.reach_ms = reach;
            }
        }
        Attributor { by_ip }
    }

    /// True when there is no interval at all.
    pub fn is_empty(&self) -> bool {
        self.by_ip.is_empty()
    }

    /// Who held `ip` at `ts_ms` (UTC).
    pub fn at(&self, ip: &str, ts_ms: i64) -> Outcome<'_> {
        self.at_until(ip, ts_ms).0
    }

    /// Who held `ip` at `ts_ms` (UTC), and until when (UTC ms, exclusive)
    /// the answer stays the same for later times: no hold covering `ts_ms`
    /// ends and no other starts before it.
    pub fn at_until(&self, ip: &str, ts_ms: i64) -> (Outcome<'_>, i64) {
        let mut found: Option<&Hold> = None;
        let mut ambiguous = false;
        let until = self.covering(ip, ts_ms, |h| match found {
            Some(f) if f.user != h.user => ambiguous = true,
            Some(_) => {}
            None => found = Some(h),
        });
        let outcome = match found {
            _ if ambiguous => Outcome::Ambiguous,
            Some(h) => Outcome::Identity(&h.user, &h.attribution),
            None => Outcome::Unattributed,
        };
        (outcome, until)
    }

    /// True when some interval names the device that held its address (a
    /// DHCP lease of a device in the asset register).
    pub fn has_devices(&self) -> bool {
        self.by_ip
            .values()
            .any(|holds| holds.iter().any(|h| !h.device.is_empty()))
    }

    /// The device types the intervals name (`computer`, `phone`, `tablet`).
    pub fn device_types(&self) -> BTreeSet<&str> {
        self.by_ip
            .values()
            .flatten()
            .map(|h| h.device_type.as_str())
            .filter(|t| !t.is_empty())
            .collect()
    }

    /// The device that held `ip` at `ts_ms` (UTC) and its type (empty when
    /// the register does not say), when exactly one registered device did;
    /// and until when (UTC ms, exclusive) the answer stays the same. Two
    /// devices at once, or none known: `None`.
    pub fn device_until(&self, ip: &str, ts_ms: i64) -> (Option<(&str, &str)>, i64) {
        let mut found: Option<&Hold> = None;
        let mut two = false;
        let until = self.covering(ip, ts_ms, |h| {
            if h.device.is_empty() {
                return;
            }
            match found {
                Some(f) if f.device != h.device => two = true,
                Some(_) => {}
                None => found = Some(h),
            }
        });
        let device = found
            .filter(|_| !two)
            .map(|h| (h.device.as_str(), h.device_type.as_str()));
        (device, until)
    }

    /// Calls `each` with every hold of `ip` that covers `ts_ms`, latest
    /// start first; returns until when (UTC ms, exclusive) that set stays
    /// the same.
    fn covering<'s>(&'s self, ip: &str, ts_ms: i64, mut each: impl FnMut(&'s Hold)) -> i64 {
        let Some(holds) = self.by_ip.get(ip) else {
            return i64::MAX;
        };
        let upto = holds.partition_point(|h| h.start_ms <= ts_ms);
        let mut until = holds.get(upto).map_or(i64::MAX, |h| h.start_ms);
        for h in holds[..upto].iter().rev() {
            if h.reach_ms <= ts_ms {
                break;
            }
            if h.end_ms > ts_ms {
                until = until.min(h.end_ms);
                each(h);
            }
        }
        until
    }

    /// The addresses any of `users` held at some time in `[from_ms, to_ms)`,
    /// as stored for unattributed events (`ip:<address>`).
    pub fn addresses_of(
        &self,
        users: &BTreeSet<String>,
        from_ms: i64,
        to_ms: i64,
    ) -> BTreeSet<String> {
        self.by_ip
            .iter()
            .filter(|(_, holds)| {
                holds
                    .iter()
                    .any(|h| users.contains(&h.user) && h.start_ms < to_ms && h.end_ms > from_ms)
            })
            .map(|(ip, _)| format!("ip:{ip}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    fn iv(ip: &str, user: &str, a: i64, b: i64, line: u64) -> (String, Interval) {
        (
            "src1".to_string(),
            Interval {
                ip: ip.into(),
                user: user.into(),
                start_ms: a * H,
                end_ms: b * H,
                line,
                raw: String::new(),
                device: String::new(),
                device_type: String::new(),
            },
        )
    }

    #[test]
    fn one_address_two_people_at_different_times_and_an_overlap_is_ambiguous_only_where_it_overlaps()
     {
        let a = Attributor::new([
            iv("10.0.0.5", "jsmith", 9, 12, 1),
            iv("10.0.0.5", "akhan", 13, 17, 2),
            iv("10.0.0.5", "bob", 16, 18, 3),
            iv("10.0.0.5", "akhan", 8, 24, 4),
        ]);
        // The long akhan hold (8–24) makes 9–12 ambiguous with jsmith.
        assert_eq!(a.at("10.0.0.5", 10 * H), Outcome::Ambiguous);
        assert_eq!(
            a.at("10.0.0.5", 14 * H),
            Outcome::Identity("akhan", "identity:src1:2")
        );
        assert_eq!(a.at("10.0.0.5", 16 * H + 1), Outcome::Ambiguous);
        assert_eq!(
            a.at("10.0.0.5", 18 * H),
            Outcome::Identity("akhan", "identity:src1:4")
        );
        let b = Attributor::new([
            iv("10.0.0.5", "jsmith", 9, 12, 1),
            iv("10.0.0.5", "akhan", 13, 17, 2),
        ]);
        assert_eq!(
            b.at("10.0.0.5", 9 * H),
            Outcome::Identity("jsmith", "identity:src1:1")
        );
        assert_eq!(
            b.at("10.0.0.5", 12 * H),
            Outcome::Unattributed,
            "the end is exclusive"
        );
        assert_eq!(
            b.at("10.0.0.5", 13 * H),
            Outcome::Identity("akhan", "identity:src1:2")
        );
        assert_eq!(
            b.at("10.0.0.5", 8 * H),
            Outcome::Unattributed,
            "before any logon"
        );
        assert_eq!(b.at("10.0.0.6", 10 * H), Outcome::Unattributed);
    }
}
