//! Policy flags: which days and people exceed the organisation's policy.
//!
//! The seed policies: Chelmsford limits personal use to official breaks
//! (`breaks_only`: social-media time in working time counts); North West
//! Leicestershire allows no personal social networking from council computers
//! at any time, except designated users (`not_permitted`: all social-media
//! time counts; `exempt_users`); Sheffield allows personal use in breaks and
//! own time if not excessive (`reasonable`: working time counts, with the
//! daily threshold marking "excessive").

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use serde::Serialize;

use super::schedule::Split;

/// What personal use of social media the policy allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonalUse {
    /// Only in official breaks and outside working hours: working time counts.
    BreaksOnly,
    /// Not at any time: working, break and outside time all count.
    NotPermitted,
    /// Allowed if not excessive: working time counts against the threshold.
    Reasonable,
}

impl PersonalUse {
    /// Parses the config value.
    ///
    /// # Errors
    /// Any name but `breaks_only`, `not_permitted`, `reasonable`.
    pub fn parse(s: &str) -> Result<PersonalUse, String> {
        match s {
            "breaks_only" => Ok(PersonalUse::BreaksOnly),
            "not_permitted" => Ok(PersonalUse::NotPermitted),
            "reasonable" => Ok(PersonalUse::Reasonable),
            other => Err(format!(
                "personal_use must be breaks_only, not_permitted or reasonable, not `{other}`"
            )),
        }
    }

    /// What counts against the threshold, in words.
    pub fn describe(self) -> &'static str {
        match self {
            PersonalUse::BreaksOnly => {
                "social-media time in working time counts; official breaks and time outside working hours do not"
            }
            PersonalUse::Reasonable => {
                "social-media time in working time counts; breaks and own time are allowed if not excessive"
            }
            PersonalUse::NotPermitted => {
                "all social-media time counts: working time, official breaks and outside working hours"
            }
        }
    }

    /// The social-media milliseconds of a day that count against the threshold.
    pub fn counted_ms(self, day: &Split) -> i64 {
        match self {
            PersonalUse::BreaksOnly | PersonalUse::Reasonable => day.working_ms,
            PersonalUse::NotPermitted => day.total_ms(),
        }
    }
}

/// A validated policy.
#[derive(Debug, Clone, Serialize)]
pub struct Policy {
    /// What personal use is allowed.
    pub personal_use: PersonalUse,
    /// A day is flagged when its counted social-media time exceeds this (s).
    pub max_counted_s_per_day: u64,
    /// A person is flagged with at least this many flagged days.
    pub min_flagged_days: u32,
    /// Designated business accounts (normalised user names), never flagged.
    pub exempt_users: HashSet<String>,
}

/// One day that exceeds the policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlaggedDay {
    /// Local date.
    pub date: NaiveDate,
    /// Social-media time that counted against the threshold (s, rounded down).
    pub counted_s: i64,
    /// Social-media time in working time (s).
    pub working_s: i64,
    /// Social-media time in official breaks (s).
    pub break_s: i64,
    /// Social-media time outside working hours (s).
    pub outside_s: i64,
}

impl Policy {
    /// The flagged days among a person's social-media days, and whether the
    /// person is flagged.
    pub fn evaluate(
        &self,
        user: &str,
        days: &BTreeMap<NaiveDate, Split>,
    ) -> (Vec<FlaggedDay>, bool) {
        if self.exempt_users.contains(user) {
            return (Vec::new(), false);
        }
        let limit_ms = self.max_counted_s_per_day as i64 * 1000;
        let flagged: Vec<FlaggedDay> = days
            .iter()
            .filter(|(_, s)| self.personal_use.counted_ms(s) > limit_ms)
            .map(|(d, s)| FlaggedDay {
                date: *d,
                counted_s: self.personal_use.counted_ms(s) / 1000,
                working_s: s.working_ms / 1000,
                break_s: s.break_ms / 1000,
                outside_s: s.outside_ms / 1000,
            })
            .collect();
        let is_flagged = !flagged.is_empty() && flagged.len() as u32 >= self.min_flagged_days;
        (flagged, is_flagged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 6, d).unwrap()
    }

    fn split(working_s: i64, break_s: i64, outside_s: i64) -> Split {
        Split {
            working_ms: working_s * 1000,
            break_ms: break_s * 1000,
            outside_ms: outside_s * 1000,
        }
    }

    fn policy(personal_use: PersonalUse, min_days: u32) -> Policy {
        Policy {
            personal_use,
            max_counted_s_per_day: 900,
            min_flagged_days: min_days,
            exempt_users: HashSet::from(["housing.comms".to_string()]),
        }
    }

    /// Mon: 16 min working; Tue: exactly 15 min working; Wed: 1 h at lunch
    /// and 2 h in the evening, 5 min working.
    fn week() -> BTreeMap<NaiveDate, Split> {
        BTreeMap::from([
            (day(9), split(960, 0, 0)),
            (day(10), split(900, 0, 0)),
            (day(11), split(300, 3600, 7200)),
        ])
    }

    #[test]
    fn breaks_only_counts_working_time_and_the_limit_itself_is_not_over() {
        let (days, flagged) = policy(PersonalUse::BreaksOnly, 1).evaluate("dbrown", &week());
        assert!(flagged);
        assert_eq!(
            days,
            vec![FlaggedDay {
                date: day(9),
                counted_s: 960,
                working_s: 960,
                break_s: 0,
                outside_s: 0
            }]
        );
    }

    #[test]
    fn not_permitted_counts_every_minute_of_the_day() {
        let (days, flagged) = policy(PersonalUse::NotPermitted, 1).evaluate("dbrown", &week());
        assert!(flagged);
        let counted: Vec<(NaiveDate, i64)> = days.iter().map(|d| (d.date, d.counted_s)).collect();
        assert_eq!(counted, vec![(day(9), 960), (day(11), 11_100)]);
    }

    #[test]
    fn a_person_needs_the_minimum_number_of_flagged_days() {
        let (days, flagged) = policy(PersonalUse::NotPermitted, 3).evaluate("dbrown", &week());
        assert_eq!(days.len(), 2);
        assert!(!flagged, "two flagged days, three needed");
        let (_, flagged) = policy(PersonalUse::NotPermitted, 2).evaluate("dbrown", &week());
        assert!(flagged);
    }

    #[test]
    fn designated_users_are_never_flagged() {
        let (days, flagged) =
            policy(PersonalUse::NotPermitted, 1).evaluate("housing.comms", &week());
        assert!(days.is_empty() && !flagged);
    }

    #[test]
    fn personal_use_names_parse_and_others_are_refused() {
        assert_eq!(
            PersonalUse::parse("breaks_only"),
            Ok(PersonalUse::BreaksOnly)
        );
        assert_eq!(
            PersonalUse::parse("not_permitted"),
            Ok(PersonalUse::NotPermitted)
        );
        assert_eq!(
            PersonalUse::parse("reasonable"),
            Ok(PersonalUse::Reasonable)
        );
        let e = PersonalUse::parse("lunch").unwrap_err();
        assert!(e.contains("`lunch`"), "{e}");
    }
}
