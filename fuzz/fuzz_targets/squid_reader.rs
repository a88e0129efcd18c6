//! The Squid reader and the block pipeline: any bytes become events or
//! quarantined lines, never a panic, and every line is accounted for.
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use netusage::classify::Classifier;
use netusage::formats::{FileContext, LogFormat};
use netusage::identity::Realms;
use netusage::ingest::{BlockContext, process_block};

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(Classifier::bundled);

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        for line in s.lines() {
            let _ = netusage::formats::squid::parse_line(line);
            let _ = netusage::formats::url_host(line);
        }
    }
    let realms = Realms::new(&["CORP".to_string()]);
    let days = HashSet::new();
    let cx = BlockContext {
        classifier: &CLASSIFIER,
        source: "fuzz",
        cutoff_ms: Some(0),
        latest_ms: Some(4_102_444_800_000),
        realms: &realms,
        dup_days: &days,
    };
    let parser = netusage::formats::squid::Squid.begin(&FileContext::default());
    let out = process_block(data, 1, parser.as_ref(), &cx).expect("frames build");
    let stored: usize = out.frames.iter().map(|f| f.df.height()).sum();
    assert_eq!(out.stats.accepted as usize, stored);
    assert_eq!(out.stats.accepted + out.rejects.len() as u64, out.stats.lines);
});
