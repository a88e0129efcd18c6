//! Identity: user-name normalisation and pseudonyms; the identity sources
//! (logons, DHCP leases, VPN accounting) and the attribution of events
//! logged with only an address.

pub mod attribute;
pub mod intervals;
pub use netusage_formats::identity as sources;

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The organisation's own realms (`[identity] local_realms`), lower case:
/// only these are stripped from logged user names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Realms(Vec<String>);

impl Realms {
    /// Realms from the config, in NetBIOS (`CORP`) or DNS (`corp.council.gov.uk`) form.
    pub fn new(names: &[String]) -> Realms {
        Realms(names.iter().map(|r| r.trim().to_lowercase()).collect())
    }

    /// True when `realm` (any case) is one of the organisation's own.
    pub fn is_local(&self, realm: &str) -> bool {
        self.0.iter().any(|r| r.eq_ignore_ascii_case(realm))
    }

    /// True when no realm is configured (every realm is then kept).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The realm of a normalised user name, when it kept one: `corp` of
/// `corp\jsmith`, `agency.co.uk` of `jsmith@agency.co.uk`.
pub fn realm_of(user: &str) -> Option<&str> {
    if user.starts_with("ip:") {
        return None;
    }
    if let Some((realm, _)) = user.split_once('\\') {
        return Some(realm);
    }
    user.rsplit_once('@').map(|(_, realm)| realm)
}

/// True when [`normalise_user`] has work to do on `user` (upper case, a
/// realm separator `\\` or `@`, a `%` escape, or non-ASCII); false when
/// `user` is already normal and is kept as it is.
pub fn needs_normalising(user: &str) -> bool {
    !user
        .bytes()
        .all(|b| !(b.is_ascii_uppercase() || matches!(b, b'\\' | b'@' | b'%')) && b.is_ascii())
}

/// Normalises a user name as logged: URL-decoded, lower case, and the realm
/// stripped only when it is one of the organisation's own (`realms`).
///
/// With `local_realms = ["CORP", "council.gov.uk"]`: `CORP\JSmith`,
/// `CORP%5CJSmith` and `jsmith@council.gov.uk` all give `jsmith`, while
/// `CONTRACTOR\jsmith` gives `contractor\jsmith` and
/// `jsmith@agency-temps.co.uk` stays as it is: different people keep
/// different names. When the log has no user (`None`, from `-`), the result
/// is `ip:<client_ip>` so every event belongs to someone (docs/STORE.md, "Events").
pub fn normalise_user<'a>(user: Option<&'a str>, client_ip: &str, realms: &Realms) -> Cow<'a, str> {
    logged_user(user, realms).unwrap_or_else(|| Cow::Owned(format!("ip:{client_ip}")))
}

/// The normalised name of a user as logged ([`normalise_user`]), or `None`
/// when the log has none (no user field, or a realm with no name): the
/// event is then address-only, and the store marks it so in its own column
/// (`user_logged` false), never by the text of the name, so a log line whose
/// user field reads `ip:10.0.0.50` is a logged name like any other.
pub fn logged_user<'a>(user: Option<&'a str>, realms: &Realms) -> Option<Cow<'a, str>> {
    let user = user?;
    if !needs_normalising(user) {
        return (!user.is_empty()).then_some(Cow::Borrowed(user));
    }
    // ASCII without `%` (most names with a realm): no decoding, and ASCII
    // lower case is Unicode lower case for it.
    let lower = if user.is_ascii() && !user.contains('%') {
        user.trim().to_ascii_lowercase()
    } else {
        let decoded = percent_encoding::percent_decode_str(user).decode_utf8_lossy();
        decoded.trim().to_lowercase()
    };
    let (name, realm) = if let Some((realm, name)) = lower.split_once('\\') {
        (name, Some(realm))
    } else if let Some((name, realm)) = lower.rsplit_once('@') {
        (name, Some(realm))
    } else {
        (lower.as_str(), None)
    };
    if name.is_empty() {
        return None;
    }
    Some(match realm {
        Some(r) if realms.is_local(r) => Cow::Owned(name.to_string()),
        Some("") => Cow::Owned(name.to_string()),
        _ => Cow::Owned(lower),
    })
}

/// The names in `known` close to `name` (Jaro-Winkler similarity of at
/// least 0.85), most similar first, at most five: what a misspelt user name
/// in a hold, a people file or a leave file probably meant.
pub fn close_matches<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let mut close: Vec<(f64, &str)> = known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(score, _)| *score >= 0.85)
        .collect();
    close.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    close.into_iter().take(5).map(|(_, k)| k).collect()
}

/// The pseudonym of a normalised user: `u-` + the first 12 hex characters of
/// HMAC-SHA256(key, user), where `key` is the store's 32-byte `secret.key`.
///
/// Stable within one store; unlinkable across stores with different keys.
pub fn pseudonym(key: &[u8], user: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(user.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("u-{}", &hex::encode(tag)[..12])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_realms_are_stripped() {
        let local = Realms::new(&["CORP".into(), "council.gov.uk".into()]);
        assert_eq!(
            normalise_user(Some("CORP\\JSmith"), "1.2.3.4", &local),
            "jsmith"
        );
        assert_eq!(
            normalise_user(Some("CORP%5CJSmith"), "1.2.3.4", &local),
            "jsmith"
        );
        assert_eq!(
            normalise_user(Some("jsmith@council.gov.uk"), "1.2.3.4", &local),
            "jsmith"
        );
        assert_eq!(normalise_user(Some("jsmith"), "1.2.3.4", &local), "jsmith");
        assert_eq!(
            normalise_user(Some("CONTRACTOR\\jsmith"), "1.2.3.4", &local),
            "contractor\\jsmith"
        );
        assert_eq!(
            normalise_user(Some("jsmith@agency-temps.co.uk"), "1.2.3.4", &local),
            "jsmith@agency-temps.co.uk"
        );
        assert_eq!(normalise_user(None, "10.0.0.7", &local), "ip:10.0.0.7");
        // Non-ASCII names are lower-cased as Unicode; spaces around go.
        assert_eq!(
            normalise_user(Some("CORP\\ÅSA.Öberg"), "1.2.3.4", &local),
            "åsa.öberg"
        );
        assert_eq!(
            normalise_user(Some(" CORP\\JSmith "), "1.2.3.4", &local),
            "jsmith"
        );
        // No realms configured: every realm is kept.
        let none = Realms::default();
        assert_eq!(
            normalise_user(Some("CORP\\JSmith"), "", &none),
            "corp\\jsmith"
        );
        assert_eq!(realm_of("corp\\jsmith"), Some("corp"));
        assert_eq!(realm_of("jsmith@agency.co.uk"), Some("agency.co.uk"));
        assert_eq!(realm_of("jsmith"), None);
    }

    #[test]
    fn pseudonym_is_hmac_sha256_prefix() {
        // RFC 4231 test case 2: HMAC-SHA256("Jefe", "what do ya want for nothing?")
        // = 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843
        assert_eq!(
            pseudonym(b"Jefe", "what do ya want for nothing?"),
            "u-5bdcc146bf60"
        );
    }
}
