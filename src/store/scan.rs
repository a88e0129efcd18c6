//! Reading events back: the one scan API that `usage`, `flags` and (later)
//! evidence packs share.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::{
    AnyValue, DataFrame, DataType, Expr, HiveOptions, IntoSeries, LazyFrame, NewChunkedArray,
    PlRefPath, Scalar, ScanArgsParquet, StringChunked, TimeUnit, TimeZone, col, lit,
};

use super::{Store, manifest};
use crate::event::col;

/// Which events to read: a UTC time range, half-open `[from, to)`; `None`
/// leaves that end open.
#[derive(Debug, Clone, Default)]
pub struct Range {
    /// First instant included (UTC).
    pub from: Option<DateTime<Utc>>,
    /// First instant excluded (UTC).
    pub to: Option<DateTime<Utc>>,
}

/// The committed partition files whose UTC day can hold events in `range`.
///
/// # Errors
/// The manifest or the events directory cannot be read.
pub fn partition_files(store: &Store, range: &Range) -> anyhow::Result<Vec<PathBuf>> {
    let committed: HashSet<String> = manifest::committed(&store.manifest_path())?;
    Ok(super::layout::day_files(&store.events_dir())?
        .into_iter()
        .filter(|f| {
            !(range.from.is_some_and(|from| f.day < from.date_naive())
                || range.to.is_some_and(|to| f.day > to.date_naive()))
        })
        .filter(|f| f.source().is_some_and(|s| committed.contains(s)))
        .map(|f| f.path)
        .collect())
}

/// The committed partition files in `range`, grouped by UTC day, days in order.
///
/// # Errors
/// As [`partition_files`].
pub fn partitions_by_day(
    store: &Store,
    range: &Range,
) -> anyhow::Result<BTreeMap<NaiveDate, Vec<PathBuf>>> {
    let mut days: BTreeMap<NaiveDate, Vec<PathBuf>> = BTreeMap::new();
    for path in partition_files(store, range)? {
        if let Some(day) = day_of(&path) {
            days.entry(day).or_default().push(path);
        }
    }
    Ok(days)
}

/// The start of UTC day `day`.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0).expect("midnight").and_utc()
}

/// The end of UTC day `day` (exclusive), in UTC ms: no event of a later
/// day's partition is earlier.
pub fn day_end_ms(day: NaiveDate) -> i64 {
    (day_start(day) + chrono::Duration::days(1)).timestamp_millis()
}

/// An empty frame of `columns` of the event schema.
fn empty_frame(columns: &[&str]) -> anyhow::Result<DataFrame> {
    let schema = crate::event::schema();
    Ok(DataFrame::empty_with_schema(
        &schema.try_project(columns.iter().copied())?,
    ))
}

/// The UTC day of a partition file, from its folder name `date=YYYY-MM-DD`.
pub fn day_of(path: &Path) -> Option<NaiveDate> {
    let dir = path.parent()?.file_name()?.to_str()?;
    NaiveDate::parse_from_str(dir.strip_prefix("date=")?, "%Y-%m-%d").ok()
}

/// Which rows of each day to read: a time range and, optionally, only the
/// events of some accounts (normalised user names).
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// The time range (UTC, half-open).
    pub range: Range,
    /// Only these accounts (person keys, [`crate::event::person_key`]); `None` reads everyone.
    pub users: Option<Vec<String>>,
}

/// Reads one UTC day's events (`columns` of the committed `files` of
/// `day`) through a lazy scan: only those columns are decoded, and the
/// filter is pushed into the Parquet reader, which skips row groups whose
/// statistics (min/max of `ts`, of `user`) rule them out and, for the rows
/// it keeps, decodes the filtered columns first and the others only for the
/// rows that match. Rows are stored in line order, not sorted by user
/// (docs/STORE.md, "Partitioning and reads", says why).
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn read_day(
    day: NaiveDate,
    files: &[PathBuf],
    columns: &[&str],
    filter: &Filter,
) -> anyhow::Result<DataFrame> {
    let mut out = read_day_chunks(day, files, columns, filter)?;
    out.rechunk_mut();
    Ok(out)
}

/// [`read_day`] without joining each column's chunks (one or more a file)
/// into one array: for a reader that walks the chunks itself.
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn read_day_chunks(
    day: NaiveDate,
    files: &[PathBuf],
    columns: &[&str],
    filter: &Filter,
) -> anyhow::Result<DataFrame> {
    let start = day_start(day);
    let end = start + chrono::Duration::days(1);
    let ts_type = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    let at = |t: DateTime<Utc>| {
        lit(Scalar::new(
            ts_type.clone(),
            AnyValue::DatetimeOwned(
                t.timestamp_millis(),
                TimeUnit::Milliseconds,
                Some(std::sync::Arc::new(TimeZone::UTC)),
            ),
        ))
    };
    let mut predicate: Option<Expr> = None;
    let mut and = |e: Expr| {
        predicate = Some(match predicate.take() {
            Some(p) => p.and(e),
            None => e,
        })
    };
    if let Some(from) = filter.range.from.filter(|&f| f > start) {
        and(col(col::TS).gt_eq(at(from)));
    }
    if let Some(to) = filter.range.to.filter(|&t| t < end) {
        and(col(col::TS).lt(at(to)));
    }
    if let Some(users) = &filter.users {
        // One account: an equality, which row-group statistics can rule out.
        // More: one set lookup (a chain of equalities grows with the set).
        and(match users.as_slice() {
            [] => lit(false),
            // Person keys name stored users (`logged:ip:…` is stored `ip:…`).
            [one] => col(col::USER).eq(lit(crate::event::stored_user(one))),
            many => col(col::USER).is_in(
                lit(StringChunked::from_iter_values(
                    "accounts".into(),
                    many.iter().map(|u| crate::event::stored_user(u)),
                )
                .into_series())
                .implode(false),
                false,
            ),
        });
    }
    let mut out = empty_frame(columns)?;
    for path in files {
        let args = ScanArgsParquet {
            hive_options: HiveOptions {
                enabled: Some(false),
                ..Default::default()
            },
            glob: false,
            cache: false,
            ..Default::default()
        };
        let mut lf = LazyFrame::scan_parquet(PlRefPath::try_from_path(path)?, args)?;
        // A file of a layout-3 store has no `reading` column: it reads as
        // null (nothing was read through an envelope or a W3C fallback).
        // Its schema is looked at only when `reading` is asked for.
        let reading_missing = columns.contains(&crate::event::col::READING)
            && !lf
                .collect_schema()
                .with_context(|| format!("cannot read Parquet file {}", path.display()))?
                .contains(crate::event::col::READING);
        let mut lf = lf.select(
            columns
                .iter()
                .map(|c| {
                    if *c == crate::event::col::READING && reading_missing {
                        lit(polars::prelude::Null {})
                            .cast(DataType::String)
                            .alias(*c)
                    } else {
                        col(*c)
                    }
                })
                .collect::<Vec<_>>(),
        );
        if let Some(p) = &predicate {
            lf = lf.filter(p.clone());
        }
        let mut df = lf
            .collect()
            .with_context(|| format!("cannot read Parquet file {}", path.display()))?;
        if predicate.is_some() && narrow(df.height(), path) {
            df = compact_strings(df)?;
        }
        out.vstack_mut(&df)?;
    }
    Ok(out)
}

/// True when a filtered read kept fewer than half of the rows of the file
/// at `path` (`kept`): its text columns are then worth copying
/// ([`compact_strings`]). A read that keeps most rows (a filter naming
/// most people) would only grow by the copy: a dictionary-encoded column's
/// rows share their values, and the copy holds each once per row. The
/// count is the footer's alone; a footer that cannot be read (the file
/// gone since it was decoded) counts as narrow, so the copy is made.
fn narrow(kept: usize, path: &Path) -> bool {
    let rows = fs::File::open(path)
        .ok()
        .and_then(|mut f| polars_parquet::parquet::read::read_num_rows(&mut f).ok())
        .and_then(|n| usize::try_from(n).ok());
    rows.is_none_or(|rows| kept_is_narrow(kept, rows))
}

/// Fewer than half of `rows` were `kept`.
fn kept_is_narrow(kept: usize, rows: usize) -> bool {
    kept.saturating_mul(2) < rows
}

/// `df` with every text column copied into buffers of its own. A filtered
/// read's text columns are views into the buffers of every row the file's
/// row groups decoded, and keep all of them alive: a one-person read over a
/// year held the whole store's URLs (3.8 GB for 42,000 sessions,
/// `benches/year.sh`). The copy holds only the rows kept.
///
/// # Errors
/// A column cannot be rebuilt (not expected).
fn compact_strings(df: DataFrame) -> anyhow::Result<DataFrame> {
    let height = df.height();
    let columns = df
        .columns()
        .iter()
        .map(|c| -> anyhow::Result<polars::prelude::Column> {
            if c.dtype() != &DataType::String {
                return Ok(c.clone());
            }
            let own: StringChunked = c.str()?.iter().collect();
            Ok(polars::prelude::IntoColumn::into_column(
                own.with_name(c.name().clone()).into_series(),
            ))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(DataFrame::new(height, columns)?)
}

/// Calls `f` with each UTC day's events in `filter` (see [`read_day`]),
/// days in time order: one day in memory at a time. The next day is read
/// while `f` works on this one.
///
/// # Errors
/// A partition file cannot be read, or `f` fails.
pub fn each_day(
    store: &Store,
    columns: &[&str],
    filter: &Filter,
    f: impl FnMut(NaiveDate, DataFrame) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    each_listed_day(
        &partitions_by_day(store, &filter.range)?,
        columns,
        filter,
        f,
    )
}

/// [`each_day`] over days already listed with [`partitions_by_day`] (for a
/// caller that looked at the listing first).
///
/// # Errors
/// A partition file cannot be read, or `f` fails.
pub fn each_listed_day(
    days: &BTreeMap<NaiveDate, Vec<PathBuf>>,
    columns: &[&str],
    filter: &Filter,
    f: impl FnMut(NaiveDate, DataFrame) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    each_prepared_day(days, columns, filter, |_, df| Ok(df), f)
}

/// [`each_listed_day`] with a step that runs as each day is read, before it
/// is handed to `f`: `prepare` (attribution, DNS naming, classification)
/// works on the next day while `f` works on this one, so on two cores the
/// two halves overlap.
///
/// # Errors
/// A partition file cannot be read, or `prepare` or `f` fails.
pub fn each_prepared_day(
    days: &BTreeMap<NaiveDate, Vec<PathBuf>>,
    columns: &[&str],
    filter: &Filter,
    prepare: impl Fn(NaiveDate, DataFrame) -> anyhow::Result<DataFrame> + Sync,
    f: impl FnMut(NaiveDate, DataFrame) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    read_each_day(days, columns, filter, true, prepare, f)
}

/// [`each_prepared_day`] with each column left in the chunks it was read
/// in (see [`read_day_chunks`]): `prepare` and `f` must not assume one
/// array a column. The streamed analysis reads its text columns chunk by
/// chunk, and joining them cost about an eighth of `usage`'s time.
///
/// # Errors
/// A partition file cannot be read, or `prepare` or `f` fails.
pub fn each_prepared_day_chunks(
    days: &BTreeMap<NaiveDate, Vec<PathBuf>>,
    columns: &[&str],
    filter: &Filter,
    prepare: impl Fn(NaiveDate, DataFrame) -> anyhow::Result<DataFrame> + Sync,
    f: impl FnMut(NaiveDate, DataFrame) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    read_each_day(days, columns, filter, false, prepare, f)
}

/// [`each_prepared_day`], each day's columns joined into one array each
/// when `rechunk`.
fn read_each_day(
    days: &BTreeMap<NaiveDate, Vec<PathBuf>>,
    columns: &[&str],
    filter: &Filter,
    rechunk: bool,
    prepare: impl Fn(NaiveDate, DataFrame) -> anyhow::Result<DataFrame> + Sync,
    mut f: impl FnMut(NaiveDate, DataFrame) -> anyhow::Result<()> + Send,
) -> anyhow::Result<()> {
    let days: Vec<(&NaiveDate, &Vec<PathBuf>)> = days.iter().collect();
    let load = |i: usize| {
        days.get(i).map(|(d, files)| {
            let mut df = read_day_chunks(**d, files, columns, filter)?;
            if rechunk {
                df.rechunk_mut();
            }
            prepare(**d, df)
        })
    };
    let mut next = load(0);
    for (i, (day, _)) in days.iter().enumerate() {
        let df = next.take().expect("read ahead")?;
        let (df, ahead) = rayon::join(|| f(**day, df), || load(i + 1));
        df?;
        next = ahead;
        crate::memory::release_free_memory();
    }
    Ok(())
}

/// Reads `columns` of every event in `filter`, day by day (see
/// [`read_day`]), into one DataFrame: for a read pruned to a few accounts.
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn read(store: &Store, columns: &[&str], filter: &Filter) -> anyhow::Result<DataFrame> {
    let mut out = empty_frame(columns)?;
    for (day, files) in partitions_by_day(store, &filter.range)? {
        out.vstack_mut(&read_day(day, &files, columns, filter)?)?;
    }
    out.rechunk_mut();
    Ok(out)
}

/// Every account with events in `range`, as analysis keys it
/// ([`crate::event::person_key`]: normalised user names, `ip:<client>` for
/// events logged with no user).
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn users(store: &Store, range: &Range) -> anyhow::Result<BTreeSet<String>> {
    let filter = Filter {
        range: range.clone(),
        users: None,
    };
    let mut out = BTreeSet::new();
    each_day(store, &[col::USER, col::USER_LOGGED], &filter, |_, df| {
        let users = df.column(col::USER)?.str()?.clone();
        let logged = df.column(col::USER_LOGGED)?.bool()?.clone();
        for (u, l) in users.iter().zip(logged.iter()) {
            let Some(u) = u else { continue };
            let key = crate::event::person_key(u, l.unwrap_or(true));
            if !out.contains(key.as_ref()) {
                out.insert(key.into_owned());
            }
        }
        Ok(())
    })?;
    Ok(out)
}

/// Reads the given columns of every committed event in `range`, in one
/// DataFrame (row order: by day, partition file, then as stored): [`read`]
/// for everyone.
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn scan(store: &Store, range: &Range, columns: &[&str]) -> anyhow::Result<DataFrame> {
    let filter = Filter {
        range: range.clone(),
        users: None,
    };
    read(store, columns, &filter)
}

/// The UTC days that hold committed events.
///
/// # Errors
/// The manifest or the events folder cannot be read.
pub fn days_with_events(store: &Store) -> anyhow::Result<HashSet<NaiveDate>> {
    Ok(partition_files(store, &Range::default())?
        .iter()
        .filter_map(|p| day_of(p))
        .collect())
}

/// Where an already stored event came from: its source id and line.
pub type Origin = (String, u64);

/// The [`crate::event::dedup_key`] of every committed event of UTC day
/// `day`, with where it came from.
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn day_keys(
    store: &Store,
    day: NaiveDate,
) -> anyhow::Result<std::collections::HashMap<u128, Origin>> {
    let start = day_start(day);
    let range = Range {
        from: Some(start),
        to: Some(start + chrono::Duration::days(1)),
    };
    let cols = [
        col::TS,
        col::USER,
        col::CLIENT_IP,
        col::METHOD,
        col::URL,
        col::STATUS,
        col::BYTES,
        col::SOURCE,
        col::LINE,
        col::USER_LOGGED,
    ];
    let df = scan(store, &range, &cols)?;
    let ts = df.column(col::TS)?.datetime()?.physical().clone();
    let s = |c: &str| -> anyhow::Result<_> { Ok(df.column(c)?.str()?.clone()) };
    let (user, client, method, url, source) = (
        s(col::USER)?,
        s(col::CLIENT_IP)?,
        s(col::METHOD)?,
        s(col::URL)?,
        s(col::SOURCE)?,
    );
    let status = df.column(col::STATUS)?.u16()?.clone();
    let bytes = df.column(col::BYTES)?.u64()?.clone();
    let line = df.column(col::LINE)?.u64()?.clone();
    let logged = df.column(col::USER_LOGGED)?.bool()?.clone();
    let mut out = std::collections::HashMap::with_capacity(df.height());
    for i in 0..df.height() {
        let key = crate::event::dedup_key(
            ts.get(i).unwrap_or(0),
            user.get(i).unwrap_or(""),
            logged.get(i).unwrap_or(true),
            client.get(i).unwrap_or(""),
            method.get(i).unwrap_or(""),
            url.get(i),
            status.get(i).unwrap_or(0),
            bytes.get(i).unwrap_or(0),
        );
        out.entry(key).or_insert_with(|| {
            (
                source.get(i).unwrap_or("").to_string(),
                line.get(i).unwrap_or(0),
            )
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::{IntoColumn, NamedFrom, Series};

    /// The text buffers of column `name` of `df` (bytes).
    fn buffers(df: &DataFrame, name: &str) -> usize {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .downcast_iter()
            .map(|a| a.total_buffer_len())
            .sum()
    }

    /// Of 10,000 distinct 40-byte values (400,000 bytes of buffer), a
    /// column left with 10 rows is copied down to their 400 bytes; a column
    /// of numbers is not touched.
    #[test]
    fn a_copied_text_column_holds_only_its_rows() {
        let all: StringChunked = StringChunked::from_iter_values(
            "url".into(),
            (0..10_000).map(|i| format!("http://www.example.com/p{i:016}")),
        );
        assert_eq!(all.get(0).unwrap().len(), 40);
        let few = DataFrame::new(
            10,
            vec![
                all.slice(0, 10).into_series().into_column(),
                Series::new("n".into(), (0..10u32).collect::<Vec<_>>()).into_column(),
            ],
        )
        .unwrap();
        assert_eq!(buffers(&few, "url"), 400_000);
        let few = compact_strings(few).unwrap();
        assert_eq!(buffers(&few, "url"), 400);
        assert_eq!(
            few.column("url").unwrap().str().unwrap().get(9),
            Some("http://www.example.com/p0000000000000009")
        );
        let n = few.column("n").unwrap().u32().unwrap();
        assert_eq!(n.cont_slice().unwrap().iter().sum::<u32>(), 45);
    }

    /// A read is narrow below half the file's rows: 4,999 of 10,000 is,
    /// 5,000 is not; a file of no rows never is.
    #[test]
    fn a_read_is_narrow_below_half_the_files_rows() {
        assert!(kept_is_narrow(10, 10_000));
        assert!(kept_is_narrow(4_999, 10_000));
        assert!(!kept_is_narrow(5_000, 10_000));
        assert!(!kept_is_narrow(0, 0));
    }
}
