//! Attribution of events logged with only an address, end to end: identity
//! files imported after the log, exact seconds per person from `usage`.

use std::path::{Path, PathBuf};

use crate::common::pack::Record;
use crate::common::*;

/// A Windows Security event as Event Viewer exports it.
fn event(id: u32, time: &str, user: &str, logon_id: &str, ip: &str) -> String {
    format!(
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>{id}</EventID><TimeCreated SystemTime="{time}"/><Channel>Security</Channel></System><EventData><Data Name="TargetUserName">{user}</Data><Data Name="TargetDomainName">CORP</Data><Data Name="TargetLogonId">{logon_id}</Data><Data Name="LogonType">3</Data><Data Name="IpAddress">{ip}</Data></EventData></Event>"#
    )
}

/// Writes [`UTC_CONFIG`] to `c.toml` beside `store`; returns its path.
fn config(store: &Path) -> PathBuf {
    let p = store.parent().unwrap().join("c.toml");
    std::fs::write(&p, UTC_CONFIG).unwrap();
    p
}

#[test]
fn an_address_is_attributed_to_whoever_held_it_and_an_import_after_ingest_changes_usage() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fb = "www.facebook.com";
    // Wed 11 June 2025, UTC; every event from 10.0.0.5 without a user, but
    // carol's from 10.0.0.6.
    let mut lines = vec![line("2025-06-11T08:30:00Z", "-", fb)]; // before any logon
    lines.extend(every("2025-06-11T10:00:00Z", 60, 21, "-", fb)); // jsmith: 1260 s
    lines.push(line("2025-06-11T12:30:00Z", "-", fb)); // after jsmith's logoff
    lines.extend(every("2025-06-11T14:00:00Z", 60, 11, "-", fb)); // akhan: 660 s
    lines.extend(every("2025-06-11T16:20:00Z", 60, 11, "-", fb)); // akhan and bob at once
    lines.push(line("2025-06-11T17:30:00Z", "-", fb)); // bob: 60 s
    lines.push(line("2025-06-11T10:30:00Z", "-", fb).replace("10.0.0.5", "10.0.0.6")); // carol
    lines.push(line("2025-06-11T10:05:00Z", "dave", fb)); // logged at jsmith's address: a conflict
    let log = write_log(root, "firewall.log", &lines);
    let store = root.join("store");
    ingest(&store, &log);
    let ip5 = pseudonym(&store, "ip:10.0.0.5");
    assert_eq!(
        social_seconds(&store, &config(&store)).get(&ip5),
        Some(&(60 + 1260 + 60 + 660 + 660 + 60))
    );

    // Logons: jsmith 09:00 to his logoff at 12:00; akhan 13:00 to 17:00.
    let xml = [
        event(
            4624,
            "2025-06-11T09:00:00.1234567Z",
            "JSmith",
            "0x1",
            "10.0.0.5",
        ),
        event(4634, "2025-06-11T12:00:00Z", "JSmith", "0x1", "-"),
        event(
            4624,
            "2025-06-11T13:00:00Z",
            "akhan",
            "0x2",
            "::ffff:10.0.0.5",
        ),
        event(4634, "2025-06-11T17:00:00Z", "akhan", "0x2", "-"),
    ]
    .join("\n");
    let events = root.join("security.xml");
    std::fs::write(&events, xml).unwrap();
    // A VPN-style CSV: bob held 10.0.0.5 from 16:00 to 18:00.
    let csv = root.join("vpn.csv");
    std::fs::write(
        &csv,
        "ip,user,from,to\n10.0.0.5,bob,2025-06-11T16:00:00Z,2025-06-11T18:00:00Z\n",
    )
    .unwrap();
    // carol's laptop leased 10.0.0.6 09:00–10:00, renewed at 10:00 to 11:00.
    let leases = root.join("dhcpd.leases");
    std::fs::write(
        &leases,
        "lease 10.0.0.6 {\n  starts 3 2025/06/11 09:00:00;\n  ends 3 2025/06/11 10:00:00;\n  hardware ethernet aa:bb:cc:00:11:22;\n}\n\
         lease 10.0.0.6 {\n  starts 3 2025/06/11 10:00:00;\n  ends 3 2025/06/11 11:00:00;\n  hardware ethernet aa:bb:cc:00:11:22;\n}\n",
    )
    .unwrap();
    let assets = root.join("assets.csv");
    std::fs::write(
        &assets,
        "device,user,from,to\nAA-BB-CC-00-11-22,carol,2025-01-01,\n",
    )
    .unwrap();
    let c = config(&store);
    let out = identity_import(
        &store,
        &[
            &"--config",
            &c,
            &"--assets",
            &assets,
            &events,
            &csv,
            &leases,
        ],
    );
    assert!(
        out.contains("windows-events") && out.contains("dhcpd-leases"),
        "{out}"
    );

    let got = social_seconds(&store, &config(&store));
    let who = |u: &str| got.get(&pseudonym(&store, u)).copied();
    assert_eq!(
        who("jsmith"),
        Some(1260),
        "CORP\\JSmith normalised to jsmith"
    );
    assert_eq!(who("akhan"), Some(660));
    assert_eq!(who("bob"), Some(60));
    assert_eq!(
        who("carol"),
        Some(60),
        "the renewal extended the lease past 10:30"
    );
    // Left at the address: before any logon, after the logoff, and the
    // overlap of akhan and bob (ambiguous: attributed to neither).
    assert_eq!(who("ip:10.0.0.5"), Some(60 + 60 + 660));
    assert_eq!(who("ip:10.0.0.6"), None);

    // Coverage: per person and day how their events were attributed, and
    // the firewall log's silences of 30 minutes or more in working hours
    // (09:00–17:00 UTC).
    let json = ok(&[
        &"usage",
        &"--coverage",
        &"--config",
        &c,
        &"--store",
        &store,
        &"--format",
        &"json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let day_of = |who: &str| {
        v["coverage"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["person"] == pseudonym(&store, who).as_str())
            .cloned()
            .unwrap()
    };
    let xml_source = &sha256_hex(&std::fs::read(&events).unwrap())[..16];
    assert_eq!(day_of("jsmith")["identity"], 21);
    assert_eq!(
        day_of("jsmith")["identity_sources"],
        format!("{xml_source}:21").as_str()
    );
    assert_eq!(day_of("jsmith")["logged"], 0);
    assert_eq!(
        (
            day_of("dave")["logged"].as_u64(),
            day_of("dave")["conflicts"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(day_of("jsmith")["conflicts"], 0);
    let left = day_of("ip:10.0.0.5");
    assert_eq!(
        (
            left["events"].as_u64(),
            left["ambiguous"].as_u64(),
            left["unattributed"].as_u64()
        ),
        (Some(13), Some(11), Some(2))
    );
    let gaps: Vec<(String, String, i64)> = v["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["start_utc"].as_str().unwrap()[11..16].to_string(),
                g["end_utc"].as_str().unwrap()[11..16].to_string(),
                g["minutes"].as_i64().unwrap(),
            )
        })
        .collect();
    let g = |a: &str, b: &str, m: i64| (a.to_string(), b.to_string(), m);
    assert_eq!(
        gaps,
        [
            g("09:00", "10:00", 60),
            g("10:30", "12:30", 120),
            g("12:30", "14:00", 90),
            g("14:10", "16:20", 130),
            g("16:30", "17:00", 30)
        ]
    );

    // The audit log records each import with the file's SHA-256 (an entry
    // of its own, inside its run's opening and closing entries).
    let audit = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    let imports = audit_entries(&store)
        .iter()
        .filter(|e| e["command"] == "identity import" && e["details"]["source"].is_string())
        .count();
    assert_eq!(imports, 3, "{audit}");
    assert!(audit.contains(&sha256_hex(&std::fs::read(&events).unwrap())));

    // Importing the same file again changes nothing.
    let again = identity_import(&store, &[&csv]);
    assert!(again.contains("already imported"), "{again}");
}

/// An authorisation record (case HR-2026-031) for `subject` (a TOML
/// `[subject]` body) over D−1 to D+1, valid now by the system clock.
fn record(subject: &str) -> String {
    Record {
        reference: "HR-2026-031",
        subject,
        to: day(1),
        ..Record::default()
    }
    .to_string()
}

#[test]
fn a_pack_shows_how_every_session_was_attributed_with_the_identity_record_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join("store");
    let cfg = root.join("c.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    let fb = "www.facebook.com";
    // D: jsmith's own logged session at 09:00 (5 requests a minute apart),
    // then from 10:00 only the firewall's address-only events (21 requests)
    // while he was logged on at 10.0.0.5; at 15:00 nobody was.
    let mut lines = every(&at(0, "09:00:00"), 60, 5, "jsmith", fb);
    lines.extend(every(&at(0, "10:00:00"), 60, 21, "-", fb));
    lines.push(line(&at(0, "15:00:00"), "-", fb));
    let log = write_log(root, "firewall.log", &lines);
    ok(&[&"ingest", &"--store", &store, &"--config", &cfg, &log]);
    let xml = [
        event(4624, &at(0, "09:55:00"), "jsmith", "0x7", "10.0.0.5"),
        event(4634, &at(0, "11:00:00"), "jsmith", "0x7", "-"),
    ]
    .join("\n");
    let events = root.join("security.xml");
    std::fs::write(&events, &xml).unwrap();
    identity_import(&store, &[&"--config", &cfg, &events]);
    let source = &sha256_hex(xml.as_bytes())[..16];

    let pack_of = |subject: &str| -> std::path::PathBuf {
        let auth = root.join("auth.toml");
        std::fs::write(&auth, record(subject)).unwrap();
        sign_record(&store, &auth);
        let packs = root.join(format!("packs-{}", subject.len()));
        ok(&[
            &"report",
            &"--store",
            &store,
            &"--config",
            &cfg,
            &"--authorisation",
            &auth,
            &"--out",
            &packs,
            &"--supersede",
            &"attribution test",
        ]);
        let pack = std::fs::read_dir(&packs)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        ok(&[&"verify", &pack]);
        pack
    };
    // Named by user: the logged session and the attributed one; not 15:00.
    let first = root.join("auth0.toml");
    std::fs::write(&first, record("users = [\"jsmith\"]")).unwrap();
    sign_record(&store, &first);
    let packs = root.join("packs");
    ok(&[
        &"report",
        &"--store",
        &store,
        &"--config",
        &cfg,
        &"--authorisation",
        &first,
        &"--out",
        &packs,
    ]);
    let pack = packs.join("HR-2026-031");
    ok(&[&"verify", &pack]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["events"], 26);
    assert_eq!(
        summary["coverage"],
        serde_json::json!([{"date": day(0), "events": 26, "logged": 5, "identity": 21, "ambiguous": 0, "unattributed": 0}])
    );
    // The firewall log's silences in working hours: 09:04–10:00 and 10:20–15:00.
    let gaps: Vec<i64> = summary["gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["minutes"].as_i64().unwrap())
        .collect();
    assert_eq!(gaps, [56, 280], "{}", summary["gaps"]);
    let label = format!("identity:{source}:1");
    assert_eq!(summary["attributions"][0]["attribution"], label.as_str());
    assert_eq!(summary["attributions"][0]["user"], "jsmith");
    assert_eq!(summary["attributions"][0]["events"], 21);
    assert!(
        summary["attributions"][0]["raw"]
            .as_str()
            .unwrap()
            .contains("<EventID>4624</EventID>")
    );
    let sessions = std::fs::read_to_string(pack.join("data/sessions.csv")).unwrap();
    let how: Vec<&str> = sessions
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(how, ["logged", label.as_str()], "{sessions}");

    // Known only by address: every event of 10.0.0.5, each session with how
    // it was attributed (the 15:00 one to nobody).
    let pack = pack_of("ips = [\"10.0.0.5\"]");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["events"], 22);
    assert_eq!(summary["coverage"][0]["identity"], 21);
    assert_eq!(summary["coverage"][0]["unattributed"], 1);
    let sessions = std::fs::read_to_string(pack.join("data/sessions.csv")).unwrap();
    let how: Vec<&str> = sessions
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap())
        .collect();
    assert_eq!(how, [label.as_str(), "unattributed"], "{sessions}");
    let html = std::fs::read_to_string(pack.join("data/report.html")).unwrap();
    assert!(html.contains("Who was at the keyboard") && html.contains(&label));
}

#[test]
fn the_purge_removes_expired_identity_intervals_except_those_a_hold_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let csv = dir.path().join("vpn.csv");
    // Purged as of 2026-11-22: the cutoff is 2025-11-22 (365 days).
    std::fs::write(
        &csv,
        "ip,user,from,to\n\
         10.0.0.5,alice,2025-10-01T09:00:00Z,2025-10-01T17:00:00Z\n\
         10.0.0.5,bob,2025-10-02T09:00:00Z,2025-10-02T17:00:00Z\n\
         10.0.0.5,carol,2025-12-01T09:00:00Z,2025-12-01T17:00:00Z\n",
    )
    .unwrap();
    identity_import(&store, &[&csv]);
    hold_bob_in_october_2025(&store);
    let plan = ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--format",
        &"json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(v["identity_intervals_removed"], 1, "{plan}");
    assert_eq!(v["kept_by_hold"]["HR-2025-044"]["intervals"], 1, "{plan}");
    ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--execute",
    ]);
    let s = netusage::store::Store::open(&store).unwrap();
    let source = &netusage::store::identity::sources(&s).unwrap()[0].source;
    let left: Vec<String> = netusage::store::identity::intervals(&s, source)
        .unwrap()
        .into_iter()
        .map(|i| i.user)
        .collect();
    assert_eq!(left, ["bob", "carol"]);
}

/// An identity file imported now keeps no interval that ended before the
/// retention window, as ingest admits no such event, unless a legal hold's
/// period overlaps it: an old archive, or a file imported again after a
/// purge, cannot bring back what the purge removed.
#[test]
fn an_import_keeps_no_interval_older_than_the_retention_window_unless_a_hold_overlaps_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // As of 2026-11-22 10:00 UTC the cutoff is 2025-11-22 10:00 (365 days).
    let rows = "ip,user,from,to\n\
                10.0.0.5,alice,2025-09-01T09:00:00Z,2025-09-01T17:00:00Z\n\
                10.0.0.5,bob,2025-10-02T09:00:00Z,2025-10-02T17:00:00Z\n\
                10.0.0.5,carol,2025-12-01T09:00:00Z,2025-12-01T17:00:00Z\n";
    let import = |name: &str, text: &str| -> serde_json::Value {
        let csv = dir.path().join(name);
        std::fs::write(&csv, text).unwrap();
        let out = ok(&[
            &"identity",
            &"import",
            &"--now",
            &"2026-11-22T10:00:00Z",
            &"--store",
            &store,
            &"--format",
            &"json",
            &csv,
        ]);
        serde_json::from_str::<serde_json::Value>(&out).unwrap()[0].clone()
    };
    let users = |n: usize| -> Vec<String> {
        let s = netusage::store::Store::open(&store).unwrap();
        let source = &netusage::store::identity::sources(&s).unwrap()[n].source;
        netusage::store::identity::intervals(&s, source)
            .unwrap()
            .into_iter()
            .map(|i| i.user)
            .collect()
    };
    let first = import("a.csv", rows);
    assert_eq!(
        (&first["records"], &first["accepted"], &first["intervals"]),
        (&3.into(), &3.into(), &1.into())
    );
    assert!(
        first["result"].as_str().unwrap().ends_with(
            "; 2 interval(s) ended before the retention window (2025-11-22 10:00 UTC) and were not kept"
        ),
        "{first}"
    );
    assert_eq!(users(0), ["carol"]);
    hold_bob_in_october_2025(&store);
    // The same records in another file: bob's interval lies in the hold's
    // period and is kept; alice's does not.
    let second = import(
        "b.csv",
        &rows.replace("ip,user,from,to", "ip,user,from,to\n"),
    );
    assert_eq!(second["intervals"], 2, "{second}");
    assert_eq!(users(1), ["bob", "carol"]);
    let audit = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    assert!(audit.contains("\"expired_intervals\":1"), "{audit}");
}

/// A legal hold `HR-2025-044` on bob for October 2025 (UTC dates).
fn hold_bob_in_october_2025(store: &Path) {
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-2025-044",
        &"--users",
        &"bob",
        &"--from",
        &"2025-10-01",
        &"--to",
        &"2025-10-31",
        &"--reason",
        &"grievance",
        &"--allow-unknown-user",
    ]);
}

/// The users and times of every stored event, sorted.
fn stored(store: &Path) -> Vec<(String, String)> {
    use netusage::event::col;
    let s = netusage::store::Store::open(store).unwrap();
    let df = netusage::store::scan::scan(
        &s,
        &netusage::store::scan::Range::default(),
        &[col::USER, col::TS],
    )
    .unwrap();
    let users = df.column(col::USER).unwrap().str().unwrap().clone();
    let mut v: Vec<(String, String)> = users
        .iter()
        .zip(ts_ms(&df))
        .map(|(u, t)| {
            let t = chrono::DateTime::from_timestamp_millis(t).unwrap();
            (
                u.unwrap().to_string(),
                t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A legal hold on alice kept only the events logged under her name: her
/// address-only events, which identity records attribute to her, were
/// purged. Now the purge plans with attribution applied.
#[test]
fn a_hold_keeps_the_held_persons_attributed_events_and_the_records_they_rest_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fb = "www.facebook.com";
    // Wed 1 October 2025: alice logged (3) and by address 10.0.0.5 (4);
    // bob logged (2) and by address 10.0.0.6 (2).
    let mut lines = every("2025-10-01T09:00:00Z", 60, 3, "alice", fb);
    lines.extend(every("2025-10-01T10:00:00Z", 60, 4, "-", fb));
    lines.extend(
        every("2025-10-01T09:00:00Z", 60, 2, "bob", fb)
            .into_iter()
            .map(|l| l.replace("10.0.0.5", "10.0.0.9")),
    );
    lines.extend(
        every("2025-10-01T11:00:00Z", 60, 2, "-", fb)
            .into_iter()
            .map(|l| l.replace("10.0.0.5", "10.0.0.6")),
    );
    let log = write_log(root, "proxy.log", &lines);
    let store = root.join("store");
    ingest(&store, &log);
    let csv = root.join("vpn.csv");
    std::fs::write(
        &csv,
        "ip,user,from,to\n\
         10.0.0.5,alice,2025-09-30T22:00:00Z,2025-10-01T17:00:00Z\n\
         10.0.0.6,bob,2025-10-01T08:00:00Z,2025-10-01T17:00:00Z\n",
    )
    .unwrap();
    identity_import(&store, &[&csv]);
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-2025-051",
        &"--users",
        &"alice",
        &"--from",
        &"2025-10-01",
        &"--to",
        &"2025-10-31",
        &"--reason",
        &"tribunal",
    ]);
    // Purged as of 2026-11-22: the cutoff is 2025-11-22, so all of it expired.
    let plan = ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--format",
        &"json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(
        v["kept_by_hold"]["HR-2025-051"],
        serde_json::json!({"logged": 3, "attributed": 4, "intervals": 1, "dns_lookups": 0}),
        "{plan}"
    );
    assert_eq!(v["rows_removed"], 4, "{plan}");
    // alice's interval started the day before the hold: it is kept all the same.
    assert_eq!(v["identity_intervals_removed"], 1, "{plan}");
    let table = ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--execute",
    ]);
    assert!(
        table.contains(
            "kept by hold HR-2025-051: 7 expired rows (3 logged under a held name, 4 attributed"
        ),
        "{table}"
    );
    let mut want: Vec<(String, String)> = (0..3)
        .map(|m| ("alice".to_string(), format!("2025-10-01T09:0{m}:00")))
        .chain((0..4).map(|m| ("ip:10.0.0.5".to_string(), format!("2025-10-01T10:0{m}:00"))))
        .collect();
    want.sort();
    assert_eq!(stored(&store), want);
    // And analysis still attributes them to her: the interval survived.
    let cfg = config(&store);
    let secs = social_seconds(&store, &cfg);
    // Two sessions: 09:00–09:02 + 60 s allowance (180 s) and 10:00–10:03 + 60 s (240 s).
    assert_eq!(secs.get(&pseudonym(&store, "alice")), Some(&420));
    assert_eq!(secs.len(), 1, "{secs:?}");
}

/// A log line whose user field reads `ip:10.0.0.50` used to be taken for an
/// address-only event and attributed to whoever held 10.0.0.50: events could
/// be planted on a colleague from another machine. The store marks
/// address-only events itself; a logged name is kept as written.
#[test]
fn a_user_field_that_reads_ip_is_a_logged_name_never_attributed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fb = "www.facebook.com";
    // From 10.0.0.99, the user field forged as alice's machine's address.
    let planted: Vec<String> = every("2025-06-11T10:00:00Z", 60, 5, "ip:10.0.0.50", fb)
        .into_iter()
        .map(|l| l.replace("10.0.0.5 ", "10.0.0.99 "))
        .collect();
    // alice's own address-only events from 10.0.0.50.
    let own: Vec<String> = every("2025-06-11T14:00:00Z", 60, 2, "-", fb)
        .into_iter()
        .map(|l| l.replace("10.0.0.5 ", "10.0.0.50 "))
        .collect();
    let log = write_log(root, "proxy.log", &[planted, own].concat());
    let store = root.join("store");
    ingest(&store, &log);
    let csv = root.join("dhcp.csv");
    std::fs::write(
        &csv,
        "ip,user,from,to\n10.0.0.50,alice,2025-06-11T08:00:00Z,2025-06-11T18:00:00Z\n",
    )
    .unwrap();
    identity_import(&store, &[&csv]);
    let cfg = config(&store);
    let secs = social_seconds(&store, &cfg);
    // alice: only her own two requests (14:00–14:01 + 60 s = 120 s).
    assert_eq!(secs.get(&pseudonym(&store, "alice")), Some(&120));
    // The planted five stay under the name as logged (240 s + 60 s), keyed
    // apart from the address (`logged:` in front: see `event::person_key`).
    assert_eq!(
        secs.get(&pseudonym(&store, "logged:ip:10.0.0.50")),
        Some(&300)
    );
    assert_eq!(secs.len(), 2, "{secs:?}");
}

/// A hold that keeps address-only events kept the held person's interval at
/// that address but purged another person's overlapping one, so the kept
/// events changed from ambiguous to attributed. Every interval at a kept
/// event's address in the hold's period stays. And a hold may name a person
/// known only from identity records.
#[test]
fn a_hold_keeps_every_interval_that_decides_how_its_events_are_attributed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let lines: Vec<String> = every("2025-10-01T10:00:00Z", 60, 3, "-", "www.facebook.com")
        .into_iter()
        .map(|l| l.replace("10.0.0.5 ", "10.0.0.70 "))
        .collect();
    let log = write_log(root, "proxy.log", &lines);
    let store = root.join("store");
    ingest(&store, &log);
    let csv = root.join("vpn.csv");
    std::fs::write(
        &csv,
        "ip,user,from,to\n\
         10.0.0.70,alice,2025-10-01T09:00:00Z,2025-10-01T17:00:00Z\n\
         10.0.0.70,bob,2025-10-01T09:30:00Z,2025-10-01T12:00:00Z\n\
         10.0.0.71,dave,2025-10-01T09:00:00Z,2025-10-01T17:00:00Z\n",
    )
    .unwrap();
    identity_import(&store, &[&csv]);
    // The address's events are ambiguous (alice and bob at once): a hold on
    // the address as its account keeps them.
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-70",
        &"--users",
        &"ip:10.0.0.70",
        &"--from",
        &"2025-10-01",
        &"--to",
        &"2025-10-01",
        &"--reason",
        &"shared desk",
    ]);
    // dave has no event, but an identity record: a hold may name him.
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-71",
        &"--users",
        &"dave",
        &"--from",
        &"2025-10-01",
        &"--to",
        &"2025-10-01",
        &"--reason",
        &"case",
    ]);
    ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--execute",
    ]);
    let s = netusage::store::Store::open(&store).unwrap();
    let source = &netusage::store::identity::sources(&s).unwrap()[0].source;
    let mut left: Vec<String> = netusage::store::identity::intervals(&s, source)
        .unwrap()
        .into_iter()
        .map(|i| i.user)
        .collect();
    left.sort();
    assert_eq!(left, ["alice", "bob", "dave"]);
    assert_eq!(stored(&store).len(), 3);
}

/// The forged `ip:10.0.0.50` name of the review was grouped with the real
/// address-only events of 10.0.0.50 (one pseudonym for both), so lines forged
/// from another machine counted against that address. Each is keyed apart.
#[test]
fn a_logged_name_reading_ip_is_a_person_apart_from_the_address() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fb = "www.facebook.com";
    let forged: Vec<String> = every("2025-06-11T10:00:00Z", 60, 5, "ip:10.0.0.50", fb)
        .into_iter()
        .map(|l| l.replace("10.0.0.5 ", "10.0.0.99 "))
        .collect();
    let own: Vec<String> = every("2025-06-11T14:00:00Z", 60, 2, "-", fb)
        .into_iter()
        .map(|l| l.replace("10.0.0.5 ", "10.0.0.50 "))
        .collect();
    let log = write_log(root, "proxy.log", &[forged, own].concat());
    let store = root.join("store");
    ingest(&store, &log);
    let cfg = config(&store);
    let secs = social_seconds(&store, &cfg);
    // The address alone: 14:00–14:01 + 60 s; the forged name: 10:00–10:04 + 60 s.
    assert_eq!(secs.get(&pseudonym(&store, "ip:10.0.0.50")), Some(&120));
    assert_eq!(
        secs.get(&pseudonym(&store, "logged:ip:10.0.0.50")),
        Some(&300)
    );
    assert_eq!(secs.len(), 2, "{secs:?}");
}
