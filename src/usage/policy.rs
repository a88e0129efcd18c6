//! Policy flags: which days and people exceed the organisation's policy.
//!
//! The seed policies: Chelmsford limits personal use to official breaks
//! (`breaks_only`: social-media time in working time counts); North West
//! Leicestershire allows no personal social networking from council computers
//! at any time, except designated users (`not_permitted`: all social-media
//! time counts; `exempt_users`); Sheffield allows personal use in breaks and
//! own time and outside core hours if not excessive (`outside_core_hours`:
//! core-hours time counts against the working limit, and breaks, own time and
//! the flexitime band against a higher "not excessive" limit). `reasonable` is
//! the same without core hours: working time against the working limit, and
//! breaks and own time against the own-time limit.

use std::collections::{BTreeMap, BTreeSet, HashSet};

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
    /// Allowed in breaks and own time if not excessive: working time counts
    /// against the working limit, breaks and outside time against the
    /// own-time limit.
    Reasonable,
    /// Allowed in breaks, own time and outside core hours if not excessive
    /// (Sheffield): core-hours time counts against the working limit; breaks,
    /// outside time and the flexitime band against the own-time limit.
    OutsideCoreHours,
}

/// Which of the policy's limits a day is over. Serialised as its
/// [`Reason::name`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The time the policy counts (working, core or all) is over
    /// `max_working_minutes_per_day`.
    Counted,
    /// Breaks and own time are over `max_own_time_minutes_per_day` ("not excessive").
    OwnTime,
    /// Non-work categories in working time are over
    /// `max_non_work_minutes_per_day` (excessive non-work use).
    NonWork,
    /// The social-media time of one device type (one of
    /// [`crate::identity::sources::assets::DEVICE_TYPES`]) that its own rule
    /// counts is over that rule's limit (`[policy.devices.<type>]`: North
    /// West Leicestershire 1.4, phones "excessively [...] during working
    /// hours").
    Device(&'static str),
}

impl Reason {
    /// `counted`, `own_time`, `non_work`, or `counted_on_<type>` for a
    /// device rule.
    pub fn name(self) -> &'static str {
        match self {
            Reason::Counted => "counted",
            Reason::OwnTime => "own_time",
            Reason::NonWork => "non_work",
            Reason::Device("computer") => "counted_on_computer",
            Reason::Device("phone") => "counted_on_phone",
            Reason::Device("tablet") => "counted_on_tablet",
            Reason::Device(_) => "counted_on_device",
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The rule for one device type (`[policy.devices.<type>]`): what its
/// social-media time counts and the daily limit. Events from other devices,
/// or from none the asset register names, are judged by the main rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DeviceRule {
    /// What personal use the rule allows.
    pub personal_use: PersonalUse,
    /// A day is flagged when the device's counted time exceeds this (s).
    pub max_counted_s_per_day: u64,
}

/// What the council's policy calls social media: categories, and sites
/// beside them (Sheffield's "Wikipedia sites").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SocialMedia {
    /// Category names.
    pub categories: BTreeSet<String>,
    /// Site names.
    pub sites: BTreeSet<String>,
}

impl SocialMedia {
    /// netusage's default: the seven categories of
    /// [`crate::classify::SOCIAL_MEDIA`], no sites.
    pub fn default_set() -> SocialMedia {
        SocialMedia {
            categories: crate::classify::SOCIAL_MEDIA
                .iter()
                .map(|c| c.to_string())
                .collect(),
            sites: BTreeSet::new(),
        }
    }

    /// True when requests to `site` of `category` are social media. Work
    /// use (a designation or the allow-list) never is.
    pub fn contains(&self, site: &str, category: &str) -> bool {
        !super::work_use::is_work_use(category)
            && (self.categories.contains(category) || self.sites.contains(site))
    }

    /// The definition in words: `categories a, b; sites c`.
    pub fn words(&self) -> String {
        let mut s = format!(
            "categories {}",
            self.categories
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        );
        if !self.sites.is_empty() {
            s.push_str(&format!(
                "; sites {}",
                self.sites.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        s
    }
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
            "outside_core_hours" => Ok(PersonalUse::OutsideCoreHours),
            other => Err(format!(
                "personal_use must be breaks_only, not_permitted, reasonable or outside_core_hours, not `{other}`"
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
                "social-media time in working time counts; breaks and own time are allowed if not excessive (the own-time limit)"
            }
            PersonalUse::OutsideCoreHours => {
                "social-media time in core hours (outside breaks) counts; breaks, own time and flexitime outside core hours are allowed if not excessive (the own-time limit)"
            }
            PersonalUse::NotPermitted => {
                "all social-media time counts: working time, official breaks and outside working hours"
            }
        }
    }

    /// The social-media milliseconds of a day that count against the
    /// working limit: working time, core time, or all of it.
    pub fn counted_ms(self, day: &Split) -> i64 {
        match self {
            PersonalUse::BreaksOnly | PersonalUse::Reasonable => day.working_ms,
            PersonalUse::OutsideCoreHours => day.core_ms,
            PersonalUse::NotPermitted => day.total_ms(),
        }
    }

    /// The social-media milliseconds of a day allowed "if not excessive",
    /// which count against the own-time limit; `None` when the policy has
    /// no such allowance.
    pub fn own_ms(self, day: &Split) -> Option<i64> {
        match self {
            PersonalUse::Reasonable => Some(day.break_ms + day.outside_ms),
            PersonalUse::OutsideCoreHours => Some(day.own_ms()),
            PersonalUse::BreaksOnly | PersonalUse::NotPermitted => None,
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
    /// For `reasonable` and `outside_core_hours`: a day is also flagged when
    /// its social-media time in breaks and own time exceeds this (s).
    pub max_own_s_per_day: u64,
    /// A person is flagged with at least this many flagged days.
    pub min_flagged_days: u32,
    /// Designated business accounts (normalised user names), never flagged:
    /// an unscoped designation (every site, every date). Scoped ones are in
    /// `work_use`.
    pub exempt_users: HashSet<String>,
    /// What the policy calls social media.
    pub social: SocialMedia,
    /// The categories of the excessive non-work use finding; empty: none.
    pub non_work: BTreeSet<String>,
    /// A day is flagged `non_work` when non-work time in working time
    /// exceeds this (s).
    pub max_non_work_s_per_day: u64,
    /// Scoped designations and the business allow-list.
    pub work_use: super::work_use::WorkUse,
    /// The clause each finding quotes, by [`Reason::name`] (empty when no
    /// preset gives one).
    pub quotes: BTreeMap<String, String>,
    /// Rules of their own for some device types (by type name, one of
    /// [`crate::identity::sources::assets::DEVICE_TYPES`]); empty: every
    /// device is judged by the main rule.
    pub devices: BTreeMap<&'static str, DeviceRule>,
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
    /// Social-media time in breaks and own time (s; 0 for policies without
    /// an own-time allowance).
    pub own_s: i64,
    /// The limit the day is over (the working limit when over both).
    pub reason: Reason,
}

impl FlaggedDay {
    /// The time measured against the limit the day is over (s, rounded
    /// down): `own_s` for `own_time`, `counted_s` otherwise (for a device
    /// rule, that rule's counted time; for `non_work`, the non-work
    /// categories' working time). Its milliseconds were over the limit
    /// (the day is flagged); in whole seconds it may equal the limit, so
    /// nothing is judged against the limit from it.
    pub fn measured_s(&self) -> i64 {
        match self.reason {
            Reason::OwnTime => self.own_s,
            Reason::Counted | Reason::NonWork | Reason::Device(_) => self.counted_s,
        }
    }
}

/// A person's social-media split per local date for each device rule (by
/// device type) and, under the key `""`, for the events the main rule
/// judges; empty when the policy has no device rules.
pub type DeviceDays = BTreeMap<&'static str, BTreeMap<NaiveDate, Split>>;

/// No days.
static NO_DAYS: BTreeMap<NaiveDate, Split> = BTreeMap::new();

/// Of a person's splits per local date (social media, the non-work
/// categories, each device rule's devices), the days a finding of `reason`
/// measures: the non-work split for `non_work`, a device rule's devices'
/// split for its rule, the social-media split (of the devices the main rule
/// judges, `""`, when the policy has device rules) otherwise.
pub fn days_for<'a>(
    reason: Reason,
    social: &'a BTreeMap<NaiveDate, Split>,
    non_work: &'a BTreeMap<NaiveDate, Split>,
    devices: &'a DeviceDays,
) -> &'a BTreeMap<NaiveDate, Split> {
    match reason {
        Reason::NonWork => non_work,
        Reason::Device(t) => devices.get(t).unwrap_or(&NO_DAYS),
        _ if !devices.is_empty() => devices.get("").unwrap_or(&NO_DAYS),
        _ => social,
    }
}

impl Policy {
    /// A policy of `personal_use` with netusage's defaults: 15 min a day,
    /// 60 min of own time, 1 day, the default social-media categories, the
    /// default non-work categories over 60 min, no designations, no quotes.
    pub fn with_defaults(personal_use: PersonalUse) -> Policy {
        Policy {
            personal_use,
            max_counted_s_per_day: 900,
            max_own_s_per_day: 3600,
            min_flagged_days: 1,
            exempt_users: HashSet::new(),
            social: SocialMedia::default_set(),
            non_work: crate::config::NON_WORK_DEFAULT
                .iter()
                .map(|c| c.to_string())
                .collect(),
            max_non_work_s_per_day: 3600,
            work_use: super::work_use::WorkUse::default(),
            quotes: BTreeMap::new(),
            devices: BTreeMap::new(),
        }
    }

    /// The rule group of an event from a device of `device_type` (empty
    /// when not known): the type itself when it has a rule of its own,
    /// `""` (the main rule) otherwise.
    pub fn device_group(&self, device_type: &str) -> &'static str {
        self.devices
            .get_key_value(device_type)
            .map_or("", |(k, _)| *k)
    }

    /// The limit a day's social-media split is over, if any (the working
    /// limit first).
    pub fn over(&self, day: &Split) -> Option<Reason> {
        if self.personal_use.counted_ms(day) > self.limit_ms(Reason::Counted) {
            return Some(Reason::Counted);
        }
        match self.personal_use.own_ms(day) {
            Some(own) if own > self.limit_ms(Reason::OwnTime) => Some(Reason::OwnTime),
            _ => None,
        }
    }

    /// The social-media time of `date` that each rule counts (ms): the
    /// main rule's part of `all` (the day's split over every device), or,
    /// with device rules, of the main rule's devices' split; and each device
    /// rule's part of its devices' split, by type (empty without device
    /// rules). The parts are not added: a phone and a PC in the same minute
    /// are each counted by their own rule.
    pub fn counted_ms_by_rule(
        &self,
        date: NaiveDate,
        all: &Split,
        device_days: &DeviceDays,
    ) -> (i64, BTreeMap<&'static str, i64>) {
        if self.devices.is_empty() {
            return (self.personal_use.counted_ms(all), BTreeMap::new());
        }
        let of = |group: &str| device_days.get(group).and_then(|d| d.get(&date));
        let main = of("").map_or(0, |s| self.personal_use.counted_ms(s));
        let devices = self
            .devices
            .iter()
            .map(|(t, rule)| (*t, of(t).map_or(0, |s| rule.personal_use.counted_ms(s))))
            .collect();
        (main, devices)
    }

    /// The limits in words: when a day and when a person is flagged.
    pub fn limits_words(&self) -> String {
        let minutes = |s: u64| s / 60;
        let mut day = if self.max_counted_s_per_day == 0 {
            "a day with any counted social-media time is flagged".to_string()
        } else {
            format!(
                "a day with more than {} min of counted social-media time is flagged",
                minutes(self.max_counted_s_per_day)
            )
        };
        if self.personal_use.own_ms(&Split::default()).is_some() {
            day.push_str(&format!(
                ", as is one with more than {} min in breaks and own time (excessive)",
                minutes(self.max_own_s_per_day)
            ));
        }
        if !self.non_work.is_empty() {
            day.push_str(&format!(
                "; a day with more than {} min of non-work sites ({}) in working time is flagged as excessive non-work use",
                minutes(self.max_non_work_s_per_day),
                self.non_work.iter().cloned().collect::<Vec<_>>().join(", ")
            ));
        }
        day.push_str(&self.devices_words());
        format!(
            "{day}; a person is flagged with at least {} such day(s)",
            self.min_flagged_days
        )
    }

    /// The device rules in words (empty without any): `; social-media time
    /// from a phone […] is judged apart: …`.
    fn devices_words(&self) -> String {
        self.devices
            .iter()
            .map(|(t, r)| {
                format!(
                    "; social-media time from a {t} (as the asset register names it) is judged apart: {}, and a day with more than {} min of it is flagged",
                    r.personal_use.describe(),
                    r.max_counted_s_per_day / 60
                )
            })
            .collect()
    }

    /// True when `category` is one of the non-work finding's.
    pub fn is_non_work(&self, category: &str) -> bool {
        self.non_work.contains(category)
    }

    /// A flag's reason: its name, then the clause it rests on in quotes
    /// when the preset gives one (`counted: "This must be limited to…"`).
    pub fn reason_text(&self, reason: Reason) -> String {
        match self.quotes.get(reason.name()) {
            Some(q) if !q.is_empty() => format!("{}: \"{q}\"", reason.name()),
            _ => reason.name().to_string(),
        }
    }

    /// The time of a day measured against the limit of `reason` (ms).
    pub fn measure_ms(&self, reason: Reason, day: &Split) -> i64 {
        match reason {
            Reason::Counted => self.personal_use.counted_ms(day),
            Reason::OwnTime => self.personal_use.own_ms(day).unwrap_or(0),
            Reason::NonWork => day.working_ms,
            Reason::Device(t) => self
                .devices
                .get(t)
                .map_or(0, |r| r.personal_use.counted_ms(day)),
        }
    }

    /// The limit of `reason` (ms).
    pub fn limit_ms(&self, reason: Reason) -> i64 {
        let s = match reason {
            Reason::Counted => self.max_counted_s_per_day,
            Reason::OwnTime => self.max_own_s_per_day,
            Reason::NonWork => self.max_non_work_s_per_day,
            Reason::Device(t) => self
                .devices
                .get(t)
                .map_or(u64::MAX / 2000, |r| r.max_counted_s_per_day),
        };
        i64::try_from(s)
            .unwrap_or(i64::MAX / 2)
            .saturating_mul(1000)
    }

    /// The flagged days among a person's social-media days, and whether the
    /// person is flagged.
    pub fn evaluate(
        &self,
        user: &str,
        days: &BTreeMap<NaiveDate, Split>,
    ) -> (Vec<FlaggedDay>, bool) {
        self.evaluate_all(user, days, &BTreeMap::new(), &BTreeMap::new())
    }

    /// As [`Policy::evaluate`], with each day's non-work split
    /// (`non_work_days`) measured against the non-work limit too: a day
    /// over both has two entries, the social-media one first. With device
    /// rules, the main rule judges `device_days[""]` instead of `days`, and
    /// each device rule its type's days ([`Reason::Device`], after the main
    /// rule's entry of the same date).
    pub fn evaluate_all(
        &self,
        user: &str,
        days: &BTreeMap<NaiveDate, Split>,
        non_work_days: &BTreeMap<NaiveDate, Split>,
        device_days: &DeviceDays,
    ) -> (Vec<FlaggedDay>, bool) {
        let mut flagged = self.flag_days(user, days, non_work_days, device_days);
        let is_flagged = self.verdict(&mut flagged);
        (flagged, is_flagged)
    }

    /// The flagged days of [`Policy::evaluate_all`], unsorted and without
    /// the verdict: each date is judged on its own, so the days of a long
    /// range can be judged a few at a time as they become final
    /// ([`super::days`]) and the results joined by [`Policy::verdict`].
    /// None for an exempt user.
    pub fn flag_days(
        &self,
        user: &str,
        days: &BTreeMap<NaiveDate, Split>,
        non_work_days: &BTreeMap<NaiveDate, Split>,
        device_days: &DeviceDays,
    ) -> Vec<FlaggedDay> {
        if self.exempt_users.contains(user) {
            return Vec::new();
        }
        let counted = days_for(Reason::Counted, days, non_work_days, device_days);
        let mut flagged: Vec<FlaggedDay> = counted
            .iter()
            .filter_map(|(d, s)| {
                Some(FlaggedDay {
                    date: *d,
                    counted_s: self.personal_use.counted_ms(s) / 1000,
                    working_s: s.working_ms / 1000,
                    break_s: s.break_ms / 1000,
                    outside_s: s.outside_ms / 1000,
                    own_s: self.personal_use.own_ms(s).unwrap_or(0) / 1000,
                    reason: self.over(s)?,
                })
            })
            .collect();
        for (t, rule) in &self.devices {
            let limit = self.limit_ms(Reason::Device(t));
            flagged.extend(
                days_for(Reason::Device(t), days, non_work_days, device_days)
                    .iter()
                    .filter(|(_, s)| rule.personal_use.counted_ms(s) > limit)
                    .map(|(d, s)| FlaggedDay {
                        date: *d,
                        counted_s: rule.personal_use.counted_ms(s) / 1000,
                        working_s: s.working_ms / 1000,
                        break_s: s.break_ms / 1000,
                        outside_s: s.outside_ms / 1000,
                        own_s: 0,
                        reason: Reason::Device(t),
                    }),
            );
        }
        if !self.non_work.is_empty() {
            let limit = self.limit_ms(Reason::NonWork);
            flagged.extend(
                non_work_days
                    .iter()
                    .filter(|(_, s)| s.working_ms > limit)
                    .map(|(d, s)| FlaggedDay {
                        date: *d,
                        counted_s: s.working_ms / 1000,
                        working_s: s.working_ms / 1000,
                        break_s: s.break_ms / 1000,
                        outside_s: s.outside_ms / 1000,
                        own_s: 0,
                        reason: Reason::NonWork,
                    }),
            );
        }
        flagged
    }

    /// Sorts a person's flagged days (by date; on one date the social-media
    /// finding, then the device rules', then the non-work one) and says
    /// whether they flag the person: at least `min_flagged_days` distinct
    /// dates.
    pub fn verdict(&self, flagged: &mut [FlaggedDay]) -> bool {
        flagged.sort_by_key(|d| {
            let order = match d.reason {
                Reason::Counted | Reason::OwnTime => 0,
                Reason::Device(_) => 1,
                Reason::NonWork => 2,
            };
            (d.date, order)
        });
        let dates: BTreeSet<NaiveDate> = flagged.iter().map(|d| d.date).collect();
        !dates.is_empty() && dates.len() as u32 >= self.min_flagged_days
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
            core_ms: working_s * 1000,
        }
    }

    fn policy(personal_use: PersonalUse, min_days: u32) -> Policy {
        Policy {
            personal_use,
            max_counted_s_per_day: 900,
            max_own_s_per_day: 3600,
            min_flagged_days: min_days,
            exempt_users: HashSet::from(["housing.comms".to_string()]),
            ..Policy::with_defaults(personal_use)
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
                outside_s: 0,
                own_s: 0,
                reason: Reason::Counted,
            }]
        );
    }

    #[test]
    fn reasonable_flags_working_time_and_excessive_own_time() {
        // Wed: 5 min working, 1 h lunch and 2 h evening = 3 h own time, over
        // the 1 h own-time limit; Mon is over the working limit.
        let (days, flagged) = policy(PersonalUse::Reasonable, 1).evaluate("dbrown", &week());
        assert!(flagged);
        let got: Vec<(NaiveDate, Reason, i64, i64)> = days
            .iter()
            .map(|d| (d.date, d.reason, d.counted_s, d.own_s))
            .collect();
        assert_eq!(
            got,
            vec![
                (day(9), Reason::Counted, 960, 0),
                (day(11), Reason::OwnTime, 300, 10_800)
            ]
        );
    }

    #[test]
    fn outside_core_hours_counts_core_time_and_flexi_as_own_time() {
        // 40 min of working time, of which 10 in core hours and 30 in the
        // flexitime band; 20 min at lunch.
        let flexi_day = Split {
            working_ms: 2_400_000,
            core_ms: 600_000,
            break_ms: 1_200_000,
            outside_ms: 0,
        };
        let days = BTreeMap::from([(day(12), flexi_day)]);
        let p = policy(PersonalUse::OutsideCoreHours, 1);
        assert_eq!(
            p.evaluate("dbrown", &days).0,
            vec![],
            "10 min core, 50 min own: within both"
        );
        // Breaks-only counts all 40 working minutes.
        let (d, _) = policy(PersonalUse::BreaksOnly, 1).evaluate("dbrown", &days);
        assert_eq!(d.iter().map(|d| d.counted_s).collect::<Vec<_>>(), [2400]);
        // 16 min in core hours is over the 15 min limit.
        let core_day = Split {
            core_ms: 960_000,
            ..flexi_day
        };
        let (d, flagged) = p.evaluate("dbrown", &BTreeMap::from([(day(12), core_day)]));
        assert!(flagged);
        assert_eq!(
            (d[0].reason, d[0].counted_s, d[0].own_s),
            (Reason::Counted, 960, 2640)
        );
        // 61 min of own time is excessive.
        let own_day = Split {
            break_ms: 1_860_000,
            ..flexi_day
        };
        let (d, _) = p.evaluate("dbrown", &BTreeMap::from([(day(12), own_day)]));
        assert_eq!((d[0].reason, d[0].own_s), (Reason::OwnTime, 3660));
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
    fn excessive_non_work_use_is_a_second_finding_over_working_time_only() {
        let mut p = policy(PersonalUse::BreaksOnly, 1);
        p.quotes.insert("non_work".into(), "excessive use".into());
        // 9th: 61 min of shopping in working time; 10th: exactly 60; 11th:
        // 30 working and 3 h in the evening; the 9th is over the social
        // limit too (16 min working).
        let non_work = BTreeMap::from([
            (day(9), split(3660, 0, 0)),
            (day(10), split(3600, 0, 0)),
            (day(11), split(1800, 0, 10_800)),
        ]);
        let (days, flagged) = p.evaluate_all("dbrown", &week(), &non_work, &BTreeMap::new());
        assert!(flagged);
        let got: Vec<(u32, Reason, i64)> = days
            .iter()
            .map(|d| (chrono::Datelike::day(&d.date), d.reason, d.counted_s))
            .collect();
        assert_eq!(
            got,
            [(9, Reason::Counted, 960), (9, Reason::NonWork, 3660)],
            "one day over both limits has two findings"
        );
        assert_eq!(
            p.reason_text(Reason::NonWork),
            "non_work: \"excessive use\""
        );
        assert_eq!(
            p.reason_text(Reason::Counted),
            "counted",
            "no quote without a preset"
        );
        // Two findings on one day are one flagged day.
        p.min_flagged_days = 2;
        assert!(
            !p.evaluate_all("dbrown", &week(), &non_work, &BTreeMap::new())
                .1
        );
        // No non-work categories: no such finding.
        p.non_work.clear();
        p.min_flagged_days = 1;
        assert_eq!(
            p.evaluate_all("dbrown", &week(), &non_work, &BTreeMap::new())
                .0
                .len(),
            1
        );
    }

    #[test]
    fn a_council_definition_of_social_media_adds_sites_and_never_takes_work_use() {
        let mut s = SocialMedia::default_set();
        assert!(s.contains("facebook", "social_networking"));
        assert!(!s.contains("wikimedia", "reference"));
        s.sites.insert("wikimedia".into());
        assert!(s.contains("wikimedia", "reference"));
        assert!(!s.contains("facebook", "designated:housing"));
        assert!(!s.contains("wikimedia", "work:research"));
    }

    #[test]
    fn a_device_rule_judges_its_devices_days_and_the_main_rule_the_rest() {
        // North West Leicestershire: computers any time (limit 0), phones
        // working time over 60 min.
        let mut p = policy(PersonalUse::NotPermitted, 1);
        p.max_counted_s_per_day = 0;
        p.devices.insert(
            "phone",
            DeviceRule {
                personal_use: PersonalUse::BreaksOnly,
                max_counted_s_per_day: 3600,
            },
        );
        p.quotes
            .insert("counted_on_phone".into(), "excessively".into());
        assert_eq!(p.device_group("phone"), "phone");
        assert_eq!(p.device_group("tablet"), "");
        assert_eq!(p.device_group(""), "");
        // 9th: 7 min on the PC in the evening, 71 min working and 21 at
        // lunch on the phone; 10th: 59 min working on the phone only; 11th:
        // 61 min working on the phone.
        let device_days: DeviceDays = BTreeMap::from([
            ("", BTreeMap::from([(day(9), split(0, 0, 420))])),
            (
                "phone",
                BTreeMap::from([
                    (day(9), split(4260, 1260, 0)),
                    (day(10), split(3540, 0, 0)),
                    (day(11), split(3660, 0, 0)),
                ]),
            ),
        ]);
        // `days` (every device) is not what the main rule judges.
        let (days, flagged) = p.evaluate_all("dbrown", &week(), &BTreeMap::new(), &device_days);
        assert!(flagged);
        let got: Vec<(u32, &str, i64)> = days
            .iter()
            .map(|d| (chrono::Datelike::day(&d.date), d.reason.name(), d.counted_s))
            .collect();
        assert_eq!(
            got,
            [
                (9, "counted", 420),
                (9, "counted_on_phone", 4260),
                (11, "counted_on_phone", 3660)
            ]
        );
        assert_eq!(
            p.reason_text(Reason::Device("phone")),
            "counted_on_phone: \"excessively\""
        );
        assert_eq!(p.limit_ms(Reason::Device("phone")), 3_600_000);
        assert_eq!(
            serde_json::to_string(&Reason::Device("phone")).unwrap(),
            "\"counted_on_phone\""
        );
        assert_eq!(
            serde_json::to_string(&Reason::OwnTime).unwrap(),
            "\"own_time\""
        );
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
        assert_eq!(
            PersonalUse::parse("outside_core_hours"),
            Ok(PersonalUse::OutsideCoreHours)
        );
        let e = PersonalUse::parse("lunch").unwrap_err();
        assert!(e.contains("`lunch`"), "{e}");
    }
}
