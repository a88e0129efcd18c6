//! The `netusage` command line: parse, dispatch, map errors to exit codes
//! (0 success, 1 error, 2 usage, 3 refused by the authorisation gate).

use clap::{Parser, Subcommand};

use netusage::commands::{
    analyse, audit, categories, flags, hold, ingest, purge, report, store, usage, verify,
};

/// netusage: browse time from web-proxy logs, for authorised HR investigations.
///
/// Reads proxy logs (Squid), classifies the sites visited (social media above
/// all), estimates each person's browse time and splits it into working time,
/// official breaks and time outside working hours. People are shown by
/// pseudonym only.
#[derive(Debug, Parser)]
#[command(name = "netusage", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Ingest(ingest::IngestArgs),
    Usage(usage::UsageArgs),
    Flags(flags::FlagsArgs),
    Analyse(analyse::AnalyseArgs),
    Categories(categories::CategoriesArgs),
    Report(report::ReportArgs),
    Verify(verify::VerifyArgs),
    Purge(purge::PurgeArgs),
    Hold(hold::HoldArgs),
    Audit(audit::AuditArgs),
    Store(store::StoreCmdArgs),
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Usage(a) => usage::run(a),
        Command::Flags(a) => flags::run(a),
        Command::Analyse(a) => analyse::run(a),
        Command::Categories(a) => categories::run(a),
        Command::Report(a) => report::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Purge(a) => purge::run(a),
        Command::Hold(a) => hold::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Store(a) => store::run(a),
    };
    if let Err(e) = result {
        eprintln!("netusage: {e:#}");
        std::process::exit(netusage::error::exit_code(&e));
    }
}
