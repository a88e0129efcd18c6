//! Tests of the cloudflare-gateway reader on real sample lines (tests/data,
//! sources and licences in tests/data/README.md).

use crate::formats::cloudflare::CloudflareGateway;
use crate::formats::testdata::{ms, read_all, sample};

#[test]
fn gateway_http_records_read_exactly_in_every_time_format() {
    let r = read_all(
        &CloudflareGateway,
        &sample(
            "cloudflare-gateway/integrations_cloudflare_logpush_benchmark_test-pipeline-gateway-http.log",
        ),
    );
    assert_eq!(r.len(), 4);
    // Lines 1-3: the same record with Datetime as RFC 3339, Unix s, Unix ns.
    for line in &r[..3] {
        let e = line.clone().unwrap().unwrap();
        assert_eq!(
            (
                e.ts_ms,
                e.client_ip,
                e.user.as_deref(),
                e.host_name(),
                e.url.as_ref(),
                e.method,
                e.status,
                e.dst_port,
                e.action,
                e.denied
            ),
            (
                ms("2023-05-03T20:55:05Z"),
                "192.168.1.123",
                Some("user@example.com"),
                "guce.yahoo.com",
                "https://test.com",
                "GET",
                302,
                Some(443),
                Some("block"),
                true
            )
        );
    }
    // Line 4: SourceIP and SourceInternalIP both empty.
    assert_eq!(
        r[3],
        Err("Gateway record has neither SourceInternalIP nor SourceIP: no client address".into())
    );
}
