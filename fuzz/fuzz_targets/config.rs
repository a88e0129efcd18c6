//! The configuration file: any text is a config within range or a clear
//! error; a config that passes gives a schedule, policy and parameters.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netusage::config::Config;
use netusage::usage::schedule::Plan;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = toml::from_str::<Config>(text) else {
        return;
    };
    if config.check_ranges().is_err() {
        return;
    }
    let _ = config.params();
    let _ = config.policy();
    if let Ok(schedule) = config.schedule() {
        // Split a day around each clock change of 2026 in the configured zone.
        for start in [1_774_746_000_000i64, 1_792_890_000_000] {
            let _ = schedule.split(start - 86_400_000, start + 86_400_000);
        }
    }
});
