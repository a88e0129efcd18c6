//! Browse time end to end: hand-made Squid logs, `usage --format csv`, and
//! exact seconds worked out by hand in each test's comment.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::*;

/// Ingests `lines` into a fresh store and returns the usage CSV rows keyed by
/// (user, category) with the numeric columns, plus the flagged column.
fn usage(lines: &[String], config: Option<&str>) -> BTreeMap<(String, String), (Vec<i64>, bool)> {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(dir.path(), "access.log", lines);
    let cfg = dir.path().join("config.toml");
    if let Some(c) = config {
        std::fs::write(&cfg, c).unwrap();
        ingest_as_of(&store, TEST_NOW, &[&"--config", &cfg], &log);
    } else {
        ingest(&store, &log);
    }
    let csv = usage_csv(&store, config.map(|_| cfg.as_path()));
    parse(&csv, &store)
}

/// Rows of a `usage --format csv` text keyed by (user, category), the
/// user told from the pseudonyms of the test users in `store`.
fn parse(csv: &str, store: &Path) -> BTreeMap<(String, String), (Vec<i64>, bool)> {
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "person,category,working_s,break_s,outside_s,total_s,sessions,blocked,background,flagged"
        )
    );
    let users = [
        "alice", "bob", "carol", "dave", "erin", "frank", "gina", "harry",
    ];
    let names: BTreeMap<String, &str> = users.iter().map(|u| (pseudonym(store, u), *u)).collect();
    lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            let user = names
                .get(f[0])
                .unwrap_or_else(|| panic!("unknown pseudonym {}", f[0]));
            let nums = f[2..8].iter().map(|x| x.parse::<i64>().unwrap()).collect();
            ((user.to_string(), f[1].to_string()), (nums, f[9] == "true"))
        })
        .collect()
}

/// The numeric columns of the row of `user` and category `cat`.
fn row(u: &BTreeMap<(String, String), (Vec<i64>, bool)>, user: &str, cat: &str) -> Vec<i64> {
    u.get(&(user.to_string(), cat.to_string()))
        .unwrap_or_else(|| panic!("no row {user}/{cat} in {u:?}"))
        .0
        .clone()
}

#[test]
fn session_across_the_start_of_lunch() {
    // Wed 2025-06-11, BST. Requests 12:20, 12:24, 12:28, 12:32 local (11:20Z …):
    // one session 12:20–12:33 = 780 s; 12:20–12:30 working (600 s), 12:30–12:33 break (180 s).
    let u = usage(
        &every("2025-06-11T11:20:00Z", 240, 4, "alice", "www.facebook.com"),
        None,
    );
    //                                         working break outside total sessions blocked
    assert_eq!(
        row(&u, "alice", "social_networking"),
        [600, 180, 0, 780, 1, 0]
    );
    assert_eq!(row(&u, "alice", "social_media"), [600, 180, 0, 780, 1, 0]);
    assert_eq!(u.len(), 2);
}

#[test]
fn idle_gap_of_exactly_300_s_continues_and_301_s_splits() {
    // Saturday 2025-06-14: all outside working hours.
    // bob: 10:00:00 and 10:05:00 (gap 300 s) → one session 10:00:00–10:06:00 = 360 s.
    // carol: 10:00:00 and 10:05:01 (gap 301 s) → two sessions of 60 s = 120 s.
    let mut lines = vec![
        line("2025-06-14T10:00:00Z", "bob", "www.reddit.com"),
        line("2025-06-14T10:05:00Z", "bob", "www.reddit.com"),
    ];
    lines.push(line("2025-06-14T10:00:00Z", "carol", "www.reddit.com"));
    lines.push(line("2025-06-14T10:05:01Z", "carol", "www.reddit.com"));
    let u = usage(&lines, None);
    assert_eq!(row(&u, "bob", "forums"), [0, 0, 360, 360, 1, 0]);
    assert_eq!(row(&u, "carol", "forums"), [0, 0, 120, 120, 2, 0]);
}

#[test]
fn two_social_sites_open_at_once_count_once() {
    // Wed 2025-06-11 10:00 BST (09:00Z), working time.
    // facebook 09:00, 09:02 → [09:00, 09:03] = 180 s; x.com 09:01, 09:03 → [09:01, 09:04] = 180 s.
    // social_media is the union [09:00, 09:04] = 240 s, not 360 s; it holds both sessions.
    let lines = vec![
        line("2025-06-11T09:00:00Z", "dave", "www.facebook.com"),
        line("2025-06-11T09:01:00Z", "dave", "x.com"),
        line("2025-06-11T09:02:00Z", "dave", "www.facebook.com"),
        line("2025-06-11T09:03:00Z", "dave", "x.com"),
    ];
    let u = usage(&lines, None);
    assert_eq!(row(&u, "dave", "social_networking"), [180, 0, 0, 180, 1, 0]);
    assert_eq!(row(&u, "dave", "microblogging"), [180, 0, 0, 180, 1, 0]);
    assert_eq!(row(&u, "dave", "social_media"), [240, 0, 0, 240, 2, 0]);
}

#[test]
fn embedded_only_session_is_not_browse_time() {
    // A BBC page at 09:00Z loading the Facebook widget (connect.facebook.net) at 09:00 and 09:01:
    // the widget session is embedded-only, so no social time; news gets [09:00, 09:01] = 60 s.
    let lines = vec![
        line("2025-06-11T09:00:00Z", "erin", "www.bbc.co.uk"),
        line("2025-06-11T09:00:01Z", "erin", "connect.facebook.net"),
        line("2025-06-11T09:01:00Z", "erin", "connect.facebook.net"),
    ];
    let u = usage(&lines, None);
    assert_eq!(row(&u, "erin", "news"), [60, 0, 0, 60, 1, 0]);
    assert!(!u.contains_key(&("erin".into(), "social_networking".into())));
    assert_eq!(row(&u, "erin", "social_media"), [0, 0, 0, 0, 0, 0]);
}

#[test]
fn session_across_midnight() {
    // Fri 2025-06-13 23:58 BST (22:58Z) to Sat 00:04 BST, requests every 120 s (4 of them:
    // 22:58, 23:00, 23:02, 23:04Z) → [22:58, 23:05] = 420 s, all outside working hours.
    let u = usage(
        &every("2025-06-13T22:58:00Z", 120, 4, "frank", "www.youtube.com"),
        None,
    );
    assert_eq!(row(&u, "frank", "video_sharing"), [0, 0, 420, 420, 1, 0]);
    // The same split by local day: 120 s on Friday, 300 s on Saturday.
    use netusage::usage::schedule::Plan;
    let s = netusage::usage::schedule::Schedule::default_uk();
    let mut days = BTreeMap::new();
    s.split_by_day(
        ms("2025-06-13T22:58:00Z"),
        ms("2025-06-13T23:05:00Z"),
        &mut days,
    );
    let outside: Vec<(String, i64)> = days
        .iter()
        .map(|(d, x)| (d.to_string(), x.outside_ms))
        .collect();
    assert_eq!(
        outside,
        [
            ("2025-06-13".to_string(), 120_000),
            ("2025-06-14".to_string(), 300_000)
        ]
    );
}

/// A Sunday schedule whose working hours straddle the 01:00 UTC clock change.
const SUNDAY_NIGHT: &str = r#"
[schedule]
working_days = ["Sun"]
working_hours = ["00:30", "02:30"]
breaks = []
bank_holidays = "none"
"#;

#[test]
fn last_sunday_of_march_clocks_go_forward() {
    // Sun 2025-03-30: 00:30 GMT = 00:30Z; 02:30 BST = 01:30Z, so working time is 3600 s.
    // Requests about every 240 s from 00:00Z, 45 of them (last 02:56Z): session [00:00, 02:57] = 10620 s.
    let u = usage(
        &reading("2025-03-30T00:00:00Z", 240, 45, "alice", "www.facebook.com"),
        Some(SUNDAY_NIGHT),
    );
    assert_eq!(
        row(&u, "alice", "social_networking"),
        [3600, 0, 7020, 10620, 1, 0]
    );
}

#[test]
fn last_sunday_of_october_clocks_go_back() {
    // Sun 2025-10-26: 00:30 BST = 23:30Z on the 25th; 02:30 GMT = 02:30Z: a 3-hour working window.
    // Session [00:00Z, 02:57Z] = 10620 s: 00:00–02:30Z working (9000 s), 1620 s outside.
    let u = usage(
        &reading("2025-10-26T00:00:00Z", 240, 45, "alice", "www.facebook.com"),
        Some(SUNDAY_NIGHT),
    );
    assert_eq!(
        row(&u, "alice", "social_networking"),
        [9000, 0, 1620, 10620, 1, 0]
    );
}

#[test]
fn bank_holiday_is_outside_working_time() {
    // Mon 2025-05-05 is the Early May bank holiday; Tue 2025-05-06 is a working day.
    // Each day: requests 10:00 and 10:04 BST (09:00Z, 09:04Z) → 300 s.
    let mut lines = every("2025-05-05T09:00:00Z", 240, 2, "bob", "www.facebook.com");
    lines.extend(every(
        "2025-05-06T09:00:00Z",
        240,
        2,
        "bob",
        "www.facebook.com",
    ));
    let u = usage(&lines, None);
    assert_eq!(
        row(&u, "bob", "social_networking"),
        [300, 0, 300, 600, 2, 0]
    );
}

#[test]
fn denied_request_is_blocked_not_browse_time() {
    let lines = vec![
        denied("2025-06-11T09:00:00Z", "gina", "www.facebook.com"),
        line("2025-06-11T09:30:00Z", "gina", "www.gov.uk"),
    ];
    let u = usage(&lines, None);
    assert_eq!(row(&u, "gina", "social_networking"), [0, 0, 0, 0, 0, 1]);
    assert_eq!(row(&u, "gina", "social_media"), [0, 0, 0, 0, 0, 1]);
    assert_eq!(row(&u, "gina", "government"), [60, 0, 0, 60, 1, 0]);
}

#[test]
fn policy_flags_more_than_15_working_minutes_a_day() {
    // harry: Wed 2025-06-11, facebook every 120 s from 09:00Z, 11 requests (last 09:20Z):
    // session [09:00, 09:21] = 1260 s of working time > 900 s → flagged on 2025-06-11.
    // alice: x.com every 120 s from 09:00Z, 7 requests (last 09:12Z): [09:00, 09:13] = 780 s → not flagged.
    let mut lines = every("2025-06-11T09:00:00Z", 120, 11, "harry", "www.facebook.com");
    lines.extend(every("2025-06-11T09:00:00Z", 120, 7, "alice", "x.com"));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(dir.path(), "a.log", &lines);
    ingest(&store, &log);
    let u = parse(
        &ok(&[&"usage", &"--store", &store, &"--format", &"csv"]),
        &store,
    );
    assert_eq!(
        u[&("harry".into(), "social_media".into())],
        (vec![1260, 0, 0, 1260, 1, 0], true)
    );
    assert_eq!(
        u[&("alice".into(), "social_media".into())],
        (vec![780, 0, 0, 780, 1, 0], false)
    );
    let flags = ok(&[&"flags", &"--store", &store, &"--format", &"csv"]);
    let harry = pseudonym(&store, "harry");
    // Gaps of 120 s keep one session under every idle timeout of the
    // sensitivity set (2, 5, 10 min): 1260 s each time; counting 60 s per
    // request gives 11 × 60 = 660 s, under the limit: marginal.
    assert_eq!(
        flags,
        format!(
            "person,date,counted_s,limit_s,working_s,break_s,outside_s,flagged_days,blocked,background,min_counted_s,max_counted_s,finding,reason\n\
             {harry},2025-06-11,1260,900,1260,0,0,1,0,0,660,1260,marginal,counted\n"
        )
    );
    // --from/--to select local dates: the day before holds nothing.
    let none = ok(&[
        &"flags",
        &"--store",
        &store,
        &"--format",
        &"csv",
        &"--from",
        &"2025-06-10",
        &"--to",
        &"2025-06-10",
    ]);
    assert_eq!(
        none,
        "person,date,counted_s,limit_s,working_s,break_s,outside_s,flagged_days,blocked,background,min_counted_s,max_counted_s,finding,reason\n"
    );
}

#[test]
fn realm_and_encoding_variants_are_one_person() {
    // With CORP and corp.local configured as the organisation's own realms,
    // CORP%5Calice and alice@corp.local are alice: one session of [09:00, 09:03] = 180 s.
    let lines = vec![
        line("2025-06-11T09:00:00Z", "CORP%5CAlice", "www.facebook.com"),
        line(
            "2025-06-11T09:02:00Z",
            "alice@corp.local",
            "www.facebook.com",
        ),
    ];
    let u = usage(
        &lines,
        Some("[identity]\nlocal_realms = [\"CORP\", \"corp.local\"]\n"),
    );
    assert_eq!(
        row(&u, "alice", "social_networking"),
        [180, 0, 0, 180, 1, 0]
    );
}

#[test]
fn a_flag_that_holds_under_every_idle_timeout_is_robust_and_one_that_needs_10_minutes_is_marginal()
{
    // Idle timeout 10 min in the config; the sensitivity set adds 2 and 5.
    // Wed 11 June 2025 (UTC, working 09:00–17:00): facebook every 60 s from
    // 10:00, 30 requests: one session 10:00–10:30 under every timeout,
    // 1800 s of working time > 900 s: robust.
    // Thu 12 June: facebook every 7 min from 10:00, 5 requests. With 10 min:
    // one session 10:00–10:29 = 1740 s, flagged. With 2 or 5 min: five
    // one-request sessions of 60 s = 300 s, under the limit: marginal.
    // Counting 60 s per request: 1800 s on the 11th (the minutes touch),
    // 300 s on the 12th.
    let mut lines = every("2025-06-11T10:00:00Z", 60, 30, "dbrown", "www.facebook.com");
    lines.extend(every(
        "2025-06-12T10:00:00Z",
        420,
        5,
        "dbrown",
        "www.facebook.com",
    ));
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(dir.path(), "access.log", &lines);
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!("{UTC_CONFIG}[browse_time]\nidle_timeout_s = 600\n"),
    )
    .unwrap();
    ingest_as_of(&store, TEST_NOW, &[&"--config", &cfg], &log);
    let csv = ok(&[
        &"flags",
        &"--config",
        &cfg,
        &"--store",
        &store,
        &"--format",
        &"csv",
    ]);
    let p = pseudonym(&store, "dbrown");
    assert_eq!(
        csv,
        format!(
            "person,date,counted_s,limit_s,working_s,break_s,outside_s,flagged_days,blocked,background,min_counted_s,max_counted_s,finding,reason\n\
             {p},2025-06-11,1800,900,1800,0,0,2,0,0,1800,1800,robust,counted\n\
             {p},2025-06-12,1740,900,1740,0,0,2,0,0,300,1740,marginal,counted\n"
        )
    );
    let table = ok(&[&"flags", &"--config", &cfg, &"--store", &store]);
    assert!(
        table.contains(
            "(idle 2 min, idle 5 min, idle 10 min, 60 s per request, distinct active minutes)"
        ),
        "{table}"
    );
}

#[test]
fn scottish_and_northern_irish_bank_holidays_are_outside_working_time_on_their_calendars() {
    // Mon 17 March 2025 is St Patrick's Day (Northern Ireland only); Mon
    // 1 December 2025 is the substitute for St Andrew's Day (Sunday 30
    // November; Scotland only). Both in GMT: requests at 10:00 and 10:04 →
    // one session of 300 s each day.
    let mut lines = every("2025-03-17T10:00:00Z", 240, 2, "bob", "www.facebook.com");
    lines.extend(every(
        "2025-12-01T10:00:00Z",
        240,
        2,
        "bob",
        "www.facebook.com",
    ));
    let on = |calendar: &str| {
        let u = usage(
            &lines,
            Some(&format!("[schedule]\nbank_holidays = \"{calendar}\"\n")),
        );
        row(&u, "bob", "social_networking")
    };
    // [working, break, outside, total, sessions, blocked]
    assert_eq!(on("england-and-wales"), [600, 0, 0, 600, 2, 0]);
    assert_eq!(on("northern-ireland"), [300, 0, 300, 600, 2, 0]);
    assert_eq!(on("scotland"), [300, 0, 300, 600, 2, 0]);
}

#[test]
fn a_day_outside_the_bank_holiday_years_is_refused_not_counted_as_an_ordinary_day() {
    // An archived 2014 log, ingested as of 2014: bank holidays are known for
    // 2015–2035 only, so its days cannot be split on a holiday calendar.
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(
        dir.path(),
        "old.log",
        &every("2014-05-05T09:00:00Z", 60, 3, "bob", "www.facebook.com"),
    );
    ingest_as_of(&store, "2014-06-01T00:00:00Z", &[], &log);
    let out = run(&[&"usage", &"--store", &store]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "2014-05-05 is outside the years whose bank holidays netusage knows (2015–2035)"
        ),
        "{err}"
    );
    // With no calendar the day is analysed as an ordinary Monday: 10:00–10:03
    // BST is working time (though 5 May 2014 was the Early May bank holiday).
    let cfg = dir.path().join("none.toml");
    std::fs::write(&cfg, "[schedule]\nbank_holidays = \"none\"\n").unwrap();
    let csv = ok(&[
        &"usage",
        &"--store",
        &store,
        &"--config",
        &cfg,
        &"--format",
        &"csv",
    ]);
    let p = pseudonym(&store, "bob");
    assert!(
        csv.contains(&format!("{p},social_networking,180,0,0,180,1,0,0,false")),
        "{csv}"
    );
}
