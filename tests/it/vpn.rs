//! VPN address assignment as an identity source, end to end: an event the
//! proxy logged with only an address, during a VPN session, is attributed
//! to the VPN's user; after the session ends (its end record, or
//! `--max-hold`) it is not.

use crate::common::*;

#[test]
fn an_address_only_event_during_a_vpn_session_is_the_vpn_users() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let fb = "www.facebook.com";
    // Wed 11 June 2025, UTC; every request from 10.0.0.5 with no user.
    let mut lines = every("2025-06-11T10:30:00Z", 60, 11, "-", fb); // jsmith's ASA session
    lines.push(line("2025-06-11T12:30:00Z", "-", fb)); // after 722023 ended it
    lines.extend(every("2025-06-11T14:10:00Z", 60, 11, "-", fb)); // akhan's FortiGate tunnel
    lines.push(line("2025-06-11T15:30:00Z", "-", fb)); // past --max-hold 1
    let log = write_log(root, "proxy.log", &lines);
    let store = root.join("store");
    ingest(&store, &log);

    // AnyConnect: 10.0.0.5 assigned to jsmith 10:00, the tunnel ends 12:00.
    let asa = root.join("asa.log");
    std::fs::write(
        &asa,
        "Jun 11 2025 10:00:00 asa : %ASA-6-113039: Group <GP> User <CORP\\JSmith> IP <81.2.69.144> AnyConnect parent session started.\n\
         Jun 11 2025 10:00:01 asa : %ASA-4-722051: Group <GP> User <CORP\\JSmith> IP <81.2.69.144> IPv4 Address <10.0.0.5> IPv6 address <::> assigned to session\n\
         Jun 11 2025 12:00:00 asa : %ASA-6-722023: Group <GP> User <CORP\\JSmith> IP <81.2.69.144> UDP SVC connection terminated without compression\n",
    )
    .unwrap();
    // FortiGate SSL-VPN: tunnel up at 14:00 for akhan, no tunnel-down.
    let forti = root.join("fortigate-event.log");
    std::fs::write(
        &forti,
        r#"date=2025-06-11 time=15:00:00 devid="FG100F" vd="root" logid="0101039947" type="event" subtype="vpn" tz="+0100" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=7 remip=81.2.69.200 tunnelip=10.0.0.5 user="akhan" group="staff" reason="tunnel established""#,
    )
    .unwrap();
    let c = root.join("c.toml");
    std::fs::write(&c, UTC_CONFIG).unwrap();
    let out = identity_import(
        &store,
        &[
            &"--config",
            &c,
            &"--source-time-zone",
            &"UTC",
            &"--max-hold",
            &"1",
            &"--format",
            &"csv",
            &asa,
            &forti,
        ],
    );
    // file,kind,result,records,accepted,rejected,intervals,top_reason
    let rows: Vec<Vec<&str>> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| (r[1], r[3], r[4], r[5], r[6]))
            .collect::<Vec<_>>(),
        [
            ("cisco-asa-vpn", "3", "3", "0", "2"),
            ("fortigate-vpn", "1", "1", "0", "1")
        ],
        "{out}"
    );

    let got = social_seconds(&store, &c);
    let who = |u: &str| got.get(&pseudonym(&store, u)).copied();
    assert_eq!(who("jsmith"), Some(660), "CORP\\JSmith normalised: {got:?}");
    assert_eq!(who("akhan"), Some(660), "{got:?}");
    assert_eq!(who("ip:10.0.0.5"), Some(60 + 60), "{got:?}");
}
