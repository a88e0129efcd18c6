//! Attribution of events logged with only an address, end to end: identity
//! files imported after the log, exact seconds per person from `usage`.

mod common;

use std::path::Path;

use common::*;

/// A Windows Security event as Event Viewer exports it.
fn event(id: u32, time: &str, user: &str, logon_id: &str, ip: &str) -> String {
    format!(
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>{id}</EventID><TimeCreated SystemTime="{time}"/><Channel>Security</Channel></System><EventData><Data Name="TargetUserName">{user}</Data><Data Name="TargetDomainName">CORP</Data><Data Name="TargetLogonId">{logon_id}</Data><Data Name="LogonType">3</Data><Data Name="IpAddress">{ip}</Data></EventData></Event>"#
    )
}

/// Social-media seconds per person (pseudonym) from `usage --format csv`.
fn social_seconds(store: &Path) -> std::collections::BTreeMap<String, i64> {
    let csv = ok(&[
        "usage",
        "--config",
        &config(store),
        "--store",
        store.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    csv.lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| f[1] == "social_media")
        .map(|f| (f[0].to_string(), f[5].parse().unwrap()))
        .collect()
}

fn config(store: &Path) -> String {
    let p = store.parent().unwrap().join("c.toml");
    std::fs::write(&p, UTC_CONFIG).unwrap();
    p.display().to_string()
}

#[test]
fn an_address_is_attributed_to_whoever_held_it_and_an_import_after_ingest_changes_usage() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fb = "www.facebook.com";
    // Wed 11 June 2025, UTC; every event from 10.0.0.5 without a user, but
    // carol's from 10.0.0.6.
    let mut lines = vec![line("2025-06-11T08:30:00Z", "-", fb)]; // before any logon
    lines.extend(every("2025-06-11T10:00:00Z", 60, 21, "-", fb)); // jsmith: 1260 s
    lines.push(line("2025-06-11T12:30:00Z", "-", fb)); // after jsmith's logoff
    lines.extend(every("2025-06-11T14:00:00Z", 60, 11, "-", fb)); // akhan: 660 s
    lines.extend(every("2025-06-11T16:20:00Z", 60, 11, "-", fb)); // akhan and bob at once
    lines.push(line("2025-06-11T17:30:00Z", "-", fb)); // bob: 60 s
    lines.push(line("2025-06-11T10:30:00Z", "-", fb).replace("10.0.0.5", "10.0.0.6")); // carol
    let log = write_log(root, "firewall.log", &lines);
    let store = root.join("store");
    ingest(&store, &log);
    let st = store.to_str().unwrap();
    let ip5 = pseudonym(&store, "ip:10.0.0.5");
    assert_eq!(
        social_seconds(&store).get(&ip5),
        Some(&(60 + 1260 + 60 + 660 + 660 + 60))
    );

    // Logons: jsmith 09:00 to his logoff at 12:00; akhan 13:00 to 17:00.
    let xml = [
        event(
            4624,
            "2025-06-11T09:00:00.1234567Z",
            "JSmith",
            "0x1",
            "10.0.0.5",
        ),
        event(4634, "2025-06-11T12:00:00Z", "JSmith", "0x1", "-"),
        event(
            4624,
            "2025-06-11T13:00:00Z",
            "akhan",
            "0x2",
            "::ffff:10.0.0.5",
        ),
        event(4634, "2025-06-11T17:00:00Z", "akhan", "0x2", "-"),
    ]
    .join("\n");
    let events = root.join("security.xml");
    std::fs::write(&events, xml).unwrap();
    // A VPN-style CSV: bob held 10.0.0.5 from 16:00 to 18:00.
    let csv = root.join("vpn.csv");
    std::fs::write(
        &csv,
        "ip,user,from,to\n10.0.0.5,bob,2025-06-11T16:00:00Z,2025-06-11T18:00:00Z\n",
    )
    .unwrap();
    // carol's laptop leased 10.0.0.6 09:00–10:00, renewed at 10:00 to 11:00.
    let leases = root.join("dhcpd.leases");
    std::fs::write(
        &leases,
        "lease 10.0.0.6 {\n  starts 3 2025/06/11 09:00:00;\n  ends 3 2025/06/11 10:00:00;\n  hardware ethernet aa:bb:cc:00:11:22;\n}\n\
         lease 10.0.0.6 {\n  starts 3 2025/06/11 10:00:00;\n  ends 3 2025/06/11 11:00:00;\n  hardware ethernet aa:bb:cc:00:11:22;\n}\n",
    )
    .unwrap();
    let assets = root.join("assets.csv");
    std::fs::write(
        &assets,
        "device,user,from,to\nAA-BB-CC-00-11-22,carol,2025-01-01,\n",
    )
    .unwrap();
    let c = config(&store);
    let out = ok(&[
        "identity",
        "import",
        "--store",
        st,
        "--config",
        &c,
        "--assets",
        assets.to_str().unwrap(),
        events.to_str().unwrap(),
        csv.to_str().unwrap(),
        leases.to_str().unwrap(),
    ]);
    assert!(
        out.contains("windows-events") && out.contains("dhcpd-leases"),
        "{out}"
    );

    let got = social_seconds(&store);
    let who = |u: &str| got.get(&pseudonym(&store, u)).copied();
    assert_eq!(
        who("jsmith"),
        Some(1260),
        "CORP\\JSmith normalised to jsmith"
    );
    assert_eq!(who("akhan"), Some(660));
    assert_eq!(who("bob"), Some(60));
    assert_eq!(
        who("carol"),
        Some(60),
        "the renewal extended the lease past 10:30"
    );
    // Left at the address: before any logon, after the logoff, and the
    // overlap of akhan and bob (ambiguous: attributed to neither).
    assert_eq!(who("ip:10.0.0.5"), Some(60 + 60 + 660));
    assert_eq!(who("ip:10.0.0.6"), None);

    // The audit log records each import with the file's SHA-256.
    let audit = std::fs::read_to_string(store.join("audit.jsonl")).unwrap();
    let imports = audit
        .lines()
        .filter(|l| l.contains("\"command\":\"identity import\""))
        .count();
    assert_eq!(imports, 3, "{audit}");
    assert!(audit.contains(&sha256_hex(&std::fs::read(&events).unwrap())));

    // Importing the same file again changes nothing.
    let again = ok(&["identity", "import", "--store", st, csv.to_str().unwrap()]);
    assert!(again.contains("already imported"), "{again}");
}
