//! Tests of the syslog envelope: headers read exactly, any reader's lines
//! read inside one, detection through it, and the readers that read their
//! own syslog headers left as they were.

use super::*;
use crate::formats::detect::{Detection, detect};
use crate::formats::testdata::ms;
use crate::formats::{FileContext, squid::Squid};

fn utc() -> FileContext {
    FileContext {
        tz: chrono_tz::UTC,
        year: 2026,
        ..Default::default()
    }
}

#[test]
fn rfc3164_rfc5424_and_pfsense_headers_read_exactly() {
    let (h, msg) = header(
        "Nov 10 09:15:03 pfSense (squid-1)[12345]: 1794302102.049 5 10.0.0.5 TCP_MISS/200",
        2026,
        chrono_tz::UTC,
    )
    .unwrap();
    assert_eq!(
        (h.kind, h.host, h.tag, h.ts_ms, msg),
        (
            Kind::Rfc3164,
            "pfSense",
            "(squid-1)",
            Some(ms("2026-11-10T09:15:03Z")),
            "1794302102.049 5 10.0.0.5 TCP_MISS/200"
        )
    );
    // A space-padded day, a PRI, the zone from the context (London: GMT in November).
    let (h, msg) = header(
        "<190>Nov  9 23:59:59 proxy1 squid[77]: x y",
        2026,
        chrono_tz::Europe::London,
    )
    .unwrap();
    assert_eq!(
        (h.host, h.tag, h.ts_ms, msg),
        ("proxy1", "squid", Some(ms("2026-11-09T23:59:59Z")), "x y")
    );
    // RFC 5424 with structured data holding an escaped `]`.
    let (h, msg) = header(
        r#"<13>1 2026-11-10T10:15:03.250+01:00 fw.example.org (squid-1) 12345 - [meta sequenceId="1" x="a\]b"] 1794302102.049 rest"#,
        2026,
        chrono_tz::UTC,
    )
    .unwrap();
    assert_eq!(
        (h.kind, h.host, h.tag, h.ts_ms, msg),
        (
            Kind::Rfc5424,
            "fw.example.org",
            "(squid-1)",
            Some(ms("2026-11-10T09:15:03.250Z")),
            "1794302102.049 rest"
        )
    );
    // rsyslog's file format: an RFC 3339 time in RFC 3164's place.
    let (h, _) = header(
        "2026-11-10T09:15:03.123456+00:00 proxy1 squid[1]: a",
        2026,
        chrono_tz::UTC,
    )
    .unwrap();
    assert_eq!(
        (h.kind, h.host, h.ts_ms),
        (
            Kind::Rfc3164,
            "proxy1",
            Some(ms("2026-11-10T09:15:03.123Z"))
        )
    );
    // A Squid native line, a W3C line and prose are not syslog headers.
    for no in [
        "1794302102.049 5 10.0.0.5 TCP_MISS/200 100 GET http://a.example/ - DIRECT/1.2.3.4 -",
        "2026-11-10 09:15:02 10.0.0.5 GET /",
        "Nov 10 09:15:03 no tag here",
        "<999>Nov 10 09:15:03 host tag: x",
    ] {
        assert_eq!(header(no, 2026, chrono_tz::UTC), None, "{no}");
    }
}

/// Squid's native line sent through syslog by pfSense (RFC 3164,
/// `(squid-1)[pid]:`) and OPNsense (RFC 5424): detected as Squid, read with
/// the line's own time (one second before the header's), and the envelope
/// recorded.
#[test]
fn squid_through_pfsense_and_opnsense_syslog_is_detected_and_read() {
    let text = "Nov 10 09:15:03 pfSense (squid-1)[12345]: 1794302102.049    120 10.0.0.5 TCP_MISS/200 5120 GET http://www.facebook.com/ CORP%5Cjsmith HIER_DIRECT/157.240.221.35 text/html\n\
        <13>1 2026-11-10T09:15:03+00:00 opnsense.local (squid-1) 4242 - - 1794302102.500      7 10.0.0.6 TCP_DENIED/403 3900 CONNECT www.tiktok.com:443 - HIER_NONE/- text/html\n\
        Nov 10 09:15:04 pfSense sshd[99]: Accepted publickey for admin from 10.0.0.9 port 50000 ssh2\n";
    let cx = utc();
    assert!(matches!(detect(text.as_bytes(), &cx), Detection::Found(f, 66) if f.name() == "squid"));
    let mut p = begin(&Squid, &cx);
    let mut lines = text.lines();
    let Ok(Parsed::Event(e)) = p.parse(lines.next().unwrap(), 1) else {
        panic!("line 1 not read")
    };
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.status,
            e.bytes,
            e.denied
        ),
        (
            ms("2026-11-10T09:15:02.049Z"),
            "10.0.0.5",
            Some("CORP%5Cjsmith"),
            "www.facebook.com",
            200,
            5120,
            false
        )
    );
    assert_eq!(
        p.reading(),
        Some("syslog RFC 3164 host pfSense tag (squid-1); time from the line")
    );
    let Ok(Parsed::Event(e)) = p.parse(lines.next().unwrap(), 2) else {
        panic!("line 2 not read")
    };
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.host_name(),
            e.status,
            e.bytes,
            e.denied
        ),
        (
            ms("2026-11-10T09:15:02.500Z"),
            "10.0.0.6",
            None,
            "www.tiktok.com",
            403,
            3900,
            true
        )
    );
    assert_eq!(
        p.reading(),
        Some("syslog RFC 5424 host opnsense.local tag (squid-1); time from the line")
    );
    let refused = p.parse(lines.next().unwrap(), 3).unwrap_err();
    assert!(
        refused.starts_with(
            "a syslog message of `sshd` from pfSense that this reader does not read: "
        ),
        "{refused}"
    );
    // A plain line after an enveloped one carries no note; its leading time
    // is read through the envelope too.
    let plain = "1794302102.049    120 10.0.0.5 TCP_MISS/200 5120 GET http://www.facebook.com/ - HIER_DIRECT/157.240.221.35 text/html";
    assert!(matches!(p.parse(plain, 4), Ok(Parsed::Event(_))));
    assert_eq!(p.reading(), None);
    assert_eq!(
        p.leading_time("Nov 10 09:15:03 pfSense (squid-1)[1]: garbage"),
        Some(ms("2026-11-10T09:15:03Z"))
    );
}
