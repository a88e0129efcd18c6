//! Generates a synthetic Squid access log: the office model of
//! `netusage::synth` (the shipped sample), or with `--realistic` a log as
//! varied as real ones (`netusage::synth::realistic`: thousands of hosts with
//! Zipf-like popularity, distinct paths and query strings, CDN and API hosts
//! per site, people with different habits; calibrated on the real Squid
//! sample in `tests/data/squid/`, see that module's documentation).
//!
//! ```text
//! cargo run --release --example genlogs -- --seed 20261116 --start 2026-11-09 \
//!     --users 40 --lines 50000 --out sample_logs/council-office-access.log
//! # the benchmark log: 2,000 people, 5,000 hosts, statistics on standard error
//! cargo run --release --example genlogs -- --realistic --users 2000 --hosts 5000 \
//!     --lines 8000000 --start 2026-10-01 --out access.log
//! # a year, one file a day (access-YYYY-MM-DD.log), as a proxy rotates them
//! cargo run --release --example genlogs -- --realistic --users 2000 --days 365 \
//!     --start 2025-12-01 --out-dir logs/
//! ```
//!
//! With `--realistic` it prints, per million lines, the distinct hosts,
//! distinct URLs and distinct person–host pairs, and the lines a working day.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Parser;
use netusage::synth::realistic::{Realistic, RealisticOptions};
use netusage::synth::{Options, generate};

/// Write a synthetic multi-day Squid access log.
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
    /// Lines to write (at most).
    #[arg(long, default_value_t = 50_000)]
    lines: u64,
    /// Malformed lines per 10,000.
    #[arg(long, default_value_t = 2)]
    malformed_per_10k: u32,
    /// The realistic benchmark log instead of the office model.
    #[arg(long)]
    realistic: bool,
    /// Realistic mode: about how many distinct hosts.
    #[arg(long, default_value_t = 5_000)]
    hosts: usize,
    /// Realistic mode: stop after this many calendar days (0: no limit;
    /// with --days, --lines is ignored unless given smaller).
    #[arg(long, default_value_t = 0)]
    days: u32,
    /// Realistic mode: write one file a day, `access-YYYY-MM-DD.log`, in
    /// this folder (instead of --out).
    #[arg(long)]
    out_dir: Option<PathBuf>,
    /// Output file (standard output when absent).
    #[arg(long)]
    out: Option<PathBuf>,
}

fn open(p: Option<&PathBuf>) -> anyhow::Result<Box<dyn Write>> {
    Ok(match p {
        Some(p) => Box::new(BufWriter::with_capacity(1 << 20, std::fs::File::create(p)?)),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    })
}

fn main() -> anyhow::Result<()> {
    let a = Args::parse();
    if !a.realistic {
        let opts = Options {
            seed: a.seed,
            start: a.start,
            users: a.users,
            lines: a.lines,
            malformed_per_10k: a.malformed_per_10k,
        };
        let mut out = open(a.out.as_ref())?;
        let n = generate(&opts, &mut out)?;
        out.flush()?;
        eprintln!(
            "wrote {n} lines (seed {}, start {}, {} users)",
            a.seed, a.start, a.users
        );
        return Ok(());
    }
    let opts = RealisticOptions {
        seed: a.seed,
        users: a.users,
        hosts: a.hosts,
        malformed_per_10k: a.malformed_per_10k,
    };
    let mut g = Realistic::new(&opts);
    let limit = if a.days > 0 && a.lines == 50_000 {
        u64::MAX
    } else {
        a.lines
    };
    let mut single = match &a.out_dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            None
        }
        None => Some(open(a.out.as_ref())?),
    };
    let (mut written, mut day, mut n, mut busiest) = (0u64, a.start, 0u32, 0u64);
    while written < limit && (a.days == 0 || n < a.days) {
        let k = match (&mut single, &a.out_dir) {
            (Some(out), _) => g.day(day, limit - written, out)?,
            (None, Some(d)) => {
                let mut out = open(Some(&d.join(format!("access-{day}.log"))))?;
                let k = g.day(day, limit - written, &mut out)?;
                out.flush()?;
                k
            }
            (None, None) => unreachable!("one of the two is set"),
        };
        written += k;
        busiest = busiest.max(k);
        day = day.succ_opt().expect("far from the end of time");
        n += 1;
        if a.users == 0 && n > 7 {
            break;
        }
    }
    if let Some(mut out) = single {
        out.flush()?;
    }
    eprintln!(
        "wrote {written} lines over {n} days from {} (seed {}, {} users, {} hosts in the world, {busiest} lines on the busiest day)",
        a.start,
        a.seed,
        a.users,
        g.world_hosts()
    );
    for (i, b) in g.stats().iter().enumerate() {
        eprintln!(
            "lines {:>9}..{:<9} hosts {:>6}  distinct URLs {:>8} ({:.0} %)  person-host pairs {:>8}",
            i as u64 * 1_000_000 + 1,
            i as u64 * 1_000_000 + b.lines,
            b.hosts,
            b.urls,
            100.0 * b.urls as f64 / b.lines as f64,
            b.pairs
        );
    }
    Ok(())
}
