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

#[test]
fn native_reading_equals_the_general_one() {
    // Every field in its plain form and in forms near it, each alone in an
    // otherwise plain line: the one-pass native reading either gives the
    // general reading's event or leaves the line to it.
    let plain = [
        "1792736045.523",
        "40",
        "10.20.6.106",
        "TCP_MISS/200",
        "3272",
        "GET",
        "http://www.farexal.com/review/travel.aspx?id=407354",
        "escott24",
        "HIER_DIRECT/140.128.40.198",
        "text/html",
    ];
    let variants: [&[&str]; 10] = [
        &[
            "1792736045",
            "1792736045.",
            "1792736045.5",
            "1792736045.52",
            "1792736045.523456789",
            "1792736045.5234567891",
            "001792736045.1",
            "0001792736045.1",
            "946684800.000",
            "946684799.999",
            "4102444799.1",
            "4102444800.1",
            "17927x6045.5",
            "1792736045.5x",
            ".5",
            "1792736045..5",
            "+1792736045.5",
            "",
        ],
        &[
            "-",
            "0",
            "007",
            "999999999",
            "4294967295",
            "4294967296",
            "+5",
            "-5",
            "--",
            "5x",
            "x",
        ],
        &["-", "1.2.3.4", "::1"],
        &[
            "TCP_DENIED/407",
            "TCP_DENIED_REPLY/403",
            "NONE/000",
            "TCP_MISS/20",
            "TCP_MISS/2000",
            "TCP_MISS/+20",
            "TCP_MISS/2x0",
            "tcp_miss/200",
            "/200",
            "TCP_MISS",
            "TCP_MISS//200",
            "TCP_MISS/200/1",
            "58938",
            "TCP-MISS/200",
            "DENIED/200",
        ],
        &[
            "0",
            "18446744073709551615",
            "18446744073709551616",
            "9999999999999999999",
            "+1",
            "-",
            "1x",
        ],
        &[
            "CONNECT",
            "GET",
            "get",
            "X-A_B",
            "ABCDEFGHIJKLMNOPQ",
            "-",
            "1.1",
        ],
        &["-", "login.yahoo.com:443", "error:invalid-request"],
        &["-", "CORP%5Cjsmith", "HTTP/1.1", "1.1", "2", "HTTP/x"],
        &["DIRECT/1.2.3.4", "NONE/-", "DIRECT", "-", "/"],
        &["-", "text/html", "a b"],
    ];
    let (mut checked, mut native) = (0, 0);
    for (k, forms) in variants.iter().enumerate() {
        for form in *forms {
            for sep in [" ", "\t", "   "] {
                for fields in [9, 10, 11] {
                    let mut t: Vec<&str> = plain.to_vec();
                    t[k] = form;
                    t.push("extra");
                    t.truncate(fields);
                    let line = format!("{sep}{}", t.join(sep));
                    let general = parse_any_layout(&line);
                    match parse_native(&line).map(Native::event) {
                        Some(e) => {
                            assert_eq!(Ok(e), general, "{line:?}");
                            native += 1;
                        }
                        None => {
                            // The plain shape of the native layout is read natively.
                            assert!(
                                !(general.is_ok() && fields >= 10 && is_plain(k, form)),
                                "{line:?} was left to the general reading"
                            );
                        }
                    }
                    assert_eq!(parse_line(&line), general, "{line:?}");
                    checked += 1;
                }
            }
        }
    }
    assert_eq!((checked, native), (702, 222));
}

/// Whether `form` of field `k` is one the native reading must read itself.
fn is_plain(k: usize, form: &str) -> bool {
    match k {
        0 => {
            let (s, f) = form.split_once('.').unwrap_or((form, ""));
            !s.is_empty() && s.len() <= 12 && f.len() <= 9 && !s.starts_with('+')
        }
        1 => form == "-" || (form.len() <= 9 && form.bytes().all(|b| b.is_ascii_digit())),
        3 => form
            .split_once('/')
            .is_some_and(|(_, s)| s.len() == 3 && s.bytes().all(|b| b.is_ascii_digit())),
        4 => form.len() <= 19 && form.bytes().all(|b| b.is_ascii_digit()),
        5 => is_method(form),
        7 => !is_http_version(form),
        _ => true,
    }
}
