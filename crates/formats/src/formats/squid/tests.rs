//! Tests of the squid reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use super::*;

#[test]
fn http_versions_are_told_from_user_names() {
    for yes in ["HTTP/1.1", "HTTP/1.0", "HTTP/2", "1.0", "2.0"] {
        assert!(is_http_version(yes), "{yes}");
    }
    for no in ["-", "jsmith", "", "HTTP/x", "2x", "1.", ".1", "h1.1"] {
        assert!(!is_http_version(no), "{no}");
    }
}

#[test]
fn native_connect_line() {
    let e = parse_line(
        "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/209.73.177.115 -",
    )
    .unwrap();
    assert_eq!(e.ts_ms, 1_157_689_312_049);
    assert_eq!(e.elapsed_ms, Some(5006));
    assert_eq!(e.client_ip, "10.105.21.199");
    assert_eq!(e.user.as_deref(), Some("badeyek"));
    assert_eq!(e.method, "CONNECT");
    assert_eq!((e.status, e.bytes), (200, 19763));
    assert_eq!(e.host_name(), "login.yahoo.com");
    assert!(!e.denied);
}

#[test]
fn denied_and_anonymous() {
    let e = parse_line(
        "1157689324.156   1 10.105.21.199 TCP_DENIED/407 1721 GET http://www.facebook.com/ - NONE/- text/html",
    )
    .unwrap();
    assert!(e.denied);
    assert_eq!(e.user, None);
    assert_eq!(e.status, 407);
}

#[test]
fn extended_layout() {
    let e = parse_line(
        r#"1773416922.391    104 10.105.21.199 58938 TCP_MISS/200 904 123 364 123 528 GET http://example.com/ 1.1 badeyek HIER_DIRECT/203.0.113.10 80 text/html - - "-" "curl/8.14.1" "example.com" "-" 53 -"#,
    )
    .unwrap();
    assert_eq!(e.ts_ms, 1_773_416_922_391);
    assert_eq!(
        (e.method, e.url.as_ref(), e.user.as_deref()),
        ("GET", "http://example.com/", Some("badeyek"))
    );
    assert_eq!(e.bytes, 904);
    assert_eq!(e.host_name(), "example.com");
}

#[test]
fn rejects_with_reasons() {
    assert_eq!(
        parse_line("hello world").unwrap_err(),
        "fewer than 10 fields: not a Squid access-log line"
    );
    assert!(parse_line("abc 1 10.0.0.1 TCP_MISS/200 1 GET http://a.com/ - DIRECT/- -").is_err());
    assert_eq!(
        parse_line("1157689312.049 1 10.0.0.1 TCP_MISS/2x0 1 GET http://a.com/ - DIRECT/- -")
            .unwrap_err(),
        "HTTP status is not a three-digit number"
    );
    assert_eq!(
        parse_line("1157689312.049 1 10.0.0.1 TCP_MISS/200 lots GET http://a.com/ - DIRECT/- -")
            .unwrap_err(),
        "byte count is not a number"
    );
}
