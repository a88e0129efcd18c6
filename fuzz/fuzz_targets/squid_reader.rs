//! The log readers and the block pipeline: any bytes become events or
//! quarantined lines, never a panic, and every line is accounted for. The
//! Squid reader runs the whole pipeline; every other reader in the registry
//! parses the same lines (with a header state carried from line to line).
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
    let realms = Realms::new(&["CORP".to_string()]);
    let days = HashSet::new();
    let cx = BlockContext {
        classifier: &CLASSIFIER,
        source: "fuzz",
        cutoff_ms: Some(0),
        latest_ms: Some(4_102_444_800_000),
        realms: &realms,
        dup_days: &days,
        timings: &Default::default(),
    };
    let fcx = FileContext {
        nss_fields: Some("time,login,cip,eurl,action,respcode".into()),
        ..FileContext::default()
    };
    let parser = netusage::formats::squid::Squid.begin(&fcx);
    let out = process_block(data, 1, parser.as_ref(), &cx).expect("frames build");
    let stored: usize = out.frames.iter().map(|f| f.rows.len()).sum();
    assert_eq!(out.stats.accepted as usize, stored);
    assert_eq!(out.stats.accepted + out.rejects.len() as u64, out.stats.lines);
    if let Ok(text) = std::str::from_utf8(data) {
        for f in netusage::formats::registry() {
            let mut p = f.begin(&fcx);
            for (i, line) in text.lines().enumerate() {
                let _ = p.parse(line, i as u64 + 1);
                let _ = p.leading_time(line);
                if line.starts_with('#') {
                    p.observe(line, i as u64 + 1);
                }
            }
        }
    }
    let _ = netusage::formats::detect::detect(data, &fcx);
});
