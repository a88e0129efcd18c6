//! NCSA Common and Combined Log Format, as Apache httpd and Squid write them.
//!
//! Sources: Apache httpd `mod_log_config` (`LogFormat "%h %l %u %t \"%r\" %>s %b"
//! common`, `"... \"%{Referer}i\" \"%{User-agent}i\"" combined`, and
//! `vhost_combined` with `%v:%p` first); Squid's `logformat common` and
//! `combined`, which add `%Ss:%Sh` (result and hierarchy codes) at the end.
//!
//! ```text
//! 10.0.0.5 - jsmith [08/Jun/2020:06:49:01 +0000] "GET http://www.bbc.co.uk/ HTTP/1.1" 200 803 "-" "Mozilla/5.0" TCP_MISS:HIER_DIRECT
//! ```
//!
//! - The time carries its offset: converted to UTC.
//! - The request line is quoted; `\"` and `\\` inside quotes are unescaped.
//!   A proxy logs an absolute URL or `host:port` (CONNECT): the host comes
//!   from it. A web server logs a path: the host is the virtual host when the
//!   line starts with one, else empty. `"-"` (no request) is read with no method.
//! - The client may be a host name (`HostnameLookups On`).
//! - A request is denied when Squid's trailing code says `DENIED`.

use std::borrow::Cow;

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The Common/Combined reader.
pub struct Common;

impl LogFormat for Common {
    fn name(&self) -> &'static str {
        "common"
    }
    fn description(&self) -> &'static str {
        "NCSA Common and Combined Log Format: Apache httpd mod_log_config, Squid `logformat common|combined`"
    }
    fn sample(&self) -> &'static str {
        r#"10.0.0.5 - jsmith [08/Jun/2020:06:49:01 +0000] "GET http://www.bbc.co.uk/ HTTP/1.1" 200 803 "-" "Mozilla/5.0" TCP_MISS:HIER_DIRECT"#
    }
    fn begin(&self, _cx: &FileContext) -> Box<dyn LineParser> {
        Box::new(CommonParser)
    }
}

#[derive(Clone, Copy)]
struct CommonParser;

impl LineParser for CommonParser {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        parse_line(line).map(Parsed::Event)
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(*self)
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        let open = line.find('[')?;
        let close = open + line[open..].find(']')?;
        super::time::clf_time(&line[open + 1..close])
    }
}

/// Reads one quoted field at the start of `s` (after optional spaces):
/// its text with `\"` and `\\` unescaped, and the rest of the line.
pub fn quoted(s: &str) -> Option<(Cow<'_, str>, &str)> {
    let s = s.trim_start_matches(' ');
    let body = s.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut escaped = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                escaped = true;
                i += 2;
                continue;
            }
            b'"' => {
                let raw = &body[..i];
                let text = if escaped {
                    Cow::Owned(super::split::unescape_backslashes(raw))
                } else {
                    Cow::Borrowed(raw)
                };
                return Some((text, &body[i + 1..]));
            }
            _ => i += 1,
        }
    }
    None
}

/// Parses one Common/Combined line.
///
/// # Errors
/// A reason naming the part that does not fit.
pub fn parse_line(line: &str) -> Result<RawEvent<'_>, Reason> {
    // Apache's error log: `[Thu Oct 13 12:24:49.880562 2022] [module:level] ...`.
    if line.starts_with('[') && line.contains("] [") {
        return Err(
            "an Apache error-log line (`[date] [module:level] ...`), not an access-log request"
                .into(),
        );
    }
    let open = line
        .find(" [")
        .ok_or("no `[day/Mon/year:HH:MM:SS +zone]` time: not a Common Log Format line")?;
    let close = open
        + line[open..]
            .find(']')
            .ok_or("the `[` of the time is never closed")?;
    let ts_ms = super::time::clf_time(&line[open + 2..close])
        .ok_or("time is not `dd/Mon/yyyy:HH:MM:SS +zzzz`")?;
    let head: Vec<&str> = line[..open].split(' ').filter(|f| !f.is_empty()).collect();
    let (vhost, client, user) = match head.as_slice() {
        [client, _ident, user] => (None, *client, *user),
        [vhost, client, _ident, user] => (Some(*vhost), *client, *user),
        _ => {
            return Err(Cow::Owned(format!(
                "{} fields before the time, where Common Log Format has 3 (host ident user) or 4 (with a virtual host)",
                head.len()
            )));
        }
    };
    let (request, rest) = quoted(&line[close + 1..]).ok_or("the request line is not quoted")?;
    let mut after = rest.split(' ').filter(|f| !f.is_empty());
    let status = after
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..=999).contains(s))
        .ok_or("status is not a three-digit number")?;
    let bytes = match after.next() {
        Some("-") => 0,
        Some(b) => b
            .parse::<u64>()
            .map_err(|_| "byte count is not a number or `-`")?,
        None => return Err("no byte count after the status".into()),
    };
    // Combined: referer and user agent, quoted; Squid adds `%Ss:%Sh` last.
    let mut tail = rest.trim_start();
    tail = tail.split_once(' ').map_or("", |(_, r)| r); // after status
    tail = tail.trim_start().split_once(' ').map_or("", |(_, r)| r); // after bytes
    let mut squid_code = "";
    let mut t = tail;
    while let Some((_, r)) = quoted(t) {
        t = r;
    }
    let last = t.trim();
    if !last.is_empty() {
        if last.contains(':')
            && last
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b':')
        {
            squid_code = last;
        } else if !tail.trim().is_empty() && quoted(tail).is_none() {
            return Err("unexpected text after the byte count".into());
        }
    }
    let (method, url) = if request == "-" {
        ("", Cow::Borrowed("-"))
    } else {
        let mut parts = request.splitn(3, ' ');
        let m = parts.next().unwrap_or("");
        let u = parts.next().ok_or("the request line has no URL")?;
        if m.is_empty()
            || !m
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_')
        {
            return Err("the request line does not start with a method".into());
        }
        let method: &str = match &request {
            Cow::Borrowed(r) => &r[..m.len()],
            Cow::Owned(_) => super::method_name(m),
        };
        let url = match &request {
            Cow::Borrowed(r) => Cow::Borrowed(&r[m.len() + 1..m.len() + 1 + u.len()]),
            Cow::Owned(_) => Cow::Owned(u.to_string()),
        };
        (method, url)
    };
    let host: Cow<'_, str> = match url_host(&url) {
        Some(h) if url.contains("://") || method == "CONNECT" => Cow::Owned(h.to_string()),
        _ => Cow::Borrowed(vhost.map_or("", |v| v.rsplit_once(':').map_or(v, |(h, _)| h))),
    };
    Ok(RawEvent {
        ts_ms,
        elapsed_ms: None,
        client_ip: client,
        user: (user != "-").then_some(Cow::Borrowed(user)),
        method,
        status,
        bytes,
        bytes_out: None,
        url,
        host: Some(host),
        dst_port: None,
        action: (!squid_code.is_empty()).then_some(squid_code),
        denied: squid_code.contains("DENIED"),
    })
}

#[cfg(test)]
mod tests;
