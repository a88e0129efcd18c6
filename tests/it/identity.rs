//! Identity sources on real samples (tests/data/identity, provenance in
//! tests/data/README.md): every record accounted for, and exact intervals
//! for several records of each kind, checked by hand against the raw records.

use std::path::Path;

use netusage::identity::Realms;
use netusage::identity::intervals::{DEFAULT_MAX_HOLD_MS, Interval, build};
use netusage::identity::sources::assets::AssetRegister;
use netusage::identity::sources::{ReadContext, choose};

const ASSETS: &str = "device,user,from,to
64:5a:04:6a:07:a2,jsmith,2015-01-01,
Gebruiker-PC,akhan,2015-01-01,
60:a4:4c:b5:6a:dd,bob,2013-01-01,
e0:c9:7a:89:c9:2e,carol,2014-01-01,
2a:b2:2a:b2:2a:b2,dave,2017-01-01,
host.test.com,erin,2000-01-01,
test-host,frank,2021-01-01,
";

/// (records, accepted, rejected reasons, intervals) of one sample.
struct Import {
    records: usize,
    accepted: usize,
    reasons: Vec<String>,
    intervals: Vec<Interval>,
}

fn import(name: &str) -> Import {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/identity")
        .join(name);
    let bytes = std::fs::read(&path).unwrap();
    let reader = choose("auto", &bytes[..bytes.len().min(65536)]).unwrap();
    let parsed = reader
        .read(
            &bytes,
            &ReadContext {
                tz: chrono_tz::Europe::London,
            },
        )
        .unwrap();
    let records = parsed.records();
    let assets = AssetRegister::read(ASSETS.as_bytes(), "assets.csv").unwrap();
    let (intervals, refused) = build(
        parsed.observations,
        &assets,
        DEFAULT_MAX_HOLD_MS,
        &Realms::default(),
    );
    let mut reasons: Vec<String> = parsed
        .rejected
        .iter()
        .chain(&refused)
        .map(|r| r.reason.clone())
        .collect();
    reasons.sort();
    Import {
        records,
        accepted: records - reasons.len(),
        reasons,
        intervals,
    }
}

/// UTC milliseconds as `YYYY-MM-DDTHH:MM:SS`.
fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

/// (ip, user, start, end, line) of each interval.
fn spans(v: &[Interval]) -> Vec<(String, String, String, String, u64)> {
    v.iter()
        .map(|i| {
            (
                i.ip.clone(),
                i.user.clone(),
                utc(i.start_ms),
                utc(i.end_ms),
                i.line,
            )
        })
        .collect()
}

/// An expected (ip, user, start, end, line) of [`spans`].
fn s(ip: &str, user: &str, a: &str, b: &str, line: u64) -> (String, String, String, String, u64) {
    (ip.into(), user.into(), a.into(), b.into(), line)
}

/// How many of `reasons` start with `starting`.
fn count(reasons: &[String], starting: &str) -> usize {
    reasons.iter().filter(|r| r.starts_with(starting)).count()
}

#[test]
fn evtx_kerberos_tickets_hold_the_client_address_and_refused_requests_are_rejected() {
    let i = import("evtx-to-mitre-attack_ID4768-4771-Kerberos-bruteforce-nonexisting-users.evtx");
    assert_eq!((i.records, i.accepted), (52, 3));
    assert_eq!(
        count(
            &i.reasons,
            "event 4768 is a refused Kerberos request (Status 0x6)"
        ),
        46
    );
    assert_eq!(i.reasons.len() + i.accepted, i.records);
    // 4768 TGTs granted (Status 0x0) from ::ffff:10.23.123.11: held 10 hours.
    assert_eq!(
        spans(&i.intervals),
        [
            s(
                "10.23.123.11",
                "offsec.lan\\admmig",
                "2021-12-02T14:48:16",
                "2021-12-03T00:48:16",
                2
            ),
            s(
                "10.23.123.11",
                "offsec.lan\\admin-test",
                "2021-12-02T14:48:16",
                "2021-12-03T00:48:16",
                6
            ),
            s(
                "10.23.42.16",
                "offsec.lan\\healthmailboxf49e2c8",
                "2021-12-02T14:48:23",
                "2021-12-03T00:48:23",
                52
            ),
        ]
    );
}

#[test]
fn evtx_logons_and_service_tickets_and_everything_else_accounted_for() {
    let i = import("evtx-to-mitre-attack_SAM-the-admin-CVE-2021-42287.evtx");
    assert_eq!((i.records, i.accepted), (40, 5));
    let got = spans(&i.intervals);
    assert_eq!(got.len(), 4);
    assert_eq!(
        got[0],
        s(
            "10.23.123.11",
            "offsec\\hack1",
            "2021-12-14T14:42:48",
            "2021-12-15T00:42:48",
            2
        )
    );
    assert_eq!(
        got[2],
        s(
            "10.23.123.11",
            "rootdc1@offsec.lan",
            "2021-12-14T14:42:49",
            "2021-12-15T00:42:49",
            21
        )
    );
    assert_eq!(count(&i.reasons, "event 5145 is not a logon"), 6);
    let big = import("evtx_Security_with_size_t.evtx");
    assert_eq!(
        (big.records, big.accepted, big.intervals.len()),
        (636, 18, 0)
    );
    assert_eq!(count(&big.reasons, "event 4907 is not a logon"), 192);
}

#[test]
fn exported_xml_failed_and_local_logons_are_refused_with_their_reason() {
    let i = import("crowdsec_windows-bf_4625.log");
    assert_eq!((i.records, i.accepted), (6, 0));
    assert_eq!(count(&i.reasons, "event 4625 is a failed logon"), 6);
    let i = import("otel-collector-contrib_xmlRenderingInfoSecurity.xml");
    assert_eq!((i.records, i.accepted), (1, 0));
    assert_eq!(
        i.reasons,
        ["event 4624 has no client address (IpAddress `-`): a local logon"]
    );
}

#[test]
fn dhcpd_leases_name_the_registered_user_from_start_to_end() {
    let i = import("python-isc-dhcp-leases_debian7.leases");
    assert_eq!((i.records, i.accepted), (6, 2));
    assert_eq!(
        spans(&i.intervals),
        [
            s(
                "10.0.0.10",
                "bob",
                "2013-12-10T12:57:04",
                "2013-12-10T13:07:04",
                4
            ),
            s(
                "10.0.0.18",
                "carol",
                "2014-10-07T13:13:14",
                "2014-10-07T15:13:14",
                23
            ),
        ]
    );
    assert_eq!(count(&i.reasons, "device "), 3, "{:?}", i.reasons);
    assert_eq!(count(&i.reasons, "no device"), 1, "the abandoned lease");
    let i = import("python-isc-dhcp-leases_pfsense.leases");
    assert_eq!(
        spans(&i.intervals),
        [
            s(
                "10.0.0.36",
                "akhan",
                "2015-07-06T07:38:46",
                "2015-07-06T08:38:46",
                15
            ),
            s(
                "10.0.10.72",
                "jsmith",
                "2015-07-06T07:50:42",
                "2015-07-06T08:20:42",
                4
            ),
        ]
    );
    // `starts epoch`: an 11-day lease is held for the 10-hour maximum.
    let i = import("python-isc-dhcp-leases_epoch.leases");
    assert_eq!((i.records, i.accepted), (2, 1));
    assert_eq!(
        spans(&i.intervals),
        [s(
            "10.0.0.1",
            "dave",
            "2017-10-05T15:22:29",
            "2017-10-06T01:22:29",
            1
        )]
    );
}

#[test]
fn windows_dhcp_audit_logs_v4_and_v6_leases_and_the_rest_refused() {
    let i = import("integrations_microsoft_dhcp_test-log.log");
    assert_eq!((i.records, i.accepted), (17, 3));
    // Two assignments (event 10) to host.test.com, held for the maximum: the
    // audit log gives no lease length. 01/01/01 01:01:01 London = UTC in January.
    assert_eq!(
        spans(&i.intervals),
        [
            s(
                "192.0.2.10",
                "erin",
                "2001-01-01T01:01:01",
                "2001-01-01T11:01:01",
                10
            ),
            s(
                "192.0.2.20",
                "erin",
                "2001-01-01T01:01:01",
                "2001-01-01T11:01:01",
                11
            ),
        ]
    );
    assert_eq!(
        count(
            &i.reasons,
            "event 30 (DNS Update Request) is not a lease event"
        ),
        3
    );
    // DHCPv6: four requests (11002) by test-host renew one hold.
    let i = import("integrations_microsoft_dhcp_test-logv6.log");
    assert_eq!((i.records, i.accepted), (14, 4));
    assert_eq!(
        spans(&i.intervals),
        [s(
            "2a02:cf40:add:4002:91f2:a9b2:e09a:6fc6",
            "frank",
            "2021-12-06T12:43:57",
            "2021-12-06T22:46:26",
            7
        )]
    );
    let i = import("kinesis-agent-windows_DHCPSample.log");
    assert_eq!(
        (i.records, i.accepted),
        (3, 0),
        "the 34-line header is not records"
    );
}

#[test]
fn radius_detail_start_and_stop_pair_by_session_and_records_without_an_address_are_refused() {
    let i = import("telegraf-radius-parser_test_EXTRACT.detail");
    assert_eq!((i.records, i.accepted, i.intervals.len()), (3, 1, 0));
    assert_eq!(
        i.reasons,
        [
            "Start without Framed-IP-Address: no address to attribute",
            "Start without User-Name"
        ]
    );
    // FreeRADIUS's documented layout (raddb/mods-available/detail), hand-made:
    // a VPN session 09:00–12:30 with an interim update, and one still open.
    let detail = "Wed Jun 11 10:00:00 2025\n\tAcct-Session-Id = \"s1\"\n\tUser-Name = \"CORP\\\\jsmith\"\n\tAcct-Status-Type = Start\n\tFramed-IP-Address = 10.8.0.5\n\tTimestamp = 1749632400\n\n\
                  Wed Jun 11 11:00:00 2025\n\tAcct-Session-Id = \"s1\"\n\tUser-Name = \"CORP\\\\jsmith\"\n\tAcct-Status-Type = Interim-Update\n\tFramed-IP-Address = 10.8.0.5\n\n\
                  Wed Jun 11 13:30:00 2025\n\tAcct-Session-Id = \"s1\"\n\tAcct-Status-Type = Stop\n\tFramed-IP-Address = 10.8.0.5\n\n\
                  Wed Jun 11 14:00:00 2025\n\tAcct-Session-Id = \"s2\"\n\tUser-Name = \"akhan\"\n\tAcct-Status-Type = Start\n\tFramed-IP-Address = 10.8.0.6\n";
    let reader = choose("radius-detail", b"").unwrap();
    let parsed = reader
        .read(
            detail.as_bytes(),
            &ReadContext {
                tz: chrono_tz::Europe::London,
            },
        )
        .unwrap();
    assert_eq!(parsed.records(), 4);
    let (v, _) = build(
        parsed.observations,
        &AssetRegister::default(),
        DEFAULT_MAX_HOLD_MS,
        &Realms::new(&["CORP".into()]),
    );
    // Timestamp 1749632400 = 09:00 UTC; the date lines are BST (UTC+1).
    assert_eq!(
        spans(&v),
        [
            s(
                "10.8.0.5",
                "jsmith",
                "2025-06-11T09:00:00",
                "2025-06-11T12:30:00",
                1
            ),
            s(
                "10.8.0.6",
                "akhan",
                "2025-06-11T13:00:00",
                "2025-06-11T23:00:00",
                19
            ),
        ]
    );
}

/// Event Viewer's "Save All Events As… CSV" (en-GB: day first, 24-hour),
/// written here in its documented layout: the rendered message is the sixth
/// field, with `Section:` lines and tab-indented `Name: value` lines.
#[test]
fn an_event_viewer_csv_export_gives_the_same_holds_as_its_xml() {
    let logon = "An account was successfully logged on.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tSYSTEM\r\n\tAccount Name:\t\tDC1$\r\n\tLogon ID:\t\t0x3E7\r\n\r\n\
                 New Logon:\r\n\tSecurity ID:\t\tCORP\\jsmith\r\n\tAccount Name:\t\tjsmith\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x5A1F\r\n\r\n\
                 Network Information:\r\n\tWorkstation Name:\tPC-0142\r\n\tSource Network Address:\t10.0.0.5\r\n\tSource Port:\t\t50122";
    let logoff = "An account was logged off.\r\n\r\nSubject:\r\n\tSecurity ID:\t\tCORP\\jsmith\r\n\tAccount Name:\t\tjsmith\r\n\tAccount Domain:\t\tCORP\r\n\tLogon ID:\t\t0x5A1F";
    let tgt = "A Kerberos authentication ticket (TGT) was requested.\r\n\r\nAccount Information:\r\n\tAccount Name:\t\takhan\r\n\tSupplied Realm Name:\tCORP\r\n\r\n\
               Network Information:\r\n\tClient Address:\t\t::ffff:10.0.0.9\r\n\tClient Port:\t\t51000\r\n\r\nAdditional Information:\r\n\tResult Code:\t\t0x0";
    let csv = format!(
        "Keywords,Date and Time,Source,Event ID,Task Category\n\
         Audit Success,11/06/2025 09:00:00,Microsoft-Windows-Security-Auditing,4624,Logon,\"{logon}\"\n\
         Audit Success,11/06/2025 12:30:00,Microsoft-Windows-Security-Auditing,4634,Logoff,\"{logoff}\"\n\
         Audit Success,11/06/2025 13:00:00,Microsoft-Windows-Security-Auditing,4768,Kerberos Authentication Service,\"{tgt}\"\n\
         Audit Success,11/06/2025 13:05:00,Microsoft-Windows-Security-Auditing,4672,Special Logon,\"Special privileges assigned to new logon.\"\n"
    );
    let reader = choose("auto", csv.as_bytes()).unwrap();
    assert_eq!(reader.name(), "windows-events");
    let parsed = reader
        .read(
            csv.as_bytes(),
            &ReadContext {
                tz: chrono_tz::Europe::London,
            },
        )
        .unwrap();
    assert_eq!(parsed.records(), 4);
    assert_eq!(
        parsed.rejected[0].reason,
        "event 4672 is not a logon, logoff or Kerberos ticket event"
    );
    let (v, _) = build(
        parsed.observations,
        &AssetRegister::default(),
        DEFAULT_MAX_HOLD_MS,
        &Realms::new(&["CORP".into()]),
    );
    // 11 June is BST: 09:00 local = 08:00 UTC.
    assert_eq!(
        spans(&v),
        [
            s(
                "10.0.0.5",
                "jsmith",
                "2025-06-11T08:00:00",
                "2025-06-11T11:30:00",
                2
            ),
            s(
                "10.0.0.9",
                "akhan",
                "2025-06-11T12:00:00",
                "2025-06-11T22:00:00",
                26
            ),
        ]
    );
}
