//! Tests of the w3c reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use crate::formats::testdata::{ms, read_all, sample};
#[test]
fn w3c_iis_tmg_and_proxysg_lines_read_exactly() {
    use crate::formats::w3c::{ProxySg, W3c};
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
            ms("2015-01-13T00:32:17Z"),
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
            ms("2026-11-10T09:15:02Z"),
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
        Err("W3C line has 4 fields, the #Fields header in force at line 4 has 29, and neither an earlier header of the file nor a default IIS or ProxySG layout fits it".to_string())
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
            ms("2020-05-01T22:22:53Z"),
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
}

/// A line's result and how it was read.
type Noted = (
    Result<Option<crate::formats::RawEvent<'static>>, String>,
    Option<String>,
);

/// A reader's parser over `text` (local times in UTC), as ingest runs it:
/// each line's result and how it was read.
fn read_noted(format: &dyn crate::formats::LogFormat, text: &str) -> Vec<Noted> {
    let cx = crate::formats::FileContext {
        tz: chrono_tz::UTC,
        ..Default::default()
    };
    let mut p = crate::formats::envelope::begin(format, &cx);
    let leaked: &'static str = Box::leak(text.to_string().into_boxed_str());
    leaked
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let r = match p.parse(l, i as u64 + 1) {
                Ok(crate::formats::Parsed::Event(e)) => Ok(Some(e)),
                Ok(crate::formats::Parsed::Skip(_)) => Ok(None),
                Err(r) => Err(r.into_owned()),
            };
            (r, p.reading().map(str::to_string))
        })
        .collect()
}

/// Item 3 of issue 27: the shared samples' ProxySG layouts, read with the
/// layout their values fit, which is recorded per line.
#[test]
fn proxysg_bcreportermain_v1_of_35_and_42_fields_read_exactly() {
    use crate::formats::w3c::ProxySg;
    let r = read_noted(
        &ProxySg,
        &sample("w3c/integrations_proxysg_test-proxy-bcreportermain_v1.log"),
    );
    let e = r[0].0.clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.status,
            e.bytes,
            e.bytes_out,
            e.method,
            e.action,
            e.denied
        ),
        (
            ms("2024-03-22T16:16:01Z"),
            "10.82.255.36",
            Some("steve"),
            "exampl1.com",
            201,
            89,
            Some(232),
            "",
            Some("PASS"),
            false
        )
    );
    assert_eq!(
        (e.url.as_ref(), e.dst_port, e.elapsed_ms),
        ("https://exampl1.com/home", Some(443), Some(48))
    );
    assert_eq!(
        r[0].1.as_deref(),
        Some("ProxySG bcreportermain_v1 (35 fields, as Elastic reads it)")
    );
    let r = read_noted(
        &ProxySg,
        &sample("w3c/integrations_proxysg_test-proxy-bcreportermainv1.log"),
    );
    assert_eq!(r.len(), 5);
    assert!(r.iter().all(|(e, _)| matches!(e, Ok(Some(_)))), "{r:?}");
    let e = r[1].0.clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.host_name(),
            e.status,
            e.bytes,
            e.bytes_out,
            e.method,
            e.action,
            e.denied
        ),
        (
            ms("2024-11-01T14:24:28Z"),
            "10.0.1.2",
            None,
            "tr6.snapchat.com",
            401,
            1297,
            Some(582),
            "OPTIONS",
            Some("DENIED"),
            true
        )
    );
    assert_eq!(
        r[1].1.as_deref(),
        Some("ProxySG bcreportermain_v1 (42 fields, Broadcom)")
    );
    // The 25-field layout, with custom fields after it, stays plain.
    let r = read_noted(
        &ProxySg,
        &sample("w3c/azure-sentinel_SymantecProxySG_SyslogMessage_EXCERPT.log"),
    );
    assert_eq!(r[0].1, None);
}

/// Item 2 of issue 27: W3C lines that drift from the header in force.
#[test]
fn w3c_lines_that_drift_from_their_header_are_read_with_the_layout_they_fit() {
    use crate::formats::w3c::W3c;
    // lnav's w3c.5: a 6-field header over a 17-field IIS 8.5 line.
    let r = read_noted(&W3c, &sample("w3c/lnav_logfile_w3c.5.log"));
    let e = r[1].0.clone().unwrap().unwrap();
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
            e.elapsed_ms,
            e.denied
        ),
        (
            ms("2015-01-13T00:32:17Z"),
            "157.55.39.146",
            None,
            "GET",
            "/robots.txt",
            404,
            1405,
            Some(242),
            Some(283),
            false
        )
    );
    assert_eq!(
        r[1].1.as_deref(),
        Some(
            "IIS 7.0/7.5 default + cs-host + sc-bytes cs-bytes (as IIS 8.5/10 default + sc-bytes cs-bytes, which read it alike)"
        )
    );
    // lnav's w3c.3: a value with doubled quotes inside (IIS Advanced Logging).
    let r = read_noted(&W3c, &sample("w3c/lnav_logfile_w3c.3.log"));
    let e = r[9].0.clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.host_name(),
            e.url.as_ref(),
            e.status,
            e.elapsed_ms
        ),
        (
            ms("2012-08-15T17:00:00.675Z"),
            "173.5.0.0",
            "hello.example.com",
            "/hello/world/6,681965",
            404,
            None
        )
    );
    assert_eq!(r[9].1, None);
    // An IIS excerpt with no #Fields:, then lines of the excerpt before
    // under a later header, then a line two layouts read differently.
    let text = "2026-11-10 09:15:02 W3SVC1 10.0.0.1 GET /a - 80 CORP\\jsmith 10.0.0.5 Mozilla/5.0 200 0 0\n\
        #Fields: date time c-ip cs-method cs-uri-stem sc-status\n\
        2026-11-10 09:16:00 10.0.0.6 GET /b 200\n\
        #Fields: date time c-ip cs-username cs-method cs-uri-stem sc-status sc-bytes\n\
        2026-11-10 09:17:00 10.0.0.7 GET /c 302\n\
        2026-11-10 09:18:00 10.0.0.8 GET /d 200 A B C D E F G H I J\n";
    let r = read_noted(&W3c, text);
    let e = r[0].0.clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.url.as_ref(),
            e.status
        ),
        (
            ms("2026-11-10T09:15:02Z"),
            "10.0.0.5",
            Some("CORP\\jsmith"),
            "/a",
            200
        )
    );
    assert_eq!(
        r[0].1.as_deref(),
        Some(
            "IIS 6.0 default (as IIS 6.0 default - s-sitename + s-computername, which read it alike)"
        )
    );
    let e = r[4].0.clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.url.as_ref(), e.status),
        (ms("2026-11-10T09:17:00Z"), "10.0.0.7", "/c", 302)
    );
    assert_eq!(
        r[4].1.as_deref(),
        Some("W3C layout of the earlier #Fields header at line 2")
    );
    assert_eq!(
        r[5].0,
        Err("W3C line has 16 fields, the #Fields header in force at line 4 has 8, and neither an earlier header of the file nor a default IIS or ProxySG layout fits it".to_string())
    );
}
