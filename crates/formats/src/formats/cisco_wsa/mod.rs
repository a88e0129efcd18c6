//! Cisco Secure Web Appliance (WSA, IronPort) access logs in the native
//! "Squid" layout, with the appliance's ACL decision tag and scanning
//! verdicts after the Squid fields.
//!
//! Source: Cisco "User Guide for AsyncOS for Cisco Secure Web Appliance",
//! chapter "Monitor System Activity Through Logs", sections "Access Log
//! File" (the fields) and "ACL Decision Tags":
//!
//! ```text
//! time.msec elapsed client code/status bytes method URL user hierarchy/server mime-type DECISION_TAG-policies <verdicts> suspect-UA
//! 1340875127.391 108 172.17.21.78 TCP_MISS_SSL/200 2545 GET https://www.survey-xact.dk:443/smartdesigner.jpg?surveyid=255703 - DIRECT/my.site.tk text/xml DEFAULT_CASE_11-DSBaccess-... <IW_busi,0.0,...> -
//! ```
//!
//! - Time: Unix seconds with milliseconds: UTC.
//! - Elapsed: milliseconds. Bytes: the response size to the client.
//! - User: `-` is none.
//! - Denial: a decision tag starting `BLOCK_` (including the
//!   `BLOCK_CONTINUE_*` warning pages) or `DROP_`, or a result code with
//!   `DENIED` in it. `ALLOW_*`, `DECRYPT_*`, `PASSTHRU_*`, `MONITOR_*`,
//!   `DEFAULT_CASE` are not denials.
//!
//! Lines the appliance writes in a W3C layout (`2021-06-02 12:13:34
//! 1589596903.150 178 ...`, configured field lists) are refused with a
//! reason: those logs are read by their `#Fields:` header. A log-forwarding
//! test line (`This is CiscoWSA test message`, as the Microsoft Sentinel
//! connector's sample has) is a line of this source that is not a request.
//!
//! Squid's reader reads a native WSA line too (its first ten fields are
//! Squid's): a file of WSA lines alone ties between the two readers, and
//! needs `--log-format cisco-wsa`.

use std::borrow::Cow;

use super::split::split_fields;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Cisco WSA native access log reader.
pub struct CiscoWsa;

impl LogFormat for CiscoWsa {
    fn name(&self) -> &'static str {
        "cisco-wsa"
    }
    fn description(&self) -> &'static str {
        "Cisco Secure Web Appliance (WSA) access log, native Squid-style layout with ACL decision tags, Unix times (AsyncOS User Guide: Access Log File, ACL Decision Tags)"
    }
    fn sample(&self) -> &'static str {
        r#"1762766102.391 108 10.0.0.5 TCP_DENIED/403 2545 GET https://www.facebook.com/ CORP\jsmith NONE/- text/html BLOCK_WEBCAT_12-Staff-Staff-NONE-NONE-NONE-DefaultRouting <IW_snet,0.0,"0","-",0,0,0,"1","-",-,-,-,"-","1",-,"-","-",-,-,IW_snet,-,"Unknown","-","Unknown","Unknown","-","-",188.52,0,-,"-","-"> -"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(WsaParser)
    }
}

#[derive(Clone, Copy)]
struct WsaParser;

/// True for an ACL decision tag: upper-case letters, digits and `_`,
/// starting with a letter (`DEFAULT_CASE_11`, `BLOCK_WEBCAT_12`, `OTHER`).
fn is_decision_tag(tag: &str) -> bool {
    tag.len() >= 4
        && tag.as_bytes()[0].is_ascii_uppercase()
        && tag
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

impl LineParser for WsaParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        if line.contains("This is CiscoWSA test message") {
            return Ok(Parsed::Skip(
                "a Cisco WSA log-forwarding test message, not a request",
            ));
        }
        let mut f = [""; 12];
        let n = split_fields(line, &mut f);
        if n >= 3 && f[0].len() == 10 && f[0].as_bytes()[4] == b'-' && f[1].contains(':') {
            return Err("a Cisco WSA access line in a W3C layout (starts with a date): read W3C access logs with their #Fields: header".into());
        }
        if n < 12 {
            return Err(Cow::Owned(format!(
                "not a Cisco WSA access line: {n} fields, the native layout has 12 or more (Squid's 10, the ACL decision tag, the verdicts)"
            )));
        }
        let ts_ms = super::time::leading_timestamp_ms(f[0])
            .and_then(super::time::plausible)
            .ok_or("the first field is not Unix seconds.milliseconds between 2000 and 2100")?;
        let tag_field = f[10];
        let decision = tag_field.split('-').next().unwrap_or("");
        if !is_decision_tag(decision) || !f[11].starts_with('<') {
            return Err(Cow::Owned(format!(
                "not a Cisco WSA access line: `{}` is not an ACL decision tag followed by <verdicts>",
                tag_field.chars().take(40).collect::<String>()
            )));
        }
        let (code, status) = f[3]
            .split_once('/')
            .ok_or("the result field is not CODE/STATUS")?;
        let status: u16 = status
            .parse()
            .map_err(|_| Cow::Owned(format!("status `{status}` is not a number")))?;
        let bytes: u64 = f[4]
            .parse()
            .map_err(|_| Cow::Owned(format!("size `{}` is not a number", f[4])))?;
        let elapsed_ms = f[1].parse::<u32>().ok();
        let denied = decision.starts_with("BLOCK_")
            || decision.starts_with("DROP_")
            || code.contains("DENIED");
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms,
            client_ip: f[2],
            user: (f[7] != "-").then_some(Cow::Borrowed(f[7])),
            method: f[5],
            status,
            bytes,
            bytes_out: None,
            url: Cow::Borrowed(f[6]),
            host: None,
            dst_port: None,
            action: Some(decision),
            denied,
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        super::time::leading_timestamp_ms(line).and_then(super::time::plausible)
    }
}

#[cfg(test)]
mod tests;
