//! `netusage categories`: inspect classification.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use serde::Serialize;

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
}

/// Runs `netusage categories`.
///
/// # Errors
/// The rules file is unreadable or malformed.
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
                    let x = c.classify(host);
                    LookupRow {
                        input: input.clone(),
                        rule: x.rule.map_or("none".into(), |(tier, kind, pat)| {
                            format!("{tier} {} {pat}", kind.name())
                        }),
                        host: x.host,
                        domain: x.domain,
                        site: x.site,
                        category: x.category.to_string(),
                        embedded: x.embedded,
                    }
                })
                .collect();
            output::write(&rows, format, &mut std::io::stdout().lock())
        }
    }
}
