//! Helpers the VPN identity readers share: a syslog time with a year,
//! and a record of one address held by a VPN user.

use chrono::{NaiveDateTime, TimeZone};

use super::ReadContext;

/// The time at the start of a syslog line (after an optional `<PRI>`):
/// `Oct 10 2018 12:34:56` (Cisco's `logging timestamp` with the year, in
/// the device's local time: `cx.tz`) or RFC 3339 (`2018-10-10T12:34:56Z`,
/// with its own offset). UTC ms, and the rest of the line.
///
/// # Errors
/// A time without a year (`Oct 10 12:34:56`: the year is unknown) or no
/// time at all, as a reason.
pub fn leading_time<'a>(line: &'a str, cx: &ReadContext) -> Result<(i64, &'a str), String> {
    let mut s = line.trim_start();
    if s.starts_with('<')
        && let Some(end) = s.find('>')
        && s[1..end].bytes().all(|b| b.is_ascii_digit())
    {
        s = &s[end + 1..];
    }
    let first = s.split(' ').next().unwrap_or("");
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(first) {
        let rest = s[first.len()..].trim_start();
        return Ok((t.timestamp_millis(), rest));
    }
    // `Oct 10 2018 12:34:56` (days may be padded: `Oct  1 2018`).
    let mut parts = Vec::new();
    let mut rest = s;
    for _ in 0..4 {
        rest = rest.trim_start();
        let end = rest.find(' ').unwrap_or(rest.len());
        parts.push(&rest[..end]);
        rest = &rest[end..];
    }
    let text = parts.join(" ");
    match NaiveDateTime::parse_from_str(&text, "%b %d %Y %H:%M:%S") {
        Ok(t) => {
            let ms = cx
                .tz
                .from_local_datetime(&t)
                .earliest()
                .ok_or("the time does not exist in the source time zone (clocks went forward)")?
                .timestamp_millis();
            Ok((ms, rest.trim_start()))
        }
        Err(_) if chrono::NaiveTime::parse_from_str(parts[2], "%H:%M:%S").is_ok() => Err(
            "the syslog time has no year (`Oct 10 12:34:56`): set the device's `logging timestamp` to include it, or export with RFC 3339 times"
                .into(),
        ),
        Err(_) => Err(
            "no syslog time (`Oct 10 2018 12:34:56` or RFC 3339) at the start of the line".into(),
        ),
    }
}
