//! Host normalisation and the registrable domain (eTLD+1).

use std::borrow::Cow;
use std::net::IpAddr;

/// Normalises a host as logged: lower case, no port, no trailing dot, no IPv6
/// brackets, internationalised names as punycode (IDNA, UTS #46).
///
/// Returns the input unchanged (borrowed) when it is already normal, which is
/// the common case on the ingest fast path.
pub fn normalise_host(raw: &str) -> Cow<'_, str> {
    let h = raw.trim_end_matches('.');
    let h = h
        .strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .unwrap_or(h);
    if !h.is_ascii() {
        return match idna::domain_to_ascii(h) {
            Ok(a) => Cow::Owned(a),
            Err(_) => Cow::Owned(h.to_lowercase()),
        };
    }
    if h.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(h.to_ascii_lowercase())
    } else {
        Cow::Borrowed(h)
    }
}

/// The registrable domain (eTLD+1) of a normalised host, from the Public
/// Suffix List (publicsuffix.org, as bundled by the `psl` crate).
///
/// IP literals and names the list cannot place (single-label internal names,
/// a bare public suffix) give the host itself.
pub fn registrable_domain(host: &str) -> &str {
    if host.is_empty() || host.parse::<IpAddr>().is_ok() {
        return host;
    }
    match psl::domain_str(host) {
        Some(d) => d,
        None => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(normalise_host("WWW.Facebook.COM."), "www.facebook.com");
        assert_eq!(normalise_host("[2001:DB8::1]"), "2001:db8::1");
        assert_eq!(normalise_host("bücher.example"), "xn--bcher-kva.example");
        assert!(matches!(
            normalise_host("plain.example.com"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(registrable_domain("static.xx.fbcdn.net"), "fbcdn.net");
        assert_eq!(registrable_domain("www.bbc.co.uk"), "bbc.co.uk");
        assert_eq!(registrable_domain("foo.blogspot.com"), "foo.blogspot.com");
        assert_eq!(registrable_domain("10.1.2.3"), "10.1.2.3");
        assert_eq!(registrable_domain("intranet"), "intranet");
        assert_eq!(registrable_domain(""), "");
    }
}
