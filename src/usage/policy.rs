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
