//! Tests of the zscaler reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::LogFormat;
use crate::formats::testdata::{ms, read_all, sample};
#[test]
fn zscaler_json_and_csv_feeds_read_exactly() {
    use crate::formats::zscaler::Zscaler;
    let r = read_all(
        &Zscaler,
        &sample("zscaler/integrations_zscaler_zia_web_test-web.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.method,
            e.status,
            e.bytes,
            e.bytes_out,
            e.denied
        ),
        (
            ms("2021-12-31T07:07:07Z"),
            "81.2.69.193",
            Some("test@example.com"),
            "www.example.com",
            "CONNECT",
            200,
            65,
            Some(600),
            true
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.host_name(), e.url.as_ref(), e.status),
        ("www.example.com.com", "www.example.com.com/join/", 403)
    );
    // A CSV feed with the administrator's field list; %HH escapes stay in the URL.
    let cx = crate::formats::FileContext {
        tz: chrono_tz::UTC,
        nss_fields: Some("%s{time},%s{login},%s{cip},%s{eurl},%s{action},%s{respcode}".into()),
        ..Default::default()
    };
    let mut p = Zscaler.begin(&cx);
    let line = r#""Tue Nov 10 09:15:02 2026","jsmith@council.gov.uk","10.0.0.5","www.facebook.com/a%20b","Allowed","200""#;
    match p.parse(line, 1).unwrap() {
        crate::formats::Parsed::Event(e) => assert_eq!(
            (
                e.ts_ms,
                e.client_ip,
                e.host_name(),
                e.url.as_ref(),
                e.denied
            ),
            (
                ms("2026-11-10T09:15:02Z"),
                "10.0.0.5",
                "www.facebook.com",
                "www.facebook.com/a%20b",
                false
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse(r#""Tue Nov 10 09:15:02 2026","x""#, 2).unwrap_err(),
        "NSS line has 2 fields, --nss-fields names 6"
    );
}
