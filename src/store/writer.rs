//! Atomic writer of one source's day partitions:
//! `events/date=YYYY-MM-DD/<source>.parquet`, one file per UTC day.
//!
//! Each day's rows stream into `.<source>.parquet.tmp` in the partition
//! directory through a batched Parquet writer, so memory stays flat whatever
//! the file size. [`PartitionWriter::commit`] closes, fsyncs and renames every
//! file into place; [`PartitionWriter::abort`] removes them.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use chrono::NaiveDate;
use polars::io::parquet::write::BatchedWriter;
use polars::prelude::{DataFrame, ParquetCompression, ParquetWriter, Schema};
use polars_parquet::write::ZstdLevel;

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
    file: Arc<File>,
    writer: BatchedWriter<io::BufWriter<SharedFile>>,
}

/// Writes one source's events into day partitions.
pub struct PartitionWriter {
    events_dir: PathBuf,
    source: String,
    schema: Schema,
    open: BTreeMap<NaiveDate, Open>,
}

/// Directory of one UTC day's partition.
pub fn partition_dir(events_dir: &Path, day: NaiveDate) -> PathBuf {
    events_dir.join(format!("date={}", day.format("%Y-%m-%d")))
}

impl PartitionWriter {
    /// A writer for `source` under `events_dir`.
    pub fn new(events_dir: &Path, source: &str) -> PartitionWriter {
        PartitionWriter {
            events_dir: events_dir.to_path_buf(),
            source: source.to_string(),
            schema: crate::event::schema(),
            open: BTreeMap::new(),
        }
    }

    /// Appends rows (all of UTC day `day`) to that day's file.
    ///
    /// # Errors
    /// I/O or Parquet encoding errors, naming the file.
    pub fn write(&mut self, day: NaiveDate, df: &DataFrame) -> anyhow::Result<()> {
        if !self.open.contains_key(&day) {
            let dir = partition_dir(&self.events_dir, day);
            crate::fsutil::create_dir_all(&dir)?;
            let tmp = dir.join(format!(".{}.parquet.tmp", self.source));
            let file = Arc::new(crate::fsutil::create(&tmp)?);
            let writer = ParquetWriter::new(io::BufWriter::with_capacity(
                64 << 10,
                SharedFile(file.clone()),
            ))
            .with_compression(ParquetCompression::Zstd(Some(ZstdLevel::try_new(1)?)))
            .batched(&self.schema)
            .with_context(|| format!("cannot start Parquet file {}", tmp.display()))?;
            self.open.insert(day, Open { tmp, file, writer });
        }
        let open = self.open.get_mut(&day).expect("inserted above");
        open.writer
            .write_batch(df)
            .with_context(|| format!("cannot write {}", open.tmp.display()))
    }

    /// Closes every file, fsyncs it and renames it into place. Returns the
    /// days written.
    ///
    /// # Errors
    /// I/O errors, naming the file; files not yet renamed are removed.
    pub fn commit(mut self) -> anyhow::Result<Vec<NaiveDate>> {
        let mut days = Vec::new();
        let mut finished = Vec::new();
        for (day, open) in std::mem::take(&mut self.open) {
            open.writer
                .finish()
                .with_context(|| format!("cannot finish {}", open.tmp.display()))?;
            drop(open.writer);
            open.file
                .sync_all()
                .with_context(|| format!("cannot fsync {}", open.tmp.display()))?;
            finished.push((day, open.tmp));
        }
        for (day, tmp) in &finished {
            let dir = partition_dir(&self.events_dir, *day);
            let dest = dir.join(format!("{}.parquet", self.source));
            fs::rename(tmp, &dest).with_context(|| {
                format!("cannot rename {} to {}", tmp.display(), dest.display())
            })?;
            super::sync_dir(&dir);
            days.push(*day);
        }
        Ok(days)
    }

    /// Removes every temporary file (the ingest of this source failed).
    pub fn abort(mut self) {
        for (_, open) in std::mem::take(&mut self.open) {
            drop(open.writer);
            remove_tmp(&open.tmp);
        }
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
        for (_, open) in std::mem::take(&mut self.open) {
            drop(open.writer);
            remove_tmp(&open.tmp);
        }
    }
}
