//! The asset register: which user a device (MAC address or host name) is
//! assigned to, over which dates, and what kind of device it is. DHCP
//! leases name devices, not people; the register is what joins them. CSV
//! `device,user,from,to` with a header, and an optional `type` column;
//! `from` and `to` are dates (YYYY-MM-DD, inclusive) or RFC 3339 times, `to`
//! empty for an assignment still in force.
//!
//! `type` is one of [`DEVICE_TYPES`] (`computer`, `phone`, `tablet`) or
//! empty (not known). A council may judge devices differently: North West
//! Leicestershire's Social Media Policy allows no personal social networking
//! from council computers at any time (1.1) but asks only that phones are not
//! used excessively in working hours (1.4).

use std::collections::HashMap;

use super::csv::{header_columns, rfc3339_ms};

/// The names the device-type column may have in a register's header.
pub const TYPE_COLUMNS: [&str; 3] = ["type", "device_type", "kind"];

/// The device types a register may name, in the order they are listed.
pub const DEVICE_TYPES: [&str; 3] = ["computer", "phone", "tablet"];

/// `s` as one of [`DEVICE_TYPES`] (any case, trimmed), or `None` for an
/// empty value.
///
/// # Errors
/// Any other word, naming the types allowed.
pub fn device_type(s: &str) -> Result<Option<&'static str>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    DEVICE_TYPES
        .iter()
        .find(|t| t.eq_ignore_ascii_case(s))
        .map(|t| Some(*t))
        .ok_or_else(|| {
            format!(
                "type `{s}` is not a device type (it must be {}, or empty when not known)",
                DEVICE_TYPES.join(", ")
            )
        })
}

/// One assignment of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Assignment {
    /// The device as the register writes it.
    device: String,
    user: String,
    /// One of [`DEVICE_TYPES`], or `None` when the register does not say.
    kind: Option<&'static str>,
    from_ms: i64,
    /// Exclusive; `i64::MAX` when open.
    to_ms: i64,
}

/// The assignment in force for a device at a time, as [`AssetRegister::assigned`]
/// finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assigned<'a> {
    /// The device as the register writes it.
    pub device: &'a str,
    /// Its user.
    pub user: &'a str,
    /// Its type, one of [`DEVICE_TYPES`], or `None` when not known.
    pub kind: Option<&'static str>,
}

/// The register: device → assignments.
#[derive(Debug, Clone, Default)]
pub struct AssetRegister {
    devices: HashMap<String, Vec<Assignment>>,
}

/// A device identifier as compared: a MAC address (any of `aa:bb:..`,
/// `AA-BB-..`, `aabb..`) as 12 lower-case hex digits; a host name lower
/// case without its domain.
pub fn device_key(s: &str) -> String {
    let s = s.trim().trim_matches('"');
    let hex: String = s.chars().filter(char::is_ascii_hexdigit).collect();
    let separators_only = s
        .chars()
        .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '-' | '.'));
    if hex.len() == 12 && separators_only {
        return hex.to_ascii_lowercase();
    }
    s.split('.').next().unwrap_or("").to_ascii_lowercase()
}

fn time_ms(s: &str, end: bool) -> Option<i64> {
    let s = s.trim();
    if let Some(ms) = rfc3339_ms(s) {
        return Some(ms);
    }
    let d = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    let d = if end { d.succ_opt()? } else { d };
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

impl AssetRegister {
    /// Reads a register file.
    ///
    /// # Errors
    /// `file line N: reason` for a missing column, a bad date, a device
    /// without a user or a `type` not in [`DEVICE_TYPES`].
    pub fn read(bytes: &[u8], file: &str) -> Result<AssetRegister, String> {
        let mut r = ::csv::ReaderBuilder::new().from_reader(bytes);
        let headers = r
            .headers()
            .map_err(|e| format!("{file}: cannot read the header: {e}"))?
            .clone();
        let [device, user, from, to] = header_columns(&headers, ["device", "user", "from", "to"])
            .map_err(|e| format!("{file}: {e}"))?;
        // The type column, by any of its usual names (one of them).
        let named: Vec<usize> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| {
                TYPE_COLUMNS
                    .iter()
                    .any(|n| h.trim().eq_ignore_ascii_case(n))
            })
            .map(|(i, _)| i)
            .collect();
        if named.len() > 1 {
            return Err(format!(
                "{file}: the header has {} device-type columns ({}): give one",
                named.len(),
                TYPE_COLUMNS.join(", ")
            ));
        }
        let kind = named.first().copied();
        // Where each assignment was read: device key → (line, from, to).
        let mut lines: HashMap<String, Vec<(u64, i64, i64)>> = HashMap::new();
        let mut out = AssetRegister::default();
        for rec in r.records() {
            let rec = rec.map_err(|e| {
                format!("{file} line {}: {e}", e.position().map_or(0, |p| p.line()))
            })?;
            let line = rec.position().map_or(0, |p| p.line());
            let get = |i: usize| rec.get(i).unwrap_or("").trim();
            let at = format!("{file} line {line}");
            if get(device).is_empty() || get(user).is_empty() {
                return Err(format!("{at}: a device and a user are both needed"));
            }
            let from_ms = time_ms(get(from), false).ok_or_else(|| {
                format!("{at}: from `{}` is not a date or RFC 3339 time", get(from))
            })?;
            let kind = match kind {
                Some(k) => device_type(get(k)).map_err(|e| format!("{at}: {e}"))?,
                None => None,
            };
            let to_ms = match get(to) {
                "" => i64::MAX,
                t => time_ms(t, true)
                    .ok_or_else(|| format!("{at}: to `{t}` is not a date or RFC 3339 time"))?,
            };
            if to_ms <= from_ms {
                return Err(format!(
                    "{at}: to `{}` is before from `{}`",
                    get(to),
                    get(from)
                ));
            }
            let key = device_key(get(device));
            let earlier = lines.entry(key.clone()).or_default();
            if let Some((l, ..)) = earlier.iter().find(|(_, f, t)| *f < to_ms && from_ms < *t) {
                return Err(format!(
                    "{at}: device {} is assigned already over these dates, on line {l}: one device has one \
                     user and one type at a time",
                    get(device)
                ));
            }
            earlier.push((line, from_ms, to_ms));
            out.devices.entry(key).or_default().push(Assignment {
                device: get(device).to_string(),
                user: get(user).to_string(),
                kind,
                from_ms,
                to_ms,
            });
        }
        Ok(out)
    }

    /// The user the first of `devices` with an assignment in force at
    /// `ts_ms` (UTC ms) is assigned to.
    pub fn user_of(&self, devices: &[String], ts_ms: i64) -> Option<&str> {
        self.assigned(devices, ts_ms).map(|a| a.user)
    }

    /// The assignment in force at `ts_ms` (UTC ms) of the first of
    /// `devices` that has one, MAC addresses before host names (a host name
    /// is the client's own choice; the MAC is the hardware's): the device as
    /// registered, its user, its type.
    pub fn assigned(&self, devices: &[String], ts_ms: i64) -> Option<Assigned<'_>> {
        let is_mac = |d: &&String| {
            let d = d.trim().trim_matches('"');
            d.chars().filter(char::is_ascii_hexdigit).count() == 12
                && d.chars()
                    .all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '-' | '.'))
        };
        let (macs, names): (Vec<&String>, Vec<&String>) = devices.iter().partition(is_mac);
        macs.into_iter().chain(names).find_map(|d| {
            self.devices
                .get(&device_key(d))?
                .iter()
                .find(|a| a.from_ms <= ts_ms && ts_ms < a.to_ms)
                .map(|a| Assigned {
                    device: &a.device,
                    user: &a.user,
                    kind: a.kind,
                })
        })
    }

    /// True when the register names no device.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_matched_by_mac_in_any_spelling_or_by_host_name_in_their_dates() {
        let reg = AssetRegister::read(
            b"device,user,from,to\n64:5A:04:6A:07:A2,jsmith,2015-07-01,2015-07-06\n645a046a07a2,akhan,2015-07-07,\nSatellite-C700.corp.local,bob,2015-01-01,\n",
            "assets.csv",
        )
        .unwrap();
        let t = |s: &str| rfc3339_ms(s).unwrap();
        let mac = vec!["64-5a-04-6a-07-a2".to_string()];
        assert_eq!(reg.user_of(&mac, t("2015-07-06T23:59:59Z")), Some("jsmith"));
        assert_eq!(reg.user_of(&mac, t("2015-07-07T00:00:00Z")), Some("akhan"));
        assert_eq!(
            reg.user_of(&["satellite-c700".into()], t("2015-07-06T08:00:00Z")),
            Some("bob")
        );
        assert_eq!(
            reg.user_of(&["other".into()], t("2015-07-06T08:00:00Z")),
            None
        );
        assert_eq!(
            reg.assigned(&mac, t("2015-07-06T23:59:59Z")).unwrap().kind,
            None
        );
        let e = AssetRegister::read(b"device,user,from,to\nx,y,yesterday,\n", "a.csv").unwrap_err();
        assert_eq!(
            e,
            "a.csv line 2: from `yesterday` is not a date or RFC 3339 time"
        );
    }

    #[test]
    fn a_register_may_say_what_kind_of_device_each_is() {
        let reg = AssetRegister::read(
            b"device,user,from,to,type\nLAPTOP-7,dbrown,2025-01-01,,Computer\naa:bb:cc:00:00:31,dbrown,2025-01-01,,phone\nTAB-1,akhan,2025-01-01,,\n",
            "assets.csv",
        )
        .unwrap();
        let t = rfc3339_ms("2025-06-11T10:00:00Z").unwrap();
        let got = |d: &str| {
            reg.assigned(&[d.to_string()], t)
                .map(|a| (a.device, a.user, a.kind))
        };
        assert_eq!(
            got("laptop-7.corp.local"),
            Some(("LAPTOP-7", "dbrown", Some("computer")))
        );
        assert_eq!(
            got("AA-BB-CC-00-00-31"),
            Some(("aa:bb:cc:00:00:31", "dbrown", Some("phone")))
        );
        assert_eq!(got("tab-1"), Some(("TAB-1", "akhan", None)));
        let e = AssetRegister::read(
            b"device,user,from,to,type\nx,y,2025-01-01,,watch\n",
            "a.csv",
        )
        .unwrap_err();
        assert_eq!(
            e,
            "a.csv line 2: type `watch` is not a device type (it must be computer, phone, tablet, or empty when not known)"
        );
    }

    #[test]
    fn a_register_refuses_overlaps_and_reversed_dates_and_prefers_the_mac() {
        let refused = |csv: &str| AssetRegister::read(csv.as_bytes(), "a.csv").unwrap_err();
        assert_eq!(
            refused(
                "device,user,from,to,type\naa:bb:cc:00:00:01,dbrown,2025-01-01,,computer\nAA-BB-CC-00-00-01,dbrown,2025-06-01,,phone\n"
            ),
            "a.csv line 3: device AA-BB-CC-00-00-01 is assigned already over these dates, on line 2: one device has one user and one type at a time"
        );
        assert_eq!(
            refused("device,user,from,to\nx,y,2025-06-01,2025-05-01\n"),
            "a.csv line 2: to `2025-05-01` is before from `2025-06-01`"
        );
        assert_eq!(
            refused("device,user,from,to,type,kind\nx,y,2025-06-01,,phone,phone\n"),
            "a.csv: the header has 2 device-type columns (type, device_type, kind): give one"
        );
        // Back to back is not an overlap; `device_type` names the column too.
        let reg = AssetRegister::read(
            b"device,user,from,to,device_type\naa:bb:cc:00:00:01,dbrown,2025-01-01,2025-05-31,computer\naa:bb:cc:00:00:01,dbrown,2025-06-01,,phone\niphone-dbrown,dbrown,2025-01-01,,phone\n",
            "a.csv",
        )
        .unwrap();
        let t = rfc3339_ms("2025-06-11T10:00:00Z").unwrap();
        // A lease naming a registered host name first and the MAC second:
        // the MAC decides.
        let a = reg
            .assigned(&["iphone-dbrown".into(), "aa:bb:cc:00:00:01".into()], t)
            .unwrap();
        assert_eq!((a.device, a.kind), ("aa:bb:cc:00:00:01", Some("phone")));
        let may = rfc3339_ms("2025-05-11T10:00:00Z").unwrap();
        let a = reg
            .assigned(&["iphone-dbrown".into(), "AA:BB:CC:00:00:01".into()], may)
            .unwrap();
        assert_eq!(a.kind, Some("computer"));
    }
}
