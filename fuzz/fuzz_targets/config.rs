//! The configuration file: any bytes are a config within range or a clear
//! error, as `--config FILE` reads them (UTF-8 check, TOML, `[policy]
//! preset` laid under the file's keys, ranges), with and without `--policy
//! NAME`. A config that loads gives a schedule, named schedules, profiles,
//! a policy and parameters, or an error; its schedules split days around
//! each clock change with every millisecond in one period.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use netusage::config::Config;
use netusage::usage::presets;
use netusage::usage::schedule::Plan;

static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));
static PRESETS: LazyLock<Vec<String>> =
    LazyLock::new(|| presets::all().into_iter().map(|p| p.name).collect());

fn exercise(mut config: Config) {
    config
        .check_ranges()
        .expect("a loaded config is within range");
    // Files named in the config are not the input: not read.
    config.policy.exempt_users_file.clear();
    config.profiles.people.clear();
    config.profiles.leave.clear();
    let _ = config.params();
    let _ = config.policy();
    let _ = config.realms();
    let _ = config.audit_record();
    let _ = config.named_schedules();
    let _ = config.profiles();
    if let Ok(schedule) = config.schedule() {
        // A day either side of each clock change of 2026 in London, and a
        // day crossing each.
        for start in [1_774_746_000_000i64, 1_792_890_000_000] {
            let (a, b) = (start - 86_400_000, start + 86_400_000);
            let split = schedule.split(a, b);
            assert_eq!(split.total_ms(), b - a, "every millisecond in one period");
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let path: PathBuf = DIR.path().join("netusage.toml");
    std::fs::write(&path, data).expect("write the config");
    if let Ok(config) = Config::load_with(Some(&path), None) {
        exercise(config);
    }
    let name = &PRESETS[data.len() % PRESETS.len()];
    if let Ok(config) = Config::load_with(Some(&path), Some(name)) {
        assert_eq!(&config.policy.preset, name);
        exercise(config);
    }
    // An unknown `--policy` name is an error, not a panic.
    let _ = Config::load_with(Some(&path), Some("no-such-council"));
});
