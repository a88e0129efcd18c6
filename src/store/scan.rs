//! Reading events back: the one scan API that `usage`, `flags` and (later)
//! evidence packs share.

use std::collections::HashSet;
use std::fs::{self, File};
use std::path::PathBuf;

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use polars::prelude::{BooleanChunked, DataFrame, ParquetReader, SerReader};
use rayon::prelude::*;

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
    let events = store.events_dir();
    let mut files = Vec::new();
    let dirs = match fs::read_dir(&events) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", events.display())),
    };
    for dir in dirs {
        let dir = dir?;
        let name = dir.file_name();
        let Some(day) = name.to_str().and_then(|n| n.strip_prefix("date=")) else {
            continue;
        };
        let Ok(day) = NaiveDate::parse_from_str(day, "%Y-%m-%d") else {
            continue;
        };
        if range.from.is_some_and(|f| day < f.date_naive())
            || range.to.is_some_and(|t| day > t.date_naive())
        {
            continue;
        }
        for f in fs::read_dir(dir.path())? {
            let path = f?.path();
            let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if let Some(stem) = file.strip_suffix(".parquet")
                && !file.starts_with('.')
                && committed.contains(stem)
            {
                files.push(path);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// Reads the given columns of every committed event in `range`, in one
/// DataFrame (row order: by partition file, then as stored).
///
/// # Errors
/// A partition file cannot be read (file named).
pub fn scan(store: &Store, range: &Range, columns: &[&str]) -> anyhow::Result<DataFrame> {
    let mut cols: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
    if !cols.iter().any(|c| c == col::TS) {
        cols.push(col::TS.to_string());
    }
    let files = partition_files(store, range)?;
    let frames: Vec<DataFrame> = files
        .par_iter()
        .map(|path| {
            let f = File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            ParquetReader::new(f)
                .with_columns(Some(cols.clone()))
                .finish()
                .with_context(|| format!("cannot read Parquet file {}", path.display()))
        })
        .collect::<anyhow::Result<_>>()?;
    let schema = crate::event::schema();
    let mut out =
        DataFrame::empty_with_schema(&schema.try_project(cols.iter().map(|c| c.as_str()))?);
    for df in frames {
        out.vstack_mut(&df)?;
    }
    let ts = out.column(col::TS)?.datetime()?.physical().clone();
    let (lo, hi) = (
        range.from.map(|d| d.timestamp_millis()),
        range.to.map(|d| d.timestamp_millis()),
    );
    if lo.is_some() || hi.is_some() {
        let mask: BooleanChunked = ts
            .iter()
            .map(|t| t.is_some_and(|t| lo.is_none_or(|l| t >= l) && hi.is_none_or(|h| t < h)))
            .collect();
        out = out.filter(&mask)?;
    }
    out.rechunk_mut();
    Ok(out.select(columns.iter().copied())?)
}

/// The UTC days that hold committed events.
///
/// # Errors
/// The manifest or the events folder cannot be read.
pub fn days_with_events(store: &Store) -> anyhow::Result<HashSet<NaiveDate>> {
    Ok(partition_files(store, &Range::default())?
        .iter()
        .filter_map(|p| {
            let dir = p.parent()?.file_name()?.to_str()?;
            NaiveDate::parse_from_str(dir.strip_prefix("date=")?, "%Y-%m-%d").ok()
        })
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
    let start = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
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
    let mut out = std::collections::HashMap::with_capacity(df.height());
    for i in 0..df.height() {
        let key = crate::event::dedup_key(
            ts.get(i).unwrap_or(0),
            user.get(i).unwrap_or(""),
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
