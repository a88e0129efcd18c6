//! Profiles: per person and local date, the schedule in force and whether the
//! person is on leave (docs/ARCHITECTURE.md, "Profiles").
//!
//! The config gives a default schedule (`[schedule]`) and named ones
//! (`[schedules.<name>]`). An HR export assigns people to named schedules
//! over date ranges (`--people`, CSV `user,schedule,from,to`), so a change of
//! hours mid-period applies from its date; a second export lists leave and
//! sickness days (`--leave`, CSV `user,date,kind`), on which no shift starts
//! and all time is outside working time. Everyone else, and everyone on
//! dates no row covers, works the default schedule.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::Serialize;

use super::schedule::{Plan, Schedule, Window};
use crate::identity::{Realms, normalise_user};

/// The name that means the default `[schedule]` in a people file.
pub const DEFAULT: &str = "default";

/// The kinds of leave a leave file may give: each is a day off.
pub const LEAVE_KINDS: [&str; 5] = [
    "annual_leave",
    "sickness",
    "special_leave",
    "unpaid_leave",
    "other_leave",
];

/// One row of a people file: `user` works `schedule` from `from` to `to`
/// (local dates, inclusive; no `to`: from then on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    /// Schedule name (`default` or a `[schedules.<name>]`).
    pub schedule: String,
    /// First local date.
    pub from: NaiveDate,
    /// Last local date, inclusive; `None`: open-ended.
    pub to: Option<NaiveDate>,
    /// Where it came from: `file:line`.
    pub source: String,
}

/// One day of leave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leave {
    /// One of [`LEAVE_KINDS`].
    pub kind: String,
    /// Where it came from: `file:line`.
    pub source: String,
}

/// The schedules and who works which, when.
#[derive(Debug, Clone)]
pub struct Profiles {
    default: Schedule,
    named: BTreeMap<String, Schedule>,
    assignments: HashMap<String, Vec<Assignment>>,
    leave: HashMap<String, BTreeMap<NaiveDate, Leave>>,
}

/// One person's profile: a [`Plan`] that answers with their schedule and leave.
#[derive(Debug, Clone, Copy)]
pub struct Person<'a> {
    default: &'a Schedule,
    named: &'a BTreeMap<String, Schedule>,
    assignments: &'a [Assignment],
    leave: Option<&'a BTreeMap<NaiveDate, Leave>>,
}

/// A CSV file's rows as maps from its header's names, with line numbers.
pub(crate) fn read_csv(
    bytes: &[u8],
    file: &str,
    columns: &[&str],
) -> Result<Vec<(u64, Vec<String>)>, String> {
    let mut r = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = r
        .headers()
        .map_err(|e| format!("{file}: cannot read the header: {e}"))?
        .clone();
    let index: Vec<usize> = columns
        .iter()
        .map(|c| {
            headers.iter().position(|h| h.trim() == *c).ok_or_else(|| {
                format!(
                    "{file}: the header has no `{c}` column (it needs {})",
                    columns.join(",")
                )
            })
        })
        .collect::<Result<_, _>>()?;
    // The line in the file as an editor numbers it, from the record's byte
    // offset (the csv crate's own count leaves out blank lines).
    let line_at = |p: Option<&csv::Position>| {
        p.map_or(0, |p| {
            let mut upto = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            // Its offset is where it began looking: before the blank lines
            // it skipped.
            while upto < bytes.len() && matches!(bytes[upto], b'\n' | b'\r') {
                upto += 1;
            }
            memchr::memchr_iter(b'\n', &bytes[..upto]).count() as u64 + 1
        })
    };
    let mut out = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| {
            let line = line_at(e.position());
            format!("{file} line {line}: {e}")
        })?;
        let line = line_at(rec.position());
        out.push((
            line,
            index
                .iter()
                .map(|&i| rec.get(i).unwrap_or("").trim().to_string())
                .collect(),
        ));
    }
    Ok(out)
}

fn parse_date(s: &str, what: &str, at: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{at}: {what} `{s}` is not a date as YYYY-MM-DD"))
}

impl Profiles {
    /// Profiles with a default and named schedules, nobody assigned.
    pub fn new(default: Schedule, named: BTreeMap<String, Schedule>) -> Profiles {
        Profiles {
            default,
            named,
            assignments: HashMap::new(),
            leave: HashMap::new(),
        }
    }

    /// Everyone on one schedule.
    pub fn single(schedule: Schedule) -> Profiles {
        Profiles::new(schedule, BTreeMap::new())
    }

    /// The default schedule (`[schedule]`).
    pub fn default_schedule(&self) -> &Schedule {
        &self.default
    }

    /// The named schedules, by name.
    pub fn named(&self) -> &BTreeMap<String, Schedule> {
        &self.named
    }

    /// Reads a people file (CSV with a header naming `user,schedule,from,to`,
    /// in any order, other columns ignored): user names are normalised as
    /// logged ones are; `to` may be empty (open-ended). Returns the rows read.
    ///
    /// # Errors
    /// `file line N: reason` for a bad date, an unknown schedule, a `to`
    /// before its `from`, or two rows of one person that overlap.
    pub fn read_people(
        &mut self,
        bytes: &[u8],
        file: &str,
        realms: &Realms,
    ) -> Result<usize, String> {
        let rows = read_csv(bytes, file, &["user", "schedule", "from", "to"])?;
        let mut new: HashMap<String, Vec<Assignment>> = HashMap::new();
        for (line, f) in &rows {
            let at = format!("{file} line {line}");
            if f[0].is_empty() {
                return Err(format!("{at}: no user"));
            }
            let user = normalise_user(Some(&f[0]), "", realms).into_owned();
            let schedule = f[1].clone();
            if schedule != DEFAULT && !self.named.contains_key(&schedule) {
                let mut names = vec![DEFAULT];
                names.extend(self.named.keys().map(String::as_str));
                return Err(format!(
                    "{at}: schedule `{schedule}` is not defined (the config has {}; add [schedules.{schedule}])",
                    names.join(", ")
                ));
            }
            let from = parse_date(&f[2], "from", &at)?;
            let to = match f[3].as_str() {
                "" => None,
                s => Some(parse_date(s, "to", &at)?),
            };
            if let Some(to) = to
                && to < from
            {
                return Err(format!("{at}: to {to} is before from {from}"));
            }
            new.entry(user).or_default().push(Assignment {
                schedule,
                from,
                to,
                source: format!("{file}:{line}"),
            });
        }
        for (user, mut list) in new {
            let all = self.assignments.entry(user).or_default();
            all.append(&mut list);
            all.sort_by_key(|a| a.from);
            for w in all.windows(2) {
                if w[0].to.is_none_or(|to| to >= w[1].from) {
                    return Err(format!(
                        "{} and {}: two schedules for one person overlap from {}",
                        w[0].source, w[1].source, w[1].from
                    ));
                }
            }
        }
        Ok(rows.len())
    }

    /// Reads a leave file (CSV with a header naming `user,date,kind`; kind
    /// one of [`LEAVE_KINDS`]). Returns the rows read.
    ///
    /// # Errors
    /// `file line N: reason` for a bad date or an unknown kind.
    pub fn read_leave(
        &mut self,
        bytes: &[u8],
        file: &str,
        realms: &Realms,
    ) -> Result<usize, String> {
        let rows = read_csv(bytes, file, &["user", "date", "kind"])?;
        let mut new = Vec::new();
        for (line, f) in &rows {
            let at = format!("{file} line {line}");
            if f[0].is_empty() {
                return Err(format!("{at}: no user"));
            }
            let date = parse_date(&f[1], "date", &at)?;
            if !LEAVE_KINDS.contains(&f[2].as_str()) {
                return Err(format!(
                    "{at}: kind `{}` is not one of {}",
                    f[2],
                    LEAVE_KINDS.join(", ")
                ));
            }
            let user = normalise_user(Some(&f[0]), "", realms).into_owned();
            new.push((
                user,
                date,
                Leave {
                    kind: f[2].clone(),
                    source: format!("{file}:{line}"),
                },
            ));
        }
        for (user, date, leave) in new {
            self.leave
                .entry(user)
                .or_default()
                .entry(date)
                .or_insert(leave);
        }
        Ok(rows.len())
    }

    /// Every user the people and leave files name, with the file and line
    /// of the first row that names them.
    pub fn named_users(&self) -> BTreeMap<&str, String> {
        let mut out: BTreeMap<&str, String> = BTreeMap::new();
        for (u, a) in &self.assignments {
            if let Some(first) = a.first() {
                out.entry(u.as_str())
                    .or_insert_with(|| first.source.clone());
            }
        }
        for (u, days) in &self.leave {
            if let Some(first) = days.values().next() {
                out.entry(u.as_str())
                    .or_insert_with(|| first.source.clone());
            }
        }
        out
    }

    /// Gives `to` the assignments and leave of `from` (an evidence pack
    /// analyses a subject's accounts under one label).
    pub fn alias(&mut self, from: &str, to: &str) {
        if let Some(a) = self.assignments.get(from).cloned() {
            self.assignments.insert(to.to_string(), a);
        }
        if let Some(l) = self.leave.get(from).cloned() {
            self.leave.insert(to.to_string(), l);
        }
    }

    /// The profile of `user` (a normalised name).
    pub fn person(&self, user: &str) -> Person<'_> {
        Person {
            default: &self.default,
            named: &self.named,
            assignments: self.assignments.get(user).map_or(&[], Vec::as_slice),
            leave: self.leave.get(user),
        }
    }

    /// Checks that every schedule's bank-holiday calendar covers `date`.
    ///
    /// # Errors
    /// As [`Schedule::check_covers`].
    pub fn check_covers(&self, date: NaiveDate) -> Result<(), String> {
        self.default.check_covers(date)?;
        for (name, s) in &self.named {
            s.check_covers(date)
                .map_err(|e| format!("[schedules.{name}]: {e}"))?;
        }
        Ok(())
    }
}

impl<'a> Person<'a> {
    /// The assignment in force on local `date`, if any.
    pub fn assignment(&self, date: NaiveDate) -> Option<&'a Assignment> {
        let i = self.assignments.partition_point(|a| a.from <= date);
        let a = self.assignments.get(i.checked_sub(1)?)?;
        a.to.is_none_or(|to| date <= to).then_some(a)
    }

    /// The name and schedule in force on local `date`.
    pub fn schedule_on(&self, date: NaiveDate) -> (&'a str, &'a Schedule) {
        match self.assignment(date) {
            Some(a) if a.schedule != DEFAULT => match self.named.get(&a.schedule) {
                Some(s) => (a.schedule.as_str(), s),
                None => (DEFAULT, self.default),
            },
            _ => (DEFAULT, self.default),
        }
    }

    /// The leave on local `date`, if any.
    pub fn leave_on(&self, date: NaiveDate) -> Option<&'a Leave> {
        self.leave?.get(&date)
    }

    /// Every assignment of this person, by date.
    pub fn assignments(&self) -> &'a [Assignment] {
        self.assignments
    }

    /// Every leave day of this person, by date.
    pub fn leave_days(&self) -> impl Iterator<Item = (&'a NaiveDate, &'a Leave)> {
        self.leave.into_iter().flatten()
    }
}

impl Plan for Person<'_> {
    fn tz(&self) -> Tz {
        self.default.tz
    }

    fn day_start(&self, date: NaiveDate) -> i64 {
        self.schedule_on(date).1.day_start(date)
    }

    fn windows(&self, date: NaiveDate) -> Cow<'_, [Window]> {
        if self.leave_on(date).is_some() {
            return Cow::Owned(Vec::new());
        }
        self.schedule_on(date).1.windows(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::schedule::{ScheduleSpec, Split};

    const H: i64 = 3_600_000;

    fn utc(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn profiles() -> Profiles {
        let early = Schedule::from_config(&ScheduleSpec {
            working_hours: ["07:00".into(), "15:00".into()],
            breaks: vec![],
            ..ScheduleSpec::default()
        })
        .unwrap();
        let mut p = Profiles::new(
            Schedule::default_uk(),
            BTreeMap::from([("early".to_string(), early)]),
        );
        let realms = Realms::new(&["CORP".to_string()]);
        let people = "user,schedule,from,to\nCORP\\JSmith,early,2025-01-13,2025-01-14\njsmith,default,2025-01-15,\n";
        assert_eq!(
            p.read_people(people.as_bytes(), "people.csv", &realms),
            Ok(2)
        );
        let leave = "user,date,kind\njsmith,2025-01-16,annual_leave\n";
        assert_eq!(p.read_leave(leave.as_bytes(), "leave.csv", &realms), Ok(1));
        p
    }

    #[test]
    fn a_change_of_hours_applies_from_its_date() {
        let p = profiles();
        let me = p.person("jsmith");
        // 07:00–08:00 GMT: working on Tue 14th (early shift), outside on Wed
        // 15th (back on 09:00–17:00).
        assert_eq!(
            me.split(utc("2025-01-14T07:00:00Z"), utc("2025-01-14T08:00:00Z"))
                .working_ms,
            H
        );
        assert_eq!(
            me.split(utc("2025-01-15T07:00:00Z"), utc("2025-01-15T08:00:00Z"))
                .outside_ms,
            H
        );
        // Someone else is on the default all along.
        assert_eq!(
            p.person("akhan")
                .split(utc("2025-01-14T07:00:00Z"), utc("2025-01-14T08:00:00Z"))
                .outside_ms,
            H
        );
        assert_eq!(me.schedule_on("2025-01-13".parse().unwrap()).0, "early");
        assert_eq!(me.schedule_on("2025-01-12".parse().unwrap()).0, DEFAULT);
    }

    #[test]
    fn a_leave_day_is_outside_working_time() {
        let p = profiles();
        // Thu 16th 10:00–11:00: annual leave.
        let x = p
            .person("jsmith")
            .split(utc("2025-01-16T10:00:00Z"), utc("2025-01-16T11:00:00Z"));
        assert_eq!(
            x,
            Split {
                outside_ms: H,
                ..Split::default()
            }
        );
        assert_eq!(
            p.person("jsmith")
                .leave_on("2025-01-16".parse().unwrap())
                .map(|l| l.source.as_str()),
            Some("leave.csv:2")
        );
    }

    #[test]
    fn bad_rows_are_refused_with_file_and_line() {
        let mut p = profiles();
        let realms = Realms::default();
        let e = p
            .read_people(
                b"user,schedule,from,to\nakhan,nights,2025-01-01,\n",
                "hr.csv",
                &realms,
            )
            .unwrap_err();
        assert!(
            e.starts_with(
                "hr.csv line 2: schedule `nights` is not defined (the config has default, early"
            ),
            "{e}"
        );
        let e = p
            .read_people(
                b"user,schedule,from,to\njsmith,early,2025-01-20,\n",
                "hr.csv",
                &realms,
            )
            .unwrap_err();
        assert!(
            e.contains("people.csv:3 and hr.csv:2: two schedules for one person overlap"),
            "{e}"
        );
        let e = p
            .read_leave(
                b"user,date,kind\nakhan,2025-02-30,sickness\n",
                "leave.csv",
                &realms,
            )
            .unwrap_err();
        assert_eq!(
            e,
            "leave.csv line 2: date `2025-02-30` is not a date as YYYY-MM-DD"
        );
        let e = p
            .read_leave(
                b"user,date,kind\nakhan,2025-02-03,holiday\n",
                "leave.csv",
                &realms,
            )
            .unwrap_err();
        assert!(
            e.contains("kind `holiday` is not one of annual_leave"),
            "{e}"
        );
        let e = p
            .read_leave(b"user,day\n", "leave.csv", &realms)
            .unwrap_err();
        assert!(e.contains("no `date` column"), "{e}");
    }
}
