//! The analysis pipeline: from the store, through enrichment, to every
//! accumulator, one UTC day at a time; and the checks it makes first (the
//! dates asked for, and people and leave rows that name nobody the store
//! knows).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, NaiveDate};
use polars::prelude::DataFrame;

use super::coverage::Coverage;
use super::policy::Policy;
use super::profile::Profiles;
use super::schedule::{Plan, Schedule};
use super::sessions::Params;
use super::{Accumulator, COLUMNS, PersonUsage};
use crate::audit::Draft;
use crate::config::{Config, ConfigSource};
use crate::enrich::Enricher;
use crate::error::ExitError;
use crate::event::col;
use crate::store::Store;
use crate::store::scan::{self, Range};

/// What an analysis works from: the config and what it validates to, the
/// store, the rows to read, and their enrichment (identity, DNS,
/// `--categories`).
pub struct Analysis {
    /// The configuration.
    pub config: Config,
    /// Its validated schedules, and who works which.
    pub profiles: Profiles,
    /// The people and leave files read, with their SHA-256.
    pub profile_files: Vec<ConfigSource>,
    /// Its validated policy.
    pub policy: Policy,
    /// The store, open for reading.
    pub store: Store,
    /// The local dates asked for, as UTC; everyone.
    pub filter: scan::Filter,
    /// The local dates asked for (`--from`, `--to`), for the audit entry.
    pub dates: (Option<NaiveDate>, Option<NaiveDate>),
    /// Attribution, DNS naming and `--categories`, applied to the stored
    /// events as they are read.
    pub enricher: Enricher,
    /// The screening authority the run is under, as its audit entry
    /// records it (`"not required"`, or the record's reference, signer and
    /// SHA-256); set by the caller that checked it.
    pub screening: serde_json::Value,
    /// The notice before monitoring the run relies on (`--notice`), as its
    /// audit entry records it; set by the caller that checked it.
    pub notice: serde_json::Value,
}

impl Analysis {
    /// An analysis of `store` under `config`, for the local dates
    /// `from..=to` (in the default schedule's time zone), reclassifying
    /// with the rules file `categories` when given. With `check_users`,
    /// people and leave rows naming nobody the store knows are refused
    /// ([`check_profile_users`]).
    ///
    /// # Errors
    /// Configuration or an unknown user (exit 2), store or rules-file errors.
    pub fn open(
        store: Store,
        config: Config,
        dates: (Option<NaiveDate>, Option<NaiveDate>),
        categories: Option<&Path>,
        check_users: bool,
    ) -> anyhow::Result<Analysis> {
        let (profiles, profile_files) = config.profiles()?;
        let policy = config.policy()?;
        let range = local_range(profiles.default_schedule(), dates.0, dates.1)?;
        let intervals = crate::store::identity::all(&store)?;
        if check_users {
            check_profile_users(&store, &profiles, &intervals)?;
        }
        let enricher =
            Enricher::with_intervals(&store, intervals, categories, config.identity.dns_window_s)?
                .with_work_use(policy.work_use.clone())
                .with_devices(!policy.devices.is_empty());
        Ok(Analysis {
            config,
            profiles,
            profile_files,
            policy,
            store,
            filter: scan::Filter { range, users: None },
            dates,
            enricher,
            screening: "not checked".into(),
            notice: "not checked".into(),
        })
    }

    /// The partitions of `range` by UTC day, each day checked against every
    /// schedule's bank-holiday calendar.
    ///
    /// # Errors
    /// A day outside the calendar's years (exit 2); store errors.
    fn days(
        &self,
        range: &Range,
    ) -> anyhow::Result<std::collections::BTreeMap<NaiveDate, Vec<PathBuf>>> {
        let days = scan::partitions_by_day(&self.store, range)?;
        for day in days.keys() {
            self.profiles.check_covers(*day).map_err(ExitError::usage)?;
        }
        Ok(days)
    }

    /// When the policy judges a device type by a rule of its own and no
    /// identity record in the store names a device of that type, a
    /// sentence saying so: every such event is then judged by the main rule.
    pub fn devices_note(&self) -> Option<String> {
        let known = self.enricher.attributor().device_types();
        let missing: Vec<&str> = self
            .policy
            .devices
            .keys()
            .copied()
            .filter(|t| !known.contains(t))
            .collect();
        (!missing.is_empty()).then(|| {
            format!(
                "note: the policy judges {} by a rule of their own ([policy.devices.<type>]), but no identity record \
                 in the store names a device of that type: their events are judged by the main rule. Import the \
                 DHCP leases with the asset register (`identity import --assets FILE`, its `type` column).",
                missing.join(", ")
            )
        })
    }

    /// An accumulator for the browse-time model `params`, without sessions.
    pub fn accumulator(&self, params: Params) -> Accumulator<'_> {
        Accumulator::new(
            self.store.key(),
            params,
            &self.profiles,
            &self.policy,
            false,
        )
    }

    /// Feeds the events in range (columns [`COLUMNS`]), a chunk of one UTC
    /// day at a time, to `push` with the end of that day (UTC ms),
    /// reclassifying them first with `--categories` when given:
    /// [`Accumulator::push`] or [`crate::usage::sensitivity::Pass::push`].
    ///
    /// # Errors
    /// A day outside the years the schedule's bank-holiday calendar covers
    /// (exit 2); store or rules-file errors; what `push` gives.
    pub fn accumulate(
        &self,
        mut push: impl FnMut(&DataFrame, Option<i64>) -> anyhow::Result<()> + Send,
    ) -> anyhow::Result<()> {
        let filter = &self.filter;
        let mut columns = COLUMNS.to_vec();
        columns.push(col::USER_LOGGED);
        columns.extend(self.enricher.columns());
        let days = self.days(&filter.range)?;
        let bar = days_bar(days.len());
        let prepare = |_, mut events: DataFrame| {
            self.enricher.apply(&mut events, false)?;
            Ok(events)
        };
        scan::each_prepared_day_chunks(&days, &columns, filter, prepare, |day, events| {
            bar.set_message(day.to_string());
            bar.inc(1);
            push(&events, Some(scan::day_end_ms(day)))
        })?;
        bar.finish_and_clear();
        Ok(())
    }

    /// Coverage of the events in range: per person and local date how they
    /// were attributed, and each source file's silences in working hours
    /// (one pass over `ts`, `user` and `source`).
    ///
    /// # Errors
    /// Store errors; a day outside the holiday calendar (exit 2).
    pub fn coverage(&self) -> anyhow::Result<Coverage> {
        let days = self.days(&self.filter.range)?;
        let mut cov = Coverage::default();
        let columns = [
            col::TS,
            col::USER,
            col::SOURCE,
            col::CLIENT_IP,
            col::USER_LOGGED,
        ];
        scan::each_listed_day(&days, &columns, &self.filter, |_, mut events| {
            self.enricher.attribute(&mut events, true)?;
            cov.push(
                &events,
                self.profiles.default_schedule(),
                self.enricher.attributor(),
            )
        })?;
        Ok(cov)
    }

    /// Computes usage for everyone in range under the configured model, with
    /// the audit entry of the run as `command`: the caller records it
    /// (`commands::record_outcome`) once the output is written, so the entry says how
    /// the run really ended.
    ///
    /// # Errors
    /// Store or rules-file errors; a day outside the holiday calendar (exit 2).
    pub fn compute(&self, command: &str) -> anyhow::Result<(Vec<PersonUsage>, Draft)> {
        let mut acc = self.accumulator(self.config.params());
        self.accumulate(|events, until| acc.push(events, until))?;
        let events = acc.events();
        let people = acc.finish();
        let draft = self.draft(command, events, &people);
        Ok((people, draft))
    }

    /// The audit entry of a run as `command` that analysed `events` events
    /// and found `people`.
    pub fn draft(&self, command: &str, events: u64, people: &[PersonUsage]) -> Draft {
        let mut draft = Draft::new(command, "ok");
        draft.config = Some(self.config.audit_record());
        draft.inputs = self
            .profile_files
            .iter()
            .map(|f| crate::audit::FileHash {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
            })
            .collect();
        draft.details = serde_json::json!({
            "events": events,
            "people": people.len(),
            "flagged": people.iter().filter(|p| p.flagged).count(),
            "from": self.dates.0,
            "to": self.dates.1,
            "screening": self.screening,
            "notice": self.notice,
        });
        draft
    }
}

/// The UTC range of local dates `from..=to` in the schedule's time zone.
pub fn local_range(
    schedule: &Schedule,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> anyhow::Result<Range> {
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ExitError::usage(format!("--to {t} is before --from {f}")));
    }
    let utc = |d: NaiveDate| DateTime::from_timestamp_millis(schedule.day_start(d));
    Ok(Range {
        from: from.and_then(utc),
        to: to
            .and_then(|t| t.checked_add_days(Days::new(1)))
            .and_then(utc),
    })
}

/// Refuses people and leave rows that name a user the store does not know
/// (no event under that name, and no identity record naming them), with
/// close matches: a misspelt name on a leave row would leave that person
/// flagged on their day off, silently. The command line's `--allow-unknown-user` accepts them.
///
/// # Errors
/// Exit 2 naming each unknown user, the file and line, and close matches;
/// store errors.
pub fn check_profile_users(
    store: &Store,
    profiles: &Profiles,
    intervals: &[(String, crate::identity::intervals::Interval)],
) -> anyhow::Result<()> {
    let named = profiles.named_users();
    if named.is_empty() {
        return Ok(());
    }
    let known = known_users(store, intervals)?;
    let problems: Vec<String> = named
        .iter()
        .filter(|(u, _)| !known.contains(**u))
        .map(|(u, at)| format!("{at}: {}", unknown_user(u, &known)))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(ExitError::usage(format!(
        "refused:\n  {}\nA row naming nobody the store knows changes no one's schedule or leave, so a misspelt \
         name would leave the real person judged without it. Correct the file, or give --allow-unknown-user \
         to accept it (for people whose logs are not yet ingested).",
        problems.join("\n  ")
    )))
}

/// Everyone the store knows: each account with events (as analysis keys
/// it) and each person an identity record names (`intervals`).
///
/// # Errors
/// A partition file cannot be read.
pub fn known_users(
    store: &Store,
    intervals: &[(String, crate::identity::intervals::Interval)],
) -> anyhow::Result<BTreeSet<String>> {
    let mut known = scan::users(store, &Range::default())?;
    known.extend(intervals.iter().map(|(_, iv)| iv.user.clone()));
    Ok(known)
}

/// Why `user` (not in `known`) is refused, with the close matches
/// ([`crate::identity::close_matches`]): `user `x` has no event in the
/// store; did you mean y?`.
pub fn unknown_user(user: &str, known: &BTreeSet<String>) -> String {
    let close = crate::identity::close_matches(user, known.iter().map(String::as_str));
    if close.is_empty() {
        format!("user `{user}` has no event in the store")
    } else {
        format!(
            "user `{user}` has no event in the store; did you mean {}?",
            close.join(", ")
        )
    }
}

/// A progress bar over the days analysed, on standard error when it is a
/// terminal and there is more than a week to read.
fn days_bar(days: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if days <= 7 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(days as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "analysing {msg} [{bar:30}] {pos}/{len} days, eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar
}
