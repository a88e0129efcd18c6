//! The command line: lookups, user rules at analysis time, exit codes, the lock.

mod common;

use common::*;

#[test]
fn categories_lookup_names_the_rule() {
    let out = ok(&[
        "categories",
        "lookup",
        "--format",
        "csv",
        "https://Static.XX.FBCDN.net:443/x.png",
        "intranet",
    ]);
    assert_eq!(
        out,
        "input,host,domain,site,category,embedded,rule\n\
         https://Static.XX.FBCDN.net:443/x.png,static.xx.fbcdn.net,fbcdn.net,facebook,social_networking,true,netusage host static.xx.fbcdn.net\n\
         intranet,intranet,intranet,intranet,uncategorised,false,none\n"
    );
}

#[test]
fn user_rules_apply_to_events_already_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // Wed 2025-06-11 10:00 BST: one request → 60 s of working time on www.gov.uk.
    let log = write_log(
        dir.path(),
        "a.log",
        &[line("2025-06-11T09:00:00Z", "alice", "www.gov.uk")],
    );
    ingest(&store, &log);
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\nhost = \"www.gov.uk\"\nsite = \"govspace\"\ncategory = \"forums\"\n",
    )
    .unwrap();
    let out = ok(&[
        "usage",
        "--store",
        store.to_str().unwrap(),
        "--format",
        "csv",
        "--categories",
        rules.to_str().unwrap(),
    ]);
    let p = pseudonym(&store, "alice");
    assert_eq!(
        out,
        format!(
            "person,category,working_s,break_s,outside_s,total_s,sessions,blocked,flagged\n{p},forums,60,0,0,60,1,0,false\n{p},social_media,60,0,0,60,1,0,false\n"
        )
    );
}

#[test]
fn bad_config_is_a_usage_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(
        dir.path(),
        "a.log",
        &[line("2025-06-11T09:00:00Z", "alice", "x.com")],
    );
    ingest(&store, &log);
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "[schedule]\ntime_zone = \"Europe/Londn\"\n").unwrap();
    let out = run(&[
        "usage",
        "--store",
        store.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("time_zone `Europe/Londn` is not an IANA time zone name"),
        "{err}"
    );
    std::fs::write(&cfg, "[policy]\npersonal_use = \"sometimes\"\n").unwrap();
    let out = run(&[
        "usage",
        "--store",
        store.to_str().unwrap(),
        "--config",
        cfg.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    // Unknown subcommand or option: clap's usage error, also 2.
    assert_eq!(
        run(&["usage", "--frmo", "2025-01-01"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_second_writer_is_refused_while_the_lock_is_held() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(
        dir.path(),
        "a.log",
        &[line("2025-06-11T09:00:00Z", "alice", "x.com")],
    );
    let held = netusage::store::Store::open_for_write(&store).unwrap();
    let out = run(&[
        "ingest",
        "--now",
        TEST_NOW,
        "--store",
        store.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is in use by another netusage process"));
    drop(held);
    ingest(&store, &log);
}

#[test]
fn usage_without_a_store_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "usage",
        "--store",
        dir.path().join("nope").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `netusage ingest --store"));
}
