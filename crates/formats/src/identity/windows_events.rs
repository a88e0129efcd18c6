//! Windows Security log events, from `.evtx` files (read with the `evtx`
//! crate), as XML (Event Viewer's "Save as XML", `wevtutil qe /f:xml`, one
//! `<Event>` per record, with or without an `<Events>` root) or as Event
//! Viewer's CSV export (the rendered message's fields).
//!
//! Microsoft's audit documentation ("Audit Logon", "Audit Kerberos
//! Authentication Service"): 4624 *an account was successfully logged on*
//! (`TargetUserName`, `TargetDomainName`, `TargetLogonId`, `IpAddress`)
//! starts a hold of the client address, ended by 4634 *logged off* or 4647
//! *user initiated logoff* with the same `TargetLogonId`; 4768 *a Kerberos
//! TGT was requested* and 4769 *a service ticket was requested*
//! (`TargetUserName`, `IpAddress` as `::ffff:a.b.c.d`, `Status` 0x0 when
//! granted) start a hold with no logoff. Logons without a client address
//! (local, loopback), by computer or service accounts, failed ones, and any
//! other event are records refused with the reason.

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind windows-events`.
pub struct WindowsEvents;

/// Accounts that are not people.
const SERVICE_ACCOUNTS: [&str; 4] = [
    "system",
    "anonymous logon",
    "local service",
    "network service",
];

/// True when `text` starts with Event Viewer's CSV header.
fn is_csv_export(text: &str) -> bool {
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    first.contains("Date and Time,Source,Event ID,Task Category")
}

/// Reads one `<Event>` element into an observation or a refusal reason.
fn child<'a, 'i>(parent: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    parent
        .children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn event(node: roxmltree::Node<'_, '_>) -> Result<(i64, String, What), String> {
    let system = child(node, "System").ok_or("no <System> element")?;
    let id: u32 = child(system, "EventID")
        .and_then(|e| e.text())
        .and_then(|t| t.trim().parse().ok())
        .ok_or("no EventID")?;
    let time = child(system, "TimeCreated")
        .and_then(|e| e.attribute("SystemTime"))
        .ok_or("no TimeCreated SystemTime")?;
    let ts_ms = chrono::DateTime::parse_from_rfc3339(time.trim())
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(&format!("{}Z", time.trim())))
        .map_err(|_| format!("TimeCreated `{time}` is not a time"))?
        .timestamp_millis();
    let data = |name: &str| -> String {
        child(node, "EventData")
            .and_then(|d| {
                d.children()
                    .find(|c| c.is_element() && c.attribute("Name") == Some(name))
            })
            .and_then(|c| c.text())
            .unwrap_or("")
            .trim()
            .to_string()
    };
    decide(id, ts_ms, &data)
}

/// The observation an event gives, from its fields by their XML names
/// (`TargetUserName`, `TargetDomainName`, `TargetLogonId`, `IpAddress`,
/// `Status`), or why it gives none.
fn decide(
    id: u32,
    ts_ms: i64,
    data: &dyn Fn(&str) -> String,
) -> Result<(i64, String, What), String> {
    let user = || -> Result<String, String> {
        let name = data("TargetUserName");
        let domain = data("TargetDomainName");
        if name.is_empty() || name == "-" {
            return Err(format!("event {id} names no user"));
        }
        if name.ends_with('$') {
            return Err(format!(
                "event {id} is by a computer account ({name}), not a person"
            ));
        }
        let lower = name.to_lowercase();
        if SERVICE_ACCOUNTS.contains(&lower.as_str())
            || lower.starts_with("dwm-")
            || lower.starts_with("umfd-")
        {
            return Err(format!(
                "event {id} is by a service account ({name}), not a person"
            ));
        }
        Ok(
            if domain.is_empty() || domain == "-" || name.contains('@') {
                name
            } else {
                format!("{domain}\\{name}")
            },
        )
    };
    let address = || {
        normalise_ip(&data("IpAddress")).ok_or_else(|| {
            format!(
                "event {id} has no client address (IpAddress `{}`): a local logon",
                data("IpAddress")
            )
        })
    };
    match id {
        4624 => {
            let ip = address()?;
            let key = data("TargetLogonId");
            Ok((
                ts_ms,
                ip,
                What::Start {
                    user: user()?,
                    key: (!key.is_empty()).then_some(key),
                },
            ))
        }
        4634 | 4647 => {
            let key = data("TargetLogonId");
            if key.is_empty() {
                return Err(format!("event {id} has no TargetLogonId"));
            }
            Ok((ts_ms, String::new(), What::Stop { key }))
        }
        4768 | 4769 => {
            let status = data("Status");
            if !status.is_empty() && status != "0x0" && status != "0" {
                return Err(format!(
                    "event {id} is a refused Kerberos request (Status {status})"
                ));
            }
            let ip = address()?;
            Ok((
                ts_ms,
                ip,
                What::Start {
                    user: user()?,
                    key: None,
                },
            ))
        }
        4625 => Err("event 4625 is a failed logon: nobody held the address".into()),
        other => Err(format!(
            "event {other} is not a logon, logoff or Kerberos ticket event"
        )),
    }
}

/// Reads XML text holding `<Event>` elements; `line_of` gives each event's
/// line from its 1-based row in `text`.
fn read_xml(
    text: &str,
    out: &mut IdentityRecords,
    line_of: impl Fn(u32) -> u64,
) -> Result<(), String> {
    let body = text.trim_start_matches('\u{feff}');
    let body = match body.trim_start().strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or("", |(_, r)| r),
        None => body,
    };
    // One root is needed: wrap on the same line, so rows keep their numbers.
    let skipped_rows = text[..text.len() - body.len()].matches('\n').count() as u32;
    let wrapped = format!("<netusage-events>{body}</netusage-events>");
    let doc = roxmltree::Document::parse(&wrapped).map_err(|e| format!("not XML: {e}"))?;
    let mut events: Vec<roxmltree::Node<'_, '_>> = Vec::new();
    for n in doc.root_element().descendants() {
        if n.is_element() && n.tag_name().name() == "Event" {
            events.push(n);
        }
    }
    for n in events {
        let row = doc.text_pos_at(n.range().start).row + skipped_rows;
        let raw = &wrapped[n.range()];
        match event(n) {
            Ok((ts_ms, ip, what)) => out.observations.push(Observation {
                ts_ms,
                ip,
                what,
                line: line_of(row),
                raw: raw.to_string(),
            }),
            Err(reason) => out.reject(line_of(row), reason, raw),
        }
    }
    Ok(())
}

/// The fields of an Event Viewer CSV message (`Section:` lines, then
/// `\tName:\t\tvalue` lines), by (section, name).
fn message_fields(message: &str) -> std::collections::HashMap<(String, String), String> {
    let mut out = std::collections::HashMap::new();
    let mut section = String::new();
    for line in message.lines() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        if !line.starts_with(['\t', ' ']) {
            if let Some(h) = line.trim().strip_suffix(':') {
                section = h.to_string();
            }
            continue;
        }
        if let Some((k, v)) = line.trim().split_once(':') {
            out.entry((section.clone(), k.trim().to_string()))
                .or_insert_with(|| v.trim().to_string());
        }
    }
    out
}

/// Where each XML field is in an Event Viewer CSV message, per event.
fn csv_field(id: u32, name: &str) -> Option<(&'static str, &'static str)> {
    Some(match (id, name) {
        (4624, "TargetUserName") => ("New Logon", "Account Name"),
        (4624, "TargetDomainName") => ("New Logon", "Account Domain"),
        (4624, "TargetLogonId") => ("New Logon", "Logon ID"),
        (4624, "IpAddress") => ("Network Information", "Source Network Address"),
        (4634 | 4647, "TargetLogonId") => ("Subject", "Logon ID"),
        (4768 | 4769, "TargetUserName") => ("Account Information", "Account Name"),
        (4768, "TargetDomainName") => ("Account Information", "Supplied Realm Name"),
        (4768 | 4769, "IpAddress") => ("Network Information", "Client Address"),
        (4768, "Status") => ("Additional Information", "Result Code"),
        (4769, "Status") => ("Additional Information", "Failure Code"),
        _ => return None,
    })
}

/// Event Viewer's "Save All Events As… CSV": a header `Level` (or
/// `Keywords`), `Date and Time`, `Source`, `Event ID`, `Task Category`, and
/// each row with the rendered message as a sixth field. The time is local
/// (`--time-zone`) in the exporting machine's format: `10/11/2026 09:55:00`
/// is read day first (en-GB), `11/10/2026 9:55:00 AM` month first (en-US).
fn read_csv(bytes: &[u8], cx: &ReadContext, out: &mut IdentityRecords) -> Result<(), String> {
    use chrono::TimeZone;
    let mut r = ::csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes);
    let headers = r
        .headers()
        .map_err(|e| format!("cannot read the header: {e}"))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
    };
    let (Some(when_col), Some(id_col)) = (col("Date and Time"), col("Event ID")) else {
        return Err(
            "not an Event Viewer CSV export: no `Date and Time` and `Event ID` columns".into(),
        );
    };
    for rec in r.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                out.reject(
                    e.position().map_or(0, |p| p.line()),
                    format!("not a CSV record: {e}"),
                    "",
                );
                continue;
            }
        };
        let line = rec.position().map_or(0, |p| p.line());
        let raw = rec.iter().collect::<Vec<_>>().join(",");
        let when = rec.get(when_col).unwrap_or("").trim();
        let formats: &[&str] = if when.ends_with("AM") || when.ends_with("PM") {
            &["%m/%d/%Y %I:%M:%S %p"]
        } else {
            &["%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S"]
        };
        let ts_ms = formats
            .iter()
            .find_map(|f| chrono::NaiveDateTime::parse_from_str(when, f).ok())
            .and_then(|t| cx.tz.from_local_datetime(&t).earliest())
            .map(|t| t.timestamp_millis());
        let Some(ts_ms) = ts_ms else {
            out.reject(line, format!("`{when}` is not a date and time"), &raw);
            continue;
        };
        let Some(id) = rec.get(id_col).and_then(|x| x.trim().parse::<u32>().ok()) else {
            out.reject(line, "no event ID", &raw);
            continue;
        };
        let fields = message_fields(
            rec.get(headers.len())
                .or_else(|| rec.iter().next_back())
                .unwrap_or(""),
        );
        let data = |name: &str| -> String {
            csv_field(id, name)
                .and_then(|(s, k)| fields.get(&(s.to_string(), k.to_string())).cloned())
                .unwrap_or_default()
        };
        match decide(id, ts_ms, &data) {
            Ok((ts_ms, ip, what)) => out.observations.push(Observation {
                ts_ms,
                ip,
                what,
                line,
                raw,
            }),
            Err(reason) => out.reject(line, reason, &raw),
        }
    }
    Ok(())
}

impl IdentityReader for WindowsEvents {
    fn name(&self) -> &'static str {
        "windows-events"
    }

    fn describe(&self) -> &'static str {
        "Windows Security events 4624/4634/4647/4768/4769, .evtx or exported XML"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        head.starts_with(b"ElfFile\0") || {
            let t = String::from_utf8_lossy(head);
            t.contains("<Event ") || t.contains("<Event>") || is_csv_export(&t)
        }
    }

    fn read(&self, bytes: &[u8], cx: &ReadContext) -> Result<IdentityRecords, String> {
        let mut out = IdentityRecords::default();
        if bytes.starts_with(b"ElfFile\0") {
            let settings = evtx::ParserSettings::new().num_threads(1);
            let mut parser = evtx::EvtxParser::from_buffer(bytes.to_vec())
                .map_err(|e| format!("not a readable .evtx file: {e}"))?
                .with_configuration(settings);
            for (i, rec) in parser.records().enumerate() {
                match rec {
                    Ok(r) => {
                        let id = r.event_record_id;
                        read_xml(&r.data, &mut out, |_| id)?;
                    }
                    Err(e) => out.reject(i as u64 + 1, format!("a damaged record: {e}"), ""),
                }
            }
            return Ok(out);
        }
        let text = String::from_utf8_lossy(bytes);
        if is_csv_export(&text) {
            read_csv(bytes, cx, &mut out)?;
        } else {
            read_xml(&text, &mut out, u64::from)?;
        }
        Ok(out)
    }
}
