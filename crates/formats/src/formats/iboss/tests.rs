//! Tests of the iboss reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md).

use crate::formats::iboss::Iboss;
use crate::formats::testdata::{ms, read_all, sample};

#[test]
fn iboss_web_and_dlp_records_read_exactly() {
    let r = read_all(
        &Iboss,
        &sample("iboss/datadog_iboss_tests_samples_EXTRACT.log"),
    );
    assert_eq!(r.len(), 3);
    // Line 1: WEB_LOG, soft-blocked (a warning page): a denial.
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.url.as_ref(),
            e.method,
            e.status,
            e.bytes,
            e.bytes_out,
            e.dst_port,
            e.action,
            e.denied
        ),
        (
            ms("2025-05-26T06:14:53Z"),
            "10.20.10.20",
            Some("test-user"),
            "example.com",
            "https://example.com/search?locale=en-US&q=test",
            "GET",
            302,
            1653,
            Some(1250),
            Some(443),
            Some("Soft-blocked"),
            true
        )
    );
    // Line 2: a DLP block of an upload; the URL's `\/` escapes undone.
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.url.as_ref(),
            e.method,
            e.bytes_out,
            e.denied
        ),
        (
            ms("2025-05-29T11:58:18Z"),
            "10.20.20.20",
            "https://dlptest.com/example-path",
            "POST",
            Some(32918),
            true
        )
    );
    // Line 3: an AUDIT record (a log-in to the console): not a request.
    assert_eq!(r[2], Ok(None));
}
