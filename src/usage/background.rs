//! Background traffic: requests at machine-regular intervals (an open tab
//! polling for notifications, a chat keep-alive) are not browse time, so an
//! idle tab does not read as hours of use (docs/METHOD.md, "Background
//! traffic").
//!
//! Per person, site and category, requests in time order. The gap before a
//! request is *steady* when it and the gap before it both lie within
//! [`MIN_PERIOD_MS`]..=[`MAX_PERIOD_MS`] and differ by at most
//! [`JITTER_MS`] or [`JITTER_PCT`] % of the earlier gap, whichever is more.
//! A *run* is a maximal chain of requests joined by steady gaps (with the
//! two requests before its first steady gap). A run that lasts at least
//! [`MIN_SPAN_MS`] is background traffic: its requests are counted apart and
//! do not make sessions. A person reading a page does not click at the same
//! second-exact rhythm for half an hour; a timer does.
//!
//! The rule looks only at the past and at most [`MIN_SPAN_MS`] ahead, so it
//! streams: a request is held until its fate is known, and a day's end
//! decides every request that no later request can change.

use std::collections::VecDeque;

/// Shortest polling period considered (ms): faster requests are page loads.
pub const MIN_PERIOD_MS: i64 = 5_000;
/// Longest polling period considered (ms).
pub const MAX_PERIOD_MS: i64 = 900_000;
/// Absolute jitter allowed between consecutive gaps (ms).
pub const JITTER_MS: i64 = 2_000;
/// Relative jitter allowed between consecutive gaps (% of the earlier gap).
pub const JITTER_PCT: i64 = 10;
/// A regular run this long or longer is background traffic (ms).
pub const MIN_SPAN_MS: i64 = 1_800_000;

/// True when a gap `g` after a gap `pg` (both ms) is steady.
pub fn steady(pg: i64, g: i64) -> bool {
    let in_range = |x: i64| (MIN_PERIOD_MS..=MAX_PERIOD_MS).contains(&x);
    in_range(pg) && in_range(g) && (g - pg).abs() <= JITTER_MS.max(pg * JITTER_PCT / 100)
}

/// The rule applied one request at a time, in time order. `T` is what the
/// caller keeps with each request (its row).
#[derive(Debug, Clone)]
pub struct Detector<T> {
    /// Requests whose fate is not yet known: (sequence number, time, item).
    pending: VecDeque<(u64, i64, T)>,
    /// Requests seen.
    seen: u64,
    /// Times of the last two requests (newest last).
    prev: Option<i64>,
    prev2: Option<i64>,
    prev_gap: Option<i64>,
    /// Start (ms) of the run in progress, if any.
    run_start: Option<i64>,
    /// The run in progress has reached [`MIN_SPAN_MS`].
    in_background: bool,
    background: u64,
}

impl<T> Default for Detector<T> {
    fn default() -> Self {
        Detector {
            pending: VecDeque::new(),
            seen: 0,
            prev: None,
            prev2: None,
            prev_gap: None,
            run_start: None,
            in_background: false,
            background: 0,
        }
    }
}

impl<T> Detector<T> {
    /// Adds a request at `ts` (UTC ms, not before the previous one); passes
    /// each request now known to be active browsing, in time order, to
    /// `active`.
    pub fn push(&mut self, ts: i64, item: T, active: &mut impl FnMut(i64, T)) {
        let seq = self.seen;
        self.seen += 1;
        let gap = self.prev.map(|p| ts - p);
        let is_steady = matches!((self.prev_gap, gap), (Some(pg), Some(g)) if steady(pg, g));
        if is_steady {
            let start = *self.run_start.get_or_insert(self.prev2.unwrap_or(ts));
            if self.in_background {
                self.background += 1;
            } else {
                self.pending.push_back((seq, ts, item));
                if ts - start >= MIN_SPAN_MS {
                    self.in_background = true;
                    while let Some((_, t, x)) = self.pending.pop_front() {
                        if t < start {
                            active(t, x);
                        } else {
                            self.background += 1;
                        }
                    }
                }
            }
        } else {
            self.run_start = None;
            self.in_background = false;
            self.pending.push_back((seq, ts, item));
            // Only this request and the one before can start a later run.
            while self.pending.front().is_some_and(|&(s, _, _)| s + 1 < seq) {
                let (_, t, x) = self.pending.pop_front().expect("checked");
                active(t, x);
            }
        }
        self.prev2 = self.prev;
        self.prev = Some(ts);
        self.prev_gap = gap;
    }

    /// No request before `until` (UTC ms) is still to come: when the next
    /// gap must be longer than [`MAX_PERIOD_MS`], no run can continue or
    /// start with the requests held, so they are active browsing.
    pub fn settle(&mut self, until: i64, active: &mut impl FnMut(i64, T)) {
        if self
            .prev
            .is_some_and(|p| until.saturating_sub(p) > MAX_PERIOD_MS)
        {
            for (_, t, x) in self.pending.drain(..) {
                active(t, x);
            }
            self.prev = None;
            self.prev2 = None;
            self.prev_gap = None;
            self.run_start = None;
            self.in_background = false;
        }
    }

    /// True when nothing is held and no run is being followed: the state
    /// of a new detector, apart from [`Detector::background`]'s count (after
    /// [`Detector::settle`] past the look-behind, [`MAX_PERIOD_MS`]).
    pub fn is_idle(&self) -> bool {
        self.pending.is_empty() && self.prev.is_none()
    }

    /// Time (UTC ms) of the earliest request held, if any.
    pub fn first_pending(&self) -> Option<i64> {
        self.pending.front().map(|p| p.1)
    }

    /// Requests found to be background traffic so far.
    pub fn background(&self) -> u64 {
        self.background
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the rule over `times` (s) and returns the active ones (s).
    fn active(times: &[i64]) -> (Vec<i64>, u64) {
        let mut d = Detector::default();
        let mut out = Vec::new();
        for &t in times {
            d.push(t * 1000, (), &mut |t, ()| out.push(t / 1000));
        }
        d.settle(i64::MAX, &mut |t, ()| out.push(t / 1000));
        (out, d.background())
    }

    #[test]
    fn a_tab_polling_every_minute_for_an_hour_is_background_after_the_reading() {
        // Reading 0–300 s at irregular gaps, then a poll every 60 s (±1 s) for an hour.
        let mut t = vec![0, 7, 30, 41, 95, 180, 300];
        t.extend((1..=60).map(|k| 300 + k * 60 + (k % 2)));
        let (act, bg) = active(&t);
        // The first steady gap is 361→420 s (59 s after 61 s): the run starts
        // two requests earlier, at 300 s, and lasts an hour.
        assert_eq!(act, [0, 7, 30, 41, 95, 180]);
        assert_eq!(bg, 61);
    }

    #[test]
    fn a_regular_run_shorter_than_half_an_hour_stays_active() {
        // 29 polls a minute apart: 28 minutes.
        let t: Vec<i64> = (0..29).map(|k| k * 60).collect();
        let (act, bg) = active(&t);
        assert_eq!((act.len(), bg), (29, 0));
    }

    #[test]
    fn irregular_gaps_are_active_however_long() {
        // Gaps alternate 50 s and 70 s: 20 s apart, more than 10 % of 50.
        let t: Vec<i64> = (0..100)
            .map(|k| k * 60 + if k % 2 == 0 { 0 } else { -10 })
            .collect();
        let (act, bg) = active(&t);
        assert_eq!((act.len(), bg), (100, 0));
    }

    #[test]
    fn settling_mid_run_gives_the_same_answer_as_one_pass() {
        let mut t = vec![0, 7, 30];
        t.extend((1..=90).map(|k| 30 + k * 45));
        t.extend([4200, 4213, 4290, 6000, 6010]);
        let (once, bg) = active(&t);
        let mut d = Detector::default();
        let mut out = Vec::new();
        for &x in &t {
            d.settle(x * 1000, &mut |t, ()| out.push(t / 1000));
            d.push(x * 1000, (), &mut |t, ()| out.push(t / 1000));
        }
        d.settle(i64::MAX, &mut |t, ()| out.push(t / 1000));
        assert_eq!((out, d.background()), (once.clone(), bg));
        assert_eq!(once, [0, 7, 4200, 4213, 4290, 6000, 6010]);
    }
}
