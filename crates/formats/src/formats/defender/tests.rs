//! Tests of the defender-network reader on records written in the
//! documented DeviceNetworkEvents layout (no export with a licence to copy).

use crate::formats::defender::DefenderNetwork;
use crate::formats::testdata::{ms, read_all};

#[test]
fn json_results_streaming_records_and_csv_rows_read_exactly() {
    let text = concat!(
        r#"{"Timestamp":"2026-11-10T09:15:02.1234567Z","DeviceId":"d1","DeviceName":"pc123.council.local","ActionType":"ConnectionSuccess","RemoteIP":"157.240.221.35","RemotePort":443,"RemoteUrl":"www.facebook.com","LocalIP":"10.0.0.5","LocalPort":50123,"Protocol":"Tcp","InitiatingProcessAccountDomain":"corp","InitiatingProcessAccountName":"jsmith","InitiatingProcessAccountUpn":""}"#,
        "\n",
        r#"{"time":"2026-11-10T09:16:03.000Z","tenantId":"t","operationName":"Publish","category":"AdvancedHunting-DeviceNetworkEvents","properties":{"Timestamp":"2026-11-10T09:16:00Z","ActionType":"ExploitGuardNetworkProtectionBlocked","RemoteIP":"1.2.3.4","RemotePort":443,"RemoteUrl":"https://www.bet365.com/en","LocalIP":"10.0.0.6","InitiatingProcessAccountName":"SYSTEM"}}"#,
        "\n",
        "Timestamp,DeviceId,DeviceName,ActionType,RemoteIP,RemotePort,RemoteUrl,LocalIP,LocalPort,Protocol,LocalIPType,RemoteIPType\n",
        "2026-11-10T09:17:00Z,d1,pc123.council.local,ConnectionSuccess,157.240.221.36,443,,10.0.0.5,50124,Tcp,Private,Public\n",
        "2026-11-10T09:18:00Z,d1,pc123.council.local,InboundConnectionAccepted,10.0.0.9,50000,,10.0.0.5,3389,Tcp,Private,Private\n",
        r#"{"Stats":{},"Schema":[],"Results":[]}"#,
        "\n",
        "DeviceId,Timestamp,ActionType\n",
    );
    let r = read_all(&DefenderNetwork, text);
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.dst_port,
            e.action,
            e.denied
        ),
        (
            ms("2026-11-10T09:15:02.123Z"),
            "10.0.0.5",
            Some("corp\\jsmith"),
            "www.facebook.com",
            Some(443),
            Some("ConnectionSuccess"),
            false
        )
    );
    // A Streaming API record: the row under `properties`; SYSTEM is no user.
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.host_name(),
            e.denied
        ),
        (
            ms("2026-11-10T09:16:00Z"),
            "10.0.0.6",
            None,
            "www.bet365.com",
            true
        )
    );
    assert_eq!(r[2], Ok(None));
    // A CSV row with no RemoteUrl: the remote address is the host.
    let e = r[3].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.clone(),
            e.host_name(),
            e.dst_port
        ),
        (
            ms("2026-11-10T09:17:00Z"),
            "10.0.0.5",
            None,
            "157.240.221.36",
            Some(443)
        )
    );
    assert_eq!(r[4], Ok(None));
    assert!(
        r[5].as_ref()
            .unwrap_err()
            .starts_with("an Advanced Hunting API response")
    );
    assert!(
        r[6].as_ref()
            .unwrap_err()
            .starts_with("a CSV header whose first columns")
    );
}
