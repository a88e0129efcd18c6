//! Working schedules: working days and hours, official breaks and bank
//! holidays, in local time, and the split of a UTC interval into `working`,
//! `break` and `outside` time (docs/METHOD.md, rule 6).
//!
//! Local times are turned into UTC instants day by day with the IANA rules of
//! the time zone, so days with a daylight-saving change (23 or 25 hours in
//! Europe/London) are handled. A local time that does not exist (skipped by a
//! clock change) means the first instant after the gap; one that occurs twice
//! means its first occurrence.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use super::holidays::{self, Calendar};
use serde::{Deserialize, Serialize};

/// The part of a person's time an instant falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// Working hours on a working day, less official breaks.
    Working,
    /// An official break on a working day.
    Break,
    /// Everything else: evenings, weekends, bank holidays.
    Outside,
}

/// Milliseconds in each period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    /// Working time (ms).
    pub working_ms: i64,
    /// Official breaks (ms).
    pub break_ms: i64,
    /// Outside working hours (ms).
    pub outside_ms: i64,
}

impl Split {
    /// Adds `ms` to `period`.
    pub fn add(&mut self, period: Period, ms: i64) {
        match period {
            Period::Working => self.working_ms += ms,
            Period::Break => self.break_ms += ms,
            Period::Outside => self.outside_ms += ms,
        }
    }

    /// Adds another split.
    pub fn merge(&mut self, o: &Split) {
        self.working_ms += o.working_ms;
        self.break_ms += o.break_ms;
        self.outside_ms += o.outside_ms;
    }

    /// All periods together (ms).
    pub fn total_ms(&self) -> i64 {
        self.working_ms + self.break_ms + self.outside_ms
    }
}

/// A schedule as written in the config's `[schedule]`: when people work, in local time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSpec {
    /// IANA time zone name.
    pub time_zone: String,
    /// Working days: `Mon` … `Sun`.
    pub working_days: Vec<String>,
    /// Start and end of working hours, `HH:MM` local.
    pub working_hours: [String; 2],
    /// Official breaks, `[start, end]` pairs in `HH:MM` local.
    pub breaks: Vec<[String; 2]>,
    /// Bank-holiday calendar: `england-and-wales`, `scotland`, `northern-ireland` or `none`.
    pub bank_holidays: String,
}

impl Default for ScheduleSpec {
    fn default() -> Self {
        ScheduleSpec {
            time_zone: "Europe/London".into(),
            working_days: ["Mon", "Tue", "Wed", "Thu", "Fri"]
                .map(String::from)
                .to_vec(),
            working_hours: ["09:00".into(), "17:00".into()],
            breaks: vec![["12:30".into(), "13:30".into()]],
            bank_holidays: "england-and-wales".into(),
        }
    }
}

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Time zone of the hours below.
    pub tz: Tz,
    working_days: [bool; 7],
    start: NaiveTime,
    end: NaiveTime,
    breaks: Vec<(NaiveTime, NaiveTime)>,
    holidays: HashSet<NaiveDate>,
    calendar: Calendar,
}

fn parse_hhmm(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("`{s}` is not a time as HH:MM"))
}

fn parse_day(s: &str) -> Result<Weekday, String> {
    s.parse::<Weekday>()
        .map_err(|_| format!("`{s}` is not a day of the week (Mon … Sun)"))
}

impl Schedule {
    /// Builds a schedule from its config section.
    ///
    /// # Errors
    /// The bad key and value: unknown time zone or day, a time not `HH:MM`,
    /// working hours that end before they start, a break outside working hours.
    pub fn from_config(c: &ScheduleSpec) -> Result<Schedule, String> {
        let tz: Tz = c
            .time_zone
            .parse()
            .map_err(|_| format!("time_zone `{}` is not an IANA time zone name", c.time_zone))?;
        let mut working_days = [false; 7];
        for day in &c.working_days {
            working_days[parse_day(day)?.num_days_from_monday() as usize] = true;
        }
        let start = parse_hhmm(&c.working_hours[0])?;
        let end = parse_hhmm(&c.working_hours[1])?;
        if end <= start {
            return Err(format!(
                "working_hours end {} is not after start {}",
                c.working_hours[1], c.working_hours[0]
            ));
        }
        let mut breaks = Vec::new();
        for [a, b] in &c.breaks {
            let (bs, be) = (parse_hhmm(a)?, parse_hhmm(b)?);
            if be <= bs || bs < start || be > end {
                return Err(format!(
                    "break {a}–{b} must end after it starts and lie within working hours"
                ));
            }
            breaks.push((bs, be));
        }
        breaks.sort();
        if breaks.windows(2).any(|w| w[1].0 < w[0].1) {
            return Err("breaks overlap".into());
        }
        let cal = Calendar::parse(&c.bank_holidays)?;
        let holidays = (holidays::FIRST_YEAR..=holidays::LAST_YEAR)
            .flat_map(|y| holidays::holidays(cal, y))
            .collect();
        Ok(Schedule {
            tz,
            working_days,
            start,
            end,
            breaks,
            holidays,
            calendar: cal,
        })
    }

    /// The default schedule (Europe/London, Mon–Fri 09:00–17:00, lunch 12:30–13:30,
    /// England-and-Wales bank holidays).
    pub fn default_uk() -> Schedule {
        Schedule::from_config(&ScheduleSpec::default()).expect("default schedule is valid")
    }

    /// Checks that the bank-holiday calendar covers local `date`: the
    /// holidays are known for [`holidays::FIRST_YEAR`]–[`holidays::LAST_YEAR`]
    /// only, and a date outside would silently count a holiday as a working
    /// day.
    ///
    /// # Errors
    /// The date is outside those years and the calendar is not `none`.
    pub fn check_covers(&self, date: NaiveDate) -> Result<(), String> {
        use chrono::Datelike;
        if self.calendar == Calendar::None
            || (holidays::FIRST_YEAR..=holidays::LAST_YEAR).contains(&date.year())
        {
            return Ok(());
        }
        Err(format!(
            "{date} is outside the years whose bank holidays netusage knows ({}–{}): \
             analyse a period inside them, or set [schedule] bank_holidays = \"none\" and treat holidays yourself",
            holidays::FIRST_YEAR,
            holidays::LAST_YEAR
        ))
    }

    /// True when `date` is a working day that is not a bank holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.working_days[date.weekday().num_days_from_monday() as usize]
            && !self.holidays.contains(&date)
    }

    /// The UTC instant (ms) of local `date` at `time` (see the module doc for
    /// skipped and repeated local times).
    pub fn instant(&self, date: NaiveDate, time: NaiveTime) -> i64 {
        let local = date.and_time(time);
        for step in 0..=48 {
            let t = local + Duration::minutes(15 * step);
            match self.tz.from_local_datetime(&t) {
                LocalResult::Single(x) => return x.timestamp_millis(),
                LocalResult::Ambiguous(a, _) => return a.timestamp_millis(),
                LocalResult::None => continue,
            }
        }
        // No zone skips 12 hours; fall back to reading the time as UTC.
        local.and_utc().timestamp_millis()
    }

    /// UTC ms of local midnight starting `date`.
    pub fn day_start(&self, date: NaiveDate) -> i64 {
        self.instant(date, NaiveTime::MIN)
    }

    /// The local date of a UTC instant (ms).
    pub fn local_date(&self, ms: i64) -> NaiveDate {
        let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        utc.with_timezone(&self.tz).date_naive()
    }

    /// Working and break windows of local `date`, as UTC ms `[start, end)`,
    /// in time order (none on non-working days and bank holidays).
    pub fn windows(&self, date: NaiveDate) -> Vec<(i64, i64, Period)> {
        if !self.is_working_day(date) {
            return Vec::new();
        }
        let mut out = Vec::new();
        let mut cursor = self.start;
        for &(bs, be) in &self.breaks {
            if bs > cursor {
                out.push((
                    self.instant(date, cursor),
                    self.instant(date, bs),
                    Period::Working,
                ));
            }
            out.push((
                self.instant(date, bs),
                self.instant(date, be),
                Period::Break,
            ));
            cursor = be;
        }
        if self.end > cursor {
            out.push((
                self.instant(date, cursor),
                self.instant(date, self.end),
                Period::Working,
            ));
        }
        out
    }

    /// Splits the UTC interval `[a, b)` (ms) into periods, per local date.
    pub fn split_by_day(&self, a: i64, b: i64, out: &mut BTreeMap<NaiveDate, Split>) {
        if b <= a {
            return;
        }
        let mut date = self.local_date(a);
        loop {
            let ds = self.day_start(date);
            let next = date
                .succ_opt()
                .expect("dates stay far from chrono's limits");
            let de = self.day_start(next);
            let (lo, hi) = (a.max(ds), b.min(de));
            if lo < hi {
                let split = out.entry(date).or_default();
                let mut inside = 0;
                for (ws, we, period) in self.windows(date) {
                    let ov = hi.min(we) - lo.max(ws);
                    if ov > 0 {
                        split.add(period, ov);
                        inside += ov;
                    }
                }
                split.add(Period::Outside, hi - lo - inside);
            }
            if de >= b {
                return;
            }
            date = next;
        }
    }

    /// Splits the UTC interval `[a, b)` (ms) into periods.
    pub fn split(&self, a: i64, b: i64) -> Split {
        let mut days = BTreeMap::new();
        self.split_by_day(a, b, &mut days);
        let mut total = Split::default();
        for s in days.values() {
            total.merge(s);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    #[test]
    fn lunch_is_a_break_in_bst() {
        let s = Schedule::default_uk();
        // Wed 2025-06-11, 12:00–13:00 BST = 11:00–12:00 UTC: 30 min working, 30 min break.
        let x = s.split(utc("2025-06-11T11:00:00Z"), utc("2025-06-11T12:00:00Z"));
        assert_eq!(
            x,
            Split {
                working_ms: 1_800_000,
                break_ms: 1_800_000,
                outside_ms: 0
            }
        );
    }

    #[test]
    fn evening_and_weekend_are_outside() {
        let s = Schedule::default_uk();
        // Fri 2025-01-10 16:30 GMT to Sat 00:30: 30 min working, the rest outside.
        let x = s.split(utc("2025-01-10T16:30:00Z"), utc("2025-01-11T00:30:00Z"));
        assert_eq!(
            x,
            Split {
                working_ms: 1_800_000,
                break_ms: 0,
                outside_ms: 7 * 3_600_000 + 1_800_000
            }
        );
    }
}
