//! Issue 26: one hand-made log run under each council's preset gives
//! exactly the flags the policy text implies, each with its clause quoted
//! in its `reason`; scoped designations, the business allow-list, each
//! council's own definition of social media, excessive non-work use, the
//! defaults labelled, the signals per person and the notice before sweeps.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::*;

/// A native Squid line of a decrypted request: `GET url` by `user`.
fn get(time: &str, user: &str, url: &str) -> String {
    let t = ms(time);
    format!(
        "{}.{:03}    120 10.0.0.5 TCP_MISS/200 5120 GET {url} {user} HIER_DIRECT/203.0.113.9 text/html",
        t / 1000,
        t % 1000
    )
}

/// Wed 11 June 2025, UTC; the default day 09:00–17:00 with the break
/// 12:30–13:30 (no preset sets hours). Each visit is someone reading: a
/// request about every minute (gaps alternate 53 and 67 s), so a visit of
/// `n` requests from `t` is `n - 1` minutes plus the 60 s allowance.
///   lunch:     Facebook 12:40–13:01, in the official break
///   desk:      Facebook 10:00–10:21, working time
///   evening:   Facebook 19:00–19:21, outside working hours
///   late:      Facebook 16:05–16:51, a fixed 9–5 worker (Sheffield: no flexitime band)
///   comms:     the council's Facebook page 10:00–10:21 (designated for
///              Facebook from 1 June), and YouTube 14:00–14:41 (not designated)
///   recruiter: LinkedIn Recruiter 10:00–10:31 (business allow-list, team recruitment)
///   shopper:   Amazon 10:00–11:31, 91 minutes of shopping in working time
///   wiki:      Wikipedia 10:00–10:21 (social media to Sheffield and West Dunbartonshire)
///   podcast:   Apple Podcasts 10:00–10:21 (social media to Charnwood and North West Leicestershire)
///   tab:       Facebook 12:40–12:55 in the break, then the tab polls every
///              60 s until 17:00 (background traffic, 245 requests)
///   blocked:   6 denied Facebook requests at 11:00–11:05
///   mobile:    on a phone (10.0.0.31) Facebook 12:40–13:01 in the break
///              and 14:00–15:11 (71 min of working time); on a council PC
///              (10.0.0.21) Facebook 19:00–19:07 (7 min in the evening)
fn rules_log(dir: &Path) -> PathBuf {
    let mut lines = Vec::new();
    let fb = |lines: &mut Vec<String>, start: &str, n: i64, user: &str| {
        lines.extend(reading(start, 60, n, user, "www.facebook.com"));
    };
    fb(&mut lines, "2025-06-11T12:40:00Z", 21, "lunch");
    fb(&mut lines, "2025-06-11T10:00:00Z", 21, "desk");
    fb(&mut lines, "2025-06-11T19:00:00Z", 21, "evening");
    fb(&mut lines, "2025-06-11T16:05:00Z", 46, "late");
    fb(&mut lines, "2025-06-11T10:00:00Z", 21, "comms");
    lines.extend(reading(
        "2025-06-11T14:00:00Z",
        60,
        41,
        "comms",
        "www.youtube.com",
    ));
    let t0 = ms("2025-06-11T10:00:00Z");
    for k in 0..31 {
        // Odd requests 7.5 s early, as `reading` does: a person, not a timer.
        let early = if k % 2 == 1 { 7_500 } else { 0 };
        let t = chrono::DateTime::from_timestamp_millis(t0 + k * 60_000 - early).unwrap();
        lines.push(get(
            &t.to_rfc3339(),
            "recruiter",
            &format!("https://www.linkedin.com/talent/search?page={k}"),
        ));
    }
    lines.extend(reading(
        "2025-06-11T10:00:00Z",
        60,
        91,
        "shopper",
        "www.amazon.co.uk",
    ));
    lines.extend(reading(
        "2025-06-11T10:00:00Z",
        60,
        21,
        "wiki",
        "en.wikipedia.org",
    ));
    lines.extend(reading(
        "2025-06-11T10:00:00Z",
        60,
        21,
        "podcast",
        "podcasts.apple.com",
    ));
    fb(&mut lines, "2025-06-11T12:40:00Z", 15, "tab");
    lines.extend(every(
        "2025-06-11T12:56:00Z",
        60,
        245,
        "tab",
        "www.facebook.com",
    ));
    for k in 0..6 {
        lines.push(denied(
            &format!("2025-06-11T11:0{k}:00Z"),
            "blocked",
            "www.facebook.com",
        ));
    }
    let from = |lines: Vec<String>, ip: &str| -> Vec<String> {
        lines
            .into_iter()
            .map(|l| l.replacen(" 10.0.0.5 ", &format!(" {ip} "), 1))
            .collect()
    };
    let phone = [
        reading("2025-06-11T12:40:00Z", 60, 21, "mobile", "www.facebook.com"),
        reading("2025-06-11T14:00:00Z", 60, 71, "mobile", "www.facebook.com"),
    ]
    .concat();
    lines.extend(from(phone, "10.0.0.31"));
    lines.extend(from(
        reading("2025-06-11T19:00:00Z", 60, 7, "mobile", "www.facebook.com"),
        "10.0.0.21",
    ));
    write_log(dir, "access.log", &lines)
}

/// The DHCP leases of mobile's phone (10.0.0.31) and PC (10.0.0.21),
/// 12:00–22:00 (within the 10 h maximum hold), and the asset register that
/// types them.
fn devices(dir: &Path) -> (PathBuf, PathBuf) {
    let leases = dir.join("dhcpd.leases");
    let lease = |ip: &str, mac: &str| {
        format!(
            "lease {ip} {{\n  starts 3 2025/06/11 12:00:00;\n  ends 3 2025/06/11 22:00:00;\n  hardware ethernet {mac};\n}}\n"
        )
    };
    std::fs::write(
        &leases,
        lease("10.0.0.31", "aa:bb:cc:00:00:31") + &lease("10.0.0.21", "aa:bb:cc:00:00:21"),
    )
    .unwrap();
    let assets = dir.join("assets.csv");
    std::fs::write(
        &assets,
        "device,user,from,to,type\nAA-BB-CC-00-00-31,mobile,2025-01-01,,phone\naa:bb:cc:00:00:21,mobile,2025-01-01,,computer\n",
    )
    .unwrap();
    (leases, assets)
}

const PEOPLE: [&str; 12] = [
    "lunch",
    "desk",
    "evening",
    "late",
    "comms",
    "recruiter",
    "shopper",
    "wiki",
    "podcast",
    "tab",
    "blocked",
    "mobile",
];

/// The designation of `comms` and the allow-list of the recruitment team.
const WORK_USE: &str = "[[policy.designated]]\nname = \"housing-facebook\"\nuser = \"comms\"\n\
sites = [\"facebook\"]\nfrom = \"2025-06-01\"\nto = \"2025-12-31\"\n\
list = \"approved business social media user list\"\n\
[[policy.business]]\nname = \"recruiting\"\nurl_prefixes = [\"https://www.linkedin.com/talent/\"]\n\
teams = [\"recruitment\"]\n[policy.teams]\nrecruitment = [\"recruiter\"]\n";

/// A store holding [`rules_log`], its config (UTC, the designation and
/// the allow-list) and a screening authorisation.
struct Setup {
    _dir: tempfile::TempDir,
    store: PathBuf,
    config: PathBuf,
    screening: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let log = rules_log(dir.path());
    let store = dir.path().join("store");
    ingest(&store, &log);
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("{UTC_CONFIG}{WORK_USE}")).unwrap();
    let (leases, assets) = devices(dir.path());
    identity_import(
        &store,
        &[&"--config", &config, &"--assets", &assets, &leases],
    );
    let screening = crate::common::gate::screening(&store);
    Setup {
        _dir: dir,
        store,
        config,
        screening,
    }
}

/// `flags --format json` under `preset`, with the screening record and a
/// notice: its rows.
fn flags_json(s: &Setup, preset: &str) -> Vec<serde_json::Value> {
    let out = ok(&[
        &"flags",
        &"--policy",
        &preset,
        &"--config",
        &s.config,
        &"--store",
        &s.store,
        &"--format",
        &"json",
        &"--screening",
        &s.screening,
        &"--notice",
        &"NOTICE-2025-06",
    ]);
    serde_json::from_str(&out).unwrap()
}

/// `flags --format json` under `preset`: (user, reason) of each flagged
/// day (all on the 11th), sorted, and the reasons in full.
fn flags(s: &Setup, preset: &str) -> (Vec<(String, String)>, Vec<String>) {
    let rows = flags_json(s, preset);
    let names: BTreeMap<String, &str> = PEOPLE
        .iter()
        .map(|u| (pseudonym(&s.store, u), *u))
        .collect();
    let mut got = Vec::new();
    let mut reasons = Vec::new();
    for r in rows {
        assert_eq!(r["date"], "2025-06-11");
        let reason = r["reason"].as_str().unwrap().to_string();
        let kind = reason.split(':').next().unwrap().to_string();
        got.push((names[r["person"].as_str().unwrap()].to_string(), kind));
        reasons.push(reason);
    }
    got.sort();
    (got, reasons)
}

fn expect(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(u, r)| (u.to_string(), r.to_string()))
        .collect();
    v.sort();
    v
}

/// Every reason is its kind then the preset's clause for it, quoted.
fn assert_quoted(preset: &str, reasons: &[String]) {
    let p = netusage::usage::presets::get(preset).unwrap();
    let quotes = p.quotes();
    for r in reasons {
        let (kind, quote) = r.split_once(": ").unwrap();
        assert_eq!(quote, format!("\"{}\"", quotes[kind]), "{preset}: {r}");
    }
}

#[test]
fn each_preset_flags_exactly_what_its_policy_says_with_the_clause_quoted() {
    let s = setup();
    // Chelmsford 4.1: working time; 6.2: excessive non-work use. The
    // designated officer's Facebook page is work use, her YouTube is not;
    // the recruiter's LinkedIn Recruiter is on the allow-list.
    let (got, reasons) = flags(&s, "chelmsford");
    assert_eq!(
        got,
        expect(&[
            ("comms", "counted"),
            ("desk", "counted"),
            ("late", "counted"),
            ("mobile", "counted"),
            ("shopper", "non_work"),
        ])
    );
    assert_quoted("chelmsford", &reasons);
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("for nonwork purposes when he/she should be working"))
    );
    // Charnwood: working time; podcasts are social media to Charnwood.
    let (got, reasons) = flags(&s, "charnwood");
    assert_eq!(
        got,
        expect(&[
            ("comms", "counted"),
            ("desk", "counted"),
            ("late", "counted"),
            ("mobile", "counted"),
            ("podcast", "counted"),
            ("shopper", "non_work"),
        ])
    );
    assert_quoted("charnwood", &reasons);
    // Sheffield: no flexitime band for a fixed 9–5 worker, so 16:05–16:51
    // is counted; Wikipedia is social networking to Sheffield; 21 min at
    // lunch and 21 in the evening are not excessive.
    let (got, reasons) = flags(&s, "sheffield");
    assert_eq!(
        got,
        expect(&[
            ("comms", "counted"),
            ("desk", "counted"),
            ("late", "counted"),
            ("mobile", "counted"),
            ("shopper", "non_work"),
            ("wiki", "counted"),
        ])
    );
    assert_quoted("sheffield", &reasons);
    // North West Leicestershire: any time on council computers (1.1); the
    // tab's lunchtime read counts, its polling does not; podcasts are social
    // media; mobile's phone is judged by 1.4 (excessive in working hours)
    // and her PC by 1.1.
    let (got, reasons) = flags(&s, "north-west-leicestershire");
    assert_eq!(
        got,
        expect(&[
            ("comms", "counted"),
            ("desk", "counted"),
            ("evening", "counted"),
            ("late", "counted"),
            ("lunch", "counted"),
            ("mobile", "counted"),
            ("mobile", "counted_on_phone"),
            ("podcast", "counted"),
            ("shopper", "non_work"),
            ("tab", "counted"),
        ])
    );
    assert_quoted("north-west-leicestershire", &reasons);
    // West Dunbartonshire: social media on the council's network at any
    // hour (its wikis included); no clause on non-work use.
    let (got, reasons) = flags(&s, "west-dunbartonshire");
    assert_eq!(
        got,
        expect(&[
            ("comms", "counted"),
            ("desk", "counted"),
            ("evening", "counted"),
            ("late", "counted"),
            ("lunch", "counted"),
            ("mobile", "counted"),
            ("tab", "counted"),
            ("wiki", "counted"),
        ])
    );
    assert_quoted("west-dunbartonshire", &reasons);
}

/// `flags --format json` rows of `user` under `preset`: (reason kind,
/// counted_s, working_s, break_s, outside_s).
fn flag_figures(s: &Setup, preset: &str, user: &str) -> Vec<(String, i64, i64, i64, i64)> {
    let me = pseudonym(&s.store, user);
    flags_json(s, preset)
        .iter()
        .filter(|r| r["person"] == me.as_str())
        .map(|r| {
            let n = |k: &str| r[k].as_i64().unwrap();
            let kind = r["reason"].as_str().unwrap().split(':').next().unwrap();
            (
                kind.to_string(),
                n("counted_s"),
                n("working_s"),
                n("break_s"),
                n("outside_s"),
            )
        })
        .collect()
}

#[test]
fn a_phone_and_a_pc_of_one_person_are_each_judged_by_their_own_clause() {
    let s = setup();
    // North West Leicestershire: the PC's 7 min in the evening (19:00–19:07:
    // 6 min of requests plus the 60 s allowance = 420 s) is any time on a
    // council computer (1.1); the phone's 71 min of working time
    // (14:00–15:11 = 4260 s) is over the 60 min of 1.4, its 21 min at lunch
    // (1260 s) not counted.
    let t = |k: &str, c, w, b, o| (k.to_string(), c, w, b, o);
    assert_eq!(
        flag_figures(&s, "north-west-leicestershire", "mobile"),
        [
            t("counted", 420, 0, 0, 420),
            t("counted_on_phone", 4260, 4260, 1260, 0)
        ]
    );
    // The devices clause is quoted in the phone's flag.
    let out = ok(&[
        &"flags",
        &"--policy",
        &"north-west-leicestershire",
        &"--config",
        &s.config,
        &"--store",
        &s.store,
        &"--screening",
        &s.screening,
        &"--notice",
        &"N-1",
    ]);
    assert!(out.contains("counted on phone"), "{out}");
    // A rule the file gives for another type leaves the preset's phone rule
    // in force (the rules merge type by type): the tablet rule finds nothing.
    let config = std::fs::read_to_string(&s.config).unwrap();
    let with = |extra: &str| std::fs::write(&s.config, format!("{config}{extra}")).unwrap();
    with("[policy.devices.tablet]\nmax_working_minutes_per_day = 1\n");
    assert_eq!(
        flag_figures(&s, "north-west-leicestershire", "mobile"),
        [
            t("counted", 420, 0, 0, 420),
            t("counted_on_phone", 4260, 4260, 1260, 0)
        ]
    );
    // Without the phone rule (`main`) every device is judged by 1.1: one
    // finding, 1260 + 4260 + 420 = 5940 s, all of it counted.
    with("[policy.devices.phone]\npersonal_use = \"main\"\n");
    assert_eq!(
        flag_figures(&s, "north-west-leicestershire", "mobile"),
        [t("counted", 5940, 4260, 1260, 420)]
    );
    // Refused, naming the rule: a type the register does not know, a rule
    // with an own-time limit it would not keep, two rules for one type.
    for (extra, why) in [
        (
            "[policy.devices.watch]\nmax_working_minutes_per_day = 5\n",
            "config [policy.devices.watch]: type `watch` is not a device type (it must be computer, phone, tablet",
        ),
        (
            "[policy.devices.phone]\npersonal_use = \"reasonable\"\n",
            "config [policy.devices.phone]: personal_use = \"reasonable\" has an own-time limit a device rule does not keep",
        ),
        (
            "[policy.devices.Phone]\nmax_working_minutes_per_day = 5\n[policy.devices.phone]\nmax_working_minutes_per_day = 120\n",
            "config [policy.devices.phone]: [policy.devices.Phone] is a rule for the same type, phone: give one",
        ),
    ] {
        with(extra);
        let o = run(&[&"flags", &"--config", &s.config, &"--store", &s.store]);
        assert_eq!(o.status.code(), Some(2), "{extra}");
        assert!(stderr(&o).contains(why), "{}", stderr(&o));
    }
    // The same leases imported again with a register that gives no types
    // replace the typed intervals: no phone is known, everything is judged
    // by 1.1 (and the run says the phone rule found no phone); the typed
    // register again brings the phone back.
    with("");
    let dir = s.config.parent().unwrap();
    let (leases, typed) = devices(dir);
    let untyped = dir.join("untyped.csv");
    std::fs::write(
        &untyped,
        "device,user,from,to\naa:bb:cc:00:00:31,mobile,2025-01-01,\naa:bb:cc:00:00:21,mobile,2025-01-01,\n",
    )
    .unwrap();
    let import = |assets: &Path| {
        identity_import(
            &s.store,
            &[&"--config", &s.config, &"--assets", &assets, &leases],
        )
    };
    assert!(import(&untyped).contains("imported again with another asset register"));
    assert_eq!(
        flag_figures(&s, "north-west-leicestershire", "mobile"),
        [t("counted", 5940, 4260, 1260, 420)]
    );
    let o = run(&[
        &"flags",
        &"--policy",
        &"north-west-leicestershire",
        &"--config",
        &s.config,
        &"--store",
        &s.store,
        &"--notice",
        &"N-1",
    ]);
    assert!(
        stderr(&o).contains("note: the policy judges phone by a rule of their own"),
        "{}",
        stderr(&o)
    );
    assert!(import(&typed).contains("imported again"));
    assert!(import(&typed).contains("already imported"));
    assert_eq!(
        flag_figures(&s, "north-west-leicestershire", "mobile").len(),
        2
    );
}

#[test]
fn a_pack_names_the_devices_its_events_came_from() {
    use crate::common::pack::{case, record_for, report};
    // alice reads Facebook from 10.0.0.5 at D 10:00–10:24 (12 requests, the
    // case's), which her phone holds by DHCP, and at 19:00–19:06 from her
    // PC at 10.0.0.21 (4 requests every 120 s: 360 s + 60 s = 420 s).
    let pc: Vec<String> = every(&at(0, "19:00:00"), 120, 4, "alice", "www.facebook.com")
        .into_iter()
        .map(|l| l.replacen(" 10.0.0.5 ", " 10.0.0.21 ", 1))
        .collect();
    let c = case(&pc);
    let (y, m, d) = {
        let t = chrono::NaiveDate::parse_from_str(&day(0), "%Y-%m-%d").unwrap();
        (
            chrono::Datelike::year(&t),
            chrono::Datelike::month(&t),
            chrono::Datelike::day(&t),
        )
    };
    // Leases within the 10 h maximum hold: the phone 09:00–19:00, the PC 18:00–23:00.
    let lease = |ip: &str, mac: &str, from: &str, to: &str| {
        format!(
            "lease {ip} {{\n  starts 1 {y}/{m:02}/{d:02} {from};\n  ends 1 {y}/{m:02}/{d:02} {to};\n  hardware ethernet {mac};\n}}\n"
        )
    };
    let leases = c.root.join("dhcpd.leases");
    std::fs::write(
        &leases,
        lease("10.0.0.5", "aa:bb:cc:00:00:05", "09:00:00", "19:00:00")
            + &lease("10.0.0.21", "aa:bb:cc:00:00:21", "18:00:00", "23:00:00"),
    )
    .unwrap();
    let assets = c.root.join("assets.csv");
    std::fs::write(
        &assets,
        "device,user,from,to,type\naa:bb:cc:00:00:05,alice,2020-01-01,,phone\naa:bb:cc:00:00:21,alice,2020-01-01,,computer\n",
    )
    .unwrap();
    identity_import(
        &c.store,
        &[&"--config", &c.config, &"--assets", &assets, &leases],
    );
    // North West Leicestershire's record says when the employee was told, and why.
    let record = format!(
        "notified_on = {}\nreasons_given = true\n{}",
        day(-2),
        record_for(r#"["alice"]"#)
    );
    let out = report(
        &c,
        &record,
        "nwl",
        &[&"--policy", &"north-west-leicestershire"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let data = c.root.join("nwl/HR-2026-017/data");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["devices"],
        serde_json::json!([
            {"device": "aa:bb:cc:00:00:05", "device_type": "phone", "events": 12, "judged_by": "[policy.devices.phone]"},
            {"device": "aa:bb:cc:00:00:21", "device_type": "computer", "events": 4, "judged_by": "[policy]"}
        ])
    );
    // The phone's 23 min of working time (1380 s) is within 1.4's 60; the
    // PC's 7 min in the evening is over 1.1's none.
    let flagged: Vec<(String, i64)> = summary["flagged_days"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["reason"].as_str().unwrap().to_string(),
                d["counted_s"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(flagged, [("counted".to_string(), 420)]);
    // What each rule counts of the day, apart: the PC's 420 s by 1.1 (any
    // time) and the phone's 1380 s of working time by 1.4.
    let day0 = &summary["social_media_days"][0];
    assert_eq!(
        (
            day0["working_s"].as_i64(),
            day0["outside_s"].as_i64(),
            day0["counted_s"].as_i64()
        ),
        (Some(1380), Some(420), Some(420))
    );
    assert_eq!(
        day0["counted_on_device_s"],
        serde_json::json!({"phone": 1380})
    );
    // Facebook is one site to the pack, its sessions from both devices:
    // 1380 + 420 s.
    let fb: Vec<&serde_json::Value> = summary["sites"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["site"] == "facebook")
        .collect();
    assert_eq!(fb.len(), 1, "{fb:?}");
    assert_eq!(
        (fb[0]["sessions"].as_i64(), fb[0]["seconds"].as_i64()),
        (Some(2), Some(1800))
    );
    let events = std::fs::read_to_string(data.join("events.csv")).unwrap();
    let header: Vec<&str> = events.lines().next().unwrap().split(',').collect();
    assert_eq!(header[header.len() - 2..], ["device", "device_type"]);
    assert_eq!(
        events
            .lines()
            .filter(|l| l.ends_with(",aa:bb:cc:00:00:05,phone"))
            .count(),
        12
    );
    // Each session names the device its requests came from.
    let sessions = std::fs::read_to_string(data.join("sessions.csv")).unwrap();
    assert!(
        sessions
            .lines()
            .next()
            .unwrap()
            .ends_with(",devices,attribution")
    );
    let mut by_device: Vec<&str> = sessions
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').nth(1).unwrap())
        .collect();
    by_device.sort_unstable();
    assert_eq!(by_device, ["aa:bb:cc:00:00:05", "aa:bb:cc:00:00:21"]);
    let html = std::fs::read_to_string(data.join("report.html")).unwrap();
    assert!(
        html.contains("<code>aa:bb:cc:00:00:21</code></td><td>computer</td><td class=\"n\">4</td>"),
        "devices table"
    );
}

/// `usage --format csv` rows of `user` under Chelmsford: category →
/// (working_s, total_s).
fn usage_of(s: &Setup, user: &str) -> BTreeMap<String, (i64, i64)> {
    let csv = ok(&[
        &"usage",
        &"--policy",
        &"chelmsford",
        &"--config",
        &s.config,
        &"--store",
        &s.store,
        &"--format",
        &"csv",
    ]);
    let me = pseudonym(&s.store, user);
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[0] == me)
        .map(|f| {
            (
                f[1].to_string(),
                (f[2].parse().unwrap(), f[5].parse().unwrap()),
            )
        })
        .collect()
}

#[test]
fn designated_and_allowed_use_is_shown_apart_and_never_counted() {
    let s = setup();
    // Facebook 10:00–10:21 (20 min 60 s + 60 s allowance = 21 min) is the
    // designation's; YouTube 14:00–14:41 is hers, counted as anyone's.
    let comms = usage_of(&s, "comms");
    assert_eq!(comms["designated:housing-facebook"], (1260, 1260));
    assert_eq!(comms["video_sharing"], (2460, 2460));
    assert_eq!(comms["social_media"], (2460, 2460));
    assert!(!comms.contains_key("social_networking"), "{comms:?}");
    // LinkedIn Recruiter 10:00–10:31, a request a minute: work use.
    let recruiter = usage_of(&s, "recruiter");
    assert_eq!(
        recruiter.get("work:recruiting"),
        Some(&(1860, 1860)),
        "{recruiter:?}"
    );
    assert_eq!(recruiter["social_media"], (0, 0));
    // Without the designation and the allow-list, both are social media.
    std::fs::write(&s.config, UTC_CONFIG).unwrap();
    assert_eq!(usage_of(&s, "recruiter")["social_media"], (1860, 1860));
    assert_eq!(
        usage_of(&s, "comms")["social_media"],
        (1260 + 2460, 1260 + 2460)
    );
}

#[test]
fn policy_show_lists_every_clause_quoted_and_every_default_named() {
    for p in netusage::usage::presets::all() {
        let out = ok(&[&"policy", &"show", &p.name]);
        assert!(out.contains(&format!("\"{}\"", p.clause)), "{out}");
        for c in &p.clauses {
            assert!(
                out.contains(&format!("\"{}\"", c.quote)),
                "{}: {}",
                p.name,
                c.topic
            );
        }
        for d in &p.defaults {
            assert!(out.contains(d.as_str()) && d.contains("default"), "{d}");
        }
        assert!(
            out.contains(
                "Schedule it will use: Monday to Friday 09:00–17:00, official break 12:30–13:30"
            ),
            "{out}"
        );
        assert!(
            out.contains("- schedule.working_hours: default 09:00–17:00"),
            "{out}"
        );
        assert!(
            out.contains("- schedule.breaks: default 12:30–13:30"),
            "{out}"
        );
    }
    let sheffield = ok(&[&"policy", &"show", &"sheffield"]);
    assert!(sheffield.contains("Social media: categories blogging, file_sharing, forums, messaging, microblogging, photo_sharing, social_networking, video_sharing, webmail; sites wikimedia."), "{sheffield}");
    assert!(!sheffield.contains("core hours 10:00"), "{sheffield}");
    let wd = ok(&[&"policy", &"show", &"west-dunbartonshire"]);
    assert!(wd.contains("Excessive non-work use: no finding"), "{wd}");
}

#[test]
fn signals_are_shown_per_person_in_usage_and_flags() {
    let s = setup();
    let args = |cmd: &'static str, preset: &'static str| {
        ok(&[
            &cmd,
            &"--policy",
            &preset,
            &"--config",
            &s.config,
            &"--store",
            &s.store,
            &"--notice",
            &"NOTICE-2025-06",
        ])
    };
    let (tab, blocked) = (pseudonym(&s.store, "tab"), pseudonym(&s.store, "blocked"));
    // The tab polled every 60 s from 12:56 to 16:59: 245 requests; six
    // Facebook requests were denied.
    let flags = args("flags", "north-west-leicestershire");
    assert!(
        flags.contains(&format!(
            "{blocked}: 6 denied request(s), 0 request(s) of tabs left polling"
        )),
        "{flags}"
    );
    assert!(
        flags.contains(&format!(
            "{tab}: 0 denied request(s), 245 request(s) of tabs left polling"
        )),
        "{flags}"
    );
    // Flags say which designation and allow-list entry applied, per person.
    assert!(
        flags.contains(&format!(
            "{}: 21.0 min designated:housing-facebook; {}: 31.0 min work:recruiting.",
            pseudonym(&s.store, "comms"),
            pseudonym(&s.store, "recruiter")
        )) || flags.contains(&format!(
            "{}: 31.0 min work:recruiting; {}: 21.0 min designated:housing-facebook.",
            pseudonym(&s.store, "recruiter"),
            pseudonym(&s.store, "comms")
        )),
        "{flags}"
    );
    let usage = args("usage", "west-dunbartonshire");
    let line = |who: &str| {
        usage
            .lines()
            .find(|l| l.contains(who))
            .unwrap()
            .split('|')
            .map(str::trim)
            .collect::<Vec<_>>()
    };
    // person, working, break, outside, total, flagged days, blocked, polling, policy
    assert_eq!(line(&tab)[6..], ["0", "245", "FLAGGED"]);
    assert_eq!(line(&blocked)[6..], ["6", "0", ""]);
    // No preset sets hours: every output says the day is netusage's default.
    assert!(
        usage.contains("note: schedule.working_hours, schedule.breaks, schedule.working_days not set by the configuration or the west-dunbartonshire preset: netusage's defaults are in force (working hours 09:00–17:00, breaks 12:30–13:30, days Mon, Tue, Wed, Thu, Fri)"),
        "{usage}"
    );
    assert!(flags.contains("note: schedule.working_hours"), "{flags}");
    let o = run(&[
        &"flags",
        &"--policy",
        &"chelmsford",
        &"--config",
        &s.config,
        &"--store",
        &s.store,
        &"--format",
        &"csv",
    ]);
    assert!(
        stderr(&o).contains(
            "note: schedule.working_hours, schedule.breaks, schedule.working_days not set"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_sweep_under_north_west_leicestershire_needs_the_notice_it_relies_on() {
    let s = setup();
    let o = run(&[
        &"flags",
        &"--policy",
        &"north-west-leicestershire",
        &"--config",
        &s.config,
        &"--store",
        &s.store,
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        stderr(&o).contains("will endeavour to inform an affected employee when this is to happen"),
        "{}",
        stderr(&o)
    );
    ok(&[
        &"flags",
        &"--policy",
        &"north-west-leicestershire",
        &"--config",
        &s.config,
        &"--store",
        &s.store,
        &"--notice",
        &"HR notice 2025-06-02",
    ]);
    let entries = audit_entries(&s.store);
    let last = entries.last().unwrap();
    assert_eq!(
        last["details"]["notice"]["reference"],
        "HR notice 2025-06-02"
    );
    let refused = &entries[entries.len() - 2];
    assert!(
        refused["result"]
            .as_str()
            .unwrap()
            .starts_with("refused: the north-west-leicestershire policy asks"),
        "{refused}"
    );
}

#[test]
fn a_charnwood_pack_holds_only_the_records_of_working_time() {
    use crate::common::pack::{case, record_for, report};
    // alice: the case's 12 Facebook requests from D 10:00 (working time),
    // then 3 at lunch (12:40, 12:42, 12:44) and 4 in the evening (19:00 …
    // 19:06): 19 events in all.
    let mut extra = every(&at(0, "12:40:00"), 120, 3, "alice", "www.facebook.com");
    extra.extend(every(
        &at(0, "19:00:00"),
        120,
        4,
        "alice",
        "www.facebook.com",
    ));
    let c = case(&extra);
    let read = |dir: &str, file: &str| -> serde_json::Value {
        let reference = if dir == "plain" {
            "HR-2026-017"
        } else {
            "HR-2026-018"
        };
        let p = c.root.join(dir).join(reference).join("data").join(file);
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    };
    let out = report(&c, &record_for(r#"["alice"]"#), "plain", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read("plain", "summary.json")["events"], 19);
    // Charnwood's authorisation is its Electronically Collected Data Checklist.
    let record = format!(
        "checklist_reference = \"ECDC-2026-11\"\n{}",
        record_for(r#"["alice"]"#).replace("HR-2026-017", "HR-2026-018")
    );
    let out = report(&c, &record, "charnwood", &[&"--policy", &"charnwood"]);
    assert!(out.status.success(), "{}", stderr(&out));
    ok(&[&"verify", &c.root.join("charnwood/HR-2026-018")]);
    assert_eq!(read("charnwood", "summary.json")["events"], 12);
    let method = read("charnwood", "method.json");
    assert_eq!(
        method["records_released"]["quote"],
        "to provide records relating to employee's internet usage during working time"
    );
    assert_eq!(
        method["social_media_sites"],
        serde_json::json!(["apple-podcasts"])
    );
    assert_eq!(
        method["social_media_definition"]["quote"],
        "Social networking sites for example Facebook, Myspace and Bebo"
    );
}
