//! Time helpers shared by the readers: month names, the Common Log Format's
//! time, UTC offsets, local time in a zone, the plausible range of a log's
//! times, and a line's leading Unix time.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Tz;

use super::split::fields;

/// The month number of a three-letter English month name (`Jan` → 1).
pub fn month(name: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M.iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// A Common Log Format time, `08/Jun/2020:06:49:01 +0000`, as UTC ms. The
/// seconds may carry a fraction, kept to the millisecond
/// (`06:49:01.123 +0000`: Apache's `%{%d/%b/%Y:%H:%M:%S}t.%{msec_frac}t %z`,
/// mod_log_config "Custom Log Formats").
pub fn clf_time(s: &str) -> Option<i64> {
    let (local, zone) = s.split_once(' ')?;
    let mut p = local.split([':', '/']);
    let d: u32 = p.next()?.parse().ok()?;
    let mo = month(p.next()?)?;
    let y: i32 = p.next()?.parse().ok()?;
    let (h, mi): (u32, u32) = (p.next()?.parse().ok()?, p.next()?.parse().ok()?);
    let sec = p.next()?;
    let (se, frac) = sec.split_once('.').unwrap_or((sec, ""));
    if p.next().is_some() || frac.len() > 9 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let se: u32 = se.parse().ok()?;
    let milli: i64 = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |a, b| a * 10 + i64::from(b - b'0'));
    let naive = chrono::NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, se)?;
    let off = offset_seconds(zone)?;
    let ms = (naive.and_utc().timestamp() - i64::from(off)) * 1000 + milli;
    plausible(ms)
}

/// `+0200`, `-05:00`, `Z` as seconds east of UTC.
pub fn offset_seconds(zone: &str) -> Option<i32> {
    if zone == "Z" || zone == "UTC" || zone == "GMT" {
        return Some(0);
    }
    let sign = match zone.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits[..2].parse().ok()?;
    let m: i32 = digits[2..].parse().ok()?;
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// A local date and time in `tz` as UTC ms. An ambiguous time (the hour
/// repeated when clocks go back) is read as the first; a time that does not
/// exist (the hour skipped when clocks go forward) is `None`.
pub fn local_to_utc(naive: chrono::NaiveDateTime, tz: Tz) -> Option<i64> {
    use chrono::TimeZone;
    tz.from_local_datetime(&naive)
        .earliest()
        .and_then(|t| plausible(t.timestamp_millis()))
}

/// `ms` when it lies between 2000 and 2100 (UTC), else `None`.
pub fn plausible(ms: i64) -> Option<i64> {
    (946_684_800_000..4_102_444_800_000)
        .contains(&ms)
        .then_some(ms)
}

/// The time a raw log line starts with, when its first field is Unix seconds
/// with an optional fraction (Squid's `time.msec`): UTC milliseconds.
/// Used to age quarantined lines, which did not parse as a whole.
pub fn leading_timestamp_ms(raw: &str) -> Option<i64> {
    let first = fields(raw).next()?;
    let (secs, frac) = first.split_once('.').unwrap_or((first, ""));
    if secs.is_empty()
        || secs.len() > 11
        || !secs.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let ms: i64 = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0, |a, b| a * 10 + i64::from(b - b'0'));
    Some(secs.parse::<i64>().ok()? * 1000 + ms)
}

/// A `YYYY-MM-DD` date and an `HH:MM:SS` time (FortiOS' and Sophos'
/// `date=` and `time=` fields), as a local date-time.
pub fn date_time(date: &str, time: &str) -> Option<NaiveDateTime> {
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let t = NaiveTime::parse_from_str(time, "%H:%M:%S").ok()?;
    Some(NaiveDateTime::new(d, t))
}
