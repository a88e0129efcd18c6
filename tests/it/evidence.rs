//! Evidence packs: the authorisation gate (each refusal), the pack, verify,
//! tampering, minimisation, spreadsheet and HTML safety, the audit chain.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::common::pack::*;
use crate::common::*;

/// The lines [`case`] adds for these tests, on days around D: alice's visit
/// to www.gov.uk, a denied request of hers and one before the period, and
/// two requests by a hostile user name (markup and a spreadsheet formula).
fn more_lines() -> Vec<String> {
    let mut lines = vec![
        line(&at(0, "15:00:00"), "alice", "www.gov.uk"),
        denied(&at(1, "10:00:00"), "alice", "www.bet365.com"),
        line(&at(-9, "10:00:00"), "alice", "x.com"), // before the period
    ];
    let t = ms(&at(2, "10:00:00"));
    lines.push(format!(
        "{}.000 5 10.0.0.7 TCP_MISS/200 10 GET http://evil.example/<script>alert(1)</script> =HYPERLINK(\"http://x\") HIER_DIRECT/1.2.3.4 text/html",
        t / 1000
    ));
    lines.push(format!("{}.000 5 10.0.0.7 TCP_TUNNEL/200 10 CONNECT <b>x</b>.example:443 =HYPERLINK(\"http://x\") HIER_DIRECT/1.2.3.4 -", t / 1000 + 30));
    lines
}

#[test]
fn each_refusal_reason_exits_3_writes_no_pack_and_is_audited() {
    let c = case(&more_lines());
    let good = Record::default().to_string();
    let cases: Vec<(String, &str)> = vec![
        (
            good.replace("dpia = \"DPIA-ICT-007\"\n", ""),
            "missing field `dpia`",
        ),
        (
            good.replace(
                &format!("authorised_at = {}", TIMES.0),
                "authorised_at = \"yesterday\"",
            ),
            "`yesterday` is not an RFC 3339 time",
        ),
        (
            good.replace("requested_by = \"S200\"", "requested_by = \"S100\""),
            "who is also the requester",
        ),
        (
            good.replace(
                &format!("authorised_at = {}", TIMES.0),
                &format!("authorised_at = {}", from_now(2)),
            ),
            "after now",
        ),
        (
            good.replace(
                &format!("authorised_at = {}", TIMES.0),
                &format!("authorised_at = {}", from_now(-72)),
            )
            .replace(
                &format!("expires = {}", TIMES.1),
                &format!("expires = {}", from_now(-1)),
            ),
            "the authorisation expired at",
        ),
        (
            good.replace(&format!("to = {}", day(5)), &format!("to = {}", day(-2))),
            "the period is empty",
        ),
        (
            good.replace(&format!("to = {}", day(5)), &format!("to = {}", day(60))),
            "after the authorisation expires",
        ),
        (
            good.replace(
                &format!("from = {}", day(-1)),
                &format!("from = {}", day(-400)),
            ),
            "before the retention window",
        ),
        (record_for(r#"["nobody"]"#), "matches no event in the store"),
        (
            good.replace("covert = false", "covert = true"),
            "`covert = true` needs `covert_justification`",
        ),
    ];
    for (rec, expect) in cases {
        let out = report(&c, &rec, "packs", &[]);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(3),
            "expected refusal for `{expect}`: {err}"
        );
        assert!(err.contains(expect), "expected `{expect}` in: {err}");
        let packs = c.root.join("packs");
        let leftovers: Vec<_> = std::fs::read_dir(&packs)
            .map(|d| d.map(|e| e.unwrap().file_name()).collect())
            .unwrap_or_default();
        assert!(
            leftovers.is_empty(),
            "no pack, not even partial, for `{expect}`: {leftovers:?}"
        );
        let a = audit_entries(&c.store).pop().unwrap();
        assert_eq!(a["command"], "report");
        assert!(a["result"].as_str().unwrap().starts_with("refused"), "{a}");
        assert_eq!(a["inputs"][0]["sha256"], sha256_hex(rec.as_bytes()));
        if !expect.starts_with("missing") && !expect.contains("RFC 3339") {
            assert_eq!(a["authorisation"]["reference"], "HR-2026-017");
            assert_eq!(a["authorisation"]["sha256"], sha256_hex(rec.as_bytes()));
        }
    }
    ok(&[&"audit", &"--store", &c.store, &"verify"]);
}

/// Every file under `pack`, sorted.
fn pack_files(pack: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![pack.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_valid_record_gives_a_pack_that_verifies_and_any_change_is_named() {
    let c = case(&more_lines());
    let out = report(&c, &record_for(r#"["CORP\\Alice"]"#), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    ok(&[&"verify", &pack]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    // alice: facebook every 120 s from 10:00Z (UTC = local), 12 requests → [10:00, 10:23] = 1380 s working.
    let social = summary["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "social_media")
        .unwrap();
    assert_eq!(
        (
            social["working_s"].as_i64(),
            social["total_s"].as_i64(),
            social["flagged"].as_bool()
        ),
        (Some(1380), Some(1380), Some(true))
    );
    assert_eq!(
        summary["events"], 14,
        "12 facebook + gov.uk + the denied request; not the one before the period"
    );
    assert_eq!(summary["blocked"], 1);
    assert_eq!(summary["exempt"], false);
    assert_eq!(summary["flagged_days"][0]["date"], day(0).as_str());
    // Gaps of 120 s keep one session under every idle timeout of the
    // sensitivity set: 1380 s under each; 60 s per request gives 12 × 60 =
    // 720 s, under the 900 s limit: marginal; 12 distinct minutes, 720 s.
    assert_eq!(
        summary["sensitivity"],
        serde_json::json!([{
            "reason": "counted",
            "date": day(0),
            "by_model": [
                ["idle 2 min", 1380],
                ["idle 5 min", 1380],
                ["idle 10 min", 1380],
                ["60 s per request", 720],
                ["distinct active minutes", 720]
            ],
            "min_counted_s": 720,
            "max_counted_s": 1380,
            "robust": false
        }])
    );
    let html = std::fs::read_to_string(pack.join("data/report.html")).unwrap();
    assert!(
        html.contains("yes</span>, marginal"),
        "the per-day table says marginal"
    );
    // The facebook session traces to lines 1 and 12 of the log.
    let sessions = std::fs::read_to_string(pack.join("data/sessions.csv")).unwrap();
    let fb: Vec<csv::StringRecord> = csv::Reader::from_reader(sessions.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[0] == "facebook")
        .collect();
    assert_eq!(fb.len(), 1);
    let r = &fb[0];
    assert_eq!(
        (&r[2], &r[6], &r[7], &r[13], &r[14], &r[16]),
        (
            format!("{} 10:00:00 UTC", day(0)).as_str(),
            "1380",
            "1380",
            "1",
            "CONNECT www.facebook.com:443",
            "12"
        )
    );

    for victim in pack_files(&pack) {
        let copy = c.root.join("tamper");
        let _ = std::fs::remove_dir_all(&copy);
        copy_tree(&pack, &copy);
        let rel = victim
            .strip_prefix(&pack)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let target = copy.join(&rel);
        let mut bytes = std::fs::read(&target).unwrap();
        let k = bytes.len() / 2;
        bytes[k] ^= 0x01;
        std::fs::write(&target, bytes).unwrap();
        let out = run(&[&"verify", &copy]);
        assert_eq!(out.status.code(), Some(1), "{rel}");
        assert!(
            stderr(&out).contains(&rel),
            "verify names {rel}: {}",
            stderr(&out)
        );
    }
    let copy = c.root.join("added");
    copy_tree(&pack, &copy);
    std::fs::write(copy.join("data/extra.txt"), "slipped in").unwrap();
    let out = run(&[&"verify", &copy]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("extra (not in any manifest): data/extra.txt"));
    let copy = c.root.join("deleted");
    copy_tree(&pack, &copy);
    std::fs::remove_file(copy.join("data/sessions.csv")).unwrap();
    let out = run(&[&"verify", &copy]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("missing: data/sessions.csv"));
}

#[test]
fn hostile_log_values_are_inert_in_csv_and_html() {
    let c = case(&more_lines());
    let out = report(
        &c,
        &record_for(r#"["=HYPERLINK(\"http://x\")"]"#),
        "packs",
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let events = std::fs::read_to_string(pack.join("data/events.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(events.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 2);
    for r in &rows {
        assert_eq!(
            &r[2], "'=hyperlink(\"http://x\")",
            "user cell is text, not a formula"
        );
    }
    assert_eq!(
        &rows[0][13],
        "http://evil.example/<script>alert(1)</script>"
    );
    let html = std::fs::read_to_string(pack.join("data/report.html")).unwrap();
    assert!(!html.contains("<script"), "no script element in the report");
    assert!(!html.contains("<b>x</b>"), "no markup from logs");
    assert!(
        html.contains("&lt;b&gt;x&lt;"),
        "the odd host is shown escaped"
    );
    assert!(html.contains("=hyperlink(&quot;http://x&quot;)"));
}

/// Hostile text in every field of report.html that comes from the logs
/// (user name, URL, site, the log lines read back) or from the operator
/// (the record's free text, `same_person`, `--operator`, the `--supersede`
/// reason) appears only escaped. The case reference is left out: the gate
/// admits only letters, digits, `.`, `_` and `-` there.
#[test]
fn hostile_text_in_every_field_appears_only_escaped_in_the_report() {
    const HOSTILE: &str = r#"<script>alert(1)</script> "><img src=x> &amp;"#;
    const ESCAPED: &str =
        "&lt;script&gt;alert(1)&lt;/script&gt; &quot;&gt;&lt;img src=x&gt; &amp;amp;";
    // A user name and a URL are one token in a Squid line: no spaces.
    const USER: &str = r#""><img/src=x><script>alert(1)</script>&amp;"#;
    const USER_ESCAPED: &str =
        "&quot;&gt;&lt;img/src=x&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;";
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let store = root.join("store");
    let config = root.join("config.toml");
    std::fs::write(&config, UTC_CONFIG).unwrap();
    let mut lines = every(&at(0, "10:00:00"), 120, 12, USER, "www.facebook.com");
    let t = ms(&at(0, "11:00:00")) / 1000;
    lines.push(format!(
        "{t}.000    120 10.0.0.5 TCP_MISS/200 5120 GET http://evil.example/{USER} {USER} HIER_DIRECT/203.0.113.9 text/html"
    ));
    lines.push(line(
        &at(0, "11:30:00"),
        USER,
        r#""><script>alert(1)<&amp;.example"#,
    ));
    lines.push(line(&at(0, "12:00:00"), "alice", "www.facebook.com"));
    let log = write_log(root, "access.log", &lines);
    ok(&[&"ingest", &"--store", &store, &"--config", &config, &log]);
    let field = |word: &str| format!("{:?}", format!("{word} {HOSTILE}"));
    let rec = format!(
        "reference = \"HR-2026-099\"\ngrounds = \"other\"\ngrounds_detail = {}\nrequested_by = {}\n\
         authorised_at = {}\nexpires = {}\ncovert = true\ncovert_justification = {}\n\
         subject_notified = false\nrecord_of_concern = {}\ndpia = {}\n[subject]\nemployee_id = {}\n\
         users = [{:?}, \"alice\"]\nsame_person = {}\n\
         [period]\nfrom = {}\nto = {}\n",
        field("grounds"),
        field("Dana"),
        TIMES.0,
        TIMES.1,
        field("covert"),
        field("roc"),
        field("dpia"),
        field("emp"),
        USER,
        field("same"),
        day(-1),
        day(5)
    );
    let auth = root.join("auth.toml");
    std::fs::write(&auth, rec).unwrap();
    sign_record(&store, &auth);
    let packs = root.join("packs");
    let operator = format!("op {HOSTILE}");
    let reason = format!("again {HOSTILE}");
    let report = |extra: &[Arg]| {
        let mut args: Vec<Arg> = vec![
            &"report",
            &"--store",
            &store,
            &"--config",
            &config,
            &"--authorisation",
            &auth,
            &"--out",
            &packs,
            &"--operator",
            &operator,
        ];
        args.extend_from_slice(extra);
        ok(&args);
    };
    report(&[]);
    report(&[&"--supersede", &reason]);
    let html = std::fs::read_to_string(packs.join("HR-2026-099-r2/data/report.html")).unwrap();

    // Nothing from the input is markup, and every `&` on the page is the
    // escaped `&` of the input.
    assert!(!html.to_lowercase().contains("<script"), "{html}");
    assert!(!html.to_lowercase().contains("<img"), "{html}");
    assert!(!html.contains(HOSTILE) && !html.contains(USER));
    assert_eq!(
        html.matches("&amp;").count(),
        html.matches("&amp;amp;").count()
    );
    // Each field, escaped, where the page shows it.
    let count = |needle: &str| html.matches(needle).count();
    for shown in [
        format!("<td colspan=\"3\">other: grounds {ESCAPED}</td>"),
        format!("<th>Requested by</th><td>staff id Dana {ESCAPED}</td>"),
        "<td>Morgan Ellis (Head of HR, staff id S100), who signed the record with key SHA256:"
            .to_string(),
        format!("<th>Record of concern</th><td>roc {ESCAPED}</td>"),
        format!("<th>DPIA</th><td>dpia {ESCAPED}</td>"),
        format!("Justification: covert {ESCAPED}</td>"),
        format!("<th>Employee id</th><td>emp {ESCAPED}</td>"),
        format!("<td>{USER_ESCAPED}, alice</td>"),
        format!("<tr><td>{USER_ESCAPED}</td>"),
        format!("one person because: <b>same {ESCAPED}</b>"),
        format!("Reason: again {ESCAPED}</p>"),
        format!("Made by op {ESCAPED} (operating-system login "),
        "<tr><td>&quot;&gt;&lt;script&gt;alert(1)&lt;&amp;amp;.example</td><td>uncategorised</td>"
            .to_string(),
    ] {
        assert_eq!(count(&shown), 1, "{shown}\n{html}");
    }
    // The URL as the request and within the line read back, for the first
    // and the last line of its one-request session.
    assert_eq!(
        count(&format!(
            "<span class=\"small\">GET http://evil.example/{USER_ESCAPED}</span>"
        )),
        2
    );
    assert_eq!(
        count(&format!(
            "GET http://evil.example/{USER_ESCAPED} {USER_ESCAPED} HIER_DIRECT/203.0.113.9 text/html</code>"
        )),
        2
    );
}

/// Splits text into the tokens a name, pseudonym or address could be.
fn tokens(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_' | '%')))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// A synthetic council log (the generator behind `sample_logs/`) starting
/// on the Monday two weeks before [`recent_tuesday`]'s week, so its nine days
/// end a week ago: the gate, which uses the system clock, accepts it on any date.
fn recent_sample(dir: &Path) -> (PathBuf, chrono::NaiveDate) {
    let start = recent_tuesday() - chrono::Duration::days(15);
    let path = dir.join("council.log");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    netusage::synth::generate(
        &netusage::synth::Options {
            seed: 20261116,
            start,
            users: 40,
            lines: 50_000,
            malformed_per_10k: 2,
        },
        &mut f,
    )
    .unwrap();
    std::io::Write::flush(&mut f).unwrap();
    (path, start)
}

#[test]
fn a_pack_from_the_sample_logs_holds_the_subject_only_and_matches_usage() {
    let council = council_config();
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (sample, start) = recent_sample(dir.path());
    let (from, to) = (
        start.to_string(),
        (start + chrono::Duration::days(8)).to_string(),
    );
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--config",
        &council,
        &sample,
    ]);
    let example = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/authorisation.toml"),
    )
    .unwrap();
    let rec = example
        .replace(
            "authorised_at = 2026-11-19T10:30:00Z",
            &format!("authorised_at = {}", TIMES.0),
        )
        .replace(
            "expires = 2026-12-19T17:00:00Z",
            &format!("expires = {}", TIMES.1),
        )
        .replace("from = 2026-11-09", &format!("from = {from}"))
        .replace("to = 2026-11-17", &format!("to = {to}"));
    assert_ne!(rec, example);
    let auth = dir.path().join("auth.toml");
    std::fs::write(&auth, rec).unwrap();
    sign_record(&store, &auth);
    let packs = dir.path().join("packs");
    ok(&[
        &"report",
        &"--store",
        &store,
        &"--authorisation",
        &auth,
        &"--out",
        &packs,
        &"--operator",
        &"ict1",
        &"--config",
        &council,
    ]);
    let pack = packs.join("HR-2026-017");
    ok(&[&"verify", &pack]);

    // Every event of dbrown in the period is in events.csv, and nothing else.
    let s = netusage::store::Store::open(&store).unwrap();
    let day_start = |d: chrono::NaiveDate| {
        use netusage::usage::schedule::Plan;
        let sch = netusage::config::Config::default().schedule().unwrap();
        chrono::DateTime::from_timestamp_millis(sch.day_start(d)).unwrap()
    };
    let range = netusage::store::scan::Range {
        from: Some(day_start(start)),
        to: Some(day_start(start + chrono::Duration::days(9))),
    };
    let all =
        netusage::store::scan::scan(&s, &range, &["user", "client_ip", "source", "line"]).unwrap();
    let users = all.column("user").unwrap().str().unwrap().clone();
    let ips = all.column("client_ip").unwrap().str().unwrap().clone();
    let lines = all.column("line").unwrap().u64().unwrap().clone();
    let mut want: Vec<u64> = Vec::new();
    let mut others = BTreeSet::new();
    let mut own_ips = BTreeSet::new();
    for i in 0..all.height() {
        let u = users.get(i).unwrap();
        if u == "dbrown" {
            want.push(lines.get(i).unwrap());
            own_ips.insert(ips.get(i).unwrap().to_string());
        } else {
            others.insert(u.to_string());
            others.insert(pseudonym(&store, u));
            others.insert(ips.get(i).unwrap().to_string());
        }
    }
    for ip in &own_ips {
        others.remove(ip);
    }
    let events = std::fs::read_to_string(pack.join("data/events.csv")).unwrap();
    let mut got: Vec<u64> = csv::Reader::from_reader(events.as_bytes())
        .records()
        .map(|r| r.unwrap()[16].parse().unwrap())
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
    assert!(want.len() > 1000);

    // No other person's name, pseudonym or address anywhere in the pack.
    for f in pack_files(&pack) {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).to_string();
        let leaked: Vec<_> = tokens(&text).intersection(&others).cloned().collect();
        assert!(leaked.is_empty(), "{} leaks {leaked:?}", f.display());
    }

    // summary.json figures equal `usage` for that person and period.
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    let p = pseudonym(&store, "dbrown");
    assert_eq!(summary["pseudonym"], p);
    let usage = ok(&[
        &"usage",
        &"--store",
        &store,
        &"--format",
        &"json",
        &"--config",
        &council,
        &"--from",
        &from,
        &"--to",
        &to,
    ]);
    let usage: Vec<serde_json::Value> = serde_json::from_str(&usage).unwrap();
    let mine: Vec<&serde_json::Value> =
        usage.iter().filter(|r| r["person"] == p.as_str()).collect();
    let pack_rows: Vec<&serde_json::Value> = summary["usage"].as_array().unwrap().iter().collect();
    assert_eq!(mine, pack_rows);
    assert_eq!(summary["flagged"], true);
}

#[test]
fn editing_deleting_or_reordering_audit_entries_is_named() {
    let c = case(&more_lines());
    ok(&[&"usage", &"--store", &c.store, &"--format", &"csv"]);
    ok(&[&"flags", &"--store", &c.store, &"--format", &"csv"]);
    let path = c.store.join("audit.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = original.lines().collect();
    // store create, store config set (the --config the store was made
    // with), ingest (opened, then closed), usage, flags
    assert_eq!(lines.len(), 6);
    ok(&[&"audit", &"--store", &c.store, &"verify"]);
    let check = |text: String, expect: &str| {
        std::fs::write(&path, text).unwrap();
        let out = run(&[&"audit", &"--store", &c.store, &"verify"]);
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(err.contains(expect), "expected `{expect}` in {err}");
    };
    let join = |idx: &[usize]| {
        idx.iter()
            .map(|&i| format!("{}\n", lines[i]))
            .collect::<String>()
    };
    check(
        original.replacen("\"flags\"", "\"usage\"", 1),
        "broken at line 6: entry seq 6: its hash does not match its content (edited)",
    );
    check(
        join(&[0, 2, 3, 4, 5]),
        "broken at line 2: entry seq 3 where seq 2 was expected",
    );
    check(
        join(&[0, 2, 1, 3, 4, 5]),
        "broken at line 2: entry seq 3 where seq 2 was expected",
    );
    check(
        format!("{}{}", join(&[0, 1, 2, 3, 4]), &lines[5][..40]),
        "broken at line 6: the last line is incomplete",
    );
    // A whole entry cut from the end: the signed head (audit.head) names it.
    let last: serde_json::Value = serde_json::from_str(lines[5]).unwrap();
    check(
        join(&[0, 1, 2, 3, 4]),
        "entries 6 to 6 were cut from the end",
    );
    // And the hash kept elsewhere says the same.
    let out = run(&[
        &"audit",
        &"--store",
        &c.store,
        &"verify",
        &"--expect-last",
        &last["hash"].as_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cut from the end"));
}

#[test]
#[cfg_attr(
    browser_missing,
    ignore = "needs Debian's chromium and poppler-utils (installed by .ci/run)"
)]
fn report_html_renders_in_headless_chromium() {
    let c = case(&more_lines());
    assert!(
        report(&c, &Record::default().to_string(), "packs", &[])
            .status
            .success()
    );
    let html = c.root.join("packs/HR-2026-017/data/report.html");
    let png = c.root.join("report.png");
    let profile = c.root.join("chromium-profile");
    let out = chromium(&profile)
        .arg(format!("--screenshot={}", png.display()))
        .arg("--window-size=1240,1754")
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert!(
        bytes.len() > 20_000,
        "a rendered page, not a blank one ({} bytes)",
        bytes.len()
    );
    let dom = chromium(&profile)
        .arg("--dump-dom")
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(dom.contains("Internet usage evidence pack: HR-2026-017"));
    assert_eq!(
        dom.matches("<svg").count(),
        2,
        "both charts are in the page"
    );
    assert_eq!(dom.matches("<h2>6. Limitations</h2>").count(), 1);
    assert_eq!(
        dom.matches("Flagged days</h2>").count(),
        0,
        "flagged days are marked in the per-day table, not repeated"
    );
}

#[test]
#[cfg_attr(
    browser_missing,
    ignore = "needs Debian's chromium and poppler-utils (installed by .ci/run)"
)]
fn report_prints_on_a4_and_fits_1000_px_with_nothing_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let (sample, start) = recent_sample(dir.path());
    let council = council_config();
    ok(&[
        &"ingest",
        &"--store",
        &store,
        &"--config",
        &council,
        &sample,
    ]);
    let rec = record_for(r#"["dbrown"]"#)
        .replace(&format!("from = {}", day(-1)), &format!("from = {start}"))
        .replace(
            &format!("to = {}", day(5)),
            &format!("to = {}", start + chrono::Duration::days(8)),
        );
    let auth = dir.path().join("auth.toml");
    std::fs::write(&auth, rec).unwrap();
    sign_record(&store, &auth);
    let packs = dir.path().join("packs");
    ok(&[
        &"report",
        &"--store",
        &store,
        &"--config",
        &council,
        &"--authorisation",
        &auth,
        &"--out",
        &packs,
    ]);
    let pack = packs.join("HR-2026-017");
    let html = pack.join("data/report.html");
    let profile = dir.path().join("profile");

    // A4 print: the sessions table's last column header is on every page the
    // table spans, and every session's last log line (its last cell) is printed.
    let pdf = print_pdf(&html, &profile, &dir.path().join("report.pdf"));
    let texts = pdf_pages(&pdf, true);
    let first = texts
        .iter()
        .position(|t| t.contains("8. Sessions and the log lines behind them"))
        .expect("the sessions section is printed");
    let last = texts
        .iter()
        .position(|t| t.contains("9. About this pack"))
        .expect("the last section is printed");
    assert!(last > first, "the sessions table spans pages");
    for (n, t) in texts.iter().enumerate().take(last + 1).skip(first) {
        // The last page needs the header only if the table goes on to it.
        let before_9 = t.split("9. About this pack").next().unwrap_or("");
        if n == last && before_9.trim().is_empty() {
            continue;
        }
        assert!(
            t.contains("First and last log line"),
            "page {}: the last column's header is printed",
            n + 1
        );
    }
    let all: String = texts.concat();
    let sessions = std::fs::read_to_string(pack.join("data/sessions.csv")).unwrap();
    let mut n = 0;
    for r in csv::Reader::from_reader(sessions.as_bytes()).records() {
        let r = r.unwrap();
        let cell = format!("{}:{}", &r[15], &r[16]);
        assert!(
            all.contains(&cell),
            "the last cell {cell} is printed, not cut off"
        );
        n += 1;
    }
    assert!(n > 50, "a table long enough to span pages ({n} sessions)");

    // On screen at 1000 px: nothing wider than the window (no horizontal scroll).
    let wrap = packs.join("wrap.html");
    std::fs::write(
        &wrap,
        "<!DOCTYPE html><html><body><iframe id=\"f\" src=\"HR-2026-017/data/report.html\" \
         style=\"width:1000px;height:900px;border:0\"></iframe><script>\
         document.getElementById('f').addEventListener('load', () => {\
         const d = document.getElementById('f').contentDocument.documentElement;\
         document.body.setAttribute('data-widths', d.scrollWidth + ' ' + d.clientWidth); });\
         </script></body></html>",
    )
    .unwrap();
    let dom = chromium(&profile)
        .args([
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("file://{}", wrap.display()))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    let widths = dom
        .split("data-widths=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the page measured the report");
    let (scroll, client) = widths.split_once(' ').unwrap();
    assert_eq!(scroll, client, "scrollWidth equals clientWidth at 1000 px");
}

#[test]
fn a_pack_for_a_designated_user_says_they_are_exempt() {
    let c = case(&more_lines());
    // alice's 22 minutes of working-time facebook would flag her; listed as a
    // designated business user, the pack says why it does not.
    std::fs::write(
        &c.config,
        format!("{UTC_CONFIG}[policy]\nexempt_users = [\"alice\"]\n"),
    )
    .unwrap();
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    assert_eq!(
        (summary["flagged"].as_bool(), summary["exempt"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(summary["sensitivity"], serde_json::json!([]));
    let html = std::fs::read_to_string(pack.join("data/report.html")).unwrap();
    assert!(
        html.contains("does not flag (the employee is a designated business user"),
        "exempt in words"
    );
    ok(&[&"verify", &pack]);
}

#[test]
fn a_pack_marks_background_traffic_lists_session_hosts_and_states_the_subjects_hours_and_leave() {
    // carol reads Facebook D 10:00–10:20 (two hosts), then leaves the tab
    // polling every 60 s until 12:30 (background); she is on leave on D+1,
    // where an hour of reading counts as outside working time, and works
    // an early shift (07:00–15:00) from D−1.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let store = root.join("store");
    let config = root.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{UTC_CONFIG}[schedules.early]\nworking_hours = [\"07:00\", \"15:00\"]\nbreaks = []\n"
        ),
    )
    .unwrap();
    let mut lines = reading(&at(0, "10:00:00"), 60, 21, "carol", "www.facebook.com");
    lines[3] = lines[3].replace("www.facebook.com", "static.xx.fbcdn.net");
    lines[4] = lines[4].replace("www.facebook.com", "m.facebook.com");
    lines.extend(every(
        &at(0, "10:22:00"),
        60,
        129,
        "carol",
        "www.facebook.com",
    ));
    lines.extend(reading(
        &at(1, "10:00:00"),
        60,
        21,
        "carol",
        "www.facebook.com",
    ));
    let log = write_log(&root, "access.log", &lines);
    ok(&[&"ingest", &"--store", &store, &"--config", &config, &log]);
    let people = root.join("people.csv");
    let leave = root.join("leave.csv");
    std::fs::write(
        &people,
        format!("user,schedule,from,to\ncarol,early,{},\n", day(-1)),
    )
    .unwrap();
    std::fs::write(
        &leave,
        format!("user,date,kind\ncarol,{},annual_leave\n", day(1)),
    )
    .unwrap();
    let c = Case {
        _dir: dir,
        root: root.clone(),
        store: store.clone(),
        config,
    };
    let out = report(
        &c,
        &record_for(r#"["carol"]"#),
        "packs",
        &[&"--people", &people, &"--leave", &leave],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = root.join("packs/HR-2026-017");
    ok(&[&"verify", &pack]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["background_requests"], 129);
    assert_eq!(
        summary["profile"],
        serde_json::json!([
            format!(
                "schedule `early` from {} to the end ({}:2)",
                day(-1),
                people.display()
            ),
            format!("{}: annual_leave ({}:2)", day(1), leave.display()),
        ])
    );
    // D: 10:00–10:21 on the early shift, working; D+1 (leave): 10:00–10:21 outside.
    let days = &summary["social_media_days"];
    assert_eq!(
        (days[0]["working_s"].as_i64(), days[1]["outside_s"].as_i64()),
        (Some(1260), Some(1260))
    );
    let events = std::fs::read_to_string(pack.join("data/events.csv")).unwrap();
    let header: Vec<&str> = events.lines().next().unwrap().split(',').collect();
    let bg = header.iter().position(|h| *h == "background").unwrap();
    let marked = events
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(bg) == Some("true"))
        .count();
    assert_eq!(marked, 129);
    // Each session lists its hosts and its first and last line as logged,
    // read back from the log (still in place, SHA-256 checked again).
    let sessions = std::fs::read_to_string(pack.join("data/sessions.csv")).unwrap();
    let mut r = csv::Reader::from_reader(sessions.as_bytes());
    let h = r.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let first: csv::StringRecord = r.records().next().unwrap().unwrap();
    assert_eq!(
        &first[col("hosts")],
        "www.facebook.com;static.xx.fbcdn.net;m.facebook.com"
    );
    assert_eq!(&first[col("first_text")], lines[0].as_str());
    assert_eq!(&first[col("last_text")], lines[20].as_str());
    let source = first[col("first_source")].to_string();
    let log_path = std::fs::canonicalize(&log).unwrap();
    assert_eq!(
        summary["raw_lines"][&source],
        format!(
            "read back from {} (the stretches holding these lines checked against the SHA-256 chain kept at ingest)",
            log_path.display()
        )
    );
    // The chain index edited: it no longer matches its SHA-256 in
    // sources.jsonl, so the whole file is hashed again instead.
    let index = store.join("chains").join(format!("{source}.json"));
    let original = std::fs::read(&index).unwrap();
    let mut chain: serde_json::Value = serde_json::from_slice(&original).unwrap();
    chain["blocks"][0][1] = serde_json::json!(1);
    std::fs::write(&index, serde_json::to_vec(&chain).unwrap()).unwrap();
    let again = |why: &str| -> serde_json::Value {
        let out = report(
            &c,
            &record_for(r#"["carol"]"#),
            "packs",
            &[&"--supersede", &why],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let packs = std::fs::read_dir(root.join("packs")).unwrap();
        let newest = packs
            .map(|e| e.unwrap().path())
            .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
            .unwrap();
        serde_json::from_slice(&std::fs::read(newest.join("data/summary.json")).unwrap()).unwrap()
    };
    assert_eq!(
        again("index edited")["raw_lines"][&source],
        format!("read back from {} (SHA-256 verified)", log_path.display())
    );
    // The index as written, the log edited (one byte of a quoted line): the
    // stretch no longer gives the kept value, and nothing is quoted.
    std::fs::write(&index, &original).unwrap();
    let mut text = std::fs::read(&log).unwrap();
    text[2] ^= 1;
    std::fs::write(&log, &text).unwrap();
    assert_eq!(
        again("log edited")["raw_lines"][&source],
        format!(
            "not read back from {}: the file has changed since it was ingested",
            log_path.display()
        )
    );
    let html = std::fs::read_to_string(pack.join("data/report.html")).unwrap();
    assert!(
        html.contains("129 such request(s) of this employee were left out"),
        "{html}"
    );
    assert!(html.contains(&format!("annual_leave ({}:2)", leave.display())));
    // The audit entry records the HR files with their SHA-256.
    let granted = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    assert!(granted.contains("people.csv") && granted.contains("leave.csv"));
}

/// `ssh-keygen -Y verify` of `file` against its signature `sig` with the
/// pack's `data/allowed_signers`, as `principal` in `namespace`.
fn ssh_verify(pack: &Path, principal: &str, namespace: &str, sig: &Path, file: &Path) -> bool {
    let input = std::fs::File::open(file).unwrap();
    std::process::Command::new("ssh-keygen")
        .args(["-Y", "verify", "-f"])
        .arg(pack.join("data/allowed_signers"))
        .args(["-I", principal, "-n", namespace, "-s"])
        .arg(sig)
        .stdin(input)
        .output()
        .expect("ssh-keygen runs")
        .status
        .success()
}

#[test]
fn ssh_keygen_verifies_the_packs_and_the_records_signatures_and_refuses_a_changed_byte() {
    let c = case(&[]);
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let manifest = pack.join("tagmanifest-sha256.txt");
    let pack_sig = pack.join("tagmanifest-sha256.txt.sig");
    let record = pack.join("data/authorisation.toml");
    let record_sig = pack.join("data/authorisation.toml.sig");
    assert!(ssh_verify(
        &pack,
        "netusage-store",
        "netusage-pack",
        &pack_sig,
        &manifest
    ));
    assert!(ssh_verify(
        &pack,
        "authoriser",
        "netusage-authorisation",
        &record_sig,
        &record
    ));
    // Each signature is for its own principal and namespace only.
    assert!(!ssh_verify(
        &pack,
        "authoriser",
        "netusage-pack",
        &pack_sig,
        &manifest
    ));
    assert!(!ssh_verify(
        &pack,
        "netusage-store",
        "netusage-authorisation",
        &record_sig,
        &record
    ));
    // The keys in the pack are the registered authoriser's and the store's.
    let signers = std::fs::read_to_string(pack.join("data/allowed_signers")).unwrap();
    let hr =
        std::fs::read_to_string(crate::common::gate::keys_dir(&c.store).join("hr.pub")).unwrap();
    let hr_key: Vec<&str> = hr.split_whitespace().take(2).collect();
    assert!(
        signers.contains(&format!(
            "authoriser namespaces=\"netusage-authorisation\" {}",
            hr_key.join(" ")
        )),
        "{signers}"
    );
    // The registrar's signature over the authoriser's registration, checked
    // with ssh-keygen and with the registrar's own key given to netusage.
    let reg = pack.join("data/authoriser-registration.toml");
    let reg_sig = pack.join("data/authoriser-registration.toml.sig");
    assert!(ssh_verify(
        &pack,
        "registrar",
        "netusage-registry",
        &reg_sig,
        &reg
    ));
    let keys = crate::common::gate::keys_dir(&c.store);
    let checked = ok(&[
        &"verify",
        &pack,
        &"--registrar",
        &keys.join("registrar.pub"),
    ]);
    assert!(
        checked.contains("authoriser's registration: signed by the registrar SHA256:"),
        "{checked}"
    );
    assert!(
        checked
            .contains(", the key you gave; it registers staff id S100 (Morgan Ellis, Head of HR)"),
        "{checked}"
    );
    let out = run(&[&"verify", &pack, &"--registrar", &keys.join("hr.pub")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not the registrar's key you gave"),
        "{}",
        stderr(&out)
    );
    // netusage verify says the same.
    let verified = ok(&[&"verify", &pack]);
    assert!(
        verified.contains("SSH signature (tagmanifest-sha256.txt.sig): valid"),
        "{verified}"
    );
    assert!(
        verified.contains("authorisation record: signed by SHA256:"),
        "{verified}"
    );
    // One byte of each signed file changed: both refused, by ssh-keygen and netusage.
    let flip = |p: &Path| {
        let mut b = std::fs::read(p).unwrap();
        b[10] ^= 1;
        std::fs::write(p, b).unwrap();
    };
    flip(&manifest);
    assert!(!ssh_verify(
        &pack,
        "netusage-store",
        "netusage-pack",
        &pack_sig,
        &manifest
    ));
    flip(&record);
    assert!(!ssh_verify(
        &pack,
        "authoriser",
        "netusage-authorisation",
        &record_sig,
        &record
    ));
    let out = run(&[&"verify", &pack]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("SSH signature (tagmanifest-sha256.txt.sig): the signature does not match"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains(
            "the authoriser's signature (data/authorisation.toml.sig): the signature does not match"
        ),
        "{}",
        stderr(&out)
    );
}

/// A pack whose SSHSIG signature was deleted (or never written: a report
/// killed just before it) is not intact, and one whose SSHSIG is a FIFO
/// is refused without hanging. Before, `verify` checked the SSHSIG only
/// when the file was there, so deleting it passed.
#[test]
fn verify_refuses_a_pack_without_its_ssh_signature_and_a_fifo_in_its_place() {
    let c = case(&[]);
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let pack_sig = pack.join("tagmanifest-sha256.txt.sig");
    ok(&[&"verify", &pack]);
    std::fs::remove_file(&pack_sig).unwrap();
    let out = run(&[&"verify", &pack]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        stderr(&out).contains(
            "is NOT intact:\n  SSH signature (tagmanifest-sha256.txt.sig): no readable tagmanifest-sha256.txt.sig"
        ),
        "{}",
        stderr(&out)
    );
    let made = std::process::Command::new("mkfifo")
        .arg(&pack_sig)
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = command(&[&"verify", &pack])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // A liveness guard, not a timing: a read of the FIFO would block for ever.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("verify hung on a FIFO in place of the SSH signature");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
}

/// `verify` hashes each payload file as a stream: a 1 GiB file (sparse, so
/// it takes no disk) put in place of `data/events.csv` is named as altered
/// by a `verify` held to 512 MiB of address space. Before, each file was read
/// whole into memory first, and the allocation aborted the command.
#[test]
fn verify_hashes_a_payload_file_larger_than_its_memory_as_a_stream() {
    let c = case(&[]);
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let events = pack.join("data/events.csv");
    std::fs::remove_file(&events).unwrap();
    let huge = std::fs::File::create(&events).unwrap();
    huge.set_len(1 << 30).unwrap();
    drop(huge);
    let out = limited(&[&"verify", &pack], libc::RLIMIT_AS, 512 << 20);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        stderr(&out).contains("is NOT intact:\n  altered (hash differs): data/events.csv"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn report_applies_the_councils_own_category_rules_as_usage_does() {
    let c = case(&[]);
    // Without them: alice's 1380 s on facebook in working time is social
    // media over the default 15 minutes, and the pack says so.
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        output_text(&out).contains("flagged by the policy: yes"),
        "{}",
        output_text(&out)
    );
    let sessions =
        std::fs::read_to_string(c.root.join("packs/HR-2026-017/data/sessions.csv")).unwrap();
    assert!(
        sessions
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("facebook,social_networking,"),
        "{sessions}"
    );
    // The council's rules make facebook.com a work tool: no social media, no flag,
    // as `usage --categories` counts it.
    let rules = c.root.join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\ndomain = \"facebook.com\"\nsite = \"fb-pages\"\ncategory = \"work_tools\"\n",
    )
    .unwrap();
    let record = Record {
        reference: "HR-2026-018",
        ..Record::default()
    }
    .to_string();
    let out = report(&c, &record, "packs", &[&"--categories", &rules]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        output_text(&out).contains("flagged by the policy: no"),
        "{}",
        output_text(&out)
    );
    let sessions =
        std::fs::read_to_string(c.root.join("packs/HR-2026-018/data/sessions.csv")).unwrap();
    assert!(
        sessions
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("fb-pages,work_tools,"),
        "{sessions}"
    );
    assert!(!sessions.contains("social_networking"), "{sessions}");
    let usage = ok(&[
        &"usage",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--categories",
        &rules,
        &"--format",
        &"csv",
    ]);
    let alice: Vec<&str> = usage
        .lines()
        .filter(|l| l.contains(",work_tools,"))
        .collect();
    assert_eq!(alice.len(), 1, "{usage}");
    assert!(
        alice[0].contains(",1380,"),
        "alice's 1380 s are work tools in usage too: {usage}"
    );
}
