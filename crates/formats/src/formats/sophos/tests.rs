//! Tests of the sophos reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::LogFormat;
use crate::formats::testdata::{ms, read_all, sample};
#[test]
fn sophos_xg_sfos_and_utm_lines_read_exactly() {
    use crate::formats::sophos::Sophos;
    // XG before 18.5: timezone="IST" is India, +05:30.
    let r = read_all(
        &Sophos,
        &sample("sophos/beats_x-pack_sophos_xg_cfilter.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.denied,
            e.action
        ),
        (
            ms("2017-01-31T08:33:33Z"),
            "10.198.47.71",
            Some("jsmith"),
            "r8---sn-ci5gup-qxas.googlevideo.com",
            Some(443),
            319007,
            Some(0),
            false,
            Some("Allowed")
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.host_name(), e.denied),
        (None, "hanuman.com", true)
    );
    // SFOS 18.5+: timestamp with its offset; an application record (no URL).
    let r = read_all(
        &Sophos,
        &sample("sophos/integrations_sophos_xg_test-xg-cfilter-new_EXCERPT_first5.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.denied),
        (
            ms("2021-11-16T00:28:48Z"),
            "192.168.2.32",
            "192.168.1.15",
            Some(22083),
            true
        )
    );
    // UTM: YYYY:MM:DD-HH:MM:SS local (UTC here), quoted values.
    let r = read_all(
        &Sophos,
        &sample("sophos/integrations_sophos_utm_test-sophos-utm-http.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.method,
            e.status,
            e.bytes,
            e.host_name(),
            e.denied
        ),
        (
            ms("2023-03-08T15:00:00Z"),
            "67.43.156.2",
            Some("testuser"),
            "HEAD",
            200,
            311,
            "myurl.test.com",
            false
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!((e.status, e.denied, e.action), (416, true, Some("block")));
    // No date at all: quarantined with that reason.
    let mut p = Sophos.begin(&crate::formats::FileContext::default());
    assert!(
        p.parse(
            r#"device_name="SFW" log_type="Firewall" src_ip=10.0.0.5 dst_ip=1.2.3.4"#,
            1
        )
        .unwrap_err()
        .starts_with("Sophos line with no date")
    );
}

/// Items 1 and 3 of issue 27: a `domain=` holding a space takes the host
/// from `url=`; a line with no date of its own inside a syslog message takes
/// the header's time, and says so; refusals say what the record was.
#[test]
fn sophos_domain_with_a_space_and_a_dateless_line_in_syslog() {
    use crate::formats::sophos::Sophos;
    use crate::formats::testdata::{ms, read_all, sample};
    let r = read_all(
        &Sophos,
        r#"device="SFW" date=2026-11-10 time=09:15:02 timezone="GMT" device_name="XG230" log_id=050901616001 log_type="Content Filtering" log_component="HTTP" log_subtype="Allowed" user_name="jsmith" src_ip=10.0.0.5 url=https://www.facebook.com/groups/x domain=www.facebook.com Social Networking sent_bytes=420 recv_bytes=5120"#,
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.bytes,
            e.bytes_out,
            e.action,
            e.denied
        ),
        (
            ms("2026-11-10T09:15:02Z"),
            "10.0.0.5",
            Some("jsmith"),
            "www.facebook.com",
            5120,
            Some(420),
            Some("Allowed"),
            false
        )
    );
    let cx = crate::formats::FileContext {
        tz: chrono_tz::UTC,
        ..Default::default()
    };
    let mut p = crate::formats::envelope::begin(&Sophos, &cx);
    let line = r#"<30>1 2026-11-10T09:15:03Z xg230 - - - - device_name="XG230" log_type="Content Filtering" log_subtype="Denied" src_ip=10.0.0.6 url="http://bet.example/" user_name="aturner""#;
    let Ok(crate::formats::Parsed::Event(e)) = p.parse(line, 1) else {
        panic!("not read")
    };
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.denied),
        (ms("2026-11-10T09:15:03Z"), "10.0.0.6", "bet.example", true)
    );
    assert_eq!(
        p.reading(),
        Some("syslog RFC 5424 host xg230 tag -; time from the syslog header")
    );
    let r = read_all(
        &Sophos,
        &sample("sophos/integrations_sophos_utm_test-sophos-utm-http.log"),
    );
    assert_eq!(
        r[2],
        Err("a Sophos record function=\"fileextension_scan\" with no src_ip= or srcip=: not a client's web request".to_string())
    );
}
