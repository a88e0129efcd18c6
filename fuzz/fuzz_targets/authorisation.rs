//! The authorisation record: any text is parsed or refused with reasons,
//! and the gate checks any parsed record without panicking, with the
//! period's start worked out as `netusage report` does (local midnight of
//! `period.from` in the default schedule's zone), signed by a registered
//! authoriser without covert authority whose staff id is the text's first
//! line (so the requester and operator checks meet any staff id).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use netusage::evidence::authorisation::{GateContext, check, parse};
use netusage::store::registry::Person;
use netusage::usage::schedule::{Plan, Schedule};

static SCHEDULE: LazyLock<Schedule> = LazyLock::new(|| {
    netusage::config::Config::default()
        .schedule()
        .expect("the default schedule")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let signer = Person {
        staff_id: text.lines().next().unwrap_or("").to_string(),
        ..Default::default()
    };
    match parse(text) {
        Ok(a) => {
            let now = chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap();
            let period_start =
                chrono::DateTime::from_timestamp_millis(SCHEDULE.day_start(a.period.from))
                    .unwrap_or(now);
            let cx = GateContext {
                signer: &signer,
                operator: Some(&signer),
                operator_login: "ict1",
                now,
                retention_cutoff: now - chrono::Duration::days(365),
                period_start,
                max_validity_days: 90,
                max_period_days: 366,
            };
            let problems = check(&a, &cx);
            if a.period.to < a.period.from {
                assert!(!problems.is_empty(), "an empty period is refused");
            }
            if a.covert {
                assert!(!problems.is_empty(), "covert without covert authority is refused");
            }
            if a.expires <= a.authorised_at {
                assert!(!problems.is_empty(), "a record that lapses before it is made is refused");
            }
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
});
