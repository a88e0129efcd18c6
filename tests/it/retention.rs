//! Retention: the cutoff to the millisecond, legal holds, dry run vs
//! execute, crash-resumability, nothing old left anywhere, the audit chain.

use std::path::{Path, PathBuf};

use crate::common::*;
use chrono::{DateTime, Utc};
use netusage::event::col;
use netusage::store::scan::{Range, scan};
use netusage::store::{Store, manifest};

const NOW: &str = "2026-11-22T10:00:00Z";
// 365 days before NOW: the cutoff. Events strictly before it are expired.
const CUTOFF: &str = "2025-11-22T10:00:00Z";

/// The store's events as (user, ts ms), sorted.
fn events(store: &Path) -> Vec<(String, i64)> {
    let s = Store::open(store).unwrap();
    let df = scan(&s, &Range::default(), &[col::USER, col::TS]).unwrap();
    let users = df.column(col::USER).unwrap().str().unwrap().clone();
    let mut v: Vec<(String, i64)> = users
        .iter()
        .zip(ts_ms(&df))
        .map(|(u, t)| (u.unwrap().to_string(), t))
        .collect();
    v.sort();
    v
}

/// A store holding alice's and bob's events around the cutoff, ingested a year ago.
fn old_store(dir: &Path) -> PathBuf {
    let store = dir.join("store");
    let lines = vec![
        line("2025-11-20T09:00:00Z", "alice", "www.facebook.com"), // whole day before the cutoff
        line("2025-11-20T09:00:00Z", "bob", "www.facebook.com"),
        line("2025-11-22T09:59:59.999Z", "bob", "x.com"), // cutoff − 1 ms
        line("2025-11-22T10:00:00Z", "bob", "x.com"),     // the cutoff
        line("2025-11-22T10:00:00.001Z", "bob", "x.com"), // cutoff + 1 ms
        line("2025-11-23T09:00:00Z", "alice", "x.com"),   // a day wholly inside the window
        format!(
            "{}.000 garbage line with a time, quarantined",
            ms("2025-11-20T10:00:00Z") / 1000
        ),
    ];
    let log = write_log(dir, "year-old.log", &lines);
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--now",
        &"2025-11-24T00:00:00Z",
        &log,
    ]);
    store
}

/// `netusage purge --store STORE --now NOW EXTRA...`, asserting success.
fn purge(store: &Path, extra: &[&str]) -> String {
    let mut args: Vec<Arg> = vec![&"purge", &"--store", &store, &"--now", &NOW];
    args.extend(args_of(extra));
    ok(&args)
}

#[test]
fn cutoff_is_exact_to_the_millisecond_and_later_partitions_are_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    let inside = "events/date=2025-11-23";
    let before = snapshot(&store);
    let untouched: Vec<_> = before
        .keys()
        .filter(|k| k.starts_with(inside))
        .cloned()
        .collect();
    assert_eq!(untouched.len(), 1);
    let mtime = |p: &str| {
        std::fs::metadata(store.join(p))
            .unwrap()
            .modified()
            .unwrap()
    };
    let t0 = mtime(&untouched[0]);

    purge(&store, &["--execute"]);
    assert_eq!(
        events(&store),
        [
            ("alice".to_string(), ms("2025-11-23T09:00:00Z")),
            ("bob".to_string(), ms(CUTOFF)),
            ("bob".to_string(), ms("2025-11-22T10:00:00.001Z")),
        ]
    );
    let after = snapshot(&store);
    assert_eq!(
        after[&untouched[0]], before[&untouched[0]],
        "partition inside the window is byte-for-byte unchanged"
    );
    assert_eq!(mtime(&untouched[0]), t0, "and not rewritten");
    assert!(
        !store.join("events/date=2025-11-20").exists(),
        "whole expired day deleted"
    );
}

#[test]
fn cutoff_is_24_hour_days_in_utc_across_clock_changes() {
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    // Clocks went forward on 2026-03-29 (Europe/London): still exactly 24 h.
    assert_eq!(
        netusage::retention::cutoff(at("2026-03-30T12:00:00+01:00"), 1),
        at("2026-03-29T11:00:00Z")
    );
    // Clocks went back on 2026-10-25.
    assert_eq!(
        netusage::retention::cutoff(at("2026-10-26T00:30:00Z"), 2),
        at("2026-10-24T00:30:00Z")
    );
    assert_eq!(netusage::retention::cutoff(at(NOW), 365), at(CUTOFF));
}

#[test]
fn held_events_survive_until_the_hold_is_released() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-2025-017",
        &"--users",
        &"Alice",
        &"--from",
        &"2025-11-01",
        &"--to",
        &"2025-11-30",
        &"--reason",
        &"grievance",
    ]);
    let plan = purge(&store, &[]);
    assert!(
        plan.contains(
            "kept by hold HR-2025-017: 1 expired rows (1 logged under a held name, 0 attributed"
        ),
        "{plan}"
    );
    purge(&store, &["--execute"]);
    let left = events(&store);
    assert!(
        left.contains(&("alice".to_string(), ms("2025-11-20T09:00:00Z"))),
        "held event kept: {left:?}"
    );
    assert!(
        !left.iter().any(|(u, t)| u == "bob" && *t < ms(CUTOFF)),
        "bob's expired events gone: {left:?}"
    );
    let list = ok(&[&"hold", &"--store", &store, &"list", &"--format", &"csv"]);
    assert!(
        list.contains("HR-2025-017,alice,2025-11-01,2025-11-30,grievance,"),
        "{list}"
    );

    ok(&[&"hold", &"--store", &store, &"release", &"HR-2025-017"]);
    purge(&store, &["--execute"]);
    assert!(!events(&store).iter().any(|(_, t)| *t < ms(CUTOFF)));
}

#[test]
fn dry_run_changes_nothing_and_execute_does_exactly_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    let before = snapshot(&store);
    let rows_before = events(&store).len() as u64;
    let plan: serde_json::Value =
        serde_json::from_str(&purge(&store, &["--format", "json"])).unwrap();
    assert_eq!(snapshot(&store), before, "dry run changed nothing");
    assert_eq!(plan["rows_removed"], 3);
    assert_eq!(plan["partitions_deleted"], 1);
    assert_eq!(plan["partitions_rewritten"], 1);
    let planned: Vec<String> = plan["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();

    let done: serde_json::Value =
        serde_json::from_str(&purge(&store, &["--format", "json", "--execute"])).unwrap();
    assert_eq!(done["files"], plan["files"]);
    let after = snapshot(&store);
    let changed: Vec<String> = before
        .keys()
        .filter(|k| after.get(*k) != before.get(*k) && k.starts_with("events/"))
        .cloned()
        .collect();
    assert_eq!(changed, planned);
    assert_eq!(events(&store).len() as u64, rows_before - 3);

    // Idempotent: the second run finds nothing and changes nothing.
    let again = snapshot(&store);
    assert!(purge(&store, &["--execute"]).contains("nothing to purge"));
    assert_eq!(snapshot(&store), again);
}

#[test]
fn a_purge_killed_at_any_step_is_finished_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    // At NOW: one partition deleted, the boundary one rewritten, quarantine lines rewritten.
    // With a window three days shorter (an audited override; --now may not be in the
    // future): everything expired; partitions, a quarantine file and a manifest entry go.
    let shorter = ["--retention-days", "362", "--override-minimum", "test"];
    for (k, extra) in [&[][..], &shorter[..]].into_iter().enumerate() {
        let now = NOW;
        let reference = dir.path().join(format!("reference-{k}"));
        copy_tree(&store, &reference);
        let mut args: Vec<Arg> = vec![
            &"purge",
            &"--store",
            &reference,
            &"--now",
            &now,
            &"--execute",
        ];
        args.extend(args_of(extra));
        ok(&args);
        let want = snapshot(&reference);
        let mut crashed = 0;
        for n in 1..=8 {
            let copy = dir.path().join(format!("crash-{k}-{n}"));
            copy_tree(&store, &copy);
            let mut args: Vec<Arg> =
                vec![&"purge", &"--store", &copy, &"--now", &now, &"--execute"];
            args.extend(args_of(extra));
            let out = command(&args)
                .env("NETUSAGE_PURGE_CRASH_AT", n.to_string())
                .output()
                .unwrap();
            crashed += u32::from(!out.status.success());
            // Every other command still reads the store after the crash.
            ok(&[&"usage", &"--store", &copy, &"--format", &"csv"]);
            ok(&args);
            assert_eq!(
                snapshot(&copy),
                want,
                "{extra:?}, crash point {n} (first run exit {:?})",
                out.status.code()
            );
            assert!(
                !snapshot(&copy).keys().any(|f| f.ends_with(".tmp")),
                "no temporary file left"
            );
            ok(&[&"audit", &"--store", &copy, &"verify"]);
        }
        assert!(
            crashed >= 3,
            "the hook crashed {crashed} runs with {extra:?}"
        );
    }
    assert!(records(&dir.path().join("reference-1")).is_empty());
    // The source's chain index went with its record; the kept source's stays.
    let chains = |k: u32| -> usize {
        std::fs::read_dir(dir.path().join(format!("reference-{k}/chains"))).map_or(0, |d| d.count())
    };
    assert_eq!((chains(0), chains(1)), (1, 0));
}

#[test]
fn after_a_purge_no_file_holds_an_expired_event_outside_a_hold() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    // A second, all-old source whose quarantine file holds raw lines.
    let old = write_log(
        dir.path(),
        "old2.log",
        &[
            line("2025-11-21T08:00:00Z", "carol", "x.com"),
            "not a log line at all".into(),
        ],
    );
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--now",
        &"2025-11-24T00:00:00Z",
        &"--log-format",
        &"squid",
        &old,
    ]);
    purge(&store, &["--execute"]);
    let cutoff = ms(CUTOFF);
    let mut checked = 0;
    for (path, bytes) in snapshot(&store) {
        if path.ends_with(".parquet") {
            use polars::prelude::SerReader;
            let df = polars::prelude::ParquetReader::new(std::io::Cursor::new(bytes))
                .finish()
                .unwrap();
            assert!(
                ts_ms(&df).iter().all(|&t| t >= cutoff),
                "{path} holds an expired event"
            );
        } else if path.starts_with("quarantine/") {
            for l in String::from_utf8(bytes).unwrap().lines() {
                let r: netusage::store::quarantine::QuarantinedLine =
                    serde_json::from_str(l).unwrap();
                assert!(
                    !r.raw.contains("garbage") && !r.raw.contains("not a log"),
                    "{path}: {}",
                    r.raw
                );
            }
        } else if path == "sources.jsonl" {
            for r in manifest::read(&store.join(&path)).unwrap() {
                assert!(
                    r.last_ts.unwrap().timestamp_millis() >= cutoff,
                    "manifest keeps {r:?}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 4);
}

#[test]
fn ingest_refuses_events_older_than_the_window() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(
        dir.path(),
        "a.log",
        &[
            line("2025-11-22T09:59:59.999Z", "dan", "x.com"),
            line(CUTOFF, "dan", "x.com"),
        ],
    );
    let out = ok(&[&"ingest", &"--store", &store, &"--now", &NOW, &log]);
    assert!(
        out.contains("1 of them, dated 2025-11-22 09:59 to 2025-11-22 09:59 UTC, are older than the retention window"),
        "{out}"
    );
    let r = &records(&store)[0];
    assert_eq!((r.lines, r.accepted, r.rejected, r.too_old), (2, 1, 1, 1));
    let q = netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!(q.len(), 1);
    assert_eq!((q[0].line, q[0].raw.as_str()), (1, ""));
    assert_eq!(q[0].reason, netusage::ingest::TOO_OLD);
    assert_eq!(q[0].raw_sha256.as_ref().unwrap().len(), 64);
}

#[test]
fn a_window_below_the_minimum_needs_an_audited_reason() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    let out = run(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &NOW,
        &"--retention-days",
        &"30",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("below the minimum of 365 days"));
    ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &NOW,
        &"--retention-days",
        &"30",
        &"--override-minimum",
        &"DPO instruction 2026-11",
    ]);
    let audit = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["command"], "purge");
    assert_eq!(
        last["details"]["override_minimum"],
        "DPO instruction 2026-11"
    );
    ok(&[&"audit", &"--store", &store, &"verify"]);
}

#[test]
fn a_purge_killed_with_sigkill_mid_run_is_finished_by_the_next() {
    // Two months of generated traffic: many partitions, so a kill lands mid-purge.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("two-months.log");
    let opts = netusage::synth::Options {
        seed: 11,
        start: chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
        users: 6,
        lines: 150_000,
        malformed_per_10k: 5,
    };
    netusage::synth::generate(
        &opts,
        &mut std::io::BufWriter::new(std::fs::File::create(&log).unwrap()),
    )
    .unwrap();
    let store = dir.path().join("store");
    ok(&[
        &"ingest",
        &"--now",
        &"2025-12-31T00:00:00Z",
        &"--store",
        &store,
        &log,
    ]);
    // A cutoff inside the data: whole days deleted and a boundary day rewritten.
    let now = "2026-10-15T12:00:00Z";
    let reference = dir.path().join("reference");
    copy_tree(&store, &reference);
    ok(&[
        &"purge",
        &"--store",
        &reference,
        &"--now",
        &now,
        &"--execute",
    ]);
    let want = snapshot(&reference);
    for (k, delay_ms) in [0u64, 2, 5, 10, 20, 40].into_iter().enumerate() {
        let copy = dir.path().join(format!("killed-{k}"));
        copy_tree(&store, &copy);
        let mut child = command(&[&"purge", &"--store", &copy, &"--now", &now, &"--execute"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        ok(&[&"usage", &"--store", &copy, &"--format", &"csv"]);
        ok(&[&"purge", &"--store", &copy, &"--now", &now, &"--execute"]);
        assert_eq!(snapshot(&copy), want, "killed after {delay_ms} ms");
        ok(&[&"audit", &"--store", &copy, &"verify"]);
    }
}

/// `ingest --now <past>` measured the window from the past time, so events
/// older than a year by the real clock were stored (and came back after a
/// purge). The real clock decides: here it is run as it is on a council's
/// machine, with no test clock.
#[test]
fn a_past_now_never_admits_events_older_than_the_window_by_the_real_clock() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let real = chrono::Utc::now();
    let old = real - chrono::Duration::days(400);
    let recent = real - chrono::Duration::days(10);
    let log = write_log(
        dir.path(),
        "archive.log",
        &[
            line(&old.to_rfc3339(), "dan", "x.com"),
            line(&recent.to_rfc3339(), "dan", "x.com"),
        ],
    );
    let as_of = (old + chrono::Duration::days(1)).to_rfc3339();
    let out = command(&[&"ingest", &"--store", &store, &"--now", &as_of, &log])
        // `command` sets the test clock to a past --now: taken away again.
        .env_remove("NETUSAGE_TEST_CLOCK")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let r = &records(&store)[0];
    // The 400-day-old line is refused as too old; the recent one, dated
    // after --now, as later than now: --now only narrows.
    assert_eq!((r.lines, r.accepted, r.too_old, r.future), (2, 0, 1, 1));
}

/// A purge killed after its opening audit entry: the entry lists what it was
/// to delete, the next command warns, `audit verify` names the unfinished
/// purge, and the next purge finishes it and says so.
#[test]
fn a_killed_purge_is_in_the_audit_log_before_it_deletes_and_is_finished_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    // Crash point 1: after the first partition file is deleted.
    let out = command(&[&"purge", &"--store", &store, &"--now", &NOW, &"--execute"])
        .env("NETUSAGE_PURGE_CRASH_AT", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let entries: Vec<serde_json::Value> = std::fs::read_to_string(store.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let opened = entries.last().unwrap();
    assert_eq!(opened["command"], "purge");
    assert_eq!(opened["result"], "started: deleting what the plan lists");
    // alice's and bob's 2025-11-20 events and bob's cutoff − 1 ms one.
    assert_eq!(opened["details"]["rows_removed"], 3);
    let seq = opened["seq"].as_u64().unwrap();
    assert!(store.join("purge.pending").exists());
    let out = run(&[&"usage", &"--store", &store]);
    assert!(out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("(audit entry {seq}) did not finish")),
        "{err}"
    );
    // While a process holds the writer lock, as a running purge does, the
    // mark is a purge under way, not a killed one.
    {
        let lock = std::fs::File::open(store.join(".lock")).unwrap();
        lock.try_lock().unwrap();
        let out = run(&[&"usage", &"--store", &store]);
        assert!(out.status.success());
        let err = stderr(&out);
        assert!(err.contains("a purge is under way (started at "), "{err}");
        assert!(err.contains(&format!(", audit entry {seq})")), "{err}");
        assert!(!err.contains("did not finish"), "{err}");
    }
    let verify = ok(&[&"audit", &"--store", &store, &"verify"]);
    assert!(
        verify.contains(&format!("the purge started at entry {seq}"))
            && verify.contains("has no closing entry"),
        "{verify}"
    );
    // A dry run finishes nothing, and closes nothing in the audit log.
    let dry = purge(&store, &[]);
    assert!(
        dry.contains("dry run: `--execute` would finish the purge"),
        "{dry}"
    );
    let verify = ok(&[&"audit", &"--store", &store, &"verify"]);
    assert!(verify.contains("has no closing entry"), "{verify}");
    let done = purge(&store, &["--execute"]);
    assert!(
        done.contains(&format!("(audit entry {seq}) and did not finish")),
        "{done}"
    );
    assert!(!store.join("purge.pending").exists());
    let verify = ok(&[&"audit", &"--store", &store, &"verify"]);
    assert!(
        verify.contains(&format!("the purge started at entry {seq}"))
            && verify.contains("was interrupted; entry"),
        "{verify}"
    );
    assert_eq!(
        events(&store),
        [
            ("alice".to_string(), ms("2025-11-23T09:00:00Z")),
            ("bob".to_string(), ms(CUTOFF)),
            ("bob".to_string(), ms("2025-11-22T10:00:00.001Z")),
        ]
    );
}

/// The shipped systemd unit's command and environment, with the store moved
/// to `store`: `(arguments, environment)`.
fn shipped_unit(store: &Path) -> (Vec<String>, Vec<(String, String)>) {
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/systemd/netusage-purge.service"),
    )
    .unwrap();
    let mut args = Vec::new();
    let mut env = Vec::new();
    for line in unit.lines() {
        if let Some(cmd) = line.strip_prefix("ExecStart=") {
            let mut words = cmd.split_whitespace();
            assert_eq!(words.next(), Some("/usr/local/bin/netusage"));
            args = words.map(String::from).collect();
        } else if let Some(kv) = line.strip_prefix("Environment=") {
            let (k, v) = kv.split_once('=').unwrap();
            let v = if k == "NETUSAGE_STORE" {
                store.display().to_string()
            } else {
                v.to_string()
            };
            env.push((k.to_string(), v));
        }
    }
    assert_eq!(args, ["purge", "--execute"]);
    (args, env)
}

/// A store configured for 730 days lost its second year at 365: the
/// nightly job passed no --config. The store now remembers its
/// configuration; an archive ingested under the wrong window is forgotten
/// and read again.
#[test]
fn a_store_remembers_its_window_and_a_source_can_be_forgotten_and_read_again() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let real = chrono::Utc::now();
    let old = (real - chrono::Duration::days(500)).to_rfc3339();
    let recent = (real - chrono::Duration::days(10)).to_rfc3339();
    let log = write_log(
        dir.path(),
        "archive.log",
        &[line(&old, "dan", "x.com"), line(&recent, "dan", "x.com")],
    );
    // Ingested before the council set its window: the old line is refused,
    // and the summary says when it was dated.
    let out = run(&[&"ingest", &"--store", &store, &log]);
    let err = String::from_utf8_lossy(&out.stdout);
    let day = &old[..10];
    assert!(err.contains(&format!("1 of them, dated {day}")), "{err}");
    let r = records(&store).remove(0);
    assert_eq!((r.accepted, r.too_old), (1, 1));
    // Read again as it is: already ingested, and the way out is named.
    let again =
        String::from_utf8_lossy(&run(&[&"ingest", &"--store", &store, &log]).stdout).into_owned();
    assert!(
        again.contains(&format!("netusage store forget {}", r.source)),
        "{again}"
    );
    let config = dir.path().join("council.toml");
    std::fs::write(&config, "[retention]\ndays = 730\n").unwrap();
    ok(&[&"store", &"--store", &store, &"config", &"set", &config]);
    // A blank reason is refused; a held source is refused.
    let blank = run(&[
        &"store",
        &"--store",
        &store,
        &"forget",
        &r.source,
        &"--reason",
        &"\u{200b} ",
    ]);
    assert_eq!(blank.status.code(), Some(2));
    // Held from the day before to the day after (local dates).
    let (from, to) = (
        (real - chrono::Duration::days(11))
            .format("%Y-%m-%d")
            .to_string(),
        (real - chrono::Duration::days(9))
            .format("%Y-%m-%d")
            .to_string(),
    );
    ok(&[
        &"hold",
        &"--store",
        &store,
        &"add",
        &"--reference",
        &"HR-9",
        &"--users",
        &"dan",
        &"--from",
        &from,
        &"--to",
        &to,
        &"--reason",
        &"case",
    ]);
    let held = run(&[
        &"store",
        &"--store",
        &store,
        &"forget",
        &r.source,
        &"--reason",
        &"wrong window",
    ]);
    assert_eq!(held.status.code(), Some(2));
    assert!(stderr(&held).contains("legal hold(s) HR-9 keep 1 event(s)"));
    ok(&[&"hold", &"--store", &store, &"release", &"HR-9"]);
    let forgot = ok(&[
        &"store",
        &"--store",
        &store,
        &"forget",
        &log,
        &"--reason",
        &"ingested before [retention] days = 730",
    ]);
    assert!(
        forgot.contains(&format!("forgot source {}", r.source)) && forgot.contains("1 event(s)"),
        "{forgot}"
    );
    assert!(records(&store).is_empty());
    assert!(events(&store).is_empty());
    // Read again with the store's own window (no --config): both lines.
    ok(&[&"ingest", &"--store", &store, &log]);
    assert_eq!(events(&store).len(), 2);
    // The nightly job, run exactly as the shipped unit runs it, keeps the
    // 500-day-old event: the store's window is 730 days.
    let (args, env) = shipped_unit(&store);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_netusage"))
        .args(&args)
        .envs(env)
        .env_remove("NETUSAGE_TEST_CLOCK")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("nothing to purge"));
    assert_eq!(events(&store).len(), 2);
    // Every audit entry names the configuration by its SHA-256.
    let audit = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["command"], "purge");
    assert_eq!(
        last["config"]["sha256"].as_str().unwrap(),
        sha256_hex(b"[retention]\ndays = 730\n")
    );
    // A --config that is not the store's own says so.
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "[retention]\ndays = 365\n").unwrap();
    let out = run(&[&"purge", &"--store", &store, &"--config", &other]);
    let err = stderr(&out);
    assert!(
        err.contains("is not the store's own configuration"),
        "{err}"
    );
}

/// A purge whose standard output is closed (`| head -1`, a logger that went
/// away) printed its plan first and stopped there: nothing purged, exit 0,
/// no audit entry. It now purges, audits, and only then prints.
#[test]
fn a_purge_into_a_closed_pipe_still_purges_and_audits() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    let mut child = command(&[&"purge", &"--store", &store, &"--now", &NOW, &"--execute"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
    assert_eq!(events(&store).len(), 3);
    let audit = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["result"], "ok: purged");
    assert_eq!(last["details"]["rows_removed"], 3);
}

/// An ingest killed before it finished leaves its quarantined lines in
/// `quarantine/.<source>.jsonl.tmp`, or, killed between renaming that file
/// into place and appending its record, in `quarantine/<source>.jsonl` of
/// a source with no record: raw log text (names, URLs) that no record keeps.
/// A purge removes both with the other leftovers, even when no event has
/// expired, and keeps the quarantine file of a recorded source; before,
/// they stayed for good.
#[test]
fn a_killed_ingests_quarantine_file_is_purged() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = every("2025-06-11T09:00:00Z", 60, 3, "alice", "x.com");
    lines.push("not a squid line".into());
    let log = write_log(dir.path(), "a.log", &lines);
    let store = dir.path().join("store");
    ingest(&store, &log);
    let kept = format!("quarantine/{}.jsonl", records(&store)[0].source);
    assert!(store.join(&kept).is_file());
    let left = [
        "quarantine/.0123456789abcdef.jsonl.tmp",
        "quarantine/fedcba9876543210.jsonl",
    ];
    for name in left {
        std::fs::write(
            store.join(name),
            "{\"line\":7,\"text\":\"alice http://x.com/\"}\n",
        )
        .unwrap();
    }
    let before = snapshot(&store);
    let plan = ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &TEST_NOW,
        &"--format",
        &"json",
    ]);
    assert!(plan.contains("\"leftover_temporary_files\": 2,"), "{plan}");
    ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &TEST_NOW,
        &"--execute",
    ]);
    // Nothing else changed: alice's events, the source's files and its
    // quarantined line stay.
    let mut after = snapshot(&store);
    let mut want = before;
    for name in left {
        assert!(!store.join(name).exists(), "{name}");
        want.remove(name);
    }
    assert!(after.contains_key(&kept));
    after.retain(|k, _| !k.starts_with("holds"));
    want.retain(|k, _| !k.starts_with("holds"));
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert_eq!(after, want);
}

/// Spawns `netusage args` with its standard error piped, and waits (a
/// liveness guard of 120 s, not a timing) for a line of it holding `words`.
/// Returns the running child.
fn spawn_until_it_says(args: &[Arg], words: &str) -> std::process::Child {
    use std::io::BufRead;
    let mut child = command(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let wanted = words.to_string();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains(&wanted) {
                let _ = tx.send(line);
            }
        }
    });
    if rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .is_err()
    {
        let _ = child.kill();
        panic!("netusage {:?} never said `{words}`", shown(args));
    }
    child
}

/// Opens the store's lock file `name` (`.readers`, `.purging`), making it
/// when absent, as netusage does.
fn store_lock(store: &Path, name: &str) -> std::fs::File {
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(store.join(name))
        .unwrap()
}

/// A purge waits for the commands reading the store (which hold a shared
/// lock on `.readers`) before it opens its run or removes anything, and
/// says so; a reader that starts meanwhile queues behind the purge (it
/// cannot starve it); once the first reader ends the purge runs, then the
/// queued reader reads what the purge left. Before, a `usage` run during a
/// purge could fail on a file the purge had just removed.
#[test]
fn a_purge_waits_for_the_commands_reading_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    let entries_before = audit_entries(&store).len();
    let reader = store_lock(&store, ".readers");
    reader.lock_shared().unwrap();
    let purge = spawn_until_it_says(
        &[&"purge", &"--store", &store, &"--now", &NOW, &"--execute"],
        "waiting for the commands reading the store",
    );
    // Waiting: nothing removed, no purge opened in the audit log.
    assert_eq!(audit_entries(&store).len(), entries_before);
    let queued = spawn_until_it_says(
        &[&"usage", &"--store", &store, &"--format", &"csv"],
        "waiting: a purge or `store forget` is removing files from the store",
    );
    drop(reader);
    let out = purge.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    let out = queued.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(events(&store).len(), 3);
}

/// A command that reads the store while a purge removes files waits for
/// it (the purge holds the turnstile `.purging`), says so, and reads the
/// store once the purge ends.
#[test]
fn a_reader_waits_for_a_purge_under_way() {
    let dir = tempfile::tempdir().unwrap();
    let store = old_store(dir.path());
    let alone = usage_csv(&store, None);
    let purging = store_lock(&store, ".purging");
    purging.lock().unwrap();
    let mut child = spawn_until_it_says(
        &[&"usage", &"--store", &store, &"--format", &"csv"],
        "waiting: a purge or `store forget` is removing files from the store",
    );
    assert!(child.try_wait().unwrap().is_none(), "usage did not wait");
    drop(purging);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    assert_eq!(String::from_utf8(out.stdout).unwrap(), alone);
}
