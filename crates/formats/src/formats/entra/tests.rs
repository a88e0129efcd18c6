//! Tests of the entra-internet-access reader on hand-made records in the
//! layout of Microsoft Graph's `networkAccessTraffic` (the documentation's
//! example carries no licence to copy) and of the Log Analytics table.

use crate::formats::entra::EntraInternetAccess;
use crate::formats::testdata::{ms, read_all};

#[test]
fn graph_and_log_analytics_records_read_exactly() {
    let text = concat!(
        r#"{"tenantId":"t","createdDateTime":"2026-03-06T07:58:46.8346145Z","transactionId":"x1","connectionId":"c","trafficType":"internet","destinationIp":"157.240.221.35","destinationPort":443,"destinationFQDN":"www.facebook.com","sourceIp":"10.0.0.5","sourcePort":63391,"userPrincipalName":"jsmith@council.gov.uk","action":"allowed","sentBytes":1500,"receivedBytes":1000}"#,
        "\n",
        r#"{"TimeGenerated":"2026-03-06T08:00:00Z","TransactionId":"x2","DestinationIp":"1.2.3.4","DestinationPort":443,"SourceIp":"10.0.0.6","UserPrincipalName":"akhan@council.gov.uk","Action":"Block","SentBytes":10,"ReceivedBytes":0}"#,
        "\n",
        r#"{"createdDateTime":"2026-03-06T08:00:00Z","sourceIp":"10.0.0.6"}"#,
        "\n"
    );
    let r = read_all(&EntraInternetAccess, text);
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
            e.action,
            e.denied
        ),
        (
            ms("2026-03-06T07:58:46.834Z"),
            "10.0.0.5",
            Some("jsmith@council.gov.uk"),
            "www.facebook.com",
            Some(443),
            1000,
            Some(1500),
            Some("allowed"),
            false
        )
    );
    // Log Analytics names; no FQDN: the destination address is the host.
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (e.ts_ms, e.client_ip, e.host_name(), e.denied),
        (ms("2026-03-06T08:00:00Z"), "10.0.0.6", "1.2.3.4", true)
    );
    assert_eq!(
        r[2],
        Err("not an Entra traffic record: no destinationFQDN or transactionId".into())
    );
}
