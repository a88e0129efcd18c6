//! A person's time per local date, judged by the policy as each date
//! becomes final and then dropped, so that a year streams through in about
//! a week's memory.
//!
//! The stream ([`super::stream`]) splits each piece of a union (social
//! media, the non-work categories, each device rule's devices) over local
//! dates as the piece becomes final. A date is final once no later piece
//! can reach it: `Days::judge_before` is given the first date a later
//! piece may still add to, judges every earlier date by
//! [`Policy::flag_days`], adds it to the person's social-media split, and
//! keeps its split only where [`KeepDays`] asks.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::policy::{DeviceDays, FlaggedDay, Policy, Reason, days_for};
use super::schedule::Split;

/// Which judged dates keep their split in [`super::PersonUsage`]'s
/// `social_days`, `non_work_days` and `device_days`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum KeepDays {
    /// None: `usage` and `flags`, which need only the flagged days
    /// ([`FlaggedDay`] carries their figures) and the totals.
    #[default]
    None,
    /// Every date: an evidence pack's one person.
    All,
    /// Every date, and no findings: a model of `flags`' sensitivity set,
    /// which measures the days the main model flags and judges nothing
    /// itself. Its caller ([`crate::usage::sensitivity::Pass`]) takes the
    /// dates as the main model judges them (`Days::drop_kept_before`), so
    /// they are held for a few days, not the whole range.
    Measure,
}

/// A person's splits per local date: those still open, and those judged
/// and kept.
#[derive(Debug, Default)]
pub(super) struct Days {
    /// Social-media split per local date, not yet judged.
    pub social: BTreeMap<NaiveDate, Split>,
    /// Split per local date of the non-work finding's categories, not yet
    /// judged.
    pub non_work: BTreeMap<NaiveDate, Split>,
    /// With device rules: each rule group's social-media split per local
    /// date, not yet judged ([`DeviceDays`]).
    pub devices: DeviceDays,
    /// The judged dates [`KeepDays`] keeps, as the three above.
    kept: (
        BTreeMap<NaiveDate, Split>,
        BTreeMap<NaiveDate, Split>,
        DeviceDays,
    ),
    /// The flagged days among the judged dates, in the order judged.
    flagged: Vec<FlaggedDay>,
    /// Every date before this one is judged (the latest `first_open` given
    /// to [`Days::judge_before`]).
    judged_before: Option<NaiveDate>,
    /// The social-media split summed over the judged dates.
    social_split: Split,
}

/// What [`Days::finish`] gives: the social-media split over every date,
/// the flagged days (sorted as [`Policy::evaluate_all`] sorts them),
/// whether the person is flagged, and the kept splits (social media,
/// non-work, device rules).
pub(super) struct Judged {
    pub social_split: Split,
    pub flagged_days: Vec<FlaggedDay>,
    pub flagged: bool,
    pub social_days: BTreeMap<NaiveDate, Split>,
    pub non_work_days: BTreeMap<NaiveDate, Split>,
    pub device_days: DeviceDays,
}

impl Days {
    /// Judges every date before `first_open` (no later piece of any union
    /// can add to it): its flagged days are found (not under
    /// [`KeepDays::Measure`]), its social-media split is added to the
    /// person's, and its splits are dropped unless `keep` keeps them.
    pub fn judge_before(
        &mut self,
        first_open: NaiveDate,
        user: &str,
        policy: &Policy,
        keep: KeepDays,
    ) {
        self.judged_before = self.judged_before.max(Some(first_open));
        let before = |days: &mut BTreeMap<NaiveDate, Split>| {
            let later = days.split_off(&first_open);
            std::mem::replace(days, later)
        };
        let social = before(&mut self.social);
        let non_work = before(&mut self.non_work);
        let mut devices = DeviceDays::new();
        for (t, days) in &mut self.devices {
            let judged = before(days);
            if !judged.is_empty() {
                devices.insert(*t, judged);
            }
        }
        if social.is_empty() && non_work.is_empty() && devices.is_empty() {
            return;
        }
        for s in social.values() {
            self.social_split.merge(s);
        }
        if keep != KeepDays::Measure {
            let found = policy.flag_days(user, &social, &non_work, &devices);
            crate::memory::reserve_by_quarters(&mut self.flagged, found.len());
            self.flagged.extend(found);
        }
        if keep == KeepDays::None {
            return;
        }
        let (kept_social, kept_non_work, kept_devices) = &mut self.kept;
        kept_social.extend(social);
        kept_non_work.extend(non_work);
        for (t, days) in devices {
            kept_devices.entry(t).or_default().extend(days);
        }
    }

    /// Every date before this one is judged (`None` before the first
    /// judgement).
    pub fn judged_before(&self) -> Option<NaiveDate> {
        self.judged_before
    }

    /// The flagged days judged so far, in the order judged.
    pub fn flagged(&self) -> &[FlaggedDay] {
        &self.flagged
    }

    /// The kept split of `date` that a finding of `reason` measures (see
    /// [`super::policy::days_for`]); `None` when the date has none.
    pub fn kept(&self, reason: Reason, date: NaiveDate) -> Option<&Split> {
        let (social, non_work, devices) = &self.kept;
        days_for(reason, social, non_work, devices).get(&date)
    }

    /// Drops the kept splits of every date before `date`.
    pub fn drop_kept_before(&mut self, date: NaiveDate) {
        let (social, non_work, devices) = &mut self.kept;
        let drop = |days: &mut BTreeMap<NaiveDate, Split>| *days = days.split_off(&date);
        drop(social);
        drop(non_work);
        devices.values_mut().for_each(drop);
        devices.retain(|_, days| !days.is_empty());
    }

    /// Judges every date left (the stream has ended) and gives the result.
    pub fn finish(mut self, user: &str, policy: &Policy, keep: KeepDays) -> Judged {
        self.judge_before(NaiveDate::MAX, user, policy, keep);
        let mut flagged_days = self.flagged;
        let flagged = policy.verdict(&mut flagged_days);
        let (social_days, non_work_days, device_days) = self.kept;
        Judged {
            social_split: self.social_split,
            flagged_days,
            flagged,
            social_days,
            non_work_days,
            device_days,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::policy::{PersonalUse, Reason};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, d).unwrap()
    }

    fn working(s: i64) -> Split {
        Split {
            working_ms: s * 1000,
            core_ms: s * 1000,
            ..Split::default()
        }
    }

    /// Five days of social media at 600, 1000, 0 (no entry), 2000 and 300 s
    /// of working time, judged in two steps, give what one evaluation of the
    /// whole week gives, and keep only what they are asked to.
    #[test]
    fn judging_in_steps_equals_judging_at_once() {
        let policy = Policy::with_defaults(PersonalUse::NotPermitted);
        let week: BTreeMap<NaiveDate, Split> = [(2, 600), (3, 1000), (5, 2000), (6, 300)]
            .into_iter()
            .map(|(d, s)| (day(d), working(s)))
            .collect();
        let (at_once, flagged_at_once) =
            policy.evaluate_all("dbrown", &week, &BTreeMap::new(), &DeviceDays::new());
        for keep in [KeepDays::None, KeepDays::All, KeepDays::Measure] {
            let mut days = Days {
                social: week.clone(),
                ..Days::default()
            };
            days.judge_before(day(4), "dbrown", &policy, keep);
            assert_eq!(
                days.social.keys().copied().collect::<Vec<_>>(),
                [day(5), day(6)]
            );
            assert_eq!(days.judged_before(), Some(day(4)));
            if keep == KeepDays::Measure {
                // The sensitivity pass measures; it finds nothing itself,
                // and its caller takes the dates judged.
                assert!(days.flagged().is_empty());
                assert_eq!(
                    days.kept(Reason::Counted, day(3)).map(|s| s.working_ms),
                    Some(1_000_000)
                );
                assert_eq!(days.kept(Reason::NonWork, day(3)), None);
                days.drop_kept_before(day(3));
                let judged = days.finish("dbrown", &policy, keep);
                assert!(judged.flagged_days.is_empty() && !judged.flagged);
                assert_eq!(judged.social_split.working_ms, 3_900_000);
                assert_eq!(
                    judged.social_days.keys().copied().collect::<Vec<_>>(),
                    [day(3), day(5), day(6)]
                );
                continue;
            }
            let judged = days.finish("dbrown", &policy, keep);
            assert_eq!(judged.flagged_days, at_once);
            assert_eq!(judged.flagged, flagged_at_once);
            // The default limit is 15 min (900 s): 1000 s and 2000 s are over.
            assert_eq!(
                judged
                    .flagged_days
                    .iter()
                    .map(|d| (d.date, d.counted_s, d.reason))
                    .collect::<Vec<_>>(),
                [
                    (day(3), 1000, Reason::Counted),
                    (day(5), 2000, Reason::Counted)
                ]
            );
            assert_eq!(judged.social_split.working_ms, 3_900_000);
            let kept: Vec<NaiveDate> = judged.social_days.keys().copied().collect();
            match keep {
                KeepDays::All => assert_eq!(kept, [day(2), day(3), day(5), day(6)]),
                _ => assert!(kept.is_empty()),
            }
        }
    }
}
