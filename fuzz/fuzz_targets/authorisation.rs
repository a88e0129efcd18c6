//! The authorisation record: any text is parsed or refused with reasons,
//! and the gate checks any parsed record without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netusage::evidence::authorisation::{GateContext, check, normalise_name, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = normalise_name(text);
    match parse(text) {
        Ok(a) => {
            let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
            let cx = GateContext {
                operator_login: "ict1",
                operator_name: Some(text),
                now,
                retention_cutoff: now - chrono::Duration::days(365),
                period_start: now - chrono::Duration::days(10),
            };
            let _ = check(&a, &cx);
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
});
