//! Every log reader of the registry through the block pipeline: any bytes
//! become events or quarantined lines, never a panic, and every line is
//! accounted for (`accepted + rejected = lines`, stored rows = accepted).
//!
//! Input layout: the first byte `b` chooses the run.
//! - `b % n` (n = registry length): the reader, in registry order (squid,
//!   common, w3c, proxysg, fortigate, sophos, panos, cisco-asa, zscaler,
//!   juniper-srx, netfilter, pfsense, squid-logformat at the time of
//!   writing).
//! - `f = b / n`, bit 0: the first line of the rest is the reader setting
//!   (`--squid-logformat` and `--nss-fields` are both set to it), not a log
//!   line; otherwise realistic defaults are used.
//! - bit 1: the log is cut into two blocks at a line boundary, the second
//!   block's parser forked from the state after the first block's header
//!   lines (`LineParser::observe`), as ingest's reader thread does.
//! - bit 2: each block is processed again with every UTC day it produced
//!   marked as already stored (the dedup-key path).
//! - `f >> 3`: the source time zone (London, New York, Lord Howe).
#![no_main]

use std::collections::HashSet;
use std::sync::LazyLock;

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use netusage::classify::Classifier;
use netusage::formats::{FileContext, LineParser};
use netusage::identity::Realms;
use netusage::ingest::{BlockContext, BlockOut, process_block};

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(Classifier::bundled);

/// The fields of a typical NSS CSV feed.
const NSS_FIELDS: &str = "time,login,cip,sip,eurl,reqmethod,respcode,reqsize,respsize,action,urlcat";
/// A custom Squid layout (the native one with the user in `%un` and quoted
/// fields at the end).
const LOGFORMAT: &str = "logformat custom %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %un %Sh/%<a %mt \"%{Referer}>h\" \"%{User-Agent}>h\"";

/// Lines of a block as `process_block` counts them.
fn count_lines(block: &[u8]) -> u64 {
    if block.is_empty() {
        return 0;
    }
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    body.iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// Checks one block's accounting; returns the days it produced.
fn check(out: &BlockOut, block: &[u8], first_line: u64, cx: &BlockContext<'_>) -> Vec<NaiveDate> {
    let lines = count_lines(block);
    let stored: usize = out.frames.iter().map(|f| f.rows.len()).sum();
    assert_eq!(out.stats.accepted as usize, stored, "stored rows = accepted");
    assert_eq!(
        out.stats.accepted + out.rejects.len() as u64,
        out.stats.lines,
        "accepted + rejected = lines"
    );
    assert_eq!(out.stats.lines, lines, "every line of the block is read");
    assert!(
        out.stats.too_old + out.stats.future + out.stats.headers <= out.rejects.len() as u64,
        "counted refusals are quarantined"
    );
    let last_line = first_line + lines;
    for w in out.rejects.windows(2) {
        assert!(w[0].line < w[1].line, "rejects in line order, one per line");
    }
    for r in &out.rejects {
        assert!(
            (first_line..last_line).contains(&r.line),
            "reject line {} outside the block",
            r.line
        );
    }
    if out.stats.accepted > 0 {
        let (first, last) = (out.stats.first_ts.unwrap(), out.stats.last_ts.unwrap());
        assert!(first <= last);
        assert!(cx.cutoff_ms.is_none_or(|c| first >= c));
        assert!(cx.latest_ms.is_none_or(|l| last <= l));
    } else {
        assert!(out.stats.first_ts.is_none() && out.stats.last_ts.is_none());
    }
    let mut days = Vec::new();
    for f in &out.frames {
        assert!(!f.rows.is_empty(), "no empty day frame");
        if let Some(k) = &f.keys {
            assert_eq!(k.len(), f.rows.len(), "one dedup key per row");
        }
        if let Some(e) = &f.encoded {
            assert_eq!(e.rows as usize, f.rows.len(), "encoded rows = rows");
        }
        assert!(f.keys.is_some() || f.encoded.is_some());
        days.push(f.day);
    }
    days
}

fn run(
    block: &[u8],
    first_line: u64,
    parser: &dyn LineParser,
    cx: &BlockContext<'_>,
    again: bool,
) {
    let out = process_block(block, first_line, parser, cx).expect("frames build");
    let days = check(&out, block, first_line, cx);
    if again && !days.is_empty() {
        let dup: HashSet<NaiveDate> = days.into_iter().collect();
        let cx2 = BlockContext {
            dup_days: &dup,
            ..*cx
        };
        let out2 = process_block(block, first_line, parser, &cx2).expect("frames build");
        check(&out2, block, first_line, &cx2);
        assert_eq!(out2.stats.accepted, out.stats.accepted);
        assert_eq!(out2.rejects.len(), out.rejects.len());
        for f in &out2.frames {
            assert!(f.keys.is_some(), "a stored day's rows get dedup keys");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, mut log)) = data.split_first() else {
        return;
    };
    let readers = netusage::formats::registry();
    let n = readers.len();
    let reader = readers[b as usize % n];
    let f = b as usize / n;
    let tz = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
    ][(f >> 3) % 3];
    let mut fcx = FileContext {
        tz,
        nss_fields: Some(NSS_FIELDS.into()),
        squid_logformat: Some(LOGFORMAT.into()),
        ..FileContext::default()
    };
    if f & 1 == 1 {
        let (setting, rest) = match log.iter().position(|&c| c == b'\n') {
            Some(i) => (&log[..i], &log[i + 1..]),
            None => (log, &[][..]),
        };
        let setting = String::from_utf8_lossy(setting).into_owned();
        fcx.nss_fields = Some(setting.clone());
        fcx.squid_logformat = Some(setting);
        log = rest;
    }
    let realms = Realms::new(&["CORP".to_string(), "corp.council.gov.uk".to_string()]);
    let none = HashSet::new();
    let cx = BlockContext {
        classifier: &CLASSIFIER,
        source: "fuzz",
        cutoff_ms: Some(0),
        latest_ms: Some(4_102_444_800_000),
        realms: &realms,
        dup_days: &none,
        timings: &Default::default(),
    };
    let again = f & 4 == 4;
    let mut tracker = reader.begin(&fcx);
    if f & 2 == 2 {
        // Two blocks cut after the line break nearest the middle.
        let cut = log[..log.len() / 2]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |i| i + 1);
        let (first, second) = log.split_at(cut);
        let parser = tracker.fork();
        if tracker.has_directives() {
            for (k, line) in first.split(|&c| c == b'\n').enumerate() {
                if line.first() == Some(&b'#')
                    && let Ok(l) = std::str::from_utf8(line)
                {
                    tracker.observe(l.trim_end_matches('\r'), 1 + k as u64);
                }
            }
        }
        run(first, 1, parser.as_ref(), &cx, again);
        run(second, 1 + count_lines(first), tracker.as_ref(), &cx, again);
    } else {
        run(log, 1, tracker.as_ref(), &cx, again);
    }
    // Detection (`--log-format auto`) with the same settings.
    let _ = netusage::formats::detect::detect(log, &fcx);
    // A refused line still ages out by the time it starts with.
    if let Ok(text) = std::str::from_utf8(log) {
        for line in text.lines().take(64) {
            let _ = tracker.leading_time(line);
        }
    }
});
