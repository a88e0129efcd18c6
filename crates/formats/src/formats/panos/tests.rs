//! Tests of the panos reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::LogFormat;
use crate::formats::testdata::{ms, read_all, sample};
#[test]
fn panos_threat_url_and_traffic_lines_read_exactly() {
    use crate::formats::panos::PanOs;
    let r = read_all(
        &PanOs,
        &sample("panos/beats_x-pack_panw_pan_inc_threat_EXCERPT_first17.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.url.as_ref(),
            e.dst_port,
            e.action,
            e.denied
        ),
        (
            ms("2012-04-10T04:39:56Z"),
            "192.168.0.2",
            Some("crusher"),
            "lorexx.cn",
            "lorexx.cn/loader.exe",
            Some(80),
            Some("alert"),
            false
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.host_name(), e.url.as_ref()),
        ("lsiu.info", "lsiu.info/evo/count.php?o=2")
    );
    let r = read_all(
        &PanOs,
        &sample("panos/beats_x-pack_panw_pan_inc_traffic_EXCERPT_first10.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.host_name(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.action,
            e.url.as_ref()
        ),
        (
            ms("2012-04-10T04:39:58Z"),
            "67.43.156.12",
            Some(80),
            0,
            Some(78),
            Some("allow"),
            ""
        )
    );
    // A vulnerability record is not a web request: quarantined with the reason.
    let r = read_all(&PanOs, &sample("panos/crowdsec_palo-alto-threat.log"));
    assert_eq!(r[0], Ok(None), "recognised as PAN-OS, not an event");
    // Too few columns, named with both counts; a quoted field with a quote inside.
    let mut p = PanOs.begin(&crate::formats::FileContext::default());
    assert_eq!(
        p.parse(
            "1,2026/11/10 09:00:00,0123,THREAT,url,1,2026/11/10 09:00:00,10.0.0.5,1.2.3.4,0,0,r",
            1
        )
        .unwrap_err(),
        "PAN-OS THREAT line has 12 columns, needs at least 34"
    );
    let f = crate::formats::panos::csv_fields(r#"a,"b ""q"" c",,d"#);
    assert_eq!(f, vec!["a", "b \"q\" c", "", "d"]);
    // In the source zone: 09:00 in London in summer is 08:00 UTC.
    let mut p = PanOs.begin(&crate::formats::FileContext::default());
    let line = "1,2026/07/01 09:00:00,0123,TRAFFIC,end,1,2026/07/01 09:00:00,10.0.0.5,1.2.3.4,0,0,r,corp\\jsmith,,ssl,vsys1,t,u,e1,e2,f,,1,1,5000,443,0,0,0x0,tcp,deny,100,60,40";
    match p.parse(line, 1).unwrap() {
        crate::formats::Parsed::Event(e) => {
            assert_eq!(
                (e.ts_ms, e.denied, e.user.as_deref()),
                (ms("2026-07-01T08:00:00Z"), true, Some("corp\\jsmith"))
            )
        }
        other => panic!("{other:?}"),
    }
}
