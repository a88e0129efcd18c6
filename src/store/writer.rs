//! Atomic writer of one source's day partitions:
//! `events/date=YYYY-MM-DD/<source>.parquet`, one file per UTC day (and
//! `<source>.p2.parquet`, ... for a day the log comes back to after its file
//! was finished: see [`MAX_OPEN_DAYS`]).
//!
//! Each day's row groups, encoded beforehand ([`super::rowgroup`]), are
//! appended to `.<source>.parquet.tmp` in the partition directory as they
//! come, so memory stays flat whatever the file size. [`PartitionWriter::commit`] closes, fsyncs and renames every
//! file into place; [`PartitionWriter::abort`] removes them.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use polars_parquet::write::{
    DynIter, DynStreamingIterator, FileWriter, fallible_streaming_iterator,
};

use super::rowgroup::{EncodedRows, arrow_schema, write_options};

/// A `Write` over a shared file, so the file can be fsynced after the
/// Parquet writer that owns it has finished.
struct SharedFile(Arc<File>);

impl Write for SharedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        (&*self.0).write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        (&*self.0).flush()
    }
}

struct Open {
    tmp: PathBuf,
    dest: PathBuf,
    file: Arc<File>,
    writer: FileWriter<io::BufWriter<SharedFile>>,
}

/// Most days with a file open at once. Logs are mostly in time order, so a
/// day's file is finished once the log has moved on; a late line for it
/// starts the day's next part (`<source>.p2.parquet`). Memory then stays flat
/// however many days a file spans.
pub const MAX_OPEN_DAYS: usize = 8;

/// A finished part: its UTC day, its temporary file and its final name.
type Finished = (NaiveDate, PathBuf, PathBuf);

/// Writes one source's events into day partitions.
pub struct PartitionWriter {
    events_dir: PathBuf,
    source: String,
    open: BTreeMap<NaiveDate, (Open, u64)>,
    finished: Vec<Finished>,
    /// Parts started per day.
    parts: BTreeMap<NaiveDate, u32>,
    /// Writes so far: when each open day was last written to.
    tick: u64,
}

/// Directory of one UTC day's partition.
pub fn partition_dir(events_dir: &Path, day: NaiveDate) -> PathBuf {
    events_dir.join(format!("date={}", day.format("%Y-%m-%d")))
}

/// The file name of part `part` (1-based) of a source's day:
/// `<source>.parquet`, then `<source>.p2.parquet`, ...
pub fn part_file_name(source: &str, part: u32) -> String {
    if part <= 1 {
        format!("{source}.parquet")
    } else {
        format!("{source}.p{part}.parquet")
    }
}

/// The source a partition file belongs to, from its name
/// (`<source>.parquet` or `<source>.p<N>.parquet`); `None` for other files.
pub fn source_of_file(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".parquet")?;
    if stem.starts_with('.') {
        return None;
    }
    Some(match stem.rsplit_once(".p") {
        Some((source, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => source,
        _ => stem,
    })
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
            let name = part_file_name(&self.source, *part);
            let tmp = dir.join(format!(".{name}.tmp"));
            let dest = dir.join(name);
            let file = Arc::new(crate::fsutil::create(&tmp)?);
            let writer = FileWriter::try_new(
                io::BufWriter::with_capacity(64 << 10, SharedFile(file.clone())),
                arrow_schema().clone(),
                write_options(),
            )
            .with_context(|| format!("cannot start Parquet file {}", tmp.display()))?;
            self.open.insert(
                day,
                (
                    Open {
                        tmp,
                        dest,
                        file,
                        writer,
                    },
                    self.tick,
                ),
            );
        }
        let (open, used) = self.open.get_mut(&day).expect("inserted above");
        *used = self.tick;
        let columns = DynIter::new(rows.columns.iter().map(|pages| {
            Ok(DynStreamingIterator::new(
                fallible_streaming_iterator::convert(pages.iter().map(Ok)),
            ))
        }));
        open.writer
            .write(rows.rows, columns)
            .with_context(|| format!("cannot write {}", open.tmp.display()))
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
        // Listed first, so a failure below still removes the file.
        self.finished
            .push((day, open.tmp.clone(), open.dest.clone()));
        open.finish()
    }

    /// Finishes every file, fsyncs it and renames it into place. Returns the
    /// days written.
    ///
    /// # Errors
    /// I/O errors, naming the file; files not yet renamed are removed.
    pub fn commit(mut self) -> anyhow::Result<Vec<NaiveDate>> {
        while !self.open.is_empty() {
            self.finish_least_recent()?;
        }
        // A part leaves `finished` once renamed: on an error, dropping `self`
        // removes the ones still waiting.
        let mut days = std::collections::BTreeSet::new();
        while let Some((day, tmp, dest)) = self.finished.last() {
            fs::rename(tmp, dest).with_context(|| {
                format!("cannot rename {} to {}", tmp.display(), dest.display())
            })?;
            super::sync_dir(&partition_dir(&self.events_dir, *day));
            days.insert(*day);
            self.finished.pop();
        }
        Ok(days.into_iter().collect())
    }

    /// Removes every temporary file (the ingest of this source failed).
    pub fn abort(self) {
        // Drop does it.
    }
}

impl Open {
    /// Writes the Parquet footer and fsyncs the file.
    fn finish(mut self) -> anyhow::Result<()> {
        self.writer
            .end(None)
            .with_context(|| format!("cannot finish {}", self.tmp.display()))?;
        self.writer
            .into_inner()
            .into_inner()
            .map_err(|e| e.into_error())
            .with_context(|| format!("cannot write {}", self.tmp.display()))?;
        self.file
            .sync_all()
            .with_context(|| format!("cannot fsync {}", self.tmp.display()))
    }
}

/// Removes a temporary partition file, and its day directory when that is left empty.
fn remove_tmp(tmp: &Path) {
    let _ = fs::remove_file(tmp);
    if let Some(dir) = tmp.parent() {
        let _ = fs::remove_dir(dir);
    }
}

impl Drop for PartitionWriter {
    fn drop(&mut self) {
        for (_, (open, _)) in std::mem::take(&mut self.open) {
            drop(open.writer);
            remove_tmp(&open.tmp);
        }
        for (_, tmp, _) in std::mem::take(&mut self.finished) {
            remove_tmp(&tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_names_map_back_to_their_source() {
        assert_eq!(
            part_file_name("9e4186b9ee908b28", 1),
            "9e4186b9ee908b28.parquet"
        );
        assert_eq!(
            part_file_name("9e4186b9ee908b28", 3),
            "9e4186b9ee908b28.p3.parquet"
        );
        for part in 1..4 {
            let name = part_file_name("9e4186b9ee908b28", part);
            assert_eq!(source_of_file(&name), Some("9e4186b9ee908b28"));
        }
        assert_eq!(source_of_file(".9e4186b9ee908b28.parquet.tmp"), None);
        assert_eq!(source_of_file(".hidden.parquet"), None);
        assert_eq!(source_of_file("notes.txt"), None);
        assert_eq!(source_of_file("abc.p.parquet"), Some("abc.p"));
    }
}
