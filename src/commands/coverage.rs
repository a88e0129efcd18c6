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

/// The person-day rows of a coverage, by pseudonym then date, each made
/// as it is taken (a year is over half a million: they are written as they
/// come, never held together), and how many there are.
pub fn person_days(cov: Coverage, key: &[u8]) -> (usize, impl Iterator<Item = CoverageRow>) {
    let count = cov.person_days();
    let mut people: Vec<_> = cov
        .into_people()
        .map(|(user, dates)| (pseudonym(key, &user), dates))
        .collect();
    people.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = people.into_iter().flat_map(|(person, dates)| {
        dates.map(move |(date, d)| CoverageRow {
            person: person.clone(),
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
    });
    (count, rows)
}

/// The silences of a coverage as rows, by source then time, each with the
/// path its source was last read from.
pub fn gap_rows(cov: &Coverage, sources: &[manifest::SourceRecord]) -> Vec<GapRow> {
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
    gaps
}

/// Prints the coverage of an analysis (tables, CSV of person-days, or JSON
/// `{"coverage": [...], "gaps": [...]}`) and records the run in the audit log.
///
/// # Errors
/// Store or write errors.
pub fn print(analysis: &Analysis, format: OutputFormat) -> anyhow::Result<()> {
    let cov = analysis.coverage()?;
    let sources = manifest::read(&analysis.store.manifest_path())?;
    let gaps = gap_rows(&cov, &sources);
    let (person_days, people) = person_days(cov, analysis.store.key());
    let mut draft = Draft::new("usage --coverage", "ok");
    draft.config = Some(analysis.config.audit_record());
    draft.details = serde_json::json!({"person_days": person_days, "gaps": gaps.len(), "screening": analysis.screening});
    let printed = write(people, &gaps, format);
    super::record_outcome(&analysis.store, draft, printed)
}

/// Writes the coverage rows as they come, and the silences.
fn write(
    people: impl Iterator<Item = CoverageRow>,
    gaps: &[GapRow],
    format: OutputFormat,
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match format {
        OutputFormat::Json => {
            /// The JSON document: the person-days made as they are written.
            #[derive(Serialize)]
            #[serde(bound = "")]
            struct Document<'a, I: Iterator<Item = CoverageRow>> {
                coverage: output::Sequence<I>,
                gaps: &'a [GapRow],
            }
            let document = Document {
                coverage: output::Sequence::new(people),
                gaps,
            };
            let mut buffered = std::io::BufWriter::new(&mut out);
            serde_json::to_writer_pretty(&mut buffered, &document)?;
            writeln!(buffered)?;
            buffered.flush()?;
        }
        OutputFormat::Csv => output::write_each::<CoverageRow>(people, format, &mut out)?,
        OutputFormat::Table => {
            output::write_each::<CoverageRow>(people, format, &mut out)?;
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
