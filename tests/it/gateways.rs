//! The web gateway readers of issue 27 through the whole tool: every sample
//! file (copies in tests/data with their sources and licences) detected by
//! its content, every line accepted or refused with a reason, and each
//! reader listed by `netusage formats` with its source documentation.

use crate::common::*;

/// The reader each gateway sample folder's files are in, and the events
/// each file gives.
const FILES: [(&str, &str, &str, u64, u64); 9] = [
    (
        "umbrella",
        "integrations_cisco_umbrella_test-umbrella-proxylogs.log",
        "umbrella",
        9,
        9,
    ),
    (
        "netskope",
        "integrations_netskope_events_v2_test-events.log",
        "netskope",
        5,
        3,
    ),
    (
        "forcepoint",
        "integrations_forcepoint_web_forcepoint-web-test.log",
        "forcepoint",
        1,
        1,
    ),
    (
        "forcepoint",
        "integrations_forcepoint_web_full-sample_EXCERPT_first9.log",
        "forcepoint",
        9,
        9,
    ),
    // Two of the three WSA requests (2012) are past ten years: refused as such.
    (
        "cisco-wsa",
        "azure-sentinel_CiscoWSA_SyslogMessage_EXCERPT.log",
        "cisco-wsa",
        11,
        1,
    ),
    (
        "iboss",
        "datadog_iboss_tests_samples_EXTRACT.log",
        "iboss",
        3,
        2,
    ),
    (
        "cloudflare-gateway",
        "integrations_cloudflare_logpush_benchmark_test-pipeline-gateway-http.log",
        "cloudflare-gateway",
        4,
        3,
    ),
    (
        "ecs-json",
        "integrations_forcepoint_web_logs_sample_event.log",
        "ecs-json",
        1,
        1,
    ),
    ("entra-internet-access", "", "entra-internet-access", 2, 2),
];

/// Two Entra Internet Access records in the layout of Microsoft Graph's
/// `networkAccessTraffic` (values made up: the documentation's example has
/// no licence to copy).
const ENTRA: &str = concat!(
    r#"{"createdDateTime":"2025-03-06T07:58:46.8346145Z","transactionId":"x1","trafficType":"internet","destinationIp":"157.240.221.35","destinationPort":443,"destinationFQDN":"www.facebook.com","sourceIp":"10.0.0.5","userPrincipalName":"jsmith@council.gov.uk","action":"allowed","sentBytes":1500,"receivedBytes":1000}"#,
    "\n",
    r#"{"createdDateTime":"2025-03-06T07:59:46Z","transactionId":"x2","destinationFQDN":"www.bet365.com","sourceIp":"10.0.0.5","userPrincipalName":"jsmith@council.gov.uk","action":"block","sentBytes":10,"receivedBytes":0}"#,
    "\n"
);

/// Ingests `path` into `store` as of 2025-06-30 (the test clock), keeping
/// ten years (the longest `[retention] days`): every sample from 2015 on.
fn ingest(dir: &std::path::Path, store: &std::path::Path, path: &std::path::Path) -> String {
    let config = dir.join("ten-years.toml");
    std::fs::write(&config, "[retention]\ndays = 3650\n").unwrap();
    let args: [Arg; 8] = [
        &"ingest",
        &"--store",
        &store,
        &"--source-time-zone",
        &"UTC",
        &"--config",
        &config,
        &path,
    ];
    let out = command(&args)
        .env("NETUSAGE_TEST_CLOCK", "2025-06-30T00:00:00Z")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

#[test]
fn every_gateway_sample_is_detected_and_every_line_accounted_for() {
    let dir = tempfile::tempdir().unwrap();
    for (n, (folder, name, reader, lines, accepted)) in FILES.into_iter().enumerate() {
        let path = if name.is_empty() {
            let p = dir.path().join("entra.jsonl");
            std::fs::write(&p, ENTRA).unwrap();
            p
        } else {
            test_data().join(folder).join(name)
        };
        let store = dir.path().join(format!("s{n}"));
        let out = ingest(dir.path(), &store, &path);
        let r = &records(&store)[0];
        assert_eq!(r.format, reader, "{name}: detected as {} ({out})", r.format);
        assert_eq!((r.lines, r.accepted), (lines, accepted), "{folder}/{name}");
        assert_eq!(r.accepted + r.rejected, r.lines, "{name}");
        let q = netusage::store::quarantine::read(&store.join("quarantine"), &r.source).unwrap();
        assert_eq!(q.len() as u64, r.rejected, "{name}");
        assert!(q.iter().all(|x| !x.reason.is_empty()), "{name}");
    }
}

#[test]
fn formats_lists_every_gateway_reader_with_its_source() {
    let out = ok(&[&"formats"]);
    for (name, source) in [
        ("umbrella", "Log Formats and Versioning"),
        ("netskope", "REST API v2"),
        ("forcepoint", "Forcepoint Web Security"),
        ("cisco-wsa", "AsyncOS User Guide"),
        ("iboss", "iboss"),
        ("cloudflare-gateway", "Log fields, Gateway HTTP"),
        ("entra-internet-access", "networkAccessTraffic"),
        ("ecs-json", "Elastic Common Schema reference"),
        ("skyhigh", "Skyhigh Secure Web Gateway: Logging"),
        ("defender-network", "DeviceNetworkEvents table"),
    ] {
        let mut lines = out
            .lines()
            .skip_while(|l| !l.starts_with(&format!("{name} (reader version")));
        let head = lines
            .next()
            .unwrap_or_else(|| panic!("{name} not listed:\n{out}"));
        let entry: Vec<&str> = lines.take_while(|l| l.starts_with(' ')).collect();
        let entry = format!("{head}\n{}", entry.join("\n"));
        assert!(entry.contains(source), "{name}: {entry}");
    }
}
