//! Tests of the fortigate reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::LogFormat;
use crate::formats::testdata::{ms, read_all, sample};
#[test]
fn fortigate_webfilter_and_traffic_lines_read_exactly() {
    use crate::formats::fortigate::FortiGate;
    let r = read_all(
        &FortiGate,
        &sample("fortigate/beats_x-pack_fortinet_firewall_utm_webfilter_EXCERPT.log"),
    );
    // tz="-0500" wins over the source time zone: 12:17:48 local is 17:17:48 UTC.
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.url.as_ref(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.denied,
            e.action
        ),
        (
            ms("2020-04-23T17:17:48Z"),
            "192.168.2.1",
            Some("elasticuser"),
            "elastic.co",
            "https://elastic.co/config/",
            Some(443),
            1130,
            Some(1152),
            true,
            Some("blocked")
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.denied, e.action, e.bytes),
        (false, Some("passthrough"), 6812)
    );
    // A traffic record with no tz: local time in the source zone (UTC here); a connection.
    let r = read_all(
        &FortiGate,
        &sample("fortigate/beats_x-pack_fortinet_firewall_traffic.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.url.as_ref(),
            e.denied
        ),
        (
            ms("2020-04-23T01:16:08Z"),
            "10.10.10.10",
            "175.16.199.1",
            Some(161),
            "",
            true
        )
    );
    // Escapes and a URL cut off mid-escape.
    let mut p = FortiGate.begin(&crate::formats::FileContext::default());
    let line = r#"date=2026-11-10 time=09:00:00 logid="0317013312" tz="+0000" srcip=10.0.0.5 hostname="x.com" url="/a\=b\\c%2" action="passthrough""#;
    match p.parse(line, 1).unwrap() {
        crate::formats::Parsed::Event(e) => assert_eq!(e.url.as_ref(), "http://x.com/a=b\\c%2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse("date=2026-11-10 logid=1 srcip=10.0.0.5", 2)
            .unwrap_err(),
        "FortiGate line has no time="
    );
}
