//! Squid `access.log`, native format.
//!
//! Source: Squid's `logformat squid` definition (squid.conf documentation,
//! "logformat"): `%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt`,
//! that is
//!
//! ```text
//! time.msec  elapsed  client  code/status  bytes  method  URL  user  hierarchy/peer  type
//! 1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/209.73.177.115 -
//! ```
//!
//! Fields are separated by runs of spaces (the elapsed column is padded).
//! `user` is `-` when unauthenticated and may be URL-encoded (`CORP%5Cjsmith`).
//! Hierarchy codes appear both old-style (`DIRECT`) and with the `HIER_` prefix.
//!
//! The common extended layout some sites configure (client port after the
//! client, request/reply header sizes after the byte count, HTTP version after
//! the URL, extra quoted fields after the type) is read too: the fields are
//! found by shape, in the same order.
//!
//! A request counts as denied when its Squid result code contains `DENIED`
//! (`TCP_DENIED`, `TCP_DENIED_REPLY`, ...), including `TCP_DENIED/407`
//! authentication challenges: those never add browse time.

use std::borrow::Cow;

use super::split::{next_separator, split_fields};
use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason};

/// The Squid native reader (and the common extended layout).
pub struct Squid;

impl LogFormat for Squid {
    fn name(&self) -> &'static str {
        "squid"
    }
    fn description(&self) -> &'static str {
        "Squid access.log, native `squid` logformat and the common extended layout (squid.conf, logformat)"
    }
    fn sample(&self) -> &'static str {
        "1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT login.yahoo.com:443 badeyek DIRECT/209.73.177.115 -"
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(SquidParser)
    }
}

/// Squid lines carry no per-file state.
#[derive(Clone, Copy)]
struct SquidParser;

impl LineParser for SquidParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        // The event made right in the result (not made, then copied in).
        if let Some(n) = parse_native(line) {
            return Ok(Parsed::Event(n.event()));
        }
        parse_any_layout(line)
            .map(Parsed::Event)
            .map_err(Cow::Borrowed)
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        super::time::leading_timestamp_ms(line)
    }
}

/// Upper bound for plausible timestamps: 2100-01-01T00:00:00Z, in seconds.
const MAX_TS_S: i64 = 4_102_444_800;
/// Lower bound for plausible timestamps: 2000-01-01T00:00:00Z, in seconds.
const MIN_TS_S: i64 = 946_684_800;

/// Parses one Squid access-log line.
///
/// # Errors
/// A short reason naming the field that does not fit the format.
#[inline]
pub fn parse_line(line: &str) -> Result<RawEvent<'_>, &'static str> {
    match parse_native(line) {
        Some(n) => Ok(n.event()),
        None => parse_any_layout(line),
    }
}

/// Whether `c` separates fields (a space or a tab, as [`split_fields`]).
#[inline]
fn is_separator(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// The index of the first byte at or after `i` that is not a separator
/// (`b.len()` if none).
#[inline]
fn skip_separators(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_separator(b[i]) {
        i += 1;
    }
    i
}

/// The next field of `line` from `at` (separators before it skipped), and
/// where it ends; `None` at the end of the line.
#[inline(always)]
fn next_field(line: &str, at: usize) -> Option<(&str, usize)> {
    let b = line.as_bytes();
    let start = skip_separators(b, at);
    if start == b.len() {
        return None;
    }
    let end = next_separator(b, start);
    // Both ends are at ASCII bytes (or the line's end): char boundaries.
    Some((&line[start..end], end))
}

/// The decimal number of the 1 to `max` digits at `b[i..]` with a
/// separator right after them, and where they end (`max` at most 19: no
/// overflow).
#[inline(always)]
fn digits_then_separator(b: &[u8], i: usize, max: usize) -> Option<(u64, usize)> {
    let mut v = 0u64;
    let mut k = i;
    while k < b.len() && b[k].is_ascii_digit() {
        if k - i == max {
            return None;
        }
        v = v * 10 + u64::from(b[k] - b'0');
        k += 1;
    }
    (k > i && k < b.len() && is_separator(b[k])).then_some((v, k))
}

/// The native `squid` layout in one pass, for the lines that have exactly
/// its plain shape: `seconds.fraction`, elapsed milliseconds (or `-`), the
/// client, `CODE/STATUS`, the byte count, a method, the URL, the user and
/// `HIERARCHY/PEER` (no client port, no HTTP version), then at least one
/// more field. Each field is read as it is found, and nothing after the
/// tenth field's start is looked at. Every line it reads gives exactly the
/// event [`parse_any_layout`] gives (the test `native_reading_equals_the_
/// general_one` checks it on every shape of field); any other line gives
/// `None`, and the general reading decides, with its reasons. Two thirds of
/// the CPU of splitting and reading a realistic log's lines was spent on
/// what this skips.
#[inline]
fn parse_native(line: &str) -> Option<Native<'_>> {
    let b = line.as_bytes();
    // `seconds[.fraction]`: 1 to 12 digits, then at most 9.
    let start = skip_separators(b, 0);
    let mut i = start;
    let mut secs = 0i64;
    while i < b.len() && b[i].is_ascii_digit() {
        secs = secs * 10 + i64::from(b[i] - b'0');
        i += 1;
        if i - start > 12 {
            return None;
        }
    }
    if i == start || !(MIN_TS_S..MAX_TS_S).contains(&secs) {
        return None;
    }
    let mut ms = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - frac < 3 {
                ms = ms * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i - frac > 9 {
            return None;
        }
        for _ in (i - frac).min(3)..3 {
            ms *= 10;
        }
    }
    if !b.get(i).copied().is_some_and(is_separator) {
        return None;
    }
    // Elapsed milliseconds: `-`, or 1 to 9 digits (within a u32).
    i = skip_separators(b, i);
    let elapsed_ms = if b.get(i) == Some(&b'-') && b.get(i + 1).copied().is_some_and(is_separator) {
        i += 1;
        None
    } else {
        let (v, end) = digits_then_separator(b, i, 9)?;
        i = end;
        Some(u32::try_from(v).ok()?)
    };
    let (client_ip, end) = next_field(line, i)?;
    // `CODE/STATUS`: upper-case letters and `_`, then three digits. (Not
    // all digits: not the extended layout's client port.)
    i = skip_separators(b, end);
    let code_start = i;
    while i < b.len() && (b[i].is_ascii_uppercase() || b[i] == b'_') {
        i += 1;
    }
    let code = &b[code_start..i];
    if code.is_empty() || b.get(i) != Some(&b'/') {
        return None;
    }
    let (status, end) = digits_then_separator(b, i + 1, 3)?;
    if end - (i + 1) != 3 {
        return None;
    }
    let (bytes, end) = digits_then_separator(b, skip_separators(b, end), 19)?;
    let (method, end) = next_field(line, end)?;
    if !is_method(method) {
        return None;
    }
    let (url, end) = next_field(line, end)?;
    let (user, end) = next_field(line, end)?;
    if is_http_version(user) {
        return None;
    }
    let (hierarchy, end) = next_field(line, end)?;
    if !hierarchy.bytes().any(|c| c == b'/') {
        return None;
    }
    // A tenth field.
    if skip_separators(b, end) == b.len() {
        return None;
    }
    Some(Native {
        ts_ms: secs * 1000 + ms,
        elapsed_ms,
        client_ip,
        user,
        method,
        status: status as u16,
        bytes,
        url,
        denied: code.windows(6).any(|w| w == b"DENIED"),
    })
}

/// What [`parse_native`] read of a line: the fields of its event (kept
/// small, so the event is made where it is returned: [`Native::event`]).
#[derive(Clone, Copy)]
struct Native<'a> {
    ts_ms: i64,
    elapsed_ms: Option<u32>,
    client_ip: &'a str,
    user: &'a str,
    method: &'a str,
    status: u16,
    bytes: u64,
    url: &'a str,
    denied: bool,
}

impl<'a> Native<'a> {
    /// The event of the line.
    #[inline]
    fn event(self) -> RawEvent<'a> {
        RawEvent {
            ts_ms: self.ts_ms,
            elapsed_ms: self.elapsed_ms,
            client_ip: self.client_ip,
            user: (self.user != "-").then_some(Cow::Borrowed(self.user)),
            method: self.method,
            status: self.status,
            bytes: self.bytes,
            bytes_out: None,
            url: Cow::Borrowed(self.url),
            host: None,
            dst_port: None,
            action: None,
            denied: self.denied,
        }
    }
}

/// [`parse_line`] for every layout it reads, field by field after
/// splitting the line: the lines [`parse_native`] does not read, and the
/// reasons for those it refuses.
fn parse_any_layout(line: &str) -> Result<RawEvent<'_>, &'static str> {
    let mut t: [&str; 16] = [""; 16];
    let n = split_fields(line, &mut t);
    if n < 10 {
        return Err("fewer than 10 fields: not a Squid access-log line");
    }
    let ts_ms = parse_timestamp(t[0])
        .ok_or("timestamp is not `seconds.milliseconds` between 2000 and 2100")?;
    let elapsed_ms = match t[1] {
        "-" => None,
        s => Some(
            s.parse::<u32>()
                .map_err(|_| "elapsed time is not a number of milliseconds")?,
        ),
    };
    let client_ip = t[2];
    // Extended layouts put the client port after the client address.
    let mut i = 3;
    if !t[3].is_empty() && t[3].bytes().all(|b| b.is_ascii_digit()) {
        i = 4;
    }
    let slash = t[i]
        .bytes()
        .position(|b| b == b'/')
        .ok_or("result code is not `CODE/STATUS`")?;
    let (code, status) = (&t[i][..slash], &t[i][slash + 1..]);
    if code.is_empty() || !code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') {
        return Err("result code is not `CODE/STATUS`");
    }
    let status = if status.len() == 3 {
        status.parse::<u16>().ok()
    } else {
        None
    }
    .ok_or("HTTP status is not a three-digit number")?;
    let bytes = t[i + 1]
        .parse::<u64>()
        .map_err(|_| "byte count is not a number")?;
    // The method is the first upper-case word after the byte count.
    let mut m = i + 2;
    while m < n && !is_method(t[m]) {
        if m >= i + 7 {
            return Err("no request method after the byte count");
        }
        m += 1;
    }
    if m + 3 >= n {
        return Err("missing URL, user or hierarchy field");
    }
    let method = t[m];
    let url = t[m + 1];
    let mut u = m + 2;
    if is_http_version(t[u]) {
        u += 1;
    }
    if u + 1 >= n {
        return Err("missing user or hierarchy field");
    }
    let user = t[u];
    if !t[u + 1].bytes().any(|b| b == b'/') {
        return Err("hierarchy field is not `CODE/PEER`");
    }
    Ok(RawEvent {
        ts_ms,
        elapsed_ms,
        client_ip,
        user: if user == "-" || user.is_empty() {
            None
        } else {
            Some(Cow::Borrowed(user))
        },
        method,
        status,
        bytes,
        bytes_out: None,
        url: Cow::Borrowed(url),
        // The URL's: worked out by the consumer (once per distinct URL).
        host: None,
        dst_port: None,
        action: None,
        denied: code.as_bytes().windows(6).any(|w| w == b"DENIED"),
    })
}

/// Parses `seconds[.fraction]` into UTC milliseconds (fraction truncated to ms).
fn parse_timestamp(s: &str) -> Option<i64> {
    let (secs, frac) = match s.bytes().position(|b| b == b'.') {
        Some(i) => (&s[..i], &s[i + 1..]),
        None => (s, ""),
    };
    if secs.is_empty() || secs.len() > 12 || !secs.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) || frac.len() > 9 {
        return None;
    }
    let secs: i64 = secs.parse().ok()?;
    if !(MIN_TS_S..MAX_TS_S).contains(&secs) {
        return None;
    }
    let mut ms = 0i64;
    for k in 0..3 {
        ms = ms * 10 + frac.as_bytes().get(k).map_or(0, |b| i64::from(b - b'0'));
    }
    Some(secs * 1000 + ms)
}

fn is_method(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && s.len() <= 16
        && s.bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
}

fn is_http_version(s: &str) -> bool {
    // Most often this is the user field: neither `HTTP/` nor a digit first.
    if !s.starts_with("HTTP/") && !s.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return false;
    }
    let v = s.strip_prefix("HTTP/").unwrap_or(s);
    v.split_once('.').is_some_and(|(a, b)| {
        !a.is_empty() && !b.is_empty() && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
    }) || (s.starts_with("HTTP/") && v.bytes().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests;
