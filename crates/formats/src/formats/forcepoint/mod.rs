//! Forcepoint Web Security (Websense) transaction exports: one quoted CSV
//! record of 17 columns per line, as the Forcepoint Web Security Cloud
//! reporting export and SIEM feed write them.
//!
//! Source: the column names of Elastic's `forcepoint_web` integration
//! (`data_stream/logs`, fields `date`, `time`, `user`, `workstation`,
//! `category`, `action`, `risk_class`, `policy_name`, `url`,
//! `connection_ip`, `destination_ip`, `source_ip`, `user_agent_string`,
//! `http_status_code`, `http_request_method`), which reads this export
//! (Forcepoint Web Security Cloud Help, "Reporting: exporting transaction
//! data"). Columns 13 and 14 (`None` in every sample) are not read.
//!
//! - Time: `date` `dd/mm/yyyy` and `time` `HH:MM:SS`, in the time zone
//!   the cloud account reports in: read in `--source-time-zone`.
//! - Client: `source_ip` (the workstation's own address, when the cloud
//!   knows it), else `connection_ip` (the address the request reached the
//!   cloud from).
//! - User: `user`, except `anonymous` and `Not available` (no user).
//! - URL: as logged (`HTTPS://host/path`, or `host:443/` for CONNECT).
//! - No byte counts in this export: bytes are 0.
//! - Denial: `action` `Blocked` (or any action starting `Block`).

use std::borrow::Cow;

use chrono::NaiveDateTime;

use super::csv::csv_fields;
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Forcepoint Web Security reader.
pub struct Forcepoint;

/// Columns of a record.
const COLUMNS: usize = 17;

impl LogFormat for Forcepoint {
    fn name(&self) -> &'static str {
        "forcepoint"
    }
    fn description(&self) -> &'static str {
        "Forcepoint Web Security (Websense) 17-column CSV export, local times (Forcepoint Web Security Cloud reporting export, as Elastic's forcepoint_web integration reads it)"
    }
    fn sample(&self) -> &'static str {
        r#""10/11/2026","09:15:02","jsmith@council.gov.uk","PC123","Social Web - Facebook","Blocked","Productivity Loss","Staff","HTTPS://www.facebook.com/","81.2.69.193","157.240.221.35","10.0.0.5","None","None","Mozilla/5.0","403","Get""#
    }
    fn uses_source_time_zone(&self) -> bool {
        true
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(ForcepointParser { tz: cx.tz })
    }
}

#[derive(Clone, Copy)]
struct ForcepointParser {
    tz: chrono_tz::Tz,
}

impl ForcepointParser {
    fn time(&self, date: &str, time: &str) -> Option<i64> {
        let t =
            NaiveDateTime::parse_from_str(&format!("{date} {time}"), "%d/%m/%Y %H:%M:%S").ok()?;
        super::time::local_to_utc(t, self.tz)
    }
}

/// An address column: `None` for `Not available`, `None` or empty.
fn address<'a>(v: &Cow<'a, str>) -> Option<&'a str> {
    match v {
        Cow::Borrowed(s) if s.parse::<std::net::IpAddr>().is_ok() => Some(s),
        _ => None,
    }
}

impl LineParser for ForcepointParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        if !line.starts_with('"') {
            return Err("not a Forcepoint record (does not start with a quoted date)".into());
        }
        let f = csv_fields(line);
        if f.len() < 2 || f[0].len() != 10 || f[0].as_bytes().get(2) != Some(&b'/') {
            return Err(
                "not a Forcepoint record (the first column is not a dd/mm/yyyy date)".into(),
            );
        }
        if f.len() != COLUMNS {
            return Err(Cow::Owned(format!(
                "Forcepoint record has {} columns, the export has {COLUMNS}",
                f.len()
            )));
        }
        let ts_ms = self.time(&f[0], &f[1]).ok_or_else(|| {
            Cow::Owned(format!(
                "`{} {}` is not a dd/mm/yyyy HH:MM:SS time in the source time zone between 2000 and 2100",
                f[0], f[1]
            ))
        })?;
        let client = address(&f[11])
            .or_else(|| address(&f[9]))
            .ok_or("Forcepoint record has neither a source nor a connection IP")?;
        let user = match f[2].trim() {
            "" | "anonymous" | "Not available" | "None" => None,
            _ => Some(f[2].clone()),
        };
        let action = match &f[5] {
            Cow::Borrowed(a) if !a.is_empty() => Some(*a),
            _ => None,
        };
        let method = match f[16].trim() {
            "" | "None" => "",
            m => super::method_name(m),
        };
        if f[8].trim().is_empty() {
            return Err("Forcepoint record has no URL (column 9)".into());
        }
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: None,
            client_ip: client,
            user,
            method,
            status: f[15].trim().parse().unwrap_or(0),
            bytes: 0,
            bytes_out: None,
            url: f[8].clone(),
            host: None,
            dst_port: None,
            action,
            denied: action
                .is_some_and(|a| a.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("block"))),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let f = csv_fields(line);
        self.time(f.first()?, f.get(1)?)
    }
}

#[cfg(test)]
mod tests;
