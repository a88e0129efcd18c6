//! Streaming browse-time analysis: events are fed batch by batch in time
//! order (one UTC day partition after another), sessions are carried across
//! batch boundaries (and so across midnight), and each person's results are
//! accumulated as they become final. Memory grows with the people and the
//! sites each still has in use at the end of a batch (a session that may yet
//! grow, or requests background detection still looks back over), plus
//! per-person totals and social-media time per day; not with events, nor
//! with every site seen over the range: a year of a council's log streams
//! through in about a week's memory.
//!
//! The figures equal those of analysing every event at once (a test compares
//! them to the second): sessions close on the same idle gaps, and the union of
//! a category's sessions is taken piece by piece, a piece being final once
//! every session still open in that category starts after it ends. Splits
//! and lengths are additive over disjoint intervals, so the totals match.

use std::collections::{BTreeMap, HashMap};

use anyhow::Context;
use chrono::NaiveDate;
use polars::prelude::{BooleanChunked, ChunkedArray, DataFrame, PolarsDataType, StringChunked};
use polars_arrow::array::Array;
use rayon::prelude::*;

use super::background::Detector;
use super::policy::{DeviceDays, Policy};
use super::profile::Profiles;
use super::schedule::{Plan, Split};
use super::sessions::{Params, Session, Sessionizer, union};
use super::{PersonUsage, SiteSessions, Totals};
use crate::event::col;
use crate::identity::pseudonym;

/// One person's state on one site (and category).
#[derive(Debug, Default)]
struct SiteState {
    /// The session rule's state: the session still open, the last request.
    rule: Sessionizer,
    /// Closed sessions, kept only for evidence packs.
    sessions: Vec<Session>,
    /// Row of every request that made browse time, kept only for evidence packs.
    rows: Vec<usize>,
    /// Holds requests until it knows whether they are background traffic.
    detector: Detector<(bool, usize)>,
}

impl SiteState {
    /// Passes a request of active browsing to the session rule; a session
    /// it closes goes to `closed`.
    fn feed(
        rule: &mut Sessionizer,
        sessions: &mut Vec<Session>,
        rows: &mut Vec<usize>,
        closed: &mut Vec<Session>,
        (t, embedded, row): (i64, bool, usize),
        params: Params,
        keep: bool,
    ) {
        if let Some(s) = rule.request(t, embedded, params) {
            if keep {
                sessions.push(s);
            }
            closed.push(s);
        }
        if keep {
            rows.push(row);
        }
    }
}

/// One category's totals and the sessions not yet folded into them.
#[derive(Debug, Default)]
struct Pending {
    totals: Totals,
    /// Closed sessions `[start, end)` (UTC ms) that may still overlap a
    /// session open now.
    intervals: Vec<(i64, i64)>,
}

/// A site's state key: (site, category, device rule group: the device
/// type with a rule of its own, or `""`; always `""` without device rules).
type SiteKey = (String, String, &'static str);

#[derive(Debug, Default)]
struct PersonState {
    sites: BTreeMap<SiteKey, SiteState>,
    categories: BTreeMap<String, Pending>,
    social: Pending,
    social_days: BTreeMap<NaiveDate, Split>,
    /// The union of the non-work finding's categories, and its split per day.
    non_work: Pending,
    non_work_days: BTreeMap<NaiveDate, Split>,
    /// With device rules: the social-media union of each rule group, and
    /// its split per day.
    by_device: BTreeMap<&'static str, Pending>,
    device_days: DeviceDays,
}

/// One batch's columns ([`super::COLUMNS`]) as single Arrow arrays, read
/// by row number: the analysis visits each person's rows in turn, and
/// indexing an array is much cheaper than `ChunkedArray::get`. A null reads
/// as `""` or `false`.
struct Rows {
    /// UTC ms.
    ts: Vec<i64>,
    user: StringChunked,
    site: StringChunked,
    category: StringChunked,
    embedded: BooleanChunked,
    denied: BooleanChunked,
    /// [`col::DEVICE_TYPE`], when enrichment added it.
    device_type: Option<StringChunked>,
}

impl Rows {
    /// # Errors
    /// A column is missing or of the wrong type.
    fn of(batch: &DataFrame) -> anyhow::Result<Rows> {
        let ts = batch
            .column(col::TS)?
            .datetime()
            .context("ts column")?
            .physical();
        let text = |name: &str| -> anyhow::Result<StringChunked> {
            Ok(one_chunk(batch.column(name)?.str()?))
        };
        let flag = |name: &str| -> anyhow::Result<BooleanChunked> {
            Ok(one_chunk(batch.column(name)?.bool()?))
        };
        Ok(Rows {
            ts: ts.iter().map(|t| t.unwrap_or(0)).collect(),
            user: text(col::USER)?,
            site: text(col::SITE)?,
            category: text(col::CATEGORY)?,
            embedded: flag(col::EMBEDDED)?,
            denied: flag(col::DENIED)?,
            device_type: match batch.column(col::DEVICE_TYPE) {
                Ok(c) => Some(one_chunk(c.str()?)),
                Err(_) => None,
            },
        })
    }

    /// The device type of row `i` (`""` when not known).
    fn device_type(&self, i: usize) -> &str {
        self.device_type.as_ref().map_or("", |c| text_at(c, i))
    }

    fn user(&self, i: usize) -> &str {
        text_at(&self.user, i)
    }

    fn site(&self, i: usize) -> &str {
        text_at(&self.site, i)
    }

    fn category(&self, i: usize) -> &str {
        text_at(&self.category, i)
    }

    fn embedded(&self, i: usize) -> bool {
        flag_at(&self.embedded, i)
    }

    fn denied(&self, i: usize) -> bool {
        flag_at(&self.denied, i)
    }
}

/// Row `i` of a one-chunk text column (`""` for a null).
fn text_at(c: &StringChunked, i: usize) -> &str {
    let a = c.downcast_as_array();
    if a.is_valid(i) { a.value(i) } else { "" }
}

/// Row `i` of a one-chunk flag column (`false` for a null).
fn flag_at(c: &BooleanChunked, i: usize) -> bool {
    let a = c.downcast_as_array();
    a.is_valid(i) && a.value(i)
}

/// `c` as one Arrow array (a copy only when it has several).
fn one_chunk<T: PolarsDataType>(c: &ChunkedArray<T>) -> ChunkedArray<T> {
    if c.chunks().len() == 1 {
        c.clone()
    } else {
        c.rechunk().into_owned()
    }
}

/// Accumulates usage over batches of events given in time order.
///
/// Each batch must hold columns [`super::COLUMNS`]; no event of a later
/// batch may be earlier than the `until_ms` given with the batch before.
pub struct Accumulator<'a> {
    key: &'a [u8],
    params: Params,
    profiles: &'a Profiles,
    policy: &'a Policy,
    keep_sessions: bool,
    people: HashMap<String, PersonState>,
    rows_seen: usize,
}

impl<'a> Accumulator<'a> {
    /// A new, empty accumulation. `keep_sessions` keeps every session and
    /// the row of every request (for an evidence pack; memory then grows
    /// with the events).
    pub fn new(
        key: &'a [u8],
        params: Params,
        profiles: &'a Profiles,
        policy: &'a Policy,
        keep_sessions: bool,
    ) -> Accumulator<'a> {
        Accumulator {
            key,
            params,
            profiles,
            policy,
            keep_sessions,
            people: HashMap::new(),
            rows_seen: 0,
        }
    }

    /// Events fed so far.
    pub fn events(&self) -> u64 {
        self.rows_seen as u64
    }

    /// Adds one batch. `until_ms` is the end (UTC ms, exclusive) of the time
    /// the batch covers: later batches hold no event before it, so sessions
    /// idle since before `until_ms - idle timeout` are closed, and unions
    /// that no open session can reach are folded into the totals. Row
    /// numbers in [`SiteSessions::rows`] count across batches.
    ///
    /// # Errors
    /// A column is missing or of the wrong type.
    pub fn push(&mut self, batch: &DataFrame, until_ms: Option<i64>) -> anyhow::Result<()> {
        let rows = Rows::of(batch)?;
        // One hash per event: a fast, non-cryptographic one (the keys are the
        // store's own user names).
        let mut by_user: HashMap<&str, Vec<usize>, foldhash::fast::RandomState> =
            HashMap::default();
        for i in 0..rows.ts.len() {
            by_user.entry(rows.user(i)).or_default().push(i);
        }
        for u in by_user.keys() {
            if !self.people.contains_key(*u) {
                self.people.insert(u.to_string(), PersonState::default());
            }
        }
        let offset = self.rows_seen;
        let (params, profiles, keep) = (self.params, self.profiles, self.keep_sessions);
        let policy = self.policy;
        self.people.par_iter_mut().for_each(|(u, person)| {
            if let Some(own) = by_user.get(u.as_str()) {
                // (site, category, device group) → requests as (ts ms, embedded, row)
                type Requests = Vec<(i64, bool, usize)>;
                type Group<'r> = (&'r str, &'r str, &'static str);
                let mut groups: HashMap<Group<'_>, Requests, foldhash::fast::RandomState> =
                    HashMap::default();
                for &i in own {
                    let cat = rows.category(i);
                    if rows.denied(i) {
                        match person.categories.get_mut(cat) {
                            Some(p) => p.totals.blocked += 1,
                            None => {
                                let p = person.categories.entry(cat.to_string()).or_default();
                                p.totals.blocked += 1;
                            }
                        }
                        if policy.social.contains(rows.site(i), cat) {
                            person.social.totals.blocked += 1;
                        }
                        continue;
                    }
                    let device = policy.device_group(rows.device_type(i));
                    groups
                        .entry((rows.site(i), cat, device))
                        .or_default()
                        .push((rows.ts[i], rows.embedded(i), i));
                }
                // Sites in a fixed order: sessions close into their
                // category in the same order on every run.
                let mut groups: Vec<_> = groups.into_iter().collect();
                groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                for ((s, c, d), mut group) in groups {
                    group.sort_unstable();
                    let key = (s.to_string(), c.to_string(), d);
                    let SiteState {
                        rule,
                        sessions,
                        rows,
                        detector,
                    } = person.sites.entry(key).or_default();
                    let mut closed = Vec::new();
                    let mut feed = |t, (e, row)| {
                        SiteState::feed(
                            rule,
                            sessions,
                            rows,
                            &mut closed,
                            (t, e, row),
                            params,
                            keep,
                        );
                    };
                    for (t, e, i) in group {
                        if params.exclude_background {
                            detector.push(t, (e, offset + i), &mut feed);
                        } else {
                            feed(t, (e, offset + i));
                        }
                    }
                    for session in closed {
                        person.close((s, c, d), session, policy);
                    }
                }
            }
            if let Some(until) = until_ms {
                person.settle(until, params, &profiles.person(u), keep, policy);
            }
        });
        self.rows_seen += batch.height();
        Ok(())
    }

    /// Closes every session, folds every union and applies the policy: the
    /// usage of every person seen, by pseudonym.
    pub fn finish(self) -> Vec<PersonUsage> {
        let (params, profiles, keep) = (self.params, self.profiles, self.keep_sessions);
        let (key, policy) = (self.key, self.policy);
        let mut out: Vec<PersonUsage> = self
            .people
            .into_par_iter()
            .map(|(u, mut person)| {
                person.settle(i64::MAX, params, &profiles.person(&u), keep, policy);
                for ((site, c, _), st) in &person.sites {
                    let n = st.detector.background();
                    add_background(
                        &mut person.categories,
                        &mut person.social,
                        (c, policy.social.contains(site, c)),
                        n,
                    );
                }
                let sites = if keep {
                    let mut out: Vec<SiteSessions> = Vec::new();
                    for ((site, category, _), st) in std::mem::take(&mut person.sites) {
                        // One site's sessions from devices judged by
                        // different rules are one site to the pack (the
                        // keys are in order: they come together).
                        match out.last_mut() {
                            Some(prev) if prev.site == site && prev.category == category => {
                                prev.absorb(st.sessions, st.rows);
                            }
                            _ => out.push(SiteSessions {
                                site,
                                category,
                                sessions: st.sessions,
                                rows: st.rows,
                            }),
                        }
                    }
                    out
                } else {
                    Vec::new()
                };
                let categories: BTreeMap<String, Totals> = person
                    .categories
                    .into_iter()
                    .map(|(c, p)| (c, p.totals))
                    .collect();
                let mut social = person.social.totals;
                for d in person.social_days.values() {
                    social.split.merge(d);
                }
                let (flagged_days, flagged) = policy.evaluate_all(
                    &u,
                    &person.social_days,
                    &person.non_work_days,
                    &person.device_days,
                );
                let exempt = policy.exempt_users.contains(&u);
                PersonUsage {
                    exempt,
                    pseudonym: pseudonym(key, &u),
                    user: u,
                    categories,
                    social,
                    social_days: person.social_days,
                    non_work_days: person.non_work_days,
                    device_days: person.device_days,
                    sites,
                    flagged_days,
                    flagged,
                }
            })
            .collect();
        out.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
        out
    }
}

impl PersonState {
    /// Records a closed session of category `c` from device group `d`
    /// (embedded-only sessions are not browse time).
    fn close(&mut self, (site, c, d): (&str, &str, &'static str), s: Session, policy: &Policy) {
        let kinds = (policy.social.contains(site, c), policy.is_non_work(c));
        let device = device_union(&mut self.by_device, policy, d, kinds.0);
        record(
            &mut self.categories,
            [&mut self.social, &mut self.non_work],
            device,
            c,
            kinds,
            s,
        );
    }

    /// No request before `until` (UTC ms) is still to come: closes sessions
    /// idle for longer than the timeout, and folds into the totals each
    /// union piece that ends before every session still open starts.
    fn settle(&mut self, until: i64, p: Params, schedule: &impl Plan, keep: bool, policy: &Policy) {
        let PersonState {
            sites,
            categories,
            social,
            social_days,
            non_work,
            non_work_days,
            by_device,
            device_days,
        } = self;
        let mut open_from: BTreeMap<&str, i64> = BTreeMap::new();
        let mut social_open = i64::MAX;
        let mut non_work_open = i64::MAX;
        let mut device_open: BTreeMap<&'static str, i64> = BTreeMap::new();
        for ((site, c, d), st) in sites.iter_mut() {
            let kinds = (policy.social.contains(site, c), policy.is_non_work(c));
            let SiteState {
                rule,
                sessions,
                rows,
                detector,
            } = st;
            let mut closed = Vec::new();
            detector.settle(until, &mut |t, (e, row)| {
                SiteState::feed(rule, sessions, rows, &mut closed, (t, e, row), p, keep);
            });
            // A request still held may yet extend the open session or open one.
            let next = detector.first_pending().unwrap_or(until);
            if let Some(&s) = rule.open()
                && (until == i64::MAX || next - rule.last_ms() > p.idle_timeout_ms)
            {
                rule.close();
                if keep {
                    sessions.push(s);
                }
                closed.push(s);
            }
            for s in closed {
                let device = device_union(by_device, policy, d, kinds.0);
                let unions = [&mut *social, &mut *non_work];
                record(categories, unions, device, c, kinds, s);
            }
            let from = rule.open().map_or(next, |s| s.start_ms.min(next));
            if from < until {
                let e = open_from.entry(c.as_str()).or_insert(i64::MAX);
                *e = (*e).min(from);
                if kinds.0 {
                    social_open = social_open.min(from);
                    if !policy.devices.is_empty() {
                        let e = device_open.entry(*d).or_insert(i64::MAX);
                        *e = (*e).min(from);
                    }
                }
                if kinds.1 {
                    non_work_open = non_work_open.min(from);
                }
            }
        }
        // Later requests are at `until` or after: so are the sessions they open.
        for (c, pending) in categories.iter_mut() {
            let limit = open_from
                .get(c.as_str())
                .copied()
                .unwrap_or(i64::MAX)
                .min(until);
            fold(pending, limit, |a, b, t| {
                t.split.merge(&schedule.split(a, b));
                t.total_ms += b - a;
            });
        }
        fold(social, social_open.min(until), |a, b, t| {
            schedule.split_by_day(a, b, social_days);
            t.total_ms += b - a;
        });
        fold(non_work, non_work_open.min(until), |a, b, t| {
            schedule.split_by_day(a, b, non_work_days);
            t.total_ms += b - a;
        });
        for (d, pending) in by_device.iter_mut() {
            let limit = device_open.get(d).copied().unwrap_or(i64::MAX).min(until);
            let days = device_days.entry(d).or_default();
            fold(pending, limit, |a, b, t| {
                schedule.split_by_day(a, b, days);
                t.total_ms += b - a;
            });
        }
        // A site whose session is closed and whose background look-behind
        // has passed holds nothing a later request needs: its state goes
        // (its background count into the totals), so memory follows the
        // sites still in use, not every site of the range. Kept for a pack.
        if !keep {
            sites.retain(|(site, c, _), st| {
                if st.rule.open().is_some() || !st.detector.is_idle() {
                    return true;
                }
                let social_site = policy.social.contains(site, c);
                add_background(
                    categories,
                    social,
                    (c, social_site),
                    st.detector.background(),
                );
                false
            });
        }
    }
}

/// Adds `n` requests of category `c` found to be background traffic to
/// the category's totals and, when the site and category are social media
/// by the policy's definition (`is_social`), to the social-media totals.
fn add_background(
    categories: &mut BTreeMap<String, Pending>,
    social: &mut Pending,
    (c, is_social): (&str, bool),
    n: u64,
) {
    if n > 0 {
        categories
            .entry(c.to_string())
            .or_default()
            .totals
            .background += n;
        if is_social {
            social.totals.background += n;
        }
    }
}

/// The social-media union of device group `d` a session goes to: only
/// when the policy has device rules and the session is social media.
fn device_union<'p>(
    by_device: &'p mut BTreeMap<&'static str, Pending>,
    policy: &Policy,
    d: &'static str,
    social: bool,
) -> Option<&'p mut Pending> {
    (social && !policy.devices.is_empty()).then(|| by_device.entry(d).or_default())
}

/// Adds a closed session of category `c` to that category's pending
/// intervals and to those of each union it belongs to (`unions`: the
/// social-media and non-work unions; `kinds`: whether it is in each; and
/// `device`, its device group's social-media union when there is one).
/// Embedded-only sessions are not browse time.
fn record(
    categories: &mut BTreeMap<String, Pending>,
    unions: [&mut Pending; 2],
    device: Option<&mut Pending>,
    c: &str,
    kinds: (bool, bool),
    s: Session,
) {
    if s.embedded_only {
        return;
    }
    if let Some(union) = device {
        union.totals.sessions += 1;
        union.intervals.push((s.start_ms, s.end_ms));
    }
    let pending = categories.entry(c.to_string()).or_default();
    pending.totals.sessions += 1;
    pending.intervals.push((s.start_ms, s.end_ms));
    let [social, non_work] = unions;
    for (union, yes) in [(social, kinds.0), (non_work, kinds.1)] {
        if yes {
            union.totals.sessions += 1;
            union.intervals.push((s.start_ms, s.end_ms));
        }
    }
}

/// Unions the pending intervals and passes each piece that ends before
/// `limit` (UTC ms) to `add`; the others stay pending.
fn fold(p: &mut Pending, limit: i64, mut add: impl FnMut(i64, i64, &mut Totals)) {
    if p.intervals.is_empty() {
        return;
    }
    let pieces = union(std::mem::take(&mut p.intervals));
    for (a, b) in pieces {
        if b < limit {
            add(a, b, &mut p.totals);
        } else {
            p.intervals.push((a, b));
        }
    }
}
