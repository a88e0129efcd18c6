//! Log readers: one type per log format behind one trait, [`LogFormat`],
//! listed in one registry, [`registry`]. Adding a format is one file and
//! one line of the registry.
//!
//! A reader knows nothing of classification or storage: it splits lines into
//! fields as the vendor documents them. Per-file state that can change
//! mid-file (a W3C `#Fields:` header) lives in the reader's [`LineParser`];
//! ingest parses blocks of lines in parallel, so it tracks that state with a
//! cheap pre-scan of header lines and gives each block a parser forked from
//! the state in force at its first line.

pub mod asa;
pub mod common;
pub mod detect;
pub mod fortigate;
pub mod juniper;
pub mod kv;
pub mod logformat;
pub mod packet;
pub mod panos;
pub mod sophos;
pub mod squid;
pub mod w3c;
pub mod zscaler;

use std::borrow::Cow;

use chrono_tz::Tz;

/// One request or connection as read from a log line, before enrichment.
///
/// Borrowed from the line where it can be; fields that a log escapes or
/// quotes are owned. Times are UTC milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent<'a> {
    /// When the request was logged: UTC, milliseconds since 1970-01-01.
    pub ts_ms: i64,
    /// Time the proxy spent on the request, in milliseconds, when logged.
    pub elapsed_ms: Option<u32>,
    /// Client address as logged.
    pub client_ip: &'a str,
    /// User name as logged (realm included, maybe URL-encoded); `None` when the log has none.
    pub user: Option<Cow<'a, str>>,
    /// Request method as logged (`CONNECT` for tunnels; empty for a connection record).
    pub method: &'a str,
    /// HTTP status code (0 when none was logged).
    pub status: u16,
    /// Bytes sent to the client (received by it).
    pub bytes: u64,
    /// Bytes the client sent, when logged.
    pub bytes_out: Option<u64>,
    /// URL as logged (`host:port` for CONNECT); `-` or empty when none.
    pub url: Cow<'a, str>,
    /// Host part of the URL, not yet normalised; the destination address for
    /// a connection record with no name. `None`: the URL's host, as
    /// [`url_host`] finds it (empty when it finds none), left for the
    /// consumer to work out: ingest does it once per distinct URL of a
    /// block, not once per line. [`RawEvent::host_name`] gives it either way.
    pub host: Option<Cow<'a, str>>,
    /// Destination port, when logged.
    pub dst_port: Option<u16>,
    /// The gateway's action as logged (`allow`, `deny`, `blocked`, ...), when it logs one.
    pub action: Option<&'a str>,
    /// The proxy or firewall blocked the request.
    pub denied: bool,
}

impl RawEvent<'_> {
    /// The host: as the reader gave it, or else the URL's ([`url_host`];
    /// empty when the URL has none).
    pub fn host_name(&self) -> &str {
        match &self.host {
            Some(h) => h,
            None => url_host(&self.url).unwrap_or(""),
        }
    }
}

/// What one line is.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<'a> {
    /// A request or connection.
    Event(RawEvent<'a>),
    /// A line of this format that is not a request or connection: a header
    /// (W3C `#Fields:`), or a record of another kind (a PAN-OS vulnerability,
    /// an ASA NAT message). Kept in quarantine with this description, so
    /// `accepted + rejected = lines`; it counts for the format in detection.
    Skip(&'static str),
}

/// Why a line was not read: a fixed reason, or one with the numbers in it.
pub type Reason = Cow<'static, str>;

/// Where a reader's time zone came from, for logs that write local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContext {
    /// The zone for local timestamps without an offset.
    pub tz: Tz,
    /// How `tz` was decided: `--source-time-zone` or `default`.
    pub tz_source: &'static str,
    /// The year for syslog headers that have none (the file's modification year).
    pub year: i32,
    /// The NSS feed's field names (`--nss-fields`), for Zscaler CSV/TSV feeds.
    pub nss_fields: Option<String>,
    /// A Squid `logformat` line (`--squid-logformat`), for custom Squid layouts.
    pub squid_logformat: Option<String>,
}

impl Default for FileContext {
    fn default() -> Self {
        FileContext {
            tz: chrono_tz::Europe::London,
            tz_source: "default",
            year: 2026,
            nss_fields: None,
            squid_logformat: None,
        }
    }
}

/// The per-file parser of one reader.
pub trait LineParser: Send + Sync {
    /// Parses one line (without its line ending); `number` is its line number in the file.
    ///
    /// # Errors
    /// A specific reason, stored with the line in quarantine.
    fn parse<'a>(&mut self, line: &'a str, number: u64) -> Result<Parsed<'a>, Reason>;

    /// A copy of this parser's state, for the block that starts here.
    fn fork(&self) -> Box<dyn LineParser>;

    /// True when some lines change the state (headers); ingest then pre-scans
    /// each block with [`LineParser::observe`].
    fn has_directives(&self) -> bool {
        false
    }

    /// Updates the state from a header line without parsing events (the pre-scan).
    fn observe(&mut self, _line: &str, _number: u64) {}

    /// The time (UTC ms) a line starts with, when it has a readable one, even
    /// if the line did not parse: quarantined lines age out with it.
    fn leading_time(&self, line: &str) -> Option<i64>;
}

/// A log format the tool reads.
pub trait LogFormat: Sync + Send {
    /// The name used on the command line and in `sources.jsonl`.
    fn name(&self) -> &'static str;
    /// Version of this reader (bumped when what it reads from a line changes).
    fn version(&self) -> u32 {
        1
    }
    /// One line saying what the format is and where its definition comes from.
    fn description(&self) -> &'static str;
    /// A sample line, for `netusage formats`.
    fn sample(&self) -> &'static str;
    /// Whether detection may pick this reader (false for one that needs
    /// settings from the command line, such as a Squid `logformat`).
    fn detectable(&self) -> bool {
        true
    }
    /// Whether local times need a zone from outside the line.
    fn uses_source_time_zone(&self) -> bool {
        false
    }
    /// A parser for one file.
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser>;
}

impl std::fmt::Debug for dyn LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every reader, in the order `detect` reports them.
pub fn registry() -> Vec<&'static dyn LogFormat> {
    vec![
        &squid::Squid,
        &common::Common,
        &w3c::W3c,
        &w3c::ProxySg,
        &fortigate::FortiGate,
        &sophos::Sophos,
        &panos::PanOs,
        &asa::Asa,
        &zscaler::Zscaler,
        &juniper::Juniper,
        &packet::Netfilter,
        &packet::PfFilterlog,
        &logformat::SquidLogformat,
    ]
}

/// The reader named `name`.
///
/// # Errors
/// No reader has that name: the known names are listed.
pub fn by_name(name: &str) -> Result<&'static dyn LogFormat, String> {
    registry()
        .into_iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| {
            format!(
                "unknown log format `{name}` (known: {})",
                registry()
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// `raw` with backslash escapes undone: `\x` becomes `x` (so `\"` is `"`,
/// `\\` is `\` and FortiOS' `\=` is `=`).
pub fn unescape_backslashes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The month number of a three-letter English month name (`Jan` → 1).
pub fn month(name: &str) -> Option<u32> {
    const M: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    M.iter()
        .position(|m| m.eq_ignore_ascii_case(name))
        .map(|i| i as u32 + 1)
}

/// A Common Log Format time, `08/Jun/2020:06:49:01 +0000`, as UTC ms.
pub fn clf_time(s: &str) -> Option<i64> {
    let (local, zone) = s.split_once(' ')?;
    let mut p = local.split([':', '/']);
    let d: u32 = p.next()?.parse().ok()?;
    let mo = month(p.next()?)?;
    let y: i32 = p.next()?.parse().ok()?;
    let (h, mi, se): (u32, u32, u32) = (
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
    );
    let naive = chrono::NaiveDate::from_ymd_opt(y, mo, d)?.and_hms_opt(h, mi, se)?;
    let off = offset_seconds(zone)?;
    let ms = (naive.and_utc().timestamp() - i64::from(off)) * 1000;
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

/// A method name as a static string, for methods parsed from owned text.
pub fn method_name(m: &str) -> &'static str {
    const KNOWN: [&str; 12] = [
        "GET", "POST", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS", "PATCH", "TRACE", "PROPFIND",
        "NONE", "OTHER",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(m))
        .copied()
        .unwrap_or("OTHER")
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

/// Splits `line` on runs of ASCII spaces and tabs (a byte loop: the
/// hottest code of ingest).
pub(crate) fn fields(line: &str) -> Fields<'_> {
    Fields { line, pos: 0 }
}

/// The index of the first space or tab in `b` at or after `from`, or
/// `b.len()`: eight bytes at a time (SWAR: a byte equal to the separator
/// becomes zero after an XOR, and `(x - 0x01..) & !x & 0x80..` marks zero
/// bytes; only bytes after a true zero can be marked falsely, so the lowest
/// mark is exact). Fields are short (5 to 100 bytes): a word-at-a-time loop
/// beats both a byte loop and a SIMD search's set-up.
fn next_separator(b: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let space = w ^ (LO * u64::from(b' '));
        let tab = w ^ (LO * u64::from(b'\t'));
        let marks = ((space.wrapping_sub(LO) & !space) | (tab.wrapping_sub(LO) & !tab)) & HI;
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
        i += 1;
    }
    i
}

/// Bit `i` set when byte `i` of `b` (16 bytes) is a space or a tab: one
/// SSE2 compare (SSE2 is part of every x86-64 processor).
#[cfg(target_arch = "x86_64")]
#[inline]
fn separators_16(b: &[u8; 16]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is always there on x86-64; the load reads the 16 bytes
    // of `b` (unaligned loads are allowed).
    unsafe {
        let v = _mm_loadu_si128(b.as_ptr().cast::<__m128i>());
        let hits = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)),
        );
        u64::from(_mm_movemask_epi8(hits) as u16)
    }
}

/// Bit `i` set when byte `i` of `b` (16 bytes) is a space or a tab.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn separators_16(b: &[u8; 16]) -> u64 {
    b.iter().enumerate().fold(0, |m, (i, &c)| {
        m | u64::from((c == b' ') | (c == b'\t')) << i
    })
}

/// Bit `i` set when byte `i` of `b` (at most 64 bytes) is a space or a tab,
/// and for every `i` past the end of `b` (those close the last field).
#[inline]
fn separator_mask(b: &[u8]) -> u64 {
    let mut mask = if b.len() >= 64 { 0 } else { !0u64 << b.len() };
    let mut k = 0;
    while let Some(piece) = b.get(k..k + 16) {
        mask |= separators_16(piece.try_into().expect("16 bytes")) << k;
        k += 16;
    }
    for (i, &c) in b.iter().enumerate().skip(k) {
        mask |= u64::from((c == b' ') | (c == b'\t')) << i;
    }
    mask
}

/// Splits `line` like [`fields`] into `out`, 64 bytes at a time: a bit mask
/// of the separators, and fields from where it turns on and off. Returns
/// how many fields it found, at most `out.len()` (the rest are not looked
/// for). The hottest code of a Squid ingest.
pub(crate) fn split_fields<'a>(line: &'a str, out: &mut [&'a str]) -> usize {
    let b = line.as_bytes();
    let mut n = 0;
    // The start of the field under way, if any.
    let mut open: Option<usize> = None;
    // The byte before the line counts as a separator.
    let mut before_sep = true;
    let mut at = 0;
    while at < b.len() {
        let sep = separator_mask(&b[at..b.len().min(at + 64)]);
        // Bit i of `prev`: byte i - 1 is a separator.
        let prev = (sep << 1) | u64::from(before_sep);
        let mut starts = !sep & prev;
        let mut ends = sep & !prev;
        // Starts and ends alternate: take them in order.
        loop {
            if let Some(start) = open {
                if ends == 0 {
                    break;
                }
                let end = at + ends.trailing_zeros() as usize;
                ends &= ends - 1;
                // Both ends are at ASCII bytes (or the line's end): char boundaries.
                out[n] = &line[start..end];
                n += 1;
                open = None;
                if n == out.len() {
                    return n;
                }
            } else {
                if starts == 0 {
                    break;
                }
                open = Some(at + starts.trailing_zeros() as usize);
                starts &= starts - 1;
            }
        }
        before_sep = sep >> 63 == 1;
        at += 64;
    }
    // A line whose length is a multiple of 64 has no padding to close its last field.
    if let Some(start) = open
        && n < out.len()
    {
        out[n] = &line[start..];
        n += 1;
    }
    n
}

/// The fields of a line: see [`fields`].
pub(crate) struct Fields<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.line.as_bytes();
        let mut i = self.pos;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i == b.len() {
            self.pos = i;
            return None;
        }
        let start = i;
        i = next_separator(b, i);
        self.pos = i;
        // Both ends are at ASCII bytes (or the ends of the line): char boundaries.
        Some(&self.line[start..i])
    }
}

/// Extracts the host from a URL as proxies log it.
///
/// `scheme://[userinfo@]host[:port]/path` gives `host`; `host:port` (CONNECT)
/// gives `host`; `[v6]:port` gives `[v6]`. Returns `None` when no host can be
/// found (e.g. Squid's `error:invalid-request`).
pub fn url_host(url: &str) -> Option<&str> {
    let b = url.as_bytes();
    // The first `://`: right after a scheme in the common case (letters,
    // digits, `+`, `-`, `.`: RFC 3986, 3.1), else wherever it is.
    let scheme = b
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
        .unwrap_or(b.len());
    let sep = if b[scheme..].starts_with(b"://") {
        Some(scheme)
    } else {
        // No `:` comes before `scheme` (the scheme's characters exclude it).
        memchr::memchr_iter(b':', &b[scheme..])
            .map(|j| scheme + j)
            .find(|&j| b[j + 1..].starts_with(b"//"))
    };
    let start = sep.map_or(0, |i| i + 3);
    // One pass over the authority: where it ends, its last `@` (user info
    // before it) and the last `:` after that (a port after it).
    let (mut end, mut at, mut colon) = (b.len(), None, None);
    for (k, &c) in b[start..].iter().enumerate() {
        match c {
            b'/' | b'?' | b'#' => {
                end = start + k;
                break;
            }
            b'@' => (at, colon) = (Some(start + k), None),
            b':' => colon = Some(start + k),
            _ => {}
        }
    }
    // Every cut below is at an ASCII byte: a char boundary.
    let from = at.map_or(start, |a| a + 1);
    let authority = &b[from..end];
    let host_end = if authority.first() == Some(&b'[') {
        match authority.iter().position(|&c| c == b']') {
            Some(i) => from + i + 1,
            None => return None,
        }
    } else {
        match colon {
            Some(i) if b[i + 1..end].iter().all(u8::is_ascii_digit) => i,
            Some(_) => return None,
            None => end,
        }
    };
    let host = &url[from..host_end];
    // A port (`colon`) is a `:` in the URL: no need to look for one.
    if host.is_empty()
        || (sep.is_none() && colon.is_none() && !b.contains(&b':') && !host.contains('.'))
    {
        return None;
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::{fields, next_separator, split_fields, url_host};

    #[test]
    fn split_fields_matches_the_field_iterator() {
        // Words of every length around the 64-byte chunks, separated by
        // runs of spaces and tabs, with and without separators at the ends.
        let words = [
            "a",
            "bc",
            "1700000000.123",
            &"x".repeat(63),
            &"y".repeat(64),
            &"z".repeat(65),
            "caf\u{e9}",
        ];
        let seps = [" ", "\t", "   ", " \t "];
        for lead in ["", " ", "\t\t"] {
            for trail in ["", " ", "\t"] {
                for count in 0..12 {
                    for shift in 0..words.len() {
                        let mut line = lead.to_string();
                        for k in 0..count {
                            if k > 0 {
                                line.push_str(seps[(k + shift) % seps.len()]);
                            }
                            line.push_str(words[(k * 3 + shift) % words.len()]);
                        }
                        line.push_str(trail);
                        let want: Vec<&str> = fields(&line).collect();
                        for cap in [16, 3, 1] {
                            let mut out = [""; 16];
                            let got = split_fields(&line, &mut out[..cap]);
                            let expect = &want[..want.len().min(cap)];
                            assert_eq!(&out[..got], expect, "line {line:?}, room for {cap}");
                        }
                    }
                }
            }
        }
        let mut out = [""; 4];
        assert_eq!(split_fields("", &mut out), 0);
        assert_eq!(split_fields(" \t ", &mut out), 0);
        assert_eq!(
            split_fields("1157689312.049   5006 10.105.21.199", &mut out),
            3
        );
        assert_eq!(out[..3], ["1157689312.049", "5006", "10.105.21.199"]);
    }

    #[test]
    fn separator_search_matches_a_byte_loop() {
        let slow = |b: &[u8], from: usize| {
            (from..b.len())
                .find(|&i| b[i] == b' ' || b[i] == b'\t')
                .unwrap_or(b.len())
        };
        // Every byte value at every place of a word and across words, with
        // and without a separator after it.
        for v in 0..=255u8 {
            for at in 0..20 {
                for tail in [&b""[..], b"x", b"xx ", b"\tyyyyyyyyy"] {
                    let mut line = vec![b'a'; at];
                    line.push(v);
                    line.extend_from_slice(tail);
                    for from in [0, at.min(3), at] {
                        assert_eq!(
                            next_separator(&line, from),
                            slow(&line, from),
                            "byte {v:#04x} at {at}, tail {tail:?}, from {from}"
                        );
                    }
                }
            }
        }
        assert_eq!(next_separator(b"1700000000.123    120 10.0.0.1", 0), 14);
        assert_eq!(next_separator(b"caf\xc3\xa9\xa0\x89\tx", 0), 7);
    }

    /// The previous, several-pass form of [`url_host`]'s authority rules.
    fn several_passes(url: &str) -> Option<&str> {
        let b = url.as_bytes();
        let scheme = b
            .iter()
            .position(|&c| !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')))
            .unwrap_or(b.len());
        let sep = if b[scheme..].starts_with(b"://") {
            Some(scheme)
        } else {
            (0..b.len()).find(|&j| b[j] == b':' && b[j + 1..].starts_with(b"//"))
        };
        let start = sep.map_or(0, |i| i + 3);
        let end = b[start..]
            .iter()
            .position(|&c| matches!(c, b'/' | b'?' | b'#'))
            .map_or(b.len(), |i| start + i);
        let mut from = start;
        if let Some(at) = b[from..end].iter().rposition(|&c| c == b'@') {
            from += at + 1;
        }
        let authority = &b[from..end];
        let host_end = if authority.first() == Some(&b'[') {
            from + authority.iter().position(|&c| c == b']')? + 1
        } else {
            match authority.iter().rposition(|&c| c == b':') {
                Some(i) if authority[i + 1..].iter().all(u8::is_ascii_digit) => from + i,
                Some(_) => return None,
                None => end,
            }
        };
        let host = &url[from..host_end];
        if host.is_empty() || (sep.is_none() && !b.contains(&b':') && !host.contains('.')) {
            return None;
        }
        Some(host)
    }

    #[test]
    fn one_pass_host_equals_the_several_pass_rules() {
        let mut n = 0;
        for scheme in [
            "",
            "http://",
            "HTTPS://",
            "x+y.z-1://",
            "a b://",
            "://",
            "ws:/",
        ] {
            for user in ["", "u@", "u:p@", "@", "a@b@", "u:1@"] {
                for host in [
                    "h.example.org",
                    "10.0.0.1",
                    "[2001:db8::1]",
                    "[::1",
                    "",
                    "h",
                    "h:x:1",
                ] {
                    for port in ["", ":", ":443", ":8a", "::80"] {
                        for rest in ["", "/", "/a:b@c", "?q=:@", "#f", "/p?x#y"] {
                            let url = format!("{scheme}{user}{host}{port}{rest}");
                            assert_eq!(url_host(&url), several_passes(&url), "{url}");
                            n += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(n, 7 * 6 * 7 * 5 * 6);
    }

    #[test]
    fn hosts_from_urls() {
        assert_eq!(
            url_host("http://www.Example.com/a?b"),
            Some("www.Example.com")
        );
        assert_eq!(
            url_host("https://user:pw@h.example.org:8443/x"),
            Some("h.example.org")
        );
        assert_eq!(url_host("login.yahoo.com:443"), Some("login.yahoo.com"));
        assert_eq!(url_host("[2001:db8::1]:443"), Some("[2001:db8::1]"));
        assert_eq!(url_host("http://10.0.0.1:8080"), Some("10.0.0.1"));
        assert_eq!(url_host("error:invalid-request"), None);
        assert_eq!(url_host("-"), None);
    }
}
