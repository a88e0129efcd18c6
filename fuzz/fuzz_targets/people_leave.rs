//! The HR exports (`--people`: CSV `user,schedule,from,to`; `--leave`: CSV
//! `user,date,kind`): any bytes are read or refused with the file and line
//! named, never a panic. A people file that is read leaves each person's
//! assignments in date order without overlap; each person's profile answers
//! for the dates it names, and a day's time is split with every
//! millisecond accounted for.
//!
//! Input layout: the first byte `b` chooses, `b % 3`: 0 a people file,
//! 1 a leave file, 2 both (people, a NUL byte, then leave; read in that
//! order, as `Config::profiles` does).
#![no_main]

use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use libfuzzer_sys::fuzz_target;
use netusage::config::Config;
use netusage::identity::{Realms, normalise_user};
use netusage::usage::profile::{DEFAULT, Profiles};
use netusage::usage::schedule::Plan;

/// The default schedule and two named ones (nights cross midnight; part
/// time has flexi core hours), as a council's config would give them.
static BASE: LazyLock<Profiles> = LazyLock::new(|| {
    let config: Config = toml::from_str(
        r#"
[schedule]
time_zone = "Europe/London"
[schedules.nights]
working_hours = ["22:00", "06:00"]
breaks = [["02:00", "02:30"]]
[schedules.parttime]
working_days = ["Mon", "Tue", "Wed"]
working_hours = ["08:00", "18:00"]
core_hours = [["10:00", "12:00"], ["14:00", "16:00"]]
"#,
    )
    .expect("the fixed config parses");
    Profiles::new(
        config.schedule().expect("default schedule"),
        config.named_schedules().expect("named schedules"),
    )
});

/// Dates whose profile is asked for: within the years the readers accept.
fn in_range(d: NaiveDate) -> bool {
    (2000..=2099).contains(&d.year())
}

fn check_day<P: Plan>(plan: &P, d: NaiveDate) {
    if !in_range(d) {
        return;
    }
    let Some(next) = d.succ_opt() else {
        return;
    };
    let (a, b) = (plan.day_start(d), plan.day_start(next));
    assert!(a < b, "local day {d} has no length");
    for &(s, e, _) in plan.windows(d).iter() {
        assert!(s < e, "an empty window on {d}");
    }
    let split = plan.split(a, b);
    assert_eq!(
        split.total_ms(),
        b - a,
        "every millisecond of {d} is in one period"
    );
    assert!(split.core_ms <= split.working_ms);
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, rest)) = data.split_first() else {
        return;
    };
    let (people, leave): (Option<&[u8]>, Option<&[u8]>) = match b % 3 {
        0 => (Some(rest), None),
        1 => (None, Some(rest)),
        _ => match rest.iter().position(|&c| c == 0) {
            Some(i) => (Some(&rest[..i]), Some(&rest[i + 1..])),
            None => (Some(rest), Some(&[][..])),
        },
    };
    let realms = Realms::new(&["CORP".to_string(), "corp.council.gov.uk".to_string()]);
    let mut profiles = BASE.clone();
    if let Some(p) = people {
        match profiles.read_people(p, "people.csv", &realms) {
            Ok(_) => {}
            Err(e) => {
                assert!(e.starts_with("people.csv"), "the file is named: {e}");
                return;
            }
        }
    }
    if let Some(l) = leave {
        match profiles.read_leave(l, "leave.csv", &realms) {
            Ok(_) => {}
            Err(e) => {
                assert!(e.starts_with("leave.csv"), "the file is named: {e}");
                return;
            }
        }
    }
    // Every field of the input, normalised as a user name, is asked for.
    let text = String::from_utf8_lossy(rest);
    let mut users: Vec<String> = text
        .split(['\n', ',', '\0'])
        .take(64)
        .map(|f| normalise_user(Some(f.trim().trim_matches('"').trim()), "", &realms).into_owned())
        .collect();
    users.sort();
    users.dedup();
    for u in &users {
        let person = profiles.person(u);
        let list = person.assignments();
        for a in list {
            assert!(a.to.is_none_or(|to| to >= a.from), "{}: to before from", a.source);
            assert_eq!(
                person.assignment(a.from),
                Some(a),
                "{}: in force on its first day",
                a.source
            );
            if let Some(to) = a.to {
                assert_eq!(person.assignment(to), Some(a), "{}: in force on its last day", a.source);
            }
            let (name, _) = person.schedule_on(a.from);
            assert!(name == DEFAULT || profiles.named().contains_key(name));
            assert_eq!(name, a.schedule, "{}: its schedule applies", a.source);
            check_day(&person, a.from);
            if let Some(to) = a.to {
                check_day(&person, to);
            }
        }
        for w in list.windows(2) {
            assert!(
                w[0].to.is_some_and(|to| to < w[1].from),
                "{} and {} overlap but were read",
                w[0].source,
                w[1].source
            );
        }
        let days: Vec<NaiveDate> = person.leave_days().map(|(d, _)| *d).take(8).collect();
        for d in days {
            assert!(person.leave_on(d).is_some());
            if in_range(d) {
                assert!(person.windows(d).is_empty(), "no shift starts on leave");
                check_day(&person, d);
                let _ = profiles.check_covers(d);
            }
        }
    }
});
