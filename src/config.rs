//! The configuration file (TOML). Every key has a default, so no file is
//! needed; the defaults follow the seed policies (Chelmsford: personal use in
//! official breaks only; one-year retention).
//!
//! ```toml
//! [schedule]
//! time_zone = "Europe/London"
//! working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
//! working_hours = ["09:00", "17:00"]
//! breaks = [["12:30", "13:30"]]
//! bank_holidays = "england-and-wales"   # or "scotland", "none"
//! [browse_time]
//! idle_timeout_s = 300
//! allowance_s = 60
//! [policy]
//! personal_use = "breaks_only"          # or "not_permitted", "reasonable"
//! max_working_minutes_per_day = 15
//! min_flagged_days = 1
//! exempt_users = []                     # designated business accounts
//! [retention]
//! days = 365
//! minimum_days = 365
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ExitError;
use crate::usage::policy::{PersonalUse, Policy};
use crate::usage::schedule::Schedule;
use crate::usage::sessions::Params;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[schedule]`.
    pub schedule: ScheduleConfig,
    /// `[browse_time]`.
    pub browse_time: BrowseTimeConfig,
    /// `[policy]`.
    pub policy: PolicyConfig,
    /// `[retention]`.
    pub retention: RetentionConfig,
}

/// `[schedule]`: when people work, in local time.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScheduleConfig {
    /// IANA time zone name.
    pub time_zone: String,
    /// Working days: `Mon` … `Sun`.
    pub working_days: Vec<String>,
    /// Start and end of working hours, `HH:MM` local.
    pub working_hours: [String; 2],
    /// Official breaks, `[start, end]` pairs in `HH:MM` local.
    pub breaks: Vec<[String; 2]>,
    /// Bank-holiday calendar: `england-and-wales`, `scotland` or `none`.
    pub bank_holidays: String,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        ScheduleConfig {
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

/// `[browse_time]`: the session rule's parameters, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrowseTimeConfig {
    /// A gap longer than this between requests starts a new session (s).
    pub idle_timeout_s: u64,
    /// Added after a session's last request (s).
    pub allowance_s: u64,
}

impl Default for BrowseTimeConfig {
    fn default() -> Self {
        BrowseTimeConfig {
            idle_timeout_s: 300,
            allowance_s: 60,
        }
    }
}

/// `[policy]`: what personal use is allowed and when a person is flagged.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// `breaks_only`, `not_permitted` or `reasonable`.
    pub personal_use: String,
    /// A day is flagged above this many minutes of counted social-media time.
    pub max_working_minutes_per_day: u64,
    /// A person is flagged with at least this many flagged days.
    pub min_flagged_days: u32,
    /// Designated business accounts, never flagged (normalised user names).
    pub exempt_users: Vec<String>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            personal_use: "breaks_only".into(),
            max_working_minutes_per_day: 15,
            min_flagged_days: 1,
            exempt_users: Vec::new(),
        }
    }
}

/// `[retention]`: the retention window, in days.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Events older than this many days are purged.
    pub days: u32,
    /// Purge refuses a shorter window without an explicit override.
    pub minimum_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            days: 365,
            minimum_days: 365,
        }
    }
}

impl Config {
    /// Loads a config file, or the defaults when `path` is `None`.
    ///
    /// # Errors
    /// Exit code 2 with the file name and the TOML error (line, column, key).
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            ExitError::usage(format!("cannot read config file {}: {e}", path.display()))
        })?;
        toml::from_str(&text)
            .map_err(|e| ExitError::usage(format!("config file {}: {e}", path.display())))
    }

    /// The validated schedule.
    ///
    /// # Errors
    /// Exit code 2 naming the bad key and value.
    pub fn schedule(&self) -> anyhow::Result<Schedule> {
        Schedule::from_config(&self.schedule)
            .map_err(|e| ExitError::usage(format!("config [schedule]: {e}")))
    }

    /// The validated policy.
    ///
    /// # Errors
    /// Exit code 2 for an unknown `personal_use`.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        let personal_use = PersonalUse::parse(&self.policy.personal_use)
            .map_err(|e| ExitError::usage(format!("config [policy]: {e}")))?;
        Ok(Policy {
            personal_use,
            max_counted_s_per_day: self.policy.max_working_minutes_per_day * 60,
            min_flagged_days: self.policy.min_flagged_days,
            exempt_users: self
                .policy
                .exempt_users
                .iter()
                .map(|u| u.to_lowercase())
                .collect(),
        })
    }

    /// The browse-time parameters.
    pub fn params(&self) -> Params {
        Params {
            idle_timeout_ms: self.browse_time.idle_timeout_s as i64 * 1000,
            allowance_ms: self.browse_time.allowance_s as i64 * 1000,
        }
    }
}
