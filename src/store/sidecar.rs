//! What the identity and DNS tables share: one Parquet table per imported
//! file, written atomically; its refused records beside it; and a JSON-lines
//! manifest whose line, appended last, commits the import (read with
//! [`crate::fsutil::read_json_lines`], complete lines only).

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use polars::prelude::{DataFrame, ParquetCompression, ParquetWriter};
use serde::Serialize;

use crate::fsutil::AtomicFile;

/// Writes `df` to `dir/<name>.parquet` (zstd), through a temporary file
/// synced and renamed over it, so a reader sees the old table or the new.
///
/// # Errors
/// I/O or Parquet errors, naming the file.
pub fn write_table(dir: &Path, name: &str, df: &mut DataFrame) -> anyhow::Result<()> {
    crate::fsutil::create_dir_all(dir)?;
    let mut f = AtomicFile::create(&dir.join(format!("{name}.parquet")))?;
    ParquetWriter::new(&mut f)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .with_context(|| format!("cannot write {}", f.tmp_path().display()))?;
    f.commit()
}

/// Commits an import whose table is written: its refused records to
/// `dir/<source>.rejected.jsonl`, then `record` appended to
/// `dir/sources.jsonl`, both synced.
///
/// # Errors
/// I/O or serialisation errors.
pub fn commit<T: Serialize>(
    dir: &Path,
    source: &str,
    rejected: impl IntoIterator<Item = serde_json::Value>,
    record: &T,
) -> anyhow::Result<()> {
    let mut lines = Vec::new();
    for r in rejected {
        serde_json::to_writer(&mut lines, &r)?;
        lines.push(b'\n');
    }
    crate::fsutil::write_atomic(&dir.join(format!("{source}.rejected.jsonl")), &lines)?;
    let mut m = crate::fsutil::open_append(&dir.join("sources.jsonl"))?;
    let mut line = serde_json::to_vec(record)?;
    line.push(b'\n');
    m.write_all(&line)?;
    m.sync_all()?;
    crate::fsutil::sync_dir(dir);
    Ok(())
}
