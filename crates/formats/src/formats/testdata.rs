//! Helpers for the readers' tests: the sample logs in the project's
//! `tests/data` (sources and licences in its README.md), times, and a
//! file read line by line as ingest reads it.

use std::path::PathBuf;

use super::{FileContext, LogFormat, Parsed, RawEvent};

/// The project's `tests/data` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data")
}

/// The text of the sample `rel` (a path under `tests/data`).
pub fn sample(rel: &str) -> String {
    std::fs::read_to_string(data_dir().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// An RFC 3339 time as UTC milliseconds.
pub fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid time")
        .timestamp_millis()
}

/// Parses the lines of `text` with `format` (local times in UTC), as
/// ingest does (headers move the state on): each line's result, in order.
/// `Ok(None)`: a line of the format that is not an event.
pub fn read_all(
    format: &dyn LogFormat,
    text: &str,
) -> Vec<Result<Option<RawEvent<'static>>, String>> {
    let cx = FileContext {
        tz: chrono_tz::UTC,
        ..Default::default()
    };
    let mut p = format.begin(&cx);
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    leaked
        .lines()
        .enumerate()
        .map(
            |(i, l)| match p.parse(l.trim_end_matches('\r'), i as u64 + 1) {
                Ok(Parsed::Event(e)) => Ok(Some(e)),
                Ok(Parsed::Skip(_)) => Ok(None),
                Err(r) => Err(r.into_owned()),
            },
        )
        .collect()
}
