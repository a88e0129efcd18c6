//! Sensitivity of a finding to the browse-time model.
//!
//! Browse time is an estimate, and a figure that reaches a disciplinary
//! hearing will be challenged on how it was estimated. Every flagged day is
//! therefore recomputed under each model of a sensitivity set: idle timeouts
//! of 2, 5 and 10 minutes beside the configured one (each with the
//! configured allowance), and two per-request models: each request counts
//! for one minute from its time, overlaps once; and distinct active minutes,
//! each clock minute with a request counting 60 s. A flagged day is
//! `robust` when it is over the policy's limit under every model, `marginal`
//! otherwise (docs/METHOD.md, "Sensitivity").

mod pass;

use chrono::NaiveDate;
use serde::Serialize;

pub use pass::Pass;

use super::PersonUsage;
use super::policy::{FlaggedDay, Policy};
use super::sessions::Params;

/// Idle timeouts of the sensitivity set (s): 2, 5 and 10 minutes.
pub const IDLE_TIMEOUTS_S: [i64; 3] = [120, 300, 600];

/// Time each request counts for in the per-request model (ms).
pub const PER_REQUEST_MS: i64 = 60_000;

/// One model of the sensitivity set: its name and the session rule's
/// parameters that express it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// In words: `idle 5 min`, `60 s per request`.
    pub name: String,
    /// The session rule.
    pub params: Params,
}

/// The models of the sensitivity set for the configured `base`: each idle
/// timeout of [`IDLE_TIMEOUTS_S`] and the configured one (once, shortest
/// first), all with the configured allowance; then the per-request model
/// (no idle gap joins two requests; each counts [`PER_REQUEST_MS`], overlaps
/// once) and the distinct-active-minutes model (each clock minute with a
/// request counts 60 s).
pub fn models(base: Params) -> Vec<Model> {
    let mut timeouts: Vec<i64> = IDLE_TIMEOUTS_S.iter().map(|s| s * 1000).collect();
    timeouts.push(base.idle_timeout_ms);
    timeouts.sort_unstable();
    timeouts.dedup();
    let mut out: Vec<Model> = timeouts
        .into_iter()
        .map(|idle_timeout_ms| Model {
            name: if idle_timeout_ms % 60_000 == 0 {
                format!("idle {} min", idle_timeout_ms / 60_000)
            } else {
                format!("idle {} s", idle_timeout_ms / 1000)
            },
            params: Params {
                idle_timeout_ms,
                ..base
            },
        })
        .collect();
    out.push(Model {
        name: format!("{} s per request", PER_REQUEST_MS / 1000),
        params: Params {
            idle_timeout_ms: 0,
            allowance_ms: PER_REQUEST_MS,
            ..base
        },
    });
    out.push(Model {
        name: "distinct active minutes".into(),
        params: Params {
            idle_timeout_ms: 0,
            allowance_ms: 60_000,
            align_ms: 60_000,
            ..base
        },
    });
    out
}

/// How a flagged day fares under the sensitivity set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySensitivity {
    /// Local date.
    pub date: NaiveDate,
    /// The limit the day is over.
    pub reason: super::policy::Reason,
    /// Counted social-media time under each model, in the order of
    /// [`models`]: (model name, counted s, rounded down).
    pub by_model: Vec<(String, i64)>,
    /// The least counted time over the models (s).
    pub min_counted_s: i64,
    /// The most counted time over the models (s).
    pub max_counted_s: i64,
    /// Over the limit under every model.
    pub robust: bool,
}

impl DaySensitivity {
    /// `robust` or `marginal`.
    pub fn finding(&self) -> &'static str {
        finding(self.robust)
    }
}

/// `robust` when over the limit under every model, `marginal` otherwise.
fn finding(robust: bool) -> &'static str {
    if robust { "robust" } else { "marginal" }
}

/// The time (ms) a model counts on the flagged day `d` against the limit
/// the day is over, from the person's usage under that model (`None`: the
/// person counted nothing under it).
fn counted_ms(d: &FlaggedDay, under: Option<&PersonUsage>, policy: &Policy) -> i64 {
    under
        .and_then(|u| u.days_for(d.reason).get(&d.date))
        .map_or(0, |s| policy.measure_ms(d.reason, s))
}

/// The sensitivity of each flagged day of `person`, measured against the
/// limit the day is over (`FlaggedDay::reason`), given the same person's
/// usage under each model (`under`, in the order of [`models`]; a person
/// missing from a model's results counted nothing under it).
pub fn of_person(
    person: &PersonUsage,
    under: &[(&Model, Option<&PersonUsage>)],
    policy: &Policy,
) -> Vec<DaySensitivity> {
    person
        .flagged_days
        .iter()
        .map(|d| {
            let mut range = Range::default();
            let by_model = under
                .iter()
                .map(|(m, u)| {
                    let ms = counted_ms(d, *u, policy);
                    range.add(ms, policy.limit_ms(d.reason));
                    (m.name.clone(), ms / 1000)
                })
                .collect();
            DaySensitivity {
                date: d.date,
                reason: d.reason,
                by_model,
                min_counted_s: range.min_counted_s(),
                max_counted_s: range.max_counted_s(),
                robust: range.robust,
            }
        })
        .collect()
}

/// A flagged day's counted time over the models measured so far: what
/// `flags` prints of [`DaySensitivity`], folded one model at a time so
/// that no two models' results need be held at once. 12 bytes: `flags`
/// holds one for every day the configured model flags in the range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// The least counted time (s, rounded down); `u32::MAX` before any
    /// model. The floor of the least of some times is the least of their
    /// floors, so whole seconds lose nothing `flags` prints.
    min_s: u32,
    /// The most counted time (s, rounded down); 0 before any model.
    max_s: u32,
    /// Over the limit under every model so far.
    pub robust: bool,
}

impl Default for Range {
    fn default() -> Self {
        Range {
            min_s: u32::MAX,
            max_s: 0,
            robust: true,
        }
    }
}

impl Range {
    /// Adds a model that counts `ms` against a limit of `limit_ms`.
    fn add(&mut self, ms: i64, limit_ms: i64) {
        self.add_flagged(ms.div_euclid(1000));
        self.robust &= ms > limit_ms;
    }

    /// Adds the model that flagged the day, which counted `s` (rounded
    /// down) and is over the limit by that finding: `s` joins the least and
    /// most counted time (a day's time, so far below `u32::MAX` s; held
    /// there if not, negatives as 0).
    fn add_flagged(&mut self, s: i64) {
        let s = u32::try_from(s.max(0)).unwrap_or(u32::MAX - 1);
        self.min_s = self.min_s.min(s);
        self.max_s = self.max_s.max(s);
    }

    /// The least counted time (s, rounded down; 0 before any model).
    pub fn min_counted_s(&self) -> i64 {
        if self.min_s == u32::MAX {
            0
        } else {
            i64::from(self.min_s)
        }
    }

    /// The most counted time (s, rounded down; 0 before any model).
    pub fn max_counted_s(&self) -> i64 {
        i64::from(self.max_s)
    }

    /// `robust` or `marginal`.
    pub fn finding(&self) -> &'static str {
        finding(self.robust)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a 900 s limit, models counting 1,126.9 s, 621 s and
    /// 2,753.5 s give 621–2,753 s, marginal; without the 621 s one, robust;
    /// with none, 0–0 and robust (nothing contradicts the day).
    #[test]
    fn a_range_folds_the_models_one_at_a_time() {
        let mut r = Range::default();
        assert_eq!(
            (r.min_counted_s(), r.max_counted_s(), r.finding()),
            (0, 0, "robust")
        );
        r.add(1_126_900, 900_000);
        r.add(2_753_500, 900_000);
        assert_eq!(
            (r.min_counted_s(), r.max_counted_s(), r.finding()),
            (1126, 2753, "robust")
        );
        r.add(621_000, 900_000);
        assert_eq!(
            (r.min_counted_s(), r.max_counted_s(), r.finding()),
            (621, 2753, "marginal")
        );
        // The flagging model by its seconds: 1,126 s floors as 1,126.9 s did.
        let mut by_s = Range::default();
        by_s.add_flagged(1_126);
        by_s.add(2_753_500, 900_000);
        assert_eq!(
            (by_s.min_counted_s(), by_s.max_counted_s(), by_s.finding()),
            (1126, 2753, "robust")
        );
        // Equal to the limit is not over it.
        assert_eq!(std::mem::size_of::<Range>(), 12);
        let mut at = Range::default();
        at.add(900_000, 900_000);
        assert!(!at.robust);
    }

    #[test]
    fn the_configured_timeout_joins_the_set_once() {
        let names = |m: Vec<Model>| m.into_iter().map(|m| m.name).collect::<Vec<_>>();
        assert_eq!(
            names(models(Params::default())),
            [
                "idle 2 min",
                "idle 5 min",
                "idle 10 min",
                "60 s per request",
                "distinct active minutes"
            ]
        );
        let base = Params {
            idle_timeout_ms: 90_000,
            allowance_ms: 30_000,
            exclude_background: true,
            align_ms: 0,
        };
        let m = models(base);
        assert_eq!(
            names(m.clone()),
            [
                "idle 90 s",
                "idle 2 min",
                "idle 5 min",
                "idle 10 min",
                "60 s per request",
                "distinct active minutes"
            ]
        );
        assert!(m[..4].iter().all(|m| m.params.allowance_ms == 30_000));
        assert_eq!(
            m[4].params,
            Params {
                idle_timeout_ms: 0,
                allowance_ms: 60_000,
                exclude_background: true,
                align_ms: 0,
            }
        );
        assert_eq!(m[5].params.align_ms, 60_000);
    }
}
