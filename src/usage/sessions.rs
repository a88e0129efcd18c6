//! Browse-time sessions (docs/METHOD.md).
//!
//! Logs record requests, not attention. Per person and site, requests sorted
//! by time are grouped into sessions: a gap longer than the idle timeout
//! starts a new one. A session covers `[first request, last request +
//! allowance]`. This is the rule commercial reporters use (Fastvue, Sophos
//! UTM, Skyhigh: sessions closed by an idle gap).

/// The session rule's parameters, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// A gap strictly longer than this starts a new session (ms; default 300 000).
    pub idle_timeout_ms: i64,
    /// Added after the last request of a session (ms; default 60 000).
    pub allowance_ms: i64,
    /// Requests of background traffic (see [`super::background`]) make no
    /// sessions (default true).
    pub exclude_background: bool,
    /// When above 0, each request's time is rounded down to a multiple of
    /// this (ms) before the rule applies: with no idle gap and a 60 s
    /// allowance, the "distinct active minutes" model (default 0).
    pub align_ms: i64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            idle_timeout_ms: 300_000,
            allowance_ms: 60_000,
            exclude_background: true,
            align_ms: 0,
        }
    }
}

/// One session of one person on one site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// First request (UTC ms).
    pub start_ms: i64,
    /// Last request + allowance (UTC ms).
    pub end_ms: i64,
    /// Requests in the session.
    pub requests: u32,
    /// Every request went to an embedded (CDN/widget/API) host: not browse time.
    pub embedded_only: bool,
    /// Index (in the caller's order) of the first request.
    pub first: usize,
    /// Index (in the caller's order) of the last request.
    pub last: usize,
}

impl Session {
    /// Length in ms.
    pub fn len_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }
}

/// The session rule applied one request at a time, in time order: what
/// [`sessionize`] does over a slice, for requests that arrive in batches.
#[derive(Debug, Clone, Default)]
pub struct Sessionizer {
    open: Option<Session>,
    last_ms: i64,
    seen: usize,
}

impl Sessionizer {
    /// Adds a request at `ts_ms` (UTC ms, not before the previous one);
    /// returns the session it closes, if its gap exceeds the idle timeout.
    pub fn request(&mut self, ts_ms: i64, embedded: bool, p: Params) -> Option<Session> {
        let ts_ms = if p.align_ms > 0 {
            ts_ms - ts_ms.rem_euclid(p.align_ms)
        } else {
            ts_ms
        };
        let index = self.seen;
        self.seen += 1;
        let last = std::mem::replace(&mut self.last_ms, ts_ms);
        if let Some(s) = self.open.as_mut()
            && ts_ms - last <= p.idle_timeout_ms
        {
            s.end_ms = ts_ms + p.allowance_ms;
            s.requests += 1;
            s.embedded_only &= embedded;
            s.last = index;
            return None;
        }
        self.open.replace(Session {
            start_ms: ts_ms,
            end_ms: ts_ms + p.allowance_ms,
            requests: 1,
            embedded_only: embedded,
            first: index,
            last: index,
        })
    }

    /// The session still open, if any.
    pub fn open(&self) -> Option<&Session> {
        self.open.as_ref()
    }

    /// Time of the last request (UTC ms).
    pub fn last_ms(&self) -> i64 {
        self.last_ms
    }

    /// Closes the open session, returning it.
    pub fn close(&mut self) -> Option<Session> {
        self.open.take()
    }
}

/// Groups requests `(ts_ms, embedded)`, sorted by time, into sessions.
pub fn sessionize(requests: &[(i64, bool)], p: Params) -> Vec<Session> {
    let mut z = Sessionizer::default();
    let mut out: Vec<Session> = requests
        .iter()
        .filter_map(|&(ts, embedded)| z.request(ts, embedded, p))
        .collect();
    out.extend(z.close());
    out
}

/// The union of intervals `[start, end)`: sorted, overlaps and touching
/// intervals merged.
pub fn union(mut intervals: Vec<(i64, i64)>) -> Vec<(i64, i64)> {
    intervals.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(intervals.len());
    for (a, b) in intervals {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_gap_of_exactly_the_timeout_continues() {
        let p = Params::default();
        let s = sessionize(&[(0, false), (300_000, false)], p);
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].start_ms, s[0].end_ms), (0, 360_000));
        let s = sessionize(&[(0, false), (301_000, false)], p);
        assert_eq!(s.len(), 2);
        assert_eq!(s.iter().map(Session::len_ms).sum::<i64>(), 120_000);
    }

    #[test]
    fn distinct_active_minutes_count_each_clock_minute_with_a_request_once() {
        let p = Params {
            idle_timeout_ms: 0,
            allowance_ms: 60_000,
            align_ms: 60_000,
            ..Params::default()
        };
        // 10:00:05, 10:00:50 and 10:01:10 (minutes 0 and 1), 10:05:59 (minute 5).
        let s = sessionize(
            &[
                (5_000, false),
                (50_000, false),
                (70_000, false),
                (359_000, false),
            ],
            p,
        );
        let spans: Vec<(i64, i64)> = s.iter().map(|s| (s.start_ms, s.end_ms)).collect();
        assert_eq!(spans, [(0, 60_000), (60_000, 120_000), (300_000, 360_000)]);
        let total: i64 = union(spans).iter().map(|(a, b)| b - a).sum();
        assert_eq!(total, 180_000);
    }

    #[test]
    fn union_merges_overlaps() {
        assert_eq!(
            union(vec![(5, 10), (0, 6), (20, 30), (10, 12)]),
            vec![(0, 12), (20, 30)]
        );
    }
}
