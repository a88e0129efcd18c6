//! Legal holds: the records (`holds/<reference>.toml`, placed and released
//! by `netusage hold`) and the matching that decides which expired events,
//! identity intervals and DNS lookups a hold keeps from the purge.

use std::collections::HashSet;
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::identity::attribute::{Attributor, Outcome};
use crate::store::{Store, sync_dir, write_atomic};

/// The client addresses of events a hold keeps, per hold (index into the
/// holds): the DNS lookups by those addresses in the hold's period stay.
pub(super) type HeldAddresses = Vec<HashSet<String>>;

/// A legal hold: events of these users inside `[from, to]` (local dates in
/// `time_zone`, inclusive; UTC dates for a hold placed without one)
/// survive purges until the hold is released.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hold {
    /// Case or evidence-pack reference; also the file name `holds/<reference>.toml`.
    pub reference: String,
    /// Normalised user names held.
    pub users: Vec<String>,
    /// First date held (local, in `time_zone`).
    pub from: NaiveDate,
    /// Last date held (inclusive).
    pub to: NaiveDate,
    /// The IANA zone of `from` and `to` (the schedule's, as for `--from` and
    /// `--to` of every other command); absent in holds placed before it was
    /// recorded, whose dates are UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Why, in words.
    #[serde(default)]
    pub reason: String,
    /// When it was placed (UTC).
    pub created_at: DateTime<Utc>,
    /// Who placed it.
    pub created_by: String,
}

impl Hold {
    /// The hold's period as UTC milliseconds, `[start, end)`: from the
    /// first moment of `from` to the first moment after `to`, in the hold's
    /// time zone (UTC when it has none).
    pub fn period_ms(&self) -> (i64, i64) {
        use chrono::TimeZone;
        let tz: chrono_tz::Tz = self
            .time_zone
            .as_deref()
            .and_then(|z| z.parse().ok())
            .unwrap_or(chrono_tz::UTC);
        let day_start = |d: NaiveDate| {
            let midnight = d.and_hms_opt(0, 0, 0).expect("midnight");
            tz.from_local_datetime(&midnight).earliest().map_or_else(
                || midnight.and_utc().timestamp_millis(),
                |t| t.timestamp_millis(),
            )
        };
        (day_start(self.from), day_start(self.to + Duration::days(1)))
    }

    /// True when the hold covers an event of `user` at `ts_ms` (UTC ms).
    pub fn covers(&self, user: &str, ts_ms: i64) -> bool {
        let (start, end) = self.period_ms();
        ts_ms >= start && ts_ms < end && self.holds_user(user)
    }

    /// True when `user` is one of the people held.
    pub fn holds_user(&self, user: &str) -> bool {
        self.users.iter().any(|u| u == user)
    }

    /// True when the hold covers an identity interval of `user` over
    /// `[start_ms, end_ms)`: one that overlaps the hold's period attributes
    /// events the hold keeps, wherever it starts.
    pub fn covers_interval(&self, user: &str, start_ms: i64, end_ms: i64) -> bool {
        let (start, end) = self.period_ms();
        start_ms < end && end_ms > start && self.holds_user(user)
    }
}

/// What one legal hold kept of what a purge would otherwise remove.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Held {
    /// Expired events logged under a held user's name.
    pub logged: u64,
    /// Expired events logged with only an address and attributed to a held
    /// person by identity records (as analysis attributes them).
    pub attributed: u64,
    /// Expired identity intervals of a held person that overlap the hold:
    /// the records that attribution rests on.
    pub intervals: u64,
    /// Expired DNS lookups by the addresses of the held events, in the
    /// hold's period: what named their address-only connections.
    pub dns_lookups: u64,
}

impl Held {
    /// Events kept (logged and attributed).
    pub fn rows(&self) -> u64 {
        self.logged + self.attributed
    }
}

/// Which hold keeps an event, and how the event was tied to the person:
/// `(hold index, attributed)`. `None` when no hold keeps it. `periods` are
/// the holds' [`Hold::period_ms`], worked out once for all rows.
pub(super) fn holding(
    holds: &[Hold],
    periods: &[(i64, i64)],
    attributor: &Attributor,
    user: &str,
    logged: bool,
    client: &str,
    ts_ms: i64,
) -> Option<(usize, bool)> {
    let covering = |person: &str| {
        holds
            .iter()
            .zip(periods)
            .position(|(h, &(start, end))| ts_ms >= start && ts_ms < end && h.holds_user(person))
    };
    if let Some(i) = covering(&crate::event::person_key(user, logged)) {
        return Some((i, false));
    }
    if logged {
        return None;
    }
    match attributor.at(client, ts_ms) {
        Outcome::Identity(person, _) => covering(person).map(|i| (i, true)),
        _ => None,
    }
}

/// Checks a hold or pack reference: letters, digits, `.`, `_`, `-`, at most 100 characters.
///
/// # Errors
/// Any other character (a reference names a file).
pub fn check_reference(r: &str) -> anyhow::Result<()> {
    if r.is_empty()
        || r.len() > 100
        || r.starts_with('.')
        || !r
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        bail!("reference `{r}` must be 1–100 letters, digits, `.`, `_` or `-` (it names a file)");
    }
    Ok(())
}

fn holds_dir(store: &Store) -> PathBuf {
    store.root().join("holds")
}

/// Every active hold, by reference.
///
/// # Errors
/// A hold file cannot be read or parsed (file named).
pub fn holds(store: &Store) -> anyhow::Result<Vec<Hold>> {
    let mut out = Vec::new();
    for e in crate::fsutil::list_dir(&holds_dir(store))? {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text =
                fs::read_to_string(&p).with_context(|| format!("cannot read {}", p.display()))?;
            out.push(
                toml::from_str(&text)
                    .with_context(|| format!("{} is not a valid hold", p.display()))?,
            );
        }
    }
    out.sort_by(|a: &Hold, b: &Hold| a.reference.cmp(&b.reference));
    Ok(out)
}

/// Places a hold (written atomically).
///
/// # Errors
/// The reference is malformed or already held, or `to` is before `from`.
pub fn add_hold(store: &Store, hold: &Hold) -> anyhow::Result<()> {
    check_reference(&hold.reference)?;
    if hold.to < hold.from {
        bail!(
            "hold {}: --to {} is before --from {}",
            hold.reference,
            hold.to,
            hold.from
        );
    }
    if hold.users.is_empty() {
        bail!("hold {}: name at least one user", hold.reference);
    }
    let dir = holds_dir(store);
    crate::fsutil::create_dir_all(&dir)?;
    let path = dir.join(format!("{}.toml", hold.reference));
    if path.exists() {
        bail!(
            "a hold with reference {} already exists; release it first or choose another reference",
            hold.reference
        );
    }
    write_atomic(&path, toml::to_string(hold)?.as_bytes())
}

/// Releases a hold: its file is removed; the next purge deletes what it kept.
///
/// # Errors
/// No hold has that reference.
pub fn release_hold(store: &Store, reference: &str) -> anyhow::Result<Hold> {
    check_reference(reference)?;
    let path = holds_dir(store).join(format!("{reference}.toml"));
    let text =
        fs::read_to_string(&path).with_context(|| format!("no hold with reference {reference}"))?;
    let hold: Hold = toml::from_str(&text)?;
    fs::remove_file(&path)?;
    sync_dir(&holds_dir(store));
    Ok(hold)
}

/// Which hold (index) keeps an identity interval: one on its person that it
/// overlaps, or one that keeps an event at its address inside the hold's
/// period.
pub(super) fn interval_hold(
    holds: &[Hold],
    addresses: &[impl std::borrow::Borrow<HashSet<String>>],
    iv: &crate::identity::intervals::Interval,
) -> Option<usize> {
    holds.iter().zip(addresses).position(|(h, a)| {
        let (start, end) = h.period_ms();
        h.covers_interval(&iv.user, iv.start_ms, iv.end_ms)
            || (a.borrow().contains(&iv.ip) && iv.start_ms < end && iv.end_ms > start)
    })
}

/// Which hold (index) keeps a DNS lookup: one by an address of a held
/// event, inside that hold's period.
pub(super) fn dns_keeper<'a>(
    holds: &'a [Hold],
    addresses: &'a [impl std::borrow::Borrow<HashSet<String>>],
) -> impl Fn(&crate::dns::Lookup) -> Option<usize> + 'a {
    move |l| {
        holds.iter().zip(addresses).position(|(h, a)| {
            let (start, end) = h.period_ms();
            l.ts_ms >= start && l.ts_ms < end && a.borrow().contains(&l.client)
        })
    }
}
