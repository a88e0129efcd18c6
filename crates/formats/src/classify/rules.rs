//! Category rules: a table of exact-host and domain-suffix rules, and the
//! readers for each rule file format the tool bundles or accepts.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, bail};
use serde::Deserialize;

/// How a rule matches a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// Exactly this host.
    Host,
    /// This domain and every host below it, whole labels only
    /// (`example.com` matches `a.example.com`, never `badexample.com`).
    Domain,
}

impl MatchKind {
    /// `host` or `domain`, as written in rule files.
    pub fn name(self) -> &'static str {
        match self {
            MatchKind::Host => "host",
            MatchKind::Domain => "domain",
        }
    }
}

/// What a rule says about the hosts it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The service the host belongs to (`fbcdn.net` → `facebook`); `None`
    /// means "the registrable domain" (category-only lists).
    pub site: Option<Arc<str>>,
    /// Category name, e.g. `social_networking`.
    pub category: Arc<str>,
    /// The host is a CDN, widget or API host of its site: requests to it alone
    /// are not browse time (docs/METHOD.md, rule 4).
    pub embedded: bool,
    /// Where the rule's fact comes from, when its file records it per rule
    /// (the sixth column of a rule table: a URL for a hand-written fact,
    /// `v2fly <list> < <category list>` for a generated one); `None` when
    /// the tier's own credit (`data/README.md`) is the only source.
    pub source: Option<Arc<str>>,
}

/// The indexes' hasher: foldhash, seeded at random per process. The keys
/// come from the rule files (a few hundred thousand of them, hashed at every
/// start), the lookups from logs: a fast hash on short strings matters
/// more here than SipHash's defence, which only insertions would need.
type Index = HashMap<Box<str>, Rule, foldhash::fast::RandomState>;

/// A set of rules from one source, with exact-host and suffix indexes.
#[derive(Debug, Default)]
pub struct RuleSet {
    /// Name shown by `categories lookup` (e.g. `user`, `netusage`, `ut1`).
    pub name: String,
    exact: Index,
    suffix: Index,
}

/// `pattern` as an index key: trimmed, without a final dot, lower case
/// (copied once, and lower-cased only when it has upper case).
fn rule_key(pattern: &str) -> Box<str> {
    let key = pattern.trim().trim_end_matches('.');
    if key.bytes().any(|b| b.is_ascii_uppercase()) {
        key.to_ascii_lowercase().into()
    } else {
        key.into()
    }
}

impl RuleSet {
    /// An empty set named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        RuleSet {
            name: name.into(),
            ..Default::default()
        }
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.exact.len() + self.suffix.len()
    }

    /// True when the set holds no rule.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds (or replaces) a rule for `pattern`, a lower-case host or domain.
    pub fn insert(&mut self, kind: MatchKind, pattern: &str, rule: Rule) {
        let key = rule_key(pattern);
        match kind {
            MatchKind::Host => self.exact.insert(key, rule),
            MatchKind::Domain => self.suffix.insert(key, rule),
        };
    }

    /// Adds a rule only when `pattern` has none yet (first source wins).
    pub fn insert_if_absent(&mut self, kind: MatchKind, pattern: &str, rule: Rule) {
        let key = rule_key(pattern);
        let map = match kind {
            MatchKind::Host => &mut self.exact,
            MatchKind::Domain => &mut self.suffix,
        };
        map.entry(key).or_insert(rule);
    }

    /// The rule for a normalised host: an exact-host rule first, then the
    /// longest matching domain suffix. Returns the rule, its kind and pattern.
    pub fn lookup<'s>(&'s self, host: &str) -> Option<(&'s Rule, MatchKind, &'s str)> {
        if let Some((k, r)) = self.exact.get_key_value(host) {
            return Some((r, MatchKind::Host, k));
        }
        let mut rest = host;
        loop {
            if let Some((k, r)) = self.suffix.get_key_value(rest) {
                return Some((r, MatchKind::Domain, k));
            }
            match rest.find('.') {
                Some(i) => rest = &rest[i + 1..],
                None => return None,
            }
        }
    }

    /// Reads the tab-separated rule table used by the bundled files:
    /// `kind<TAB>pattern<TAB>site<TAB>category<TAB>embedded`, optionally
    /// followed by `<TAB>source` (where the rule's fact comes from; empty
    /// means none). `#` comments and blank lines are ignored.
    ///
    /// # Errors
    /// The line number and reason of the first malformed line.
    pub fn add_tsv(&mut self, text: &str) -> anyhow::Result<()> {
        for (i, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let f: Vec<&str> = line.split('\t').collect();
            if !(5..=6).contains(&f.len()) {
                bail!(
                    "line {}: expected 5 or 6 tab-separated fields, found {}",
                    i + 1,
                    f.len()
                );
            }
            let kind = parse_kind(f[0]).with_context(|| format!("line {}", i + 1))?;
            let embedded = match f[4] {
                "true" => true,
                "false" => false,
                other => bail!(
                    "line {}: embedded must be true or false, not `{other}`",
                    i + 1
                ),
            };
            if f[3].is_empty() {
                bail!("line {}: the category is empty", i + 1);
            }
            let site = (!f[2].is_empty()).then(|| Arc::from(f[2]));
            let source = f.get(5).filter(|s| !s.is_empty()).map(|s| Arc::from(*s));
            self.insert(
                kind,
                f[1],
                Rule {
                    site,
                    category: Arc::from(f[3]),
                    embedded,
                    source,
                },
            );
        }
        Ok(())
    }

    /// Reads a squidGuard-style `domains` list (one domain per line, suffix
    /// match), as in the UT1 blacklists; every entry gets `category`.
    pub fn add_domain_list(&mut self, text: &str, category: &Arc<str>) {
        self.suffix
            .reserve(memchr::memchr_iter(b'\n', text.as_bytes()).count());
        for line in text.lines() {
            let d = line.trim();
            if d.is_empty() || d.starts_with('#') {
                continue;
            }
            let rule = Rule {
                site: None,
                category: category.clone(),
                embedded: false,
                source: None,
            };
            self.insert_if_absent(MatchKind::Domain, d, rule);
        }
    }

    /// Reads a hosts file (`0.0.0.0 host` or `127.0.0.1 host`, exact hosts);
    /// every entry gets `category`.
    pub fn add_hosts_file(&mut self, text: &str, category: &Arc<str>) {
        self.exact
            .reserve(memchr::memchr_iter(b'\n', text.as_bytes()).count());
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut it = line.split_whitespace();
            let (Some(_addr), Some(host)) = (it.next(), it.next()) else {
                continue;
            };
            if host == "localhost" || host.starts_with("0.0.0.0") {
                continue;
            }
            let rule = Rule {
                site: None,
                category: category.clone(),
                embedded: false,
                source: None,
            };
            self.insert_if_absent(MatchKind::Host, host, rule);
        }
    }

    /// Reads a user rules file (TOML), as given to `--categories`:
    ///
    /// ```toml
    /// [[rule]]
    /// domain = "fbcdn.net"        # whole-label suffix match; or `host = "..."`
    /// site = "facebook"           # optional: defaults to the registrable domain
    /// category = "social_networking"
    /// embedded = true             # optional: defaults to false
    /// source = "https://..."      # optional: where the fact comes from
    /// ```
    ///
    /// # Errors
    /// TOML syntax errors (with line and column), or the number of a rule that
    /// names both or neither of `domain` and `host`.
    pub fn add_user_toml(&mut self, text: &str) -> anyhow::Result<()> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct File {
            #[serde(default)]
            rule: Vec<UserRule>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct UserRule {
            domain: Option<String>,
            host: Option<String>,
            site: Option<String>,
            category: String,
            #[serde(default)]
            embedded: bool,
            source: Option<String>,
        }
        let file: File = toml::from_str(text)?;
        for (i, r) in file.rule.into_iter().enumerate() {
            let (kind, pattern) = match (r.domain, r.host) {
                (Some(d), None) => (MatchKind::Domain, d),
                (None, Some(h)) => (MatchKind::Host, h),
                _ => bail!("rule {}: give exactly one of `domain` or `host`", i + 1),
            };
            if r.category.trim().is_empty() {
                bail!("rule {}: `category` is empty", i + 1);
            }
            let site = r.site.filter(|s| !s.is_empty()).map(Arc::from);
            self.insert(
                kind,
                &pattern,
                Rule {
                    site,
                    category: Arc::from(r.category.as_str()),
                    embedded: r.embedded,
                    source: r.source.filter(|s| !s.is_empty()).map(Arc::from),
                },
            );
        }
        Ok(())
    }
}

fn parse_kind(s: &str) -> anyhow::Result<MatchKind> {
    match s {
        "host" => Ok(MatchKind::Host),
        "domain" => Ok(MatchKind::Domain),
        other => bail!("rule kind must be `host` or `domain`, not `{other}`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(cat: &str) -> Rule {
        Rule {
            site: None,
            category: Arc::from(cat),
            embedded: false,
            source: None,
        }
    }

    #[test]
    fn whole_labels_and_longest_suffix() {
        let mut s = RuleSet::new("t");
        s.insert(MatchKind::Domain, "example.com", rule("a"));
        s.insert(MatchKind::Domain, "news.example.com", rule("b"));
        s.insert(MatchKind::Host, "x.news.example.com", rule("c"));
        assert_eq!(&*s.lookup("www.example.com").unwrap().0.category, "a");
        assert_eq!(&*s.lookup("y.news.example.com").unwrap().0.category, "b");
        assert_eq!(&*s.lookup("x.news.example.com").unwrap().0.category, "c");
        assert!(s.lookup("badexample.com").is_none());
        assert!(s.lookup("com").is_none());
    }

    #[test]
    fn user_toml_errors_are_specific() {
        let mut s = RuleSet::new("user");
        let err = s.add_user_toml("[[rule]]\ncategory = \"x\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule 1: give exactly one of `domain` or `host`"
        );
        s.add_user_toml("[[rule]]\nhost = \"a.b.com\"\ncategory = \"news\"\nembedded = true\n")
            .unwrap();
        let (r, k, p) = s.lookup("a.b.com").unwrap();
        assert_eq!((k, p, r.embedded), (MatchKind::Host, "a.b.com", true));
    }
}
