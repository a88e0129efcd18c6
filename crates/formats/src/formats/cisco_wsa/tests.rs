//! Tests of the cisco-wsa reader on real sample lines (tests/data, sources
//! and licences in tests/data/README.md) and on hand-made ones.

use crate::formats::cisco_wsa::CiscoWsa;
use crate::formats::testdata::{read_all, sample};
use crate::formats::{FileContext, LogFormat, Parsed};

#[test]
fn wsa_native_lines_read_exactly_and_the_rest_are_named() {
    let r = read_all(
        &CiscoWsa,
        &sample("cisco-wsa/azure-sentinel_CiscoWSA_SyslogMessage_EXCERPT.log"),
    );
    assert_eq!(r.len(), 11);
    // Lines 1-5 and 9: forwarding test messages.
    for i in [0, 1, 2, 3, 4, 8] {
        assert_eq!(r[i], Ok(None), "line {}", i + 1);
    }
    // Lines 6 and 8: the W3C layout, refused with the reason.
    for i in [5, 7] {
        assert!(
            r[i].as_ref()
                .unwrap_err()
                .starts_with("a Cisco WSA access line in a W3C layout")
        );
    }
    // Line 7: 1340875127.391 is 2012-06-28T09:18:47.391Z.
    let e = r[6].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.elapsed_ms,
            e.client_ip,
            e.user.clone(),
            e.host_name(),
            e.method,
            e.status,
            e.bytes,
            e.action,
            e.denied
        ),
        (
            1_340_875_127_391,
            Some(108),
            "172.17.21.78",
            None,
            "www.survey-xact.dk",
            "GET",
            200,
            2545,
            Some("DEFAULT_CASE_11"),
            false
        )
    );
    // Line 11: verdicts with spaces inside quotes after the tag.
    let e = r[10].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.bytes, e.status),
        (1_585_638_903_150, "172.18.32.70", "my.site.com", 71217, 200)
    );
}

#[test]
fn wsa_block_tags_are_denials_and_plain_squid_is_not_wsa() {
    let mut p = CiscoWsa.begin(&FileContext::default());
    match p.parse(CiscoWsa.sample(), 1).unwrap() {
        Parsed::Event(e) => assert_eq!(
            (e.user.as_deref(), e.status, e.action, e.denied),
            (Some("CORP\\jsmith"), 403, Some("BLOCK_WEBCAT_12"), true)
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse("1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/209.73.177.115 -", 2)
            .unwrap_err(),
        "not a Cisco WSA access line: 10 fields, the native layout has 12 or more (Squid's 10, the ACL decision tag, the verdicts)"
    );
}

#[test]
fn a_file_of_native_wsa_lines_alone_ties_with_squid() {
    // Squid reads a WSA line's first ten fields; the native path is not
    // slowed to refuse the rest. A tie is an error naming both readers
    // (give --log-format cisco-wsa); the real forwarded file above is told
    // apart by its other lines.
    let cx = FileContext::default();
    let head = format!("{}\n", CiscoWsa.sample());
    assert!(matches!(
        crate::formats::detect::detect(head.as_bytes(), &cx),
        crate::formats::detect::Detection::Tie("squid", "cisco-wsa", 100)
    ));
}
