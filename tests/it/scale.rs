//! Council scale: streamed analysis equals the analysis of every event at
//! once, many small files equal one big one, and a nightly purge of one day
//! leaves every other partition of a year-long store untouched.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use crate::common::*;
use chrono::NaiveDate;
use netusage::classify::is_social;
use netusage::config::Config;
use netusage::event::col;
use netusage::store::Store;
use netusage::store::scan::{Range, scan};
use netusage::usage::COLUMNS;
use netusage::usage::schedule::{Plan, Split};
use netusage::usage::sessions::{sessionize, union};
use netusage::{identity, synth};

/// `usage --format csv` rows keyed by (person, category), the person given
/// as the account behind the pseudonym (so stores with different keys compare).
type Rows = BTreeMap<(String, String), Vec<String>>;

/// [`usage_csv`] of `store` (with `config` when given) as [`Rows`].
fn usage_rows(store: &Path, config: Option<&Path>) -> Rows {
    let out = usage_csv(store, config);
    let s = Store::open(store).unwrap();
    let users = netusage::store::scan::users(&s, &Range::default()).unwrap();
    // A logged name that reads `ip:…` is its own person, keyed `logged:ip:…`
    // (netusage::event::person_key), apart from the address's events.
    let behind: HashMap<String, String> = users
        .iter()
        .flat_map(|u| [u.clone(), format!("logged:{u}")])
        .map(|u| (identity::pseudonym(s.key(), &u), u))
        .collect();
    let mut rows = Rows::new();
    for line in out.lines().skip(1) {
        let f: Vec<String> = line.split(',').map(String::from).collect();
        // The reference analyses count no background traffic: the
        // `background` column (f[8]) is left out, and so is a category row
        // that holds nothing else.
        if f[1] != "social_media" && f[5] == "0" && f[7] == "0" {
            continue;
        }
        let mut v = f[2..].to_vec();
        v.remove(6);
        rows.insert((behind[&f[0]].clone(), f[1].clone()), v);
    }
    rows
}

/// The analysis as it was before it streamed: every event of the store in
/// memory, per person and site sorted and cut into sessions, the union per
/// category and over social media split on the schedule. Gives the same
/// rows as `usage --format csv` (person as the account).
fn in_memory_usage(store: &Path, config: &Config) -> Rows {
    let s = Store::open(store).unwrap();
    let df = scan(&s, &Range::default(), &COLUMNS).unwrap();
    let ts = ts_ms(&df);
    let str_col = |c: &str| df.column(c).unwrap().str().unwrap().clone();
    let (user, site, cat) = (
        str_col(col::USER),
        str_col(col::SITE),
        str_col(col::CATEGORY),
    );
    let embedded = df.column(col::EMBEDDED).unwrap().bool().unwrap().clone();
    let denied = df.column(col::DENIED).unwrap().bool().unwrap().clone();
    let schedule = config.schedule().unwrap();
    let policy = config.policy().unwrap();
    let params = config.params();
    // user → (site, category) → requests; user → category → blocked
    type Sites = BTreeMap<(String, String), Vec<(i64, bool)>>;
    let mut requests: BTreeMap<String, Sites> = BTreeMap::new();
    let mut blocked: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (i, &t) in ts.iter().enumerate() {
        let u = user.get(i).unwrap().to_string();
        let c = cat.get(i).unwrap().to_string();
        if denied.get(i).unwrap() {
            *blocked.entry(u.clone()).or_default().entry(c).or_default() += 1;
            requests.entry(u).or_default();
            continue;
        }
        requests
            .entry(u)
            .or_default()
            .entry((site.get(i).unwrap().to_string(), c))
            .or_default()
            .push((t, embedded.get(i).unwrap()));
    }
    let mut rows = Rows::new();
    for (u, sites) in requests {
        let mut per_cat: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
        for ((_, c), mut reqs) in sites {
            reqs.sort_unstable();
            for x in sessionize(&reqs, params)
                .iter()
                .filter(|x| !x.embedded_only)
            {
                per_cat
                    .entry(c.clone())
                    .or_default()
                    .push((x.start_ms, x.end_ms));
            }
        }
        let no_blocks = BTreeMap::new();
        let blocks = blocked.get(&u).unwrap_or(&no_blocks);
        let mut cats: BTreeMap<String, (Split, i64, u64, u64)> = BTreeMap::new();
        let mut social = Vec::new();
        for (c, intervals) in per_cat {
            let e = cats.entry(c.clone()).or_default();
            e.2 = intervals.len() as u64;
            if is_social(&c) {
                social.extend(intervals.iter().copied());
            }
            for (a, b) in union(intervals) {
                e.0.merge(&schedule.split(a, b));
                e.1 += b - a;
            }
        }
        for (c, n) in blocks {
            cats.entry(c.clone()).or_default().3 = *n;
        }
        let mut days = BTreeMap::new();
        let mut social_total = 0;
        for (a, b) in union(social) {
            schedule.split_by_day(a, b, &mut days);
            social_total += b - a;
        }
        let mut social_split = Split::default();
        for d in days.values() {
            social_split.merge(d);
        }
        let (_, flagged) = policy.evaluate(&u, &days);
        let row = |split: &Split, total: i64, sessions: u64, blocked: u64| {
            vec![
                (split.working_ms / 1000).to_string(),
                (split.break_ms / 1000).to_string(),
                (split.outside_ms / 1000).to_string(),
                (total / 1000).to_string(),
                sessions.to_string(),
                blocked.to_string(),
                flagged.to_string(),
            ]
        };
        let (mut social_sessions, mut social_blocked) = (0, 0);
        for (c, (split, total, sessions, blocked)) in &cats {
            if is_social(c) {
                social_sessions += sessions;
                social_blocked += blocked;
            }
            if *total > 0 || *blocked > 0 {
                rows.insert(
                    (u.clone(), c.clone()),
                    row(split, *total, *sessions, *blocked),
                );
            }
        }
        rows.insert(
            (u.clone(), "social_media".into()),
            row(&social_split, social_total, social_sessions, social_blocked),
        );
    }
    rows
}

/// Asserts two row sets are equal, naming the first rows that differ.
fn assert_same(got: &Rows, want: &Rows) {
    let keys: std::collections::BTreeSet<_> = got.keys().chain(want.keys()).collect();
    let diffs: Vec<String> = keys
        .into_iter()
        .filter(|k| got.get(*k) != want.get(*k))
        .take(5)
        .map(|k| format!("{k:?}: got {:?}, want {:?}", got.get(k), want.get(k)))
        .collect();
    assert!(diffs.is_empty(), "rows differ:\n{}", diffs.join("\n"));
}

/// `dir/generated.log`: a synthetic council log of `lines` lines by `users`
/// people from `start`.
fn generated_log(dir: &Path, users: usize, lines: u64, start: NaiveDate) -> PathBuf {
    let path = dir.join("generated.log");
    let opts = synth::Options {
        seed: 11,
        start,
        users,
        lines,
        malformed_per_10k: 2,
    };
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    synth::generate(&opts, &mut f).unwrap();
    drop(f);
    path
}

/// Ingests `sample_logs/` with the sample council's config, as of just after
/// the samples' dates (as the README's main command does).
fn ingest_samples(store: &Path) {
    let samples = sample_logs(store.parent().unwrap());
    let config = council_config();
    ingest_as_of(
        store,
        "2026-11-20T12:00:00Z",
        &[&"--config", &config],
        &samples,
    );
}

#[test]
fn streamed_usage_equals_the_in_memory_analysis_on_the_sample_logs() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest_samples(&store);
    let config = Config::load(Some(&council_config())).unwrap();
    let streamed = usage_rows(&store, Some(&council_config()));
    let expected = in_memory_usage(&store, &config);
    assert!(streamed.len() > 100, "{} rows", streamed.len());
    assert_same(&streamed, &expected);
}

#[test]
fn streamed_usage_equals_the_in_memory_analysis_on_a_generated_multi_week_log() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // 25 people, 400,000 lines: about five weeks of a small office, with
    // sessions that run past midnight and across the partitions' UTC days.
    let log = generated_log(
        dir.path(),
        25,
        400_000,
        NaiveDate::from_ymd_opt(2025, 9, 1).unwrap(),
    );
    let config = council_config();
    ingest_as_of(&store, TEST_NOW, &[&"--config", &config], &log);
    let s = Store::open(&store).unwrap();
    let days = netusage::store::scan::partitions_by_day(&s, &Range::default()).unwrap();
    assert!(days.len() >= 28, "{} days", days.len());
    let config = Config::load(Some(&council_config())).unwrap();
    let streamed = usage_rows(&store, Some(&council_config()));
    assert_same(&streamed, &in_memory_usage(&store, &config));
    assert_eq!(
        streamed.keys().filter(|(_, c)| c == "social_media").count(),
        25
    );
}

/// Every event of a store, all columns but where it came from (source,
/// line), as text, sorted.
fn rows_without_origin(store: &Path) -> Vec<String> {
    let s = Store::open(store).unwrap();
    let schema = netusage::event::schema();
    let columns: Vec<&str> = schema
        .iter_names()
        .map(|n| n.as_str())
        .filter(|n| *n != col::SOURCE && *n != col::LINE)
        .collect();
    let mut df = scan(&s, &Range::default(), &columns).unwrap();
    // As milliseconds: Polars prints a zoned time only with its `timezones` feature.
    let ms = df
        .column(col::TS)
        .unwrap()
        .cast(&polars::prelude::DataType::Int64)
        .unwrap();
    df.replace(col::TS, ms).unwrap();
    let cols = df.columns();
    let mut out: Vec<String> = (0..df.height())
        .map(|i| {
            cols.iter()
                .map(|c| c.get(i).unwrap().to_string())
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect();
    out.sort();
    out
}

#[test]
fn one_file_and_the_same_lines_in_100_files_give_the_same_rows_and_usage() {
    let dir = tempfile::tempdir().unwrap();
    let log = generated_log(
        dir.path(),
        12,
        30_000,
        NaiveDate::from_ymd_opt(2025, 10, 6).unwrap(),
    );
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let parts = dir.path().join("parts");
    std::fs::create_dir(&parts).unwrap();
    for (i, chunk) in lines.chunks(lines.len().div_ceil(100)).enumerate() {
        std::fs::write(
            parts.join(format!("access-{i:03}.log")),
            chunk.join("\n") + "\n",
        )
        .unwrap();
    }
    assert_eq!(std::fs::read_dir(&parts).unwrap().count(), 100);
    let (one, many) = (dir.path().join("one"), dir.path().join("many"));
    ingest(&one, &log);
    ingest(&many, &parts);
    // The generator's malformed lines: cut short, a daemon warning, a bad status.
    let malformed = lines
        .iter()
        .filter(|l| l.split_whitespace().count() < 10 || l.contains("/2OO "))
        .count();
    assert!(malformed > 0);
    let rows = rows_without_origin(&one);
    assert_eq!(rows.len(), 30_000 - malformed);
    assert_eq!(rows, rows_without_origin(&many));
    let usage = usage_rows(&one, None);
    assert_eq!(
        usage.keys().filter(|(_, c)| c == "social_media").count(),
        12
    );
    assert_same(&usage, &usage_rows(&many, None));
}

#[test]
fn purging_one_expired_day_of_a_365_day_store_touches_only_that_day() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // One request a day at 12:00 UTC, 2025-11-21 to 2026-11-20: 365 days.
    let first = NaiveDate::from_ymd_opt(2025, 11, 21).unwrap();
    let lines: Vec<String> = (0..365)
        .map(|d| {
            let day = first + chrono::Duration::days(d);
            line(&format!("{day}T12:00:00Z"), "alice", "www.facebook.com")
        })
        .collect();
    let log = write_log(dir.path(), "year.log", &lines);
    ingest_as_of(&store, "2026-11-21T00:00:00Z", &[], &log);
    let partitions = |store: &Path| -> BTreeMap<String, (Vec<u8>, std::time::SystemTime)> {
        let mut out = BTreeMap::new();
        for d in std::fs::read_dir(store.join("events")).unwrap() {
            for f in std::fs::read_dir(d.unwrap().path()).unwrap() {
                let p = f.unwrap().path();
                let rel = p.strip_prefix(store).unwrap().display().to_string();
                let modified = p.metadata().unwrap().modified().unwrap();
                out.insert(rel, (std::fs::read(&p).unwrap(), modified));
            }
        }
        out
    };
    let before = partitions(&store);
    assert_eq!(before.len(), 365);
    // The cutoff is 2025-11-22T10:00:00Z: only 2025-11-21 has expired.
    let out = ok(&[
        &"purge",
        &"--store",
        &store,
        &"--now",
        &"2026-11-22T10:00:00Z",
        &"--execute",
    ]);
    assert!(out.contains("date=2025-11-21"), "{out}");
    let mut after = partitions(&store);
    let gone: Vec<&String> = before.keys().filter(|k| !after.contains_key(*k)).collect();
    assert_eq!(gone.len(), 1);
    assert!(gone[0].starts_with("events/date=2025-11-21/"), "{gone:?}");
    assert!(!store.join("events/date=2025-11-21").exists());
    for (path, (bytes, modified)) in before.iter().filter(|(k, _)| !k.contains("2025-11-21")) {
        let (b, m) = after.remove(path).unwrap();
        assert!(&b == bytes && &m == modified, "{path} was touched");
    }
    assert!(after.is_empty());
}

/// Runs examples/browse_time.sql in DuckDB (Python package `duckdb`, which
/// `.ci/run` installs from PyPI) on the store; returns its rows as `usage_rows` does.
fn duckdb_usage(store: &Path, windows: &Path) -> Rows {
    let sql = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/browse_time.sql");
    let script = r#"
import sys
import duckdb
store, windows, sql = sys.argv[1:4]
con = duckdb.connect()
con.execute(f"""CREATE VIEW events AS SELECT CASE WHEN user_logged AND ("user" LIKE 'ip:%'
    OR "user" LIKE 'logged:%') THEN 'logged:' || "user" ELSE "user" END AS person, site, category,
    embedded, denied, epoch_ms(ts) AS t_ms FROM read_parquet('{store}/events/date=*/*.parquet', hive_partitioning = false)""")
con.execute(f"CREATE VIEW windows AS SELECT * FROM read_csv('{windows}', header = true)")
for row in con.execute(open(sql).read()).fetchall():
    print(",".join(str(x) for x in row))
"#;
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(store)
        .arg(windows)
        .arg(&sql)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "DuckDB (python3 -m pip install duckdb) failed:\n{}",
        stderr(&out)
    );
    let mut rows = Rows::new();
    for line in String::from_utf8(out.stdout).unwrap().lines() {
        let f: Vec<String> = line.split(',').map(String::from).collect();
        rows.insert((f[0].clone(), f[1].clone()), f[2..].to_vec());
    }
    rows
}

/// Runs the SQL example on `store` with the schedule of `config` and
/// asserts it equals `usage`; returns the usage rows.
fn sql_equals_usage(dir: &Path, store: &Path, config: &Path) -> Rows {
    // The schedule's windows over the events' dates, a day either side.
    let s = Store::open(store).unwrap();
    let df = scan(&s, &Range::default(), &[col::TS]).unwrap();
    let ts = ts_ms(&df);
    let date = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap()
            .date_naive()
    };
    let first = date(*ts.iter().min().unwrap()) - chrono::Duration::days(1);
    let last = date(*ts.iter().max().unwrap()) + chrono::Duration::days(1);
    let windows = dir.join("windows.csv");
    let (first, last) = (first.to_string(), last.to_string());
    let csv = ok(&[
        &"windows",
        &"--config",
        &config,
        &"--from",
        &first,
        &"--to",
        &last,
    ]);
    std::fs::write(&windows, csv).unwrap();
    let usage = usage_rows(store, Some(config));
    assert_same(&duckdb_usage(store, &windows), &usage);
    usage
}

#[test]
#[cfg_attr(
    duckdb_missing,
    ignore = "needs Python's duckdb package (python3 -m pip install duckdb; installed by .ci/run)"
)]
fn the_sql_example_in_duckdb_equals_usage_to_the_second() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    ingest_samples(&store);
    let usage = sql_equals_usage(dir.path(), &store, &council_config());
    assert!(usage.values().any(|r| r[6] == "true"), "someone is flagged");
    assert!(
        usage.values().any(|r| r[1] != "0"),
        "someone browses in a break"
    );
}

#[test]
#[cfg_attr(
    duckdb_missing,
    ignore = "needs Python's duckdb package (python3 -m pip install duckdb; installed by .ci/run)"
)]
fn the_sql_example_leaves_out_background_traffic_and_counts_flexi_as_usage_does() {
    let dir = tempfile::tempdir().unwrap();
    // alice reads 10:00–10:20 and leaves the tab polling every 60 s until
    // 12:30 (background); bob's tab polls every 45 s (±1 s) for 25 minutes
    // only (too short: browse time); carol reads at 16:30 in the flexitime
    // band of a schedule with core hours.
    let mut lines = reading("2025-06-11T10:00:00Z", 60, 21, "alice", "www.facebook.com");
    lines.extend(every(
        "2025-06-11T10:22:00Z",
        60,
        129,
        "alice",
        "www.facebook.com",
    ));
    lines.extend((0..34).map(|k| {
        let t = ms("2025-06-11T11:00:00Z") + k * 45_000 + if k % 2 == 1 { 1000 } else { 0 };
        let at = chrono::DateTime::from_timestamp_millis(t).unwrap();
        line(&at.to_rfc3339(), "bob", "x.com")
    }));
    lines.extend(reading(
        "2025-06-11T16:30:00Z",
        60,
        11,
        "carol",
        "www.facebook.com",
    ));
    // A proxy login that reads `ip:10.0.0.9` (3 requests, 13:00–13:02) and
    // events logged with only the address 10.0.0.9 (5 requests,
    // 13:00–13:04): two people, never one.
    lines.extend(every(
        "2025-06-11T13:00:00Z",
        60,
        3,
        "ip:10.0.0.9",
        "www.facebook.com",
    ));
    lines.extend(
        every("2025-06-11T13:00:00Z", 60, 5, "-", "www.facebook.com")
            .into_iter()
            .map(|l| l.replacen(" 10.0.0.5 ", " 10.0.0.9 ", 1)),
    );
    let log = write_log(dir.path(), "access.log", &lines);
    let store = dir.path().join("store");
    ingest(&store, &log);
    let config = dir.path().join("flexi.toml");
    std::fs::write(
        &config,
        "[schedule]\ntime_zone = \"UTC\"\nbank_holidays = \"none\"\n\
         core_hours = [[\"10:00\", \"12:00\"], [\"14:00\", \"16:00\"]]\n",
    )
    .unwrap();
    let usage = sql_equals_usage(dir.path(), &store, &config);
    let total = |who: &str, cat: &str| usage[&(who.to_string(), cat.to_string())][3].clone();
    // alice: one session 10:00:00–10:21:00, the polls left out.
    assert_eq!(total("alice", "social_media"), "1260");
    // bob: 33 gaps of 44 or 46 s, steady but 24 min 46 s in all: one
    // session 11:00:00–11:24:46 + 60 s.
    assert_eq!(total("bob", "microblogging"), "1546");
    // The logged `ip:10.0.0.9`: 2 min + 60 s; the address: 4 min + 60 s.
    assert_eq!(total("logged:ip:10.0.0.9", "social_media"), "180");
    assert_eq!(total("ip:10.0.0.9", "social_media"), "300");
    // carol: 16:30–16:41, working time (flexi band).
    assert_eq!(
        usage[&("carol".to_string(), "social_media".to_string())][0],
        "660"
    );
}

/// Bob's two requests of 12 June 2025, in `dir/b.log`.
fn other_log(dir: &Path) -> PathBuf {
    write_log(
        dir,
        "b.log",
        &every("2025-06-12T09:00:00Z", 60, 2, "bob", "x.com"),
    )
}

#[test]
fn ingest_timings_name_every_phase_after_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let lines = every("2025-06-11T09:00:00Z", 30, 40, "alice", "www.facebook.com");
    let log = write_log(dir.path(), "a.log", &lines);
    let store = dir.path().join("store");
    let out = run(&[
        &"ingest",
        &"--timings",
        &"--now",
        &TEST_NOW,
        &"--store",
        &store,
        &log,
    ]);
    assert!(out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    // The new store is named first, then the timings.
    let created = |s: &Path| format!("note: created a new store at {}, ", s.display());
    let (note, err) = err.split_once('\n').unwrap();
    assert!(note.starts_with(&created(&store)), "{note}");
    assert!(err.starts_with("timings: "), "{err}");
    assert!(err.contains(" wall for 40 lines ("), "{err}");
    let phases: Vec<&str> = err
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        phases,
        ["read", "parse", "classify", "encode", "dedup", "write"]
    );
    // Without --timings, nothing else on standard error.
    let again = dir.path().join("store2");
    let out = run(&[&"ingest", &"--now", &TEST_NOW, &"--store", &again, &log]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with(&created(&again)), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // Into a store that exists, nothing at all.
    let out = run(&[
        &"ingest",
        &"--now",
        &TEST_NOW,
        &"--store",
        &again,
        &other_log(dir.path()),
    ]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_day_the_log_comes_back_to_after_its_file_was_finished_gets_a_second_part() {
    let dir = tempfile::tempdir().unwrap();
    // Ten days in order, one request each, then a late line for the first:
    // at most eight days are open at once, so day 1's file was finished.
    let first = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
    let mut lines: Vec<String> = (0..10)
        .map(|d| {
            line(
                &format!("{}T10:00:00Z", first + chrono::Duration::days(d)),
                "alice",
                "www.bbc.co.uk",
            )
        })
        .collect();
    lines.push(line("2025-06-02T11:00:00Z", "alice", "www.bbc.co.uk"));
    // Blocks are 4 MiB: pad each day so the late line is in a later block.
    let mut padded = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        padded.push(l.clone());
        if i < 10 {
            let day = first + chrono::Duration::days(i as i64);
            padded.extend(every(
                &format!("{day}T10:00:01Z"),
                1,
                9000,
                "bob",
                "www.gov.uk",
            ));
        }
    }
    let log = write_log(dir.path(), "late.log", &padded);
    assert!(std::fs::metadata(&log).unwrap().len() > 8 << 20);
    let store = dir.path().join("store");
    ingest(&store, &log);
    let day1: Vec<String> = std::fs::read_dir(store.join("events/date=2025-06-02"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    let s = Store::open(&store).unwrap();
    let source = &netusage::store::manifest::read(&s.manifest_path()).unwrap()[0].source;
    let mut want = vec![format!("{source}.p2.parquet"), format!("{source}.parquet")];
    want.sort();
    let mut got = day1.clone();
    got.sort();
    assert_eq!(got, want);
    // Every line is stored once, both parts are read.
    let df = scan(&s, &Range::default(), &[col::USER, col::TS]).unwrap();
    assert_eq!(df.height(), 11 + 10 * 9000);
    let alice = usage_rows(&store, None);
    // alice: 11 one-request sessions of 60 s each (two on 2 June, an hour apart).
    assert_eq!(alice[&("alice".to_string(), "news".to_string())][3], "660");
}

/// Each person's dates are judged by the policy as they become final, day
/// batch by day batch, and then dropped (`usage::days`): the flagged days
/// of a streamed run equal those of judging every date at the end (every
/// event in one batch), on a shift from 20:00 to 16:00 the next day (the
/// office hours after midnight belong to the date the shift started, the
/// day before) in London time, over five weeks across the clocks going
/// back (26 October 2025), with a non-work finding beside the social-media
/// one.
#[test]
fn dates_judged_as_they_become_final_equal_dates_judged_at_the_end_on_a_night_shift() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let log = generated_log(
        dir.path(),
        25,
        400_000,
        NaiveDate::from_ymd_opt(2025, 10, 6).unwrap(),
    );
    let config = dir.path().join("nights.toml");
    std::fs::write(
        &config,
        "[identity]\nlocal_realms = [\"COUNCIL\", \"council.gov.uk\"]\n\
         [schedule]\ntime_zone = \"Europe/London\"\nbank_holidays = \"none\"\n\
         working_days = [\"Mon\", \"Tue\", \"Wed\", \"Thu\", \"Fri\", \"Sat\", \"Sun\"]\n\
         working_hours = [\"20:00\", \"16:00\"]\nbreaks = [[\"12:30\", \"13:00\"]]\n\
         [policy]\npersonal_use = \"breaks_only\"\nmax_working_minutes_per_day = 2\n\
         non_work_categories = [\"shopping\", \"news\"]\nmax_non_work_minutes_per_day = 2\n",
    )
    .unwrap();
    ingest_as_of(&store, TEST_NOW, &[&"--config", &config], &log);
    let analysis = netusage::usage::Analysis::open(
        Store::open(&store).unwrap(),
        Config::load(Some(&config)).unwrap(),
        (None, None),
        None,
        false,
    )
    .unwrap();
    let (streamed, _) = analysis.compute("test").unwrap();
    let events = scan(&analysis.store, &Range::default(), &COLUMNS).unwrap();
    let at_end = netusage::usage::analyse(
        &events,
        analysis.store.key(),
        analysis.config.params(),
        &analysis.profiles,
        &analysis.policy,
    )
    .unwrap();
    type Judged = (Vec<netusage::usage::policy::FlaggedDay>, bool, Split);
    let judged = |people: &[netusage::usage::PersonUsage]| -> BTreeMap<String, Judged> {
        people
            .iter()
            .map(|p| {
                let j = (p.flagged_days.clone(), p.flagged, p.social.split);
                (p.user.clone(), j)
            })
            .collect()
    };
    let (streamed, at_end) = (judged(&streamed), judged(&at_end));
    assert_eq!(streamed.len(), 25);
    for (user, want) in &at_end {
        assert_eq!(streamed.get(user), Some(want), "{user}");
    }
    // Enough findings of both kinds to mean something, and a night shift
    // that really crosses midnight: a flagged date with time counted after
    // its own midnight would have it under the next date otherwise.
    let days: Vec<_> = at_end.values().flat_map(|j| j.0.iter()).collect();
    let kinds = |r: netusage::usage::policy::Reason| days.iter().filter(|d| d.reason == r).count();
    assert!(
        kinds(netusage::usage::policy::Reason::Counted) > 100,
        "{}",
        days.len()
    );
    assert!(
        kinds(netusage::usage::policy::Reason::NonWork) > 20,
        "{}",
        days.len()
    );
}
