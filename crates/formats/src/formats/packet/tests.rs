//! Tests of the packet reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use super::*;
use crate::formats::LogFormat;
use crate::formats::testdata::{ms, read_all, sample};

/// A line with a `/` too near its end to hold a CLF time used to end the
/// time lookup (a `?` inside the `if let` chain returned from it), so the
/// BSD date was never tried: it was refused as having no time.
#[test]
fn a_slash_near_the_end_does_not_stop_the_bsd_date() {
    let cx = FileContext {
        year: 2025,
        ..FileContext::default()
    };
    let mut p = Netfilter.begin(&cx);
    let line = "Nov 10 09:15:02 gw kernel: [FWD-ACCEPT] IN=eth1 OUT=eth0 SRC=10.0.0.5 DST=157.240.221.35 \
                PROTO=TCP SPT=50123 DPT=443 a/b";
    match p.parse(line, 1) {
        Ok(Parsed::Event(e)) => {
            // 2025-11-10 09:15:02 Europe/London (GMT) = UTC.
            assert_eq!(e.ts_ms, 1_762_766_102_000);
            assert_eq!((e.client_ip, e.dst_port), ("10.0.0.5", Some(443)));
        }
        other => panic!("not read: {:?}", other.err()),
    }
}
#[test]
fn netfilter_and_pfsense_packet_logs_read_exactly() {
    use crate::formats::packet::{Netfilter, PfFilterlog};
    // A syslog header without a year takes the file's (2026 here); `-D]` in the prefix: dropped.
    let r = read_all(
        &Netfilter,
        &sample("iptables/beats_filebeat_iptables_geo.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.bytes_out,
            e.denied
        ),
        (
            ms("2026-10-10T07:25:12Z"),
            "158.109.0.1",
            "10.4.0.5",
            Some(443),
            Some(52),
            true
        )
    );
    // Proxmox: `dd/Mon/yyyy:HH:MM:SS +0200`, `policy DROP:`.
    let r = read_all(
        &Netfilter,
        &sample("iptables/crowdsec_proxmox-iptables.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.denied),
        (
            ms("2022-06-20T11:09:14Z"),
            "10.3.94.11",
            "10.3.94.12",
            Some(3784),
            true
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert!(!e.denied, "ACCEPT");
    // UniFi: a syslog line of another program in the same file is named.
    let r = read_all(&Netfilter, &sample("iptables/crowdsec_unifi-logs.log"));
    assert_eq!(
        r[3],
        Err("no SRC= address: not a netfilter LOG line".to_string())
    );
    // pfSense BSD syslog and RFC 5424 filterlog.
    let r = read_all(
        &PfFilterlog,
        &sample("pfsense/integrations_pfsense_test-pfsense-bsd.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.denied,
            e.action
        ),
        (
            ms("2026-07-03T19:10:30Z"),
            "10.170.12.50",
            "1.1.1.1",
            Some(853),
            true,
            Some("block")
        )
    );
    let r = read_all(
        &PfFilterlog,
        &sample("pfsense/crowdsec_pfsense-rfc5424-filterlog.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.denied),
        (
            ms("2025-11-06T11:32:42.868Z"),
            "192.168.5.6",
            "192.168.1.100",
            Some(80),
            true
        )
    );
}
