//! Retention: the one-year window (Chelmsford: usage data kept "for a minimum
//! period of one year"; North West Leicestershire: "for a period of one
//! year"), legal holds, and the purge that enforces them.
//!
//! The cutoff is `now − days × 24 h`, computed in UTC: an event strictly
//! before the cutoff is expired; one at or after it is kept. Working in UTC
//! means a BST/GMT change inside the window neither adds nor removes an hour.
//!
//! A purge is a sequence of steps that are each atomic (delete a file; rewrite
//! a partition through a temporary file, fsync and rename; rewrite the
//! manifest the same way), ordered so that the store is readable after any of
//! them: partitions first, then quarantine files, then `sources.jsonl`. A purge
//! killed at any point leaves a store that the next purge finishes, because
//! the plan is always recomputed from what is on disk.
//!
//! The legal holds and what they keep are in `holds.rs`; planning and
//! carrying out the purge in `purge.rs`; `store forget` (one source removed
//! whole) in `forget.rs`.

mod forget;
mod holds;
mod purge;

use chrono::{DateTime, Duration, Utc};

pub use forget::{Forget, forget, plan_forget};
pub use holds::{Held, Hold, add_hold, check_reference, holds, release_hold};
pub use purge::{Action, FileStep, PurgePlan, execute, plan};

/// The built-in floor of the retention window, in days: the seeds keep
/// internet-usage data for a year (Chelmsford: "a minimum period of one
/// year"; North West Leicestershire: "a period of one year"). A config may
/// raise it (`[retention] minimum_days`); only `purge --override-minimum
/// "reason"` lowers it, for one run, and the reason is audited.
pub const MINIMUM_DAYS_FLOOR: u32 = 365;

/// The retention cutoff: `now − days × 24 h` (UTC). Saturates at the
/// earliest time chrono represents rather than overflowing.
pub fn cutoff(now: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    Duration::try_days(i64::from(days))
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}
