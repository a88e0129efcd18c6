//! Comma-separated fields as firewalls write them (PAN-OS syslog, Zscaler
//! NSS CSV feeds): RFC 4180 quoting, a line at a time.

use std::borrow::Cow;

/// Splits CSV fields: `"..."` quoted, `""` a quote inside; borrowed when
/// a field needs no unquoting.
pub fn csv_fields(s: &str) -> Vec<Cow<'_, str>> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        if b.get(i) == Some(&b'"') {
            let mut j = i + 1;
            let mut text = String::new();
            let mut owned = false;
            while j < b.len() {
                if b[j] == b'"' {
                    if b.get(j + 1) == Some(&b'"') {
                        owned = true;
                        text.push('"');
                        j += 2;
                        continue;
                    }
                    break;
                }
                let ch = s[j..].chars().next().unwrap_or(' ');
                text.push(ch);
                j += ch.len_utf8();
            }
            out.push(if owned {
                Cow::Owned(text)
            } else {
                Cow::Borrowed(&s[i + 1..j.min(b.len())])
            });
            i = j + 1;
            match b.get(i) {
                Some(b',') => i += 1,
                _ => break,
            }
        } else {
            let end = s[i..].find(',').map_or(s.len(), |k| i + k);
            out.push(Cow::Borrowed(&s[i..end]));
            if end >= s.len() {
                break;
            }
            i = end + 1;
        }
    }
    out
}
