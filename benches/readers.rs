//! Every reader's parse speed: lines/s and MB/s on 20,000 copies of its
//! sample line (headers once, as a file has them), up to each event's host,
//! through the syslog envelope as ingest reads them.
//!
//! ```text
//! cargo bench --bench readers
//! ```
// `criterion_group!` makes an undocumented public function.
#![allow(missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use netusage::formats::{FileContext, Parsed, registry};

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("readers");
    g.sample_size(10);
    for f in registry() {
        let sample = f.sample();
        let (headers, line) = match sample.rsplit_once('\n') {
            Some((h, l)) => (format!("{h}\n"), l),
            None => (String::new(), sample),
        };
        let n = 20_000;
        let text = headers + &format!("{line}\n").repeat(n);
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_function(
            format!("{}_{n}_lines_{}KB", f.name(), text.len() >> 10),
            |b| {
                b.iter(|| {
                    let mut p = netusage::formats::envelope::begin(f, &FileContext::default());
                    let mut events = 0u32;
                    let mut host_bytes = 0usize;
                    for (i, l) in text.lines().enumerate() {
                        if let Ok(Parsed::Event(e)) = p.parse(l, i as u64 + 1) {
                            events += 1;
                            // The host as ingest gets it: a reader that
                            // leaves it to the URL is timed finding it.
                            host_bytes += e.host_name().len();
                        }
                    }
                    assert_eq!(events as usize, n);
                    std::hint::black_box(host_bytes);
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
