//! Tests of the VPN identity readers on the real samples in the project's
//! `tests/data/identity` (sources and licences in its README) and on lines
//! written by hand in the vendors' documented layouts.

use super::cisco_asa_vpn::CiscoAsaVpn;
use super::fortigate_vpn::FortiGateVpn;
use super::globalprotect::GlobalProtect;
use super::openvpn_status::OpenVpnStatus;
use super::{IdentityReader, IdentityRecords, ReadContext, What};

fn read(reader: &dyn IdentityReader, name: &str) -> IdentityRecords {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/identity")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    assert!(reader.sniff(&bytes), "{name} not recognised");
    let kind = super::choose("auto", &bytes).unwrap();
    assert_eq!(
        kind.name(),
        reader.name(),
        "{name}: auto chose {}",
        kind.name()
    );
    reader.read(&bytes, &utc()).unwrap()
}

fn utc() -> ReadContext {
    ReadContext { tz: chrono_tz::UTC }
}

fn ms(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .unwrap()
        .timestamp_millis()
}

/// Each observation as (line, time, address, user or stop key).
fn summary(r: &IdentityRecords) -> Vec<(u64, i64, String, String)> {
    r.observations
        .iter()
        .map(|o| {
            let who = match &o.what {
                What::Start { user, .. } => user.clone(),
                What::Interval { user, end_ms } => format!("{user} until {end_ms}"),
                What::Stop { key } => format!("stop {key}"),
                other => format!("{other:?}"),
            };
            (o.line, o.ts_ms, o.ip.clone(), who)
        })
        .collect()
}

#[test]
fn asa_parent_sessions_start_holds_of_the_public_address() {
    let r = read(
        &CiscoAsaVpn,
        "integrations_cisco_asa_test-anyconnect-messages.log",
    );
    assert_eq!((r.records(), r.observations.len()), (15, 4));
    assert_eq!(
        summary(&r),
        [
            (
                11,
                ms("2018-10-10T12:34:56Z"),
                "67.43.156.14".into(),
                "example.user".into()
            ),
            (
                13,
                ms("2022-06-22T13:29:11Z"),
                "81.2.69.144".into(),
                "user-1".into()
            ),
            (
                14,
                ms("2022-06-22T13:29:11Z"),
                "81.2.69.144".into(),
                "first.o'last@example.com".into()
            ),
            (
                15,
                ms("2022-06-22T13:29:11Z"),
                "81.2.69.144".into(),
                "first.o'last@example.com".into()
            ),
        ]
    );
    assert_eq!(
        r.rejected[0].reason,
        "%ASA-113029 is not an AnyConnect address assignment or session start or end"
    );
}

#[test]
fn asa_assigned_address_starts_and_svc_termination_stops() {
    let text = "Jun 22 2022 13:30:00 asa : %ASA-4-722051: Group <GP> User <user-1> IP <81.2.69.144> IPv4 Address <10.8.0.21> IPv6 address <::> assigned to session\n\
                Jun 22 2022 15:00:00 asa : %ASA-6-722023: Group <GP> User <user-1> IP <81.2.69.144> UDP SVC connection terminated without compression\n\
                Jun 22 13:30:00 asa : %ASA-4-722051: Group <GP> User <user-1> IP <81.2.69.144> IPv4 Address <10.8.0.21> IPv6 address <::> assigned to session\n\
                2022-06-22T16:00:00+01:00 asa : %ASA-4-113019: Group = GP, Username = user-1, IP = 81.2.69.144, Session disconnected. Session Type: SSL, Duration: 0h:30m:00s, Bytes xmt: 1, Bytes rcv: 2, Reason: User Requested\n";
    let r = CiscoAsaVpn.read(text.as_bytes(), &utc()).unwrap();
    let key = "asa:user-1@81.2.69.144";
    assert_eq!(
        summary(&r),
        [
            (
                1,
                ms("2022-06-22T13:30:00Z"),
                "10.8.0.21".into(),
                "user-1".into()
            ),
            (
                2,
                ms("2022-06-22T15:00:00Z"),
                String::new(),
                format!("stop {key}")
            ),
            (
                4,
                ms("2022-06-22T15:00:00Z"),
                String::new(),
                format!("stop {key}")
            ),
        ]
    );
    assert!(matches!(&r.observations[0].what, What::Start { key: Some(k), .. } if k == key));
    assert!(
        r.rejected[0]
            .reason
            .starts_with("the syslog time has no year")
    );
}

#[test]
fn fortigate_tunnel_up_starts_a_hold_of_the_tunnel_address() {
    let r = read(&FortiGateVpn, "beats_x-pack_fortinet_firewall_event.log");
    assert_eq!((r.records(), r.observations.len()), (27, 1));
    // tz="-0500": 12:23:47 local is 17:23:47 UTC.
    assert_eq!(
        summary(&r),
        [(
            10,
            ms("2020-04-23T17:23:47Z"),
            "10.10.10.10".into(),
            "someuser".into()
        )]
    );
    assert!(matches!(
        &r.observations[0].what,
        What::Start { key: Some(k), .. } if k == "forti:someotherrouteridagain:root:2345"
    ));
    assert_eq!(
        r.rejected[0].reason,
        "FortiGate event/user action=FSSO-logon: not an SSL-VPN tunnel up or down"
    );
    // Failed SSL-VPN logins only: every line refused, none an address.
    let r = read(&FortiGateVpn, "crowdsec_fortinet-vpn-bf.log");
    assert_eq!((r.records(), r.observations.len()), (9, 0));
    let down = r#"date=2020-04-23 time=13:00:00 devid="someotherrouteridagain" vd="root" logid="0101039948" type="event" subtype="vpn" tz="-0500" action="tunnel-down" tunneltype="ssl-tunnel" tunnelid=2345 tunnelip=10.10.10.10 user="someuser""#;
    let r = FortiGateVpn.read(down.as_bytes(), &utc()).unwrap();
    assert_eq!(
        summary(&r),
        [(
            1,
            ms("2020-04-23T18:00:00Z"),
            String::new(),
            "stop forti:someotherrouteridagain:root:2345".into()
        )]
    );
}

#[test]
fn globalprotect_records_with_a_user_and_a_private_address_start_holds() {
    let r = read(
        &GlobalProtect,
        "integrations_panw_test-panw-panos-globalprotect-sample.log",
    );
    assert_eq!((r.records(), r.observations.len()), (12, 6));
    assert_eq!(
        summary(&r),
        [
            (
                2,
                ms("2021-03-24T11:29:49Z"),
                "10.20.13.217".into(),
                "domain\\user".into()
            ),
            (
                3,
                ms("2021-04-07T17:41:30Z"),
                "67.43.156.14".into(),
                "domain\\user1".into()
            ),
            (
                7,
                ms("2021-03-02T11:01:02Z"),
                "10.20.30.40".into(),
                "domain\\musterman".into()
            ),
            (
                10,
                ms("2021-10-22T16:10:05Z"),
                "10.2.2.2".into(),
                "host\\\\user".into()
            ),
            (
                11,
                ms("2021-11-09T21:45:14Z"),
                "10.4.4.4".into(),
                "user".into()
            ),
            (
                12,
                ms("2021-11-09T21:45:14Z"),
                "fc00::abcd".into(),
                "user".into()
            ),
        ]
    );
    let reasons: Vec<(u64, &str)> = r
        .rejected
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (1, "portal-prelogin: no user"),
            (
                4,
                "gateway-getconfig: pre-logon (the machine before anyone logs on)"
            ),
            (5, "gateway-tunnel-latency: no user"),
            (6, "gateway-auth: no private (tunnel) address"),
            (8, "portal-prelogin: no private (tunnel) address"),
            (9, "portal-getconfig: no private (tunnel) address"),
        ]
    );
}

#[test]
fn openvpn_status_version_1_routes_are_intervals_to_the_update_time() {
    let r = read(
        &OpenVpnStatus,
        "openvpn-status_tests_data_openvpn-status.log",
    );
    assert_eq!((r.records(), r.observations.len()), (10, 4));
    let until = ms("2015-06-18T08:12:15Z");
    assert_eq!(
        summary(&r),
        [
            (
                11,
                ms("2015-06-18T07:57:25Z"),
                "192.168.255.118".into(),
                format!("baz@example.com until {until}")
            ),
            (
                14,
                ms("2015-06-18T04:23:03Z"),
                "192.168.255.134".into(),
                format!("foo@example.com until {until}")
            ),
            (
                15,
                ms("2015-06-18T04:23:03Z"),
                "192.168.255.135".into(),
                format!("foo@example.com until {until}")
            ),
            (
                16,
                ms("2015-06-18T04:08:39Z"),
                "192.168.255.126".into(),
                format!("bar@example.com until {until}")
            ),
        ]
    );
    let reasons: Vec<(u64, &str)> = r
        .rejected
        .iter()
        .map(|x| (x.line, x.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (
                12,
                "a subnet routed to the client (iroute), not one address"
            ),
            (
                13,
                "a subnet routed to the client (iroute), not one address"
            ),
            (17, "a MAC address (a `dev tap` server), not an IP address"),
            (
                18,
                "a cached route (`C` suffix), not an address assigned to the client"
            ),
            (
                19,
                "a cached route (`C` suffix), not an address assigned to the client"
            ),
            (
                20,
                "a cached route (`C` suffix), not an address assigned to the client"
            ),
        ]
    );
}

#[test]
fn openvpn_status_version_2_client_rows_name_the_username() {
    // Written by hand in the layout of `--status-version 2` (OpenVPN 2.6
    // reference manual, --status-version; the columns as the HEADER line names them).
    let text = "TITLE,OpenVPN 2.6.8 x86_64-pc-linux-gnu\n\
                TIME,2026-11-10 09:15:02,1794302102\n\
                HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher\n\
                CLIENT_LIST,jsmith-laptop,81.2.69.193:51234,10.8.0.6,,12345,67890,2026-11-10 08:00:00,1794297600,jsmith,0,0,AES-256-GCM\n\
                CLIENT_LIST,printer,81.2.69.194:40000,,,1,2,2026-11-10 08:00:00,1794297600,UNDEF,1,1,AES-256-GCM\n\
                HEADER,ROUTING_TABLE,Virtual Address,Common Name,Real Address,Last Ref,Last Ref (time_t)\n\
                ROUTING_TABLE,10.8.0.6,jsmith-laptop,81.2.69.193:51234,2026-11-10 09:15:00,1794302100\n\
                GLOBAL_STATS,Max bcast/mcast queue length,0\n\
                END\n";
    assert!(OpenVpnStatus.sniff(text.as_bytes()));
    let r = OpenVpnStatus.read(text.as_bytes(), &utc()).unwrap();
    assert_eq!(
        summary(&r),
        [(
            4,
            ms("2026-11-10T08:00:00Z"),
            "10.8.0.6".into(),
            format!("jsmith until {}", ms("2026-11-10T09:15:02Z"))
        )]
    );
    assert_eq!(
        (r.rejected[0].line, r.rejected[0].reason.as_str()),
        (5, "no virtual address (the client has none yet)")
    );
}
