//! A careless operator's inputs never hang or abort the run: symbolic-link
//! loops, FIFOs, sockets and devices, unreadable entries, images, empty
//! folders, NUL bytes, dates in the future, a closed pipe.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::pack::Record;
use crate::common::*;

/// Runs netusage with a deadline: a hang fails the test instead of blocking it.
fn run_within(args: &[Arg], secs: u64) -> std::process::Output {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(secs) {
            let _ = child.kill();
            panic!("netusage {:?} hung for more than {secs} s", shown(args));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Makes a FIFO (named pipe) at `path`.
fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

/// Two logs: `dir/a.log` (alice, 3 requests) and `dir/sub/b.log` (bob, 2).
fn two_logs(dir: &Path) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    write_log(
        dir,
        "a.log",
        &every("2025-06-11T09:00:00Z", 60, 3, "alice", "x.com"),
    );
    write_log(
        &dir.join("sub"),
        "b.log",
        &every("2025-06-12T09:00:00Z", 60, 2, "bob", "x.com"),
    );
}

#[test]
fn a_symlink_loop_is_reported_once_and_every_file_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    two_logs(&logs);
    std::os::unix::fs::symlink("..", logs.join("sub/loop")).unwrap();
    std::os::unix::fs::symlink(logs.join("a.log"), logs.join("sub/again.log")).unwrap();
    let store = dir.path().join("store");
    let out = run_within(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &logs],
        30,
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let t = output_text(&out);
    assert_eq!(t.matches("symbolic-link loop").count(), 1, "{t}");
    assert!(
        t.contains("sub/loop is a symbolic-link loop back to"),
        "{t}"
    );
    let recs = records(&store);
    assert_eq!(
        recs.len(),
        2,
        "a.log once (not again through its link), b.log once"
    );
    assert_eq!(recs.iter().map(|r| r.accepted).sum::<u64>(), 5);
}

#[test]
fn fifos_sockets_and_devices_are_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    two_logs(&logs);
    let fifo = logs.join("pipe");
    mkfifo(&fifo);
    let _sock = std::os::unix::net::UnixListener::bind(logs.join("sock")).unwrap();
    std::os::unix::fs::symlink("/dev/null", logs.join("null")).unwrap();
    let store = dir.path().join("store");
    let out = run_within(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &logs],
        30,
    );
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("pipe is a FIFO (named pipe): skipped, never opened"),
        "{t}"
    );
    assert!(t.contains("sock is a socket: skipped, never opened"), "{t}");
    assert!(t.contains("null is a device: skipped, never opened"), "{t}");
    assert_eq!(records(&store).len(), 2);
    // Named on the command line: refused, exit 1, and the lock is free afterwards.
    for named in [fifo.as_path(), Path::new("/dev/null")] {
        let out = run_within(&[&"ingest", &"--store", &store, &named], 30);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            output_text(&out).contains("not a log file: refused, never opened"),
            "{}",
            output_text(&out)
        );
    }
    ok(&[&"usage", &"--store", &store, &"--format", &"csv"]);
}

#[test]
fn an_unreadable_entry_is_named_and_the_rest_ingested() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    two_logs(&logs);
    // A sub-folder that cannot be read: a link to a folder that is gone.
    std::os::unix::fs::symlink(dir.path().join("gone"), logs.join("archive")).unwrap();
    let store = dir.path().join("store");
    let out = run_within(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &logs],
        30,
    );
    assert_eq!(out.status.code(), Some(1));
    let t = output_text(&out);
    assert!(
        t.contains("error: cannot read") && t.contains("archive"),
        "{t}"
    );
    assert_eq!(records(&store).len(), 2);
}

#[test]
fn an_image_in_a_folder_is_skipped_and_an_empty_folder_warned() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    two_logs(&logs);
    std::fs::write(logs.join("photo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0").unwrap();
    let store = dir.path().join("store");
    let out = run_within(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &logs],
        30,
    );
    let t = output_text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("skipped (not a log):") && t.contains("photo.png is a binary file"),
        "{t}"
    );
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join(".hidden"), "x").unwrap();
    let out = run_within(&[&"ingest", &"--store", &store, &empty], 30);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        output_text(&out).contains("holds no file to read"),
        "{}",
        output_text(&out)
    );
}

#[test]
fn nul_bytes_after_64_kib_and_future_dates_are_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let d = recent_tuesday();
    let mut lines = every(&format!("{d}T09:00:00Z"), 1, 700, "alice", "x.com"); // > 64 KiB
    let mut bad = line(&format!("{d}T10:00:00Z"), "bob", "x.com");
    bad = bad.replace("10.0.0.5", "10.0.\0.5");
    lines.push(bad);
    let future = chrono::Utc::now() + chrono::Duration::hours(2);
    lines.push(line(&future.to_rfc3339(), "carol", "x.com"));
    let near = chrono::Utc::now() + chrono::Duration::seconds(60);
    lines.push(line(&near.to_rfc3339(), "dave", "x.com"));
    let log = write_log(dir.path(), "a.log", &lines);
    assert!(
        std::fs::read(&log)
            .unwrap()
            .iter()
            .position(|&b| b == 0)
            .unwrap()
            > 64 << 10
    );
    let store = dir.path().join("store");
    ok(&[&"ingest", &"--store", &store, &log]);
    let r = &records(&store)[0];
    assert_eq!(
        (r.lines, r.accepted, r.rejected, r.future),
        (703, 701, 2, 1)
    );
    let q = netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!(q[0].line, 701);
    assert!(q[0].reason.contains("NUL byte"), "{}", q[0].reason);
    assert_eq!(q[1].line, 702);
    assert!(q[1].reason.starts_with("later than now"), "{}", q[1].reason);
    // Absolute path, and the path as given beside it.
    assert_eq!(
        r.path,
        std::fs::canonicalize(&log).unwrap().display().to_string()
    );
    assert_eq!(r.given_path, log.display().to_string());
}

/// `netusage report` of alice's record for the one local day `day` (the
/// default [`Record`] under `reference`, written to `dir/<reference>.toml`)
/// into `dir/packs`: the arguments.
fn report_args(
    dir: &Path,
    store: &Path,
    cfg: &Path,
    reference: &str,
    day: chrono::NaiveDate,
) -> Vec<OsString> {
    let auth = dir.join(format!("{reference}.toml"));
    let record = Record {
        reference,
        from: day.to_string(),
        to: day.to_string(),
        ..Record::default()
    };
    std::fs::write(&auth, record.to_string()).unwrap();
    sign_record(store, &auth);
    let args: [Arg; 9] = [
        &"report",
        &"--store",
        &store,
        &"--config",
        &cfg,
        &"--authorisation",
        &auth,
        &"--out",
        &dir.join("packs"),
    ];
    args.iter().map(|a| a.as_ref().to_owned()).collect()
}

/// Runs netusage with its standard output (and error, when `both`) a pipe
/// whose reader has already gone.
fn into_closed_pipe(args: &[Arg], both: bool) -> (Option<i32>, String) {
    let mut child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    if both {
        drop(child.stderr.take());
    }
    let mut err = String::new();
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut err).unwrap();
    }
    (child.wait().unwrap().code(), err)
}

#[test]
fn a_closed_pipe_ends_quietly_with_exit_0() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    let base = recent_tuesday();
    let t = |h: &str| format!("{base}T{h}Z");
    let log = write_log(
        dir.path(),
        "a.log",
        &every(&t("10:00:00"), 60, 30, "alice", "www.facebook.com"),
    );
    let store = dir.path().join("store");
    ok(&[&"ingest", &"--store", &store, &"--config", &cfg, &log]);
    for both in [false, true] {
        let cases: [&[Arg]; 6] = [
            &[&"usage", &"--store", &store],
            &[&"usage", &"--store", &store, &"--format", &"csv"],
            &[&"flags", &"--store", &store, &"--format", &"json"],
            &[&"audit", &"--store", &store, &"verify"],
            &[&"hold", &"--store", &store, &"list"],
            // clap_complete's writer panicked on a closed pipe.
            &[&"completions", &"bash"],
        ];
        for args in cases {
            let (code, err) = into_closed_pipe(args, both);
            let args = shown(args);
            assert_eq!(code, Some(0), "{args:?} both={both}: {err}");
            assert!(err.is_empty(), "{args:?}: no message, got {err}");
        }
    }
    // report: the pack is written before anything is printed, and stays valid.
    let packs = dir.path().join("packs");
    let args = report_args(dir.path(), &store, &cfg, "R-1", base);
    let (code, err) = into_closed_pipe(&args_of(&args), false);
    assert_eq!(code, Some(0), "{err}");
    ok(&[&"verify", &packs.join("R-1")]);
}

#[test]
fn error_messages_use_plain_words() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = write_log(
        dir.path(),
        "a.log",
        &every(
            &format!("{}T10:00:00Z", recent_tuesday()),
            60,
            3,
            "alice",
            "x.com",
        ),
    );
    ok(&[&"ingest", &"--store", &store, &log]);
    let auth = dir.path().join("auth.toml");
    let base = recent_tuesday();
    let record = Record {
        reference: "R-2",
        subject: r#"users = ["nobody"]"#,
        from: base.to_string(),
        to: base.to_string(),
        ..Record::default()
    };
    std::fs::write(&auth, record.to_string()).unwrap();
    sign_record(&store, &auth);
    let out = run(&[
        &"report",
        &"--store",
        &store,
        &"--authorisation",
        &auth,
        &"--out",
        &dir.path().join("p"),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.contains("the subject (users nobody) matches no event"),
        "{err}"
    );
    assert!(!err.contains("None") && !err.contains("Some("), "{err}");
}

#[test]
fn a_fifo_named_as_a_config_rules_people_record_or_import_file_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    two_logs(&logs);
    let fifo = dir.path().join("pipe");
    mkfifo(&fifo);
    let store = dir.path().join("store");
    let log = logs.join("a.log");
    let out = run_within(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &log],
        30,
    );
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let cases: [&[Arg]; 7] = [
        &[&"usage", &"--store", &store, &"--config", &fifo],
        &[&"usage", &"--store", &store, &"--people", &fifo],
        &[&"usage", &"--store", &store, &"--leave", &fifo],
        &[
            &"ingest",
            &"--now",
            &TEST_NOW,
            &"--store",
            &store,
            &"--categories",
            &fifo,
            &log,
        ],
        &[&"report", &"--store", &store, &"--authorisation", &fifo],
        &[
            &"identity",
            &"import",
            &"--store",
            &store,
            &"--kind",
            &"csv",
            &fifo,
        ],
        &[&"dns", &"import", &"--store", &store, &fifo],
    ];
    let f = fifo.display().to_string();
    for args in cases {
        let out = run_within(args, 20);
        let t = output_text(&out);
        let args = shown(args);
        assert_ne!(out.status.code(), Some(0), "{args:?}: {t}");
        assert!(t.contains(&f), "{args:?} names the file: {t}");
        assert!(
            t.contains("not a regular file (a FIFO, socket or device)"),
            "{args:?}: {t}"
        );
    }
    // Nothing was imported by the refused commands: each import's run is
    // in the audit log, closed with its error, and holds no file's entry.
    let entries = audit_entries(&store);
    assert!(entries.iter().any(|e| e["command"] == "ingest"));
    for command in ["identity import", "dns import"] {
        let run: Vec<&str> = (entries.iter())
            .filter(|e| e["command"] == command)
            .map(|e| e["result"].as_str().unwrap())
            .collect();
        assert_eq!(run.len(), 2, "{command}: {run:?}");
        assert_eq!(run[0], "started: importing 1 file(s)");
        assert!(
            run[1].starts_with("error: ") && run[1].contains(&f),
            "{command}: {run:?}"
        );
    }
}

#[test]
fn a_fifo_or_device_as_a_public_key_or_a_source_log_never_hangs_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    let base = recent_tuesday();
    let log = write_log(
        dir.path(),
        "a.log",
        &every(
            &format!("{base}T10:00:00Z"),
            60,
            5,
            "alice",
            "www.facebook.com",
        ),
    );
    let store = dir.path().join("store");
    ok(&[&"ingest", &"--store", &store, &"--config", &cfg, &log]);
    let packs = dir.path().join("packs");
    let args = report_args(dir.path(), &store, &cfg, "R-9", base);
    ok(&args_of(&args));
    let pack = packs.join("R-9");
    // `verify --public-key` named a FIFO (hung) or /dev/zero (read until
    // memory ran out): both refused unread.
    let fifo = dir.path().join("key.pub");
    mkfifo(&fifo);
    for key in [fifo.as_path(), Path::new("/dev/zero")] {
        let out = run_within(&[&"verify", &"--public-key", &key, &pack], 20);
        let t = output_text(&out);
        let key = key.display().to_string();
        assert_ne!(out.status.code(), Some(0), "{key}: {t}");
        assert!(t.contains(&key), "{key} named: {t}");
        assert!(
            t.contains("not a regular file (a FIFO, socket or device)"),
            "{t}"
        );
    }
    // The source log replaced by a FIFO: the next pack quotes no line from
    // it, says why, and does not hang.
    std::fs::remove_file(&log).unwrap();
    mkfifo(&log);
    let args = report_args(dir.path(), &store, &cfg, "R-10", base);
    let out = run_within(&args_of(&args), 60);
    assert_eq!(out.status.code(), Some(0), "{}", output_text(&out));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(packs.join("R-10/data/summary.json")).unwrap())
            .unwrap();
    let status = summary["raw_lines"].to_string();
    assert!(status.contains("not a regular file"), "{status}");
}

/// `usage --coverage --format csv` stopped after one row (its header lacked
/// `conflicts`), and the audit log recorded the failed run as `ok`.
#[test]
fn coverage_csv_has_every_column_and_a_failed_run_is_audited_as_failed() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    two_logs(&logs);
    let store = dir.path().join("store");
    ok(&[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &logs]);
    let csv = ok(&[
        &"usage",
        &"--store",
        &store,
        &"--coverage",
        &"--format",
        &"csv",
    ]);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(
        rows[0],
        [
            "person",
            "date",
            "events",
            "logged",
            "identity",
            "identity_sources",
            "ambiguous",
            "unattributed",
            "logged_pct",
            "conflicts"
        ]
    );
    // alice on 11 June (3 events), bob on 12 June (2), all logged.
    let mut got: Vec<(&str, &str, &str)> = rows[1..].iter().map(|r| (r[1], r[2], r[9])).collect();
    got.sort();
    assert_eq!(got, [("2025-06-11", "3", "0"), ("2025-06-12", "2", "0")]);
    // Output that cannot be written (a full disk): the entry says so.
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = command(&[&"usage", &"--store", &store])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let last = audit_entries(&store).pop().unwrap();
    assert_eq!(last["command"], "usage");
    assert!(
        last["result"].as_str().unwrap().starts_with("error: ")
            && last["result"]
                .as_str()
                .unwrap()
                .contains("No space left on device"),
        "{last}"
    );
}

/// Runs `command(args)` as on a disk that is full once a file it writes
/// reaches `limit` bytes: a file-size limit (`RLIMIT_FSIZE`), with SIGXFSZ
/// ignored so that a write past it fails (EFBIG) instead of killing it.
fn on_a_full_disk(args: &[Arg], limit: u64) -> std::process::Output {
    limited(args, libc::RLIMIT_FSIZE, limit)
}

/// Alice's three requests of 11 June 2025, in `dir/a.log`.
fn alices_log(dir: &Path) -> PathBuf {
    write_log(
        dir,
        "a.log",
        &every("2025-06-11T09:00:00Z", 60, 3, "alice", "x.com"),
    )
}

/// A disk that fills up while an entry is being appended to the audit log
/// (here a hundred bytes past the log's end, so the entry is cut short):
/// the command fails, the log is cut back to what it was, and the next
/// command appends as before. Before, the torn last line stayed, and every
/// later ingest, usage and purge refused to run.
#[test]
fn a_full_disk_while_appending_to_the_audit_log_leaves_it_whole() {
    let dir = tempfile::tempdir().unwrap();
    let log = alices_log(dir.path());
    let store = dir.path().join("store");
    ingest(&store, &log);
    let audit = store.join("audit.jsonl");
    let before = std::fs::read(&audit).unwrap();
    let entries = audit_entries(&store).len();
    let out = on_a_full_disk(
        &[&"usage", &"--store", &store, &"--format", &"csv"],
        before.len() as u64 + 100,
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        err.contains(&format!(
            "cannot append to {}; nothing was appended",
            audit.display()
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(&audit).unwrap(), before);
    ok(&[&"audit", &"--store", &store, &"verify"]);
    ok(&[&"usage", &"--store", &store, &"--format", &"csv"]);
    let after = audit_entries(&store);
    assert_eq!(after.len(), entries + 1);
    assert_eq!(after.last().unwrap()["command"], "usage");
}

/// The day files of `source` in `store`, by path under `events/`.
fn day_files(store: &Path, source: &str) -> Vec<String> {
    let mut out = Vec::new();
    for day in std::fs::read_dir(store.join("events")).unwrap() {
        let day = day.unwrap().path();
        for f in std::fs::read_dir(&day).unwrap() {
            let name = f.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with(source) {
                out.push(format!(
                    "{}/{name}",
                    day.file_name().unwrap().to_string_lossy()
                ));
            }
        }
    }
    out.sort();
    out
}

/// Events in `store`, summed over `usage --coverage`'s person-days.
fn events(store: &Path) -> u64 {
    let csv = ok(&[
        &"usage",
        &"--store",
        &store,
        &"--coverage",
        &"--format",
        &"csv",
    ]);
    let mut rows = csv.lines();
    assert!(
        rows.next().unwrap().starts_with("person,date,events,"),
        "{csv}"
    );
    rows.map(|l| l.split(',').nth(2).unwrap().parse::<u64>().unwrap())
        .sum()
}

/// An ingest that fails after its day files are renamed into place (here
/// the quarantine file cannot be: a folder stands at its name) takes them
/// out again: the store holds no event its sources do not account for.
/// Before, they stayed (read by nothing while no record named their
/// source, until a purge), and a retry of the same file, which gets the
/// same source id, made them count again, even days the retry refused
/// under a later cutoff or clock. And day files an ingest left when killed
/// between the renames and its record are removed when the same file is
/// ingested again, not counted twice.
#[test]
fn a_failed_or_killed_ingest_leaves_no_day_files_behind() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = every("2025-06-11T09:00:00Z", 60, 3, "alice", "x.com");
    lines.extend(every("2025-06-12T09:00:00Z", 60, 2, "alice", "x.com"));
    lines.push("not a log line".into());
    let log = write_log(dir.path(), "a.log", &lines);
    // The file's source id, from a store of its own.
    let first = dir.path().join("first");
    ingest(&first, &log);
    let source = records(&first)[0].source.clone();
    assert_eq!(
        day_files(&first, &source),
        [
            format!("date=2025-06-11/{source}.parquet"),
            format!("date=2025-06-12/{source}.parquet")
        ]
    );

    let store = dir.path().join("store");
    let other = write_log(
        dir.path(),
        "b.log",
        &every("2025-06-10T09:00:00Z", 60, 2, "bob", "x.com"),
    );
    ingest(&store, &other);
    let blocker = store.join("quarantine").join(format!("{source}.jsonl"));
    std::fs::create_dir_all(blocker.join("x")).unwrap();
    let args: [Arg; 6] = [&"ingest", &"--now", &TEST_NOW, &"--store", &store, &log];
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        output_text(&out).contains("cannot rename"),
        "{}",
        output_text(&out)
    );
    assert_eq!(day_files(&store, &source), Vec::<String>::new());
    assert!(!store.join("events/date=2025-06-11").exists());
    assert_eq!(records(&store).len(), 1);
    // bob's 2 requests only.
    assert_eq!(events(&store), 2);
    std::fs::remove_dir_all(&blocker).unwrap();

    // Killed between renaming a day file and writing the record: a file of
    // the source's that the next ingest of the log would not write over.
    let day = store.join("events/date=2025-06-11");
    std::fs::create_dir_all(&day).unwrap();
    std::fs::copy(
        first.join(format!("events/date=2025-06-11/{source}.parquet")),
        day.join(format!("{source}.p2.parquet")),
    )
    .unwrap();
    ingest(&store, &log);
    assert_eq!(
        day_files(&store, &source),
        [
            format!("date=2025-06-11/{source}.parquet"),
            format!("date=2025-06-12/{source}.parquet")
        ]
    );
    // bob's 2 requests and alice's 5, each once.
    assert_eq!(events(&store), 7);
    assert_eq!(events(&first), 5);
}

/// A file that fails fails the run even when standard output is a closed
/// pipe, and the run's error on standard error names it and why (its
/// `error:` line went to the closed output). Before, the closed pipe ended
/// the run quietly with exit 0.
#[test]
fn a_failed_file_fails_the_run_into_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let log = alices_log(dir.path());
    let missing = dir.path().join("missing.log");
    let store = dir.path().join("store");
    let args: [Arg; 7] = [
        &"ingest", &"--now", &TEST_NOW, &"--store", &store, &log, &missing,
    ];
    let (code, err) = into_closed_pipe(&args, false);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "1 of 2 files could not be ingested:\n  cannot read {}: No such file or directory",
            missing.display()
        )),
        "{err}"
    );
    // The other file is stored.
    assert_eq!(records(&store).len(), 1);
}

/// A disk that fills up while ingest writes a file's quarantined lines:
/// the error names the file it could not write, nothing of the log is
/// stored, and the store takes the log once there is room. Before, the
/// error was a bare "No space left on device", naming no file.
#[test]
fn a_full_disk_while_quarantining_names_the_file_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest(&store, &alices_log(dir.path()));
    // 4,000 lines that are not a log's, 150 bytes each, after 30 good ones
    // (so the format is told): about 1 MB of quarantine, against a limit
    // of 256 KiB.
    let mut lines = every("2025-06-12T09:00:00Z", 60, 30, "bob", "x.com");
    lines.extend((0..4000).map(|i| format!("not a log line {i:>5} {}", "x".repeat(128))));
    let log = write_log(dir.path(), "b.log", &lines);
    let out = on_a_full_disk(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &log],
        256 << 10,
    );
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let quarantine = store.join("quarantine");
    assert!(
        text.contains(&format!("cannot write {}/.", quarantine.display()))
            && text.contains(".jsonl.tmp: File too large"),
        "{text}"
    );
    assert_eq!(records(&store).len(), 1);
    assert_eq!(events(&store), 3);
    ok(&[&"audit", &"--store", &store, &"verify"]);
    ingest(&store, &log);
    assert_eq!(events(&store), 33);
}

/// A disk that fills up while ingest writes a day's Parquet file: the
/// error names the file and, first, the system's reason (when the footer
/// is what fails, the Parquet writer's own error says only "Invalid
/// thrift: transport error"), and nothing of the log is stored.
#[test]
fn a_full_disk_while_writing_a_day_file_names_the_file_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest(&store, &alices_log(dir.path()));
    // 20,000 requests to as many hosts: a day file far past 64 KiB.
    let start = ms("2025-06-12T00:00:00Z") / 1000;
    let lines: Vec<String> = (0..20_000)
        .map(|i| {
            let t = chrono::DateTime::from_timestamp(start + i, 0).unwrap();
            line(&t.to_rfc3339(), "bob", &format!("h{i}.site{i}.example.com"))
        })
        .collect();
    let log = write_log(dir.path(), "b.log", &lines);
    let out = on_a_full_disk(
        &[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &log],
        64 << 10,
    );
    let text = output_text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    let day = store.join("events/date=2025-06-12");
    assert!(
        text.contains(&format!("{}/.", day.display()))
            && text.contains(".parquet.tmp: File too large (os error 27)"),
        "{text}"
    );
    assert_eq!(records(&store).len(), 1);
    assert_eq!(events(&store), 3);
}

/// A disk that fills up when ingest opens its run in the audit log stores
/// nothing; one that fills up at the run's closing entry, after the log is
/// stored, gives an error that says the file was stored under the opened
/// run (not a bare "cannot append"). The audit log is whole either way,
/// and the log is in the store once there is room.
#[test]
fn a_full_disk_at_the_audit_entry_says_what_was_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest(&store, &alices_log(dir.path()));
    // An audit log longer than the day file to come, so that only the
    // entries pass the limit.
    for _ in 0..20 {
        ok(&[&"usage", &"--store", &store, &"--format", &"csv"]);
    }
    let audit = store.join("audit.jsonl");
    let before = std::fs::read(&audit).unwrap();
    let log = write_log(
        dir.path(),
        "b.log",
        &every("2025-06-12T09:00:00Z", 60, 2, "bob", "x.com"),
    );
    let args: Vec<Arg> = vec![&"ingest", &"--now", &TEST_NOW, &"--store", &store, &log];
    let out = on_a_full_disk(&args, before.len() as u64 + 100);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "cannot append to {}; nothing was appended",
            audit.display()
        )),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read(&audit).unwrap(), before);
    assert_eq!(records(&store).len(), 1);
    // The opening entry's length, from the same run on a copy of the store
    // at the same path (its fields are all of fixed length here).
    let kept = dir.path().join("kept");
    copy_tree(&store, &kept);
    ok(&args);
    let opening = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .rev()
        .nth(1)
        .unwrap()
        .len() as u64
        + 1;
    std::fs::remove_dir_all(&store).unwrap();
    copy_tree(&kept, &store);
    let out = on_a_full_disk(&args, before.len() as u64 + opening + 100);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let seq = audit_entries(&store).last().unwrap()["seq"]
        .as_u64()
        .unwrap();
    assert!(
        err.contains(&format!(
            "1 file(s) were stored (their records in {} name run {seq}), but the run's closing audit entry \
             could not be written: the audit log shows the run opened in entry {seq} and not finished: \
             cannot append to {}; nothing was appended",
            store.join("sources.jsonl").display(),
            audit.display()
        )),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&audit).unwrap().len() as u64,
        before.len() as u64 + opening
    );
    ok(&[&"audit", &"--store", &store, &"verify"]);
    let recs = records(&store);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].run, Some(seq));
    assert_eq!(events(&store), 5);
}

/// An ingest run is in the audit log before anything is stored: killed
/// after its first file (the test build's crash hook aborts, as SIGKILL
/// would), it leaves an opening entry with no closing one, the record of
/// the file it stored names that entry, and `audit verify` says so. The
/// next run stores the second file. Before, a killed run had stored files
/// with no audit entry at all.
#[test]
fn a_killed_ingest_run_is_in_the_audit_log_with_what_it_stored() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let a = alices_log(dir.path());
    let b = write_log(
        dir.path(),
        "b.log",
        &every("2025-06-12T09:00:00Z", 60, 2, "bob", "x.com"),
    );
    let out = command(&[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &a, &b])
        .env("NETUSAGE_INGEST_CRASH_AFTER", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let entries = audit_entries(&store);
    let opened = entries.last().unwrap();
    assert_eq!(opened["command"], "ingest");
    assert_eq!(opened["result"], "started: ingesting 2 file(s)");
    assert_eq!(
        opened["details"]["paths"],
        serde_json::json!([a.display().to_string(), b.display().to_string()])
    );
    let seq = opened["seq"].as_u64().unwrap();
    let recs = records(&store);
    assert_eq!(recs.len(), 1);
    assert_eq!(recs[0].run, Some(seq));
    assert_eq!(events(&store), 3);
    let verified = ok(&[&"audit", &"--store", &store, &"verify"]);
    assert!(
        verified.contains(&format!(
            "note: the ingest run opened at entry {seq} ({}) has no closing entry: it was stopped before it \
             ended (killed, or its machine failed), or is still running. It stored 1 file(s) still in \
             the store",
            opened["ts"].as_str().unwrap()
        )),
        "{verified}"
    );
    ingest_as_of(&store, TEST_NOW, &[], &b);
    let entries = audit_entries(&store);
    let closing = entries.last().unwrap();
    assert_eq!(closing["result"], "ok");
    assert_eq!(
        closing["details"]["completes"],
        entries[entries.len() - 2]["seq"]
    );
    assert_eq!(records(&store).len(), 2);
    assert_eq!(events(&store), 5);
    // The finished run is closed; only the killed one is noted.
    let verified = ok(&[&"audit", &"--store", &store, &"verify"]);
    assert_eq!(
        verified.matches("note: the ingest run").count(),
        1,
        "{verified}"
    );
}
