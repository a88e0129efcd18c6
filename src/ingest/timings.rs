//! Where ingest's time goes: `netusage ingest --timings`.
//!
//! Each phase adds the time its threads spent in it (thread time, in
//! nanoseconds, summed over threads): phases run at once on different
//! threads, so their sum may exceed the wall time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// A phase of the ingest pipeline (in pipeline order: its discriminant
/// indexes [`Timings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the file: decompression, SHA-256, cutting it into blocks of lines (reader thread).
    Read,
    /// Parsing lines into events, user names, time checks (parser threads).
    Parse,
    /// Classifying each new host of a block: Public Suffix List, category rules (parser threads).
    Classify,
    /// Building the Arrow columns of each block, encoding and compressing
    /// them as Parquet pages (parser threads).
    Encode,
    /// Looking for events another source already stored (main thread).
    Dedup,
    /// Appending the encoded row groups, writing, fsync (main thread).
    Write,
}

impl Phase {
    /// Every phase, in pipeline order.
    pub const ALL: [Phase; 6] = [
        Phase::Read,
        Phase::Parse,
        Phase::Classify,
        Phase::Encode,
        Phase::Dedup,
        Phase::Write,
    ];

    /// The phase's name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Read => "read",
            Phase::Parse => "parse",
            Phase::Classify => "classify",
            Phase::Encode => "encode",
            Phase::Dedup => "dedup",
            Phase::Write => "write",
        }
    }

    /// What the phase covers, in words.
    pub fn covers(self) -> &'static str {
        match self {
            Phase::Read => "decompress, SHA-256, cut into blocks of lines (reader thread)",
            Phase::Parse => "lines to events, user names, time checks (parser threads)",
            Phase::Classify => "each block's new hosts: Public Suffix List, category rules",
            Phase::Encode => "events to Arrow columns, Parquet pages, zstd (parser threads)",
            Phase::Dedup => "events already stored from another source",
            Phase::Write => "row groups appended to the day files, disk, fsync (main thread)",
        }
    }
}

/// Thread time per phase, shared by every thread of an ingest run.
#[derive(Debug, Default)]
pub struct Timings {
    ns: [AtomicU64; Phase::ALL.len()],
}

impl Timings {
    /// Adds `d` to `phase`.
    pub fn add(&self, phase: Phase, d: Duration) {
        self.ns[phase as usize].fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
    }

    /// Thread time spent in `phase` so far.
    pub fn get(&self, phase: Phase) -> Duration {
        Duration::from_nanos(self.ns[phase as usize].load(Ordering::Relaxed))
    }
}
