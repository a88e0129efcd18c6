//! Streaming browse-time analysis: events are fed batch by batch in time
//! order (one UTC day partition after another), sessions are carried across
//! batch boundaries (and so across midnight), and each person's results are
//! accumulated as they become final. Memory grows with the people and the
//! sites each still has in use at the end of a batch (a session that may yet
//! grow, or requests background detection still looks back over), plus
//! per-person totals and the flagged days; not with events, nor with every
//! site seen over the range, nor with every date: each person's dates are
//! judged by the policy as they become final and dropped ([`super::days`]),
//! so a year of a council's log streams through in about a week's memory.
//!
//! People, sites and categories are numbered as each batch is read
//! (`Names`, from the columns' string views), each person's rows are
//! found by a counting sort on that number, and a person's requests of a
//! batch are sorted by site, category, device group and time: the loop over
//! the events compares and hashes integers, and looks up each site's state
//! once a batch rather than once a request.
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
use super::days::{Days, KeepDays};
use super::policy::Policy;
use super::profile::Profiles;
use super::schedule::Plan;
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
    /// The site and category are social media by the policy's definition,
    /// and the category is one of the non-work finding's.
    kinds: (bool, bool),
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

/// A site's state key: (site id, category id, device rule group: the
/// device type with a rule of its own, or `""`; always `""` without device
/// rules). Ids index [`Accumulator`]'s [`Names`] of sites and categories.
type SiteKey = (u32, u32, &'static str);

/// A hasher for keys made of the accumulator's own ids and names: fast,
/// not cryptographic.
type Fast = foldhash::fast::RandomState;

/// Each category the person has something in, with its totals, by
/// category id ([`Names`]), sorted by id: a person uses a few of the
/// categories, and their list is held all run.
type Categories = Vec<(u32, Pending)>;

/// What a person's state keeps beside the unions' splits per date: every
/// session and the row of every request (an evidence pack), and each
/// category's totals (all but a model of `flags`' sensitivity set,
/// [`KeepDays::Measure`], which measures the unions' dates alone and so
/// skips the requests no union takes).
type Mode = (bool, bool);

#[derive(Debug, Default)]
struct PersonState {
    sites: HashMap<SiteKey, SiteState, Fast>,
    categories: Categories,
    social: Pending,
    /// The union of the non-work finding's categories.
    non_work: Pending,
    /// With device rules: the social-media union of each rule group.
    by_device: BTreeMap<&'static str, Pending>,
    /// The unions' splits per local date, judged as each date becomes final.
    days: Days,
}

/// Text values (user names, sites, categories) numbered in the order first
/// seen, so the analysis compares and hashes `u32`s rather than strings.
#[derive(Debug, Default)]
struct Names {
    ids: HashMap<String, u32, Fast>,
    names: Vec<String>,
}

impl Names {
    /// Distinct views [`Names::column`] remembers at once (about 1 MiB).
    const VIEWS_KEPT: usize = 1 << 14;

    /// The id of `s`, numbering it when new.
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct names");
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }

    /// The name numbered `i`.
    fn name(&self, i: u32) -> &str {
        &self.names[i as usize]
    }

    /// Numbers the names `other` numbered after the ones both have, in the
    /// same order: `self` was a copy of `other`'s numbering, and is again.
    fn catch_up(&mut self, other: &Names) {
        for name in &other.names[self.names.len()..] {
            self.id(name);
        }
    }

    /// The id of every row of `c` (a null reads as `""`), in row order.
    ///
    /// A Parquet dictionary page decodes to string views that point into
    /// the dictionary, so a value's view repeats on every row holding it:
    /// rows are numbered by their 16-byte view (equal views are equal
    /// strings: a short string is held in the view itself, a long one is
    /// named by its buffer, offset and length), and only a view not seen
    /// before in the chunk costs a string hash. A decoder may also copy a
    /// long value once per page or per row, so views need not repeat: the
    /// views remembered are forgotten every [`Names::VIEWS_KEPT`], which
    /// bounds the memory and still catches the common values again.
    fn column(&mut self, c: &StringChunked) -> Vec<u32> {
        let mut out = Vec::with_capacity(c.len());
        let mut null = None;
        for a in c.downcast_iter() {
            let views = a.views();
            let mut seen: HashMap<u128, u32, Fast> = HashMap::default();
            for (i, view) in views.iter().enumerate() {
                if !a.is_valid(i) {
                    let id = match null {
                        Some(id) => id,
                        None => *null.insert(self.id("")),
                    };
                    out.push(id);
                    continue;
                }
                let id = match seen.get(&view.as_u128()) {
                    Some(&id) => id,
                    None => {
                        let id = self.id(a.value(i));
                        if seen.len() == Self::VIEWS_KEPT {
                            seen.clear();
                        }
                        seen.insert(view.as_u128(), id);
                        id
                    }
                };
                out.push(id);
            }
        }
        out
    }
}

/// What the policy makes of each site and category id ([`Names`]), worked
/// out once per name rather than per site state: whether a site is named
/// social media, and per category whether it is work use, social media, and
/// one of the non-work finding's.
#[derive(Debug, Default)]
struct Kinds {
    social_site: Vec<bool>,
    /// (work use, social-media category, non-work category).
    category: Vec<(bool, bool, bool)>,
    /// The device rule groups: `""` (the main rule), then each device type
    /// with a rule of its own.
    devices: Vec<&'static str>,
}

impl Kinds {
    /// Catches up with the names numbered since the last call.
    fn update(&mut self, sites: &Names, categories: &Names, policy: &Policy) {
        if self.devices.is_empty() {
            self.devices.push("");
            self.devices.extend(policy.devices.keys().copied());
        }
        for s in &sites.names[self.social_site.len()..] {
            self.social_site.push(policy.social.sites.contains(s));
        }
        for c in &categories.names[self.category.len()..] {
            self.category.push((
                super::work_use::is_work_use(c),
                policy.social.categories.contains(c),
                policy.is_non_work(c),
            ));
        }
    }

    /// The index in `devices` of device rule group `d`.
    fn device(&self, d: &str) -> u32 {
        let i = self.devices.iter().position(|g| *g == d).unwrap_or(0);
        u32::try_from(i).expect("few device groups")
    }

    /// Whether site `s` in category `c` is social media by the policy's
    /// definition ([`super::policy::SocialMedia::contains`]), and whether
    /// `c` is one of the non-work finding's categories.
    fn of(&self, s: u32, c: u32) -> (bool, bool) {
        let (work, social, non_work) = self.category[c as usize];
        (!work && (social || self.social_site[s as usize]), non_work)
    }
}

/// One batch's columns ([`super::COLUMNS`]) by row number: text as ids
/// ([`Names`]), flags as Arrow arrays (indexing an array is much cheaper
/// than `ChunkedArray::get`). A null reads as `""` or `false`.
struct Rows {
    /// UTC ms.
    ts: Vec<i64>,
    /// Person ids.
    user: Vec<u32>,
    /// Site ids.
    site: Vec<u32>,
    /// Category ids.
    category: Vec<u32>,
    embedded: BooleanChunked,
    denied: BooleanChunked,
    /// [`col::DEVICE_TYPE`], when enrichment added it.
    device_type: Option<StringChunked>,
}

impl Rows {
    /// # Errors
    /// A column is missing or of the wrong type.
    fn of(
        batch: &DataFrame,
        users: &mut Names,
        sites: &mut Names,
        categories: &mut Names,
    ) -> anyhow::Result<Rows> {
        let ts = batch
            .column(col::TS)?
            .datetime()
            .context("ts column")?
            .physical();
        let flag = |name: &str| -> anyhow::Result<BooleanChunked> {
            Ok(one_chunk(batch.column(name)?.bool()?))
        };
        Ok(Rows {
            ts: ts.iter().map(|t| t.unwrap_or(0)).collect(),
            user: users.column(batch.column(col::USER)?.str()?),
            site: sites.column(batch.column(col::SITE)?.str()?),
            category: categories.column(batch.column(col::CATEGORY)?.str()?),
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
    /// Which judged dates keep their split ([`KeepDays`]).
    keep_days: KeepDays,
    /// Each person's state, by person id (`users`).
    people: Vec<PersonState>,
    users: Names,
    sites: Names,
    categories: Names,
    kinds: Kinds,
    rows_seen: usize,
}

impl<'a> Accumulator<'a> {
    /// A new, empty accumulation. `keep_sessions` keeps every session and
    /// the row of every request, and every date's split (for an evidence
    /// pack; memory then grows with the events). Without it, no date's
    /// split is kept once judged ([`KeepDays::None`]; see
    /// [`Accumulator::keep_days`]).
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
            keep_days: if keep_sessions {
                KeepDays::All
            } else {
                KeepDays::None
            },
            people: Vec::new(),
            users: Names::default(),
            sites: Names::default(),
            categories: Names::default(),
            kinds: Kinds::default(),
            rows_seen: 0,
        }
    }

    /// Keeps the split of the judged dates `keep` names in each person's
    /// usage (`social_days`, `non_work_days`, `device_days`).
    pub fn keep_days(mut self, keep: KeepDays) -> Self {
        self.keep_days = keep;
        self
    }

    /// Which judged dates keep their split.
    pub fn kept_days(&self) -> KeepDays {
        self.keep_days
    }

    /// What each person's state keeps ([`Mode`]).
    fn mode(&self) -> Mode {
        (self.keep_sessions, self.keep_days != KeepDays::Measure)
    }

    /// Events fed so far.
    pub fn events(&self) -> u64 {
        self.rows_seen as u64
    }

    /// People seen so far (ids `0..people()`, numbered as first seen; the
    /// same in accumulators fed by [`Accumulator::push_all`]).
    pub(super) fn people(&self) -> usize {
        self.people.len()
    }

    /// The user name of person id `u`.
    pub(super) fn user(&self, u: usize) -> &str {
        self.users.name(u as u32)
    }

    /// Person id `u`'s dates.
    pub(super) fn days(&self, u: usize) -> &Days {
        &self.people[u].days
    }

    /// Person id `u`'s dates, to take the kept ones.
    pub(super) fn days_mut(&mut self, u: usize) -> &mut Days {
        &mut self.people[u].days
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
        let rows = Rows::of(
            batch,
            &mut self.users,
            &mut self.sites,
            &mut self.categories,
        )?;
        self.push_rows(&rows, batch.height(), until_ms);
        Ok(())
    }

    /// [`Accumulator::push`] of one batch to each of `accs`, which have all
    /// been given the same batches before (the browse-time models of the
    /// sensitivity set): the batch's text is numbered once, not once per
    /// accumulator.
    ///
    /// # Errors
    /// A column is missing or of the wrong type.
    pub fn push_all(
        accs: &mut [Accumulator<'_>],
        batch: &DataFrame,
        until_ms: Option<i64>,
    ) -> anyhow::Result<()> {
        let Some((first, rest)) = accs.split_first_mut() else {
            return Ok(());
        };
        let rows = Rows::of(
            batch,
            &mut first.users,
            &mut first.sites,
            &mut first.categories,
        )?;
        for acc in rest.iter_mut() {
            assert_eq!(
                acc.rows_seen, first.rows_seen,
                "push_all: the accumulators were given different batches"
            );
            acc.users.catch_up(&first.users);
            acc.sites.catch_up(&first.sites);
            acc.categories.catch_up(&first.categories);
            acc.push_rows(&rows, batch.height(), until_ms);
        }
        first.push_rows(&rows, batch.height(), until_ms);
        Ok(())
    }

    /// Adds one batch numbered by this accumulator's [`Names`] (`height`
    /// rows; see [`Accumulator::push`]).
    fn push_rows(&mut self, rows: &Rows, height: usize, until_ms: Option<i64>) {
        self.people
            .resize_with(self.users.names.len(), PersonState::default);
        self.kinds
            .update(&self.sites, &self.categories, self.policy);
        // Each person's rows, in row order (a counting sort by person id).
        let mut start = vec![0usize; self.people.len() + 1];
        for &u in &rows.user {
            start[u as usize + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut order = vec![0u32; rows.user.len()];
        let mut next = start.clone();
        for (i, &u) in rows.user.iter().enumerate() {
            order[next[u as usize]] = u32::try_from(i).expect("a batch under 2^32 rows");
            next[u as usize] += 1;
        }
        let offset = self.rows_seen;
        let (params, profiles) = (self.params, self.profiles);
        let policy = self.policy;
        let (users, kinds, keep_days) = (&self.users, &self.kinds, self.keep_days);
        let mode = self.mode();
        self.people
            .par_iter_mut()
            .enumerate()
            .for_each(|(u, person)| {
                let own = &order[start[u]..start[u + 1]];
                if !own.is_empty() {
                    person.add(own, rows, offset, kinds, params, mode, policy);
                }
                if let Some(until) = until_ms {
                    let user = users.name(u as u32);
                    let plan = profiles.person(user);
                    let open = person.settle(until, params, &plan, mode, policy);
                    // A later piece is split under its own local date or
                    // under the date its shift started (a night shift):
                    // two dates back leaves room for a shift of up to a day.
                    let first_open = plan
                        .local_date(open)
                        .checked_sub_days(chrono::Days::new(2))
                        .unwrap_or(NaiveDate::MIN);
                    person
                        .days
                        .judge_before(first_open, user, policy, keep_days);
                }
            });
        self.rows_seen += height;
    }

    /// Closes every session, folds every union and applies the policy: the
    /// usage of every person seen, by pseudonym.
    pub fn finish(self) -> Vec<PersonUsage> {
        let (params, profiles) = (self.params, self.profiles);
        let (key, policy, keep_days) = (self.key, self.policy, self.keep_days);
        let mode @ (keep, by_category) = self.mode();
        let (sites, cats) = (&self.sites, &self.categories);
        let mut out: Vec<PersonUsage> = self
            .people
            .into_par_iter()
            .zip(self.users.names.into_par_iter())
            .map(|(mut person, u)| {
                person.settle(i64::MAX, params, &profiles.person(&u), mode, policy);
                if by_category {
                    for (&(_, c, _), st) in &person.sites {
                        let n = st.detector.background();
                        add_background(
                            &mut person.categories,
                            &mut person.social,
                            (c, st.kinds.0),
                            n,
                        );
                    }
                }
                let sites = if keep {
                    let mut all: Vec<_> = std::mem::take(&mut person.sites)
                        .into_iter()
                        .map(|((site, category, d), st)| {
                            let site = sites.name(site).to_string();
                            let category = cats.name(category).to_string();
                            ((site, category, d), st)
                        })
                        .collect();
                    all.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    let mut out: Vec<SiteSessions> = Vec::new();
                    for ((site, category, _), st) in all {
                        // One site's sessions from devices judged by
                        // different rules are one site to the pack (sorted:
                        // they come together).
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
                    .map(|(c, p)| (cats.name(c).to_string(), p.totals))
                    .collect();
                let judged = person.days.finish(&u, policy, keep_days);
                let mut social = person.social.totals;
                social.split.merge(&judged.social_split);
                let exempt = policy.exempt_users.contains(&u);
                PersonUsage {
                    exempt,
                    pseudonym: pseudonym(key, &u),
                    user: u,
                    categories,
                    social,
                    social_days: judged.social_days,
                    non_work_days: judged.non_work_days,
                    device_days: judged.device_days,
                    sites,
                    flagged_days: judged.flagged_days,
                    flagged: judged.flagged,
                }
            })
            .collect();
        out.sort_by(|a, b| a.pseudonym.cmp(&b.pseudonym));
        out
    }
}

/// The category `c`'s entry, made when missing.
fn category(categories: &mut Categories, c: u32) -> &mut Pending {
    let at = match categories.binary_search_by_key(&c, |e| e.0) {
        Ok(at) => at,
        Err(at) => {
            // Exactly: a person's list is held all run, and there are few
            // categories.
            categories.reserve_exact(1);
            categories.insert(at, (c, Pending::default()));
            at
        }
    };
    &mut categories[at].1
}

impl PersonState {
    /// Feeds this person's rows `own` of a batch (row numbers, in row
    /// order) to their sites' session rules, in time order; `offset` is
    /// the batch's first row number across batches; `kinds` what the
    /// policy makes of the batch's sites and categories; `(keep,
    /// by_category)` whether to keep every session and to total each
    /// category (see [`Mode`]).
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        own: &[u32],
        rows: &Rows,
        offset: usize,
        kinds: &Kinds,
        params: Params,
        (keep, by_category): Mode,
        policy: &Policy,
    ) {
        let PersonState {
            sites,
            categories,
            social,
            non_work,
            by_device,
            ..
        } = self;
        // Requests as (site and category ids, device group, ts ms, embedded,
        // row), sorted: each site's together (one look-up of its state) and
        // in time order.
        type Request = (u64, u32, i64, bool, usize);
        let mut requests: Vec<Request> = Vec::with_capacity(own.len());
        for &i in own {
            let i = i as usize;
            let (s, c) = (rows.site[i], rows.category[i]);
            // Without category totals only the unions' requests count.
            if !by_category && kinds.of(s, c) == (false, false) {
                continue;
            }
            if rows.denied(i) {
                category(categories, c).totals.blocked += 1;
                if kinds.of(s, c).0 {
                    social.totals.blocked += 1;
                }
                continue;
            }
            let d = if policy.devices.is_empty() {
                0
            } else {
                kinds.device(policy.device_group(rows.device_type(i)))
            };
            let sc = (u64::from(s) << 32) | u64::from(c);
            requests.push((sc, d, rows.ts[i], rows.embedded(i), i));
        }
        requests.sort_unstable();
        let mut closed = Vec::new();
        for run in requests.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let (sc, d) = (run[0].0, kinds.devices[run[0].1 as usize]);
            let (s, c) = ((sc >> 32) as u32, sc as u32);
            let SiteState {
                rule,
                sessions,
                rows: kept,
                detector,
                kinds: site_kinds,
            } = sites.entry((s, c, d)).or_insert_with(|| SiteState {
                kinds: kinds.of(s, c),
                ..SiteState::default()
            });
            let mut feed = |t, (e, row)| {
                SiteState::feed(rule, sessions, kept, &mut closed, (t, e, row), params, keep);
            };
            for &(_, _, t, e, i) in run {
                if params.exclude_background {
                    detector.push(t, (e, offset + i), &mut feed);
                } else {
                    feed(t, (e, offset + i));
                }
            }
            for session in closed.drain(..) {
                let device = device_union(by_device, policy, d, site_kinds.0);
                record(
                    by_category.then_some(&mut *categories),
                    [&mut *social, &mut *non_work],
                    device,
                    c,
                    *site_kinds,
                    session,
                );
            }
        }
    }

    /// No request before `until` (UTC ms) is still to come: closes sessions
    /// idle for longer than the timeout, and folds into the totals each
    /// union piece that ends before every session still open starts. Gives
    /// the earliest instant (UTC ms) a piece of the social-media, non-work
    /// or device unions not yet split over dates may start.
    fn settle(
        &mut self,
        until: i64,
        p: Params,
        schedule: &impl Plan,
        (keep, by_category): Mode,
        policy: &Policy,
    ) -> i64 {
        let PersonState {
            sites,
            categories,
            social,
            non_work,
            by_device,
            days,
        } = self;
        // The earliest start of a session that may still grow, by category id.
        let mut open_from: Vec<i64> = vec![i64::MAX; categories.len()];
        let mut social_open = i64::MAX;
        let mut non_work_open = i64::MAX;
        let mut device_open: BTreeMap<&'static str, i64> = BTreeMap::new();
        for (&(_, c, d), st) in sites.iter_mut() {
            let SiteState {
                rule,
                sessions,
                rows,
                detector,
                kinds,
            } = st;
            let kinds = *kinds;
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
                let by = by_category.then_some(&mut *categories);
                record(by, unions, device, c, kinds, s);
            }
            let from = rule.open().map_or(next, |s| s.start_ms.min(next));
            if from < until {
                if open_from.len() <= c as usize {
                    open_from.resize(c as usize + 1, i64::MAX);
                }
                let e = &mut open_from[c as usize];
                *e = (*e).min(from);
                if kinds.0 {
                    social_open = social_open.min(from);
                    if !policy.devices.is_empty() {
                        let e = device_open.entry(d).or_insert(i64::MAX);
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
                .get(*c as usize)
                .copied()
                .unwrap_or(i64::MAX)
                .min(until);
            fold(pending, limit, |a, b, t| {
                t.split.merge(&schedule.split(a, b));
                t.total_ms += b - a;
            });
        }
        // A union's next piece starts at its limit or at the first piece
        // it still holds, whichever is earlier.
        let next_piece =
            |p: &Pending, limit: i64| p.intervals.first().map_or(limit, |x| x.0.min(limit));
        let limit = social_open.min(until);
        fold(social, limit, |a, b, t| {
            schedule.split_by_day(a, b, &mut days.social);
            t.total_ms += b - a;
        });
        let mut open = next_piece(social, limit);
        let limit = non_work_open.min(until);
        fold(non_work, limit, |a, b, t| {
            schedule.split_by_day(a, b, &mut days.non_work);
            t.total_ms += b - a;
        });
        open = open.min(next_piece(non_work, limit));
        for (d, pending) in by_device.iter_mut() {
            let limit = device_open.get(d).copied().unwrap_or(i64::MAX).min(until);
            let split = days.devices.entry(d).or_default();
            fold(pending, limit, |a, b, t| {
                schedule.split_by_day(a, b, split);
                t.total_ms += b - a;
            });
            open = open.min(next_piece(pending, limit));
        }
        // A site whose session is closed and whose background look-behind
        // has passed holds nothing a later request needs: its state goes
        // (its background count into the totals), so memory follows the
        // sites still in use, not every site of the range. Kept for a pack.
        if !keep {
            sites.retain(|&(_, c, _), st| {
                if st.rule.open().is_some() || !st.detector.is_idle() {
                    return true;
                }
                if by_category {
                    add_background(
                        categories,
                        social,
                        (c, st.kinds.0),
                        st.detector.background(),
                    );
                }
                false
            });
            // A busy day's table would otherwise stay at its size all run,
            // and an empty one holds its places until the person's next
            // request: over a year, for everyone who has stopped browsing.
            if sites.capacity() > 2 * sites.len() + 8 || (sites.is_empty() && sites.capacity() > 0)
            {
                sites.shrink_to_fit();
            }
        }
        open
    }
}

/// Adds `n` requests of category `c` found to be background traffic to
/// the category's totals and, when the site and category are social media
/// by the policy's definition (`is_social`), to the social-media totals.
fn add_background(
    categories: &mut Categories,
    social: &mut Pending,
    (c, is_social): (u32, bool),
    n: u64,
) {
    if n > 0 {
        category(categories, c).totals.background += n;
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
/// intervals (unless `categories` is `None`) and to those of each union it
/// belongs to (`unions`: the social-media and non-work unions; `kinds`:
/// whether it is in each; and `device`, its device group's social-media
/// union when there is one).
/// Embedded-only sessions are not browse time.
fn record(
    categories: Option<&mut Categories>,
    unions: [&mut Pending; 2],
    device: Option<&mut Pending>,
    c: u32,
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
    if let Some(categories) = categories {
        let pending = category(categories, c);
        pending.totals.sessions += 1;
        pending.intervals.push((s.start_ms, s.end_ms));
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    /// More distinct long values than the views remembered at once, then
    /// the first ones again and a null: every row gets the id of its text,
    /// numbered in the order first seen, whatever was forgotten.
    #[test]
    fn names_number_rows_by_text_past_the_views_kept() {
        let n = Names::VIEWS_KEPT + 3_000;
        let value = |i: usize| format!("site-{i:015}.example");
        let rows: Vec<Option<String>> = (0..n)
            .map(|i| Some(value(i)))
            .chain((0..100).map(|i| Some(value(i))))
            .chain([None])
            .collect();
        let c: StringChunked = rows.iter().map(|r| r.as_deref()).collect();
        let mut names = Names::default();
        let ids = names.column(&c);
        let want: Vec<u32> = (0..n as u32).chain(0..100).chain([n as u32]).collect();
        assert_eq!(ids, want);
        assert_eq!(names.names.len(), n + 1);
        assert_eq!(names.name(7), "site-000000000000007.example");
        assert_eq!(names.name(n as u32), "");
    }
}
