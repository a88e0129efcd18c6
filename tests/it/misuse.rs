//! Evidence that holds under misuse: each attack of the adversarial review
//! reproduced exactly, and refused. Records are dated relative to the system
//! clock, which the authorisation gate uses.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::process::Output;

use crate::common::gate;
use crate::common::pack::*;
use crate::common::*;

/// The OS login this test runs as (the operator of every command).
fn login() -> String {
    netusage::audit::os_login()
}

// 1. The gate's clock.

#[test]
fn report_takes_no_now_and_an_expired_record_is_refused_by_the_system_clock() {
    let c = case(&[]);
    // The attack: an expired record with --now set before its expiry.
    let expired = Record::default()
        .to_string()
        .replace(&TIMES.0, &from_now(-72))
        .replace(&TIMES.1, &from_now(-1));
    let out = report(&c, &expired, "packs", &[&"--now", &from_now(-48)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--now"), "{}", stderr(&out));
    let out = report(&c, &expired, "packs", &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("the authorisation expired at"));
    assert!(!c.root.join("packs/HR-2026-017").exists());
}

#[test]
fn a_future_now_is_refused_everywhere_and_audit_times_are_real() {
    let c = case(&[]);
    let future = from_now(24 * 365);
    let cases: [[Arg; 6]; 3] = [
        [
            &"purge",
            &"--store",
            &c.store,
            &"--execute",
            &"--now",
            &future,
        ],
        [&"ingest", &"--store", &c.store, &"--now", &future, &"x.log"],
        [
            &"analyse", &"--store", &c.store, &"--now", &future, &"x.log",
        ],
    ];
    for args in cases {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{:?}", shown(&args));
        assert!(
            stderr(&out).contains("is later than the system clock"),
            "{}",
            stderr(&out)
        );
    }
    // A past --now is recorded beside the real time, never instead of it.
    let log = write_log(
        &c.root,
        "b.log",
        &[line(&at(1, "09:00:00"), "carol", "x.com")],
    );
    ok(&[
        &"ingest",
        &"--store",
        &c.store,
        &"--now",
        &"2026-11-20T12:00:00Z",
        &log,
    ]);
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["as_of"], "2026-11-20T12:00:00.000000Z");
    let ts = chrono::DateTime::parse_from_rfc3339(last["ts"].as_str().unwrap()).unwrap();
    assert!(
        (chrono::Utc::now() - ts.with_timezone(&chrono::Utc))
            .num_seconds()
            .abs()
            < 120
    );
    let rec = records(&c.store).pop().unwrap();
    assert_eq!(rec.as_of.unwrap().to_rfc3339(), "2026-11-20T12:00:00+00:00");
    assert!((chrono::Utc::now() - rec.ingested_at).num_seconds().abs() < 120);
}

// 2. Separation of duties.

/// The case's record (the default) written to `root/NAME.toml`.
fn record_file(c: &Case, name: &str, text: &str) -> PathBuf {
    let path = c.root.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// `report` of the record at `path` as it stands (signed or not), by the
/// OS login running the tests.
fn report_file(c: &Case, path: &Path, out: &str) -> Output {
    run(&[
        &"report",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--authorisation",
        &path,
        &"--out",
        &c.root.join(out),
    ])
}

/// Asserts `out` is a refusal (exit 3) whose message holds `why`, that no
/// pack folder exists under `root/packs`, and that the audit log's last
/// entry is the refusal.
fn refused(c: &Case, out: &Output, why: &str) {
    assert_eq!(out.status.code(), Some(3), "{}", stderr(out));
    assert!(
        stderr(out).contains(why),
        "wanted `{why}` in:\n{}",
        stderr(out)
    );
    assert!(
        !c.root.join("packs").join("HR-2026-017").exists(),
        "no pack is written"
    );
    let last = audit_entries(&c.store).pop().unwrap();
    assert!(
        last["result"].as_str().unwrap().starts_with("refused"),
        "{last}"
    );
}

#[test]
fn only_a_registered_authorisers_signature_opens_the_gate() {
    let c = case(&[]);
    let keys = gate::registry(&c.store);
    let rec = Record::default().to_string();
    // Unsigned.
    let path = record_file(&c, "unsigned", &rec);
    refused(
        &c,
        &report_file(&c, &path, "packs"),
        "the record is not signed",
    );
    // Signed, then changed by one byte.
    let path = record_file(&c, "tampered", &rec);
    gate::sign(&keys.join("hr"), "netusage-authorisation", &path);
    std::fs::write(&path, rec.replace("ROC-2026-044", "ROC-2026-045")).unwrap();
    refused(
        &c,
        &report_file(&c, &path, "packs"),
        "changed after it was signed",
    );
    // The refusal's audit entry names the signature it was given, by SHA-256.
    let last = audit_entries(&c.store).pop().unwrap();
    let sig_bytes = std::fs::read(c.root.join("tampered.toml.sig")).unwrap();
    assert!(
        last["inputs"].as_array().unwrap().iter().any(|i| {
            i["path"].as_str().unwrap().ends_with("tampered.toml.sig")
                && i["sha256"] == sha256_hex(&sig_bytes).as_str()
        }),
        "{last}"
    );
    // Signed in another namespace (a registry change's).
    let path = record_file(&c, "namespace", &rec);
    gate::sign(&keys.join("hr"), "netusage-registry", &path);
    refused(
        &c,
        &report_file(&c, &path, "packs"),
        "namespace `netusage-registry`",
    );
    // Signed by a key nobody registered (the operator's own, say).
    let mine = gate::keygen(&keys, "operator");
    let path = record_file(&c, "unregistered", &rec);
    gate::sign(&mine, "netusage-authorisation", &path);
    refused(
        &c,
        &report_file(&c, &path, "packs"),
        "which is not registered",
    );
    // A registry change the registrar did not sign is refused: the operator
    // cannot register their own key.
    let body = gate::add_body("S900", "Morgan Ellis", "Head of HR", &mine, true, "");
    let change = gate::change(&c.store, &keys, "self", 2, &body);
    gate::sign(&mine, "netusage-registry", &change);
    let out = run(&[&"authorisers", &"add", &"--store", &c.store, &change]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not by the registrar"),
        "{}",
        stderr(&out)
    );
    // Signed by the registered authoriser: a pack.
    let path = record_file(&c, "signed", &rec);
    sign_record(&c.store, &path);
    let out = report_file(&c, &path, "packs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        c.root
            .join("packs/HR-2026-017/data/authorisation.toml.sig")
            .is_file()
    );
}

#[test]
fn a_revoked_authoriser_and_a_team_leader_asking_for_covert_monitoring_are_refused() {
    let c = case(&[]);
    let keys = gate::registry(&c.store);
    let registrar = keys.join("registrar");
    // A team leader, registered without covert authority, asks for covert monitoring.
    let lead = gate::keygen(&keys, "lead");
    let body = gate::add_body("S300", "Dana Whitfield", "Team Leader", &lead, false, "");
    let change = gate::change(&c.store, &keys, "add-lead", 2, &body);
    gate::sign(&registrar, "netusage-registry", &change);
    ok(&[&"authorisers", &"add", &"--store", &c.store, &change]);
    let covert = Record::default()
        .to_string()
        .replace(
            "covert = false",
            "covert = true\ncovert_justification = \"evidence would be destroyed\"",
        )
        .replace("subject_notified = true", "subject_notified = false");
    let path = record_file(&c, "covert", &covert);
    gate::sign(&lead, "netusage-authorisation", &path);
    refused(
        &c,
        &report_file(&c, &path, "packs"),
        "not registered to authorise covert monitoring",
    );
    // The registered authoriser, revoked: refused from then on.
    let revoke = gate::change(
        &c.store,
        &keys,
        "revoke-hr",
        3,
        "action = \"revoke\"\nstaff_id = \"S100\"\n",
    );
    gate::sign(&registrar, "netusage-registry", &revoke);
    ok(&[&"authorisers", &"revoke", &"--store", &c.store, &revoke]);
    let path = record_file(&c, "revoked", &Record::default().to_string());
    gate::sign(&keys.join("hr"), "netusage-authorisation", &path);
    refused(
        &c,
        &report_file(&c, &path, "packs"),
        "whose registration was revoked (registry change 3)",
    );
}

#[test]
fn separation_of_duties_is_by_staff_id_and_login_never_by_name() {
    let c = case(&[]);
    let keys = gate::registry(&c.store);
    // The requester's staff id is the signer's: refused, however it is spelt.
    for requester in ["S100", " s100 "] {
        let path = record_file(
            &c,
            "same",
            &Record {
                requested_by: requester,
                ..Record::default()
            }
            .to_string(),
        );
        sign_record(&c.store, &path);
        refused(
            &c,
            &report_file(&c, &path, "packs"),
            "who is also the requester",
        );
    }
    // Names are never compared: a requester written as the authoriser's
    // name in any spelling is just a staff id that is not S100.
    let names = [
        "Morgan Ellis",
        "Ellis, Morgan",
        "MORGAN\u{200b}ELLIS",
        "Morgan Ellis.",
        "Dr Morgan Ellis Head of HR",
    ];
    for (i, requester) in names.into_iter().enumerate() {
        let reference = format!("HR-2026-{}", 100 + i);
        let record = Record {
            requested_by: requester,
            reference: &reference,
            ..Record::default()
        };
        let path = record_file(&c, "name", &record.to_string());
        sign_record(&c.store, &path);
        let out = report_file(&c, &path, "named");
        assert!(out.status.success(), "{requester:?}: {}", stderr(&out));
        assert!(c.root.join("named").join(&reference).is_dir());
    }
    // The operator's OS login registered to the signer: refused, whatever
    // --operator says.
    let me = login();
    let lead = gate::keygen(&keys, "ict");
    let body = gate::add_body("S100-ICT", "ICT Officer", "ICT", &lead, false, &me);
    let change = gate::change(&c.store, &keys, "add-ict", 2, &body);
    gate::sign(&keys.join("registrar"), "netusage-registry", &change);
    ok(&[&"authorisers", &"add", &"--store", &c.store, &change]);
    let path = record_file(
        &c,
        "operator",
        &Record {
            reference: "HR-2026-019",
            ..Record::default()
        }
        .to_string(),
    );
    gate::sign(&lead, "netusage-authorisation", &path);
    let out = run(&[
        &"report",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--authorisation",
        &path,
        &"--out",
        &c.root.join("packs"),
        &"--operator",
        &"Someone Else",
    ]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("who is also the operator making the pack"),
        "{}",
        stderr(&out)
    );
    // NETUSAGE_OPERATOR adds a name beside the login; it cannot replace it.
    let out = command(&[&"usage", &"--store", &c.store, &"--format", &"csv"])
        .env("NETUSAGE_OPERATOR", "someone-else")
        .output()
        .unwrap();
    assert!(out.status.success());
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["operator"], me.as_str());
    assert_eq!(last["operator_name"], "someone-else");
}

// 3. One person per pack.

#[test]
fn two_people_in_one_record_are_refused_both_ways() {
    let c = case(&[]);
    let out = report(
        &c,
        &Record {
            subject: "users = [\"alice\", \"bob\"]",
            ..Record::default()
        }
        .to_string(),
        "packs",
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("resolves to 2 accounts"),
        "{}",
        stderr(&out)
    );
    let bob = pseudonym(&c.store, "bob");
    let out = report(
        &c,
        &Record {
            subject: &format!("users = [\"alice\"]\npseudonym = \"{bob}\""),
            ..Record::default()
        }
        .to_string(),
        "packs",
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(err.contains("resolves to 2 accounts"), "{err}");
    assert!(
        !err.contains("bob"),
        "the refusal must not name the account behind a pseudonym: {err}"
    );
    // same_person but the pseudonym's account is not listed by name: refused.
    let out = report(
        &c,
        &Record { subject: &format!(
                "users = [\"alice\"]\npseudonym = \"{bob}\"\nsame_person = \"one person, two logins\""
            ), ..Record::default() }.to_string(),
        "packs",
        &[],
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("an account that `users` does not list"));
    // Listed and stated: one pack, each account beside the total.
    let out = report(
        &c,
        &Record { subject: "users = [\"alice\", \"bob\"]\nsame_person = \"HR confirms bob is alice's second login\"", ..Record::default() }.to_string(),
        "packs",
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    let accounts: Vec<(String, i64, i64)> = summary["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap().to_string(),
                a["events"].as_i64().unwrap(),
                a["total_s"].as_i64().unwrap(),
            )
        })
        .collect();
    // alice [10:00, 10:23] = 1380 s; bob [10:00, 10:05] = 300 s; union 1380 s.
    assert_eq!(
        accounts,
        vec![("alice".into(), 12, 1380), ("bob".into(), 5, 300)]
    );
    let total = summary["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "social_media")
        .unwrap();
    assert_eq!(total["total_s"], 1380);
    assert_eq!(
        summary["same_person"],
        "HR confirms bob is alice's second login"
    );
    let html = std::fs::read_to_string(pack.join("data/report.html")).unwrap();
    // maud escapes & < > " (an apostrophe needs none: attributes are double-quoted).
    assert!(html.contains("HR confirms bob is alice's second login"));
}

// 4. One reference, one pack.

#[test]
fn a_reference_already_granted_needs_supersede() {
    let c = case(&[]);
    assert!(
        report(&c, &Record::default().to_string(), "packs", &[])
            .status
            .success()
    );
    let out = report(&c, &Record::default().to_string(), "elsewhere", &[]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("already has a pack"),
        "{}",
        stderr(&out)
    );
    assert!(!c.root.join("elsewhere/HR-2026-017").exists());
    let out = report(
        &c,
        &Record::default().to_string(),
        "elsewhere",
        &[&"--supersede", &" "],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = report(
        &c,
        &Record::default().to_string(),
        "elsewhere",
        &[&"--supersede", &"period corrected"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("elsewhere/HR-2026-017-r2");
    ok(&[&"verify", &pack]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    let granted: Vec<serde_json::Value> = audit_entries(&c.store)
        .into_iter()
        .filter(|e| e["result"] == "granted")
        .collect();
    assert_eq!(granted.len(), 2);
    assert_eq!(summary["supersedes"]["granted_seq"], granted[0]["seq"]);
    assert_eq!(summary["supersedes"]["reason"], "period corrected");
    assert_eq!(
        summary["supersedes"]["pack"],
        c.root.join("packs/HR-2026-017").display().to_string()
    );
    let info = std::fs::read_to_string(pack.join("bag-info.txt")).unwrap();
    assert!(info.contains("Supersedes: "), "{info}");
}

/// A granted report that failed before its pack was written is not a pack:
/// the next report of the reference needs no `--supersede`, is written to
/// the reference's own folder, and names no earlier pack. Both attempts stay
/// in the audit log. Before, every `granted` entry counted, so the retry was
/// refused, and with `--supersede` it named a pack that did not exist.
#[test]
fn a_report_that_failed_after_its_grant_is_not_an_earlier_pack() {
    let c = case(&[]);
    // `--out` is a file: the gate grants, the pack cannot be written.
    std::fs::write(c.root.join("packs"), "not a folder").unwrap();
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    let results: Vec<String> = audit_entries(&c.store)
        .iter()
        .filter(|e| e["command"] == "report")
        .map(|e| e["result"].as_str().unwrap().chars().take(6).collect())
        .collect();
    assert_eq!(results, ["grante", "error:"]);
    std::fs::remove_file(c.root.join("packs")).unwrap();
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    ok(&[&"verify", &pack]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    assert!(summary["supersedes"].is_null(), "{summary}");
    // The one written pack is the one a second report must supersede.
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert_eq!(out.status.code(), Some(3));
    let granted: Vec<u64> = audit_entries(&c.store)
        .iter()
        .filter(|e| e["result"] == "granted")
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(granted.len(), 2);
    assert!(
        stderr(&out).contains(&format!(
            "reference HR-2026-017 already has a pack (granted in audit entry {}, written to {})",
            granted[1],
            pack.display()
        )),
        "{}",
        stderr(&out)
    );
}

/// The hidden folder a killed report leaves (`.<reference>.tmp-<pid>`, the
/// subject's events, unsigned) is removed by the next report of the
/// reference, which says so and records it in its audit entry; the folder
/// of a process that still runs is left alone.
#[test]
fn the_next_report_removes_the_unfinished_pack_of_a_killed_one() {
    let c = case(&[]);
    let packs = c.root.join("packs");
    let mut gone = std::process::Command::new("true").spawn().unwrap();
    let dead_pid = gone.id();
    gone.wait().unwrap();
    let killed = packs.join(format!(".HR-2026-017.tmp-{dead_pid}"));
    std::fs::create_dir_all(killed.join("data")).unwrap();
    std::fs::write(killed.join("data/events.csv"), "alice's events").unwrap();
    let running = packs.join(format!(".HR-2026-017.tmp-{}", std::process::id()));
    std::fs::create_dir_all(&running).unwrap();
    // Names netusage never makes stay, whatever their number says.
    let foreign = [format!("0{dead_pid}"), format!("+{dead_pid}"), "abc".into()]
        .map(|n| packs.join(format!(".HR-2026-017.tmp-{n}")));
    for f in &foreign {
        std::fs::create_dir_all(f).unwrap();
    }
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!killed.exists());
    assert!(running.exists());
    assert!(foreign.iter().all(|f| f.exists()));
    assert!(
        stderr(&out).contains(&format!(
            "note: removed {}, the unfinished pack of an earlier report",
            killed.display()
        )),
        "{}",
        stderr(&out)
    );
    let written = audit_entries(&c.store)
        .into_iter()
        .find(|e| e["result"] == "ok: pack written")
        .unwrap();
    assert_eq!(
        written["details"]["removed_unfinished"],
        serde_json::json!([killed.display().to_string()])
    );
    ok(&[&"verify", &packs.join("HR-2026-017")]);
}

// 5. Signed packs.

/// Rewrites a pack as a careful forger would: payload, manifest,
/// Payload-Oxum and tag manifest all consistent.
fn rewrite_consistently(pack: &Path) {
    let summary = pack.join("data/summary.json");
    let text = std::fs::read_to_string(&summary)
        .unwrap()
        .replace("\"flagged\": true", "\"flagged\": false");
    std::fs::write(&summary, &text).unwrap();
    let mut manifest = String::new();
    let mut octets = 0;
    let mut n = 0;
    let mut names: Vec<String> = std::fs::read_dir(pack.join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    for name in names {
        let b = std::fs::read(pack.join("data").join(&name)).unwrap();
        manifest.push_str(&format!("{}  data/{name}\n", sha256_hex(&b)));
        octets += b.len();
        n += 1;
    }
    std::fs::write(pack.join("manifest-sha256.txt"), &manifest).unwrap();
    let info = std::fs::read_to_string(pack.join("bag-info.txt")).unwrap();
    let info: String = info
        .lines()
        .map(|l| {
            if l.starts_with("Payload-Oxum: ") {
                format!("Payload-Oxum: {octets}.{n}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(pack.join("bag-info.txt"), &info).unwrap();
    let mut tags = String::new();
    for name in ["bagit.txt", "bag-info.txt", "manifest-sha256.txt"] {
        let b = std::fs::read(pack.join(name)).unwrap();
        tags.push_str(&format!("{}  {name}\n", sha256_hex(&b)));
    }
    std::fs::write(pack.join("tagmanifest-sha256.txt"), tags).unwrap();
}

#[test]
fn a_consistent_rewrite_or_a_symlink_fails_verify() {
    let c = case(&[]);
    assert!(
        report(&c, &Record::default().to_string(), "packs", &[])
            .status
            .success()
    );
    let pack = c.root.join("packs/HR-2026-017");
    let key_file = c.root.join("store.pub");
    let printed = ok(&[
        &"store",
        &"--store",
        &c.store,
        &"public-key",
        &"--out",
        &key_file,
    ]);
    assert!(printed.contains("fingerprint: SHA256:"), "{printed}");
    let fingerprint = printed
        .lines()
        .find_map(|l| l.strip_prefix("fingerprint: "))
        .unwrap()
        .to_string();
    let good = ok(&[&"verify", &pack, &"--public-key", &key_file]);
    assert!(
        good.contains(&format!("made with the store key you gave ({fingerprint})")),
        "{good}"
    );
    assert!(good.contains("cannot show who held the key"));

    // The forger's rewrite: BagIt-consistent, but the signature no longer matches.
    let forged = c.root.join("forged");
    copy_tree(&pack, &forged);
    rewrite_consistently(&forged);
    let out = run(&[&"verify", &forged]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("the signature does not match tagmanifest-sha256.txt"),
        "{}",
        stderr(&out)
    );

    // Re-signed with the forger's own key: only the store's public key shows it.
    let other = netusage::signing::load_or_create(&c.root.join("forger.key")).unwrap();
    netusage::evidence::signature::sign_bag(&forged, &other).unwrap();
    netusage::evidence::signature::sign_bag_ssh(&forged, &other).unwrap();
    let alone = ok(&[&"verify", &forged]);
    assert!(alone.contains("That alone proves nothing"), "{alone}");
    let out = run(&[&"verify", &forged, &"--public-key", &key_file]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("is NOT the public key you gave"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&fingerprint));

    // A payload file replaced by a symbolic link to an identical copy.
    let linked = c.root.join("linked");
    copy_tree(&pack, &linked);
    let copy = c.root.join("events-copy.csv");
    std::fs::copy(linked.join("data/events.csv"), &copy).unwrap();
    std::fs::remove_file(linked.join("data/events.csv")).unwrap();
    std::os::unix::fs::symlink(&copy, linked.join("data/events.csv")).unwrap();
    let out = run(&[&"verify", &linked]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("data/events.csv is a symbolic link"),
        "{}",
        stderr(&out)
    );

    // An empty folder added to the payload: no file, but not the pack as
    // signed (before, it passed).
    let padded = c.root.join("padded");
    copy_tree(&pack, &padded);
    ok(&[&"verify", &padded]);
    std::fs::create_dir_all(padded.join("data/notes")).unwrap();
    let out = run(&[&"verify", &padded]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("data/notes/ is an empty folder: a pack holds none"),
        "{}",
        stderr(&out)
    );
}

/// Rewrites the store's audit log as someone holding its signing key
/// could: the entries `keep` keeps, appended again (new times and hashes,
/// a whole chain and a signed head).
fn rewrite_audit_log(store: &Path, keep: impl Fn(&netusage::audit::Entry) -> bool) {
    let entries = netusage::audit::read(store).unwrap();
    let key = netusage::signing::load(&store.join("signing.key")).unwrap();
    std::fs::remove_file(store.join("audit.jsonl")).unwrap();
    std::fs::remove_file(store.join("audit.head")).unwrap();
    for (i, e) in entries.iter().filter(|e| keep(e)).enumerate() {
        let mut d = netusage::audit::Draft::new(&e.command, e.result.clone());
        d.details = e.details.clone();
        d.authorisation = e.authorisation.clone();
        d.outputs = e.outputs.clone();
        if i == 0 {
            netusage::audit::start(store, &key, d).unwrap();
        } else {
            netusage::audit::append(store, &key, d).unwrap();
        }
    }
}

/// A report killed after its pack was renamed into place but before its
/// closing `ok: pack written` entry (here: that entry taken out of the
/// log) still made a pack: a report of the reference into another folder
/// needs `--supersede`, and names that pack and its tag manifest's SHA-256.
/// Before, the pack went uncounted, and a second pack was made without a
/// word.
#[test]
fn a_pack_in_place_without_its_closing_entry_is_an_earlier_pack() {
    let c = case(&[]);
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let first = c.root.join("packs/HR-2026-017");
    rewrite_audit_log(&c.store, |e| e.result != "ok: pack written");
    let out = report(&c, &Record::default().to_string(), "elsewhere", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", output_text(&out));
    assert!(
        stderr(&out).contains("already has a pack (granted in audit entry")
            && stderr(&out).contains(&format!("written to {})", first.display())),
        "{}",
        stderr(&out)
    );
    let out = report(
        &c,
        &Record::default().to_string(),
        "elsewhere",
        &[&"--supersede", &"the first run was killed"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("elsewhere/HR-2026-017-r2");
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(pack.join("data/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["supersedes"]["pack"], first.display().to_string());
    assert_eq!(
        summary["supersedes"]["tagmanifest_sha256"],
        sha256_hex(&std::fs::read(first.join("tagmanifest-sha256.txt")).unwrap())
    );
}

/// Someone holding the store's signing key rewrites the audit log to drop
/// the entry that granted a pack, re-chaining and re-signing what is left:
/// `audit verify` alone cannot tell (the chain and its signed head are
/// whole), but checked against the pack HR keeps (`--pack`), the rewrite is
/// named at the first entry the pack copied.
#[test]
fn a_log_rewritten_with_the_stores_key_is_caught_by_the_pack_hr_keeps() {
    let c = case(&[]);
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let pack = c.root.join("packs/HR-2026-017");
    let checked = ok(&[&"audit", &"--store", &c.store, &"verify", &"--pack", &pack]);
    let copied = std::fs::read_to_string(pack.join("data/audit.jsonl")).unwrap();
    let whole = copied.lines().filter(|l| l.contains("\"hash\"")).count();
    // The grant (the entry recording the pack comes after it is made).
    assert_eq!(whole, 1, "{copied}");
    assert!(
        checked.contains(&format!(
            "pack {}: every audit entry it copied (1) is in the log unchanged",
            pack.display()
        )),
        "{checked}"
    );
    // The rewrite: every entry but the grant, appended again with the key.
    let granted = (netusage::audit::read(&c.store).unwrap().iter())
        .find(|e| e.result == "granted")
        .unwrap()
        .seq;
    rewrite_audit_log(&c.store, |e| e.seq != granted);
    ok(&[&"audit", &"--store", &c.store, &"verify"]);
    let out = run(&[&"audit", &"--store", &c.store, &"verify", &"--pack", &pack]);
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));
    assert!(
        stderr(&out).contains(&format!(
            "audit entry {granted} is not the one the pack {} copied",
            pack.display()
        )) && stderr(&out).contains("the store's audit log was rewritten after the pack was made"),
        "{}",
        stderr(&out)
    );
}

// 6. The audit log cannot be deleted unnoticed.

#[test]
fn a_deleted_or_emptied_audit_log_is_an_error() {
    let c = case(&[]);
    ok(&[&"usage", &"--store", &c.store, &"--format", &"csv"]);
    let n = audit_entries(&c.store).len();
    for damage in ["empty", "delete"] {
        let copy = c.root.join(format!("store-{damage}"));
        copy_tree(&c.store, &copy);
        let log = copy.join("audit.jsonl");
        if damage == "empty" {
            std::fs::write(&log, "").unwrap();
        } else {
            std::fs::remove_file(&log).unwrap();
        }
        let out = run(&[&"audit", &"--store", &copy, &"verify"]);
        assert_eq!(out.status.code(), Some(1), "{damage}");
        assert!(
            stderr(&out).contains(&format!("entries 1 to {n} were deleted")),
            "{damage}: {}",
            stderr(&out)
        );
        // The next command does not start again at seq 1: it refuses to append.
        let out = run(&[&"usage", &"--store", &copy, &"--format", &"csv"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("nothing is appended"),
            "{}",
            stderr(&out)
        );
        assert!(std::fs::read(&log).map(|b| b.is_empty()).unwrap_or(true));
    }
    // Deleting the signed head too is named.
    let copy = c.root.join("store-nohead");
    copy_tree(&c.store, &copy);
    std::fs::remove_file(copy.join("audit.jsonl")).unwrap();
    std::fs::remove_file(copy.join("audit.head")).unwrap();
    let out = run(&[&"audit", &"--store", &copy, &"verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("audit.head is missing"),
        "{}",
        stderr(&out)
    );
}

// 7. Config numbers.

#[test]
fn every_number_out_of_range_is_refused_with_its_key() {
    let c = case(&[]);
    let cfg = c.root.join("bad.toml");
    for (text, key) in [
        (
            "[policy]\nmax_working_minutes_per_day = 18446744073709551615\n",
            "[policy] max_working_minutes_per_day",
        ),
        (
            "[browse_time]\nidle_timeout_s = 18446744073709551615\n",
            "[browse_time] idle_timeout_s",
        ),
        (
            "[browse_time]\nallowance_s = 9223372036854775807\n",
            "[browse_time] allowance_s",
        ),
        (
            "[browse_time]\nidle_timeout_s = 0\n",
            "[browse_time] idle_timeout_s",
        ),
        (
            "[policy]\nmin_flagged_days = 0\n",
            "[policy] min_flagged_days",
        ),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let out = run(&[&"usage", &"--store", &c.store, &"--config", &cfg]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(stderr(&out).contains(key), "{key}: {}", stderr(&out));
        assert!(stderr(&out).contains("is out of range"), "{}", stderr(&out));
    }
    let out = run(&[
        &"purge",
        &"--store",
        &c.store,
        &"--retention-days",
        &"106751991",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("106751991"), "{}", stderr(&out));
}

// 8. The one-year floor.

#[test]
fn the_floor_cannot_be_lowered_by_the_config() {
    let c = case(&[]);
    let cfg = c.root.join("short.toml");
    std::fs::write(&cfg, "[retention]\ndays = 1\nminimum_days = 1\n").unwrap();
    let before = std::fs::read(c.store.join("sources.jsonl")).unwrap();
    let out = run(&[
        &"purge",
        &"--store",
        &c.store,
        &"--config",
        &cfg,
        &"--execute",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("[retention] days = 1 is out of range: it must be 365 to 3650 days"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(c.store.join("sources.jsonl")).unwrap(),
        before
    );
    let out = run(&[
        &"purge",
        &"--store",
        &c.store,
        &"--retention-days",
        &"30",
        &"--execute",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        &"purge",
        &"--store",
        &c.store,
        &"--retention-days",
        &"30",
        &"--override-minimum",
        &"",
        &"--execute",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs a reason"));
    // Nor one that is only invisible characters.
    let out = run(&[
        &"purge",
        &"--store",
        &c.store,
        &"--retention-days",
        &"30",
        &"--override-minimum",
        &"\u{200b}\u{00ad} ",
        &"--execute",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs a reason in words"));
    // A config that raises the floor is fine, and is recorded with its SHA-256.
    std::fs::write(&cfg, "[retention]\ndays = 400\nminimum_days = 400\n").unwrap();
    ok(&[&"purge", &"--store", &c.store, &"--config", &cfg]);
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(
        last["config"]["sha256"],
        sha256_hex(&std::fs::read(&cfg).unwrap()).as_str()
    );
    assert_eq!(last["config"]["effective"]["retention"]["days"], 400);
    assert_eq!(
        last["config"]["effective"]["browse_time"]["idle_timeout_s"],
        300
    );
    assert_eq!(last["details"]["retention_days"], 400);
}

// 9. Overlapping and growing logs.

#[test]
fn a_grown_log_adds_only_its_new_lines_and_an_overlap_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let all = every(&at(0, "09:00:00"), 30, 50, "alice", "www.facebook.com");
    let first = write_log(dir.path(), "access.log.part", &all[..30]);
    let whole = write_log(dir.path(), "access.log", &all);
    ok(&[&"ingest", &"--store", &store, &first]);
    let out = ok(&[&"ingest", &"--store", &store, &whole]);
    assert!(out.contains("only lines 31 onwards were read"), "{out}");
    let recs = records(&store);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[1].prefix_of.as_deref(), Some(recs[0].source.as_str()));
    assert_eq!(
        (recs[1].first_line, recs[1].lines, recs[1].accepted),
        (31, 20, 20)
    );
    // The recorded hash and size describe exactly the file as read.
    let bytes = std::fs::read(&whole).unwrap();
    assert_eq!(
        (recs[1].sha256.clone(), recs[1].size),
        (sha256_hex(&bytes), bytes.len() as u64)
    );
    // Its chain index starts at line 31, at the byte after the first 30
    // lines, and quotes lines 31 and 50 from the file, checked stretch by stretch.
    let st = netusage::store::Store::open(&store).unwrap();
    let chain = netusage::store::chain::read(&st, &recs[1]).unwrap();
    let first_30: usize = all[..30].iter().map(|l| l.len() + 1).sum();
    assert_eq!(chain.blocks, vec![(31, first_30 as u64)]);
    let wanted = std::collections::BTreeMap::from([(
        recs[1].source.clone(),
        std::collections::BTreeSet::from([31, 50]),
    )]);
    let back = netusage::evidence::rawlines::read_back(&recs, &wanted, &|r| {
        netusage::store::chain::read(&st, r)
    });
    assert_eq!(back.lines[&(recs[1].source.clone(), 31)], all[30]);
    assert_eq!(back.lines[&(recs[1].source.clone(), 50)], all[49]);
    assert!(
        back.status[&recs[1].source].contains("SHA-256 chain"),
        "{:?}",
        back.status
    );
    drop(st);
    // A copy that overlaps without being a prefix (lines 21 to 50): the 20 events
    // already stored are reported as duplicates, not stored twice.
    let rotated = write_log(dir.path(), "access.log.1", &all[20..]);
    let out = ok(&[&"ingest", &"--store", &store, &rotated]);
    assert!(out.contains("30 lines, 0 accepted, 30 rejected"), "{out}");
    assert!(
        out.contains("30 of them repeat events already stored"),
        "{out}"
    );
    let st = netusage::store::Store::open(&store).unwrap();
    let df = netusage::store::scan::scan(&st, &Default::default(), &["line"]).unwrap();
    assert_eq!(df.height(), 50);
    let q =
        netusage::store::quarantine::read(&store.join("quarantine"), &records(&store)[2].source)
            .unwrap();
    assert_eq!(q.len(), 30);
    assert_eq!(q[0].line, 1);
    assert!(
        q[0].reason.contains(&format!(
            "already stored from source {} line 21",
            recs[0].source
        )),
        "{}",
        q[0].reason
    );
    assert!(
        q[29].reason.contains(&format!(
            "already stored from source {} line 50",
            recs[1].source
        )),
        "{}",
        q[29].reason
    );
}

// 10. Realms.

#[test]
fn only_the_organisations_realms_are_stripped() {
    let dir = tempfile::tempdir().unwrap();
    let lines = vec![
        line(&at(0, "09:00:00"), "jsmith@council.gov.uk", "x.com"),
        line(&at(0, "09:01:00"), "CORP\\jsmith", "x.com"),
        line(&at(0, "09:02:00"), "jsmith@agency-temps.co.uk", "x.com"),
        line(&at(0, "09:03:00"), "CONTRACTOR\\jsmith", "x.com"),
    ];
    let log = write_log(dir.path(), "a.log", &lines);
    let people = |store: &Path| -> usize {
        let csv = ok(&[&"usage", &"--store", &store, &"--format", &"csv"]);
        csv.lines()
            .skip(1)
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    let none = dir.path().join("none");
    let out = ok(&[&"ingest", &"--store", &none, &log]);
    assert!(
        out.contains("realms kept in user names: agency-temps.co.uk (1 events), contractor (1 events), corp (1 events), council.gov.uk (1 events)"),
        "{out}"
    );
    assert!(out.contains("[identity] local_realms"), "{out}");
    assert_eq!(people(&none), 4);
    let cfg = dir.path().join("realms.toml");
    std::fs::write(
        &cfg,
        "[identity]\nlocal_realms = [\"CORP\", \"council.gov.uk\"]\n",
    )
    .unwrap();
    let local = dir.path().join("local");
    ok(&[&"ingest", &"--store", &local, &"--config", &cfg, &log]);
    // jsmith (twice), jsmith@agency-temps.co.uk, contractor\jsmith.
    assert_eq!(people(&local), 3);
}

// 11. Holds on unknown users.

#[test]
fn a_hold_on_a_misspelt_user_is_refused_with_close_matches() {
    let c = case(&[]);
    let out = run(&[
        &"hold",
        &"--store",
        &c.store,
        &"add",
        &"--reference",
        &"HR-1",
        &"--users",
        &"alcie",
        &"--from",
        &day(0),
        &"--to",
        &day(0),
        &"--reason",
        &"tribunal",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("user `alcie` has no event in the store; did you mean alice?"),
        "{}",
        stderr(&out)
    );
    assert!(!c.store.join("holds/HR-1.toml").exists());
    let out = run(&[
        &"hold",
        &"--store",
        &c.store,
        &"add",
        &"--reference",
        &"HR-1",
        &"--users",
        &"alcie",
        &"--from",
        &day(0),
        &"--to",
        &day(0),
        &"--reason",
        &"\u{200b}",
        &"--allow-unknown-user",
    ]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a zero-width space is no reason"
    );
    assert!(!c.store.join("holds/HR-1.toml").exists());
    ok(&[
        &"hold",
        &"--store",
        &c.store,
        &"add",
        &"--reference",
        &"HR-1",
        &"--users",
        &"alcie",
        &"--from",
        &day(0),
        &"--to",
        &day(0),
        &"--reason",
        &"tribunal",
        &"--allow-unknown-user",
    ]);
    assert!(c.store.join("holds/HR-1.toml").exists());
}

// 12. Permissions.

/// Adds the permission bits of everything under `root` to `out`.
fn modes(root: &Path, out: &mut Vec<(String, u32)>) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        let m = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.display().to_string(), m.permissions().mode() & 0o777));
        if m.is_dir() {
            modes(&p, out);
        }
    }
}

#[test]
fn store_and_pack_are_private_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let cfg = root.join("config.toml");
    std::fs::write(&cfg, UTC_CONFIG).unwrap();
    let log = write_log(
        root,
        "a.log",
        &every(&at(0, "10:00:00"), 120, 12, "alice", "www.facebook.com"),
    );
    let auth = root.join("auth.toml");
    std::fs::write(&auth, Record::default().to_string()).unwrap();
    let bin = env!("CARGO_BIN_EXE_netusage");
    let ingest = format!(
        "umask 000 && '{bin}' ingest --store '{r}/store' --config '{c}' '{l}'",
        r = root.display(),
        c = cfg.display(),
        l = log.display(),
    );
    let out = Command::new("sh").args(["-c", &ingest]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    sign_record(&root.join("store"), &auth);
    let report = format!(
        "umask 000 && '{bin}' report --store '{r}/store' --config '{c}' --authorisation '{a}' --out '{r}/packs' --operator ict1",
        r = root.display(),
        c = cfg.display(),
        a = auth.display()
    );
    let out = Command::new("sh").args(["-c", &report]).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut all = Vec::new();
    modes(&root.join("store"), &mut all);
    modes(&root.join("packs"), &mut all);
    assert!(all.len() > 15);
    for (path, mode) in all {
        let dir = std::fs::metadata(&path).unwrap().is_dir();
        assert_eq!(mode, if dir { 0o700 } else { 0o600 }, "{path}");
    }
}

// Second adversarial review.

/// A leave or people row naming a user with no events was dropped silently,
/// so a person on leave stayed flagged. Refused now, with close matches.
#[test]
fn people_and_leave_rows_naming_nobody_are_refused_with_close_matches() {
    let c = case(&[]);
    let leave = c.root.join("leave.csv");
    std::fs::write(
        &leave,
        // Blank lines before the row: its line is the one an editor shows.
        format!("user,date,kind\n\nalcie,{},annual_leave\n", day(0)),
    )
    .unwrap();
    let people = c.root.join("people.csv");
    std::fs::write(&people, "user,schedule,from,to\nbobb,default,2020-01-01,\n").unwrap();
    for (opt, file, name, close, at) in [
        ("--leave", &leave, "alcie", "alice", 3),
        ("--people", &people, "bobb", "bob", 2),
    ] {
        let args: [Arg; 7] = [
            &"usage",
            &"--store",
            &c.store,
            &"--config",
            &c.config,
            &opt,
            file,
        ];
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "{}:{at}: user `{name}` has no event in the store; did you mean {close}?",
                file.display()
            )),
            "{err}"
        );
        let mut allowed = args.to_vec();
        allowed.push(&"--allow-unknown-user");
        ok(&allowed);
    }
    // Spelt right, the leave day takes alice's time out of working time.
    std::fs::write(
        &leave,
        format!("user,date,kind\nalice,{},annual_leave\n", day(0)),
    )
    .unwrap();
    let alice = pseudonym(&c.store, "alice");
    let base = ok(&[
        &"flags",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--format",
        &"csv",
    ]);
    assert!(base.contains(&alice), "{base}");
    let flags = ok(&[
        &"flags",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--leave",
        &leave,
        &"--format",
        &"csv",
    ]);
    assert!(!flags.contains(&alice), "{flags}");
}

/// A store folder others can write to, or keys others can read, is refused
/// (as OpenSSH's StrictModes refuses ~/.ssh), naming the path and the fix.
#[test]
fn a_store_others_can_write_to_or_read_keys_from_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let c = case(&[]);
    let mode =
        |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    mode(&c.store, 0o777);
    let out = run(&[&"usage", &"--store", &c.store]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "refused: {} is writable by everyone (mode 777)",
            c.store.display()
        )) && err.contains("chmod -R go-w"),
        "{err}"
    );
    mode(&c.store, 0o700);
    mode(&c.store.join("audit.jsonl"), 0o620);
    let err = stderr(&run(&[&"audit", &"--store", &c.store, &"verify"]));
    assert!(
        err.contains("audit.jsonl is writable by its group (mode 620)"),
        "{err}"
    );
    mode(&c.store.join("audit.jsonl"), 0o600);
    mode(&c.store.join("secret.key"), 0o644);
    let err = stderr(&run(&[&"usage", &"--store", &c.store]));
    assert!(
        err.contains("secret.key is readable by others (mode 644)"),
        "{err}"
    );
    mode(&c.store.join("secret.key"), 0o600);
    ok(&[&"usage", &"--store", &c.store]);
    // A link inside the store (to a key anyone can read, or to /dev/zero).
    let key = c.store.join("secret.key");
    let real = c.root.join("secret.key.real");
    std::fs::rename(&key, &real).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &key).unwrap();
    let err = stderr(&run(&[&"usage", &"--store", &c.store]));
    assert!(
        err.contains(&format!(
            "refused: {} is a symbolic link inside the store",
            key.display()
        )),
        "{err}"
    );
    std::fs::remove_file(&key).unwrap();
    std::fs::rename(&real, &key).unwrap();
    ok(&[&"usage", &"--store", &c.store]);
    // A new store in an existing folder others can write to: refused before
    // anything is written there.
    let open = c.root.join("open");
    std::fs::create_dir(&open).unwrap();
    mode(&open, 0o777);
    let log = write_log(
        &c.root,
        "x.log",
        &[line(&at(0, "09:00:00"), "carol", "x.com")],
    );
    let out = run(&[&"ingest", &"--store", &open, &log]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&open).unwrap().count(), 0);
    // Nor a new store folder made inside it: another user could move it
    // away and put their own in its place.
    let inside = open.join("store");
    let out = run(&[&"ingest", &"--store", &inside, &log]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no sticky bit"), "{}", stderr(&out));
    assert!(!inside.exists());
}

/// alice's pack carried bob's name, copied from an earlier refused attempt
/// under the same reference. Entries about anyone else are reduced.
#[test]
fn a_packs_audit_extract_holds_only_its_own_subject() {
    let c = case(&[]);
    // First attempt under HR-2026-017: bob by name and address, without
    // `same_person`: refused, and the refusal names "bob".
    let bobs = Record {
        subject: "users = [\"bob\"]\nips = [\"10.9.9.9\"]",
        ..Record::default()
    }
    .to_string();
    let out = report(&c, &bobs, "packs", &[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let refused = audit_entries(&c.store).pop().unwrap();
    assert!(refused.to_string().contains("bob"), "{refused}");
    let out = report(&c, &Record::default().to_string(), "packs", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let extract =
        std::fs::read_to_string(c.root.join("packs/HR-2026-017/data/audit.jsonl")).unwrap();
    let bob = pseudonym(&c.store, "bob");
    assert!(
        !extract.contains("bob") && !extract.contains(&bob),
        "{extract}"
    );
    let lines: Vec<serde_json::Value> = extract
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0],
        serde_json::json!({
            "seq": refused["seq"],
            "ts": refused["ts"],
            "command": "report",
            "subject": "another subject",
        })
    );
    // alice's own grant is whole.
    assert_eq!(lines[1]["result"], "granted");
    assert_eq!(
        lines[1]["details"]["subject_key"].as_str().unwrap().len(),
        64
    );
    ok(&[&"verify", &c.root.join("packs/HR-2026-017")]);
}

/// A screening record: reference `SCR-2026-01`, valid from an hour ago for
/// 30 days, requested by S200.
fn screening_record(c: &Case) -> PathBuf {
    let text = format!(
        "reference = \"SCR-2026-01\"\ngrounds = \"screening\"\n\
         scope = \"monthly screening of all staff against the social media policy\"\n\
         dpia = \"DPIA-ICT-007\"\nrequested_by = \"S200\"\nauthorised_at = {}\nexpires = {}\n",
        TIMES.0, TIMES.1
    );
    record_file(c, "screening", &text)
}

#[test]
fn under_the_charnwood_preset_screening_needs_a_signed_screening_authorisation() {
    let c = case(&[]);
    let keys = gate::registry(&c.store);
    let flags = |extra: &[Arg]| {
        let mut args: Vec<Arg> = vec![
            &"flags",
            &"--store",
            &c.store,
            &"--config",
            &c.config,
            &"--policy",
            &"charnwood",
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    // None given: refused with Charnwood's clause quoted, audited, nothing printed.
    let out = flags(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("to gain authorisation to access any IT records"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["command"], "flags");
    assert!(
        last["result"]
            .as_str()
            .unwrap()
            .starts_with("refused: reading everyone's records needs")
    );
    // Unsigned, or signed in the investigation namespace: refused.
    let record = screening_record(&c);
    let out = flags(&[&"--screening", &record]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("no signature"), "{}", stderr(&out));
    gate::sign(&keys.join("hr"), "netusage-authorisation", &record);
    let out = flags(&[&"--screening", &record]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("namespace `netusage-authorisation`"),
        "{}",
        stderr(&out)
    );
    // Signed by the registered authoriser for screening: it runs, and the
    // audit entry names the record.
    gate::sign(&keys.join("hr"), "netusage-screening", &record);
    let out = flags(&[&"--screening", &record]);
    assert!(out.status.success(), "{}", stderr(&out));
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["command"], "flags");
    assert_eq!(last["details"]["screening"]["reference"], "SCR-2026-01");
    assert_eq!(last["details"]["screening"]["signed_by"], "S100");
    // Without the preset, none is required, and the entry says so.
    ok(&[&"flags", &"--store", &c.store, &"--config", &c.config]);
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["details"]["screening"], "not required");
}

#[test]
fn a_registry_edited_or_deleted_by_hand_accepts_nothing() {
    let c = case(&[]);
    let keys = gate::registry(&c.store);
    let registry = c.store.join("registry.json");
    let good = std::fs::read_to_string(&registry).unwrap();
    let path = record_file(&c, "rec", &Record::default().to_string());
    sign_record(&c.store, &path);
    // Covert authority written into the stored change by hand: the change's
    // registrar signature no longer holds.
    let mine = gate::keygen(&keys, "mine");
    let edited = good.replace("covert = true", "covert = false");
    assert_ne!(edited, good);
    std::fs::write(&registry, &edited).unwrap();
    let out = report_file(&c, &path, "packs");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("registry damaged"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("change 1's signature"),
        "{}",
        stderr(&out)
    );
    // A second registrar set by deleting the file: refused, and a missing
    // registry is damage, not a fresh start.
    std::fs::remove_file(&registry).unwrap();
    let out = report_file(&c, &path, "packs");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("is missing, but audit entry"),
        "{}",
        stderr(&out)
    );
    let out = run(&[
        &"authorisers",
        &"init",
        &"--store",
        &c.store,
        &"--registrar",
        &mine.with_extension("pub"),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the registrar is set once"),
        "{}",
        stderr(&out)
    );
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["command"], "authorisers init");
    assert!(last["result"].as_str().unwrap().starts_with("refused"));
    // Restored: the gate opens again.
    std::fs::write(&registry, &good).unwrap();
    let out = report_file(&c, &path, "packs");
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn a_signature_with_text_around_it_or_a_second_key_is_refused() {
    let c = case(&[]);
    let path = record_file(&c, "rec", &Record::default().to_string());
    let sig = sign_record(&c.store, &path);
    let text = std::fs::read_to_string(&sig).unwrap();
    std::fs::write(&sig, format!("junk\n{text}")).unwrap();
    let out = report_file(&c, &path, "packs");
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("nothing before or after"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&sig, &text).unwrap();
    let out = report_file(&c, &path, "packs");
    assert!(out.status.success(), "{}", stderr(&out));
    // The pack's SSH signature replaced by one from another key: verify
    // refuses even without --public-key (the two signatures' keys differ).
    let pack = c.root.join("packs/HR-2026-017");
    let other = gate::keygen(&gate::keys_dir(&c.store), "other");
    let ssh_sig = pack.join("tagmanifest-sha256.txt.sig");
    std::fs::remove_file(&ssh_sig).unwrap();
    gate::sign(
        &other,
        "netusage-pack",
        &pack.join("tagmanifest-sha256.txt"),
    );
    let out = run(&[&"verify", &pack]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the two were made by different keys"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_signature_that_is_a_pipe_is_refused_and_audited_without_waiting() {
    let c = case(&[]);
    gate::registry(&c.store);
    let path = record_file(&c, "rec", &Record::default().to_string());
    let sig = c.root.join("rec.toml.sig");
    let made = std::process::Command::new("mkfifo")
        .arg(&sig)
        .status()
        .unwrap();
    assert!(made.success());
    let out = report_file(&c, &path, "packs");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cannot read the record's signature"),
        "{}",
        stderr(&out)
    );
    let last = audit_entries(&c.store).pop().unwrap();
    assert_eq!(last["command"], "report");
    assert!(
        last["result"].as_str().unwrap().starts_with("refused"),
        "{last}"
    );
}

#[test]
fn a_record_swapped_after_the_gate_granted_another_fails_verify_even_re_signed() {
    let c = case(&[]);
    let keys = gate::registry(&c.store);
    assert!(
        report(&c, &Record::default().to_string(), "packs", &[])
            .status
            .success()
    );
    let pack = c.root.join("packs/HR-2026-017");
    // The operator holds the store's key and a registered authoriser's
    // signature over another record: swapped in, every manifest rebuilt and
    // both store signatures made again.
    let forged = c.root.join("forged");
    copy_tree(&pack, &forged);
    let record = forged.join("data/authorisation.toml");
    let other = std::fs::read_to_string(&record)
        .unwrap()
        .replace("ROC-2026-044", "ROC-2026-999");
    std::fs::write(&record, other).unwrap();
    gate::sign(&keys.join("hr"), "netusage-authorisation", &record);
    rewrite_consistently(&forged);
    let key = netusage::signing::load_or_create(&c.store.join("signing.key")).unwrap();
    netusage::evidence::signature::sign_bag(&forged, &key).unwrap();
    netusage::evidence::signature::sign_bag_ssh(&forged, &key).unwrap();
    let out = run(&[&"verify", &forged]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not the record the audit log granted"),
        "{}",
        stderr(&out)
    );
    // The pack as made passes.
    ok(&[&"verify", &pack]);
}
