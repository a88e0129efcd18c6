//! Output for people and spreadsheets: an aligned table on the terminal, CSV
//! (RFC 4180, formula-safe) or JSON.

use std::borrow::Cow;
use std::io::Write;

use serde::Serialize;

/// Output format chosen with `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned table for reading on screen (minutes).
    Table,
    /// CSV with a header row (seconds), opens in any spreadsheet.
    Csv,
    /// JSON array of objects (seconds).
    Json,
}

/// A row that can be written in every output format.
pub trait Record: Serialize {
    /// CSV header (the same names as the JSON keys).
    fn header() -> Vec<&'static str>;
    /// CSV fields, in header order.
    fn fields(&self) -> Vec<String>;
    /// Table header; defaults to the CSV header.
    fn table_header() -> Vec<&'static str> {
        Self::header()
    }
    /// Table cells; default to the CSV fields.
    fn table_fields(&self) -> Vec<String> {
        self.fields()
    }
}

/// Makes a cell safe to open in a spreadsheet: a value starting with `=`,
/// `+`, `-`, `@`, tab or carriage return gets a leading `'`, so it is shown as
/// text and never run as a formula (OWASP, "CSV Injection").
pub fn csv_safe(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// Writes rows in `format`.
///
/// # Errors
/// Write errors (e.g. a closed pipe).
pub fn write<R: Record>(
    rows: &[R],
    format: OutputFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record(R::header())?;
            for r in rows {
                w.write_record(r.fields().iter().map(|f| csv_safe(f).into_owned()))?;
            }
            w.flush()?;
        }
        OutputFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, rows)?;
            writeln!(out)?;
        }
        OutputFormat::Table => {
            let mut b = tabled::builder::Builder::default();
            b.push_record(R::table_header());
            for r in rows {
                b.push_record(r.table_fields());
            }
            let mut t = b.build();
            t.with(tabled::settings::Style::psql());
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}

/// Milliseconds or seconds as minutes with one decimal, for tables.
pub fn minutes(seconds: i64) -> String {
    format!("{:.1}", seconds as f64 / 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_become_text() {
        assert_eq!(
            csv_safe("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_safe("-1+2"), "'-1+2");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("u-0123456789ab"), "u-0123456789ab");
    }
}
