//! Helpers shared by the integration tests: run the binary, build Squid lines.

pub mod gate;
pub use gate::sign_record;
pub mod pack;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::DateTime;

/// The `--now` the tests ingest with: after every hand-made event (2025), so
/// the one-year retention window accepts them whatever today's date is.
pub const TEST_NOW: &str = "2025-12-31T00:00:00Z";

/// One command-line argument: a `&str`, `String`, `Path` or `PathBuf`,
/// borrowed (`&"usage"`, `&store`), so a test passes paths as they are.
pub type Arg<'a> = &'a dyn AsRef<OsStr>;

/// `args` as arguments ([`Arg`]): for a list built as `String`s or paths.
pub fn args_of<S: AsRef<OsStr>>(args: &[S]) -> Vec<Arg<'_>> {
    args.iter().map(|a| a as Arg).collect()
}

/// `args` as text, for a failure message.
pub fn shown(args: &[Arg]) -> Vec<String> {
    args.iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect()
}

/// `netusage` with `args`, ready to run. When `args` hold a past `--now`,
/// the test build's clock (`NETUSAGE_TEST_CLOCK`, the `test-hooks`
/// feature) is set to it too: the tests' hand-made events keep their fixed
/// dates, and the real clock's one-year window (which `--now` may only
/// narrow) is then measured from that time, as it was on that day.
pub fn command(args: &[Arg]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_netusage"));
    c.args(args.iter().map(|a| a.as_ref()));
    if let Some(now) = args
        .iter()
        .position(|a| a.as_ref() == "--now")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.as_ref().to_string_lossy())
        .filter(|v| DateTime::parse_from_rfc3339(v).is_ok_and(|t| t <= chrono::Utc::now()))
    {
        c.env("NETUSAGE_TEST_CLOCK", &*now);
    }
    c
}

/// Runs `netusage` with `args` ([`command`]); returns its output.
pub fn run(args: &[Arg]) -> Output {
    command(args).output().expect("netusage runs")
}

/// Runs `command(args)` under the resource limit `resource` (`RLIMIT_FSIZE`:
/// a disk full once a file reaches `limit` bytes; `RLIMIT_AS`: at most
/// `limit` bytes of address space), with SIGXFSZ ignored so that a write
/// past a file-size limit fails (EFBIG) instead of killing the command.
pub fn limited(
    args: &[Arg],
    resource: libc::__rlimit_resource_t,
    limit: u64,
) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut c = command(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(resource, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

/// `netusage ingest --now TEST_NOW --store STORE PATH`, asserting success.
pub fn ingest(store: &Path, path: &Path) -> String {
    ingest_as_of(store, TEST_NOW, &[], path)
}

/// `netusage dns import --store STORE --time-zone UTC --year YEAR EXTRA...`
/// (the files among `EXTRA`), asserting success: the tests' dnsmasq lines
/// carry no year and are written in UTC.
pub fn dns_import(store: &Path, year: &str, extra: &[Arg]) -> String {
    let mut args: Vec<Arg> = vec![
        &"dns",
        &"import",
        &"--store",
        &store,
        &"--time-zone",
        &"UTC",
        &"--year",
        &year,
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

/// `netusage identity import --now TEST_NOW --store STORE EXTRA...` (the
/// files among `EXTRA`), asserting success: the tests' identity records
/// keep their fixed dates, inside the retention window as of `TEST_NOW`.
pub fn identity_import(store: &Path, extra: &[Arg]) -> String {
    let mut args: Vec<Arg> = vec![
        &"identity",
        &"import",
        &"--now",
        &TEST_NOW,
        &"--store",
        &store,
    ];
    args.extend_from_slice(extra);
    ok(&args)
}

/// `netusage ingest --now NOW --store STORE EXTRA... PATH`, asserting success.
pub fn ingest_as_of(store: &Path, now: &str, extra: &[Arg], path: &Path) -> String {
    let mut args: Vec<Arg> = vec![&"ingest", &"--now", &now, &"--store", &store];
    args.extend_from_slice(extra);
    args.push(&path);
    ok(&args)
}

/// Runs `netusage`, asserting success; returns standard output.
pub fn ok(args: &[Arg]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "netusage {:?} failed ({:?}):\n{}\n{}",
        shown(args),
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// A command's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command's standard output and then its standard error, as text.
pub fn output_text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The entries of the store's audit log (`audit.jsonl`), oldest first.
pub fn audit_entries(store: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(store.join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The store's source records (`sources.jsonl`), in the order ingested.
pub fn records(store: &Path) -> Vec<netusage::store::manifest::SourceRecord> {
    netusage::store::manifest::read(&store.join("sources.jsonl")).unwrap()
}

/// Every file under `dir` (relative path → bytes) but the locks and the audit
/// log and its head (which record every attempt), to compare store states.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if ![".lock", ".readers", ".purging", "audit.jsonl", "audit.head"]
                .map(OsStr::new)
                .contains(&p.file_name().unwrap())
            {
                out.insert(
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// Lines in `bytes` as ingest counts them: its line breaks, plus one for a
/// last line without one.
pub fn count_lines(bytes: &[u8]) -> u64 {
    let n = bytes.iter().filter(|&&b| b == b'\n').count() as u64;
    n + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"))
}

/// The `ts` column of a frame of events, as UTC milliseconds.
pub fn ts_ms(df: &polars::prelude::DataFrame) -> Vec<i64> {
    let ts = df
        .column(netusage::event::col::TS)
        .unwrap()
        .datetime()
        .unwrap();
    ts.physical().iter().map(|t| t.unwrap()).collect()
}

/// UTC milliseconds of an RFC 3339 time.
pub fn ms(rfc3339: &str) -> i64 {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid time")
        .timestamp_millis()
}

/// One native Squid line: a request by `user` to `host` at `time` (RFC 3339).
pub fn line(time: &str, user: &str, host: &str) -> String {
    let t = ms(time);
    format!(
        "{}.{:03}    120 10.0.0.5 TCP_TUNNEL/200 5120 CONNECT {host}:443 {user} HIER_DIRECT/203.0.113.9 -",
        t / 1000,
        t % 1000
    )
}

/// A denied request (`TCP_DENIED/403`).
pub fn denied(time: &str, user: &str, host: &str) -> String {
    let t = ms(time);
    format!(
        "{}.{:03}      0 10.0.0.5 TCP_DENIED/403 3900 GET http://{host}/ {user} HIER_NONE/- text/html",
        t / 1000,
        t % 1000
    )
}

/// Requests by `user` to `host` every `step_s` seconds from `start` (RFC 3339), `n` of them.
pub fn every(start: &str, step_s: i64, n: i64, user: &str, host: &str) -> Vec<String> {
    let t0 = ms(start);
    (0..n)
        .map(|k| {
            let t = DateTime::from_timestamp_millis(t0 + k * step_s * 1000).unwrap();
            line(&t.to_rfc3339(), user, host)
        })
        .collect()
}

/// As [`every`], but each odd-numbered request comes `step_s / 8` s early:
/// a person reading, not a timer (gaps alternate, so the rhythm is never
/// steady enough to be background traffic). The first and last requests
/// (with `n` odd) are where [`every`] puts them.
pub fn reading(start: &str, step_s: i64, n: i64, user: &str, host: &str) -> Vec<String> {
    let t0 = ms(start);
    (0..n)
        .map(|k| {
            let early = if k % 2 == 1 { step_s / 8 } else { 0 };
            let t = DateTime::from_timestamp_millis(t0 + (k * step_s - early) * 1000).unwrap();
            line(&t.to_rfc3339(), user, host)
        })
        .collect()
}

/// Writes lines to `dir/name` and returns the path.
pub fn write_log(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// Writes `dir/dnsmasq.log` (dnsmasq with log-queries, times in UTC, no
/// year) in which 10.0.0.5 looks up www.facebook.com at 09:58 on 11 June
/// and is answered 157.240.1.35, and returns its path.
pub fn facebook_lookup_log(dir: &Path) -> PathBuf {
    let p = dir.join("dnsmasq.log");
    std::fs::write(
        &p,
        "Jun 11 09:58:00 dnsmasq[421]: query[A] www.facebook.com from 10.0.0.5\n\
         Jun 11 09:58:00 dnsmasq[421]: reply www.facebook.com is 157.240.1.35\n",
    )
    .unwrap();
    p
}

/// The pseudonym of `user` in the store at `store`.
pub fn pseudonym(store: &Path, user: &str) -> String {
    let key = std::fs::read(store.join("secret.key")).unwrap();
    netusage::identity::pseudonym(&key, user)
}

/// The test inputs inside the repository (`tests/data/`, sources and
/// licences in its README).
pub fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The sample council's config, `examples/council.toml`.
pub fn council_config() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/council.toml")
}

/// A Tuesday 7 to 13 days before today (UTC): hand-made evidence-pack cases
/// are dated relative to the system clock, which the authorisation gate uses.
pub fn recent_tuesday() -> chrono::NaiveDate {
    use chrono::Datelike;
    let mut d = chrono::Utc::now().date_naive() - chrono::Duration::days(7);
    while d.weekday() != chrono::Weekday::Tue {
        d -= chrono::Duration::days(1);
    }
    d
}

/// An RFC 3339 time `hours` from the system clock (negative: in the past).
pub fn from_now(hours: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(hours))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A config with local time = UTC, no bank holidays and `CORP` as the
/// organisation's realm: hand-made cases read the same whatever the date.
pub const UTC_CONFIG: &str = "[schedule]\ntime_zone = \"UTC\"\nbank_holidays = \"none\"\n[identity]\nlocal_realms = [\"CORP\"]\n";

/// `D` + `days` as YYYY-MM-DD, where D is [`recent_tuesday`].
pub fn day(days: i64) -> String {
    (recent_tuesday() + chrono::Duration::days(days)).to_string()
}

/// `D` + `days` at `hms` UTC, RFC 3339.
pub fn at(days: i64, hms: &str) -> String {
    format!("{}T{hms}Z", day(days))
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(b: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(b))
}

/// Copies a folder tree (regular files and folders).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest)
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// When test authorisation records were authorised (an hour ago) and expire
/// (in 30 days), by the system clock, computed once per test process so every
/// record of a test, and its edited copies, agree to the second.
pub static TIMES: std::sync::LazyLock<(String, String)> =
    std::sync::LazyLock::new(|| (from_now(-1), from_now(30 * 24)));

/// `netusage usage --store STORE --format csv`, with `--config CONFIG`
/// when given: the CSV text.
pub fn usage_csv(store: &Path, config: Option<&Path>) -> String {
    let mut args: Vec<Arg> = vec![&"usage", &"--store", &store, &"--format", &"csv"];
    if let Some(c) = &config {
        args.extend([&"--config" as Arg, c]);
    }
    ok(&args)
}

/// Social-media browse time (s) per person (pseudonym), from
/// [`usage_csv`] with `config`.
pub fn social_seconds(store: &Path, config: &Path) -> std::collections::BTreeMap<String, i64> {
    let csv = usage_csv(store, Some(config));
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "social_media")
        .map(|f| (f[0].to_string(), f[5].parse().unwrap()))
        .collect()
}

/// A copy of `sample_logs/` as the README's first command makes it on
/// 23 November 2026 (`netusage sample-logs`: the generated council log
/// starting Monday 9 November 2026), with the public samples beside it.
pub fn sample_logs(dir: &Path) -> PathBuf {
    let out = dir.join("sample_logs");
    std::fs::create_dir_all(out.join("public")).unwrap();
    let start =
        netusage::synth::sample_start(chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
    assert_eq!(start.to_string(), "2026-11-09");
    let mut f = std::io::BufWriter::new(
        std::fs::File::create(out.join("council-office-access.log")).unwrap(),
    );
    netusage::synth::generate(&netusage::synth::sample_options(start), &mut f).unwrap();
    drop(f);
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_logs/public"),
        &out.join("public"),
    );
    out
}

/// Debian's Chromium, with the flags this machine needs (no network, no sandbox as root).
pub fn chromium(profile: &Path) -> std::process::Command {
    let bin = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("chromium is installed (.ci/run installs Debian's chromium)");
    let mut c = std::process::Command::new(bin);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

/// Prints `html` to the PDF `pdf` with headless Chromium (no browser header
/// or footer: the page's own CSS gives them) and checks it is A4.
pub fn print_pdf(html: &Path, profile: &Path, pdf: &Path) -> PathBuf {
    let out = chromium(profile)
        .arg("--no-pdf-header-footer")
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    pdf.to_path_buf()
}

/// The text of each page of `pdf` (poppler's `pdfinfo` and `pdftotext`),
/// checked to be A4: with `layout`, laid out as printed; without, in
/// reading order with every run of white space made one space (a cell's
/// text wraps wherever its column ends).
pub fn pdf_pages(pdf: &Path, layout: bool) -> Vec<String> {
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("(A4)"), "{info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    (1..=pages)
        .map(|n| {
            let mut c = Command::new("pdftotext");
            c.args(["-f", &n.to_string(), "-l", &n.to_string()]);
            if layout {
                c.arg("-layout");
            }
            let o = c.arg(pdf).arg("-").output().unwrap();
            let text = String::from_utf8_lossy(&o.stdout);
            if layout {
                text.into_owned()
            } else {
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        })
        .collect()
}
