//! Working schedules: working days and hours, official breaks, flexi core
//! hours, rotas and bank holidays, in local time, and the split of a UTC
//! interval into `working`, `break` and `outside` time (docs/METHOD.md,
//! rule 6).
//!
//! A schedule is a *shift* that starts on each working day at
//! `working_hours[0]` and ends at `working_hours[1]`; an end at or before the
//! start means the shift crosses midnight and ends the next day (a night
//! shift, 22:00–06:00). Time inside a shift belongs to the date the shift
//! started on; time outside every shift to its own local date.
//!
//! Local times are turned into UTC instants day by day with the IANA rules of
//! the time zone, so days with a daylight-saving change (23 or 25 hours in
//! Europe/London) are handled, a night shift across one included. A local
//! time that does not exist (skipped by a clock change) means the first
//! instant after the gap; one that occurs twice means its first occurrence.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use super::holidays::{self, Calendar};
use serde::{Deserialize, Serialize};

/// The part of a person's time an instant falls in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// Working hours on a working day, less official breaks; on a flexi
    /// schedule, the core hours only.
    Working,
    /// On a flexi schedule: working hours outside the core hours (the
    /// flexitime band). Working time, but not core time.
    Flexi,
    /// An official break on a working day.
    Break,
    /// Everything else: evenings, weekends, bank holidays, leave.
    Outside,
}

impl Period {
    /// The name used in CSV and JSON: `working`, `flexi`, `break`, `outside`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Working => "working",
            Period::Flexi => "flexi",
            Period::Break => "break",
            Period::Outside => "outside",
        }
    }
}

/// Milliseconds in each period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Split {
    /// Working time (ms), the flexitime band included.
    pub working_ms: i64,
    /// Official breaks (ms).
    pub break_ms: i64,
    /// Outside working hours (ms).
    pub outside_ms: i64,
    /// The part of `working_ms` in core hours (ms): all of it on a schedule
    /// without core hours.
    pub core_ms: i64,
}

impl Split {
    /// Adds `ms` to `period`.
    pub fn add(&mut self, period: Period, ms: i64) {
        match period {
            Period::Working => {
                self.working_ms += ms;
                self.core_ms += ms;
            }
            Period::Flexi => self.working_ms += ms,
            Period::Break => self.break_ms += ms,
            Period::Outside => self.outside_ms += ms,
        }
    }

    /// Adds another split.
    pub fn merge(&mut self, o: &Split) {
        self.working_ms += o.working_ms;
        self.break_ms += o.break_ms;
        self.outside_ms += o.outside_ms;
        self.core_ms += o.core_ms;
    }

    /// All periods together (ms).
    pub fn total_ms(&self) -> i64 {
        self.working_ms + self.break_ms + self.outside_ms
    }

    /// A person's own time (ms): official breaks, outside working hours, and
    /// the flexitime band outside core hours.
    pub fn own_ms(&self) -> i64 {
        self.break_ms + self.outside_ms + (self.working_ms - self.core_ms)
    }
}

/// A schedule as written in the config's `[schedule]` (and each named
/// `[schedules.<name>]`): when people work, in local time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleSpec {
    /// IANA time zone name.
    pub time_zone: String,
    /// Working days: `Mon` … `Sun` (ignored when `rota` is given).
    pub working_days: Vec<String>,
    /// Start and end of the shift, `HH:MM` local. An end at or before the
    /// start crosses midnight: `["22:00", "06:00"]` is a night shift.
    pub working_hours: [String; 2],
    /// Official breaks, `[start, end]` pairs in `HH:MM` local, inside the shift.
    pub breaks: Vec<[String; 2]>,
    /// Flexi core hours, `[start, end]` pairs inside the shift: working hours
    /// outside them are the flexitime band. Empty: all working hours are core.
    pub core_hours: Vec<[String; 2]>,
    /// A rota of weeks, repeating: each week's working days. Two weeks
    /// `[[Mon … Fri], [Mon … Thu]]` are a 9-day fortnight. Empty: `working_days`
    /// every week.
    pub rota: Vec<Vec<String>>,
    /// The Monday the rota's first week starts (YYYY-MM-DD); needed with `rota`.
    pub rota_start: String,
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
            core_hours: Vec::new(),
            rota: Vec::new(),
            rota_start: String::new(),
            bank_holidays: "england-and-wales".into(),
        }
    }
}

/// Local `[start, end]` pairs (breaks, core hours) in words: `12:30–13:30`,
/// joined by `sep`; empty for none.
pub fn spans_words(spans: &[[String; 2]], sep: &str) -> String {
    spans
        .iter()
        .map(|[a, b]| format!("{a}–{b}"))
        .collect::<Vec<_>>()
        .join(sep)
}

/// A working or break window: `[start, end)` in UTC ms, and its period.
pub type Window = (i64, i64, Period);

/// One local date's pre-computed instants.
#[derive(Debug, Clone)]
struct DayCache {
    start_ms: i64,
    windows: Vec<Window>,
}

/// A validated schedule.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Time zone of the hours below.
    pub tz: Tz,
    /// Working days of each week of the rota (one week without a rota).
    weeks: Vec<[bool; 7]>,
    /// The Monday week 0 of the rota starts.
    rota_start: NaiveDate,
    /// Shift start, minutes after local midnight.
    start_min: u32,
    /// Shift length in minutes (1 to 1439).
    len_min: u32,
    /// Breaks, as minutes after the shift start, sorted.
    breaks: Vec<(u32, u32)>,
    /// Core hours, as minutes after the shift start, sorted; empty: all core.
    core: Vec<(u32, u32)>,
    holidays: HashSet<NaiveDate>,
    calendar: Calendar,
    /// Day starts and windows of every date the calendar covers (and a year
    /// either side), computed once: the analysis asks for them per session.
    cache: Vec<DayCache>,
    cache_from: NaiveDate,
}

fn parse_hhmm(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("`{s}` is not a time as HH:MM"))
}

fn parse_day(s: &str) -> Result<Weekday, String> {
    s.parse::<Weekday>()
        .map_err(|_| format!("`{s}` is not a day of the week (Mon … Sun)"))
}

fn days_of(names: &[String]) -> Result<[bool; 7], String> {
    let mut days = [false; 7];
    for day in names {
        days[parse_day(day)?.num_days_from_monday() as usize] = true;
    }
    Ok(days)
}

fn minutes_of(t: NaiveTime) -> u32 {
    use chrono::Timelike;
    t.hour() * 60 + t.minute()
}

impl Schedule {
    /// Builds a schedule from its config section.
    ///
    /// # Errors
    /// The bad key and value: unknown time zone or day, a time not `HH:MM`,
    /// working hours that start and end at the same minute, a break or core
    /// period outside the shift or overlapping another, a rota without a
    /// Monday to start on.
    pub fn from_config(c: &ScheduleSpec) -> Result<Schedule, String> {
        let tz: Tz = c
            .time_zone
            .parse()
            .map_err(|_| format!("time_zone `{}` is not an IANA time zone name", c.time_zone))?;
        let weeks = if c.rota.is_empty() {
            vec![days_of(&c.working_days)?]
        } else {
            c.rota
                .iter()
                .map(|w| days_of(w))
                .collect::<Result<Vec<_>, _>>()?
        };
        let rota_start = if c.rota.is_empty() {
            NaiveDate::from_ymd_opt(2024, 1, 1).expect("a valid date")
        } else {
            let d = NaiveDate::parse_from_str(&c.rota_start, "%Y-%m-%d").map_err(|_| {
                format!(
                    "rota_start `{}` is not a date as YYYY-MM-DD (the Monday the rota's first week starts)",
                    c.rota_start
                )
            })?;
            if d.weekday() != Weekday::Mon {
                return Err(format!("rota_start {d} is a {}, not a Monday", d.weekday()));
            }
            d
        };
        let start = parse_hhmm(&c.working_hours[0])?;
        let end = parse_hhmm(&c.working_hours[1])?;
        let start_min = minutes_of(start);
        let len_min = (minutes_of(end) + 1440 - start_min) % 1440;
        if len_min == 0 {
            return Err(format!(
                "working_hours {}–{} start and end at the same time",
                c.working_hours[0], c.working_hours[1]
            ));
        }
        // A time as minutes after the shift start.
        let offset = |t: NaiveTime| (minutes_of(t) + 1440 - start_min) % 1440;
        let periods = |what: &str, list: &[[String; 2]]| -> Result<Vec<(u32, u32)>, String> {
            let mut out = Vec::new();
            for [a, b] in list {
                let (s, mut e) = (offset(parse_hhmm(a)?), offset(parse_hhmm(b)?));
                if e == 0 {
                    e = 1440; // ends at the shift's start time, the next day
                }
                if e <= s || e > len_min {
                    return Err(format!(
                        "{what} {a}–{b} must end after it starts and lie within working hours {}–{}",
                        c.working_hours[0], c.working_hours[1]
                    ));
                }
                out.push((s, e));
            }
            out.sort_unstable();
            if out.windows(2).any(|w| w[1].0 < w[0].1) {
                return Err(format!("{what}s overlap"));
            }
            Ok(out)
        };
        let breaks = periods("break", &c.breaks)?;
        let core = periods("core hours", &c.core_hours)?;
        let calendar = Calendar::parse(&c.bank_holidays)?;
        let holidays = (holidays::FIRST_YEAR..=holidays::LAST_YEAR)
            .flat_map(|y| holidays::holidays(calendar, y))
            .collect();
        let mut s = Schedule {
            tz,
            weeks,
            rota_start,
            start_min,
            len_min,
            breaks,
            core,
            holidays,
            calendar,
            cache: Vec::new(),
            cache_from: NaiveDate::from_ymd_opt(holidays::FIRST_YEAR - 1, 1, 1)
                .expect("a valid date"),
        };
        let last = NaiveDate::from_ymd_opt(holidays::LAST_YEAR + 1, 12, 31).expect("a valid date");
        s.cache = s
            .cache_from
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|d| DayCache {
                start_ms: s.instant(d, NaiveTime::MIN),
                windows: s.compute_windows(d),
            })
            .collect();
        Ok(s)
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

    /// True when a shift starts on `date`: a working day (of the rota's week
    /// `date` falls in) that is not a bank holiday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let week = (date - self.rota_start)
            .num_days()
            .div_euclid(7)
            .rem_euclid(self.weeks.len() as i64) as usize;
        self.weeks[week][date.weekday().num_days_from_monday() as usize]
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

    fn cached(&self, date: NaiveDate) -> Option<&DayCache> {
        let i = usize::try_from((date - self.cache_from).num_days()).ok()?;
        self.cache.get(i)
    }

    /// The UTC instant (ms) `minutes` after the start of the shift of `date`.
    fn shift_instant(&self, date: NaiveDate, minutes: u32) -> i64 {
        let m = self.start_min + minutes;
        let day = date + chrono::Days::new(u64::from(m / 1440));
        let time = NaiveTime::from_num_seconds_from_midnight_opt((m % 1440) * 60, 0)
            .expect("minutes of a day");
        self.instant(day, time)
    }

    fn compute_windows(&self, date: NaiveDate) -> Vec<Window> {
        if !self.is_working_day(date) {
            return Vec::new();
        }
        let mut cuts: Vec<u32> = vec![0, self.len_min];
        for &(a, b) in self.breaks.iter().chain(&self.core) {
            cuts.extend([a, b]);
        }
        cuts.sort_unstable();
        cuts.dedup();
        let inside = |list: &[(u32, u32)], m: u32| list.iter().any(|&(a, b)| a <= m && m < b);
        let mut out: Vec<Window> = Vec::new();
        for w in cuts.windows(2) {
            let (a, b) = (w[0], w[1]);
            let period = if inside(&self.breaks, a) {
                Period::Break
            } else if self.core.is_empty() || inside(&self.core, a) {
                Period::Working
            } else {
                Period::Flexi
            };
            let (sa, sb) = (self.shift_instant(date, a), self.shift_instant(date, b));
            match out.last_mut() {
                Some(last) if last.2 == period && last.1 == sa => last.1 = sb,
                _ if sb > sa => out.push((sa, sb, period)),
                _ => {}
            }
        }
        out
    }
}

/// What the analysis asks of a schedule, per local date: a [`Schedule`]
/// answers the same for everyone; a person's profile answers with the
/// schedule assigned to them on that date, and no windows on their leave days.
pub trait Plan {
    /// The time zone of local dates.
    fn tz(&self) -> Tz;

    /// UTC ms of local midnight starting `date`.
    fn day_start(&self, date: NaiveDate) -> i64;

    /// Working, flexi and break windows of the shift that starts on local
    /// `date`, as UTC ms `[start, end)`, in time order (none on a day off).
    fn windows(&self, date: NaiveDate) -> Cow<'_, [Window]>;

    /// The local date of a UTC instant (ms).
    fn local_date(&self, ms: i64) -> NaiveDate {
        let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        utc.with_timezone(&self.tz()).date_naive()
    }

    /// Splits the UTC interval `[a, b)` (ms) into periods, per local date:
    /// time inside a shift under the date the shift started, other time
    /// under its own date.
    fn split_by_day(&self, a: i64, b: i64, out: &mut BTreeMap<NaiveDate, Split>) {
        if b <= a {
            return;
        }
        let mut date = self.local_date(a);
        let mut ds = self.day_start(date);
        loop {
            let next = date
                .succ_opt()
                .expect("dates stay far from chrono's limits");
            let de = self.day_start(next).max(ds);
            let (lo, hi) = (a.max(ds), b.min(de));
            if lo < hi {
                let mut inside = 0;
                let prev = date
                    .pred_opt()
                    .expect("dates stay far from chrono's limits");
                for shift in [prev, date] {
                    for &(ws, we, period) in self.windows(shift).iter() {
                        let ov = hi.min(we) - lo.max(ws);
                        if ov > 0 {
                            out.entry(shift).or_default().add(period, ov);
                            inside += ov;
                        }
                    }
                }
                out.entry(date)
                    .or_default()
                    .add(Period::Outside, hi - lo - inside);
            }
            if de >= b {
                return;
            }
            date = next;
            ds = de;
        }
    }

    /// Splits the UTC interval `[a, b)` (ms) into periods.
    fn split(&self, a: i64, b: i64) -> Split {
        let mut days = BTreeMap::new();
        self.split_by_day(a, b, &mut days);
        let mut total = Split::default();
        for s in days.values() {
            total.merge(s);
        }
        total
    }
}

impl Plan for Schedule {
    fn tz(&self) -> Tz {
        self.tz
    }

    fn day_start(&self, date: NaiveDate) -> i64 {
        match self.cached(date) {
            Some(c) => c.start_ms,
            None => self.instant(date, NaiveTime::MIN),
        }
    }

    fn windows(&self, date: NaiveDate) -> Cow<'_, [Window]> {
        match self.cached(date) {
            Some(c) => Cow::Borrowed(&c.windows),
            None => Cow::Owned(self.compute_windows(date)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_millis()
    }

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    const H: i64 = 3_600_000;
    const M: i64 = 60_000;

    fn split(working_ms: i64, core_ms: i64, break_ms: i64, outside_ms: i64) -> Split {
        Split {
            working_ms,
            break_ms,
            outside_ms,
            core_ms,
        }
    }

    fn spec(f: impl FnOnce(&mut ScheduleSpec)) -> Schedule {
        let mut s = ScheduleSpec::default();
        f(&mut s);
        Schedule::from_config(&s).unwrap()
    }

    #[test]
    fn lunch_is_a_break_in_bst() {
        let s = Schedule::default_uk();
        // Wed 2025-06-11, 12:00–13:00 BST = 11:00–12:00 UTC: 30 min working, 30 min break.
        let x = s.split(utc("2025-06-11T11:00:00Z"), utc("2025-06-11T12:00:00Z"));
        assert_eq!(x, split(30 * M, 30 * M, 30 * M, 0));
    }

    #[test]
    fn evening_and_weekend_are_outside() {
        let s = Schedule::default_uk();
        // Fri 2025-01-10 16:30 GMT to Sat 00:30: 30 min working, the rest outside.
        let x = s.split(utc("2025-01-10T16:30:00Z"), utc("2025-01-11T00:30:00Z"));
        assert_eq!(x, split(30 * M, 30 * M, 0, 7 * H + 30 * M));
    }

    fn night() -> Schedule {
        spec(|s| {
            s.working_days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
                .map(String::from)
                .to_vec();
            s.working_hours = ["22:00".into(), "06:00".into()];
            s.breaks = vec![["01:00".into(), "01:30".into()]];
            s.bank_holidays = "none".into();
        })
    }

    #[test]
    fn a_night_shift_crosses_midnight_and_belongs_to_the_day_it_started() {
        // Tue 2025-01-14 21:00 GMT to Wed 07:00: 1 h before the shift, 7 h 30
        // working, 30 min break (01:00–01:30), 1 h after it.
        let mut days = BTreeMap::new();
        night().split_by_day(
            utc("2025-01-14T21:00:00Z"),
            utc("2025-01-15T07:00:00Z"),
            &mut days,
        );
        assert_eq!(
            days,
            BTreeMap::from([
                (
                    date("2025-01-14"),
                    split(7 * H + 30 * M, 7 * H + 30 * M, 30 * M, H)
                ),
                (date("2025-01-15"), split(0, 0, 0, H)),
            ])
        );
    }

    #[test]
    fn a_night_shift_across_the_spring_clock_change_is_an_hour_short() {
        // Sat 2025-03-29 22:00 GMT to Sun 06:00 BST (05:00 UTC): 7 hours. The
        // 01:00–01:30 break falls in the hour the clocks skip, so it does not
        // happen; 05:00–06:00 UTC is after the shift.
        let s = night();
        let x = s.split(utc("2025-03-29T22:00:00Z"), utc("2025-03-30T06:00:00Z"));
        assert_eq!(x, split(7 * H, 7 * H, 0, H));
    }

    #[test]
    fn a_night_shift_across_the_autumn_clock_change_is_an_hour_long_and_the_repeated_hour_breaks_first()
     {
        // Sat 2025-10-25 22:00 BST (21:00 UTC) to Sun 06:00 GMT: 9 hours. The
        // break 01:00–01:30 happens twice on the clock; the first (BST,
        // 00:00–00:30 UTC) is the break.
        let s = night();
        let w = s.windows(date("2025-10-25"));
        assert_eq!(
            w.iter().map(|x| (x.0, x.1, x.2)).collect::<Vec<_>>(),
            vec![
                (
                    utc("2025-10-25T21:00:00Z"),
                    utc("2025-10-26T00:00:00Z"),
                    Period::Working
                ),
                (
                    utc("2025-10-26T00:00:00Z"),
                    utc("2025-10-26T00:30:00Z"),
                    Period::Break
                ),
                (
                    utc("2025-10-26T00:30:00Z"),
                    utc("2025-10-26T06:00:00Z"),
                    Period::Working
                ),
            ]
        );
        let x = s.split(utc("2025-10-25T21:00:00Z"), utc("2025-10-26T06:00:00Z"));
        assert_eq!(x, split(8 * H + 30 * M, 8 * H + 30 * M, 30 * M, 0));
    }

    #[test]
    fn flexi_band_outside_core_hours_is_working_but_not_core_time() {
        let s = spec(|s| {
            s.working_hours = ["07:00".into(), "19:00".into()];
            s.core_hours = vec![
                ["10:00".into(), "12:00".into()],
                ["14:00".into(), "16:00".into()],
            ];
            s.breaks = vec![["12:30".into(), "13:00".into()]];
        });
        // Wed 2025-01-15 11:00–15:00 GMT: core 11–12 and 14–15, flexi 12–12:30
        // and 13–14, break 12:30–13:00.
        let x = s.split(utc("2025-01-15T11:00:00Z"), utc("2025-01-15T15:00:00Z"));
        assert_eq!(x, split(3 * H + 30 * M, 2 * H, 30 * M, 0));
        assert_eq!(x.own_ms(), 2 * H);
    }

    #[test]
    fn a_nine_day_fortnight_has_every_other_friday_off() {
        let s = spec(|s| {
            s.rota = vec![
                ["Mon", "Tue", "Wed", "Thu", "Fri"]
                    .map(String::from)
                    .to_vec(),
                ["Mon", "Tue", "Wed", "Thu"].map(String::from).to_vec(),
            ];
            s.rota_start = "2025-01-06".into();
        });
        let fridays = ["2025-01-03", "2025-01-10", "2025-01-17", "2025-01-24"];
        let working: Vec<bool> = fridays.iter().map(|d| s.is_working_day(date(d))).collect();
        assert_eq!(working, [false, true, false, true]);
        // Friday 17th, 10:00–11:00: outside working hours (the fortnight's day off).
        let x = s.split(utc("2025-01-17T10:00:00Z"), utc("2025-01-17T11:00:00Z"));
        assert_eq!(x, split(0, 0, 0, H));
        let e = Schedule::from_config(&ScheduleSpec {
            rota: vec![vec!["Mon".into()]],
            rota_start: "2025-01-07".into(),
            ..ScheduleSpec::default()
        })
        .unwrap_err();
        assert!(e.contains("not a Monday"), "{e}");
    }

    #[test]
    fn a_part_time_non_working_day_is_outside() {
        let s = spec(|s| s.working_days = ["Mon", "Tue", "Wed"].map(String::from).to_vec());
        // Wed 2025-01-15 10:00–11:00 is working; Thu the 16th is not.
        assert_eq!(
            s.split(utc("2025-01-15T10:00:00Z"), utc("2025-01-15T11:00:00Z")),
            split(H, H, 0, 0)
        );
        assert_eq!(
            s.split(utc("2025-01-16T10:00:00Z"), utc("2025-01-16T11:00:00Z")),
            split(0, 0, 0, H)
        );
    }

    #[test]
    fn breaks_and_core_hours_must_lie_inside_the_shift() {
        let e = Schedule::from_config(&ScheduleSpec {
            core_hours: vec![["08:00".into(), "10:00".into()]],
            ..ScheduleSpec::default()
        })
        .unwrap_err();
        assert!(e.contains("core hours 08:00–10:00"), "{e}");
        let e = Schedule::from_config(&ScheduleSpec {
            working_hours: ["09:00".into(), "09:00".into()],
            ..ScheduleSpec::default()
        })
        .unwrap_err();
        assert!(e.contains("same time"), "{e}");
    }
}
