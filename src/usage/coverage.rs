//! Coverage: how far the figures can be trusted to say who, and whether the
//! logs were there to say anything at all.
//!
//! Per person and local date, the events logged with a user, attributed by
//! each identity source, ambiguous (an address two people held at once) and
//! unattributed. Per source file, the periods inside working hours when it
//! logged nothing at all for [`MIN_GAP_MS`] or more, between its first and
//! last event: a gap in the evidence (the proxy may have been down, or the
//! traffic went another way), which reads as no use.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use polars::prelude::DataFrame;
use serde::Serialize;

use super::schedule::{Period, Plan};
use crate::event::col;
use crate::identity::attribute::{Attributor, Outcome};

/// The shortest silence inside working hours reported as a gap (ms): 30 minutes.
pub const MIN_GAP_MS: i64 = 30 * 60_000;

/// One person's events on one local date, by how they were attributed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DayCoverage {
    /// Events.
    pub events: u64,
    /// Logged with a user.
    pub logged: u64,
    /// Attributed, by identity source id.
    pub identity: BTreeMap<String, u64>,
    /// At an address two people held at once.
    pub ambiguous: u64,
    /// At an address nobody is known to have held.
    pub unattributed: u64,
    /// Logged with a user while an identity source names someone else at
    /// the client address (the logged user wins; counted as a conflict).
    pub conflicts: u64,
}

impl DayCoverage {
    /// Counts one event by its `attribution` label (`logged`,
    /// `identity:<source>:<line>`, `ambiguous` or `unattributed`: see
    /// [`crate::enrich::Enricher::attribute`]). Returns true for `logged`.
    pub fn count(&mut self, label: &str) -> bool {
        self.events += 1;
        match label {
            "logged" => {
                self.logged += 1;
                return true;
            }
            "ambiguous" => self.ambiguous += 1,
            "unattributed" => self.unattributed += 1,
            l => {
                let src = l
                    .strip_prefix("identity:")
                    .and_then(|r| r.rsplit_once(':'))
                    .map_or(l, |(s, _)| s);
                *self.identity.entry(src.to_string()).or_default() += 1;
            }
        }
        false
    }
}

/// One person's counts on one local date as [`Coverage`] keeps them: a
/// [`DayCoverage`] in 32 bytes (counts to 4,294,967,295; one more is an
/// error, not a wrong count).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tally {
    date: NaiveDate,
    events: u32,
    logged: u32,
    ambiguous: u32,
    unattributed: u32,
    conflicts: u32,
    /// By identity source id; none when no event was attributed by one.
    /// Boxed: 8 bytes where a map is 24, and most days have none.
    #[allow(clippy::box_collection)]
    identity: Option<Box<BTreeMap<String, u64>>>,
}

impl Tally {
    /// Adds a batch's counts of the date.
    ///
    /// # Errors
    /// A count past `u32::MAX`.
    fn add(&mut self, c: DayCoverage) -> anyhow::Result<()> {
        let sum = |a: &mut u32, b: u64| -> anyhow::Result<()> {
            *a = u32::try_from(b)
                .ok()
                .and_then(|b| a.checked_add(b))
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "more than {} events of one person on {}: past what coverage counts",
                        u32::MAX,
                        self.date
                    )
                })?;
            Ok(())
        };
        sum(&mut self.events, c.events)?;
        sum(&mut self.logged, c.logged)?;
        sum(&mut self.ambiguous, c.ambiguous)?;
        sum(&mut self.unattributed, c.unattributed)?;
        sum(&mut self.conflicts, c.conflicts)?;
        if !c.identity.is_empty() {
            let identity = self.identity.get_or_insert_default();
            for (source, n) in c.identity {
                *identity.entry(source).or_default() += n;
            }
        }
        Ok(())
    }

    /// The counts as a [`DayCoverage`].
    fn day(&self) -> DayCoverage {
        DayCoverage {
            events: self.events.into(),
            logged: self.logged.into(),
            identity: self.identity.as_deref().cloned().unwrap_or_default(),
            ambiguous: self.ambiguous.into(),
            unattributed: self.unattributed.into(),
            conflicts: self.conflicts.into(),
        }
    }

    /// An empty tally of `date`.
    fn new(date: NaiveDate) -> Tally {
        Tally {
            date,
            events: 0,
            logged: 0,
            ambiguous: 0,
            unattributed: 0,
            conflicts: 0,
            identity: None,
        }
    }
}

/// A silence of one source file inside working hours: `[start_ms, end_ms)` UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// Source id.
    pub source: String,
    /// Start (UTC ms).
    pub start_ms: i64,
    /// End (UTC ms).
    pub end_ms: i64,
}

/// Accumulates coverage over batches of events in time order (each with
/// `ts`, `user`, `source` and the `attribution` column that
/// [`crate::enrich::Enricher::attribute`] adds).
#[derive(Debug, Default)]
pub struct Coverage {
    /// By person: their local dates in order, each with its counts. One
    /// owned name per person, not per person and date, and 32 bytes a date:
    /// a year of 2,000 people is over half a million dates.
    days: HashMap<String, Vec<Tally>>,
    /// Gaps found so far, in the order found.
    pub gaps: Vec<Gap>,
    last: HashMap<String, i64>,
}

impl Coverage {
    /// Adds one batch; `plan` gives local dates and working windows;
    /// `attributor` finds conflicts (a `client_ip` column is then needed).
    ///
    /// # Errors
    /// A column is missing or of the wrong type.
    pub fn push(
        &mut self,
        events: &DataFrame,
        plan: &dyn Plan,
        attributor: &Attributor,
    ) -> anyhow::Result<()> {
        let ts = events.column(col::TS)?.datetime()?.physical().clone();
        let user = events.column(col::USER)?.str()?.clone();
        let client = if attributor.is_empty() {
            None
        } else {
            Some(events.column(col::CLIENT_IP)?.str()?.clone())
        };
        let label = events.column("attribution")?.str()?.clone();
        // This batch's counts by (person, local date), keyed by the batch's
        // own text: an owned key per person and date, not per event.
        let mut batch: HashMap<(&str, NaiveDate), DayCoverage> = HashMap::new();
        let mut clients = client.as_ref().map(|c| c.iter());
        // The local date of the last event, and the UTC span it covers.
        let mut date: Option<(i64, i64, NaiveDate)> = None;
        for ((t, u), l) in ts.iter().zip(user.iter()).zip(label.iter()) {
            let ip = clients.as_mut().and_then(|c| c.next().flatten());
            let t = t.unwrap_or(0);
            let d = match date {
                Some((lo, hi, d)) if (lo..hi).contains(&t) => d,
                _ => {
                    let d = plan.local_date(t);
                    let next = d.succ_opt().unwrap_or(d);
                    date = Some((plan.day_start(d), plan.day_start(next), d));
                    d
                }
            };
            let u = u.unwrap_or("");
            let day = batch.entry((u, d)).or_default();
            if day.count(l.unwrap_or("logged"))
                && let Some(ip) = ip
                && let Outcome::Identity(p, _) = attributor.at(ip, t)
                && p != u
            {
                day.conflicts += 1;
            }
        }
        for ((u, d), c) in batch {
            let dates = match self.days.get_mut(u) {
                Some(dates) => dates,
                None => self.days.entry(u.to_string()).or_default(),
            };
            // Dates come in order but for the few a batch holds at once.
            let i = match dates.last() {
                Some(last) if last.date == d => dates.len() - 1,
                Some(last) if last.date > d => match dates.binary_search_by_key(&d, |t| t.date) {
                    Ok(i) => i,
                    Err(i) => {
                        dates.insert(i, Tally::new(d));
                        i
                    }
                },
                _ => {
                    dates.push(Tally::new(d));
                    dates.len() - 1
                }
            };
            dates[i].add(c)?;
        }
        self.push_sources(events, plan)
    }

    /// The counts of `user` on local date `date`, if any event was theirs.
    pub fn day(&self, user: &str, date: NaiveDate) -> Option<DayCoverage> {
        let dates = self.days.get(user)?;
        let i = dates.binary_search_by_key(&date, |t| t.date).ok()?;
        Some(dates[i].day())
    }

    /// The number of (person, local date) pairs counted.
    pub fn person_days(&self) -> usize {
        self.days.values().map(Vec::len).sum()
    }

    /// Every person counted (in no order) with their local dates in order,
    /// each with its counts; the silences found go with [`Coverage::gaps`].
    pub fn into_people(
        self,
    ) -> impl Iterator<Item = (String, impl Iterator<Item = (NaiveDate, DayCoverage)>)> {
        self.days
            .into_iter()
            .map(|(user, dates)| (user, dates.into_iter().map(|t| (t.date, t.day()))))
    }

    /// Adds one batch's times per source file (columns `ts` and `source`)
    /// to the silences only.
    ///
    /// # Errors
    /// A column is missing or of the wrong type.
    pub fn push_sources(&mut self, events: &DataFrame, plan: &dyn Plan) -> anyhow::Result<()> {
        let ts = events.column(col::TS)?.datetime()?.physical().clone();
        let source = events.column(col::SOURCE)?.str()?.clone();
        let mut by_source: HashMap<&str, Vec<i64>> = HashMap::new();
        for (s, t) in source.iter().zip(ts.iter()) {
            by_source
                .entry(s.unwrap_or(""))
                .or_default()
                .push(t.unwrap_or(0));
        }
        for (src, mut times) in by_source {
            times.sort_unstable();
            let mut prev = self.last.get(src).copied();
            for t in times {
                if let Some(p) = prev {
                    self.silence(src, p, t, plan);
                }
                prev = Some(t);
            }
            if let Some(p) = prev {
                self.last.insert(src.to_string(), p);
            }
        }
        Ok(())
    }

    /// Records the working-hours parts of `[a, b)` of 30 minutes or more.
    fn silence(&mut self, src: &str, a: i64, b: i64, plan: &dyn Plan) {
        if b - a < MIN_GAP_MS {
            return;
        }
        let (first, last) = (plan.local_date(a), plan.local_date(b));
        let mut date = first.pred_opt().unwrap_or(first);
        while date <= last {
            // Working hours: the shift's working, flexi and break windows as one span.
            let windows = plan.windows(date);
            let span = windows.iter().filter(|w| w.2 != Period::Outside).fold(
                None,
                |acc: Option<(i64, i64)>, w| {
                    Some(acc.map_or((w.0, w.1), |(s, e)| (s.min(w.0), e.max(w.1))))
                },
            );
            if let Some((s, e)) = span {
                let (lo, hi) = (a.max(s), b.min(e));
                if hi - lo >= MIN_GAP_MS {
                    self.gaps.push(Gap {
                        source: src.to_string(),
                        start_ms: lo,
                        end_ms: hi,
                    });
                }
            }
            match date.succ_opt() {
                Some(d) => date = d,
                None => break,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::usage::schedule::Schedule;
    use polars::prelude::{DataType, IntoColumn, NamedFrom, Series, TimeUnit, TimeZone};

    fn frame(rows: &[(&str, &str, &str, &str)]) -> DataFrame {
        let ms: Vec<i64> = rows
            .iter()
            .map(|r| {
                chrono::DateTime::parse_from_rfc3339(r.0)
                    .unwrap()
                    .timestamp_millis()
            })
            .collect();
        let ts = Series::new(col::TS.into(), ms)
            .cast(&DataType::Datetime(
                TimeUnit::Milliseconds,
                Some(TimeZone::UTC),
            ))
            .unwrap();
        let s = |name: &str, i: usize| {
            Series::new(
                name.into(),
                rows.iter().map(|r| [r.1, r.2, r.3][i]).collect::<Vec<_>>(),
            )
            .into_column()
        };
        DataFrame::new(
            rows.len(),
            vec![
                ts.into_column(),
                s(col::USER, 0),
                s(col::SOURCE, 1),
                s("attribution", 2),
            ],
        )
        .unwrap()
    }

    /// Adds `rows` (as [`frame`]) on a UTC schedule without bank
    /// holidays, with no identity data.
    fn push(c: &mut Coverage, rows: &[(&str, &str, &str, &str)]) {
        let sch = Schedule::from_config(&crate::usage::schedule::ScheduleSpec {
            time_zone: "UTC".into(),
            bank_holidays: "none".into(),
            ..Default::default()
        })
        .unwrap();
        c.push(&frame(rows), &sch, &Attributor::default()).unwrap();
    }

    #[test]
    fn shares_per_person_and_day_and_silences_in_working_hours() {
        let mut c = Coverage::default();
        // Wed 11 June 2025: proxy A logs at 08:00, 10:00, 10:20 and 19:00;
        // the firewall B at 09:10 and 09:30.
        push(
            &mut c,
            &[
                ("2025-06-11T08:00:00Z", "jsmith", "A", "logged"),
                ("2025-06-11T09:10:00Z", "jsmith", "B", "identity:s1:4"),
                ("2025-06-11T09:30:00Z", "ip:10.0.0.5", "B", "ambiguous"),
                ("2025-06-11T10:00:00Z", "jsmith", "A", "logged"),
                ("2025-06-11T10:20:00Z", "ip:10.0.0.6", "A", "unattributed"),
                ("2025-06-11T19:00:00Z", "jsmith", "A", "logged"),
            ],
        );
        let d = NaiveDate::from_ymd_opt(2025, 6, 11).unwrap();
        assert_eq!(
            c.day("jsmith", d),
            Some(DayCoverage {
                events: 4,
                logged: 3,
                identity: BTreeMap::from([("s1".to_string(), 1)]),
                ambiguous: 0,
                unattributed: 0,
                conflicts: 0
            })
        );
        assert_eq!(c.day("ip:10.0.0.5", d).map(|c| c.ambiguous), Some(1));
        // A: 08:00→10:00 is silent 09:00–10:00 in working hours (60 min);
        // 10:20→19:00 is silent 10:20–17:00. B's 20 minutes are not a gap.
        let h = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .timestamp_millis()
        };
        assert_eq!(
            c.gaps,
            [
                Gap {
                    source: "A".into(),
                    start_ms: h("2025-06-11T09:00:00Z"),
                    end_ms: h("2025-06-11T10:00:00Z")
                },
                Gap {
                    source: "A".into(),
                    start_ms: h("2025-06-11T10:20:00Z"),
                    end_ms: h("2025-06-11T17:00:00Z")
                },
            ]
        );
    }

    #[test]
    fn a_persons_dates_stay_in_order_when_one_batch_holds_several() {
        let mut c = Coverage::default();
        // Three dates in one batch (counted in a hash map, taken out in
        // any order), then the last of them again in the next batch.
        push(
            &mut c,
            &[
                ("2025-06-10T23:50:00Z", "jsmith", "A", "logged"),
                ("2025-06-11T00:10:00Z", "jsmith", "A", "unattributed"),
                ("2025-06-11T12:00:00Z", "jsmith", "A", "logged"),
                ("2025-06-12T00:05:00Z", "jsmith", "A", "ambiguous"),
            ],
        );
        push(&mut c, &[("2025-06-12T08:00:00Z", "jsmith", "A", "logged")]);
        let date = |d| NaiveDate::from_ymd_opt(2025, 6, d).unwrap();
        assert_eq!(c.day("jsmith", date(13)), None);
        assert_eq!(c.person_days(), 3);
        let counts = |events, logged, ambiguous, unattributed| DayCoverage {
            events,
            logged,
            ambiguous,
            unattributed,
            ..Default::default()
        };
        let days: Vec<_> = c.into_people().flat_map(|(_, dates)| dates).collect();
        assert_eq!(
            days,
            [
                (date(10), counts(1, 1, 0, 0)),
                (date(11), counts(2, 1, 0, 1)),
                (date(12), counts(2, 1, 1, 0)),
            ]
        );
    }
}
