//! `netusage categories`: inspect classification.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::classify::coverage::{Coverage, read_host_list};

use crate::output::{self, OutputFormat};

/// Inspect how hosts are classified.
#[derive(Debug, Args)]
pub struct CategoriesArgs {
    /// The subcommand.
    #[command(subcommand)]
    pub command: CategoriesCommand,
}

/// `categories` subcommands.
#[derive(Debug, Subcommand)]
pub enum CategoriesCommand {
    /// Show the normalised host, registrable domain, site, category, embedded
    /// mark and the rule that matched, for each HOST (or URL).
    Lookup {
        /// Your own category rules (TOML); they win over the bundled rules.
        #[arg(long, value_name = "FILE")]
        categories: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Hosts or URLs to classify.
        #[arg(required = true, value_name = "HOST")]
        hosts: Vec<String>,
    },
    /// Report how much of a list of hosts the category rules place: the
    /// entries per category, most first, with `uncategorised` after them,
    /// then two overall rows, `categorised` and `total`.
    ///
    /// FILE holds one host (`www.example.com`, `example.com:8080`) or URL
    /// (`https://www.example.com/page`) a line, UTF-8; white space around an
    /// entry is ignored, blank lines and lines starting with `#` are
    /// skipped, and every other line counts once (repeats included). A line
    /// that names no host is an error giving the file, line and reason.
    Coverage {
        /// Your own category rules (TOML); they win over the bundled rules.
        #[arg(long, value_name = "FILE")]
        categories: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// One row per entry instead (its line number and what `lookup`
        /// shows for it), to see which hosts are left uncategorised.
        #[arg(long)]
        each: bool,
        /// The list of hosts.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

/// One looked-up host.
#[derive(Debug, Default, Serialize)]
pub struct LookupRow {
    /// As given.
    pub input: String,
    /// Normalised host.
    pub host: String,
    /// Registrable domain (eTLD+1).
    pub domain: String,
    /// Site.
    pub site: String,
    /// Category.
    pub category: String,
    /// CDN/widget/API host.
    pub embedded: bool,
    /// `tier kind pattern`, or `none`.
    pub rule: String,
    /// Where the matched rule's fact comes from, when its rule file records
    /// it (a URL, or the v2fly lists it was built from); empty otherwise.
    pub source: String,
}

impl LookupRow {
    /// The row of `input` classified as `x`.
    fn new(input: &str, x: crate::classify::Classification) -> Self {
        LookupRow {
            input: input.to_string(),
            rule: x.rule.map_or("none".into(), |(tier, kind, pat)| {
                format!("{tier} {} {pat}", kind.name())
            }),
            source: x.source.as_deref().unwrap_or_default().to_string(),
            host: x.host,
            domain: x.domain,
            site: x.site,
            category: x.category.to_string(),
            embedded: x.embedded,
        }
    }
}

/// One row of `categories coverage`: a category, or an overall row.
#[derive(Debug, Default, Serialize)]
pub struct CoverageRow {
    /// The category; `categorised` (every entry some rule places) and
    /// `total` (every entry) in the last two rows.
    pub category: String,
    /// Entries of the list.
    pub hosts: u64,
    /// Share of all entries, % (one decimal).
    pub share_pct: f64,
}

/// One entry of the list, with `--each`: its line, then what `lookup`
/// shows for it.
#[derive(Debug, Default, Serialize)]
pub struct CoverageEntryRow {
    /// Line number in the file, from 1.
    pub line: u64,
    /// As written in the file.
    pub input: String,
    /// Normalised host.
    pub host: String,
    /// Registrable domain (eTLD+1).
    pub domain: String,
    /// Site.
    pub site: String,
    /// Category.
    pub category: String,
    /// CDN/widget/API host.
    pub embedded: bool,
    /// `tier kind pattern`, or `none`.
    pub rule: String,
    /// The matched rule's source, as in `lookup`.
    pub source: String,
}

impl CoverageEntryRow {
    /// The row of line `line`, from its lookup row.
    fn new(line: usize, r: LookupRow) -> Self {
        CoverageEntryRow {
            line: line as u64,
            input: r.input,
            host: r.host,
            domain: r.domain,
            site: r.site,
            category: r.category,
            embedded: r.embedded,
            rule: r.rule,
            source: r.source,
        }
    }
}

/// The rows of a coverage: each category, most entries first, `uncategorised`
/// after them, then `categorised` and `total`.
pub fn coverage_rows(cov: &Coverage) -> Vec<CoverageRow> {
    let row = |category: &str, n: usize| CoverageRow {
        category: category.to_string(),
        hosts: n as u64,
        share_pct: cov.share_pct(n),
    };
    let mut rows: Vec<CoverageRow> = cov.ranked().into_iter().map(|(c, n)| row(c, n)).collect();
    rows.push(row("categorised", cov.categorised()));
    rows.push(row("total", cov.total));
    rows
}

/// Runs `netusage categories`.
///
/// # Errors
/// The rules file is unreadable or malformed; the host list is unreadable
/// (not a regular file, too large, not UTF-8) or has a line that names no
/// host (the file and line are named).
pub fn run(args: CategoriesArgs) -> anyhow::Result<()> {
    match args.command {
        CategoriesCommand::Lookup {
            categories,
            format,
            hosts,
        } => {
            let c = crate::enrich::classifier(categories.as_deref())?;
            let rows: Vec<LookupRow> = hosts
                .iter()
                .map(|input| {
                    let host = crate::formats::url_host(input).unwrap_or(input);
                    LookupRow::new(input, c.classify(host))
                })
                .collect();
            output::write(&rows, format, &mut std::io::stdout().lock())
        }
        CategoriesCommand::Coverage {
            categories,
            format,
            each,
            file,
        } => {
            let c = crate::enrich::classifier(categories.as_deref())?;
            let text = crate::fsutil::read_input_text(&file, crate::fsutil::SMALL_INPUT_MAX)
                .with_context(|| format!("cannot read host list {}", file.display()))?;
            let list =
                read_host_list(&text).with_context(|| format!("host list {}", file.display()))?;
            let (cov, classified) = Coverage::of(&c, &list);
            let out = &mut std::io::stdout().lock();
            if each {
                let rows: Vec<CoverageEntryRow> = list
                    .iter()
                    .zip(classified)
                    .map(|(entry, x)| {
                        CoverageEntryRow::new(entry.line, LookupRow::new(&entry.input, x))
                    })
                    .collect();
                output::write(&rows, format, out)
            } else {
                output::write(&coverage_rows(&cov), format, out)
            }
        }
    }
}
