//! What the identity and DNS tables share: one Parquet table per imported
//! file, written atomically; its refused records beside it; and a JSON-lines
//! manifest whose line, appended last, commits the import.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use polars::prelude::{DataFrame, ParquetCompression, ParquetWriter};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The committed records of a JSON-lines manifest: every complete line (a
/// last line without its newline is an append cut short by a crash). An
/// absent file has none.
///
/// # Errors
/// The file cannot be read, or a complete line is not a valid `what` (line named).
pub fn read_records<T: DeserializeOwned>(path: &Path, what: &str) -> anyhow::Result<Vec<T>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let complete = match text.rfind('\n') {
        Some(i) => &text[..=i],
        None => "",
    };
    complete
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| {
                format!("{}: line {} is not a valid {what}", path.display(), i + 1)
            })
        })
        .collect()
}

/// Writes `df` to `dir/<name>.parquet` (zstd), through a temporary file
/// synced and renamed over it, so a reader sees the old table or the new.
///
/// # Errors
/// I/O or Parquet errors, naming the file.
pub fn write_table(dir: &Path, name: &str, df: &mut DataFrame) -> anyhow::Result<()> {
    crate::fsutil::create_dir_all(dir)?;
    let tmp = dir.join(format!(".{name}.parquet.tmp"));
    let f = crate::fsutil::create(&tmp)?;
    ParquetWriter::new(&f)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(df)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.sync_all()?;
    let path = dir.join(format!("{name}.parquet"));
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    // The rename is durable only once the folder's entry is on disk.
    crate::fsutil::sync_dir(dir);
    Ok(())
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
