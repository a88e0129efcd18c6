//! Benchmarks of the main job on a generated log as varied as real ones
//! (`netusage::synth::realistic`: 2,000 people, 5,000 hosts with Zipf-like
//! popularity, over half the URLs distinct; the office model's log repeats
//! its URLs, and a figure measured on it says little about real logs):
//! ingest (parse → classify → Parquet) and usage (scan → sessions → split),
//! streamed day by day as `usage` does, and all in memory as a pack does.
//!
//! `cargo bench --bench pipeline`; sizes with `NETUSAGE_BENCH_LINES` (default 500000).
// `criterion_group!` makes an undocumented public function.
#![allow(missing_docs)]

use std::path::Path;

use chrono::NaiveDate;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netusage::classify::Classifier;
use netusage::config::Config;
use netusage::ingest::{self, Outcome};
use netusage::store::Store;
use netusage::store::scan::{self, Range};
use netusage::synth;

fn lines() -> u64 {
    std::env::var("NETUSAGE_BENCH_LINES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(500_000)
}

fn make_log(dir: &Path, n: u64) -> std::path::PathBuf {
    let path = dir.join("bench.log");
    let opts = synth::realistic::RealisticOptions {
        seed: 7,
        users: 2000,
        hosts: 5000,
        malformed_per_10k: 2,
    };
    let start = NaiveDate::from_ymd_opt(2026, 11, 9).unwrap();
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let (_, written) = synth::realistic::generate_realistic(&opts, start, n, 0, &mut f).unwrap();
    assert_eq!(written, n);
    f.into_inner().unwrap().sync_all().unwrap();
    path
}

fn ingest_once(log: &Path, classifier: &Classifier) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_for_write(&dir.path().join("store")).unwrap();
    let opts = ingest::Options {
        format: None,
        context: Default::default(),
        as_of: None,
        progress: false,
        cutoff_ms: None,
        latest_ms: None,
        realms: Default::default(),
        timings: Default::default(),
        run: None,
    };
    match ingest::ingest_file(&store, classifier, log, &opts).unwrap() {
        Outcome::Ingested(r) => assert_eq!(r.lines, lines()),
        other => panic!("unexpected {other:?}"),
    }
    dir
}

fn bench(c: &mut Criterion) {
    let n = lines();
    let work = tempfile::tempdir().unwrap();
    let log = make_log(work.path(), n);
    let bytes = std::fs::metadata(&log).unwrap().len();
    let classifier = Classifier::bundled();

    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function(format!("squid_{n}_lines_{}MB", bytes >> 20), |b| {
        b.iter(|| ingest_once(&log, &classifier))
    });
    g.finish();

    let stored = ingest_once(&log, &classifier);
    let store = Store::open(&stored.path().join("store")).unwrap();
    let config = Config::default();
    let (profiles, _) = config.profiles().unwrap();
    let policy = config.policy().unwrap();
    let mut g = c.benchmark_group("usage");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function(format!("stream_{n}_events"), |b| {
        b.iter(|| {
            let mut acc = netusage::usage::Accumulator::new(
                store.key(),
                config.params(),
                &profiles,
                &policy,
                false,
            );
            let filter = scan::Filter::default();
            scan::each_day(&store, &netusage::usage::COLUMNS, &filter, |day, events| {
                acc.push(&events, Some(scan::day_end_ms(day)))
            })
            .unwrap();
            acc.finish()
        })
    });
    g.bench_function(format!("in_memory_{n}_events"), |b| {
        b.iter(|| {
            let events = scan::scan(&store, &Range::default(), &netusage::usage::COLUMNS).unwrap();
            netusage::usage::analyse(&events, store.key(), config.params(), &profiles, &policy)
                .unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
