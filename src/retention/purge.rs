//! The purge: planning what expired data goes ([`plan`]) and carrying the
//! plan out ([`execute`]), step by atomic step, so that a purge killed at
//! any point leaves a readable store the next purge finishes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::{
    BooleanChunked, DataFrame, ParquetCompression, ParquetReader, ParquetWriter, SerReader,
};
use serde::Serialize;

use super::holds::{Held, HeldAddresses, Hold, dns_keeper, holding, interval_hold};
use crate::event::col;
use crate::formats::LogFormat;
use crate::fsutil::AtomicFile;
use crate::identity::attribute::Attributor;
use crate::store::manifest::{self, SourceRecord};
use crate::store::quarantine::QuarantinedLine;
use crate::store::{Store, sync_dir, write_atomic};

/// What a purge does to one partition file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Every row is expired: the file goes.
    Delete,
    /// Some rows stay (newer than the cutoff, or held): the file is rewritten without the others.
    Rewrite,
}

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
pub struct PurgePlan {
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

impl PurgePlan {
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

pub(super) fn read_columns(path: &Path, cols: Option<Vec<String>>) -> anyhow::Result<DataFrame> {
    let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    ParquetReader::new(f)
        .with_columns(cols)
        .finish()
        .with_context(|| format!("cannot read Parquet file {}", path.display()))
}

/// Partition files with their UTC day, and stray temporary files.
type PartitionListing = (Vec<(NaiveDate, PathBuf)>, Vec<PathBuf>);

/// Every Parquet file in the store, with its UTC day, and stray temporary files.
///
/// # Errors
/// A day folder cannot be listed ([`crate::store::layout::day_files`]).
pub(super) fn partition_files(store: &Store) -> anyhow::Result<PartitionListing> {
    let (mut files, mut tmps) = (Vec::new(), Vec::new());
    for f in crate::store::layout::day_files(&store.events_dir())? {
        if f.name().ends_with(".tmp") {
            tmps.push(f.path);
        } else if f.name().ends_with(".parquet") {
            files.push((f.day, f.path));
        }
    }
    Ok((files, tmps))
}

/// The columns a purge reads to decide which rows go.
pub(super) const MASK_COLUMNS: [&str; 4] = [col::TS, col::USER, col::USER_LOGGED, col::CLIENT_IP];

/// The row mask of what a purge removes from one file: expired and not held.
/// A hold keeps an event logged under a held name, and an address-only event
/// that identity records attribute to a held person (as analysis does).
/// Counts what each hold kept in `held`, and the addresses of kept events in
/// `addresses`.
pub(super) fn removal_mask(
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
) -> anyhow::Result<PurgePlan> {
    let (files, mut leftovers) = partition_files(store)?;
    let records = manifest::read(&store.manifest_path())?;
    leftovers.extend(orphan_chains(store, &records)?);
    leftovers.extend(stray_quarantine(store, &records)?);
    let mut planner = Planner {
        store,
        cutoff_ms: cutoff.timestamp_millis(),
        holds,
        attributor,
        held: vec![Held::default(); holds.len()],
        addresses: vec![HashSet::new(); holds.len()],
    };
    let (steps, remaining) = planner.partitions(&files, &records, &mut leftovers)?;
    let (sources, quarantine, quarantine_rewrites) =
        planner.sources(&records, &remaining, cutoff)?;
    let identity = planner.identity()?;
    let dns_lookups = planner.dns_lookups()?;
    let Planner {
        held, addresses, ..
    } = planner;
    let held: BTreeMap<String, Held> = holds
        .iter()
        .zip(held)
        .filter(|(_, h)| *h != Held::default())
        .map(|(hold, h)| (hold.reference.clone(), h))
        .collect();
    Ok(PurgePlan {
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

/// The sources that go, their quarantine files, and the quarantine files
/// of sources that stay rewritten without their expired lines (file, lines
/// removed).
type QuarantinePlan = (Vec<String>, Vec<PathBuf>, Vec<(PathBuf, u64)>);

/// One plan in the making: what it is made against, and what each hold
/// kept so far (events, intervals, lookups) with the addresses of the
/// events it kept.
struct Planner<'a> {
    store: &'a Store,
    cutoff_ms: i64,
    holds: &'a [Hold],
    attributor: &'a Attributor,
    held: Vec<Held>,
    addresses: HeldAddresses,
}

impl Planner<'_> {
    /// The partition files to delete or rewrite, and the files left to each
    /// source afterwards. A partition file with no source record (an ingest
    /// stopped between renaming it and appending the record) is read by
    /// nobody: it joins `leftovers`.
    fn partitions(
        &mut self,
        files: &[(NaiveDate, PathBuf)],
        records: &[SourceRecord],
        leftovers: &mut Vec<PathBuf>,
    ) -> anyhow::Result<(Vec<FileStep>, HashMap<String, usize>)> {
        let known: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
        let mut steps = Vec::new();
        let mut remaining: HashMap<String, usize> = HashMap::new();
        for (day, path) in files {
            let stem = path
                .file_name()
                .and_then(|s| s.to_str())
                .and_then(crate::store::layout::source_of_file)
                .unwrap_or("")
                .to_string();
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
            if day_start >= self.cutoff_ms {
                continue;
            }
            if let Some(step) = self.partition(path)? {
                if step.action == Action::Delete {
                    *remaining.get_mut(&stem).expect("counted above") -= 1;
                }
                steps.push(step);
            }
        }
        Ok((steps, remaining))
    }

    /// What the purge does to one partition file; `None` when it keeps every row.
    fn partition(&mut self, path: &Path) -> anyhow::Result<Option<FileStep>> {
        let df = read_columns(path, Some(MASK_COLUMNS.map(String::from).to_vec()))?;
        let before: u64 = self.held.iter().map(Held::rows).sum();
        let mask = removal_mask(
            &df,
            self.cutoff_ms,
            self.holds,
            self.attributor,
            &mut self.held,
            &mut self.addresses,
        )?;
        let held_rows = self.held.iter().map(Held::rows).sum::<u64>() - before;
        let remove = mask.sum().unwrap_or(0) as u64;
        if remove == 0 {
            return Ok(None);
        }
        let ts = df.column(col::TS)?.datetime()?.physical().clone();
        let removed: Vec<i64> = ts
            .iter()
            .zip(mask.iter())
            .filter(|(_, m)| m.unwrap_or(false))
            .filter_map(|(t, _)| t)
            .collect();
        let rows = df.height() as u64;
        Ok(Some(FileStep {
            path: path.to_path_buf(),
            action: if remove == rows {
                Action::Delete
            } else {
                Action::Rewrite
            },
            rows,
            remove_rows: remove,
            held_rows,
            bytes: fs::metadata(path)?.len(),
            oldest_ms: removed.iter().copied().min().unwrap_or(0),
            newest_ms: removed.iter().copied().max().unwrap_or(0),
        }))
    }

    /// The sources that go (all their events expired, no file of theirs
    /// left) with their quarantine files, and the quarantine files of the
    /// others rewritten without their expired lines.
    fn sources(
        &self,
        records: &[SourceRecord],
        remaining: &HashMap<String, usize>,
        cutoff: DateTime<Utc>,
    ) -> anyhow::Result<QuarantinePlan> {
        let mut sources = Vec::new();
        let mut quarantine = Vec::new();
        let mut quarantine_rewrites = Vec::new();
        for r in records {
            let expired = match r.last_ts {
                Some(t) => t < cutoff,
                None => r.ingested_at < cutoff,
            };
            let q = self
                .store
                .quarantine_dir()
                .join(format!("{}.jsonl", r.source));
            if expired && remaining.get(&r.source).copied().unwrap_or(0) == 0 {
                sources.push(r.source.clone());
                if q.exists() {
                    quarantine.push(q);
                }
            } else if q.exists() {
                let (_, removed) = split_quarantine(&q, self.cutoff_ms, aging_parser(r).as_ref())?;
                if removed > 0 {
                    quarantine_rewrites.push((q, removed));
                }
            }
        }
        Ok((sources, quarantine, quarantine_rewrites))
    }

    /// Identity sources with intervals that go: (source id, intervals
    /// removed, intervals left). An interval is expired when it ended before
    /// the cutoff, unless a hold covers its person over any part of it, or
    /// it overlaps the hold at an address of an event the hold keeps
    /// (another person's interval there decides how that event is
    /// attributed: it may make it ambiguous).
    fn identity(&mut self) -> anyhow::Result<Vec<(String, u64, u64)>> {
        let mut identity = Vec::new();
        for src in crate::store::identity::sources(self.store)? {
            let ivs = crate::store::identity::intervals(self.store, &src.source)?;
            let mut gone = 0;
            for iv in &ivs {
                if iv.end_ms < self.cutoff_ms {
                    match interval_hold(self.holds, &self.addresses, iv) {
                        Some(i) => self.held[i].intervals += 1,
                        None => gone += 1,
                    }
                }
            }
            if gone > 0 {
                identity.push((src.source, gone, ivs.len() as u64 - gone));
            }
        }
        Ok(identity)
    }

    /// DNS lookups that go: expired unless made by the address of a held
    /// event, in the hold's period (they named its connections).
    fn dns_lookups(&mut self) -> anyhow::Result<u64> {
        let cutoff_ms = self.cutoff_ms;
        let keeper = dns_keeper(self.holds, &self.addresses);
        // Counting inside the `Fn` the store asks for: a cell per hold.
        let counted = vec![std::cell::Cell::new(0u64); self.holds.len()];
        let keep = |l: &crate::dns::Lookup| {
            let k = keeper(l);
            if let Some(i) = k
                && l.ts_ms < cutoff_ms
            {
                counted[i].set(counted[i].get() + 1);
            }
            k.is_some()
        };
        let gone = crate::store::dns::purge(self.store, cutoff_ms, &keep, false)?;
        for (h, n) in self.held.iter_mut().zip(&counted) {
            h.dns_lookups = n.get();
        }
        Ok(gone)
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
    crate::formats::envelope::begin(reader, &cx)
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
        let r: QuarantinedLine = serde_json::from_str(l)
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
    plan: &PurgePlan,
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
            Action::Delete => delete_partition(&step.path)?,
            Action::Rewrite => {
                rewrite_partition(&step.path, cutoff_ms, holds, attributor, &mut crash)?;
            }
        }
        crash.point();
    }
    for q in &plan.quarantine {
        fs::remove_file(q).with_context(|| format!("cannot delete {}", q.display()))?;
        crash.point();
    }
    rewrite_quarantines(store, &plan.quarantine_rewrites, cutoff_ms, &mut crash)?;
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
        drop_sources(store, &plan.sources, &mut crash)?;
    }
    Ok(())
}

/// Deletes a partition file whose every row is expired, and its day's
/// folder when that is left empty.
fn delete_partition(path: &Path) -> anyhow::Result<()> {
    fs::remove_file(path).with_context(|| format!("cannot delete {}", path.display()))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")));
    if let Some(dir) = path.parent() {
        let _ = fs::remove_dir(dir); // only when empty
    }
    Ok(())
}

/// Rewrites a partition file without its expired rows that no hold keeps,
/// through `.<name>.purge.tmp` renamed over it.
fn rewrite_partition(
    path: &Path,
    cutoff_ms: i64,
    holds: &[Hold],
    attributor: &Attributor,
    crash: &mut CrashPoints,
) -> anyhow::Result<()> {
    let df = read_columns(path, None)?;
    let remove = removal_mask(
        &df,
        cutoff_ms,
        holds,
        attributor,
        &mut vec![Held::default(); holds.len()],
        &mut vec![HashSet::new(); holds.len()],
    )?;
    let mut kept = df.filter(&!&remove)?;
    let mut f = AtomicFile::create_with_suffix(path, "purge.tmp")?;
    ParquetWriter::new(&mut f)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut kept)
        .with_context(|| format!("cannot write {}", f.tmp_path().display()))?;
    crash.point();
    f.commit()
        .with_context(|| format!("cannot replace {}", path.display()))
}

/// Rewrites the quarantine files of sources that stay without their lines
/// dated before the cutoff, each read with its source's reader.
fn rewrite_quarantines(
    store: &Store,
    rewrites: &[(PathBuf, u64)],
    cutoff_ms: i64,
    crash: &mut CrashPoints,
) -> anyhow::Result<()> {
    let records: HashMap<String, SourceRecord> = manifest::read(&store.manifest_path())?
        .into_iter()
        .map(|r| (r.source.clone(), r))
        .collect();
    for (q, _) in rewrites {
        let source = q.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let parser = match records.get(source) {
            Some(r) => aging_parser(r),
            None => crate::formats::squid::Squid.begin(&Default::default()),
        };
        let (keep, _) = split_quarantine(q, cutoff_ms, parser.as_ref())?;
        write_atomic(q, keep.as_bytes())?;
        crash.point();
    }
    Ok(())
}

/// Removes the records of the sources that go from `sources.jsonl`, then
/// their chain indexes (a purge stopped in between finds those as
/// leftovers next time: see [`orphan_chains`]).
fn drop_sources(store: &Store, sources: &[String], crash: &mut CrashPoints) -> anyhow::Result<()> {
    let drop: HashSet<&str> = sources.iter().map(String::as_str).collect();
    let keep: Vec<SourceRecord> = manifest::read(&store.manifest_path())?
        .into_iter()
        .filter(|r| !drop.contains(r.source.as_str()))
        .collect();
    manifest::rewrite(&store.manifest_path(), &keep)?;
    crash.point();
    for source in drop {
        let p = crate::store::chain::path(store, source);
        if let Err(e) = fs::remove_file(&p)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            bail!("cannot remove {}: {e}", p.display());
        }
    }
    Ok(())
}

/// Files in the quarantine folder that no record keeps: temporary files,
/// the quarantined lines of an ingest killed before it finished
/// (`.<source>.jsonl.tmp`), and `<source>.jsonl` of a source with no record
/// in `records` (an ingest killed between renaming it into place and
/// appending its record). Both are raw log text with names and URLs in
/// them, read by nothing. A purge holds the store's lock, so no ingest is
/// writing one.
///
/// # Errors
/// The folder exists but cannot be listed.
fn stray_quarantine(store: &Store, records: &[SourceRecord]) -> anyhow::Result<Vec<PathBuf>> {
    let known: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    let mut out = Vec::new();
    for entry in crate::fsutil::list_dir(&store.quarantine_dir())? {
        // Only files: a folder there is not the store's, and removing it
        // would fail on every nightly run.
        if !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let path = entry.path();
        let unrecorded = (path.file_name().and_then(|n| n.to_str()))
            .and_then(|n| n.strip_suffix(".jsonl"))
            .is_some_and(|source| !known.contains(source));
        if unrecorded || path.extension().is_some_and(|e| e == "tmp") {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// The chain index of every source without a record in `records` (the
/// manifest): its record purged by a purge stopped before the index went,
/// or never written by an ingest that failed. An index holds no personal
/// data and is never read without its record.
///
/// # Errors
/// The folder cannot be listed (path named).
fn orphan_chains(store: &Store, records: &[SourceRecord]) -> anyhow::Result<Vec<PathBuf>> {
    let known: HashSet<&str> = records.iter().map(|r| r.source.as_str()).collect();
    let mut out = Vec::new();
    for entry in crate::fsutil::list_dir(&store.root().join("chains"))? {
        let path = entry.path();
        let source = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        if path.extension().is_some_and(|e| e == "json") && !known.contains(source) {
            out.push(path);
        }
    }
    Ok(out)
}
