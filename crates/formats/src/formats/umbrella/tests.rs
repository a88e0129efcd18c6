//! Tests of the umbrella reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::LogFormat;
use crate::formats::testdata::{ms, read_all, sample};
use crate::formats::umbrella::Umbrella;

#[test]
fn umbrella_proxy_records_read_exactly() {
    let r = read_all(
        &Umbrella,
        &sample("umbrella/integrations_cisco_umbrella_test-umbrella-proxylogs.log"),
    );
    assert_eq!(r.len(), 9);
    assert!(r.iter().all(|x| matches!(x, Ok(Some(_)))));
    // Line 1: a roaming computer (no user); the internal client IP.
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
            e.action,
            e.denied
        ),
        (
            ms("2017-10-02T23:52:53Z"),
            "192.192.192.135",
            None,
            "google.com",
            "GET",
            200,
            1489,
            Some(562),
            Some("ALLOWED"),
            false
        )
    );
    // Line 6: a network identity (no internal IP: the egress address), BLOCKED.
    let e = r[5].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.status,
            e.bytes,
            e.bytes_out,
            e.denied
        ),
        (
            ms("2023-03-08T10:21:42Z"),
            "101.102.103.104",
            "analyticsnew.overwolf.com",
            200,
            374,
            None,
            true
        )
    );
    // Line 4: HEAD, no sizes.
    let e = r[3].clone().unwrap().unwrap();
    assert_eq!((e.method, e.bytes), ("HEAD", 0));
}

#[test]
fn umbrella_user_is_the_ad_users_identity_and_short_records_are_refused() {
    let mut p = Umbrella.begin(&crate::formats::FileContext::default());
    match p.parse(Umbrella.sample(), 1).unwrap() {
        crate::formats::Parsed::Event(e) => assert_eq!(
            (e.user.as_deref(), e.client_ip, e.host_name()),
            (
                Some("jsmith@council.gov.uk"),
                "10.0.0.5",
                "www.facebook.com"
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse(r#""2026-11-10 09:15:02","x","10.0.0.5""#, 2)
            .unwrap_err(),
        "Umbrella record has 3 columns, a proxy log record has at least 26"
    );
    assert_eq!(
        p.parse(r#""10/11/2026","x""#, 3).unwrap_err(),
        "`10/11/2026` is not an Umbrella time (YYYY-MM-DD HH:MM:SS, UTC, 2000-2100)"
    );
}
