//! Tests of the forcepoint reader on real sample lines (tests/data, sources
//! and licences in tests/data/README.md) and on hand-made ones.

use crate::formats::forcepoint::Forcepoint;
use crate::formats::testdata::{ms, read_all, sample};
use crate::formats::{FileContext, LogFormat, Parsed};

#[test]
fn forcepoint_export_records_read_exactly() {
    let r = read_all(
        &Forcepoint,
        &sample("forcepoint/integrations_forcepoint_web_full-sample_EXCERPT_first9.log"),
    );
    assert_eq!(r.len(), 9);
    assert!(r.iter().all(|x| matches!(x, Ok(Some(_)))));
    // Line 1: a named user and the workstation's own address.
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.method,
            e.status
        ),
        (
            ms("2022-12-16T07:06:15Z"),
            "10.0.0.133",
            Some("dom.tmw@12345-54321-nosuchdomain.autoregistration.proxy"),
            "fundingchoicesmessages.google.com",
            "POST",
            204
        )
    );
}

#[test]
fn forcepoint_anonymous_connect_reads_the_connection_ip() {
    let r = read_all(
        &Forcepoint,
        &sample("forcepoint/integrations_forcepoint_web_forcepoint-web-test.log"),
    );
    // Anonymous CONNECT with no source IP: the connection IP, no user.
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
            e.action,
            e.denied
        ),
        (
            ms("2022-12-16T07:05:25Z"),
            "202.4.188.96",
            None,
            "aom-au.nearmap.com",
            "CONNECT",
            200,
            0,
            Some("Allowed"),
            false
        )
    );
}

#[test]
fn forcepoint_times_are_local_and_blocked_is_a_denial() {
    // British Summer Time: 09:15:02 in London is 08:15:02 UTC.
    let cx = FileContext::default();
    let mut p = Forcepoint.begin(&cx);
    let line = Forcepoint.sample().replace("10/11/2026", "10/07/2026");
    match p.parse(&line, 1).unwrap() {
        Parsed::Event(e) => assert_eq!(
            (e.ts_ms, e.client_ip, e.user.as_deref(), e.status, e.denied),
            (
                ms("2026-07-10T08:15:02Z"),
                "10.0.0.5",
                Some("jsmith@council.gov.uk"),
                403,
                true
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse(r#""10/07/2026","09:15:02","x""#, 2).unwrap_err(),
        "Forcepoint record has 3 columns, the export has 17"
    );
}
