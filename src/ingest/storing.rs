//! The writer side of one file's ingest: each parsed block's events go to
//! the source's day partitions, after those already stored from another
//! source are taken out as duplicates; its quarantined lines go to the
//! source's quarantine file, in line order. The two writers remove what
//! they wrote unless committed, so a failed ingest leaves nothing behind.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use polars_arrow::array::PrimitiveArray;
use polars_arrow::bitmap::Bitmap;

use super::blocks::{BlockOut, DayFrame, Stats};
use super::pipeline::Block;
use super::timings::{Phase, Timings};
use crate::store::Store;
use crate::store::quarantine::{QuarantineWriter, QuarantinedLine};
use crate::store::rowgroup::{EncodedRows, Rows};
use crate::store::scan::Origin;
use crate::store::writer::PartitionWriter;

/// Stores one file's parsed blocks, in block order.
pub(super) struct Storing<'a> {
    store: &'a Store,
    timings: &'a Timings,
    /// The source's day partitions (removed unless committed).
    pub parts: PartitionWriter,
    /// The source's quarantined lines (removed unless committed).
    pub quarantine: QuarantineWriter,
    /// Dedup keys of the events already stored, per UTC day, loaded on first use.
    dup_index: HashMap<NaiveDate, HashMap<u128, Origin>>,
    /// Realms kept in user names, with their event counts.
    pub realms: BTreeMap<String, u64>,
    /// The file's counters so far.
    pub stats: Stats,
}

impl<'a> Storing<'a> {
    /// A writer of `source`'s events and quarantined lines into `store`.
    pub fn new(store: &'a Store, timings: &'a Timings, source: &str) -> Storing<'a> {
        Storing {
            store,
            timings,
            parts: PartitionWriter::new(&store.events_dir(), source),
            quarantine: QuarantineWriter::new(&store.quarantine_dir(), source),
            dup_index: HashMap::new(),
            realms: BTreeMap::new(),
            stats: Stats::default(),
        }
    }

    /// Stores one block; returns the lines it accounted for.
    ///
    /// # Errors
    /// The store's events of a day cannot be read (for duplicates), or a
    /// file cannot be written.
    pub fn store_block(&mut self, block: &Block, mut out: BlockOut) -> anyhow::Result<u64> {
        let mut dup_lines: BTreeMap<u64, String> = BTreeMap::new();
        for f in out.frames {
            self.store_frame(f, &mut dup_lines)?;
        }
        out.stats.accepted -= dup_lines.len() as u64;
        out.stats.duplicates += dup_lines.len() as u64;
        let dups = duplicate_rejects(block, dup_lines);
        self.quarantine_in_order(out.rejects, dups)?;
        for (r, n) in out.realms {
            *self.realms.entry(r).or_default() += n;
        }
        self.stats.merge(&out.stats);
        Ok(out.stats.lines)
    }

    /// Writes one day's events, without those already stored (their line
    /// numbers and reasons go to `dup_lines`).
    fn store_frame(
        &mut self,
        f: DayFrame,
        dup_lines: &mut BTreeMap<u64, String>,
    ) -> anyhow::Result<()> {
        let deduping = Instant::now();
        let encoded = match (f.encoded, &f.keys) {
            (Some(encoded), _) => Some(encoded),
            (None, None) => Some(f.rows.encode()?),
            (None, Some(keys)) => self.without_duplicates(f.day, &f.rows, keys, dup_lines)?,
        };
        self.timings.add(Phase::Dedup, deduping.elapsed());
        if let Some(encoded) = encoded {
            let writing = Instant::now();
            self.parts.write(f.day, &encoded)?;
            self.timings.add(Phase::Write, writing.elapsed());
        }
        Ok(())
    }

    /// `rows` of `day` without the events the store already holds (by their
    /// dedup `keys`), encoded; `None` when none is left.
    fn without_duplicates(
        &mut self,
        day: NaiveDate,
        rows: &Rows,
        keys: &[u128],
        dup_lines: &mut BTreeMap<u64, String>,
    ) -> anyhow::Result<Option<EncodedRows>> {
        let index = match self.dup_index.entry(day) {
            std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(crate::store::scan::day_keys(self.store, day)?)
            }
        };
        let lines = rows
            .column(crate::event::col::LINE)
            .and_then(|c| c.as_any().downcast_ref::<PrimitiveArray<u64>>())
            .context("the line column holds line numbers")?;
        let keep: Bitmap = keys
            .iter()
            .zip(lines.values_iter())
            .map(|(k, &line)| match index.get(k) {
                Some((src, stored)) => {
                    dup_lines.insert(
                        line,
                        format!(
                            "duplicate: the same event (time, client, user, method, URL, status, bytes) \
                             is already stored from source {src} line {stored}"
                        ),
                    );
                    false
                }
                None => true,
            })
            .collect();
        let kept = rows.filter(&keep);
        (!kept.is_empty()).then(|| kept.encode()).transpose()
    }

    /// Quarantines a block's rejected lines and its duplicates, merged so
    /// the quarantine stays in line order.
    fn quarantine_in_order(
        &mut self,
        rejects: Vec<QuarantinedLine>,
        dups: Vec<QuarantinedLine>,
    ) -> anyhow::Result<()> {
        let mut dups = dups.into_iter().peekable();
        let mut rejects = rejects.into_iter().peekable();
        loop {
            let take_dup = match (rejects.peek(), dups.peek()) {
                (Some(r), Some(d)) => d.line < r.line,
                (None, Some(_)) => true,
                (_, None) => false,
            };
            if take_dup {
                self.quarantine.push(&dups.next().expect("peeked"))?;
            } else if let Some(r) = rejects.next() {
                self.quarantine.push(&r)?;
            } else {
                return Ok(());
            }
        }
    }
}

/// The quarantine records of a block's duplicate lines (line number →
/// reason), with their raw bytes, in line order: one pass over the block,
/// however many lines repeat (an overlapping copy repeats them all).
fn duplicate_rejects(block: &Block, lines: BTreeMap<u64, String>) -> Vec<QuarantinedLine> {
    if lines.is_empty() {
        return Vec::new();
    }
    let body = block.bytes.strip_suffix(b"\n").unwrap_or(&block.bytes);
    (block.first_line..)
        .zip(body.split(|&b| b == b'\n'))
        .filter_map(|(n, raw)| {
            let why = lines.get(&n)?;
            Some(QuarantinedLine::new(
                n,
                why,
                raw.strip_suffix(b"\r").unwrap_or(raw),
            ))
        })
        .collect()
}
