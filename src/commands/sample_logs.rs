//! `netusage sample-logs`: writes the sample council log, dated relative to today.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::synth;

/// Write the sample council's proxy log into a folder, dated relative to today.
///
/// `council-office-access.log`: 40 people in a council office over about
/// seven working days starting the Monday of the week before last
/// (Europe/London), in Squid's native format, made by netusage's seeded
/// generator: the same day gives the same file. The README's first command
/// runs it before `analyse`, so the sample is always inside the one-year
/// retention window.
#[derive(Debug, Args)]
pub struct SampleLogsArgs {
    /// Folder to write into (created if absent).
    #[arg(value_name = "DIR", default_value = "sample_logs")]
    pub dir: PathBuf,
}

/// The file name written.
pub const FILE: &str = "council-office-access.log";

/// Runs `netusage sample-logs`.
///
/// # Errors
/// The folder or file cannot be written.
pub fn run(args: SampleLogsArgs) -> anyhow::Result<()> {
    let today = crate::clock::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive();
    let opts = synth::sample_options(synth::sample_start(today));
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create folder {}", args.dir.display()))?;
    let path = args.dir.join(FILE);
    let file =
        std::fs::File::create(&path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut out = BufWriter::new(file);
    let lines = synth::generate(&opts, &mut out)
        .and_then(|n| out.flush().map(|()| n))
        .with_context(|| format!("cannot write {}", path.display()))?;
    writeln!(
        std::io::stderr(),
        "wrote {}: {lines} lines, {} people from {} (seed {})",
        path.display(),
        opts.users,
        opts.start,
        opts.seed
    )?;
    Ok(())
}
