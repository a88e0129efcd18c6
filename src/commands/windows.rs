//! `netusage windows`: the schedule as UTC intervals, for SQL engines.

use chrono::{DateTime, NaiveDate, SecondsFormat};
use clap::Args;
use serde::Serialize;

use crate::config::Config;
use crate::error::ExitError;
use crate::output::{self, OutputFormat};
use crate::usage::schedule::{Period, Plan};

/// Most local dates one run lists (ten years).
const MAX_DAYS: i64 = 3653;

/// The working schedule as UTC intervals, one row per local day, working
/// window and official break.
///
/// For computing browse time outside netusage (examples/browse_time.sql in
/// DuckDB or Spark SQL): the local-time rules (time zone and clock changes,
/// working days, bank holidays) are applied here, so the SQL only compares
/// milliseconds. `day` rows give each local date's bounds; time in a day
/// outside its `working`, `flexi` and `break` rows is outside working hours.
/// A window belongs to the date its shift started (a night shift's windows
/// run into the next day).
#[derive(Debug, Args)]
pub struct WindowsArgs {
    /// Configuration file (its `[schedule]` table); defaults apply without one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,
    /// A named schedule (`[schedules.NAME]`) instead of the default.
    #[arg(long, value_name = "NAME")]
    pub schedule: Option<String>,
    /// First local date (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub from: NaiveDate,
    /// Last local date (YYYY-MM-DD, inclusive; at most ten years after --from).
    #[arg(long, value_name = "DATE")]
    pub to: NaiveDate,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Csv)]
    pub format: OutputFormat,
}

/// One interval: `date,kind,start_ms,end_ms,start_utc,end_utc`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WindowRow {
    /// Local date (YYYY-MM-DD).
    pub date: String,
    /// `day` (the local date's bounds), `working` or `break`.
    pub kind: &'static str,
    /// Start, UTC milliseconds since 1970 (included).
    pub start_ms: i64,
    /// End, UTC milliseconds since 1970 (excluded).
    pub end_ms: i64,
    /// Start, RFC 3339 UTC.
    pub start_utc: String,
    /// End, RFC 3339 UTC.
    pub end_utc: String,
}

/// Runs `netusage windows`.
///
/// # Errors
/// A bad config or range (exit 2); write errors.
pub fn run(args: WindowsArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref())?;
    let schedule = match &args.schedule {
        None => config.schedule()?,
        Some(name) => config.named_schedules()?.remove(name).ok_or_else(|| {
            ExitError::usage(format!(
                "--schedule {name}: the config has no [schedules.{name}]"
            ))
        })?,
    };
    let days = (args.to - args.from).num_days();
    if days < 0 {
        return Err(ExitError::usage(format!(
            "--to {} is before --from {}",
            args.to, args.from
        )));
    }
    if days >= MAX_DAYS {
        return Err(ExitError::usage(format!(
            "--from {} to --to {} is {} days; at most {MAX_DAYS} at a time",
            args.from,
            args.to,
            days + 1
        )));
    }
    for d in [args.from, args.to] {
        schedule.check_covers(d).map_err(ExitError::usage)?;
    }
    let utc = |ms: i64| {
        DateTime::from_timestamp_millis(ms)
            .map(|d| d.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default()
    };
    let mut rows = Vec::new();
    for date in args.from.iter_days().take(days as usize + 1) {
        let row = |kind, start_ms, end_ms| WindowRow {
            date: date.to_string(),
            kind,
            start_ms,
            end_ms,
            start_utc: utc(start_ms),
            end_utc: utc(end_ms),
        };
        let next = date.succ_opt().unwrap_or(date);
        rows.push(row(
            "day",
            schedule.day_start(date),
            schedule.day_start(next),
        ));
        for &(start, end, period) in schedule.windows(date).iter() {
            if period != Period::Outside {
                rows.push(row(period.name(), start, end));
            }
        }
    }
    output::write(&rows, args.format, &mut std::io::stdout().lock())
}
