//! Tests of the clf reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use super::*;
use crate::formats::testdata::{ms, sample};

#[test]
fn quoted_fields_unescape() {
    let (t, rest) = quoted(r#""GET /a\"b HTTP/1.0" 200"#).unwrap();
    assert_eq!((t.as_ref(), rest), (r#"GET /a"b HTTP/1.0"#, " 200"));
    assert!(quoted("no quote").is_none());
}
#[test]
fn common_and_combined_lines_read_exactly() {
    use crate::formats::clf::parse_line;
    let text = sample("apache-clf/crowdsec_apache2-logs.log");
    let lines: Vec<&str> = text.lines().collect();
    let e = parse_line(lines[0]).unwrap();
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
            ms("2020-06-08T06:49:01Z"),
            "93.43.209.58",
            None,
            "",
            500,
            803,
            false
        )
    );
    assert_eq!((e.method, e.url.as_ref()), ("GET", "/"));
    // A virtual host first (vhost_combined): the host is the virtual host.
    let e = parse_line(lines[3]).unwrap();
    assert_eq!(
        (e.client_ip, e.host_name()),
        ("1.2.3.4", "www.crowdsec.net")
    );
    // Common (no referer or agent), offset +0100.
    let e = parse_line(lines[5]).unwrap();
    assert_eq!(
        (e.ts_ms, e.status, e.bytes),
        (ms("2021-03-05T08:01:38Z"), 200, 1513)
    );
    // `host:port` virtual host, offset +0200.
    let e = parse_line(lines[6]).unwrap();
    assert_eq!(
        (e.ts_ms, e.host_name(), e.status, e.bytes),
        (ms("2021-10-25T09:05:52Z"), "website.com", 403, 6963)
    );
    // Apache error-log lines are not access lines.
    assert!(parse_line(lines[7]).is_err());
    // `"-"`: no request at all.
    let dash = sample("apache-clf/lnav_logfile_access_log.1.log");
    let e = parse_line(dash.trim_end()).unwrap();
    assert_eq!(
        (e.method, e.status, e.bytes, e.client_ip),
        ("", 400, 0, "10.112.81.15")
    );
    // Squid's combined layout: absolute URL, user, escaped quote, %Ss:%Sh.
    let e = parse_line(
        r#"10.0.0.5 - CORP%5Cjsmith [11/Nov/2026:12:00:00 +0000] "GET http://www.facebook.com/a\"b HTTP/1.1" 403 3900 "-" "Mozilla \"x\"" TCP_DENIED:HIER_NONE"#,
    )
    .unwrap();
    assert_eq!(
        (
            e.host_name(),
            e.url.as_ref(),
            e.user.as_deref(),
            e.denied,
            e.action
        ),
        (
            "www.facebook.com",
            "http://www.facebook.com/a\"b",
            Some("CORP%5Cjsmith"),
            true,
            Some("TCP_DENIED:HIER_NONE")
        )
    );
    // A hostname client and CONNECT host:port.
    let e = parse_line(r#"pc-042.council.local - - [11/Nov/2026:12:00:00 +0000] "CONNECT x.com:443 HTTP/1.1" 200 5120"#).unwrap();
    assert_eq!(
        (e.client_ip, e.host_name(), e.method),
        ("pc-042.council.local", "x.com", "CONNECT")
    );
}

/// Item 3 of issue 27: Common Log Format times with milliseconds keep them;
/// Apache error-log lines are refused as what they are (crowdsec's sample).
#[test]
fn clf_times_with_milliseconds_keep_them() {
    use crate::formats::testdata::{ms, read_all, sample};
    let r = read_all(
        &crate::formats::clf::Common,
        "10.0.0.5 - CORP\\jsmith [10/Nov/2026:09:15:02.123 +0000] \"GET http://www.facebook.com/ HTTP/1.1\" 200 5120\n\
         10.0.0.5 - - [10/Nov/2026:09:15:02.5 +0100] \"GET http://www.facebook.com/ HTTP/1.1\" 200 5120\n\
         10.0.0.5 - - [10/Nov/2026:09:15:02.1x +0000] \"GET / HTTP/1.1\" 200 1\n",
    );
    let e = r[0].clone().unwrap().unwrap();
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
            ms("2026-11-10T09:15:02.123Z"),
            "10.0.0.5",
            Some("CORP\\jsmith"),
            "www.facebook.com",
            200,
            5120,
            false
        )
    );
    assert_eq!(
        r[1].clone().unwrap().unwrap().ts_ms,
        ms("2026-11-10T08:15:02.500Z")
    );
    assert_eq!(
        r[2],
        Err("time is not `dd/Mon/yyyy:HH:MM:SS +zzzz`".to_string())
    );
    let r = read_all(
        &crate::formats::clf::Common,
        &sample("apache-clf/crowdsec_apache2-logs.log"),
    );
    assert_eq!(
        r[7],
        Err(
            "an Apache error-log line (`[date] [module:level] ...`), not an access-log request"
                .to_string()
        )
    );
}
