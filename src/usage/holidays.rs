//! UK bank holidays (England and Wales, Scotland, Northern Ireland),
//! computed by rule for 2015–2035, with the one-off changes listed as data.
//!
//! Source: the Banking and Financial Dealings Act 1971, Schedule 1, and the
//! royal proclamations listed on GOV.UK "UK bank holidays". Weekend holidays
//! move to the next weekday that is not already a holiday ("substitute days").

use std::collections::HashSet;

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// First year covered.
pub const FIRST_YEAR: i32 = 2015;
/// Last year covered.
pub const LAST_YEAR: i32 = 2035;

/// A bank-holiday calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    /// England and Wales.
    EnglandAndWales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
    /// No bank holidays.
    None,
}

impl Calendar {
    /// Parses `england-and-wales`, `scotland`, `northern-ireland` or `none`.
    ///
    /// # Errors
    /// Any other name.
    pub fn parse(s: &str) -> Result<Calendar, String> {
        match s {
            "england-and-wales" => Ok(Calendar::EnglandAndWales),
            "scotland" => Ok(Calendar::Scotland),
            "northern-ireland" => Ok(Calendar::NorthernIreland),
            "none" => Ok(Calendar::None),
            other => Err(format!(
                "bank_holidays must be england-and-wales, scotland, northern-ireland or none, not `{other}`"
            )),
        }
    }
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid calendar date")
}

/// Easter Sunday (Gregorian), by the anonymous Gregorian algorithm
/// (Meeus/Jones/Butcher).
pub fn easter_sunday(y: i32) -> NaiveDate {
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let dd = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - dd - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    d(y, month as u32, day as u32)
}

fn first_monday(y: i32, m: u32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(y, m, Weekday::Mon, 1).expect("every month has a Monday")
}

fn last_monday(y: i32, m: u32) -> NaiveDate {
    let next = if m == 12 {
        d(y + 1, 1, 1)
    } else {
        d(y, m + 1, 1)
    };
    let mut x = next - Duration::days(1);
    while x.weekday() != Weekday::Mon {
        x -= Duration::days(1);
    }
    x
}

/// Adds fixed-date holidays in order, moving weekend ones to the next free weekday.
fn add_with_substitutes(set: &mut HashSet<NaiveDate>, dates: &[NaiveDate]) {
    for &date in dates {
        let mut x = date;
        while matches!(x.weekday(), Weekday::Sat | Weekday::Sun) || set.contains(&x) {
            x += Duration::days(1);
        }
        set.insert(x);
    }
}

/// Every bank holiday of `cal` in year `y` (empty outside 2015–2035).
pub fn holidays(cal: Calendar, y: i32) -> HashSet<NaiveDate> {
    let mut s = HashSet::new();
    if cal == Calendar::None || !(FIRST_YEAR..=LAST_YEAR).contains(&y) {
        return s;
    }
    let easter = easter_sunday(y);
    s.insert(easter - Duration::days(2)); // Good Friday
    if cal != Calendar::Scotland {
        s.insert(easter + Duration::days(1)); // Easter Monday
    }
    // Early May: first Monday of May; 2020 moved to Fri 8 May (VE Day 75).
    s.insert(if y == 2020 {
        d(2020, 5, 8)
    } else {
        first_monday(y, 5)
    });
    // Spring: last Monday of May; 2022 moved to Thu 2 June (Platinum Jubilee).
    s.insert(if y == 2022 {
        d(2022, 6, 2)
    } else {
        last_monday(y, 5)
    });
    match cal {
        Calendar::EnglandAndWales => {
            s.insert(last_monday(y, 8));
            add_with_substitutes(&mut s, &[d(y, 1, 1)]);
        }
        Calendar::NorthernIreland => {
            s.insert(last_monday(y, 8));
            add_with_substitutes(&mut s, &[d(y, 1, 1)]);
            add_with_substitutes(&mut s, &[d(y, 3, 17)]); // St Patrick's Day
            add_with_substitutes(&mut s, &[d(y, 7, 12)]); // Battle of the Boyne
        }
        Calendar::Scotland => {
            s.insert(first_monday(y, 8));
            add_with_substitutes(&mut s, &[d(y, 1, 1), d(y, 1, 2)]);
            add_with_substitutes(&mut s, &[d(y, 11, 30)]); // St Andrew's Day
        }
        Calendar::None => {}
    }
    add_with_substitutes(&mut s, &[d(y, 12, 25), d(y, 12, 26)]);
    // One-off holidays by royal proclamation (every calendar).
    for extra in [d(2022, 6, 3), d(2022, 9, 19), d(2023, 5, 8)] {
        if extra.year() == y {
            s.insert(extra);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(cal: Calendar, y: i32) -> Vec<String> {
        let mut v: Vec<_> = holidays(cal, y).into_iter().collect();
        v.sort();
        v.iter().map(|d| d.format("%m-%d").to_string()).collect()
    }

    #[test]
    fn england_and_wales_published_lists() {
        // GOV.UK lists for 2022 (Christmas on a Sunday, jubilee, state funeral) and 2023 (coronation).
        assert_eq!(
            sorted(Calendar::EnglandAndWales, 2022),
            [
                "01-03", "04-15", "04-18", "05-02", "06-02", "06-03", "08-29", "09-19", "12-26",
                "12-27"
            ]
        );
        assert_eq!(
            sorted(Calendar::EnglandAndWales, 2023),
            [
                "01-02", "04-07", "04-10", "05-01", "05-08", "05-29", "08-28", "12-25", "12-26"
            ]
        );
        assert_eq!(
            sorted(Calendar::EnglandAndWales, 2020),
            [
                "01-01", "04-10", "04-13", "05-08", "05-25", "08-31", "12-25", "12-28"
            ]
        );
    }

    #[test]
    fn scotland_published_list() {
        // GOV.UK Scotland 2021: 1-2 Jan (2 Jan Sat → 4 Jan), St Andrew's on Tuesday.
        assert_eq!(
            sorted(Calendar::Scotland, 2021),
            [
                "01-01", "01-04", "04-02", "05-03", "05-31", "08-02", "11-30", "12-27", "12-28"
            ]
        );
    }

    #[test]
    fn northern_ireland_published_lists() {
        // GOV.UK Northern Ireland 2022 and 2025 (12 July 2025 a Saturday → Mon 14 July).
        assert_eq!(
            sorted(Calendar::NorthernIreland, 2022),
            [
                "01-03", "03-17", "04-15", "04-18", "05-02", "06-02", "06-03", "07-12", "08-29",
                "09-19", "12-26", "12-27"
            ]
        );
        assert_eq!(
            sorted(Calendar::NorthernIreland, 2025),
            [
                "01-01", "03-17", "04-18", "04-21", "05-05", "05-26", "07-14", "08-25", "12-25",
                "12-26"
            ]
        );
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2035), d(2035, 3, 25));
    }
}
