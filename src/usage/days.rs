//! A person's time per local date, judged by the policy as each date
//! becomes final and then dropped, so that a year streams through in about
//! a week's memory.
//!
//! The stream ([`super::stream`]) splits each piece of a union (social
//! media, the non-work categories, each device rule's devices) over local
//! dates as the piece becomes final. A date is final once no later piece
//! can reach it: [`Days::judge_before`] is given the first date a later
//! piece may still add to, judges every earlier date by
//! [`Policy::flag_days`], adds it to the person's social-media split, and
//! keeps its split only where [`KeepDays`] asks.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;

use super::policy::{DeviceDays, FlaggedDay, Policy};
use super::schedule::Split;

/// Which judged dates keep their split in [`super::PersonUsage`]'s
/// `social_days`, `non_work_days` and `device_days`.
#[derive(Debug, Clone, Default)]
pub enum KeepDays {
    /// None: `usage` and `flags`, which need only the flagged days
    /// ([`FlaggedDay`] carries their figures) and the totals.
    #[default]
    None,
    /// Every date: an evidence pack's one person.
    All,
    /// These dates, by user name, and no findings: the sensitivity pass,
    /// which measures the days the main model flagged under each other
    /// model and judges nothing itself.
    Only(HashMap<String, BTreeSet<NaiveDate>>),
}

/// No dates.
static NO_DATES: BTreeSet<NaiveDate> = BTreeSet::new();

impl KeepDays {
    /// What to keep of `user`'s dates.
    pub(super) fn of(&self, user: &str) -> Keep<'_> {
        match self {
            KeepDays::None => Keep::None,
            KeepDays::All => Keep::All,
            KeepDays::Only(by_user) => Keep::Only(by_user.get(user).unwrap_or(&NO_DATES)),
        }
    }
}

/// [`KeepDays`] for one person.
#[derive(Debug, Clone, Copy)]
pub(super) enum Keep<'a> {
    None,
    All,
    Only(&'a BTreeSet<NaiveDate>),
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
    /// [`KeepDays::Only`]), its social-media split is added to the
    /// person's, and its splits are dropped unless `keep` keeps them.
    pub fn judge_before(&mut self, first_open: NaiveDate, user: &str, policy: &Policy, keep: Keep) {
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
        if !matches!(keep, Keep::Only(_)) {
            self.flagged
                .extend(policy.flag_days(user, &social, &non_work, &devices));
        }
        let keeps = |d: &NaiveDate| match keep {
            Keep::None => false,
            Keep::All => true,
            Keep::Only(dates) => dates.contains(d),
        };
        let (kept_social, kept_non_work, kept_devices) = &mut self.kept;
        kept_social.extend(social.into_iter().filter(|(d, _)| keeps(d)));
        kept_non_work.extend(non_work.into_iter().filter(|(d, _)| keeps(d)));
        for (t, days) in devices {
            let kept: BTreeMap<_, _> = days.into_iter().filter(|(d, _)| keeps(d)).collect();
            if !kept.is_empty() {
                kept_devices.entry(t).or_default().extend(kept);
            }
        }
    }

    /// Judges every date left (the stream has ended) and gives the result.
    pub fn finish(mut self, user: &str, policy: &Policy, keep: Keep) -> Judged {
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
        let wanted = BTreeSet::from([day(3), day(6)]);
        for keep in [Keep::None, Keep::All, Keep::Only(&wanted)] {
            let mut days = Days {
                social: week.clone(),
                ..Days::default()
            };
            days.judge_before(day(4), "dbrown", &policy, keep);
            assert_eq!(
                days.social.keys().copied().collect::<Vec<_>>(),
                [day(5), day(6)]
            );
            let judged = days.finish("dbrown", &policy, keep);
            if let Keep::Only(_) = keep {
                // The sensitivity pass measures; it finds nothing itself.
                assert!(judged.flagged_days.is_empty() && !judged.flagged);
                assert_eq!(judged.social_split.working_ms, 3_900_000);
                assert_eq!(
                    judged.social_days.keys().copied().collect::<Vec<_>>(),
                    [day(3), day(6)]
                );
                continue;
            }
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
                Keep::All => assert_eq!(kept, [day(2), day(3), day(5), day(6)]),
                _ => assert!(kept.is_empty()),
            }
        }
    }
}
