//! Work use: scoped designations and the business allow-list (issue 26,
//! items 1 and 2), applied to events before any analysis.
//!
//! A **designation** names one person, the sites, categories, hosts or URL
//! prefixes it covers and the local dates it runs (North West
//! Leicestershire 1.1: "a number of designated users have access to Social
//! Media websites so that they can: a) Manage Council sites [...] b) Monitor
//! activity and postings on Social Websites in fraud investigation"; West
//! Dunbartonshire 11.5: the "approved business social media user list",
//! and 11.4: view/read access granted by ICT). Their requests it covers
//! become category `designated:<name>`; anything else they do is judged as
//! for everyone.
//!
//! The **business allow-list** names the council's own pages and accounts,
//! sites, hosts or URL prefixes, for everyone or for named people and teams
//! (Sheffield's "Business Use", 9–10; Charnwood and Chelmsford govern only
//! personal use). Their requests become category `work:<name>`: work use,
//! shown apart and never counted by any finding.
//!
//! The first matching designation wins, then the first matching allow-list
//! entry; everything else keeps its category.

use std::collections::HashSet;

use polars::prelude::{DataFrame, IntoColumn, NewChunkedArray, StringChunked};
use serde::Serialize;

use crate::event::col;

/// Prefix of the category of a request a designation covers.
pub const DESIGNATED_PREFIX: &str = "designated:";
/// Prefix of the category of a request on the business allow-list.
pub const WORK_PREFIX: &str = "work:";

/// True for a category set by a designation or the allow-list: work use,
/// never counted.
pub fn is_work_use(category: &str) -> bool {
    category.starts_with(DESIGNATED_PREFIX) || category.starts_with(WORK_PREFIX)
}

/// What a designation or allow-list entry covers: a request matches when its
/// site or category is listed, its host is a listed host or under one
/// (whole labels), or its URL starts with a listed prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Scope {
    /// Site names (`facebook`), as `categories lookup` shows them.
    pub sites: Vec<String>,
    /// Category names (`social_networking`).
    pub categories: Vec<String>,
    /// Hosts, lower case (`www.facebook.com`); subdomains match too.
    pub hosts: Vec<String>,
    /// URL prefixes (`https://www.facebook.com/CharnwoodBC`), compared as
    /// logged, case-insensitively for the scheme and host.
    pub url_prefixes: Vec<String>,
}

impl Scope {
    /// True when the request matches.
    pub fn matches(&self, site: &str, category: &str, host: &str, url: &str) -> bool {
        self.sites.iter().any(|s| s == site)
            || self.categories.iter().any(|c| c == category)
            || self.hosts.iter().any(|h| {
                host.eq_ignore_ascii_case(h)
                    || (host.len() > h.len()
                        && host.as_bytes()[host.len() - h.len() - 1] == b'.'
                        && host[host.len() - h.len()..].eq_ignore_ascii_case(h))
            })
            || self.url_prefixes.iter().any(|p| url_starts_with(url, p))
    }

    /// True when no request can match.
    pub fn is_empty(&self) -> bool {
        self.sites.is_empty()
            && self.categories.is_empty()
            && self.hosts.is_empty()
            && self.url_prefixes.is_empty()
    }

    /// The scope in words: `sites facebook, twitter; URLs starting https://…`.
    pub fn words(&self) -> String {
        let mut parts = Vec::new();
        for (label, list) in [
            ("sites", &self.sites),
            ("categories", &self.categories),
            ("hosts", &self.hosts),
            ("URLs starting", &self.url_prefixes),
        ] {
            if !list.is_empty() {
                parts.push(format!("{label} {}", list.join(", ")));
            }
        }
        parts.join("; ")
    }
}

/// `url` starts with `prefix`, the scheme and host compared without case.
fn url_starts_with(url: &str, prefix: &str) -> bool {
    if url.len() < prefix.len() {
        return false;
    }
    // Scheme and host end at the third `/` (or the end of the prefix).
    let host_end = prefix
        .match_indices('/')
        .nth(2)
        .map_or(prefix.len(), |(i, _)| i);
    url.is_char_boundary(host_end)
        && url.is_char_boundary(prefix.len())
        && url[..host_end].eq_ignore_ascii_case(&prefix[..host_end])
        && url[host_end..prefix.len()] == prefix[host_end..]
}

/// One person's designation for business use of named sites, for a run of
/// local dates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Designation {
    /// Short name: the requests it covers are category `designated:<name>`.
    pub name: String,
    /// The designated person (normalised user name). Never printed by
    /// `usage` or `flags`, which show pseudonyms.
    #[serde(skip)]
    pub user: String,
    /// What it covers.
    pub scope: Scope,
    /// First local date it covers.
    pub from: chrono::NaiveDate,
    /// Last local date it covers (inclusive); `None`: runs on.
    pub to: Option<chrono::NaiveDate>,
    /// The list or approval it comes from, in words (West Dunbartonshire:
    /// the communications team's approved business list, or ICT's view/read
    /// access).
    pub list: String,
    /// `[from, to]` as UTC ms, `[start, end)` in the default schedule's zone.
    #[serde(skip)]
    pub range_ms: (i64, i64),
}

/// One entry of the business allow-list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Allowed {
    /// Short name: the requests it covers are category `work:<name>`.
    pub name: String,
    /// What it covers.
    pub scope: Scope,
    /// The people it applies to (normalised), teams expanded; `None`: everyone.
    #[serde(skip)]
    pub users: Option<HashSet<String>>,
    /// The teams it names (for the record), empty when it names none.
    pub teams: Vec<String>,
}

/// The designations and the allow-list of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WorkUse {
    /// Scoped designations, in the order given.
    pub designations: Vec<Designation>,
    /// The business allow-list, in the order given.
    pub allowed: Vec<Allowed>,
}

impl WorkUse {
    /// True when nothing is designated or allowed.
    pub fn is_empty(&self) -> bool {
        self.designations.is_empty() && self.allowed.is_empty()
    }

    /// True when some entry names URL prefixes (the `url` column is then read).
    pub fn needs_url(&self) -> bool {
        self.designations
            .iter()
            .map(|d| &d.scope)
            .chain(self.allowed.iter().map(|a| &a.scope))
            .any(|s| !s.url_prefixes.is_empty())
    }

    /// The category a request takes: `designated:<name>` for the first
    /// designation of `user` covering it at `ts_ms`, else `work:<name>` for
    /// the first allow-list entry, else `None` (it keeps its own).
    pub fn category_of(
        &self,
        user: &str,
        ts_ms: i64,
        (site, category, host, url): (&str, &str, &str, &str),
    ) -> Option<String> {
        if let Some(d) = self.designations.iter().find(|d| {
            d.user == user
                && d.range_ms.0 <= ts_ms
                && ts_ms < d.range_ms.1
                && d.scope.matches(site, category, host, url)
        }) {
            return Some(format!("{DESIGNATED_PREFIX}{}", d.name));
        }
        self.allowed
            .iter()
            .find(|a| {
                a.users.as_ref().is_none_or(|u| u.contains(user))
                    && a.scope.matches(site, category, host, url)
            })
            .map(|a| format!("{WORK_PREFIX}{}", a.name))
    }

    /// Rewrites the `category` column of `events` (columns `ts`, `user`,
    /// `site`, `category`, and `host` and `url` when present; a missing one
    /// reads as empty) for the requests a designation or the allow-list
    /// covers. Nothing to do when [`WorkUse::is_empty`].
    ///
    /// # Errors
    /// A required column is missing or of the wrong type.
    pub fn apply(&self, events: &mut DataFrame) -> anyhow::Result<()> {
        if self.is_empty() || events.height() == 0 {
            return Ok(());
        }
        let ts = events.column(col::TS)?.datetime()?.physical().clone();
        let text = |name: &str| -> anyhow::Result<Option<StringChunked>> {
            match events.column(name) {
                Ok(c) => Ok(Some(c.str()?.clone())),
                Err(_) => Ok(None),
            }
        };
        let need = |name: &str| -> anyhow::Result<StringChunked> {
            text(name)?.ok_or_else(|| anyhow::anyhow!("work use: column `{name}` missing"))
        };
        let (user, site, category) = (need(col::USER)?, need(col::SITE)?, need(col::CATEGORY)?);
        let (host, url) = (text(col::HOST)?, text(col::URL)?);
        let at = |c: &Option<StringChunked>, i: usize| -> String {
            c.as_ref()
                .and_then(|c| c.get(i))
                .unwrap_or_default()
                .to_string()
        };
        let mut changed = false;
        let out: Vec<Option<String>> = (0..events.height())
            .map(|i| {
                let cat = category.get(i);
                let new = self.category_of(
                    user.get(i).unwrap_or(""),
                    ts.get(i).unwrap_or(0),
                    (
                        site.get(i).unwrap_or(""),
                        cat.unwrap_or(""),
                        &at(&host, i),
                        &at(&url, i),
                    ),
                );
                changed |= new.is_some();
                new.or_else(|| cat.map(str::to_string))
            })
            .collect();
        if changed {
            let column = StringChunked::from_iter_options(col::CATEGORY.into(), out.into_iter());
            events.replace(col::CATEGORY, column.into_column())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            sites: vec!["youtube".into()],
            hosts: vec!["facebook.com".into()],
            url_prefixes: vec!["https://www.linkedin.com/talent/".into()],
            ..Scope::default()
        }
    }

    #[test]
    fn a_scope_matches_sites_hosts_under_whole_labels_and_url_prefixes() {
        let s = scope();
        assert!(s.matches("youtube", "video_sharing", "www.youtube.com", ""));
        assert!(s.matches("facebook", "x", "www.facebook.com", ""));
        assert!(s.matches("facebook", "x", "FACEBOOK.COM", ""));
        assert!(!s.matches("notfacebook", "x", "notfacebook.com", ""));
        assert!(s.matches(
            "linkedin",
            "social_networking",
            "www.linkedin.com",
            "HTTPS://WWW.LINKEDIN.COM/talent/search?q=1"
        ));
        assert!(!s.matches(
            "linkedin",
            "social_networking",
            "www.linkedin.com",
            "https://www.linkedin.com/Talent/"
        ));
        assert!(!s.matches(
            "linkedin",
            "social_networking",
            "www.linkedin.com",
            "https://www.linkedin.com/feed/"
        ));
    }

    #[test]
    fn a_designation_covers_its_person_scope_and_dates_only_then_the_allow_list() {
        let w = WorkUse {
            designations: vec![Designation {
                name: "housing-facebook".into(),
                user: "hcomms".into(),
                scope: Scope {
                    sites: vec!["facebook".into()],
                    ..Scope::default()
                },
                from: chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
                to: None,
                list: String::new(),
                range_ms: (1_000, 2_000),
            }],
            allowed: vec![Allowed {
                name: "recruiting".into(),
                scope: scope(),
                users: Some(HashSet::from(["rjones".to_string()])),
                teams: vec!["recruitment".into()],
            }],
        };
        let fb = ("facebook", "social_networking", "www.facebook.com", "");
        let yt = ("youtube", "video_sharing", "www.youtube.com", "");
        assert_eq!(
            w.category_of("hcomms", 1_500, fb).as_deref(),
            Some("designated:housing-facebook")
        );
        assert_eq!(w.category_of("hcomms", 2_000, fb), None, "after its dates");
        assert_eq!(
            w.category_of("hcomms", 1_500, yt),
            None,
            "YouTube is not covered"
        );
        assert_eq!(w.category_of("someone", 1_500, fb), None);
        assert_eq!(
            w.category_of("rjones", 0, yt).as_deref(),
            Some("work:recruiting")
        );
        assert!(is_work_use("work:recruiting") && is_work_use("designated:x"));
        assert!(!is_work_use("social_networking"));
    }
}
