//! The host of a URL as proxies log it.

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
    use super::url_host;

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
