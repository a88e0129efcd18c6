//! Atomic writer of one source's day partitions:
//! `events/date=YYYY-MM-DD/<source>.parquet`, one file per UTC day (and
//! `<source>.p2.parquet`, ... for a day the log comes back to after its file
//! was finished: see [`MAX_OPEN_DAYS`]).
//!
//! Each day's row groups, encoded beforehand ([`super::rowgroup`]), are
//! appended to `.<source>.parquet.tmp` in the partition directory (an
//! [`AtomicFile`]) as they come, so memory stays flat whatever the file size.
//! [`PartitionWriter::commit`] closes, fsyncs and renames every file into
//! place; a writer dropped uncommitted removes them.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::Context;
use chrono::NaiveDate;
use polars_parquet::write::{
    DynIter, DynStreamingIterator, FileWriter, fallible_streaming_iterator,
};

use super::layout::{day_files, part_file_name};
use super::rowgroup::{EncodedRows, arrow_schema, write_options};
use crate::fsutil::{AtomicFile, Committed, FinishedFile};

/// A day's file being written: the Parquet writer over its [`AtomicFile`].
struct Open {
    writer: FileWriter<io::BufWriter<Noted>>,
    /// The temporary file's path, for messages.
    tmp: PathBuf,
    /// Why a write to it failed, if one did.
    failed: Arc<Mutex<Option<String>>>,
}

/// A day's file under its Parquet writer, keeping why a write failed: the
/// writer reports any failed write as "Invalid thrift: transport error",
/// without the system's reason (a full disk).
struct Noted {
    file: AtomicFile,
    failed: Arc<Mutex<Option<String>>>,
}

impl Noted {
    fn note<T>(&self, r: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &r
            && let Ok(mut failed) = self.failed.lock()
        {
            *failed = Some(e.to_string());
        }
        r
    }
}

impl io::Write for Noted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let r = self.file.write(buf);
        self.note(r)
    }
    fn flush(&mut self) -> io::Result<()> {
        let r = self.file.flush();
        self.note(r)
    }
}

/// Most days with a file open at once. Logs are mostly in time order, so a
/// day's file is finished once the log has moved on; a late line for it
/// starts the day's next part (`<source>.p2.parquet`). Memory then stays flat
/// however many days a file spans.
pub const MAX_OPEN_DAYS: usize = 8;

/// Writes one source's events into day partitions.
pub struct PartitionWriter {
    events_dir: PathBuf,
    source: String,
    open: BTreeMap<NaiveDate, (Open, u64)>,
    /// Parts written, fsynced and closed, waiting for [`PartitionWriter::commit`].
    finished: Vec<FinishedFile>,
    /// Parts started per day.
    parts: BTreeMap<NaiveDate, u32>,
    /// Writes so far: when each open day was last written to.
    tick: u64,
}

/// Directory of one UTC day's partition.
pub fn partition_dir(events_dir: &Path, day: NaiveDate) -> PathBuf {
    events_dir.join(format!("date={}", day.format("%Y-%m-%d")))
}

/// Removes every partition file of `source` under `events_dir`: files an
/// ingest of that source left in place without writing its record (it was
/// killed between renaming its parts and appending the record). Only for
/// a source id no record holds (`ingest::source_id` gives such ids), just
/// before that source is ingested again: its lines are stored anew, and
/// none of the old files may stay visible beside them. Returns how many
/// were removed.
///
/// # Errors
/// A day's folder cannot be listed or a file removed (path named).
pub fn remove_unrecorded(events_dir: &Path, source: &str) -> anyhow::Result<usize> {
    let mut removed = 0;
    for f in day_files(events_dir)? {
        if f.source() == Some(source) {
            fs::remove_file(&f.path)
                .with_context(|| format!("cannot remove {}", f.path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}

impl PartitionWriter {
    /// A writer for `source` under `events_dir`.
    pub fn new(events_dir: &Path, source: &str) -> PartitionWriter {
        PartitionWriter {
            events_dir: events_dir.to_path_buf(),
            source: source.to_string(),
            open: BTreeMap::new(),
            finished: Vec::new(),
            parts: BTreeMap::new(),
            tick: 0,
        }
    }

    /// Appends a row group (all of UTC day `day`) to that day's file.
    ///
    /// # Errors
    /// I/O errors, naming the file.
    pub fn write(&mut self, day: NaiveDate, rows: &EncodedRows) -> anyhow::Result<()> {
        self.tick += 1;
        if !self.open.contains_key(&day) {
            if self.open.len() >= MAX_OPEN_DAYS {
                self.finish_least_recent()?;
            }
            let part = self.parts.entry(day).or_insert(0);
            *part += 1;
            let dir = partition_dir(&self.events_dir, day);
            crate::fsutil::create_dir_all(&dir)?;
            let file = AtomicFile::create(&dir.join(part_file_name(&self.source, *part)))?;
            let tmp = file.tmp_path().to_path_buf();
            let failed = Arc::new(Mutex::new(None));
            let file = Noted {
                file,
                failed: Arc::clone(&failed),
            };
            let writer = FileWriter::try_new(
                io::BufWriter::with_capacity(64 << 10, file),
                arrow_schema().clone(),
                write_options(),
            )
            .with_context(|| format!("cannot start Parquet file {}", tmp.display()))?;
            let open = Open {
                writer,
                tmp,
                failed,
            };
            self.open.insert(day, (open, self.tick));
        }
        let (open, used) = self.open.get_mut(&day).expect("inserted above");
        *used = self.tick;
        let columns = DynIter::new(rows.columns.iter().map(|pages| {
            Ok(DynStreamingIterator::new(
                fallible_streaming_iterator::convert(pages.iter().map(Ok)),
            ))
        }));
        let written = open.writer.write(rows.rows, columns);
        written.with_context(|| open.failure("cannot write"))
    }

    /// Finishes the file of the day written to least recently.
    fn finish_least_recent(&mut self) -> anyhow::Result<()> {
        let Some(day) = self
            .open
            .iter()
            .min_by_key(|(_, (_, used))| *used)
            .map(|(d, _)| *d)
        else {
            return Ok(());
        };
        let (open, _) = self.open.remove(&day).expect("found above");
        self.finished.push(open.finish()?);
        Ok(())
    }

    /// Finishes every file, fsyncs it and renames it into place. The files
    /// (and days' folders left empty) are removed again if the result is
    /// dropped before [`Committed::keep`]: the source's record could not be
    /// written, and the store must not hold events it does not account for.
    ///
    /// # Errors
    /// I/O errors, naming the file; every file of this writer is removed,
    /// renamed or not.
    pub fn commit(mut self) -> anyhow::Result<Committed> {
        while !self.open.is_empty() {
            self.finish_least_recent()?;
        }
        let mut committed = Committed::default();
        // Parts are renamed last finished first; on an error, dropping
        // `self` removes the ones still waiting, and dropping `committed`
        // the ones already renamed.
        while let Some(part) = self.finished.pop() {
            let dest = part.dest().to_path_buf();
            part.commit()?;
            committed.push(dest);
        }
        // The days' folders are `committed`'s to clear now.
        for day in std::mem::take(&mut self.parts).into_keys() {
            committed.push_folder(partition_dir(&self.events_dir, day));
        }
        Ok(committed)
    }
}

impl Open {
    /// `what` and the file's path, and why a write to it failed when one
    /// did (the Parquet writer's own error does not say).
    fn failure(&self, what: &str) -> String {
        failure(what, &self.tmp, &self.failed)
    }

    /// Writes the Parquet footer, then fsyncs and closes the file.
    fn finish(mut self) -> anyhow::Result<FinishedFile> {
        let ended = self.writer.end(None);
        ended.with_context(|| self.failure("cannot finish"))?;
        let Open {
            writer,
            tmp,
            failed,
        } = self;
        writer
            .into_inner()
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| failure("cannot write", &tmp, &failed))?
            .file
            .finish()
    }
}

/// `what` and the path `tmp`, and `failed`'s reason when a write failed.
fn failure(what: &str, tmp: &Path, failed: &Mutex<Option<String>>) -> String {
    match failed.lock().ok().and_then(|f| f.clone()) {
        Some(why) => format!("{what} {}: {why}", tmp.display()),
        None => format!("{what} {}", tmp.display()),
    }
}

impl Drop for PartitionWriter {
    /// Not committed (the ingest of this source failed, or the commit did):
    /// the parts not yet renamed are removed, with each day's folder this
    /// writer wrote to when that is left empty.
    fn drop(&mut self) {
        self.open.clear();
        self.finished.clear();
        for day in self.parts.keys() {
            let _ = fs::remove_dir(partition_dir(&self.events_dir, *day));
        }
    }
}
