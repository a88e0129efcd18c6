//! DNS naming end to end: connections logged with only a destination
//! address are named after the client's most recent lookup of that address
//! within the window, never a later one; with no lookup they keep the address.

use crate::common::pack::Record;
use crate::common::*;

#[test]
fn connections_are_named_from_the_latest_earlier_lookup_within_the_hour() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // jsmith at 10.0.0.5, Wed 11 June 2025 (UTC): five connections to
    // 157.240.1.35 from 10:00 a minute apart (one 300 s session), one to it
    // at 11:30 (92 minutes after the lookup), one to 157.240.1.36 at 10:10
    // (looked up only at 10:30, after it), one to 198.51.100.7 (never).
    let mut lines = every("2025-06-11T10:00:00Z", 60, 5, "jsmith", "157.240.1.35");
    lines.push(line("2025-06-11T11:30:00Z", "jsmith", "157.240.1.35"));
    lines.push(line("2025-06-11T10:10:00Z", "jsmith", "157.240.1.36"));
    lines.push(line("2025-06-11T10:20:00Z", "jsmith", "198.51.100.7"));
    let log = write_log(root, "firewall.log", &lines);
    let store = root.join("store");
    ingest(&store, &log);
    let cfg = root.join("c.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    // One person: their social-media seconds.
    let social = || -> i64 { social_seconds(&store, &cfg).values().sum() };
    assert_eq!(social(), 0, "addresses alone are not social media");
    // dnsmasq with log-queries (times in UTC here).
    let dns = root.join("dnsmasq.log");
    std::fs::write(
        &dns,
        "Jun 11 09:58:00 dnsmasq[421]: query[A] www.facebook.com from 10.0.0.5\n\
         Jun 11 09:58:00 dnsmasq[421]: reply www.facebook.com is 157.240.1.35\n\
         Jun 11 10:30:00 dnsmasq[421]: query[A] www.instagram.com from 10.0.0.5\n\
         Jun 11 10:30:00 dnsmasq[421]: reply www.instagram.com is 157.240.1.36\n\
         Jun 11 10:31:00 dnsmasq[421]: started, version 2.90 cachesize 150\n",
    )
    .unwrap();
    let out = dns_import(&store, "2025", &[&"--format", &"csv", &dns]);
    let row: Vec<&str> = out.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        &row[2..6],
        ["5", "4", "1", "2"],
        "records, accepted, rejected, lookups: {out}"
    );
    // The import is one audited run: opened before anything is stored, the
    // file's entry naming it, closed after.
    let entries = audit_entries(&store);
    let run: Vec<(&str, &serde_json::Value)> = entries[entries.len() - 3..]
        .iter()
        .map(|e| (e["result"].as_str().unwrap(), &e["details"]))
        .collect();
    let opened = &entries[entries.len() - 3]["seq"];
    assert_eq!(run[0].0, "started: importing 1 file(s)");
    assert_eq!(
        run[0].1["paths"],
        serde_json::json!([dns.display().to_string()])
    );
    assert_eq!((run[1].0, &run[1].1["run"]), ("ok", opened));
    assert_eq!((run[2].0, &run[2].1["completes"]), ("ok", opened));
    let verified = ok(&[&"audit", &"--store", &store, &"verify"]);
    assert!(!verified.contains("has no closing entry"), "{verified}");
    // Only the five connections after the 09:58 lookup are named (facebook).
    assert_eq!(social(), 300);
    let by_cat = ok(&[
        &"usage",
        &"--config",
        &cfg,
        &"--store",
        &store,
        &"--format",
        &"csv",
    ]);
    assert!(by_cat.contains(",social_networking,"), "{by_cat}");
    assert!(
        !by_cat.contains("photo_sharing"),
        "the 10:30 instagram lookup came after the 10:10 connection: {by_cat}"
    );
}

/// Every line of the real samples accounted for, and exact lookups from the
/// Infoblox (BIND with responses) one.
#[test]
fn dns_samples_are_read_with_every_line_accounted_for() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/dns");
    let read = |name: &str| {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
        let p = netusage::dns::read(&text, chrono_tz::UTC, 2025);
        assert_eq!(p.records(), lines, "{name}: accepted + rejected = lines");
        p
    };
    let p = read("integrations_infoblox_nios_test-dns.log");
    let got: Vec<(String, String, String, u64)> = p
        .lookups
        .iter()
        .map(|l| (l.client.clone(), l.name.clone(), l.address.clone(), l.line))
        .collect();
    let l =
        |c: &str, n: &str, a: &str, line: u64| (c.to_string(), n.to_string(), a.to_string(), line);
    assert_eq!(
        got,
        [
            l("192.168.0.1", "a2.foo.com", "192.168.0.3", 3),
            l("192.168.0.1", "a1.foo.com", "192.168.0.2", 5),
            l("192.168.0.1", "a1.foo.com", "192.168.0.3", 5),
        ]
    );
    assert_eq!(p.lookups[0].ts_ms, ms("2022-04-07T08:08:10.043Z"));
    assert_eq!((p.accepted, p.rejected.len()), (2, 26));
    // Query-only BIND lines, Windows debug packets and Pi-hole lines without
    // a client's query name nothing, each with its reason.
    for name in [
        "crowdsec_bind9-logs.log",
        "logstash-patterns-core_bind_spec_EXTRACT.log",
        "usiem-windns_README_examples_EXTRACT.log",
        "simple_template_log_parser_pihole_sample_log.log",
    ] {
        let p = read(name);
        assert!(p.lookups.is_empty(), "{name}");
    }
    let p = read("usiem-windns_README_examples_EXTRACT.log");
    // Its two responses to clients were logged without details (no answer
    // section); the other six are queries and other servers' responses.
    let count = |start: &str| p.rejected.iter().filter(|r| r.1.starts_with(start)).count();
    assert_eq!(
        (
            count("a response whose answer the log does not record"),
            count("a query packet, or a response from another server")
        ),
        (2, 6),
        "{:?}",
        p.rejected
    );
}

#[test]
fn the_purge_removes_lookups_older_than_the_retention_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let dns = dir.path().join("dnsmasq.log");
    std::fs::write(
        &dns,
        "Oct  1 09:00:00 dnsmasq[1]: query[A] old.example from 10.0.0.5\nOct  1 09:00:00 dnsmasq[1]: reply old.example is 192.0.2.1\n\
         Dec  1 09:00:00 dnsmasq[1]: query[A] new.example from 10.0.0.5\nDec  1 09:00:00 dnsmasq[1]: reply new.example is 192.0.2.2\n",
    )
    .unwrap();
    ok(&[
        &"dns", &"import", &"--store", &store, &"--year", &"2025", &dns,
    ]);
    // As of 2026-11-22 the cutoff is 2025-11-22: October's lookup goes.
    let out = ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--execute",
        &"--format",
        &"json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["dns_lookups_removed"], 1, "{out}");
    let s = netusage::store::Store::open(&store).unwrap();
    let left: Vec<String> = netusage::store::dns::all(&s)
        .unwrap()
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(left, ["new.example"]);
}

#[test]
fn an_evidence_pack_shows_connections_named_from_dns() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join("store");
    let cfg = root.join("c.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    let log = write_log(
        root,
        "fw.log",
        &every(&at(0, "10:00:00"), 60, 5, "jsmith", "157.240.1.35"),
    );
    ok(&[&"ingest", &"--store", &store, &"--config", &cfg, &log]);
    let d = recent_tuesday();
    let stamp = d.format("%b %e").to_string();
    let dns = root.join("dnsmasq.log");
    std::fs::write(
        &dns,
        format!(
            "{stamp} 09:58:00 dnsmasq[9]: query[A] www.facebook.com from 10.0.0.5\n{stamp} 09:58:00 dnsmasq[9]: reply www.facebook.com is 157.240.1.35\n"
        ),
    )
    .unwrap();
    let year = chrono::Datelike::year(&d).to_string();
    dns_import(&store, &year, &[&dns]);
    let auth = root.join("auth.toml");
    let record = Record {
        reference: "HR-2026-040",
        subject: r#"users = ["jsmith"]"#,
        from: day(0),
        to: day(0),
        ..Record::default()
    };
    std::fs::write(&auth, record.to_string()).unwrap();
    sign_record(&store, &auth);
    let packs = root.join("packs");
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
    ]);
    let pack = packs.join("HR-2026-040");
    ok(&[&"verify", &pack]);
    let events = std::fs::read_to_string(pack.join("data/events.csv")).unwrap();
    let mut r = csv::Reader::from_reader(events.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter().all(|x| &x[col("host")] == "www.facebook.com"
            && &x[col("host_source")] == "dns"
            && &x[col("category")] == "social_networking"),
        "{events}"
    );
}

/// DNS naming classifies again only the rows it renamed: a row it left
/// keeps the category it was stored with (here from the council's own
/// rules at ingest, which analysis is not given), whatever other rows
/// share its day.
#[test]
fn rows_dns_leaves_alone_keep_their_stored_category() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // jsmith: five connections to 157.240.1.35 from 10:00 a minute apart,
    // three to the intranet from 12:00 a minute apart.
    let mut lines = every("2025-06-11T10:00:00Z", 60, 5, "jsmith", "157.240.1.35");
    lines.extend(every(
        "2025-06-11T12:00:00Z",
        60,
        3,
        "jsmith",
        "intranet.council.local",
    ));
    let log = write_log(root, "firewall.log", &lines);
    let rules = root.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\ndomain = \"council.local\"\ncategory = \"business\"\nsource = \"the council's own intranet\"\n",
    )
    .unwrap();
    let store = root.join("store");
    ingest_as_of(&store, TEST_NOW, &[&"--categories", &rules], &log);
    let dns = facebook_lookup_log(root);
    dns_import(&store, "2025", &[&dns]);
    let cfg = root.join("c.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    let csv = usage_csv(&store, Some(&cfg));
    let totals: Vec<(String, String)> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .map(|f| (f[1].to_string(), f[5].to_string()))
        .collect();
    assert_eq!(
        totals,
        [
            ("business".to_string(), "180".to_string()),
            ("social_networking".to_string(), "300".to_string()),
            ("social_media".to_string(), "300".to_string()),
        ],
        "{csv}"
    );
}
