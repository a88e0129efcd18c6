//! Sensitivity of a finding to the browse-time model.
//!
//! Browse time is an estimate, and a figure that reaches a disciplinary
//! hearing will be challenged on how it was estimated. Every flagged day is
//! therefore recomputed under each model of a sensitivity set: the idle
//! timeouts other reporters use (2, 5 and 10 minutes), beside the configured
//! one, each with the configured allowance. A flagged day is `robust` when it
//! is over the policy's limit under every model, `marginal` otherwise
//! (docs/METHOD.md, "Sensitivity").

use chrono::NaiveDate;
use serde::Serialize;

use super::PersonUsage;
use super::policy::Policy;
use super::sessions::Params;

/// Idle timeouts of the sensitivity set (s): 2, 5 and 10 minutes.
pub const IDLE_TIMEOUTS_S: [i64; 3] = [120, 300, 600];

/// The models of the sensitivity set for the configured `base`: each idle
/// timeout of [`IDLE_TIMEOUTS_S`] and the configured one (once), all with the
/// configured allowance, shortest timeout first.
pub fn models(base: Params) -> Vec<Params> {
    let mut timeouts: Vec<i64> = IDLE_TIMEOUTS_S.iter().map(|s| s * 1000).collect();
    timeouts.push(base.idle_timeout_ms);
    timeouts.sort_unstable();
    timeouts.dedup();
    timeouts
        .into_iter()
        .map(|idle_timeout_ms| Params {
            idle_timeout_ms,
            allowance_ms: base.allowance_ms,
        })
        .collect()
}

/// How a flagged day fares under the sensitivity set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DaySensitivity {
    /// Local date.
    pub date: NaiveDate,
    /// Counted social-media time under each model, in the order of
    /// [`models`]: (idle timeout s, counted s, rounded down).
    pub by_model: Vec<(i64, i64)>,
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
        if self.robust { "robust" } else { "marginal" }
    }
}

/// The sensitivity of each flagged day of `person`, given the same person's
/// usage under each model (`under`, in the order of [`models`]; a person
/// missing from a model's results counted nothing under it).
pub fn of_person(
    person: &PersonUsage,
    under: &[(Params, Option<&PersonUsage>)],
    policy: &Policy,
) -> Vec<DaySensitivity> {
    let limit_ms = policy.max_counted_s_per_day as i64 * 1000;
    person
        .flagged_days
        .iter()
        .map(|d| {
            let counted: Vec<(i64, i64)> = under
                .iter()
                .map(|(p, u)| {
                    let ms = u
                        .and_then(|u| u.social_days.get(&d.date))
                        .map_or(0, |s| policy.personal_use.counted_ms(s));
                    (p.idle_timeout_ms / 1000, ms)
                })
                .collect();
            DaySensitivity {
                date: d.date,
                min_counted_s: counted.iter().map(|c| c.1).min().unwrap_or(0) / 1000,
                max_counted_s: counted.iter().map(|c| c.1).max().unwrap_or(0) / 1000,
                robust: counted.iter().all(|c| c.1 > limit_ms),
                by_model: counted.into_iter().map(|(s, ms)| (s, ms / 1000)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_configured_timeout_joins_the_set_once() {
        let base = Params::default();
        let idle: Vec<i64> = models(base).iter().map(|p| p.idle_timeout_ms).collect();
        assert_eq!(idle, vec![120_000, 300_000, 600_000]);
        let base = Params {
            idle_timeout_ms: 900_000,
            allowance_ms: 30_000,
        };
        let m = models(base);
        assert_eq!(
            m.iter().map(|p| p.idle_timeout_ms).collect::<Vec<_>>(),
            vec![120_000, 300_000, 600_000, 900_000]
        );
        assert!(m.iter().all(|p| p.allowance_ms == 30_000));
    }
}
