//! The sites behind the minutes: per site over the period and per local
//! day, each with the category rule that classified it, and the subject's
//! browse time on all sites (the page's totals).

use std::collections::BTreeMap;

use polars::prelude::DataFrame;
use serde::Serialize;

use crate::classify::Classifier;
use crate::event::col;
use crate::usage::PersonUsage;
use crate::usage::schedule::{Plan, Split};
use crate::usage::sessions::union;

/// Per-site totals over the period (sessions of embedded hosts alone are
/// not counted).
#[derive(Debug, Clone, Serialize)]
pub struct SiteRow {
    /// Site.
    pub site: String,
    /// Category.
    pub category: String,
    /// Browse-time sessions (embedded-only ones excluded).
    pub sessions: usize,
    /// Sum of those sessions' lengths (s).
    pub seconds: i64,
    /// Of which in working time (s).
    pub working_s: i64,
    /// In official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
    /// The host the rule below was looked up for (the site's first
    /// request to a host that is not embedded).
    pub host: String,
    /// The rule that gave the category: `<tier> <kind> <pattern>` (the
    /// tier is the bundled list, e.g. `netusage` or `v2fly`, or the path of
    /// the council's own rules file given with `--categories`), or `no rule
    /// matched`.
    pub rule: String,
}

/// One social-media site on one local day.
#[derive(Debug, Clone, Serialize)]
pub struct DaySiteRow {
    /// Local date.
    pub date: String,
    /// Site.
    pub site: String,
    /// Category.
    pub category: String,
    /// Its sessions' time that day (s), split at local midnight.
    pub seconds: i64,
    /// Of which in working time (s).
    pub working_s: i64,
    /// In official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
}

/// Browse time over the period, split on the schedule (s).
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeriodTotals {
    /// Working time (s).
    pub working_s: i64,
    /// Official breaks (s).
    pub break_s: i64,
    /// Outside working hours (s).
    pub outside_s: i64,
    /// In all (s).
    pub total_s: i64,
}

impl PeriodTotals {
    fn of(s: &Split) -> PeriodTotals {
        PeriodTotals {
            working_s: s.working_ms / 1000,
            break_s: s.break_ms / 1000,
            outside_s: s.outside_ms / 1000,
            total_s: s.total_ms() / 1000,
        }
    }
}

/// The rule behind `host`'s category, in words (see [`SiteRow::rule`]).
pub fn rule_words(classifier: &Classifier, host: &str) -> String {
    match classifier.classify(host).rule {
        Some((tier, kind, pattern)) => format!("{tier} {} {pattern}", kind.name()),
        None => "no rule matched".to_string(),
    }
}

/// Per-site rows, longest first (then by name): the subject's usage `p`,
/// the events it indexes (`events`, for each site's host), the plan that
/// splits time, the rules that classified the events.
///
/// # Errors
/// The `host` column is missing.
pub fn site_rows(
    p: &PersonUsage,
    events: &DataFrame,
    plan: &dyn Plan,
    classifier: &Classifier,
) -> anyhow::Result<Vec<SiteRow>> {
    let hosts = events.column(col::HOST)?.str()?.clone();
    let mut rows = Vec::new();
    for s in &p.sites {
        let counted: Vec<_> = s.sessions.iter().filter(|x| !x.embedded_only).collect();
        if counted.is_empty() {
            continue;
        }
        let mut split = Split::default();
        for x in &counted {
            split.merge(&plan.split(x.start_ms, x.end_ms));
        }
        let mut first_host = None;
        let host = s
            .rows
            .iter()
            .filter_map(|&r| hosts.get(r))
            .inspect(|h| {
                first_host.get_or_insert(*h);
            })
            .find(|h| !classifier.classify(h).embedded)
            .or(first_host)
            .unwrap_or("")
            .to_string();
        let totals = PeriodTotals::of(&split);
        rows.push(SiteRow {
            site: s.site.clone(),
            category: s.category.clone(),
            sessions: counted.len(),
            seconds: counted.iter().map(|x| x.len_ms()).sum::<i64>() / 1000,
            working_s: totals.working_s,
            break_s: totals.break_s,
            outside_s: totals.outside_s,
            rule: rule_words(classifier, &host),
            host,
        });
    }
    rows.sort_by(|x, y| y.seconds.cmp(&x.seconds).then(x.site.cmp(&y.site)));
    Ok(rows)
}

/// Each social-media site's time per local day (a session across midnight
/// split there), longest first within a day; days in date order.
pub fn social_site_days(
    p: &PersonUsage,
    plan: &dyn Plan,
    social: &crate::usage::policy::SocialMedia,
) -> Vec<DaySiteRow> {
    let mut rows = Vec::new();
    for s in p
        .sites
        .iter()
        .filter(|s| social.contains(&s.site, &s.category))
    {
        let mut days = BTreeMap::new();
        for x in s.sessions.iter().filter(|x| !x.embedded_only) {
            plan.split_by_day(x.start_ms, x.end_ms, &mut days);
        }
        for (date, split) in days {
            let t = PeriodTotals::of(&split);
            rows.push(DaySiteRow {
                date: date.to_string(),
                site: s.site.clone(),
                category: s.category.clone(),
                seconds: t.total_s,
                working_s: t.working_s,
                break_s: t.break_s,
                outside_s: t.outside_s,
            });
        }
    }
    rows.sort_by(|a, b| {
        (a.date.cmp(&b.date))
            .then(b.seconds.cmp(&a.seconds))
            .then(a.site.cmp(&b.site))
    });
    rows
}

/// Browse time on all sites over the period: the union of every counted
/// session (time on two sites at once counts once), split on the plan.
pub fn all_sites(p: &PersonUsage, plan: &dyn Plan) -> PeriodTotals {
    let spans: Vec<(i64, i64)> = (p.sites.iter())
        .flat_map(|s| s.sessions.iter())
        .filter(|x| !x.embedded_only)
        .map(|x| (x.start_ms, x.end_ms))
        .collect();
    let mut split = Split::default();
    for (a, b) in union(spans) {
        split.merge(&plan.split(a, b));
    }
    PeriodTotals::of(&split)
}
