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
    // Sixteen bytes at a time, only the marked ones looked at.
    let (mut end, mut at, mut colon) = (b.len(), None, None);
    let mut k = start;
    'authority: while k < b.len() {
        let (marks, step) = match b.get(k..k + 16) {
            Some(chunk) => (authority_marks_16(chunk.try_into().expect("16 bytes")), 16),
            None => (authority_marks(&b[k..]), b.len() - k),
        };
        let mut m = marks;
        while m != 0 {
            let j = k + m.trailing_zeros() as usize;
            match b[j] {
                b'@' => (at, colon) = (Some(j), None),
                b':' => colon = Some(j),
                _ => {
                    end = j;
                    break 'authority;
                }
            }
            m &= m - 1;
        }
        k += step;
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

/// Whether `c` ends a URL's authority (`/`, `?`, `#`) or divides it (`@`
/// before the host, `:` before the port).
#[inline]
fn is_authority_mark(c: u8) -> bool {
    matches!(c, b'/' | b'?' | b'#' | b'@' | b':')
}

/// Bit `i` set when byte `i` of `b` (at most 32 bytes) is an authority
/// mark ([`is_authority_mark`]).
fn authority_marks(b: &[u8]) -> u32 {
    b.iter()
        .enumerate()
        .fold(0, |m, (i, &c)| m | u32::from(is_authority_mark(c)) << i)
}

/// Bit `i` set when byte `i` of `b` is an authority mark: five SSE2
/// compares (SSE2 is part of every x86-64 processor). Finding the end of
/// a host this way rather than a byte at a time took `url_host` from
/// 4.4 % to 2.6 % of a Squid ingest's CPU.
#[cfg(target_arch = "x86_64")]
#[inline]
fn authority_marks_16(b: &[u8; 16]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is always there on x86-64; the load reads the 16 bytes
    // of `b` (unaligned loads are allowed).
    unsafe {
        let v = _mm_loadu_si128(b.as_ptr().cast::<__m128i>());
        let is = |c: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(c as i8));
        let hits = _mm_or_si128(
            _mm_or_si128(
                _mm_or_si128(is(b'/'), is(b'?')),
                _mm_or_si128(is(b'#'), is(b'@')),
            ),
            is(b':'),
        );
        _mm_movemask_epi8(hits) as u32 & 0xffff
    }
}

/// Bit `i` set when byte `i` of `b` is an authority mark.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn authority_marks_16(b: &[u8; 16]) -> u32 {
    authority_marks(b)
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
            for user in [
                "",
                "u@",
                "u:p@",
                "@",
                "a@b@",
                "u:1@",
                "a-long-user:a-long-password@",
            ] {
                for host in [
                    "h.example.org",
                    "a-host-name-longer-than-sixteen-bytes.example.org",
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
        assert_eq!(n, 7 * 7 * 8 * 5 * 6);
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
