//! The `netusage` command line: parse, dispatch, map errors to exit codes
//! (0 success, 1 error, 2 usage, 3 refused by the authorisation gate).

use std::io::Write;

use clap::{Parser, Subcommand};

use netusage::commands::{
    analyse, audit, authorisers, categories, dns, flags, formats, hold, identity, ingest, policy,
    purge, report, sample_logs, store, subject_access, usage, verify, windows,
};

/// netusage: browse time from web-proxy logs, for authorised HR investigations.
///
/// Reads web-proxy and firewall logs (`netusage formats` lists them), classifies the sites visited (social media above
/// all), estimates each person's browse time and splits it into working time,
/// official breaks and time outside working hours. People are shown by
/// pseudonym only.
#[derive(Debug, Parser)]
#[command(
    name = "netusage",
    version,
    about,
    long_about,
    after_help = "Environment:\n  NETUSAGE_STORE     the store folder, instead of --store (default ./netusage-store)\n  NETUSAGE_OPERATOR  your name for the audit log and evidence packs, beside your login\n\nExit codes: 0 success, 1 error, 2 bad arguments or configuration, 3 refused by the authorisation gate.\nSee `netusage COMMAND --help`, and `netusage man` for the manual page."
)]
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
    Formats(formats::FormatsArgs),
    Report(report::ReportArgs),
    SubjectAccess(subject_access::SubjectAccessArgs),
    Verify(verify::VerifyArgs),
    Purge(purge::PurgeArgs),
    Hold(hold::HoldArgs),
    Authorisers(authorisers::AuthorisersArgs),
    Identity(identity::IdentityArgs),
    Dns(dns::DnsArgs),
    Audit(audit::AuditArgs),
    Store(store::StoreCmdArgs),
    Windows(windows::WindowsArgs),
    Policy(policy::PolicyArgs),
    SampleLogs(sample_logs::SampleLogsArgs),
    /// Print a shell completion script: `netusage completions bash > /etc/bash_completion.d/netusage`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `netusage man > /usr/local/share/man/man1/netusage.1`;
    /// with --out DIR, write it and one page per subcommand (`netusage-ingest.1`, ...), which
    /// the main page refers to.
    Man {
        /// Folder to write `netusage.1` and `netusage-<command>.1` into.
        #[arg(long, value_name = "DIR")]
        out: Option<std::path::PathBuf>,
    },
}

/// The manual: the main page on standard output, or every page into `out`.
fn man(out: Option<&std::path::Path>) -> anyhow::Result<()> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let Some(dir) = out else {
        return clap_mangen::Man::new(cmd)
            .render(&mut std::io::stdout().lock())
            .map_err(anyhow::Error::from);
    };
    std::fs::create_dir_all(dir)
        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, page: clap::Command| -> anyhow::Result<()> {
        let path = dir.join(format!("{name}.1"));
        let mut bytes = Vec::new();
        clap_mangen::Man::new(page)
            .title(name.to_uppercase())
            .render(&mut bytes)?;
        std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
    };
    write("netusage", cmd.clone())?;
    let mut pages = 1;
    for sub in cmd.get_subcommands() {
        let name = format!("netusage-{}", sub.get_name());
        write(&name, sub.clone())?;
        pages += 1;
    }
    writeln!(
        std::io::stdout(),
        "wrote {pages} manual pages to {}",
        dir.display()
    )?;
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    // Commands that read the store day after day (not ingest, which writes
    // it, nor `analyse`, which ingests first).
    if matches!(
        cli.command,
        Command::Usage(_) | Command::Flags(_) | Command::Report(_)
    ) {
        netusage::memory::return_large_blocks();
    }
    let result = match cli.command {
        Command::Ingest(a) => ingest::run(a),
        Command::Usage(a) => usage::run(a),
        Command::Flags(a) => flags::run(a),
        Command::Analyse(a) => analyse::run(a),
        Command::Categories(a) => categories::run(a),
        Command::Formats(a) => formats::run(a),
        Command::Report(a) => report::run(a),
        Command::SubjectAccess(a) => subject_access::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Purge(a) => purge::run(a),
        Command::Hold(a) => hold::run(a),
        Command::Authorisers(a) => authorisers::run(a),
        Command::Identity(a) => identity::run(a),
        Command::Dns(a) => dns::run(a),
        Command::Audit(a) => audit::run(a),
        Command::Store(a) => store::run(a),
        Command::Windows(a) => windows::run(a),
        Command::Policy(a) => policy::run(a),
        Command::SampleLogs(a) => sample_logs::run(a),
        Command::Completions { shell } => {
            // Generated into memory first: `generate` panics on a failed
            // write, and a closed pipe (`completions bash | head -1`) is one.
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "netusage", &mut script);
            std::io::stdout()
                .lock()
                .write_all(&script)
                .map_err(anyhow::Error::from)
        }
        Command::Man { out } => man(out.as_deref()),
    };
    if let Err(e) = result {
        // A reader that stopped reading (`netusage usage | head -1`) is not
        // an error: end quietly, as Unix tools do.
        if netusage::error::is_broken_pipe(&e) {
            std::process::exit(0);
        }
        // Standard error itself may be closed: never panic on it.
        let _ = writeln!(std::io::stderr(), "netusage: {e:#}");
        std::process::exit(netusage::error::exit_code(&e));
    }
}
