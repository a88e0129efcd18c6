//! Log readers: one module per log format, each turning one raw line into a
//! [`RawEvent`] or a rejection reason.
//!
//! A reader knows nothing of classification or storage: it only splits a line
//! into fields as the vendor documents them. `detect` sniffs the format from the
//! first lines of a file.

pub mod detect;
pub mod squid;

use std::fmt;
use std::str::FromStr;

/// One request or connection as read from a log line, before enrichment.
///
/// Borrowed from the line it was parsed from. Times are UTC milliseconds since
/// the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent<'a> {
    /// When the request was logged: UTC, milliseconds since 1970-01-01.
    pub ts_ms: i64,
    /// Time the proxy spent on the request, in milliseconds, when logged.
    pub elapsed_ms: Option<u32>,
    /// Client address as logged.
    pub client_ip: &'a str,
    /// User name as logged (still URL-encoded, realm included); `None` for `-`.
    pub user: Option<&'a str>,
    /// Request method as logged (`CONNECT` for tunnels).
    pub method: &'a str,
    /// HTTP status code (0 when the proxy logged none).
    pub status: u16,
    /// Bytes sent to the client.
    pub bytes: u64,
    /// URL as logged (`host:port` for CONNECT).
    pub url: &'a str,
    /// Host part of the URL, not yet normalised (may hold upper case or a trailing dot).
    pub host: &'a str,
    /// The proxy or firewall blocked the request.
    pub denied: bool,
}

/// A log format the tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Squid `access.log`, native `squid` logformat (see [`squid`]).
    Squid,
}

impl Format {
    /// Every supported format, in the order `detect` tries them.
    pub const ALL: [Format; 1] = [Format::Squid];

    /// The name used on the command line and in `sources.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Squid => "squid",
        }
    }

    /// Parses one line (without its line ending).
    ///
    /// # Errors
    /// A short reason, stored with the line in quarantine.
    pub fn parse_line(self, line: &str) -> Result<RawEvent<'_>, &'static str> {
        match self {
            Format::Squid => squid::parse_line(line),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| format!("unknown log format `{s}` (known: squid)"))
    }
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

/// Splits `line` on runs of ASCII spaces and tabs.
pub(crate) fn fields(line: &str) -> impl Iterator<Item = &str> {
    line.split([' ', '\t']).filter(|f| !f.is_empty())
}

/// Extracts the host from a URL as proxies log it.
///
/// `scheme://[userinfo@]host[:port]/path` gives `host`; `host:port` (CONNECT)
/// gives `host`; `[v6]:port` gives `[v6]`. Returns `None` when no host can be
/// found (e.g. Squid's `error:invalid-request`).
pub fn url_host(url: &str) -> Option<&str> {
    let rest = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let mut authority = &rest[..end];
    if let Some(at) = authority.rfind('@') {
        authority = &authority[at + 1..];
    }
    let host = if authority.starts_with('[') {
        match authority.find(']') {
            Some(i) => &authority[..=i],
            None => return None,
        }
    } else {
        match authority.rfind(':') {
            Some(i) if authority[i + 1..].bytes().all(|b| b.is_ascii_digit()) => &authority[..i],
            Some(_) => return None,
            None => authority,
        }
    };
    if host.is_empty() || (!url.contains("://") && !url.contains(':') && !host.contains('.')) {
        return None;
    }
    Some(host)
}

#[cfg(test)]
mod tests {
    use super::url_host;

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
