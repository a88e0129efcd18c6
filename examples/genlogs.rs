//! Generates a synthetic Squid access log (see `netusage::synth`).
//!
//! ```text
//! cargo run --release --example genlogs -- --seed 20261116 --start 2026-11-09 \
//!     --users 40 --lines 50000 --out sample_logs/council-office-access.log
//! ```

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Parser;
use netusage::synth::{Options, generate};

/// Write a realistic multi-day Squid access log for a council office.
#[derive(Parser)]
struct Args {
    /// RNG seed: the same seed and options give the same file.
    #[arg(long, default_value_t = 20261116)]
    seed: u64,
    /// First local date (Europe/London), YYYY-MM-DD.
    #[arg(long, default_value = "2026-11-09")]
    start: NaiveDate,
    /// Number of people.
    #[arg(long, default_value_t = 40)]
    users: usize,
    /// Lines to write.
    #[arg(long, default_value_t = 50_000)]
    lines: u64,
    /// Malformed lines per 10,000.
    #[arg(long, default_value_t = 2)]
    malformed_per_10k: u32,
    /// Output file (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    let opts = Options {
        seed: a.seed,
        start: a.start,
        users: a.users,
        lines: a.lines,
        malformed_per_10k: a.malformed_per_10k,
    };
    let mut out: Box<dyn Write> = match &a.out {
        Some(p) => Box::new(BufWriter::new(std::fs::File::create(p)?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let n = generate(&opts, &mut out)?;
    out.flush()?;
    eprintln!(
        "wrote {n} lines (seed {}, start {}, {} users)",
        a.seed, a.start, a.users
    );
    Ok(())
}
