//! Assembling an evidence pack: the subject's events in the period, their
//! browse time, and the payload files of the bag.
//!
//! Minimisation: only the subject's events inside the period are read into
//! the pack; the analysis runs on those alone, so no other person's name,
//! pseudonym or address can appear in any file.
//!
//! By job: [`subject`] (who the record names and their events),
//! [`coverage`] (how the events were attributed, gaps in the logs),
//! [`sessions`] (the sessions and the log lines behind them), [`sites`]
//! (the sites behind the minutes, with their category rules), [`summary()`]
//! (`summary.json`, `method.json`), [`csv`] (`events.csv`, `sessions.csv`,
//! `sources.csv`), [`audit`] (`audit.jsonl`). Their items are re-exported
//! here, so `crate::evidence::pack::X` names each of them.

pub mod audit;
pub mod coverage;
pub mod csv;
pub mod sessions;
pub mod sites;
pub mod subject;
pub mod summary;

pub use audit::audit_lines;
pub use coverage::{
    AttributionRow, CoverageRow, DeviceRow, GapRow, coverage_rows, device_rows, identity_labels,
};
pub use csv::{EventRow, SourceRow, events_csv, sessions_csv, sources_csv};
pub use sessions::{SessionRow, add_line_texts, background_rows, local, session_rows, utc};
pub use sites::{
    DaySiteRow, PeriodTotals, SiteRow, all_sites, rule_words, site_rows, social_site_days,
};
pub use subject::{
    ATTRIBUTION, SubjectEvents, as_one_person, describe_subject, read_attributed, subject_events,
};
pub use summary::{AccountRow, DayRow, Summary, Supersedes, account_rows, method, summary};
