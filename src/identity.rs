//! Identity: user-name normalisation and pseudonyms.

use std::borrow::Cow;

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Normalises a user name as logged: URL-decoded, realm stripped, lower case.
///
/// `CORP\JSmith`, `CORP%5CJSmith` and `jsmith@corp.local` all give `jsmith`.
/// When the log has no user (`None`, from `-`), the result is `ip:<client_ip>`
/// so every event belongs to someone (DESIGN.md, "The normalised event").
pub fn normalise_user<'a>(user: Option<&'a str>, client_ip: &str) -> Cow<'a, str> {
    let Some(user) = user else {
        return Cow::Owned(format!("ip:{client_ip}"));
    };
    let fast = user
        .bytes()
        .all(|b| !(b.is_ascii_uppercase() || matches!(b, b'\\' | b'@' | b'%')) && b.is_ascii());
    if fast {
        return Cow::Borrowed(user);
    }
    let decoded = percent_encoding::percent_decode_str(user).decode_utf8_lossy();
    let mut name: &str = &decoded;
    if let Some(i) = name.rfind('\\') {
        name = &name[i + 1..];
    }
    if let Some(i) = name.find('@') {
        name = &name[..i];
    }
    if name.is_empty() {
        return Cow::Owned(format!("ip:{client_ip}"));
    }
    Cow::Owned(name.to_lowercase())
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
    fn realms_and_encodings() {
        assert_eq!(normalise_user(Some("CORP\\JSmith"), "1.2.3.4"), "jsmith");
        assert_eq!(normalise_user(Some("CORP%5CJSmith"), "1.2.3.4"), "jsmith");
        assert_eq!(
            normalise_user(Some("jsmith@corp.local"), "1.2.3.4"),
            "jsmith"
        );
        assert_eq!(normalise_user(Some("jsmith"), "1.2.3.4"), "jsmith");
        assert_eq!(normalise_user(None, "10.0.0.7"), "ip:10.0.0.7");
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
