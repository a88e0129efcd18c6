//! Retention: the one-year window (Chelmsford: usage data kept "for a minimum
//! period of one year"; North West Leicestershire: "for a period of one
//! year"), legal holds, and the purge that enforces them.
//!
//! The cutoff is `now − days × 24 h`, computed in UTC: an event strictly
//! before the cutoff is expired; one at or after it is kept. Working in UTC
//! means a BST/GMT change inside the window neither adds nor removes an hour.
//!
//! A purge is a sequence of steps that are each atomic (delete a file; rewrite
//! a partition through a temporary file, fsync and rename; rewrite the
//! manifest the same way), ordered so that the store is readable after any of
//! them: partitions first, then quarantine files, then `sources.jsonl`. A purge
//! killed at any point leaves a store that the next purge finishes, because
//! the plan is always recomputed from what is on disk.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use polars::prelude::{
    BooleanChunked, DataFrame, ParquetCompression, ParquetReader, ParquetWriter, SerReader,
};
use serde::{Deserialize, Serialize};

use crate::event::col;
use crate::formats::LogFormat;
use crate::identity::attribute::{Attributor, Outcome};
use crate::store::manifest::{self, SourceRecord};
use crate::store::{Store, sync_dir, write_atomic};

/// The built-in floor of the retention window, in days: the seeds keep
/// internet-usage data for a year (Chelmsford: "a minimum period of one
/// year"; North West Leicestershire: "a period of one year"). A config may
/// raise it (`[retention] minimum_days`); only `purge --override-minimum
/// "reason"` lowers it, for one run, and the reason is audited.
pub const MINIMUM_DAYS_FLOOR: u32 = 365;

/// The retention cutoff: `now − days × 24 h` (UTC). Saturates at the
/// earliest time chrono represents rather than overflowing.
pub fn cutoff(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    Duration::try_days(i64::from(days))
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

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
fn holding(
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
    let dir = holds_dir(store);
    let mut out = Vec::new();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", dir.display())),
    };
    for e in entries {
        let p = e?.path();
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

/// What a purge does to one partition file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Every row is expired: the file goes.
    Delete,
    /// Some rows stay (newer than the cutoff, or held): the file is rewritten without the others.
    Rewrite,
}

/// The client addresses of events a hold keeps, per hold (index into the
/// holds): the DNS lookups by those addresses in the hold's period stay.
type HeldAddresses = Vec<HashSet<String>>;

/// One partition file the purge touches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileStep {
    /// Path of the Parquet file.
    pub path: PathBuf,
    /// Delete or rewrite.
    pub action: Action,
    /// Rows in the file now.
    pub rows: u64,
    /// Rows the purge removes.
    pub remove_rows: u64,
    /// Expired rows kept because a hold covers them.
    pub held_rows: u64,
    /// File size now (bytes).
    pub bytes: u64,
    /// Oldest event removed (UTC ms).
    pub oldest_ms: i64,
    /// Newest event removed (UTC ms).
    pub newest_ms: i64,
}

/// The purge plan: everything a purge at `cutoff` would remove.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    /// The cutoff (UTC): events strictly before it are expired.
    pub cutoff: DateTime<Utc>,
    /// Partition files to delete or rewrite, by path.
    pub files: Vec<FileStep>,
    /// Manifest entries (source ids) that go: all their events are expired and no file of theirs remains.
    pub sources: Vec<String>,
    /// Quarantine files that go with those sources.
    pub quarantine: Vec<PathBuf>,
    /// Quarantine files of sources that stay, rewritten without their lines
    /// that start with a time before the cutoff: (file, lines removed).
    pub quarantine_rewrites: Vec<(PathBuf, u64)>,
    /// Temporary files left by an interrupted ingest or purge, and chain
    /// indexes and partition files whose source record is gone.
    pub leftovers: Vec<PathBuf>,
    /// What each hold kept, by reference: events by how they were tied to
    /// the person (logged name or attribution), identity intervals, DNS lookups.
    pub held: BTreeMap<String, Held>,
    /// DNS lookups older than the cutoff that no hold keeps.
    pub dns_lookups: u64,
    /// The client addresses of the events each hold keeps, by reference
    /// (the DNS lookups they made in the hold's period stay too).
    #[serde(skip)]
    pub addresses: BTreeMap<String, Vec<String>>,
    /// Identity sources with intervals that ended before the cutoff and no
    /// hold keeps: (source id, intervals removed, intervals left).
    pub identity: Vec<(String, u64, u64)>,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.sources.is_empty()
            && self.quarantine.is_empty()
            && self.quarantine_rewrites.is_empty()
            && self.leftovers.is_empty()
            && self.identity.is_empty()
            && self.dns_lookups == 0
    }

    /// Rows removed in all.
    pub fn remove_rows(&self) -> u64 {
        self.files.iter().map(|f| f.remove_rows).sum()
    }
}

fn read_columns(path: &Path, cols: Option<Vec<String>>) -> anyhow::Result<DataFrame> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(f)
        .with_columns(cols)
        .finish()
        .with_context(|| format!("cannot read Parquet file {}", path.display()))
}

/// Every Parquet file in the store, with its UTC day, and stray temporary files.
/// Partition files with their UTC day, and stray temporary files.
type PartitionListing = (Vec<(NaiveDate, PathBuf)>, Vec<PathBuf>);

fn partition_files(store: &Store) -> anyhow::Result<PartitionListing> {
    let (mut files, mut tmps) = (Vec::new(), Vec::new());
    let events = store.events_dir();
    let Ok(dirs) = fs::read_dir(&events) else {
        return Ok((files, tmps));
    };
    for d in dirs {
        let d = d?;
        let Some(day) = d
            .file_name()
            .to_str()
            .and_then(|n| n.strip_prefix("date="))
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        else {
            continue;
        };
        for f in fs::read_dir(d.path())? {
            let p = f?.path();
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".tmp") {
                tmps.push(p);
            } else if name.ends_with(".parquet") {
                files.push((day, p));
            }
        }
    }
    files.sort();
    tmps.sort();
    Ok((files, tmps))
}

/// The columns a purge reads to decide which rows go.
const MASK_COLUMNS: [&str; 4] = [col::TS, col::USER, col::USER_LOGGED, col::CLIENT_IP];

/// The row mask of what a purge removes from one file: expired and not held.
/// A hold keeps an event logged under a held name, and an address-only event
/// that identity records attribute to a held person (as analysis does).
/// Counts what each hold kept in `held`, and the addresses of kept events in
/// `addresses`.
fn removal_mask(
    df: &DataFrame,
    cutoff_ms: i64,
    holds: &[Hold],
    attributor: &Attributor,
    held: &mut [Held],
    addresses: &mut HeldAddresses,
) -> anyhow::Result<BooleanChunked> {
    let ts = df.column(col::TS)?.datetime()?.physical().clone();
    let users = df.column(col::USER)?.str()?.clone();
    let logged = df.column(col::USER_LOGGED)?.bool()?.clone();
    let clients = df.column(col::CLIENT_IP)?.str()?.clone();
    let periods: Vec<(i64, i64)> = holds.iter().map(Hold::period_ms).collect();
    let mask = ts
        .iter()
        .zip(users.iter())
        .zip(logged.iter())
        .zip(clients.iter())
        .map(|(((t, u), l), c)| {
            let (t, u, c) = (t.unwrap_or(i64::MIN), u.unwrap_or(""), c.unwrap_or(""));
            if t >= cutoff_ms {
                return false;
            }
            match holding(holds, &periods, attributor, u, l.unwrap_or(true), c, t) {
                Some((i, attributed)) => {
                    if attributed {
                        held[i].attributed += 1;
                    } else {
                        held[i].logged += 1;
                    }
                    addresses[i].insert(c.to_string());
                    false
                }
                None => true,
            }
        })
        .collect();
    Ok(mask)
}

/// Works out what a purge at `cutoff` removes. Reads only partitions whose
/// UTC day starts before the cutoff; later ones are never opened.
///
/// # Errors
/// A partition file or the manifest cannot be read.
pub fn plan(
    store: &Store,
    cutoff: DateTime<Utc>,
    holds: &[Hold],
    attributor: &Attributor,
) -> anyhow::Result<Plan> {
    let cutoff_ms = cutoff.timestamp_millis();
    let (files, mut leftovers) = partition_files(store)?;
    let records = manifest::read(&store.manifest_path())?;
    leftovers.extend(orphan_chains(store, &records)?);
    let mut steps = Vec::new();
    let mut held = vec![Held::default(); holds.len()];
    let mut addresses: HeldAddresses = vec![HashSet::new(); holds.len()];
    let mut remaining: HashMap<String, usize> = HashMap::new();
    let known: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    for (day, path) in &files {
        let stem = path
            .file_name()
            .and_then(|s| s.to_str())
            .and_then(crate::store::writer::source_of_file)
            .unwrap_or("")
            .to_string();
        // A partition file with no source record (an ingest stopped between
        // renaming it and appending the record) is read by nobody: it goes.
        if !known.contains(stem.as_str()) {
            leftovers.push(path.clone());
            continue;
        }
        *remaining.entry(stem.clone()).or_default() += 1;
        let day_start = day
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .timestamp_millis();
        if day_start >= cutoff_ms {
            continue;
        }
        let df = read_columns(path, Some(MASK_COLUMNS.map(String::from).to_vec()))?;
        let before: u64 = held.iter().map(Held::rows).sum();
        let mask = removal_mask(&df, cutoff_ms, holds, attributor, &mut held, &mut addresses)?;
        let held_rows = held.iter().map(Held::rows).sum::<u64>() - before;
        let remove = mask.sum().unwrap_or(0) as u64;
        if remove == 0 {
            continue;
        }
        let ts = df.column(col::TS)?.datetime()?.physical().clone();
        let removed: Vec<i64> = ts
            .iter()
            .zip(mask.iter())
            .filter(|(_, m)| m.unwrap_or(false))
            .filter_map(|(t, _)| t)
            .collect();
        let rows = df.height() as u64;
        let action = if remove == rows {
            Action::Delete
        } else {
            Action::Rewrite
        };
        if action == Action::Delete {
            *remaining.get_mut(&stem).expect("counted above") -= 1;
        }
        steps.push(FileStep {
            path: path.clone(),
            action,
            rows,
            remove_rows: remove,
            held_rows,
            bytes: fs::metadata(path)?.len(),
            oldest_ms: removed.iter().copied().min().unwrap_or(0),
            newest_ms: removed.iter().copied().max().unwrap_or(0),
        });
    }
    let mut sources = Vec::new();
    let mut quarantine = Vec::new();
    let mut quarantine_rewrites = Vec::new();
    for r in &records {
        let expired = match r.last_ts {
            Some(t) => t < cutoff,
            None => r.ingested_at < cutoff,
        };
        let q = store.quarantine_dir().join(format!("{}.jsonl", r.source));
        if expired && remaining.get(&r.source).copied().unwrap_or(0) == 0 {
            sources.push(r.source.clone());
            if q.exists() {
                quarantine.push(q);
            }
        } else if q.exists() {
            let (_, removed) = split_quarantine(&q, cutoff_ms, aging_parser(r).as_ref())?;
            if removed > 0 {
                quarantine_rewrites.push((q, removed));
            }
        }
    }
    // Identity intervals: expired when they ended before the cutoff, unless
    // a hold covers their person over any part of it, or they overlap the
    // hold at an address of an event it keeps (another person's interval
    // there decides how that event is attributed: it may make it ambiguous).
    let mut identity = Vec::new();
    for src in crate::store::identity::sources(store)? {
        let ivs = crate::store::identity::intervals(store, &src.source)?;
        let mut gone = 0;
        for iv in &ivs {
            if iv.end_ms < cutoff_ms {
                match interval_hold(holds, &addresses, iv) {
                    Some(i) => held[i].intervals += 1,
                    None => gone += 1,
                }
            }
        }
        if gone > 0 {
            identity.push((src.source, gone, ivs.len() as u64 - gone));
        }
    }
    // DNS lookups: expired unless made by the address of a held event, in
    // the hold's period (they named its connections).
    let dns_lookups = {
        let keeper = dns_keeper(holds, &addresses);
        // Counting inside the `Fn` the store asks for: a cell per hold.
        let counted = vec![std::cell::Cell::new(0u64); holds.len()];
        let keep = |l: &crate::dns::Lookup| {
            let k = keeper(l);
            if let Some(i) = k
                && l.ts_ms < cutoff_ms
            {
                counted[i].set(counted[i].get() + 1);
            }
            k.is_some()
        };
        let gone = crate::store::dns::purge(store, cutoff_ms, &keep, false)?;
        for (h, n) in held.iter_mut().zip(&counted) {
            h.dns_lookups = n.get();
        }
        gone
    };
    let held: BTreeMap<String, Held> = holds
        .iter()
        .zip(held)
        .filter(|(_, h)| *h != Held::default())
        .map(|(hold, h)| (hold.reference.clone(), h))
        .collect();
    Ok(Plan {
        cutoff,
        files: steps,
        sources,
        quarantine,
        quarantine_rewrites,
        leftovers,
        held,
        dns_lookups,
        identity,
        addresses: addresses
            .into_iter()
            .zip(holds)
            .map(|(a, h)| (h.reference.clone(), a.into_iter().collect()))
            .collect(),
    })
}

/// Which hold (index) keeps an identity interval: one on its person that it
/// overlaps, or one that keeps an event at its address inside the hold's
/// period.
fn interval_hold(
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
fn dns_keeper<'a>(
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

/// The reader of a source, set up as it was for that file (its time zone),
/// to read the time of lines it quarantined.
fn aging_parser(r: &SourceRecord) -> Box<dyn crate::formats::LineParser> {
    use chrono::Datelike;
    let reader = crate::formats::by_name(&r.format).unwrap_or(&crate::formats::squid::Squid);
    let mut cx = crate::formats::FileContext {
        year: r.first_ts.unwrap_or(r.ingested_at).year(),
        ..Default::default()
    };
    if let Some(tz) = r
        .time_zone
        .as_deref()
        .and_then(|z| z.split(" (").next())
        .and_then(|z| z.parse().ok())
    {
        cx.tz = tz;
    }
    reader.begin(&cx)
}

/// A quarantine file's lines without those whose log time, as the source's
/// reader reads it, is before the cutoff (a malformed line often still holds
/// its timestamp), and how many were left out. Lines with no readable time
/// stay until every event of their source has expired.
fn split_quarantine(
    path: &Path,
    cutoff_ms: i64,
    parser: &dyn crate::formats::LineParser,
) -> anyhow::Result<(String, u64)> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut keep = String::new();
    let mut removed = 0;
    for l in text.lines() {
        let r: crate::store::quarantine::QuarantinedLine = serde_json::from_str(l)
            .with_context(|| format!("{}: not a quarantine record", path.display()))?;
        if parser.leading_time(&r.raw).is_some_and(|t| t < cutoff_ms) {
            removed += 1;
        } else {
            keep.push_str(l);
            keep.push('\n');
        }
    }
    Ok((keep, removed))
}

/// Test hook, compiled into test builds only (the `test-hooks` feature):
/// `NETUSAGE_PURGE_CRASH_AT=n` aborts the process (no clean-up, like
/// SIGKILL) at the n-th step boundary, so tests can show that a purge killed
/// anywhere is finished by the next one. In every other build it never fires.
struct CrashPoints {
    at: Option<u64>,
    seen: u64,
}

impl CrashPoints {
    fn from_env() -> CrashPoints {
        #[cfg(feature = "test-hooks")]
        let at = std::env::var("NETUSAGE_PURGE_CRASH_AT")
            .ok()
            .and_then(|v| v.parse().ok());
        #[cfg(not(feature = "test-hooks"))]
        let at = None;
        CrashPoints { at, seen: 0 }
    }
    fn point(&mut self) {
        self.seen += 1;
        if self.at == Some(self.seen) {
            std::process::abort();
        }
    }
}

/// Carries out a plan made by [`plan`] on the same store, under its lock.
///
/// # Errors
/// I/O or Parquet errors, naming the file; the store stays readable and the
/// next purge finishes the work.
pub fn execute(
    store: &Store,
    plan: &Plan,
    holds: &[Hold],
    attributor: &Attributor,
) -> anyhow::Result<()> {
    let mut crash = CrashPoints::from_env();
    let cutoff_ms = plan.cutoff.timestamp_millis();
    // The addresses of the events each hold keeps (found by the plan).
    let addresses: Vec<HashSet<String>> = holds
        .iter()
        .map(|h| {
            plan.addresses
                .get(&h.reference)
                .map(|a| a.iter().cloned().collect())
                .unwrap_or_default()
        })
        .collect();
    for tmp in &plan.leftovers {
        let _ = fs::remove_file(tmp);
    }
    for step in &plan.files {
        match step.action {
            Action::Delete => {
                fs::remove_file(&step.path)
                    .with_context(|| format!("cannot delete {}", step.path.display()))?;
                sync_dir(step.path.parent().unwrap_or(Path::new(".")));
                if let Some(dir) = step.path.parent() {
                    let _ = fs::remove_dir(dir); // only when empty
                }
            }
            Action::Rewrite => {
                let df = read_columns(&step.path, None)?;
                let remove = removal_mask(
                    &df,
                    cutoff_ms,
                    holds,
                    attributor,
                    &mut vec![Held::default(); holds.len()],
                    &mut vec![HashSet::new(); holds.len()],
                )?;
                let mut kept = df.filter(&!&remove)?;
                let dir = step.path.parent().unwrap_or(Path::new("."));
                let name = step
                    .path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("part.parquet");
                let tmp = dir.join(format!(".{name}.purge.tmp"));
                let f = crate::fsutil::create(&tmp)?;
                ParquetWriter::new(&f)
                    .with_compression(ParquetCompression::Zstd(None))
                    .finish(&mut kept)
                    .with_context(|| format!("cannot write {}", tmp.display()))?;
                crash.point();
                f.sync_all()?;
                fs::rename(&tmp, &step.path)
                    .with_context(|| format!("cannot replace {}", step.path.display()))?;
                sync_dir(dir);
            }
        }
        crash.point();
    }
    for q in &plan.quarantine {
        fs::remove_file(q).with_context(|| format!("cannot delete {}", q.display()))?;
        crash.point();
    }
    let records: HashMap<String, SourceRecord> = manifest::read(&store.manifest_path())?
        .into_iter()
        .map(|r| (r.source.clone(), r))
        .collect();
    for (q, _) in &plan.quarantine_rewrites {
        let source = q.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parser = match records.get(source) {
            Some(r) => aging_parser(r),
            None => crate::formats::squid::Squid.begin(&Default::default()),
        };
        let (keep, _) = split_quarantine(q, cutoff_ms, parser.as_ref())?;
        write_atomic(q, keep.as_bytes())?;
        crash.point();
    }
    for (source, _, left) in &plan.identity {
        let keep: Vec<_> = crate::store::identity::intervals(store, source)?
            .into_iter()
            .filter(|iv| iv.end_ms >= cutoff_ms || interval_hold(holds, &addresses, iv).is_some())
            .collect();
        crate::store::identity::rewrite(store, source, &keep, *left == 0)?;
        crash.point();
    }
    if plan.dns_lookups > 0 {
        let keeper = dns_keeper(holds, &addresses);
        crate::store::dns::purge(store, cutoff_ms, &|l| keeper(l).is_some(), true)?;
        crash.point();
    }
    if !plan.sources.is_empty() {
        let drop: HashSet<&str> = plan.sources.iter().map(String::as_str).collect();
        let keep: Vec<SourceRecord> = manifest::read(&store.manifest_path())?
            .into_iter()
            .filter(|r| !drop.contains(r.source.as_str()))
            .collect();
        let mut text = String::new();
        for r in &keep {
            text.push_str(&serde_json::to_string(r)?);
            text.push('\n');
        }
        write_atomic(&store.manifest_path(), text.as_bytes())?;
        crash.point();
        // Their chain indexes, after the records (a purge stopped here
        // finds them as leftovers next time: see `orphan_chains`).
        for source in drop {
            let p = crate::store::chain::path(store, source);
            if let Err(e) = fs::remove_file(&p)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                bail!("cannot remove {}: {e}", p.display());
            }
        }
    }
    Ok(())
}

/// The chain index of every source without a record in `records` (the
/// manifest): its record purged by a purge stopped before the index went,
/// or never written by an ingest that failed. An index holds no personal
/// data and is never read without its record.
///
/// # Errors
/// The folder cannot be listed (path named).
fn orphan_chains(store: &Store, records: &[SourceRecord]) -> anyhow::Result<Vec<PathBuf>> {
    let dir = store.root().join("chains");
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot list {}", dir.display())),
    };
    let known: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    let mut out = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list {}", dir.display()))?
            .path();
        let source = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if path.extension().is_some_and(|e| e == "json") && !known.contains(source) {
            out.push(path);
        }
    }
    Ok(out)
}

/// What `store forget` removes for one source: its partition files, its
/// quarantine file and chain index, and its record in `sources.jsonl`.
#[derive(Debug, Clone)]
pub struct Forget {
    /// The source's record.
    pub record: SourceRecord,
    /// Its partition files.
    pub files: Vec<PathBuf>,
    /// Events in them.
    pub rows: u64,
    /// Its quarantine file, when there is one.
    pub quarantine: Option<PathBuf>,
    /// Its chain index, when there is one.
    pub chain: Option<PathBuf>,
    /// Events a legal hold keeps (logged or attributed), by hold reference:
    /// a source with any is not forgotten.
    pub held: BTreeMap<String, u64>,
}

/// Works out what forgetting `source` removes: the source named by its id,
/// by the path it was read from, or by the path as given to ingest.
///
/// # Errors
/// No source matches (the known ids are listed), or its files cannot be read.
pub fn plan_forget(
    store: &Store,
    source: &str,
    holds: &[Hold],
    attributor: &Attributor,
) -> anyhow::Result<Forget> {
    let records = manifest::read(&store.manifest_path())?;
    let canonical = fs::canonicalize(source)
        .ok()
        .map(|p| p.display().to_string());
    let Some(record) = records.iter().find(|r| {
        r.source == source || r.given_path == source || Some(&r.path) == canonical.as_ref()
    }) else {
        let known: Vec<String> = records
            .iter()
            .map(|r| format!("{} ({})", r.source, r.given_path))
            .collect();
        bail!(
            "no ingested source is `{source}` (by id or path); sources: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        );
    };
    let (all, _) = partition_files(store)?;
    let files: Vec<PathBuf> = all
        .into_iter()
        .map(|(_, p)| p)
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .and_then(crate::store::writer::source_of_file)
                == Some(record.source.as_str())
        })
        .collect();
    let mut rows = 0;
    let mut held = vec![Held::default(); holds.len()];
    let mut addresses: HeldAddresses = vec![HashSet::new(); holds.len()];
    for path in &files {
        let df = read_columns(path, Some(MASK_COLUMNS.map(String::from).to_vec()))?;
        rows += df.height() as u64;
        // Every row counts as "expired" here: what a hold would keep of it.
        removal_mask(&df, i64::MAX, holds, attributor, &mut held, &mut addresses)?;
    }
    let quarantine = store
        .quarantine_dir()
        .join(format!("{}.jsonl", record.source));
    let chain = crate::store::chain::path(store, &record.source);
    Ok(Forget {
        record: record.clone(),
        files,
        rows,
        quarantine: quarantine.exists().then_some(quarantine),
        chain: chain.exists().then_some(chain),
        held: holds
            .iter()
            .zip(&held)
            .filter(|(_, h)| h.rows() > 0)
            .map(|(hold, h)| (hold.reference.clone(), h.rows()))
            .collect(),
    })
}

/// Forgets a source ([`plan_forget`]): its partition files go first, then
/// its quarantine file and chain index, and its record in `sources.jsonl`
/// last, so a forget stopped half-way leaves the record in place (the same
/// file is still refused as already ingested) and running it again finishes
/// it. The same file can then be ingested again.
///
/// # Errors
/// A legal hold keeps some of its events; I/O errors (paths named).
pub fn forget(store: &Store, f: &Forget) -> anyhow::Result<()> {
    if !f.held.is_empty() {
        bail!(
            "refused: legal hold(s) {} keep events of source {}; release them first",
            f.held.keys().cloned().collect::<Vec<_>>().join(", "),
            f.record.source
        );
    }
    for path in f.files.iter().chain(&f.quarantine).chain(&f.chain) {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot delete {}", path.display())),
        }
        if let Some(dir) = path.parent() {
            sync_dir(dir);
            if path.starts_with(store.events_dir()) {
                let _ = fs::remove_dir(dir); // only when empty
            }
        }
    }
    let keep: Vec<SourceRecord> = manifest::read(&store.manifest_path())?
        .into_iter()
        .filter(|r| r.source != f.record.source)
        .collect();
    let mut text = String::new();
    for r in &keep {
        text.push_str(&serde_json::to_string(r)?);
        text.push('\n');
    }
    write_atomic(&store.manifest_path(), text.as_bytes())
}
