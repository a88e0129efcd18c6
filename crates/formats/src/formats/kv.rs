//! `key=value` log lines (FortiGate, Sophos): the tokenizer both readers use.
//!
//! A key is letters, digits, `_`, `-` or `.` directly followed by `=`. A
//! value is either quoted (`"..."`, with `\"` and `\\` unescaped, and `\=`
//! read as `=`, as FortiOS writes them; a quote never closed runs to the end
//! of the line, as in URLs FortiOS cut off) or unquoted, running up to the
//! next space that is followed by another `key=` (Sophos SFOS before 18.5
//! writes unquoted values with spaces).

use std::borrow::Cow;

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// The length of a `key=` starting at `s`, if one does.
fn key_len(s: &[u8]) -> Option<usize> {
    let n = s.iter().take_while(|&&b| is_key_byte(b)).count();
    (n > 0 && s.get(n) == Some(&b'=')).then_some(n)
}

/// Every `key=value` pair of `s`, in order; text that is not a pair (a
/// syslog header, `<189>`) is skipped.
pub fn pairs(s: &str) -> Vec<(&str, Cow<'_, str>)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let at_start = i == 0 || b[i - 1] == b' ' || b[i - 1] == b'>';
        let Some(k) = at_start.then(|| key_len(&b[i..])).flatten() else {
            i += 1;
            continue;
        };
        let key = &s[i..i + k];
        let v = i + k + 1;
        if b.get(v) == Some(&b'"') {
            let mut j = v + 1;
            let mut escaped = false;
            while j < b.len() && b[j] != b'"' {
                if b[j] == b'\\' {
                    escaped = true;
                    j += 1;
                }
                j += 1;
            }
            let raw = &s[v + 1..j.min(b.len())];
            let value = if escaped {
                Cow::Owned(super::split::unescape_backslashes(raw))
            } else {
                Cow::Borrowed(raw)
            };
            out.push((key, value));
            i = j + 1;
        } else {
            let mut j = v;
            while j < b.len() {
                if b[j] == b' ' && key_len(&b[j + 1..]).is_some() {
                    break;
                }
                j += 1;
            }
            out.push((key, Cow::Borrowed(s[v..j].trim_end())));
            i = j;
        }
    }
    out
}

/// The value of `key` among `pairs`, when present and not empty.
pub fn get<'p, 'a>(pairs: &'p [(&'a str, Cow<'a, str>)], key: &str) -> Option<&'p Cow<'a, str>> {
    pairs
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_unquoted_escaped_and_cut() {
        let p = pairs(
            r#"<189>date=2020-04-23 msg="a \"b\" c\=d" user_gp=Open Group iap=1 url="/cut%2"#,
        );
        let v: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_ref())).collect();
        assert_eq!(
            v,
            vec![
                ("date", "2020-04-23"),
                ("msg", "a \"b\" c=d"),
                ("user_gp", "Open Group"),
                ("iap", "1"),
                ("url", "/cut%2"),
            ]
        );
    }
}
