//! Tests of the skyhigh reader on lines written in the layout of the Web
//! Gateway's default Access Log rule (no sample with a licence to copy).

use crate::formats::skyhigh::Skyhigh;
use crate::formats::testdata::{ms, read_all};

#[test]
fn access_log_lines_read_exactly_and_block_reasons_are_denials() {
    let text = concat!(
        "# time_stamp \"auth_user\" src_ip status_code \"req_line\" \"categories\" \"rep_level\" \"media_type\" bytes_to_client \"user_agent\" \"virus_name\" \"block_res\"\n",
        "[10/Nov/2026:09:15:02 +0100] \"CORP\\jsmith\" 10.0.0.5 200 \"GET https://www.facebook.com/home.php HTTP/1.1\" \"Social Networking\" \"Minimal Risk\" \"text/html\" 5120 \"Mozilla/5.0 (Windows NT 10.0)\" \"\" \"0\"\n",
        "[10/Nov/2026:09:16:00 +0000] \"\" 10.0.0.6 403 \"CONNECT www.bet365.com:443 HTTP/1.1\" \"Gambling\" \"Unverified\" \"\" 0 \"\" \"\" \"10\"\n",
        "[10/Nov/2026:09:16:00 +0000] \"\" 10.0.0.6 403\n",
        "# notes about these logs\n",
    );
    let r = read_all(&Skyhigh, text);
    assert_eq!(r[0], Ok(None));
    let e = r[1].clone().unwrap().unwrap();
    assert_eq!(
        (
            e.ts_ms,
            e.client_ip,
            e.user.as_deref(),
            e.method,
            e.host_name(),
            e.status,
            e.bytes,
            e.action,
            e.denied
        ),
        (
            ms("2026-11-10T08:15:02Z"),
            "10.0.0.5",
            Some("CORP\\jsmith"),
            "GET",
            "www.facebook.com",
            200,
            5120,
            Some("0"),
            false
        )
    );
    let e = r[2].clone().unwrap().unwrap();
    assert_eq!(
        (e.user.clone(), e.method, e.host_name(), e.status, e.denied),
        (None, "CONNECT", "www.bet365.com", 403, true)
    );
    assert_eq!(
        r[3],
        Err("Web Gateway access line has 4 fields, the default layout has 12".into())
    );
    assert_eq!(
        r[4],
        Err("a `#` line that is not the access log's header (time_stamp ... block_res)".into())
    );
}
