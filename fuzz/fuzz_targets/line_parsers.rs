//! Every reader of the registry on any bytes, against the readers crate
//! alone (no store, no polars): a line is an event, a skipped line or a
//! refusal with a reason, never a panic; a forked parser (what each block of
//! a parallel ingest starts from) reads every line as the parser it was
//! forked from; an event's time lies in 2000–2100 (UTC); `leading_time`
//! never panics.
//!
//! Input layout: the first byte `b` chooses the reader, `b % n` (n = the
//! registry's length, in registry order); `b / n % 3` the source time zone
//! (London, New York, Lord Howe). The rest is read as lossy UTF-8, a line
//! at a time.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netusage_formats::formats::{FileContext, Parsed, registry};

fuzz_target!(|data: &[u8]| {
    let Some((&b, bytes)) = data.split_first() else {
        return;
    };
    let readers = registry();
    let format = readers[b as usize % readers.len()];
    let tz = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
    ][b as usize / readers.len() % 3];
    let cx = FileContext {
        tz,
        tz_source: "--source-time-zone",
        year: 2026,
        nss_fields: Some("time,login,cip,eurl,reqmethod,respcode,respsize,action".into()),
        squid_logformat: Some("logformat custom %ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %un".into()),
    };
    let text = String::from_utf8_lossy(bytes);
    let mut parser = format.begin(&cx);
    for (i, line) in text.split('\n').enumerate() {
        let line = line.trim_end_matches('\r');
        let number = i as u64 + 1;
        let mut forked = parser.fork();
        let mine = parser.parse(line, number);
        assert_eq!(mine, forked.parse(line, number), "{}: a fork reads alike", format.name());
        match mine {
            Ok(Parsed::Event(e)) => {
                assert!(
                    (946_684_800_000..4_102_444_800_000).contains(&e.ts_ms),
                    "{}: time {} out of range",
                    format.name(),
                    e.ts_ms
                );
                let _ = e.host_name();
            }
            Ok(Parsed::Skip(why)) => assert!(!why.is_empty()),
            Err(reason) => assert!(!reason.trim().is_empty(), "a refusal has a reason"),
        }
        let _ = parser.leading_time(line);
    }
});
