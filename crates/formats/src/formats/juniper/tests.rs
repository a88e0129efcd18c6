//! Tests of the juniper reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::testdata::{ms, read_all};
#[test]
fn juniper_srx_sessions_and_web_filter_read_exactly() {
    use crate::formats::juniper::Juniper;
    // Lines in the layout of Juniper's System Log Explorer (no public sample
    // with a licence to redistribute was found).
    let text = concat!(
        r#"<14>1 2026-11-10T09:15:02.123+01:00 srx01 RT_UTM - WEBFILTER_URL_PERMITTED [junos@2636.1.1.1.2.40 source-address="10.0.0.5" source-port="50123" destination-address="157.240.221.35" destination-port="443" category="Enhanced_Social_Web_Facebook" reason="BY_PRE_DEFINED" profile="wf" url="www.facebook.com" obj="/groups/x" username="CORP\\jsmith" roles="N/A"]"#,
        "\n",
        r#"<14>1 2026-11-10T09:16:00Z srx01 RT_UTM - WEBFILTER_URL_BLOCKED [junos@2636.1.1.1.2.40 source-address="10.0.0.5" source-port="50124" destination-address="1.2.3.4" destination-port="80" category="Gambling" reason="BY_PRE_DEFINED" profile="wf" url="bet.example" obj="/" username="N/A" roles="N/A"]"#,
        "\n",
        r#"<14>1 2026-11-10T09:20:00Z srx01 RT_FLOW - RT_FLOW_SESSION_CLOSE [junos@2636.1.1.1.2.40 reason="TCP FIN" source-address="10.0.0.6" source-port="50200" destination-address="157.240.221.35" destination-port="443" service-name="junos-https" protocol-id="6" policy-name="web" bytes-from-client="1200" bytes-from-server="5120" elapsed-time="42" username="N/A"]"#,
        "\n",
        r#"<14>1 2026-11-10T09:20:00Z srx01 RT_FLOW - RT_FLOW_SESSION_CREATE [junos@2636.1.1.1.2.40 source-address="10.0.0.6"]"#,
        "\n",
    );
    let r = read_all(&Juniper, text);
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.url.as_ref(),
            e.dst_port,
            e.denied
        ),
        (
            ms("2026-11-10T08:15:02.123Z"),
            "10.0.0.5",
            Some("CORP\\jsmith"),
            "www.facebook.com",
            "www.facebook.com/groups/x",
            Some(443),
            false
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.host_name(), e.denied),
        (None, "bet.example", true)
    );
    let e = r[2].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.elapsed_ms,
            e.url.as_ref()
        ),
        (
            "10.0.0.6",
            "157.240.221.35",
            Some(443),
            5120,
            Some(1200),
            Some(42_000),
            ""
        )
    );
    assert_eq!(r[3], Ok(None), "a session creation is counted at its close");
}

/// Item 3 of issue 27: Juniper SRX `RT_UTM` content-filtering and antivirus
/// records are web events with a decision (Elastic's SRX UTM test log).
#[test]
fn juniper_rt_utm_content_filtering_and_antivirus_records_read_exactly() {
    use crate::formats::juniper::Juniper;
    use crate::formats::testdata::sample;
    let r = read_all(
        &Juniper,
        &sample("juniper/beats_x-pack_juniper_srx_utm.log"),
    );
    assert_eq!(r.len(), 12);
    let row = |i: usize| {
        let e = r[i].clone().unwrap().unwrap();
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref().map(str::to_string),
            e.host_name().to_string(),
            e.url.to_string(),
            e.dst_port,
            e.action,
            e.denied,
        )
    };
    // AV_VIRUS_DETECTED_MT: a download from 188.40.238.250:80 to 10.1.1.103.
    assert_eq!(
        row(2),
        (
            ms("2010-02-08T08:29:28.565Z"),
            "10.1.1.103",
            None,
            "www.eicar.org".to_string(),
            "www.eicar.org/download/eicar.com".to_string(),
            Some(80),
            Some("AV_VIRUS_DETECTED_MT"),
            true
        )
    );
    // AV_HUGE_FILE_DROPPED_MT: the host is an address; the path holds a space.
    assert_eq!(
        row(4),
        (
            ms("2010-01-29T10:59:59.660Z"),
            "10.1.1.103",
            None,
            "10.2.1.101".to_string(),
            "10.2.1.101/images/junos- srxsme-10.2-20100106.0-domestic.tgz".to_string(),
            Some(80),
            Some("AV_HUGE_FILE_DROPPED_MT"),
            true
        )
    );
    // Anti-spam is not a web request.
    assert_eq!(r[5], Ok(None));
    // CONTENT_FILTERING_BLOCKED_MT: denied, to the destination address.
    assert_eq!(
        row(6),
        (
            ms("2016-02-18T01:34:50.391Z"),
            "192.0.2.3",
            Some("user01@testuser.com".to_string()),
            "198.51.100.2".to_string(),
            String::new(),
            Some(80),
            Some("CONTENT_FILTERING_BLOCKED_MT"),
            true
        )
    );
    // A log-stream web-filter block (`_LS`) is a block too.
    assert!(row(7).7);
    // AV_FILE_NOT_SCANNED_DROPPED_MT (action BLOCKED).
    assert_eq!(
        row(11),
        (
            ms("2020-07-14T14:17:04.733Z"),
            "10.1.1.100",
            None,
            "download.cdn.mozilla.net".to_string(),
            "download.cdn.mozilla.net/pub/firefox/releases/78.0.2/update/win64/de/firefox-78.0.2.complete.mar".to_string(),
            Some(80),
            Some("AV_FILE_NOT_SCANNED_DROPPED_MT"),
            true
        )
    );
    let events = r.iter().filter(|x| matches!(x, Ok(Some(_)))).count();
    assert_eq!(events, 11);
}
