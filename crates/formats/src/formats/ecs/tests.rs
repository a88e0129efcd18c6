//! Tests of the ecs-json reader on a real sample document (tests/data,
//! sources and licences in tests/data/README.md) and on hand-made ones.

use crate::formats::ecs::EcsJson;
use crate::formats::testdata::{ms, read_all, sample};
use crate::formats::{FileContext, LogFormat, Parsed};

#[test]
fn ecs_documents_read_exactly() {
    let r = read_all(
        &EcsJson,
        &sample("ecs-json/integrations_forcepoint_web_logs_sample_event.log"),
    );
    assert_eq!(r.len(), 1);
    // Elastic's Forcepoint document: the only source address is source.nat.ip.
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.url.as_ref(),
            e.host_name(),
            e.method,
            e.status,
            e.dst_port,
            e.action,
            e.denied
        ),
        (
            ms("2023-01-13T00:30:45.891Z"),
            "202.4.188.96",
            Some("anonymous"),
            "https://aom-au.nearmap.com:443/",
            "aom-au.nearmap.com",
            "CONNECT",
            200,
            Some(443),
            Some("allowed"),
            false
        )
    );
}

#[test]
fn ecs_flat_keys_denied_type_and_non_web_documents() {
    let mut p = EcsJson.begin(&FileContext::default());
    let flat = r#"{"@timestamp":"2026-11-10T09:15:02+01:00","source.ip":"10.0.0.5","user.name":"jsmith","url.full":"https://www.facebook.com/x","event.type":["denied","connection"],"http.response.bytes":"512"}"#;
    match p.parse(flat, 1).unwrap() {
        Parsed::Event(e) => assert_eq!(
            (e.ts_ms, e.client_ip, e.host_name(), e.bytes, e.denied),
            (
                ms("2026-11-10T08:15:02Z"),
                "10.0.0.5",
                "www.facebook.com",
                512,
                true
            )
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        p.parse(
            r#"{"@timestamp":"2026-11-10T09:15:02Z","process":{"name":"x"}}"#,
            2
        ),
        Ok(Parsed::Skip(_))
    ));
    assert_eq!(
        p.parse(
            r#"{"@timestamp":"2026-11-10T09:15:02Z","url":{"domain":"a.com"}}"#,
            3
        )
        .unwrap_err(),
        "ECS web event has no source.ip, client.ip, source.address or source.nat.ip"
    );
}
