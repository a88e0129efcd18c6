//! The five councils' presets on one hand-made log, and schedules per person
//! (people and leave files, night shifts, rotas, part-time days, Scottish and
//! Northern Irish bank holidays), end to end with exact results.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

/// Wed 11 and Thu 12 June 2025, UTC; working 09:00–17:00, official break
/// 12:30–13:30 (Sheffield's preset adds core hours 10:00–12:00 and
/// 14:00–16:00). Each visit is a person reading Facebook: a request about
/// every minute for 20 minutes (gaps alternate 53 and 67 s).
///   lunch:     12:40–13:00 on the 11th, in the official break
///   desk:      10:00–10:20 both days, working time in core hours
///   flexi:     16:20–16:40 on the 11th, working time outside core hours
///   evening:   19:00–19:20 on the 11th, outside working hours
///   comms:     10:00–10:20 on the 11th, a designated business user
///   longlunch: 12:30–13:30 and 18:00–18:41 on the 11th: 101 min of own time
///   tab:       12:40–12:55 on the 11th in the break, then the tab polls
///              every 60 s until 17:00 (background traffic)
fn council_log(dir: &Path) -> std::path::PathBuf {
    let mut lines = Vec::new();
    let visit = |lines: &mut Vec<String>, start: &str, n: i64, user: &str| {
        lines.extend(reading(start, 60, n, user, "www.facebook.com"));
    };
    visit(&mut lines, "2025-06-11T12:40:00Z", 21, "lunch");
    visit(&mut lines, "2025-06-11T10:00:00Z", 21, "desk");
    visit(&mut lines, "2025-06-12T10:00:00Z", 21, "desk");
    visit(&mut lines, "2025-06-11T16:20:00Z", 21, "flexi");
    visit(&mut lines, "2025-06-11T19:00:00Z", 21, "evening");
    visit(&mut lines, "2025-06-11T10:00:00Z", 21, "comms");
    visit(&mut lines, "2025-06-11T12:30:00Z", 60, "longlunch");
    visit(&mut lines, "2025-06-11T18:00:00Z", 41, "longlunch");
    visit(&mut lines, "2025-06-11T12:40:00Z", 15, "tab");
    lines.extend(every(
        "2025-06-11T12:56:00Z",
        60,
        245,
        "tab",
        "www.facebook.com",
    ));
    write_log(dir, "access.log", &lines)
}

const PEOPLE: [&str; 7] = [
    "lunch",
    "desk",
    "flexi",
    "evening",
    "comms",
    "longlunch",
    "tab",
];

/// `flags --format csv` under `preset` (and `extra` config): (user, date,
/// reason) of each flagged day.
fn flagged(preset: &str, extra: &str) -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let log = council_log(dir.path());
    let store = dir.path().join("store");
    ingest(&store, &log);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("{UTC_CONFIG}{extra}[policy]\nexempt_users = [\"comms\"]\n"),
    )
    .unwrap();
    // Charnwood and Sheffield require a screening authorisation; the others
    // accept one.
    let screening = crate::common::gate::screening(&store);
    let json = ok(&[
        &"flags",
        &"--policy",
        &preset,
        &"--config",
        &cfg,
        &"--store",
        &store,
        &"--format",
        &"json",
        &"--screening",
        &screening,
        &"--notice",
        &"NOTICE-1",
    ]);
    let names: BTreeMap<String, &str> = PEOPLE.iter().map(|u| (pseudonym(&store, u), *u)).collect();
    let rows: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    // The reason is its kind, then the clause it rests on, quoted.
    let mut out: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                names[r["person"].as_str().unwrap()].to_string(),
                r["date"].as_str().unwrap().to_string(),
                r["reason"]
                    .as_str()
                    .unwrap()
                    .split(':')
                    .next()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

/// (user, 2025-06-DAY, reason) of each entry, sorted.
fn days(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    let mut v: Vec<(String, String, String)> = list
        .iter()
        .map(|(u, d, r)| (u.to_string(), format!("2025-06-{d}"), r.to_string()))
        .collect();
    v.sort();
    v
}

#[test]
fn chelmsford_flags_working_time_and_not_the_break_or_the_idle_tab() {
    assert_eq!(
        flagged("chelmsford", ""),
        days(&[
            ("desk", "11", "counted"),
            ("desk", "12", "counted"),
            ("flexi", "11", "counted"),
        ])
    );
}

#[test]
fn without_background_detection_the_idle_tab_reads_as_an_afternoon_of_working_time() {
    assert_eq!(
        flagged("chelmsford", "[browse_time]\nexclude_background = false\n"),
        days(&[
            ("desk", "11", "counted"),
            ("desk", "12", "counted"),
            ("flexi", "11", "counted"),
            ("tab", "11", "counted"),
        ])
    );
}

#[test]
fn charnwood_flags_working_time() {
    assert_eq!(
        flagged("charnwood", ""),
        days(&[
            ("desk", "11", "counted"),
            ("desk", "12", "counted"),
            ("flexi", "11", "counted"),
        ])
    );
}

#[test]
fn sheffield_flags_working_time_and_excessive_own_time_with_no_flexi_band_unless_assigned() {
    // No core hours are set, so 16:20–16:40 is working time outside breaks
    // (a fixed 9–5 worker has no flexitime band).
    assert_eq!(
        flagged("sheffield", ""),
        days(&[
            ("desk", "11", "counted"),
            ("desk", "12", "counted"),
            ("flexi", "11", "counted"),
            ("longlunch", "11", "own_time"),
        ])
    );
}

#[test]
fn north_west_leicestershire_flags_any_personal_use_except_designated_users() {
    assert_eq!(
        flagged("north-west-leicestershire", ""),
        days(&[
            ("desk", "11", "counted"),
            ("desk", "12", "counted"),
            ("evening", "11", "counted"),
            ("flexi", "11", "counted"),
            ("longlunch", "11", "counted"),
            ("lunch", "11", "counted"),
            ("tab", "11", "counted"),
        ])
    );
}

#[test]
fn west_dunbartonshire_flags_anyone_not_on_the_approved_business_list() {
    assert_eq!(
        flagged("west-dunbartonshire", ""),
        days(&[
            ("desk", "11", "counted"),
            ("desk", "12", "counted"),
            ("evening", "11", "counted"),
            ("flexi", "11", "counted"),
            ("longlunch", "11", "counted"),
            ("lunch", "11", "counted"),
            ("tab", "11", "counted"),
        ])
    );
}

#[test]
fn the_approved_business_user_list_can_be_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = council_log(dir.path());
    let store = dir.path().join("store");
    ingest(&store, &log);
    let list = dir.path().join("approved.txt");
    std::fs::write(
        &list,
        "# approved business social media users\nCORP\\Comms\ndesk   # press office\n",
    )
    .unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "{UTC_CONFIG}[policy]\npreset = \"west-dunbartonshire\"\nexempt_users_file = {:?}\n",
            list.display().to_string()
        ),
    )
    .unwrap();
    let csv = ok(&[
        &"flags",
        &"--config",
        &cfg,
        &"--store",
        &store,
        &"--format",
        &"csv",
    ]);
    for (user, listed) in [("comms", true), ("desk", true), ("lunch", false)] {
        assert_eq!(
            !csv.contains(&pseudonym(&store, user)),
            listed,
            "{user}: {csv}"
        );
    }
}

#[test]
fn a_designated_user_is_shown_as_exempt_in_the_usage_table_not_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let log = council_log(dir.path());
    let store = dir.path().join("store");
    ingest(&store, &log);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("{UTC_CONFIG}[policy]\npreset = \"north-west-leicestershire\"\nexempt_users = [\"comms\"]\n"),
    )
    .unwrap();
    let table = ok(&[
        &"usage",
        &"--config",
        &cfg,
        &"--store",
        &store,
        &"--notice",
        &"NOTICE-1",
    ]);
    let comms = pseudonym(&store, "comms");
    let line = table.lines().find(|l| l.contains(&comms)).unwrap();
    assert!(line.trim_end().ends_with("exempt"), "{table}");
    assert!(table.contains("6 flagged by the policy"), "{table}");
    assert!(
        table.contains("1 designated business users exempt"),
        "{table}"
    );
}

/// Europe/London; the default schedule Mon–Fri 09:00–17:00 with lunch
/// 12:30–13:30; named schedules for the people file.
const PROFILE_CONFIG: &str = r#"
[schedule]
time_zone = "Europe/London"
[schedules.early]
working_hours = ["07:00", "15:00"]
breaks = []
[schedules.nights]
working_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
working_hours = ["22:00", "06:00"]
breaks = [["02:00", "02:30"]]
[schedules.parttime]
working_days = ["Mon", "Tue", "Wed"]
[schedules.ninedays]
rota = [["Mon", "Tue", "Wed", "Thu", "Fri"], ["Mon", "Tue", "Wed", "Thu"]]
rota_start = "2025-01-06"
[schedules.scotland]
bank_holidays = "scotland"
[schedules.ni]
bank_holidays = "northern-ireland"
"#;

const PEOPLE_CSV: &str = "user,schedule,from,to
mover,early,2025-06-12,
night,nights,2025-01-01,2025-12-31
part,parttime,2025-01-01,
nine,ninedays,2025-01-01,
scot,scotland,2025-01-01,
ulster,ni,2025-01-01,
";

const LEAVE_CSV: &str = "user,date,kind
onleave,2025-06-11,annual_leave
";

/// A visit of exactly 540 s: requests at +0, +4 and +8 minutes, each
/// session ending 60 s after its last request.
fn visit(start: &str, user: &str) -> Vec<String> {
    let t = ms(start);
    [0, 240, 480]
        .iter()
        .map(|s| {
            let at = chrono::DateTime::from_timestamp_millis(t + s * 1000).unwrap();
            line(&at.to_rfc3339(), user, "www.facebook.com")
        })
        .collect()
}

#[test]
fn people_and_leave_files_give_each_person_their_own_hours_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = Vec::new();
    // A change of hours on Thu 12 June: 07:00 BST (06:00 UTC) is outside the
    // default hours on the 11th, working time on the early shift on the 12th.
    lines.extend(visit("2025-06-11T06:00:00Z", "mover"));
    lines.extend(visit("2025-06-12T06:00:00Z", "mover"));
    // A night shift across midnight and the autumn clock change: Sat 25 Oct
    // 23:56 BST to Sun 00:05 BST (22:56–23:05 UTC) is working time of the
    // shift that started on the 25th, and 02:00–02:09 GMT on the 26th, an
    // hour after the clocks went back, is its 02:00–02:30 break.
    lines.extend(visit("2025-10-25T22:56:00Z", "night"));
    lines.extend(visit("2025-10-26T02:00:00Z", "night"));
    // A leave day: Wed 11 June 10:00 BST is outside working time.
    lines.extend(visit("2025-06-11T09:00:00Z", "onleave"));
    // A part-time non-working day: Thu 12 June 10:00 BST.
    lines.extend(visit("2025-06-12T09:00:00Z", "part"));
    // A compressed-week day off: Fri 6 June 2025 is in the rota's second
    // week (week 21 from Mon 6 Jan); Fri 13 June, in the first, is a working day.
    lines.extend(visit("2025-06-13T09:00:00Z", "nine"));
    lines.extend(visit("2025-06-06T09:00:00Z", "nine"));
    // Scottish bank holiday Mon 4 Aug 2025 (summer holiday, first Monday
    // of August), a working day in England; 10:00 BST.
    lines.extend(visit("2025-08-04T09:00:00Z", "scot"));
    lines.extend(visit("2025-08-04T09:00:00Z", "english"));
    // Northern Irish bank holiday Mon 14 July 2025 (Battle of the Boyne,
    // 12 July a Saturday), and Mon 17 March (St Patrick's Day), 10:00 local.
    lines.extend(visit("2025-07-14T09:00:00Z", "ulster"));
    lines.extend(visit("2025-03-17T10:00:00Z", "ulster"));
    let log = write_log(dir.path(), "access.log", &lines);
    let store = dir.path().join("store");
    ingest(&store, &log);
    let (cfg, people, leave) = (
        dir.path().join("c.toml"),
        dir.path().join("people.csv"),
        dir.path().join("leave.csv"),
    );
    std::fs::write(&cfg, PROFILE_CONFIG).unwrap();
    std::fs::write(&people, PEOPLE_CSV).unwrap();
    std::fs::write(&leave, LEAVE_CSV).unwrap();
    let csv = ok(&[
        &"usage",
        &"--config",
        &cfg,
        &"--people",
        &people,
        &"--leave",
        &leave,
        &"--store",
        &store,
        &"--format",
        &"csv",
    ]);
    let who = [
        "mover", "night", "onleave", "part", "nine", "scot", "english", "ulster",
    ];
    let names: BTreeMap<String, &str> = who.iter().map(|u| (pseudonym(&store, u), *u)).collect();
    // (working, break, outside) of the social_media row, by user.
    let got: BTreeMap<&str, [i64; 3]> = csv
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(1) == Some("social_media"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let n = |i: usize| f[i].parse::<i64>().unwrap();
            (names[f[0]], [n(2), n(3), n(4)])
        })
        .collect();
    assert_eq!(
        got,
        BTreeMap::from([
            ("mover", [540, 0, 540]),
            ("night", [540, 540, 0]),
            ("onleave", [0, 0, 540]),
            ("part", [0, 0, 540]),
            ("nine", [540, 0, 540]),
            ("scot", [0, 0, 540]),
            ("english", [540, 0, 0]),
            ("ulster", [0, 0, 1080]),
        ])
    );
}

#[test]
fn a_bad_people_file_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let log = write_log(
        dir.path(),
        "access.log",
        &visit("2025-06-11T09:00:00Z", "a"),
    );
    let store = dir.path().join("store");
    ingest(&store, &log);
    let (cfg, people) = (dir.path().join("c.toml"), dir.path().join("people.csv"));
    std::fs::write(&cfg, PROFILE_CONFIG).unwrap();
    std::fs::write(
        &people,
        "user,schedule,from,to\na,early,2025-06-01,\na,lates,2025-07-01,\n",
    )
    .unwrap();
    let out = run(&[
        &"usage",
        &"--config",
        &cfg,
        &"--people",
        &people,
        &"--store",
        &store,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("people.csv line 3: schedule `lates` is not defined"),
        "{err}"
    );
}

#[test]
fn windows_exports_a_named_night_schedule_across_the_clock_change() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, PROFILE_CONFIG).unwrap();
    // The local day Sat 25 Oct 2025 is 23:00 UTC to 23:00 UTC (BST both
    // ends); its shift runs 22:00 BST (21:00 UTC) to Sun 06:00 GMT, and the
    // 02:00 break is after the clocks went back, at 02:00 UTC.
    let csv = ok(&[
        &"windows",
        &"--config",
        &cfg,
        &"--schedule",
        &"nights",
        &"--from",
        &"2025-10-25",
        &"--to",
        &"2025-10-25",
    ]);
    let rows: Vec<(String, String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_string(), f[4].to_string(), f[5].to_string())
        })
        .collect();
    let r = |k: &str, a: &str, b: &str| (k.to_string(), a.to_string(), b.to_string());
    assert_eq!(
        rows,
        [
            r("day", "2025-10-24T23:00:00Z", "2025-10-25T23:00:00Z"),
            r("working", "2025-10-25T21:00:00Z", "2025-10-26T02:00:00Z"),
            r("break", "2025-10-26T02:00:00Z", "2025-10-26T02:30:00Z"),
            r("working", "2025-10-26T02:30:00Z", "2025-10-26T06:00:00Z"),
        ]
    );
    let bad = run(&[
        &"windows",
        &"--config",
        &cfg,
        &"--schedule",
        &"lates",
        &"--from",
        &"2025-10-25",
        &"--to",
        &"2025-10-25",
    ]);
    assert_eq!(bad.status.code(), Some(2));
}
