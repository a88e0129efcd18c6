//! One JSON object per line (the cloud gateways' exports: Netskope,
//! Cloudflare Logpush, Entra Internet Access, iboss, Elastic Common
//! Schema, Defender for Endpoint): the object's members, looked up by name
//! or by a dotted path through nested objects, as text.
//!
//! Values are kept as raw JSON until asked for; a string without escapes is
//! borrowed from the line, so an address or an action can be a `&str` of
//! the line as [`super::RawEvent`] wants.

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::value::RawValue;

use super::Reason;

/// The top-level members of a JSON object line, by name.
pub struct Object<'a>(HashMap<&'a str, &'a RawValue>);

impl<'a> Object<'a> {
    /// Parses `line` (leading and trailing blanks allowed) as one JSON object.
    ///
    /// # Errors
    /// The line is not a JSON object (the parser's reason, with its column),
    /// or a member name has escapes.
    pub fn parse(line: &'a str) -> Result<Object<'a>, Reason> {
        let t = line.trim();
        if !t.starts_with('{') {
            return Err("not a JSON object (does not start with `{`)".into());
        }
        serde_json::from_str::<HashMap<&'a str, &'a RawValue>>(t)
            .map(Object)
            .map_err(|e| Cow::Owned(format!("not a JSON object: {e}")))
    }

    /// The raw value of member `key`, or of the dotted `path` through
    /// nested objects (`source.ip` is `{"source":{"ip":...}}`; a member
    /// named with the dots, as flattened exports write it, is tried first).
    pub fn raw(&self, path: &str) -> Option<&'a RawValue> {
        if let Some(v) = self.0.get(path) {
            return Some(v);
        }
        let mut at = 0;
        // Each dot, left to right, splits the path into a member of this
        // object and the rest, looked up inside it.
        while let Some(i) = path[at..].find('.') {
            let (head, rest) = (&path[..at + i], &path[at + i + 1..]);
            if let Some(v) = self.0.get(head)
                && let Ok(inner) = Object::parse(v.get())
                && let Some(found) = inner.raw(rest)
            {
                return Some(found);
            }
            at += i + 1;
        }
        None
    }

    /// Member `path` as text ([`text`]); `None` when absent or `null`.
    pub fn get(&self, path: &str) -> Option<Cow<'a, str>> {
        self.raw(path).and_then(text)
    }

    /// Member `path` as text, when present and neither empty nor `-`.
    pub fn some(&self, path: &str) -> Option<Cow<'a, str>> {
        self.get(path).filter(|v| !v.is_empty() && v != "-")
    }

    /// Member `path` as a borrowed string: `None` when absent, empty, `-`,
    /// or written with escapes (an address never needs one).
    pub fn str(&self, path: &str) -> Option<&'a str> {
        match self.some(path)? {
            Cow::Borrowed(s) => Some(s),
            Cow::Owned(_) => None,
        }
    }

    /// Member `path` as a whole number, written as a number or a string.
    pub fn num(&self, path: &str) -> Option<u64> {
        self.some(path)?.trim().parse().ok()
    }

    /// True when the object has member `key` (at the top level).
    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }
}

/// A JSON value as text: a string unescaped (borrowed when it has no
/// escapes), a number or `true`/`false` as written, `null` as `None`;
/// arrays and objects as their JSON text.
pub fn text(v: &RawValue) -> Option<Cow<'_, str>> {
    let raw = v.get();
    if raw == "null" {
        return None;
    }
    Some(
        match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
            Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
            Some(_) => Cow::Owned(serde_json::from_str::<String>(raw).unwrap_or_default()),
            None => Cow::Borrowed(raw),
        },
    )
}

/// An RFC 3339 / ISO 8601 time with an offset or `Z` (any fraction of a
/// second, `2023-03-06T07:58:46.8346145Z`) as UTC milliseconds between
/// 2000 and 2100.
pub fn rfc3339_ms(s: &str) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(s.trim()).ok()?;
    super::time::plausible(t.timestamp_millis())
}

/// Unix time as written by exports that choose their unit: seconds
/// (up to 11 digits, optional fraction), milliseconds (13 digits) or
/// nanoseconds (19 digits), as UTC milliseconds between 2000 and 2100.
pub fn unix_ms(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let n: i64 = int.parse().ok()?;
    let ms = match int.len() {
        1..=11 => {
            let f: i64 = frac
                .bytes()
                .chain(std::iter::repeat(b'0'))
                .take(3)
                .fold(0, |a, b| a * 10 + i64::from(b - b'0'));
            n.checked_mul(1000)?.checked_add(f)?
        }
        13 if frac.is_empty() => n,
        16 if frac.is_empty() => n / 1000,
        19 if frac.is_empty() => n / 1_000_000,
        _ => return None,
    };
    super::time::plausible(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_by_name_and_dotted_path_and_times_in_any_unit() {
        let o = Object::parse(
            r#"{"@timestamp":"2023-01-13T00:30:45.891Z","source":{"ip":"10.0.0.5","nat":{"ip":"1.2.3.4"}},"user.name":"a\"b","n":12,"e":"","d":"-","z":null}"#,
        )
        .unwrap();
        assert_eq!(o.str("source.ip"), Some("10.0.0.5"));
        assert_eq!(o.str("source.nat.ip"), Some("1.2.3.4"));
        assert_eq!(o.get("user.name").as_deref(), Some("a\"b"));
        assert_eq!(o.str("user.name"), None);
        assert_eq!(o.num("n"), Some(12));
        assert_eq!((o.some("e"), o.some("d"), o.get("z")), (None, None, None));
        assert_eq!(o.get("source.port"), None);
        assert_eq!(
            rfc3339_ms("2023-03-06T07:58:46.8346145Z"),
            Some(1_678_089_526_834)
        );
        assert_eq!(unix_ms("1683147305"), Some(1_683_147_305_000));
        assert_eq!(unix_ms("1683147305000000000"), Some(1_683_147_305_000));
        assert_eq!(unix_ms("1748240093.321"), Some(1_748_240_093_321));
        assert_eq!(unix_ms("12345678901234"), None);
        assert!(Object::parse("[1]").is_err());
    }
}
