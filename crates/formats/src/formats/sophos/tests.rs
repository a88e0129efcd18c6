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
