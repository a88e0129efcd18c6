//! The sensitivity set measured in the same pass as the configured model.
//!
//! `flags` gives each flagged day its range over the set's models. Each
//! model is an [`Accumulator`] fed the same batches as the configured one
//! (the main model). A model judges nothing ([`KeepDays::Measure`]): it
//! keeps each date's split as the date becomes final, and after every batch
//! [`Pass`] takes, from each model, the dates the main model has judged: a
//! date the main model flagged is measured, once that model has judged it
//! too, and folded into that day's [`Range`]; any other is dropped. A
//! model's dates are so held from its judgement to the main model's: two
//! or three days, whichever judges first, unless the main model's session
//! stays open for days (an idle timeout of hours, a tab that never goes
//! quiet), when the models hold that person's dates as long. Memory grows
//! with the flagged days, not with the range.

use std::collections::HashMap;

use chrono::NaiveDate;
use polars::prelude::DataFrame;

use super::{Range, counted_ms};
use crate::usage::days::KeepDays;
use crate::usage::policy::{Policy, Reason};
use crate::usage::{Accumulator, PersonUsage};

/// A day the main model flagged: its range over the models that have
/// measured it so far (16 bytes; its date and reason are the main model's
/// flagged day's, at the same place in the list).
#[derive(Debug, Clone, Copy, Default)]
struct Measured {
    range: Range,
    /// A bit per model (by its place among the other models) that has
    /// measured the day.
    by: u32,
}

/// The main model and the other models of the sensitivity set, fed the same
/// batches; made by [`Pass::new`], fed by [`Pass::push`], read by
/// [`Pass::finish`].
pub struct Pass<'a> {
    /// The main model first, then the others (each with
    /// [`KeepDays::Measure`]).
    accs: Vec<Accumulator<'a>>,
    policy: &'a Policy,
    /// By person id: a [`Measured`] for each day the main model has
    /// flagged so far, in the order of its flagged days
    /// ([`crate::usage::days::Days::flagged`]).
    days: Vec<Vec<Measured>>,
    /// By person id: every day of `days` before this one is measured by
    /// every model.
    done: Vec<usize>,
}

impl<'a> Pass<'a> {
    /// A pass of the main model `main` and the other models of the set
    /// (`models`, at most 32, each made with [`KeepDays::Measure`]).
    ///
    /// # Panics
    /// More than 32 models, or one that keeps its dates otherwise.
    pub fn new(main: Accumulator<'a>, models: Vec<Accumulator<'a>>, policy: &'a Policy) -> Self {
        assert!(models.len() <= 32, "at most 32 models");
        assert!(
            models.iter().all(|m| m.kept_days() == KeepDays::Measure),
            "the models measure"
        );
        let mut accs = vec![main];
        accs.extend(models);
        Pass {
            accs,
            policy,
            days: Vec::new(),
            done: Vec::new(),
        }
    }

    /// Events fed so far.
    pub fn events(&self) -> u64 {
        self.accs[0].events()
    }

    /// Feeds one batch to every model (as [`Accumulator::push`]), then
    /// measures the days the main model has flagged under every model that
    /// has judged them, and drops each model's dates the main model has
    /// judged.
    ///
    /// # Errors
    /// A column is missing or of the wrong type.
    pub fn push(&mut self, batch: &DataFrame, until_ms: Option<i64>) -> anyhow::Result<()> {
        Accumulator::push_all(&mut self.accs, batch, until_ms)?;
        self.take();
        Ok(())
    }

    /// Takes the dates the main model has judged from every model.
    fn take(&mut self) {
        let (main, models) = self.accs.split_first_mut().expect("the main model");
        let n = main.people();
        self.days.resize_with(n, Vec::new);
        self.done.resize(n, 0);
        let all = if models.len() == 32 {
            u32::MAX
        } else {
            (1u32 << models.len()) - 1
        };
        let policy = self.policy;
        for u in 0..n {
            let judged = main.days(u);
            let Some(frontier) = judged.judged_before() else {
                continue;
            };
            let flagged = judged.flagged();
            let list = &mut self.days[u];
            crate::memory::reserve_by_quarters(list, flagged.len() - list.len());
            list.resize(flagged.len(), Measured::default());
            let done = &mut self.done[u];
            for (i, m) in models.iter_mut().enumerate() {
                let bit = 1u32 << i;
                let days = m.days_mut(u);
                let measured_before = days.judged_before();
                for (d, f) in list[*done..].iter_mut().zip(&flagged[*done..]) {
                    if d.by & bit != 0 || measured_before.is_none_or(|b| f.date >= b) {
                        continue;
                    }
                    let ms = days
                        .kept(f.reason, f.date)
                        .map_or(0, |s| policy.measure_ms(f.reason, s));
                    d.range.add(ms, policy.limit_ms(f.reason));
                    d.by |= bit;
                }
                days.drop_kept_before(frontier);
            }
            while list.get(*done).is_some_and(|d| d.by == all) {
                *done += 1;
            }
        }
    }

    /// Ends the pass: every person's usage under the main model (as
    /// [`Accumulator::finish`]) and, for each flagged person (by user
    /// name), the range of each flagged day over every model of the set, in
    /// the order of `flagged_days`.
    pub fn finish(self) -> (Vec<PersonUsage>, HashMap<String, Vec<Range>>) {
        let policy = self.policy;
        let mut accs = self.accs.into_iter();
        let main = accs.next().expect("the main model");
        // Each measured day by its date and reason, before the main model's
        // flagged days are sorted.
        let mut measured: HashMap<String, Vec<(NaiveDate, Reason, Measured)>> = self
            .days
            .into_iter()
            .enumerate()
            .filter(|(_, days)| !days.is_empty())
            .map(|(u, days)| {
                let flagged = main.days(u).flagged();
                let mut list: Vec<_> = flagged
                    .iter()
                    .zip(days)
                    .map(|(f, m)| (f.date, f.reason, m))
                    .collect();
                list.sort_by_key(|d| d.0);
                (main.user(u).to_string(), list)
            })
            .collect();
        let people = main.finish();
        // Each flagged day's range so far, and the models that measured it.
        let mut ranges: HashMap<String, Vec<Measured>> = people
            .iter()
            .filter(|p| p.flagged)
            .map(|p| {
                let list = measured.remove(&p.user).unwrap_or_default();
                let of_day = p
                    .flagged_days
                    .iter()
                    .map(|d| {
                        let at = list.partition_point(|m| m.0 < d.date);
                        list[at..]
                            .iter()
                            .take_while(|m| m.0 == d.date)
                            .find(|m| m.1 == d.reason)
                            .map_or_else(Measured::default, |m| m.2)
                    })
                    .collect();
                (p.user.clone(), of_day)
            })
            .collect();
        drop(measured);
        // A day the main model judged at the end: each model measures it
        // from the dates it still holds, one model's results at a time.
        for (i, acc) in accs.enumerate() {
            let bit = 1u32 << i;
            let under = acc.finish();
            assert_eq!(under.len(), people.len(), "the models saw the same people");
            for (p, u) in people.iter().zip(&under) {
                assert_eq!(p.user, u.user, "the models order people alike");
                let Some(r) = ranges.get_mut(&p.user) else {
                    continue;
                };
                for (d, m) in p.flagged_days.iter().zip(r) {
                    if m.by & bit == 0 {
                        let ms = counted_ms(d, Some(u), policy);
                        m.range.add(ms, policy.limit_ms(d.reason));
                    }
                }
            }
        }
        let ranges = people
            .iter()
            .filter_map(|p| {
                let r = ranges.remove(&p.user)?;
                let folded = p
                    .flagged_days
                    .iter()
                    .zip(r)
                    .map(|(d, m)| {
                        let mut range = m.range;
                        range.add_flagged(d.measured_s());
                        range
                    })
                    .collect();
                Some((p.user.clone(), folded))
            })
            .collect();
        (people, ranges)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use polars::prelude::{DataType, IntoColumn, NamedFrom, Series, TimeUnit, TimeZone};

    use super::*;
    use crate::event::col;
    use crate::usage::policy::PersonalUse;
    use crate::usage::profile::Profiles;
    use crate::usage::schedule::Schedule;
    use crate::usage::sensitivity::{Model, models, of_person};
    use crate::usage::sessions::Params;

    /// `n` requests of dbrown to facebook every `every_s` seconds from
    /// `start` (RFC 3339, UTC).
    fn every(start: &str, every_s: i64, n: i64) -> Vec<(i64, &'static str)> {
        let t0 = chrono::DateTime::parse_from_rfc3339(start)
            .unwrap()
            .timestamp_millis();
        (0..n)
            .map(|i| (t0 + i * every_s * 1000, "www.facebook.com"))
            .collect()
    }

    /// A batch of dbrown's requests: (UTC ms, site), facebook in
    /// `social_networking`, anything else `business`.
    fn batch(rows: &[(i64, &str)]) -> DataFrame {
        let ts = Series::new(col::TS.into(), rows.iter().map(|r| r.0).collect::<Vec<_>>())
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap();
        let text = |name: &str, f: &dyn Fn(&str) -> &str| {
            Series::new(name.into(), rows.iter().map(|r| f(r.1)).collect::<Vec<_>>()).into_column()
        };
        let no = |name: &str| Series::new(name.into(), vec![false; rows.len()]).into_column();
        DataFrame::new(
            rows.len(),
            vec![
                ts.into_column(),
                text(col::USER, &|_| "dbrown"),
                text(col::SITE, &|s| s),
                text(col::CATEGORY, &|s| {
                    if s.contains("facebook") {
                        "social_networking"
                    } else {
                        "business"
                    }
                }),
                no(col::EMBEDDED),
                no(col::DENIED),
            ],
        )
        .unwrap()
    }

    fn end_of(date: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(&format!("{date}T23:59:59.999Z"))
            .unwrap()
            .timestamp_millis()
            + 1
    }

    /// A week and a day of dbrown's facebook, January 2025 (GMT, working
    /// 09:00–17:00; not permitted, 900 s a day), a batch a day:
    /// - Mon 13: every 60 s from 10:00, 30 requests: 1,800 s under every
    ///   model;
    /// - Tue 14: every 4 min from 10:00, 5 requests: one session
    ///   10:00–10:17 of 1,020 s under idle 5 min or more, five of 60 s
    ///   (300 s) under idle 2 min and both per-request models;
    /// - Wed 15: one request at 23:40, 20 min before the batch ends: a
    ///   session still open then under idle 20 min only, so a model of
    ///   20 min judges Monday a batch after every other;
    /// - Thu 16: 10 requests a minute apart, 600 s: not flagged;
    /// - Sat 18: one business request, which moves every model past Tuesday;
    /// - Mon 20: as Tuesday, judged only when the pass ends.
    fn days() -> Vec<(&'static str, Vec<(i64, &'static str)>)> {
        vec![
            ("2025-01-13", every("2025-01-13T10:00:00Z", 60, 30)),
            ("2025-01-14", every("2025-01-14T10:00:00Z", 240, 5)),
            ("2025-01-15", every("2025-01-15T23:40:00Z", 60, 1)),
            ("2025-01-16", every("2025-01-16T10:00:00Z", 60, 10)),
            (
                "2025-01-18",
                vec![(end_of("2025-01-17") + 36_000_000, "intranet.example")],
            ),
            ("2025-01-20", every("2025-01-20T10:00:00Z", 240, 5)),
        ]
    }

    fn date(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 1, d).unwrap()
    }

    /// Runs [`days`] through a pass of the main model `base` and the models
    /// `others`, checking after Wednesday's batch what each has judged
    /// (`judged_wed`: the main model's, then each other's) and after
    /// Saturday's that no model holds a date before Friday; gives each
    /// flagged day's (date, main model's s, least s, most s, finding), and
    /// checks them against every model analysed alone, every event at once.
    fn check(
        base: Params,
        others: &[Params],
        judged_wed: &[u32],
    ) -> Vec<(String, i64, i64, i64, &'static str)> {
        let policy = Policy::with_defaults(PersonalUse::NotPermitted);
        let profiles = Profiles::new(Schedule::default_uk(), BTreeMap::new());
        let key = b"k";
        let accs: Vec<Accumulator> = others
            .iter()
            .map(|&p| {
                Accumulator::new(key, p, &profiles, &policy, false).keep_days(KeepDays::Measure)
            })
            .collect();
        let main = Accumulator::new(key, base, &profiles, &policy, false);
        let mut pass = Pass::new(main, accs, &policy);
        let days = days();
        for (day, rows) in &days {
            pass.push(&batch(rows), Some(end_of(day))).unwrap();
            if *day == "2025-01-15" {
                let judged: Vec<Option<NaiveDate>> = pass
                    .accs
                    .iter()
                    .map(|a| a.days(0).judged_before())
                    .collect();
                let want: Vec<Option<NaiveDate>> =
                    judged_wed.iter().map(|&d| Some(date(d))).collect();
                assert_eq!(judged, want);
            }
            // After Saturday (until Sunday 00:00, two dates back for a
            // night shift) every model has judged Monday to Thursday, and
            // the models hold none of those dates.
            if *day == "2025-01-18" {
                for a in &pass.accs {
                    assert_eq!(a.days(0).judged_before(), Some(date(17)));
                }
                for m in &pass.accs[1..] {
                    for d in 13..17 {
                        assert_eq!(m.days(0).kept(Reason::Counted, date(d)), None);
                    }
                }
                assert_eq!(pass.done[0], 2, "Monday and Tuesday measured by all");
                assert_eq!(std::mem::size_of::<Measured>(), 16);
            }
        }
        assert_eq!(pass.events(), 52);
        let (people, ranges) = pass.finish();
        let [p] = people.as_slice() else {
            panic!("one person: {people:?}")
        };
        let ours = &ranges["dbrown"];
        // Each model analysed alone, every event at once.
        let all: Vec<(i64, &str)> = days.iter().flat_map(|d| d.1.clone()).collect();
        let events = batch(&all);
        let set: Vec<Model> = std::iter::once(base)
            .chain(others.iter().copied())
            .map(|params| Model {
                name: String::new(),
                params,
            })
            .collect();
        let under: Vec<Vec<PersonUsage>> = set
            .iter()
            .map(|m| crate::usage::analyse(&events, key, m.params, &profiles, &policy).unwrap())
            .collect();
        let refs: Vec<_> = set
            .iter()
            .zip(&under)
            .map(|(m, u)| (m, u.first()))
            .collect();
        let alone: Vec<(i64, i64, bool)> = of_person(p, &refs, &policy)
            .iter()
            .map(|d| (d.min_counted_s, d.max_counted_s, d.robust))
            .collect();
        let got: Vec<(i64, i64, bool)> = ours
            .iter()
            .map(|r| (r.min_counted_s(), r.max_counted_s(), r.robust))
            .collect();
        assert_eq!(got, alone);
        p.flagged_days
            .iter()
            .zip(ours)
            .map(|(d, r)| {
                let (lo, hi) = (r.min_counted_s(), r.max_counted_s());
                (d.date.to_string(), d.measured_s(), lo, hi, r.finding())
            })
            .collect()
    }

    fn rows(
        want: [(&str, i64, i64, i64, &'static str); 3],
    ) -> Vec<(String, i64, i64, i64, &'static str)> {
        want.into_iter()
            .map(|(d, s, lo, hi, f)| (d.to_string(), s, lo, hi, f))
            .collect()
    }

    /// The sensitivity set of a configured 20 min: the other models judge
    /// ahead of it, and keep what it has not judged yet.
    #[test]
    fn models_that_judge_ahead_of_the_main_model_keep_its_undecided_dates() {
        let base = Params {
            idle_timeout_ms: 1_200_000,
            ..Params::default()
        };
        let others: Vec<Params> = models(base)
            .into_iter()
            .map(|m| m.params)
            .filter(|&p| p != base)
            .collect();
        assert_eq!(others.len(), 5);
        // After Wednesday (until Thursday 00:00) the 23:40 session is open
        // under 20 min only: the main model has judged before Monday, the
        // others before Tuesday.
        let got = check(base, &others, &[13, 14, 14, 14, 14, 14]);
        assert_eq!(
            got,
            rows([
                ("2025-01-13", 1800, 1800, 1800, "robust"),
                ("2025-01-14", 1020, 300, 1020, "marginal"),
                ("2025-01-20", 1020, 300, 1020, "marginal"),
            ])
        );
    }

    /// A main model of 5 min beside one of 20 min, which judges behind it:
    /// a flagged day waits for the model to judge it.
    #[test]
    fn a_model_that_judges_behind_the_main_model_measures_when_it_has_judged() {
        let base = Params::default();
        let long = Params {
            idle_timeout_ms: 1_200_000,
            ..base
        };
        let got = check(base, &[long], &[14, 13]);
        assert_eq!(
            got,
            rows([
                ("2025-01-13", 1800, 1800, 1800, "robust"),
                ("2025-01-14", 1020, 1020, 1020, "robust"),
                ("2025-01-20", 1020, 1020, 1020, "robust"),
            ])
        );
    }
}
