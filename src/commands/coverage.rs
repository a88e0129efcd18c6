//! The coverage report of `usage --coverage`: per person and day how their
//! events were attributed, and each source file's silences in working hours.

use std::io::Write;

use serde::Serialize;

use crate::audit::Draft;
use crate::identity::pseudonym;
use crate::output::{self, OutputFormat};
use crate::store::manifest;
use crate::usage::Analysis;
use crate::usage::coverage::Coverage;

/// One person's day.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CoverageRow {
    /// Pseudonym (of the address, `ip:<address>`, for events nobody is known to have made).
    pub person: String,
    /// Local date.
    pub date: String,
    /// Events.
    pub events: u64,
    /// Logged with a user.
    pub logged: u64,
    /// Attributed from identity sources.
    pub identity: u64,
    /// By source: `<source id>:<events>`, `;`-separated.
    pub identity_sources: String,
    /// At an address two people held at once.
    pub ambiguous: u64,
    /// At an address nobody is known to have held.
    pub unattributed: u64,
    /// Share logged, % (one decimal).
    pub logged_pct: f64,
    /// Logged users an identity source contradicts (the logged user wins).
    pub conflicts: u64,
}

/// One silence of one source file in working hours.
#[derive(Debug, Clone, Default, Serialize)]
pub struct GapRow {
    /// Source id.
    pub source: String,
    /// The file it was read from.
    pub path: String,
    /// Start, UTC.
    pub start_utc: String,
    /// End, UTC.
    pub end_utc: String,
    /// Minutes.
    pub minutes: i64,
}

/// The rows of a coverage: person-days by pseudonym then date, gaps by
/// source then time.
pub fn rows(
    cov: Coverage,
    key: &[u8],
    sources: &[manifest::SourceRecord],
) -> (Vec<CoverageRow>, Vec<GapRow>) {
    // Consumed as the rows are made: a year holds hundreds of thousands.
    let mut people: Vec<CoverageRow> = cov
        .days
        .into_iter()
        .map(|((user, date), d)| CoverageRow {
            person: pseudonym(key, &user),
            date: date.to_string(),
            events: d.events,
            logged: d.logged,
            identity: d.identity.values().sum(),
            identity_sources: d
                .identity
                .iter()
                .map(|(s, n)| format!("{s}:{n}"))
                .collect::<Vec<_>>()
                .join(";"),
            ambiguous: d.ambiguous,
            unattributed: d.unattributed,
            logged_pct: (d.logged as f64 * 1000.0 / d.events.max(1) as f64).round() / 10.0,
            conflicts: d.conflicts,
        })
        .collect();
    people.sort_by(|a, b| a.person.cmp(&b.person).then(a.date.cmp(&b.date)));
    let utc = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut gaps: Vec<GapRow> = cov
        .gaps
        .iter()
        .map(|g| GapRow {
            source: g.source.clone(),
            path: sources
                .iter()
                .rfind(|s| s.source == g.source)
                .map_or(String::new(), |s| s.path.clone()),
            start_utc: utc(g.start_ms),
            end_utc: utc(g.end_ms),
            minutes: (g.end_ms - g.start_ms) / 60_000,
        })
        .collect();
    gaps.sort_by(|a, b| a.source.cmp(&b.source).then(a.start_utc.cmp(&b.start_utc)));
    (people, gaps)
}

/// Prints the coverage of an analysis (tables, CSV of person-days, or JSON
/// `{"coverage": [...], "gaps": [...]}`) and records the run in the audit log.
///
/// # Errors
/// Store or write errors.
pub fn print(analysis: &Analysis, format: OutputFormat) -> anyhow::Result<()> {
    let cov = analysis.coverage()?;
    let sources = manifest::read(&analysis.store.manifest_path())?;
    let (people, gaps) = rows(cov, analysis.store.key(), &sources);
    let mut draft = Draft::new("usage --coverage", "ok");
    draft.config = Some(analysis.config.audit_record());
    draft.details = serde_json::json!({"person_days": people.len(), "gaps": gaps.len(), "screening": analysis.screening});
    let printed = write(&people, &gaps, format);
    super::record_outcome(&analysis.store, draft, printed)
}

/// Writes the coverage rows and the silences.
fn write(people: &[CoverageRow], gaps: &[GapRow], format: OutputFormat) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            /// The JSON document, serialised from the rows themselves.
            #[derive(Serialize)]
            struct Document<'a> {
                coverage: &'a [CoverageRow],
                gaps: &'a [GapRow],
            }
            let document = Document {
                coverage: people,
                gaps,
            };
            serde_json::to_writer_pretty(&mut out, &document)?;
            writeln!(out)?;
        }
        OutputFormat::Csv => output::write(people, format, &mut out)?,
        OutputFormat::Table => {
            output::write(people, format, &mut out)?;
            writeln!(
                out,
                "\nEvents per person and day: logged with a user, attributed from identity sources, ambiguous \
                 (two people held the address), unattributed.\n\nSilences of 30 minutes or more inside working hours, \
                 per source file (the figures read them as no use):"
            )?;
            if gaps.is_empty() {
                writeln!(out, "none")?;
            } else {
                output::write(gaps, format, &mut out)?;
            }
        }
    }
    Ok(())
}
