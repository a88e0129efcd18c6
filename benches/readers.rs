//! Every reader's parse speed: lines/s and MB/s on 20,000 lines made from
//! its sample line (headers once, as a file has them), up to each event's
//! host, through the syslog envelope as ingest reads them.
//!
//! The lines vary as real ones do: line `i` has the sample's host replaced
//! by one of 5,000 hosts (`h<k>-<host>`, `k = i * 7919 mod 5000`, a
//! spread with no run of repeats), so a reader or cache that does well only
//! on one repeated host shows it. Each varied line must still read as an
//! event (the bench asserts it).
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
        let host = match f.begin(&FileContext::default()).parse(line, 1) {
            Ok(Parsed::Event(e)) => e.host_name().to_string(),
            _ => String::new(),
        };
        let mut text = headers;
        for i in 0..n {
            if host.is_empty() {
                text.push_str(line);
            } else {
                let k = i * 7919 % 5000;
                text.push_str(&line.replace(&host, &format!("h{k}-{host}")));
            }
            text.push('\n');
        }
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
