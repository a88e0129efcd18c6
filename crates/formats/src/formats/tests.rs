//! Tests over every reader of the registry.

#[test]
fn each_reader_reads_its_own_sample_line() {
    for f in crate::formats::registry() {
        let cx = crate::formats::FileContext::default();
        let mut p = f.begin(&cx);
        let mut events = 0;
        for (i, l) in f.sample().lines().enumerate() {
            match p.parse(l, i as u64 + 1) {
                Ok(crate::formats::Parsed::Event(_)) => events += 1,
                Ok(_) => {}
                Err(e) => panic!("{}: {e}", f.name()),
            }
        }
        assert_eq!(events, 1, "{}", f.name());
        if !f.detectable() {
            continue;
        }
        let head = f.sample().to_string() + "\n";
        match crate::formats::detect::detect(head.as_bytes(), &cx) {
            crate::formats::detect::Detection::Found(g, _) => assert_eq!(g.name(), f.name()),
            // A Cisco WSA native line is a Squid line with more fields after
            // it: alone, the two readers tie (the file's other lines decide,
            // or --log-format cisco-wsa); squid is not slowed to tell them apart.
            crate::formats::detect::Detection::Tie("squid", "cisco-wsa", 100)
                if f.name() == "cisco-wsa" => {}
            _ => panic!("{} sample not detected", f.name()),
        }
    }
}

/// The line cut at byte `at` (moved back to a character boundary) with
/// `junk` put in there.
fn splice(line: &str, at: usize, junk: &str) -> String {
    let mut at = at.min(line.len());
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    format!("{}{junk}{}", &line[..at], &line[at..])
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Every reader, on any text and on its own sample lines cut and
    /// spliced with any text: no panic; a forked parser (what each block of
    /// a parallel ingest gets) reads a line exactly as the parser it was
    /// forked from; an event's time lies in 2000–2100 (UTC), as the readers
    /// promise; and the pre-scan of headers (`observe`) leaves a parser that
    /// reads the next line as one that parsed the header did.
    #[test]
    fn every_reader_survives_any_line_and_forks_alike(
        text in "\\PC{0,200}",
        at in 0usize..400,
        junk in "[ \t,;=\"\\[\\]{}:/\\\\a-z0-9\u{0}\u{7f}\u{e9}\u{200b}-]{0,12}",
    ) {
        for f in crate::formats::registry() {
            let cx = crate::formats::FileContext::default();
            let mut p = f.begin(&cx);
            let mut lines: Vec<String> = vec![text.clone()];
            for s in f.sample().lines() {
                lines.push(splice(s, at, &junk));
                lines.push(s.to_string());
            }
            for (i, line) in lines.iter().enumerate() {
                let number = i as u64 + 1;
                let mut forked = p.fork();
                let mut observer = p.fork();
                let mine = p.parse(line, number);
                let theirs = forked.parse(line, number);
                proptest::prop_assert_eq!(&mine, &theirs, "{}: {:?}", f.name(), line);
                if let Ok(crate::formats::Parsed::Event(e)) = &mine {
                    proptest::prop_assert!(
                        (946_684_800_000..4_102_444_800_000).contains(&e.ts_ms),
                        "{}: {} from {:?}", f.name(), e.ts_ms, line
                    );
                    let _ = e.host_name();
                }
                let _ = p.leading_time(line);
                if observer.has_directives() && line.starts_with('#') {
                    observer.observe(line, number);
                    let next = f.sample().lines().last().unwrap_or("");
                    proptest::prop_assert_eq!(
                        p.fork().parse(next, number + 1),
                        observer.parse(next, number + 1),
                        "{}: after {:?}", f.name(), line
                    );
                }
            }
        }
    }
}

/// Issue 27, "done when": every web or firewall sample in `tests/data` (the
/// shared samples with a licence to copy; not identity, DNS or fuzz inputs)
/// is detected through the syslog envelope, as ingest does, and read with
/// at least one event; every line is an event, a line of the format that is
/// not one, or a refusal whose reason says what the line was (`blank line`
/// as ingest words it). Counts per file, computed by hand from the files.
#[test]
fn every_sample_is_detected_and_every_line_accounted_for() {
    use crate::formats::{FileContext, Parsed, detect, envelope, testdata::data_dir};
    // (file, reader, lines, events, not events, refused)
    let expect: [(&str, &str, usize, usize, usize, usize); 42] = [
        ("apache-clf/crowdsec_apache2-logs.log", "common", 9, 7, 0, 2),
        (
            "apache-clf/lnav_logfile_access_log.0.log",
            "common",
            3,
            3,
            0,
            0,
        ),
        (
            "apache-clf/lnav_logfile_access_log.1.log",
            "common",
            1,
            1,
            0,
            0,
        ),
        (
            "cisco-asa/beats_x-pack_cisco_asa_test_asa_EXCERPT_first26.log",
            "cisco-asa",
            26,
            24,
            2,
            0,
        ),
        (
            "cisco-asa/logstash-patterns-core_firewalls_spec_EXTRACT.log",
            "cisco-asa",
            1,
            1,
            0,
            0,
        ),
        (
            "fortigate/beats_x-pack_fortinet_firewall_traffic.log",
            "fortigate",
            13,
            13,
            0,
            0,
        ),
        (
            "fortigate/beats_x-pack_fortinet_firewall_utm_webfilter_EXCERPT.log",
            "fortigate",
            7,
            7,
            0,
            0,
        ),
        (
            "iptables/beats_filebeat_iptables_geo.log",
            "netfilter",
            1,
            1,
            0,
            0,
        ),
        (
            "iptables/crowdsec_iptables-logs.log",
            "netfilter",
            4,
            4,
            0,
            0,
        ),
        (
            "iptables/crowdsec_iptables-scan-multi-port.log",
            "netfilter",
            49,
            49,
            0,
            0,
        ),
        (
            "iptables/crowdsec_proxmox-iptables.log",
            "netfilter",
            10,
            10,
            0,
            0,
        ),
        ("iptables/crowdsec_unifi-logs.log", "netfilter", 4, 3, 0, 1),
        (
            "iptables/logstash-patterns-core_firewalls_spec_EXTRACT.log",
            "netfilter",
            5,
            5,
            0,
            0,
        ),
        (
            "juniper/beats_x-pack_juniper_srx_utm.log",
            "juniper-srx",
            12,
            11,
            1,
            0,
        ),
        (
            "panos/beats_x-pack_panw_pan_inc_threat_EXCERPT_first17.log",
            "panos",
            17,
            17,
            0,
            0,
        ),
        (
            "panos/beats_x-pack_panw_pan_inc_traffic_EXCERPT_first10.log",
            "panos",
            10,
            10,
            0,
            0,
        ),
        ("pfsense/crowdsec_pf-logs.log", "pfsense", 9, 9, 0, 0),
        (
            "pfsense/crowdsec_pfsense-rfc5424-filterlog.log",
            "pfsense",
            5,
            4,
            0,
            1,
        ),
        (
            "pfsense/integrations_pfsense_test-pfsense-bsd.log",
            "pfsense",
            19,
            19,
            0,
            0,
        ),
        (
            "sophos/beats_x-pack_sophos_xg_cfilter.log",
            "sophos",
            10,
            8,
            0,
            2,
        ),
        (
            "sophos/integrations_sophos_utm_test-sophos-utm-http.log",
            "sophos",
            10,
            8,
            0,
            2,
        ),
        (
            "sophos/integrations_sophos_xg_test-xg-cfilter-new_EXCERPT_first5.log",
            "sophos",
            5,
            5,
            0,
            0,
        ),
        (
            "squid/beats_x-pack_squid_access1.log",
            "squid",
            100,
            100,
            0,
            0,
        ),
        (
            "squid/integrations_squid_test-access-extensive.log",
            "squid",
            11,
            11,
            0,
            0,
        ),
        (
            "w3c/azure-sentinel_SymantecProxySG_SyslogMessage_EXCERPT.log",
            "proxysg",
            8,
            8,
            0,
            0,
        ),
        (
            "w3c/integrations_proxysg_test-proxy-bcreportermain_v1.log",
            "proxysg",
            1,
            1,
            0,
            0,
        ),
        (
            "w3c/integrations_proxysg_test-proxy-bcreportermainv1.log",
            "proxysg",
            5,
            5,
            0,
            0,
        ),
        ("w3c/lnav_logfile_w3c.0.log", "w3c", 5, 1, 4, 0),
        ("w3c/lnav_logfile_w3c.1.log", "w3c", 7, 1, 6, 0),
        ("w3c/lnav_logfile_w3c.2.log", "w3c", 22, 14, 8, 0),
        ("w3c/lnav_logfile_w3c.3.log", "w3c", 10, 2, 4, 4),
        ("w3c/lnav_logfile_w3c.5.log", "w3c", 2, 1, 1, 0),
        ("w3c/lnav_logfile_w3c.6.log", "w3c", 5, 1, 4, 0),
        (
            "cisco-wsa/azure-sentinel_CiscoWSA_SyslogMessage_EXCERPT.log",
            "cisco-wsa",
            11,
            3,
            6,
            2,
        ),
        (
            "cloudflare-gateway/integrations_cloudflare_logpush_benchmark_test-pipeline-gateway-http.log",
            "cloudflare-gateway",
            4,
            3,
            0,
            1,
        ),
        (
            "ecs-json/integrations_forcepoint_web_logs_sample_event.log",
            "ecs-json",
            1,
            1,
            0,
            0,
        ),
        (
            "forcepoint/integrations_forcepoint_web_forcepoint-web-test.log",
            "forcepoint",
            1,
            1,
            0,
            0,
        ),
        (
            "forcepoint/integrations_forcepoint_web_full-sample_EXCERPT_first9.log",
            "forcepoint",
            9,
            9,
            0,
            0,
        ),
        (
            "iboss/datadog_iboss_tests_samples_EXTRACT.log",
            "iboss",
            3,
            2,
            1,
            0,
        ),
        (
            "netskope/integrations_netskope_events_v2_test-events.log",
            "netskope",
            5,
            3,
            2,
            0,
        ),
        (
            "umbrella/integrations_cisco_umbrella_test-umbrella-proxylogs.log",
            "umbrella",
            9,
            9,
            0,
            0,
        ),
        (
            "zscaler/integrations_zscaler_zia_web_test-web.log",
            "zscaler",
            6,
            5,
            0,
            1,
        ),
    ];
    let also = [
        ("panos/crowdsec_palo-alto-threat.log", "panos"),
        ("w3c/lnav_logfile_w3c.4.log", "w3c"),
        ("w3c/lnav_logfile_w3c_big.0.log", "w3c"),
    ];
    // Refusals and what each says the line was.
    let words = [
        "Apache error-log line",
        "syslog message of `sshd`",
        "blank line",
        "a Sophos record",
        "no client address: c-ip (or source) is `-`",
        "time `Thu Aug 29 09:20:35 2022`",
        "a Cisco WSA access line in a W3C layout",
        "Gateway record has neither SourceInternalIP nor SourceIP: no client address",
    ];
    let cx = FileContext {
        tz: chrono_tz::UTC,
        ..Default::default()
    };
    let mut seen = std::collections::BTreeSet::new();
    for (rel, reader, lines, events, skips, refused) in expect {
        let text = std::fs::read_to_string(data_dir().join(rel)).unwrap();
        let format = match detect::detect(text.as_bytes(), &cx) {
            detect::Detection::Found(f, _) => f,
            _ => panic!("{rel}: not detected"),
        };
        assert_eq!(format.name(), reader, "{rel}");
        let mut p = envelope::begin(format, &cx);
        let (mut ev, mut sk, mut re, mut n) = (0, 0, 0, 0);
        for (i, raw) in text.split('\n').enumerate() {
            if i + 1 == text.split('\n').count() && raw.is_empty() {
                break;
            }
            n += 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() {
                re += 1;
                continue;
            }
            match p.parse(line, i as u64 + 1) {
                Ok(Parsed::Event(_)) => ev += 1,
                Ok(Parsed::Skip(_)) => sk += 1,
                Err(reason) => {
                    re += 1;
                    let word = words.iter().find(|w| reason.contains(*w));
                    assert!(word.is_some(), "{rel} line {}: {reason}", i + 1);
                }
            }
        }
        assert_eq!((n, ev, sk, re), (lines, events, skips, refused), "{rel}");
        assert_eq!(ev + sk + re, n, "{rel}");
        seen.insert(rel.to_string());
    }
    for (rel, reader) in also {
        let text = std::fs::read_to_string(data_dir().join(rel)).unwrap();
        assert!(
            matches!(detect::detect(text.as_bytes(), &cx), detect::Detection::Found(f, _) if f.name() == reader),
            "{rel}"
        );
        seen.insert(rel.to_string());
    }
    // Every web or firewall sample in tests/data is listed above (the
    // top-sites list is a list of domains for `categories coverage`).
    for dir in std::fs::read_dir(data_dir()).unwrap() {
        let dir = dir.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !dir.is_dir() || ["identity", "dns", "fuzz", "top-sites"].contains(&name.as_str()) {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let rel = format!("{name}/{}", f.unwrap().file_name().to_string_lossy());
            assert!(seen.contains(&rel), "{rel} is not checked");
        }
    }
}
