//! The system clock: the one place a command reads "now" from to decide
//! something (records of when something happened, such as an audit entry's
//! `ts` or a source's `ingested_at`, always take the real time).
//!
//! The real clock decides what ingest admits (the retention window), whether
//! an authorisation is in force, and what `--now` may look back from. Test
//! builds only (the `test-hooks` feature, which the crate's own
//! dev-dependency turns on for `cargo test` and never for `cargo build` or
//! `cargo install`) may set it from `NETUSAGE_TEST_CLOCK` (RFC 3339), so
//! tests written with fixed dates keep working as the real years pass.

use chrono::{DateTime, Utc};

/// The current time (UTC).
pub fn now() -> DateTime<Utc> {
    #[cfg(feature = "test-hooks")]
    if let Some(t) = std::env::var("NETUSAGE_TEST_CLOCK")
        .ok()
        .and_then(|v| DateTime::parse_from_rfc3339(&v).ok())
    {
        return t.with_timezone(&Utc);
    }
    Utc::now()
}
