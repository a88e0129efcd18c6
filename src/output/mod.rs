//! Output for people and spreadsheets: an aligned table on the terminal, CSV
//! (RFC 4180, formula-safe) or JSON.
//!
//! Every format comes from the rows' `Serialize`: JSON as serde_json writes
//! them, CSV and tables through [`cells`] (a column per field, named by the
//! field's serde name), so a CSV header is always the JSON keys. A table may
//! show a row through a view of its own (minutes instead of seconds, column
//! names in words), itself a row type.

pub mod cells;

use std::io::Write;
use std::marker::PhantomData;

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

/// Makes a cell safe to open in a spreadsheet: a value starting with `=`,
/// `+`, `-`, `@`, tab or carriage return gets a leading `'`, so it is shown as
/// text and never run as a formula (OWASP, "CSV Injection"). [`CsvWriter`]
/// applies it to every cell it writes, numbers included.
fn formula_safe(s: String) -> String {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{s}"),
        _ => s,
    }
}

/// The one CSV writer: a header row of `R`'s field names (written at once,
/// so a file with no rows still has it), then one record per row, every cell
/// made formula-safe.
pub struct CsvWriter<W: Write, R> {
    inner: csv::Writer<W>,
    columns: Vec<&'static str>,
    rows: PhantomData<fn(&R)>,
}

impl<W: Write, R: Serialize + Default> CsvWriter<W, R> {
    /// Starts a CSV file of `R` rows on `out` with its header row.
    ///
    /// # Errors
    /// `R` is not a flat struct ([`cells`]); write errors.
    pub fn new(out: W) -> anyhow::Result<Self> {
        let columns = cells::columns::<R>()?;
        let mut inner = csv::Writer::from_writer(out);
        inner.write_record(&columns)?;
        Ok(CsvWriter {
            inner,
            columns,
            rows: PhantomData,
        })
    }

    /// Writes one row.
    ///
    /// # Errors
    /// The row's columns are not the header's (a field skipped when empty:
    /// CSV rows need the same fields every time); write errors.
    pub fn row(&mut self, row: &R) -> anyhow::Result<()> {
        let cells = cells::cells(row)?;
        if !cells.iter().map(|(n, _)| n).eq(self.columns.iter()) {
            anyhow::bail!(
                "a row of {} has the columns {:?}, not the header's {:?}",
                std::any::type_name::<R>(),
                cells.iter().map(|(n, _)| n).collect::<Vec<_>>(),
                self.columns
            );
        }
        self.inner
            .write_record(cells.into_iter().map(|(_, c)| formula_safe(c)))?;
        Ok(())
    }

    /// Flushes and returns the output.
    ///
    /// # Errors
    /// Write errors.
    pub fn into_inner(self) -> anyhow::Result<W> {
        self.inner
            .into_inner()
            .map_err(|e| anyhow::Error::new(e.into_error()))
    }
}

/// `rows` as a CSV file ([`CsvWriter`]).
///
/// # Errors
/// As [`CsvWriter`].
pub fn csv_bytes<R: Serialize + Default>(rows: &[R]) -> anyhow::Result<Vec<u8>> {
    let mut w = CsvWriter::<_, R>::new(Vec::new())?;
    for r in rows {
        w.row(r)?;
    }
    w.into_inner()
}

/// Writes rows in `format`; the table shows the CSV's columns.
///
/// # Errors
/// A row type that is not a flat struct ([`cells`]); write errors (e.g. a
/// closed pipe).
pub fn write<R: Serialize + Default>(
    rows: &[R],
    format: OutputFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    write_each::<R>(rows.iter(), format, out)
}

/// Writes rows in `format` as they come: CSV and JSON hold one row at a
/// time (a year's `usage --coverage` is over half a million rows), a table
/// all of them (its columns are as wide as their widest cell).
///
/// # Errors
/// As [`write()`]; rows before an error are written.
pub fn write_each<R: Serialize + Default>(
    rows: impl Iterator<Item = impl std::borrow::Borrow<R>>,
    format: OutputFormat,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Csv => {
            // csv's writer buffers: one write a few kilobytes, not a line.
            let mut w = CsvWriter::<_, R>::new(&mut *out)?;
            for r in rows {
                w.row(r.borrow())?;
            }
            w.into_inner()?.flush()?;
        }
        OutputFormat::Json => {
            let mut buffered = std::io::BufWriter::new(&mut *out);
            serde_json::to_writer_pretty(
                &mut buffered,
                &Sequence::new(rows.map(Rows::<R, _>::new)),
            )?;
            writeln!(buffered)?;
            buffered.flush()?;
        }
        OutputFormat::Table => table::<R>(rows.map(Rows::<R, _>::new), out)?,
    }
    Ok(())
}

/// A borrowed or owned row, serialised as the row.
struct Rows<R, B>(B, PhantomData<fn(&R)>);

impl<R, B: std::borrow::Borrow<R>> Rows<R, B> {
    fn new(row: B) -> Self {
        Rows(row, PhantomData)
    }
}

impl<R: Serialize, B: std::borrow::Borrow<R>> Serialize for Rows<R, B> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.borrow().serialize(s)
    }
}

/// Rows serialised as a JSON array as they come, each made when it is
/// written. Serialised once: a second time is an error.
pub struct Sequence<I>(std::cell::RefCell<Option<I>>);

impl<I> Sequence<I> {
    /// The array of `rows`.
    pub fn new(rows: I) -> Self {
        Sequence(std::cell::RefCell::new(Some(rows)))
    }
}

impl<I: Iterator<Item = T>, T: Serialize> Serialize for Sequence<I> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let rows = self
            .0
            .borrow_mut()
            .take()
            .ok_or_else(|| serde::ser::Error::custom("a sequence of rows is written once"))?;
        s.collect_seq(rows)
    }
}

/// Writes rows in `format` as they come, the table through `view` (CSV
/// and JSON as [`write_each`]).
///
/// # Errors
/// As [`write()`].
pub fn write_with_table<
    R: Serialize + Default,
    T: Serialize + Default,
    B: std::borrow::Borrow<R>,
>(
    rows: impl IntoIterator<Item = B>,
    format: OutputFormat,
    out: &mut dyn Write,
    view: impl Fn(&R) -> T,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Table => table::<T>(rows.into_iter().map(|r| view(r.borrow())), out),
        _ => write_each::<R>(rows.into_iter(), format, out),
    }
}

/// An aligned table (psql style) of `T` rows: a header of `T`'s field names,
/// the cells as they are (a terminal runs no formula).
fn table<T: Serialize + Default>(
    rows: impl Iterator<Item = impl Serialize>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut b = tabled::builder::Builder::default();
    b.push_record(cells::columns::<T>()?);
    for r in rows {
        b.push_record(cells::cells(&r)?.into_iter().map(|(_, c)| c));
    }
    let mut t = b.build();
    t.with(tabled::settings::Style::psql());
    writeln!(out, "{t}")?;
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
            formula_safe("=HYPERLINK(\"http://x\")".into()),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(formula_safe("-1+2".into()), "'-1+2");
        assert_eq!(formula_safe("@SUM(A1)".into()), "'@SUM(A1)");
        assert_eq!(formula_safe("\tx".into()), "'\tx");
        assert_eq!(formula_safe("\rx".into()), "'\rx");
        assert_eq!(formula_safe("+1".into()), "'+1");
        assert_eq!(formula_safe("u-0123456789ab".into()), "u-0123456789ab");
    }

    #[derive(Default, Serialize)]
    struct Row {
        name: String,
        seconds: i64,
        users: Vec<String>,
    }

    #[test]
    fn csv_has_the_field_names_as_header_and_every_cell_formula_safe() {
        let rows = [Row {
            name: "=cmd|' /C calc'!A0".into(),
            seconds: -3,
            users: vec!["a".into(), "b".into()],
        }];
        assert_eq!(
            String::from_utf8(csv_bytes(&rows).unwrap()).unwrap(),
            "name,seconds,users\n'=cmd|' /C calc'!A0,'-3,a b\n"
        );
        assert_eq!(
            String::from_utf8(csv_bytes::<Row>(&[]).unwrap()).unwrap(),
            "name,seconds,users\n"
        );
    }

    #[test]
    fn a_row_whose_columns_vary_is_refused() {
        #[derive(Default, Serialize)]
        struct Sometimes {
            a: u8,
            #[serde(skip_serializing_if = "Option::is_none")]
            b: Option<u8>,
        }
        let e =
            csv_bytes(&[Sometimes { a: 1, b: Some(2) }, Sometimes { a: 1, b: None }]).unwrap_err();
        assert!(e.to_string().contains("not the header's"), "{e}");
    }
}
