//! The pack an HR case officer reads (issue 24): the first printed page in
//! plain English, with the council's clause, the outcome and the totals;
//! true statements about leave and defaults; a running header and footer on
//! every printed page; and the employee's own copy (subject access).

use std::path::Path;

use crate::common::pack::*;
use crate::common::*;

/// Alice's day D and D+1 beyond the shared case (UTC, default hours
/// 09:00–17:00, break 12:30–13:30): on top of facebook at [10:00, 10:24)
/// (1380 s of working time), facebook every 120 s from D 12:40, 6 requests:
/// [12:40, 12:51) = 660 s in the break; news (www.bbc.co.uk) every 60 s
/// from D 14:00, 5 requests: [14:00, 14:05) = 300 s of working time; x.com
/// every 60 s from D+1 18:00, 10 requests: [18:00, 18:10) = 600 s outside
/// working hours.
fn alices_days() -> Vec<String> {
    let mut lines = every(&at(0, "12:40:00"), 120, 6, "alice", "www.facebook.com");
    lines.extend(every(&at(0, "14:00:00"), 60, 5, "alice", "www.bbc.co.uk"));
    lines.extend(every(&at(1, "18:00:00"), 60, 10, "alice", "x.com"));
    lines
}

/// Prints `html` to A4 PDF (the page's own CSS gives the header and
/// footer) and returns each page's text, white space made single.
fn print(html: &Path, dir: &Path) -> Vec<String> {
    let pdf = print_pdf(html, &dir.join("chromium-profile"), &dir.join("report.pdf"));
    pdf_pages(&pdf, false)
}

#[test]
#[cfg_attr(
    browser_missing,
    ignore = "needs Debian's chromium and poppler-utils (installed by .ci/run)"
)]
fn the_first_printed_page_gives_hr_the_clause_the_outcome_and_the_totals() {
    let c = case(&alices_days());
    let out = report(
        &c,
        &Record::default().to_string(),
        "packs",
        &[&"--policy", &"chelmsford"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pages = print(&c.root.join("packs/HR-2026-017/data/report.html"), &c.root);
    let first = &pages[0];
    // The council, its clause quoted, and the outcome: Chelmsford flags any
    // social-media minute in working time; D has 23 + 0 = 23 min of it, D+1
    // only time outside working hours.
    for want in [
        "Chelmsford City Council",
        "Social Media Policy, version 3 (2017), clause 4.1",
        "“This must be limited to out of work hours, i.e. during lunch breaks.",
        "Outcome: flagged. On 1 day(s) of the period the time the policy counts was over its limit",
        "2 day(s) had some social-media browse time.",
        "Each of the 1 day(s) stays over the limit under every way of estimating browse time that netusage tries (robust).",
    ] {
        assert!(first.contains(want), "page 1 lacks {want:?}:\n{first}");
    }
    // The totals by hand. All sites: working 1380 + 300 = 1680 s = 28.0 min,
    // break 660 s = 11.0, outside 600 s = 10.0, total 49.0. Social media:
    // 23.0 + 11.0 + 10.0 = 44.0. Counted by Chelmsford's rule (working
    // time): 23.0.
    for want in [
        "All sites 28.0 11.0 10.0 49.0",
        "of which social media 23.0 11.0 10.0 44.0",
        "Social media counted by the policy 23.0",
    ] {
        assert!(first.contains(want), "page 1 lacks {want:?}:\n{first}");
    }
    // True statements: no leave file was given, and the hours are netusage's
    // defaults (the case's config sets only the time zone and holidays).
    for want in [
        "Leave and absence: none was provided",
        "netusage's defaults, not the council's: working days Mon, Tue, Wed, Thu, Fri; working hours 09:00–17:00; official breaks 12:30–13:30;",
        "09:00–17:00, set by netusage's default (not set by the council), with an official break 12:30–13:30, set by netusage's default (not set by the council).",
        "What this shows",
        "What this does not show",
        "What the employee may respond to",
    ] {
        assert!(first.contains(want), "page 1 lacks {want:?}:\n{first}");
    }
    assert!(
        !first.contains("time zone UTC"),
        "the time zone was set by the config: not a default"
    );
    // Every printed page carries the reference, the classification and its
    // place in the bundle; section 1 starts on page 2.
    let n = pages.len();
    assert!(n >= 3, "{n} pages");
    for (i, text) in pages.iter().enumerate() {
        for want in [
            "HR-2026-017 · employee E10442".to_string(),
            "OFFICIAL-SENSITIVE".to_string(),
            format!("page {} of {n}", i + 1),
        ] {
            assert!(text.contains(&want), "page {} lacks {want:?}", i + 1);
        }
    }
    assert!(pages[1].contains("1. Authorisation"), "{}", pages[1]);
    let all = pages.join("\n");
    // Section 3 labels each default where it decides a figure; the leave
    // statement says nothing was given.
    for want in [
        "Working hours: 09:00 to 17:00 (netusage's default, not set by the council)",
        "Time zone: UTC (set by the configuration file",
        "The policy's rule: breaks_only (set by the chelmsford preset)",
        "No people file or leave file was given to netusage",
        // The timeline's last label is printed whole.
        "24:00",
    ] {
        assert!(all.contains(want), "the pack lacks {want:?}");
    }
    assert!(!all.contains("no leave recorded"), "an untrue statement");
    // The sites behind the minutes, with the rule that classified each:
    // facebook's two sessions, 1380 + 660 s = 34.0 min.
    let html = std::fs::read_to_string(c.root.join("packs/HR-2026-017/data/report.html")).unwrap();
    assert!(
        html.contains(
            "<td>facebook</td><td>social_networking</td><td class=\"n\">2</td><td class=\"n\">34.0</td>\
             <td class=\"n\">23.0 / 11.0 / 0.0</td><td><code>netusage domain facebook.com</code> \
             <span class=\"small\">(www.facebook.com)</span></td>"
        ),
        "{html}"
    );
}

/// A record of `grounds = "subject_access"` for alice.
fn subject_access_record() -> String {
    Record {
        reference: "SAR-2026-009",
        requested_by: "E10442",
        ..Record::default()
    }
    .to_string()
    .replace(
        "grounds = \"excessive_non_work_use\"",
        "grounds = \"subject_access\"",
    )
}

#[test]
fn a_subject_access_copy_holds_nobody_elses_data() {
    // Three people: alice, bob (10.9.9.9, x.com, from the shared case) and
    // carol.third (10.7.7.7), on facebook beside alice, and a designated
    // business user.
    let carol: Vec<String> = every(&at(0, "10:05:00"), 60, 8, "carol.third", "www.facebook.com")
        .into_iter()
        .map(|l| l.replace("10.0.0.5", "10.7.7.7"))
        .collect();
    let mut extra = alices_days();
    extra.extend(carol);
    let c = case(&extra);
    let bob = pseudonym(&c.store, "bob");
    let carol = pseudonym(&c.store, "carol.third");
    let path = c.root.join("sar.toml");
    std::fs::write(&path, subject_access_record()).unwrap();
    crate::common::gate::sign_record(&c.store, &path);
    let packs = c.root.join("copies");
    // A designated user's name is in the configuration, never in the copy.
    let config = c.root.join("designated.toml");
    std::fs::write(
        &config,
        format!("{UTC_CONFIG}[policy]\nexempt_users = [\"carol.third\"]\n"),
    )
    .unwrap();
    ok(&[
        &"subject-access",
        &"--store",
        &c.store,
        &"--config",
        &config,
        &"--authorisation",
        &path,
        &"--out",
        &packs,
    ]);
    let pack = packs.join("SAR-2026-009");
    ok(&[&"verify", &pack]);
    let files = snapshot(&pack);
    assert!(files.contains_key("data/events.csv"), "{:?}", files.keys());
    for (name, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for other in [
            bob.as_str(),
            carol.as_str(),
            "carol",
            "10.7.7.7",
            "10.9.9.9",
        ] {
            assert!(!text.contains(other), "{name} holds {other:?}");
        }
        // "bob" can occur by chance inside base64 (keys, signatures).
        if !name.ends_with(".sig") && !name.ends_with("allowed_signers") {
            assert!(!text.contains("bob"), "{name} holds bob");
        }
    }
    // Alice's own records, all of them: 12 + 6 + 5 + 10 = 33 events.
    let events = String::from_utf8_lossy(&files["data/events.csv"]).into_owned();
    assert_eq!(events.lines().count(), 1 + 33);
    let method: serde_json::Value = serde_json::from_slice(&files["data/method.json"]).unwrap();
    assert_eq!(method["policy"]["exempt_users"]["count"], 1);
    let page = String::from_utf8_lossy(&files["data/report.html"]).into_owned();
    assert!(page.contains("Your internet usage records: SAR-2026-009"));
    assert!(page.contains("<h3>What you may comment on</h3>"));
    assert!(page.contains("Shared devices or accounts, or someone else using yours."));
    assert!(page.contains("the employee's own subject access request (UK GDPR Article 15)"));
    let info = String::from_utf8_lossy(&files["bag-info.txt"]).into_owned();
    assert!(
        info.contains(
            "netusage subject access copy: the internet usage records of employee E10442"
        ),
        "{info}"
    );
    let audit = audit_entries(&c.store);
    assert!(
        audit
            .iter()
            .any(|e| e["command"] == "subject-access" && e["result"] == "ok: pack written"),
        "{audit:?}"
    );
}

#[test]
fn each_kind_of_pack_opens_only_under_its_own_grounds() {
    let c = case(&[]);
    // `report` refuses the employee's own request...
    let out = report(&c, &subject_access_record(), "packs", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "the employee's own copy is made with `netusage subject-access`, not `report`"
        ),
        "{}",
        stderr(&out)
    );
    // ...and `subject-access` refuses an investigation's record.
    let path = c.root.join("hr.toml");
    std::fs::write(&path, Record::default().to_string()).unwrap();
    crate::common::gate::sign_record(&c.store, &path);
    let out = run(&[
        &"subject-access",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--authorisation",
        &path,
        &"--out",
        &c.root.join("copies"),
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("under a record with `grounds = \"subject_access\"` only"),
        "{}",
        stderr(&out)
    );
    assert!(!c.root.join("copies").exists() && !c.root.join("packs").exists());
}

#[test]
fn hours_and_leave_say_where_they_came_from() {
    let c = case(&alices_days());
    // The council's own hours, and a leave file that lists someone else.
    let config = c.root.join("council.toml");
    std::fs::write(
        &config,
        UTC_CONFIG.replace(
            "[identity]",
            "working_hours = [\"08:30\", \"16:30\"]\nbreaks = [[\"12:00\", \"12:30\"]]\n[identity]",
        ),
    )
    .unwrap();
    let leave = c.root.join("leave.csv");
    std::fs::write(
        &leave,
        format!("user,date,kind\nbob,{},annual_leave\n", day(0)),
    )
    .unwrap();
    let record = c.root.join("auth.toml");
    std::fs::write(&record, Record::default().to_string()).unwrap();
    crate::common::gate::sign_record(&c.store, &record);
    ok(&[
        &"report",
        &"--store",
        &c.store,
        &"--config",
        &config,
        &"--leave",
        &leave,
        &"--authorisation",
        &record,
        &"--out",
        &c.root.join("packs"),
    ]);
    let page = std::fs::read_to_string(c.root.join("packs/HR-2026-017/data/report.html")).unwrap();
    let council = config.display().to_string();
    for want in [
        format!("08:30 to 16:30 (set by the configuration file {council})"),
        format!("12:00–12:30 (set by the configuration file {council})"),
        format!(
            "The leave file {} given hold(s) nothing for this employee in the period",
            leave.display()
        ),
        "the HR exports given record none for this employee in the period.".to_string(),
    ] {
        assert!(page.contains(&want), "the page lacks {want:?}");
    }
    assert!(
        !page.contains("working hours 08:30"),
        "not listed as a default"
    );
    assert!(page.contains("netusage's defaults, not the council's: </b>working days Mon"));
}
