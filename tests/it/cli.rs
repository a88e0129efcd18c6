//! The command line: lookups, user rules at analysis time, exit codes, the lock.

use crate::common::*;

#[test]
fn categories_lookup_names_the_rule() {
    let out = ok(&[
        &"categories",
        &"lookup",
        &"--format",
        &"csv",
        &"https://Static.XX.FBCDN.net:443/x.png",
        &"intranet",
    ]);
    assert_eq!(
        out,
        "input,host,domain,site,category,embedded,rule,source\n\
         https://Static.XX.FBCDN.net:443/x.png,static.xx.fbcdn.net,fbcdn.net,facebook,social_networking,true,netusage host static.xx.fbcdn.net,\n\
         intranet,intranet,intranet,intranet,uncategorised,false,none,\n"
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
        &"usage",
        &"--store",
        &store,
        &"--format",
        &"csv",
        &"--categories",
        &rules,
    ]);
    let p = pseudonym(&store, "alice");
    assert_eq!(
        out,
        format!(
            "person,category,working_s,break_s,outside_s,total_s,sessions,blocked,background,flagged\n{p},forums,60,0,0,60,1,0,0,false\n{p},social_media,60,0,0,60,1,0,0,false\n"
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
    let out = run(&[&"usage", &"--store", &store, &"--config", &cfg]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("time_zone `Europe/Londn` is not an IANA time zone name"),
        "{err}"
    );
    std::fs::write(&cfg, "[policy]\npersonal_use = \"sometimes\"\n").unwrap();
    let out = run(&[&"usage", &"--store", &store, &"--config", &cfg]);
    assert_eq!(out.status.code(), Some(2));
    // Unknown subcommand or option: clap's usage error, also 2.
    assert_eq!(
        run(&[&"usage", &"--frmo", &"2025-01-01"]).status.code(),
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
    let out = run(&[&"ingest", &"--now", &TEST_NOW, &"--store", &store, &log]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is in use by another netusage process"));
    drop(held);
    ingest(&store, &log);
}

#[test]
fn usage_without_a_store_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[&"usage", &"--store", &dir.path().join("nope")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("run `netusage ingest --store"));
}

#[test]
fn the_usage_table_is_one_line_per_person_with_the_flag_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    // Wed 2025-06-11 (BST). alice: facebook every 60 s from 10:00 to 10:20 →
    // [10:00, 10:21] = 1260 s of working time, over 15 min: flagged. bob: one
    // request to x.com at 12:45 BST, in the lunch break → 60 s of break time.
    // carol: work sites only.
    let mut lines = every("2025-06-11T09:00:00Z", 60, 21, "alice", "www.facebook.com");
    lines.push(line("2025-06-11T09:30:00Z", "alice", "www.gov.uk"));
    lines.push(line("2025-06-11T11:45:00Z", "bob", "x.com"));
    lines.push(line("2025-06-11T09:00:00Z", "carol", "www.gov.uk"));
    let log = write_log(dir.path(), "a.log", &lines);
    ingest(&store, &log);
    let table = ok(&[
        &"usage",
        &"--store",
        &store,
        &"--from",
        &"2025-06-11",
        &"--to",
        &"2025-06-11",
    ]);
    let (a, b, c) = (
        pseudonym(&store, "alice"),
        pseudonym(&store, "bob"),
        pseudonym(&store, "carol"),
    );
    let rows: Vec<&str> = table.lines().filter(|l| l.contains(" u-")).collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert!(
        rows[0].contains(&a) && rows[0].contains("21.0") && rows[0].trim_end().ends_with("FLAGGED"),
        "{table}"
    );
    assert!(rows[1].contains(&b) && rows[1].contains("1.0"), "{table}");
    assert!(rows[2].contains(&c), "{table}");
    assert_eq!(table.matches("FLAGGED").count(), 1, "{table}");
    assert!(
        table.contains("Period: Wed 11 Jun 2025 to Wed 11 Jun 2025 (local dates)"),
        "{table}"
    );
    assert!(
        table.contains("Working time: Monday to Friday 09:00–17:00, official break 12:30–13:30, Europe/London time, bank holidays of England and Wales off."),
        "{table}"
    );
    assert!(!table.contains("[[\""), "no TOML in the table: {table}");
    // --top 1: only alice.
    let top = ok(&[&"usage", &"--store", &store, &"--top", &"1"]);
    assert_eq!(top.lines().filter(|l| l.contains(" u-")).count(), 1);
    assert!(top.contains(&a));
    // --by-category: the flag on the social_media row only.
    let by = ok(&[&"usage", &"--store", &store, &"--by-category"]);
    let flagged: Vec<&str> = by.lines().filter(|l| l.contains("FLAGGED")).collect();
    assert_eq!(flagged.len(), 1, "{by}");
    assert!(flagged[0].contains("social_media"), "{by}");
    // CSV keeps every category row, flagged on each of the person's rows.
    let csv = ok(&[
        &"usage",
        &"--store",
        &store,
        &"--format",
        &"csv",
        &"--top",
        &"1",
    ]);
    assert_eq!(
        csv,
        format!(
            "person,category,working_s,break_s,outside_s,total_s,sessions,blocked,background,flagged\n\
             {a},government,60,0,0,60,1,0,0,true\n{a},social_networking,1260,0,0,1260,1,0,0,true\n{a},social_media,1260,0,0,1260,1,0,0,true\n"
        )
    );
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let bash = ok(&[&"completions", &"bash"]);
    assert!(bash.contains("_netusage()"), "{bash}");
    assert!(bash.contains("--log-format"));
    let zsh = ok(&[&"completions", &"zsh"]);
    assert!(zsh.starts_with("#compdef netusage"));
    let man = ok(&[&"man"]);
    assert!(man.contains(".TH netusage 1"), "{man}");
    assert!(man.contains("NETUSAGE_STORE"));
    let help = ok(&[&"--help"]);
    assert!(help.contains("NETUSAGE_OPERATOR") && help.contains("NETUSAGE_STORE"));
    let ingest = ok(&[&"ingest", &"--help"]);
    assert!(ingest.contains("--log-format") && ingest.contains("create it when absent"));
}

#[test]
fn policy_show_quotes_the_preset_and_states_the_policy_in_force() {
    let out = ok(&[&"policy", &"show", &"chelmsford"]);
    assert!(
        out.starts_with("chelmsford: Chelmsford City Council\n"),
        "{out}"
    );
    assert!(
        out.contains("\"This must be limited to out of work hours, i.e. during lunch breaks."),
        "{out}"
    );
    assert!(
        out.contains("a day with any counted social-media time is flagged"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[policy]\npreset = \"west-dunbartonshire\"\nmax_working_minutes_per_day = 10\nexempt_users = [\"CORP\\\\Comms\"]\n[identity]\nlocal_realms = [\"CORP\"]\n",
    )
    .unwrap();
    let out = ok(&[&"policy", &"show", &"--config", &cfg]);
    for want in [
        "Preset: west-dunbartonshire (West Dunbartonshire Council",
        "Scottish bank holidays off",
        "personal_use = not_permitted: all social-media time counts",
        "more than 10 min of counted social-media time is flagged",
        "never flagged: comms\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let out = ok(&[&"policy", &"show", &"sheffield"]);
    for want in [
        "sheffield: Sheffield City Council",
        "\"We permit personal use of social networking sites at work during break times",
        "personal_use = outside_core_hours (social-media time in core hours",
        "a day with any counted social-media time is flagged, as is one with more than 60 min in breaks and own time",
        "Schedule it will use: Monday to Friday 09:00–17:00, official break 12:30–13:30",
        "- schedule.working_hours: default 09:00–17:00",
        "No core hours by default, unless the council assigns flexi schedules",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    let bad = run(&[&"policy", &"show", &"leeds"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("presets: charnwood, chelmsford"));
    // Named schedules and the HR files in force are stated too.
    std::fs::write(
        &cfg,
        "[schedules.nights]\nworking_hours = [\"22:00\", \"06:00\"]\nbreaks = []\n[profiles]\npeople = \"hr/people.csv\"\n",
    )
    .unwrap();
    let out = ok(&[&"policy", &"show", &"--config", &cfg]);
    for want in [
        "Schedule `nights`: Monday to Friday 22:00–06:00 (ending the next day), no official break",
        "People on named schedules: hr/people.csv; leave: none",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
}

/// The README's first command, as a council would run it two years from
/// now (under Debian's `faketime`): the sample it writes is dated relative
/// to that day, so the retention window admits it, and the main job runs.
#[test]
#[cfg_attr(
    faketime_missing,
    ignore = "needs Debian's faketime (installed by .ci/run)"
)]
fn the_readme_first_command_works_two_years_from_now() {
    let dir = tempfile::tempdir().unwrap();
    let samples = dir.path().join("sample_logs");
    let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_logs/public");
    copy_tree(&public, &samples.join("public"));
    let council = council_config();
    let store = dir.path().join("store");
    let faked = |args: &[Arg]| {
        let out = std::process::Command::new("faketime")
            .args(["-f", "+730d"])
            .arg(env!("CARGO_BIN_EXE_netusage"))
            .args(args.iter().map(|a| a.as_ref()))
            .env_remove("NETUSAGE_TEST_CLOCK")
            .output()
            .expect("faketime runs");
        assert!(out.status.success(), "{:?}: {}", shown(args), stderr(&out));
        out
    };
    faked(&[&"sample-logs", &samples]);
    let out = faked(&[
        &"analyse",
        &"--config",
        &council,
        &"--store",
        &store,
        &samples,
    ]);
    let err = stderr(&out);
    let r = records(&store);
    let council_log = r
        .iter()
        .find(|r| r.path.ends_with("council-office-access.log"))
        .unwrap();
    // Every line read; none refused as too old or as later than now.
    assert_eq!(council_log.lines, 50_000, "{err}");
    assert_eq!((council_log.too_old, council_log.future), (0, 0), "{err}");
    assert!(council_log.accepted > 49_900, "{err}");
    // Dated in the faked week before last.
    let faked_today = chrono::Utc::now() + chrono::Duration::days(730);
    let first = council_log.first_ts.unwrap();
    assert!(
        first < faked_today && first > faked_today - chrono::Duration::days(22),
        "{first}"
    );
    // The 2006 public samples are refused by the window, as today.
    let public = r.iter().filter(|r| r.path.contains("/public/")).count();
    assert_eq!(public, 2);
    assert!(
        r.iter()
            .filter(|r| r.path.contains("/public/"))
            .all(|r| r.accepted == 0)
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("social media: working min") && table.contains("FLAGGED"),
        "{table}"
    );
}

/// One name for one meaning: `identity import --log-format` and
/// `--source-time-zone` (as `ingest` spells them), with the old spellings
/// `--kind` and `--time-zone` kept as aliases.
#[test]
fn renamed_options_work_under_their_new_names_and_their_aliases() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("vpn.csv");
    std::fs::write(
        &csv,
        "ip,user,from,to\n10.0.0.5,alice,2025-06-11T09:00:00Z,2025-06-11T17:00:00Z\n",
    )
    .unwrap();
    let mut summaries = Vec::new();
    for (k, (format, zone)) in [
        ("--log-format", "--source-time-zone"),
        ("--kind", "--time-zone"),
    ]
    .into_iter()
    .enumerate()
    {
        let store = dir.path().join(format!("s{k}"));
        let out = ok(&[
            &"identity",
            &"import",
            &"--store",
            &store,
            &format,
            &"csv",
            &zone,
            &"UTC",
            &"--format",
            &"csv",
            &csv,
        ]);
        // The summary's figures (the path and time columns aside).
        summaries.push(
            out.lines()
                .nth(1)
                .unwrap()
                .split(',')
                .skip(2)
                .take(5)
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    assert_eq!(summaries[0], summaries[1]);
    let help = ok(&[&"dns", &"import", &"--help"]);
    assert!(
        help.contains("--source-time-zone") && !help.contains("--time-zone <"),
        "{help}"
    );
}

/// The usage table explains itself: a legend of its columns, a pseudonym
/// that stands for a bare address labelled and counted apart, and `--top N`
/// saying of how many.
#[test]
fn the_usage_table_labels_addresses_and_says_top_n_of_how_many() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let mut lines = every("2025-06-11T09:00:00Z", 60, 3, "alice", "www.facebook.com");
    lines.extend(every(
        "2025-06-11T10:00:00Z",
        60,
        2,
        "-",
        "www.facebook.com",
    ));
    let log = write_log(dir.path(), "a.log", &lines);
    ingest(&store, &log);
    let table = ok(&[&"usage", &"--store", &store]);
    let address = pseudonym(&store, "ip:10.0.0.5");
    assert!(table.contains(&format!("{address} (address)")), "{table}");
    assert!(table.contains("blocked (all sites)"), "{table}");
    assert!(table.contains("Columns: social-media minutes"), "{table}");
    assert!(
        table.contains("1 people and 1 client address(es) no identity record attributes"),
        "{table}"
    );
    let top = ok(&[&"usage", &"--store", &store, &"--top", &"1"]);
    assert!(top.contains("Top 1 of 2: "), "{top}");
    assert!(
        top.contains(&pseudonym(&store, "alice")) && !top.contains(&address),
        "{top}"
    );
    // The CSV keeps the bare pseudonym.
    let csv = ok(&[&"usage", &"--store", &store, &"--format", &"csv"]);
    assert!(csv.contains(&format!("{address},social_media,")), "{csv}");
}
