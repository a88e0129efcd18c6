//! Readers and input: every compression by content, and each log format on
//! real sample lines (copies in tests/data with their sources and licences).



use std::io::Write;

use netusage::formats::LogFormat;
use std::path::Path;

use crate::common::*;

fn records(store: &Path) -> Vec<netusage::store::manifest::SourceRecord> {
    netusage::store::manifest::read(&store.join("sources.jsonl")).unwrap()
}

#[test]
fn gzip_multi_member_bzip2_zstd_and_xz_are_read_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let d = recent_tuesday();
    let lines =
        |user: &str| every(&format!("{d}T10:00:00Z"), 60, 3, user, "x.com").join("\n") + "\n";
    // gzip with two members, as `cat a.gz b.gz` makes.
    let mut gz = Vec::new();
    for part in [lines("ann"), lines("ben")] {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(part.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    std::fs::write(logs.join("a.log.1"), &gz).unwrap(); // no .gz name: found by content
    let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
    bz.write_all(lines("cat").as_bytes()).unwrap();
    let bz = bz.finish().unwrap();
    std::fs::write(logs.join("b.log.bz2"), &bz).unwrap();
    std::fs::write(
        logs.join("c.log.zst"),
        zstd::encode_all(lines("dan").as_bytes(), 3).unwrap(),
    )
    .unwrap();
    let mut xz = liblzma::write::XzEncoder::new(Vec::new(), 6);
    xz.write_all(lines("eve").as_bytes()).unwrap();
    std::fs::write(logs.join("d.log.xz"), xz.finish().unwrap()).unwrap();
    let store = dir.path().join("store");
    ok(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        logs.to_str().unwrap(),
    ]);
    let mut got: Vec<(String, String, u64)> = records(&store)
        .into_iter()
        .map(|r| {
            let name = Path::new(&r.path)
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .to_string();
            (name, r.compression, r.accepted)
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("a.log.1".into(), "gzip".into(), 6),
            ("b.log.bz2".into(), "bzip2".into(), 3),
            ("c.log.zst".into(), "zstd".into(), 3),
            ("d.log.xz".into(), "xz".into(), 3),
        ]
    );
    // A truncated .bz2: a clear error, and nothing of it stored.
    let cut = dir.path().join("cut.log.bz2");
    std::fs::write(&cut, &bz[..bz.len() / 2]).unwrap();
    let store2 = dir.path().join("store2");
    let out = run(&[
        "ingest",
        "--store",
        store2.to_str().unwrap(),
        cut.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cut.log.bz2") && err.contains("compressed data is corrupt or ends early"),
        "{err}"
    );
    assert!(records(&store2).is_empty());
    assert!(
        !store2.join("events").exists()
            || std::fs::read_dir(store2.join("events"))
                .unwrap()
                .next()
                .is_none()
    );
}

fn ms_of(s: &str) -> i64 {
    ms(s)
}

fn sample(rel: &str) -> String {
    std::fs::read_to_string(test_data().join(rel)).unwrap()
}

#[test]
fn common_and_combined_lines_read_exactly() {
    use netusage::formats::common::parse_line;
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
            ms_of("2020-06-08T06:49:01Z"),
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
        (ms_of("2021-03-05T08:01:38Z"), 200, 1513)
    );
    // `host:port` virtual host, offset +0200.
    let e = parse_line(lines[6]).unwrap();
    assert_eq!(
        (e.ts_ms, e.host_name(), e.status, e.bytes),
        (ms_of("2021-10-25T09:05:52Z"), "website.com", 403, 6963)
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

/// Parses the lines of a sample with a reader, as ingest does (headers move
/// the state on): each line's result by line number.
/// `Ok(None)`: a line of the format that is not an event (quarantined as such).
fn read_all(
    format: &dyn netusage::formats::LogFormat,
    text: &str,
) -> Vec<Result<Option<netusage::formats::RawEvent<'static>>, String>> {
    let cx = netusage::formats::FileContext {
        tz: chrono_tz::UTC,
        ..Default::default()
    };
    let mut p = format.begin(&cx);
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    leaked
        .lines()
        .enumerate()
        .map(
            |(i, l)| match p.parse(l.trim_end_matches('\r'), i as u64 + 1) {
                Ok(netusage::formats::Parsed::Event(e)) => Ok(Some(e)),
                Ok(netusage::formats::Parsed::Skip(_)) => Ok(None),
                Err(r) => Err(r.into_owned()),
            },
        )
        .collect()
}

#[test]
fn w3c_iis_tmg_and_proxysg_lines_read_exactly() {
    use netusage::formats::w3c::{ProxySg, W3c};
    // IIS 8.5: no host field (a web server log), time-taken in ms.
    let r = read_all(&W3c, &sample("w3c/lnav_logfile_w3c_big.0.log"));
    assert_eq!(r[0], Ok(None), "#Software: is a header");
    let e = r[4].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.method,
            e.url.as_ref(),
            e.status,
            e.bytes,
            e.bytes_out,
            e.elapsed_ms
        ),
        (
            ms_of("2015-01-13T00:32:17Z"),
            "157.55.39.146",
            None,
            "GET",
            "/robots.txt",
            404,
            1405,
            Some(242),
            Some(283)
        )
    );
    // Forefront TMG / ISA web proxy: tab-separated, names with spaces, DOMAIN\user,
    // r-host, full cs-uri, `anonymous`. Written here in the layout Microsoft
    // documents (the public samples found carry no licence to redistribute).
    let tmg = "#Software: Microsoft Forefront Threat Management Gateway\n\
        #Version: 2.0\n#Date: 2026-11-10 09:00:00\n\
        #Fields: c-ip\tcs-username\tc-agent\tsc-authenticated\tdate\ttime\ts-svcname\ts-computername\tcs-referred\tr-host\tr-ip\tr-port\ttime-taken\tcs-bytes\tsc-bytes\tcs-protocol\tcs-transport\ts-operation\tcs-uri\tcs-mime-type\ts-object-source\tsc-status\ts-cache-info\trule\tFilterInfo\tcs-Network\tsc-Network\terror-info\taction\n\
        10.25.34.65\tCORP\\jsmith\tMozilla/5.0 (Windows NT 10.0; Win64; x64)\tY\t2026-11-10\t09:15:02\tw3proxy\tTMG01\t-\twww.facebook.com\t157.240.221.35\t443\t78\t489\t5591\thttps\tTCP\tGET\thttps://www.facebook.com/\ttext/html\tInet\t200\t0x40000005\tAllow Web Access\t-\tInternal\tExternal\t0xd80\tAllowed\n\
        10.25.100.202\tanonymous\tAcrobat Updater\tN\t2026-11-10\t09:15:03\tw3proxy\tTMG01\t-\trms.adobe.com\t23.1.2.3\t80\t1\t224\t4574\thttp\tTCP\tGET\thttp://rms.adobe.com/read\ttext/xml\tInet\t407\t0x0\tDeny Unauthenticated\t-\tInternal\tExternal\t0xc0040017\tDenied\n\
        ACME-PROXY\t2026-11-10\t09:16:00\tUDP\n";
    let r = read_all(&W3c, tmg);
    let e = r[4].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.status,
            e.bytes,
            e.bytes_out,
            e.denied,
            e.action
        ),
        (
            ms_of("2026-11-10T09:15:02Z"),
            "10.25.34.65",
            Some("CORP\\jsmith"),
            "www.facebook.com",
            200,
            5591,
            Some(489),
            false,
            Some("Allowed")
        )
    );
    assert_eq!(
        (e.url.as_ref(), e.dst_port, e.elapsed_ms),
        ("https://www.facebook.com/", Some(443), Some(78))
    );
    let e = r[5].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.host_name(), e.status, e.denied),
        (None, "rms.adobe.com", 407, true)
    );
    assert_eq!(
        r[6],
        Err("W3C line has 4 fields, the #Fields header in force at line 4 has 29".to_string())
    );
    // TMG firewall log: a connection record, denied, host = destination address.
    let fw = "#Fields: computer\tdate\ttime\tIP protocol\tsource\tdestination\toriginal client IP\tsource network\tdestination network\taction\tstatus\trule\tapplication protocol\tbytes sent\tbytes received\tusername\n\
        TMG01\t2026-11-10\t09:20:00\tTCP\t10.25.34.65:50123\t157.240.221.35:443\t10.25.34.65\tInternal\tExternal\tDenied\t0xc004000d\tBlock Social\tHTTPS\t0\t0\tCORP\\jsmith\n";
    let r = read_all(&W3c, fw);
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.denied,
            e.status,
            e.method,
            e.user.as_deref()
        ),
        (
            "10.25.34.65",
            "157.240.221.35",
            Some(443),
            true,
            0,
            "",
            Some("CORP\\jsmith")
        )
    );
    // ProxySG bcreportermain_v1, no header: quoted categories with spaces.
    let r = read_all(
        &ProxySg,
        &sample("w3c/azure-sentinel_SymantecProxySG_SyslogMessage_EXCERPT.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.status,
            e.method,
            e.host_name(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.action
        ),
        (
            ms_of("2020-05-01T22:22:53Z"),
            "172.888.160.237",
            None,
            200,
            "GET",
            "crl.microsoft.com",
            Some(80),
            1008,
            Some(289),
            Some("OBSERVED")
        )
    );
    assert_eq!(
        e.url.as_ref(),
        "http://crl.microsoft.com/pki/crl/products/WinPCA.crl"
    );
    // A different ProxySG layout is refused with the reason, not misread.
    let r = read_all(
        &ProxySg,
        &sample("w3c/integrations_proxysg_test-proxy-bcreportermain_v1.log"),
    );
    assert!(
        r[0].as_ref()
            .unwrap_err()
            .contains("does not fit bcreportermain_v1"),
        "{:?}",
        r[0]
    );
}

#[test]
fn a_w3c_header_that_changes_mid_file_is_followed_and_misfits_named() {
    let d = recent_tuesday();
    let text = format!(
        "#Software: Microsoft Internet Information Services 10.0\n\
         #Fields: date time c-ip cs-username cs-method cs-uri sc-status\n\
         {d} 09:00:00 10.0.0.5 CORP\\alice GET http://www.facebook.com/ 200\n\
         #Fields: date time c-ip cs-method cs-uri sc-status sc-bytes\n\
         {d} 09:01:00 10.0.0.6 GET http://x.com/ 200 512\n\
         {d} 09:02:00 10.0.0.6 GET http://x.com/ 200\n"
    );
    let r = read_all(&netusage::formats::w3c::W3c, &text);
    let e = r[2].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.as_deref(), e.host_name(), e.bytes),
        (Some("CORP\\alice"), "www.facebook.com", 0)
    );
    let e = r[4].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.host_name(), e.bytes),
        (None, "x.com", 512)
    );
    assert_eq!(
        r[5],
        Err("W3C line has 6 fields, the #Fields header in force at line 4 has 7".to_string())
    );
    // Through ingest, in parallel blocks: the same, and every line accounted for.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("u_ex.log");
    std::fs::write(&log, &text).unwrap();
    let store = dir.path().join("store");
    ok(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    let rec = &records(&store)[0];
    assert_eq!(
        (
            rec.format.as_str(),
            rec.lines,
            rec.accepted,
            rec.rejected,
            rec.headers
        ),
        ("w3c", 6, 2, 4, 3)
    );
    assert_eq!(rec.time_zone.as_deref(), Some("Europe/London (default)"));
}

#[test]
fn fortigate_webfilter_and_traffic_lines_read_exactly() {
    use netusage::formats::fortigate::FortiGate;
    let r = read_all(
        &FortiGate,
        &sample("fortigate/beats_x-pack_fortinet_firewall_utm_webfilter_EXCERPT.log"),
    );
    // tz="-0500" wins over the source time zone: 12:17:48 local is 17:17:48 UTC.
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.url.as_ref(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.denied,
            e.action
        ),
        (
            ms_of("2020-04-23T17:17:48Z"),
            "192.168.2.1",
            Some("elasticuser"),
            "elastic.co",
            "https://elastic.co/config/",
            Some(443),
            1130,
            Some(1152),
            true,
            Some("blocked")
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.denied, e.action, e.bytes),
        (false, Some("passthrough"), 6812)
    );
    // A traffic record with no tz: local time in the source zone (UTC here); a connection.
    let r = read_all(
        &FortiGate,
        &sample("fortigate/beats_x-pack_fortinet_firewall_traffic.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.url.as_ref(),
            e.denied
        ),
        (
            ms_of("2020-04-23T01:16:08Z"),
            "10.10.10.10",
            "175.16.199.1",
            Some(161),
            "",
            true
        )
    );
    // Escapes and a URL cut off mid-escape.
    let mut p = FortiGate.begin(&netusage::formats::FileContext::default());
    let line = r#"date=2026-11-10 time=09:00:00 logid="0317013312" tz="+0000" srcip=10.0.0.5 hostname="x.com" url="/a\=b\\c%2" action="passthrough""#;
    match p.parse(line, 1).unwrap() {
        netusage::formats::Parsed::Event(e) => assert_eq!(e.url.as_ref(), "http://x.com/a=b\\c%2"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse("date=2026-11-10 logid=1 srcip=10.0.0.5", 2)
            .unwrap_err(),
        "FortiGate line has no time="
    );
}

#[test]
fn sophos_xg_sfos_and_utm_lines_read_exactly() {
    use netusage::formats::sophos::Sophos;
    // XG before 18.5: timezone="IST" is India, +05:30.
    let r = read_all(
        &Sophos,
        &sample("sophos/beats_x-pack_sophos_xg_cfilter.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.dst_port,
            e.bytes,
            e.bytes_out,
            e.denied,
            e.action
        ),
        (
            ms_of("2017-01-31T08:33:33Z"),
            "10.198.47.71",
            Some("jsmith"),
            "r8---sn-ci5gup-qxas.googlevideo.com",
            Some(443),
            319007,
            Some(0),
            false,
            Some("Allowed")
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.host_name(), e.denied),
        (None, "hanuman.com", true)
    );
    // SFOS 18.5+: timestamp with its offset; an application record (no URL).
    let r = read_all(
        &Sophos,
        &sample("sophos/integrations_sophos_xg_test-xg-cfilter-new_EXCERPT_first5.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.denied),
        (
            ms_of("2021-11-16T00:28:48Z"),
            "192.168.2.32",
            "192.168.1.15",
            Some(22083),
            true
        )
    );
    // UTM: YYYY:MM:DD-HH:MM:SS local (UTC here), quoted values.
    let r = read_all(
        &Sophos,
        &sample("sophos/integrations_sophos_utm_test-sophos-utm-http.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.method,
            e.status,
            e.bytes,
            e.host_name(),
            e.denied
        ),
        (
            ms_of("2023-03-08T15:00:00Z"),
            "67.43.156.2",
            Some("testuser"),
            "HEAD",
            200,
            311,
            "myurl.test.com",
            false
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!((e.status, e.denied, e.action), (416, true, Some("block")));
    // No date at all: quarantined with that reason.
    let mut p = Sophos.begin(&netusage::formats::FileContext::default());
    assert!(
        p.parse(
            r#"device_name="SFW" log_type="Firewall" src_ip=10.0.0.5 dst_ip=1.2.3.4"#,
            1
        )
        .unwrap_err()
        .starts_with("Sophos line with no date")
    );
}

#[test]
fn panos_threat_url_and_traffic_lines_read_exactly() {
    use netusage::formats::panos::PanOs;
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
            ms_of("2012-04-10T04:39:56Z"),
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
            ms_of("2012-04-10T04:39:58Z"),
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
    let mut p = PanOs.begin(&netusage::formats::FileContext::default());
    assert_eq!(
        p.parse(
            "1,2026/11/10 09:00:00,0123,THREAT,url,1,2026/11/10 09:00:00,10.0.0.5,1.2.3.4,0,0,r",
            1
        )
        .unwrap_err(),
        "PAN-OS THREAT line has 12 columns, needs at least 34"
    );
    let f = netusage::formats::panos::csv_fields(r#"a,"b ""q"" c",,d"#);
    assert_eq!(f, vec!["a", "b \"q\" c", "", "d"]);
    // In the source zone: 09:00 in London in summer is 08:00 UTC.
    let mut p = PanOs.begin(&netusage::formats::FileContext::default());
    let line = "1,2026/07/01 09:00:00,0123,TRAFFIC,end,1,2026/07/01 09:00:00,10.0.0.5,1.2.3.4,0,0,r,corp\\jsmith,,ssl,vsys1,t,u,e1,e2,f,,1,1,5000,443,0,0,0x0,tcp,deny,100,60,40";
    match p.parse(line, 1).unwrap() {
        netusage::formats::Parsed::Event(e) => {
            assert_eq!(
                (e.ts_ms, e.denied, e.user.as_deref()),
                (ms_of("2026-07-01T08:00:00Z"), true, Some("corp\\jsmith"))
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cisco_asa_connections_read_exactly() {
    use netusage::formats::asa::Asa;
    let r = read_all(
        &Asa,
        &sample("cisco-asa/beats_x-pack_cisco_asa_test_asa_EXCERPT_first26.log"),
    );
    assert_eq!(r[0], Ok(None), "a NAT message is ASA but not a connection");
    // Built outbound: the client is the inside (`to`) side.
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.action),
        (
            ms_of("2018-10-10T12:34:56Z"),
            "172.31.98.44",
            "100.66.205.104",
            Some(80),
            Some("built")
        )
    );
    // Teardown: duration and bytes.
    let e = r[2].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.elapsed_ms,
            e.bytes
        ),
        (
            "172.31.98.44",
            "100.66.211.242",
            Some(80),
            Some(67_000),
            38110
        )
    );
    // Built inbound with an identity-firewall user: the client is the `for` side.
    let e = r[21].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.user.as_deref()
        ),
        (
            ms_of("2022-06-21T14:08:00Z"),
            "10.10.10.2",
            "10.10.10.3",
            Some(53),
            Some("LOCAL\\username")
        )
    );
    // A syslog header without a year takes the file's year (2026 here).
    let r = read_all(
        &Asa,
        &sample("cisco-asa/logstash-patterns-core_firewalls_spec_EXTRACT.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port),
        (
            ms_of("2026-08-01T14:01:20Z"),
            "100.100.100.111",
            "10.125.126.86",
            Some(2010)
        )
    );
}

/// The reader each sample folder's files are in.
const FOLDERS: [(&str, &str); 10] = [
    ("iptables", "netfilter"),
    ("pfsense", "pfsense"),
    ("squid", "squid"),
    ("apache-clf", "common"),
    ("w3c", "w3c"),
    ("fortigate", "fortigate"),
    ("sophos", "sophos"),
    ("panos", "panos"),
    ("cisco-asa", "cisco-asa"),
    ("zscaler", "zscaler"),
];

#[test]
fn every_sample_file_is_detected_and_every_line_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    // Files whose lines fit no layout their reader can know: read with --log-format.
    let undetectable = [
        "integrations_proxysg_test-proxy-bcreportermain_v1.log", // a custom ProxySG layout, no #Fields:
        "integrations_proxysg_test-proxy-bcreportermainv1.log",  // the same
        "lnav_logfile_w3c.5.log", // data lines that do not fit its own #Fields:
    ];
    let mut n = 0;
    for (folder, reader) in FOLDERS {
        let Ok(entries) = std::fs::read_dir(test_data().join(folder)) else {
            continue;
        };
        for e in entries {
            let path = e.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let store = dir.path().join(format!("s{n}"));
            n += 1;
            let mut args = vec![
                "ingest",
                "--store",
                store.to_str().unwrap(),
                "--source-time-zone",
                "UTC",
            ];
            let forced = undetectable.contains(&name.as_str());
            if forced {
                args.extend(["--log-format", reader]);
            }
            args.push(path.to_str().unwrap());
            let out = ok(&args);
            let r = &records(&store)[0];
            let expected = if name.starts_with("azure-sentinel_SymantecProxySG") {
                "proxysg"
            } else {
                reader
            };
            assert_eq!(
                r.format, expected,
                "{name}: detected as {} ({out})",
                r.format
            );
            let bytes = std::fs::read(&path).unwrap();
            let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64
                + u64::from(!bytes.is_empty() && !bytes.ends_with(b"\n"));
            assert_eq!(r.lines, lines, "{name}");
            assert_eq!(r.accepted + r.rejected, r.lines, "{name}");
            let q =
                netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
            assert_eq!(q.len() as u64, r.rejected, "{name}");
            assert!(q.iter().all(|x| !x.reason.is_empty()), "{name}");
        }
    }
    assert!(n >= 24, "{n} sample files");
}

#[test]
fn a_mixed_or_unknown_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let squid = sample("squid/integrations_squid_test-access-extensive.log");
    let apache = sample("apache-clf/crowdsec_apache2-logs.log");
    let mixed: String = squid
        .lines()
        .take(5)
        .chain(apache.lines().take(5))
        .map(|l| format!("{l}\n"))
        .collect();
    let m = dir.path().join("mixed.log");
    std::fs::write(&m, mixed).unwrap();
    let store = dir.path().join("store");
    let out = run(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        m.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("mixed.log") && err.contains("read equally well as squid and common (50%)"),
        "{err}"
    );
    let u = dir.path().join("notes.txt");
    std::fs::write(&u, "shopping list\nmilk\neggs\n").unwrap();
    let out = run(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        u.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("notes.txt: cannot tell the log format"),
        "{err}"
    );
}

#[test]
fn each_reader_reads_its_own_sample_line() {
    for f in netusage::formats::registry() {
        let cx = netusage::formats::FileContext::default();
        let mut p = f.begin(&cx);
        let mut events = 0;
        for (i, l) in f.sample().lines().enumerate() {
            match p.parse(l, i as u64 + 1) {
                Ok(netusage::formats::Parsed::Event(_)) => events += 1,
                Ok(_) => {}
                Err(e) => panic!("{}: {e}", f.name()),
            }
        }
        assert_eq!(events, 1, "{}", f.name());
        if !f.detectable() {
            continue;
        }
        let head = f.sample().to_string() + "\n";
        match netusage::formats::detect::detect(head.as_bytes(), &cx) {
            netusage::formats::detect::Detection::Found(g, _) => assert_eq!(g.name(), f.name()),
            _ => panic!("{} sample not detected", f.name()),
        }
    }
}

#[test]
fn zscaler_json_and_csv_feeds_read_exactly() {
    use netusage::formats::zscaler::Zscaler;
    let r = read_all(
        &Zscaler,
        &sample("zscaler/integrations_zscaler_zia_web_test-web.log"),
    );
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
            e.bytes_out,
            e.denied
        ),
        (
            ms_of("2021-12-31T07:07:07Z"),
            "81.2.69.193",
            Some("test@example.com"),
            "www.example.com",
            "CONNECT",
            200,
            65,
            Some(600),
            true
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.host_name(), e.url.as_ref(), e.status),
        ("www.example.com.com", "www.example.com.com/join/", 403)
    );
    // A CSV feed with the administrator's field list; %HH escapes stay in the URL.
    let cx = netusage::formats::FileContext {
        tz: chrono_tz::UTC,
        nss_fields: Some("%s{time},%s{login},%s{cip},%s{eurl},%s{action},%s{respcode}".into()),
        ..Default::default()
    };
    let mut p = Zscaler.begin(&cx);
    let line = r#""Tue Nov 10 09:15:02 2026","jsmith@council.gov.uk","10.0.0.5","www.facebook.com/a%20b","Allowed","200""#;
    match p.parse(line, 1).unwrap() {
        netusage::formats::Parsed::Event(e) => assert_eq!(
            (
                e.ts_ms,
                e.client_ip,
                e.host_name(),
                e.url.as_ref(),
                e.denied
            ),
            (
                ms_of("2026-11-10T09:15:02Z"),
                "10.0.0.5",
                "www.facebook.com",
                "www.facebook.com/a%20b",
                false
            )
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.parse(r#""Tue Nov 10 09:15:02 2026","x""#, 2).unwrap_err(),
        "NSS line has 2 fields, --nss-fields names 6"
    );
}

#[test]
fn juniper_srx_sessions_and_web_filter_read_exactly() {
    use netusage::formats::juniper::Juniper;
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
            ms_of("2026-11-10T08:15:02.123Z"),
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

#[test]
fn a_custom_squid_logformat_is_read_from_its_template() {
    let dir = tempfile::tempdir().unwrap();
    let d = recent_tuesday();
    let t = ms(&format!("{d}T10:00:00Z"));
    let log = dir.path().join("custom.log");
    std::fs::write(
        &log,
        format!(
            "{}.123    120 10.0.0.5 jsmith - TCP_DENIED/403 3900 GET http://www.facebook.com/ \"Mozilla/5.0 (X11; Linux)\" 192.168.1.1\n\
             {}.500 7 10.0.0.6 - - TCP_MISS/200 512 GET http://x.com/a \"curl/8\" 192.168.1.1\n\
             not a line of this layout\n",
            t / 1000,
            t / 1000 + 60
        ),
    )
    .unwrap();
    let store = dir.path().join("store");
    let spec = r#"logformat custom %ts.%03tu %6tr %>a %un %ul %Ss/%03>Hs %<st %rm %ru "%{User-Agent}>h" %>la"#;
    ok(&[
        "ingest",
        "--store",
        store.to_str().unwrap(),
        "--squid-logformat",
        spec,
        log.to_str().unwrap(),
    ]);
    let r = &records(&store)[0];
    assert_eq!(
        (r.format.as_str(), r.lines, r.accepted, r.rejected),
        ("squid-logformat", 3, 2, 1)
    );
    let cx = netusage::formats::FileContext {
        squid_logformat: Some(spec.into()),
        ..Default::default()
    };
    let mut p = netusage::formats::logformat::SquidLogformat.begin(&cx);
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    match p.parse(lines[0], 1).unwrap() {
        netusage::formats::Parsed::Event(e) => assert_eq!(
            (
                e.ts_ms,
                e.elapsed_ms,
                e.client_ip,
                e.user.as_deref(),
                e.status,
                e.bytes,
                e.method,
                e.host_name(),
                e.denied
            ),
            (
                t + 123,
                Some(120),
                "10.0.0.5",
                Some("jsmith"),
                403,
                3900,
                "GET",
                "www.facebook.com",
                true
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(p.parse(lines[2], 3).is_err());
    // A layout with %tl and a quoted request line.
    let cx = netusage::formats::FileContext {
        squid_logformat: Some(r#"%>a %[ui %[un [%tl] "%rm %ru HTTP/%rv" %>Hs %<st"#.into()),
        ..Default::default()
    };
    let mut p = netusage::formats::logformat::SquidLogformat.begin(&cx);
    match p
        .parse(r#"10.0.0.7 - CORP%5Cann [10/Nov/2026:09:15:02 +0100] "CONNECT www.bbc.co.uk:443 HTTP/1.1" 200 4096"#, 1)
        .unwrap()
    {
        netusage::formats::Parsed::Event(e) => assert_eq!(
            (e.ts_ms, e.user.as_deref(), e.host_name(), e.status, e.bytes),
            (ms("2026-11-10T08:15:02Z"), Some("CORP%5Cann"), "www.bbc.co.uk", 200, 4096)
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn netfilter_and_pfsense_packet_logs_read_exactly() {
    use netusage::formats::packet::{Netfilter, PfFilterlog};
    // A syslog header without a year takes the file's (2026 here); `-D]` in the prefix: dropped.
    let r = read_all(
        &Netfilter,
        &sample("iptables/beats_filebeat_iptables_geo.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.bytes_out,
            e.denied
        ),
        (
            ms_of("2026-10-10T07:25:12Z"),
            "158.109.0.1",
            "10.4.0.5",
            Some(443),
            Some(52),
            true
        )
    );
    // Proxmox: `dd/Mon/yyyy:HH:MM:SS +0200`, `policy DROP:`.
    let r = read_all(
        &Netfilter,
        &sample("iptables/crowdsec_proxmox-iptables.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.denied),
        (
            ms_of("2022-06-20T11:09:14Z"),
            "10.3.94.11",
            "10.3.94.12",
            Some(3784),
            true
        )
    );
    let e = r[1].clone().unwrap().unwrap();
    assert!(!e.denied, "ACCEPT");
    // UniFi: a syslog line of another program in the same file is named.
    let r = read_all(&Netfilter, &sample("iptables/crowdsec_unifi-logs.log"));
    assert_eq!(
        r[3],
        Err("no SRC= address: not a netfilter LOG line".to_string())
    );
    // pfSense BSD syslog and RFC 5424 filterlog.
    let r = read_all(
        &PfFilterlog,
        &sample("pfsense/integrations_pfsense_test-pfsense-bsd.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.dst_port,
            e.denied,
            e.action
        ),
        (
            ms_of("2026-07-03T19:10:30Z"),
            "10.170.12.50",
            "1.1.1.1",
            Some(853),
            true,
            Some("block")
        )
    );
    let r = read_all(
        &PfFilterlog,
        &sample("pfsense/crowdsec_pfsense-rfc5424-filterlog.log"),
    );
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.dst_port, e.denied),
        (
            ms_of("2025-11-06T11:32:42.868Z"),
            "192.168.5.6",
            "192.168.1.100",
            Some(80),
            true
        )
    );
}

#[test]
fn quarantined_lines_of_any_reader_age_out_by_their_own_time() {
    // A W3C log (its time in the first two columns, not Unix seconds)
    // ingested as of June 2025: an old good line, an old malformed line that
    // still holds its date, and a good line from the end of May.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("u_ex.log");
    std::fs::write(
        &log,
        "#Fields: date time c-ip cs-method cs-uri sc-status\n\
         2025-05-20 09:00:00 10.0.0.5 GET http://x.com/ 200\n\
         2025-05-20 09:01:00 10.0.0.5 GET\n\
         2025-05-31 09:00:00 10.0.0.5 GET http://x.com/ 200\n",
    )
    .unwrap();
    let store = dir.path().join("store");
    let s = store.to_str().unwrap();
    ok(&[
        "ingest",
        "--store",
        s,
        "--now",
        "2025-06-01T00:00:00Z",
        log.to_str().unwrap(),
    ]);
    let r = &records(&store)[0];
    assert_eq!((r.format.as_str(), r.accepted, r.rejected), ("w3c", 2, 2));
    // A purge on 25 May 2026: 20 May 2025 is past the one-year window, 31 May
    // is not. The old event and the malformed line (dated by the w3c reader)
    // go; the header line, which has no time, stays with its source until the
    // source's events all expire.
    ok(&[
        "purge",
        "--store",
        s,
        "--now",
        "2026-05-25T00:00:00Z",
        "--execute",
    ]);
    let q = netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
    assert_eq!(q.iter().map(|x| x.line).collect::<Vec<_>>(), vec![1]);
    assert_eq!(records(&store).len(), 1);
}
