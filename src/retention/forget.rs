//! `store forget`: removing one source whole (its partition files,
//! quarantine file, chain index and record), so the same file can be
//! ingested again; refused while a legal hold keeps any of its events.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::holds::{Held, HeldAddresses, Hold};
use super::purge::{MASK_COLUMNS, partition_files, read_columns, removal_mask};
use crate::identity::attribute::Attributor;
use crate::store::manifest::{self, SourceRecord};
use crate::store::{Store, sync_dir};

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
                .and_then(crate::store::layout::source_of_file)
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
    manifest::rewrite(&store.manifest_path(), &keep)
}
