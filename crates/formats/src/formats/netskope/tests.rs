//! Tests of the netskope reader on real sample lines (tests/data, sources
//! and licences in tests/data/README.md).

use crate::formats::netskope::Netskope;
use crate::formats::testdata::{ms, read_all, sample};

#[test]
fn netskope_page_application_and_network_records_read_exactly() {
    let r = read_all(
        &Netskope,
        &sample("netskope/integrations_netskope_events_v2_test-events.log"),
    );
    assert_eq!(r.len(), 5);
    // Line 1: an application event, blocked; userip is the device's address.
    let e = r[0].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.bytes,
            e.bytes_out,
            e.dst_port,
            e.action,
            e.denied
        ),
        (
            ms("2024-02-26T23:16:25Z"),
            "192.168.10.2",
            Some("shannjain@autotest99.com"),
            "issue-checklist-prod-2.herokuapp.com",
            67997,
            Some(3_613_917),
            Some(6443),
            Some("block"),
            true
        )
    );
    // Lines 2 and 3: endpoint DLP and an incident: not requests.
    assert_eq!((r[1].clone(), r[2].clone()), (Ok(None), Ok(None)));
    // Line 4: a network record with no URL: the domain.
    let e = r[3].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.host_name(),
            e.dst_port,
            e.denied
        ),
        (
            ms("2024-02-20T06:09:45Z"),
            "192.168.13.2",
            Some("amark@democompany.com"),
            "metrogas.dummycompany.net",
            Some(2022),
            false
        )
    );
    // Line 5: a page event.
    let e = r[4].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.client_ip,
            e.user.as_deref(),
            e.url.as_ref(),
            e.host_name(),
            e.bytes,
            e.action,
            e.denied
        ),
        (
            "192.168.1.2",
            Some("areddy@democompany.com"),
            "ipcow.com/",
            "ipcow.com",
            3141,
            Some("restrictAccess"),
            false
        )
    );
}
