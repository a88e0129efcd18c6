//! Tests of the asa reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::testdata::{ms, read_all, sample};
#[test]
fn cisco_asa_connections_read_exactly() {
    use crate::formats::asa::Asa;
    let r = read_all(
        &Asa,
        &sample("cisco-asa/beats_x-pack_cisco_asa_test_asa_EXCERPT_first26.log"),
    );
    assert_eq!(r[0], Ok(None), "a NAT message is ASA but not a connection");
    // Built outbound: the client is the inside (`to`) side.
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.action),
        (
            ms("2018-10-10T12:34:56Z"),
            "172.31.98.44",
            "100.66.205.104",
            Some(80),
            Some("built")
        )
    );
    // Teardown: duration and bytes.
    let e = r[2].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.elapsed_ms,
            e.bytes
        ),
        (
            "172.31.98.44",
            "100.66.211.242",
            Some(80),
            Some(67_000),
            38110
        )
    );
    // Built inbound with an identity-firewall user: the client is the `for` side.
    let e = r[21].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.user.as_deref()
        ),
        (
            ms("2022-06-21T14:08:00Z"),
            "10.10.10.2",
            "10.10.10.3",
            Some(53),
            Some("LOCAL\\username")
        )
    );
    // A syslog header without a year takes the file's year (2026 here).
    let r = read_all(
        &Asa,
        &sample("cisco-asa/logstash-patterns-core_firewalls_spec_EXTRACT.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port),
        (
            ms("2026-08-01T14:01:20Z"),
            "100.100.100.111",
            "10.125.126.86",
            Some(2010)
        )
    );
}
