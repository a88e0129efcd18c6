//! How much of a list of hosts the category rules place: the reading of a
//! host list (one host or URL a line) and the count per category behind
//! `netusage categories coverage`.

use std::collections::BTreeMap;

use anyhow::bail;

use super::{Classification, Classifier, UNCATEGORISED};
use crate::formats::url_host;

/// One entry of a host list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedHost {
    /// Line number, from 1.
    pub line: usize,
    /// The line as written, without surrounding white space.
    pub input: String,
    /// The host it names (a URL's host; the line itself otherwise), not yet
    /// normalised.
    pub host: String,
}

/// Reads a host list: one host (`www.example.com`, `example.com:8080`) or
/// URL (`https://www.example.com/page`) a line. White space around an entry
/// is ignored; blank lines and lines starting with `#` are skipped. Every
/// other line counts once, repeats included.
///
/// # Errors
/// The first line that names no host: its number, text and why (white
/// space inside it, or a character no host name has, e.g.
/// `line 3: "a b.com" is not a host or URL: it has white space inside`).
pub fn read_host_list(text: &str) -> anyhow::Result<Vec<ListedHost>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let entry = raw.trim();
        if entry.is_empty() || entry.starts_with('#') {
            continue;
        }
        let line = i + 1;
        if entry.chars().any(char::is_whitespace) {
            bail!("line {line}: {entry:?} is not a host or URL: it has white space inside");
        }
        let host = match url_host(entry) {
            Some(h) => h,
            None if entry.contains("://") => {
                bail!("line {line}: {entry:?} is not a host or URL: it names no host")
            }
            None => entry,
        };
        let host = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if host.is_empty() {
            bail!("line {line}: {entry:?} is not a host or URL: it names no host");
        }
        if let Some(c) = host
            .chars()
            .find(|&c| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | ':')))
        {
            bail!("line {line}: {entry:?} is not a host or URL: {c:?} is in no host name");
        }
        out.push(ListedHost {
            line,
            input: entry.to_string(),
            host: host.to_string(),
        });
    }
    Ok(out)
}

/// Hosts per category over a list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Entries counted (every entry of the list, repeats included).
    pub total: usize,
    /// Entries per category, `uncategorised` included when any is.
    pub by_category: BTreeMap<String, usize>,
}

impl Coverage {
    /// Classifies every entry of `hosts` with `classifier`; returns the
    /// counts and each entry's classification, in list order.
    pub fn of(classifier: &Classifier, hosts: &[ListedHost]) -> (Self, Vec<Classification>) {
        let mut cov = Coverage::default();
        let each: Vec<Classification> =
            hosts.iter().map(|h| classifier.classify(&h.host)).collect();
        for c in &each {
            cov.total += 1;
            *cov.by_category.entry(c.category.to_string()).or_default() += 1;
        }
        (cov, each)
    }

    /// Entries some rule places (every category but `uncategorised`).
    pub fn categorised(&self) -> usize {
        self.total - self.uncategorised()
    }

    /// Entries no rule places.
    pub fn uncategorised(&self) -> usize {
        self.by_category.get(UNCATEGORISED).copied().unwrap_or(0)
    }

    /// `n` as a percentage of the entries, one decimal (0 for an empty list).
    pub fn share_pct(&self, n: usize) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        (n as f64 * 1000.0 / self.total as f64).round() / 10.0
    }

    /// The categories, most entries first (ties by name), `uncategorised`
    /// last whatever its count.
    pub fn ranked(&self) -> Vec<(&str, usize)> {
        let mut v: Vec<(&str, usize)> = self
            .by_category
            .iter()
            .map(|(k, &n)| (k.as_str(), n))
            .collect();
        v.sort_by(|a, b| {
            (a.0 == UNCATEGORISED, std::cmp::Reverse(a.1), a.0).cmp(&(
                b.0 == UNCATEGORISED,
                std::cmp::Reverse(b.1),
                b.0,
            ))
        });
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_hosts_and_urls_and_names_the_bad_line() {
        let list = read_host_list(
            "# top sites\n\nwww.google.com\n  https://GitHub.com/x?y=1  \r\nexample.com:8080\n[2001:db8::1]\nhttp://[2001:db8::2]:80/\n",
        )
        .unwrap();
        let hosts: Vec<(usize, &str)> = list.iter().map(|h| (h.line, h.host.as_str())).collect();
        assert_eq!(
            hosts,
            [
                (3, "www.google.com"),
                (4, "GitHub.com"),
                (5, "example.com"),
                (6, "2001:db8::1"),
                (7, "2001:db8::2"),
            ]
        );
        assert_eq!(list[1].input, "https://GitHub.com/x?y=1");
        let err = |t: &str| read_host_list(t).unwrap_err().to_string();
        assert_eq!(
            err("a.com\nb c.com\n"),
            "line 2: \"b c.com\" is not a host or URL: it has white space inside"
        );
        assert_eq!(
            err("https:///path\n"),
            "line 1: \"https:///path\" is not a host or URL: it names no host"
        );
        assert_eq!(
            err("ok.com\n\nbad\"host.com\n"),
            "line 3: \"bad\\\"host.com\" is not a host or URL: '\"' is in no host name"
        );
    }

    proptest::proptest! {
        /// Any text: a list or an error naming a line, never a panic; every
        /// entry kept names a host with no white space.
        #[test]
        fn any_text_is_a_list_or_a_line_error(text in "(\\PC|\n|\r|\t){0,200}") {
            match read_host_list(&text) {
                Ok(list) => {
                    for h in list {
                        proptest::prop_assert!(!h.host.is_empty() && !h.host.contains(char::is_whitespace));
                    }
                }
                Err(e) => proptest::prop_assert!(e.to_string().starts_with("line ")),
            }
        }
    }

    #[test]
    fn counts_per_category_and_overall() {
        let list = read_host_list(
            "www.facebook.com\nm.facebook.com\nwww.google.com\nintranet.council.local\n",
        )
        .unwrap();
        let (cov, each) = Coverage::of(&Classifier::bundled(), &list);
        assert_eq!(
            (cov.total, cov.categorised(), cov.uncategorised()),
            (4, 3, 1)
        );
        assert_eq!(
            cov.ranked(),
            [
                ("social_networking", 2),
                ("search", 1),
                ("uncategorised", 1)
            ]
        );
        assert_eq!((cov.share_pct(3), cov.share_pct(1)), (75.0, 25.0));
        assert_eq!(&*each[2].category, "search");
        assert_eq!(Coverage::default().share_pct(0), 0.0);
    }
}
