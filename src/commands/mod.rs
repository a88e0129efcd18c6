//! One file per subcommand: its arguments, its help text and a short `run`.
//! Options shared by several subcommands live here.

pub mod analyse;
pub mod audit;
pub mod categories;
pub mod coverage;
pub mod dns;
pub mod flags;
pub mod formats;
pub mod hold;
pub mod identity;
pub mod ingest;
pub mod policy;
pub mod purge;
pub mod report;
pub mod sample_logs;
pub mod store;
pub mod usage;
pub mod verify;
pub mod windows;

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Days, NaiveDate, Utc};
use clap::Args;
use polars::prelude::{BooleanChunked, DataFrame, IntoColumn, NewChunkedArray, StringChunked};

use crate::audit::Draft;
use crate::classify::Classifier;
use crate::config::{Config, ConfigSource};
use crate::error::ExitError;
use crate::event::col;
use crate::output::OutputFormat;
use crate::store::Store;
use crate::store::scan::{self, Range};
use crate::usage::policy::Policy;
use crate::usage::profile::Profiles;
use crate::usage::schedule::{Plan, Schedule};
use crate::usage::sessions::Params;
use crate::usage::{self as analysis, PersonUsage};

/// `--store`.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The store folder. `ingest` and `analyse` create it when absent; every
    /// other command needs it to exist, and says how to make it when it does not.
    #[arg(long, global = true, env = "NETUSAGE_STORE", default_value = crate::store::DEFAULT_STORE, value_name = "DIR")]
    pub store: PathBuf,
}

/// `--policy`, `--people`, `--leave`: whose rules and whose hours apply.
#[derive(Debug, Clone, Default, Args)]
pub struct ProfileArgs {
    /// A council's policy preset (`netusage policy show` lists them); the
    /// config file's own [policy] keys still win over it.
    #[arg(long, value_name = "NAME")]
    pub policy: Option<String>,
    /// HR export assigning people to the config's named schedules: CSV
    /// `user,schedule,from,to` (dates inclusive, `to` empty = ongoing).
    /// Overrides [profiles] people.
    #[arg(long, value_name = "FILE")]
    pub people: Option<PathBuf>,
    /// HR export of annual leave and sickness: CSV `user,date,kind`; those
    /// days are outside working time. Overrides [profiles] leave.
    #[arg(long, value_name = "FILE")]
    pub leave: Option<PathBuf>,
    /// Accept people and leave rows naming users with no event in the store
    /// (and no identity record); without it such a row is refused, since a
    /// misspelt name would leave someone on leave flagged.
    #[arg(long)]
    pub allow_unknown_user: bool,
}

impl ProfileArgs {
    /// Loads the configuration ([`load_config`]: `file`, else the store's
    /// own, else the defaults) with these options applied.
    ///
    /// # Errors
    /// As [`Config::load_with`].
    pub fn config(&self, store: &Path, file: Option<&Path>) -> anyhow::Result<Config> {
        let mut c = load_config(store, file, self.policy.as_deref())?;
        if let Some(p) = &self.people {
            c.profiles.people = p.display().to_string();
        }
        if let Some(p) = &self.leave {
            c.profiles.leave = p.display().to_string();
        }
        Ok(c)
    }
}

/// Options of the commands that analyse the store (`usage`, `flags`, `analyse`).
#[derive(Debug, Clone, Args)]
pub struct AnalysisArgs {
    /// Configuration file (TOML): schedule, browse-time rule, policy. Defaults apply without one.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// Your own category rules (TOML); they win over the bundled rules.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// First local date to include (YYYY-MM-DD, in the schedule's time zone).
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Last local date to include (YYYY-MM-DD, inclusive).
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Output format: an aligned table in minutes, or CSV/JSON in seconds.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// The configuration a command runs with: `--config FILE` when given,
/// else the store's own (`netusage store config set FILE`, kept as
/// `config.toml` in the store), else the defaults; a `--policy` preset
/// (`preset`) laid under the file's own keys. When `--config` differs from
/// the store's own, a note on standard error says so and names both SHA-256s
/// (the audit entry records the one used).
///
/// # Errors
/// As [`Config::load_with`].
pub fn load_config(
    store: &Path,
    given: Option<&Path>,
    preset: Option<&str>,
) -> anyhow::Result<Config> {
    let own = crate::store::config_file(store);
    let own = own.is_file().then_some(own);
    let config = Config::load_with(given.or(own.as_deref()), preset)?;
    if let (Some(given), Some(own)) = (given, &own) {
        let sha = |p: &Path| crate::store::sha256_file(p).ok();
        let (mine, theirs) = (sha(given), sha(own));
        if mine != theirs {
            eprintln!(
                "note: --config {} (SHA-256 {}) is not the store's own configuration ({}, SHA-256 {}): \
                 this run uses --config",
                given.display(),
                mine.as_deref().unwrap_or("?"),
                own.display(),
                theirs.as_deref().unwrap_or("?")
            );
        }
    }
    Ok(config)
}

/// Makes `file` the store's own configuration (a copy in the store, used by
/// every command run without `--config`, the nightly purge among them) and
/// audits it with the file's SHA-256 and the one it replaces. The file must
/// be a valid configuration, and the files it names (people, leave, exempt
/// users) absolute paths: the nightly job runs from another folder.
///
/// # Errors
/// Exit 2 for an invalid file or a relative path in it; I/O errors.
pub fn remember_config(store: &Store, file: &Path, why: &str) -> anyhow::Result<String> {
    let config = Config::load(Some(file))?;
    let relative: Vec<String> = [
        ("[profiles] people", &config.profiles.people),
        ("[profiles] leave", &config.profiles.leave),
        (
            "[policy] exempt_users_file",
            &config.policy.exempt_users_file,
        ),
    ]
    .into_iter()
    .filter(|(_, p)| !p.is_empty() && Path::new(p.as_str()).is_relative())
    .map(|(k, p)| format!("{k} = \"{p}\""))
    .collect();
    if !relative.is_empty() {
        return Err(ExitError::usage(format!(
            "{}: {} must be an absolute path in a store's own configuration (commands such as the nightly \
             purge run from another folder)",
            file.display(),
            relative.join(", ")
        )));
    }
    let bytes = crate::fsutil::read_input(file, crate::fsutil::SMALL_INPUT_MAX)
        .with_context(|| format!("cannot read {}", file.display()))?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let own = crate::store::config_file(store.root());
    let previous = own
        .is_file()
        .then(|| crate::store::sha256_file(&own).ok())
        .flatten();
    crate::store::write_atomic(&own, &bytes)?;
    let mut d = Draft::new("store config set", "ok");
    d.inputs = vec![crate::audit::FileHash {
        path: file.display().to_string(),
        sha256: sha.clone(),
    }];
    d.details = serde_json::json!({ "sha256": sha, "previous_sha256": previous, "why": why });
    store.audit(d)?;
    Ok(sha)
}

/// Parses `--now` (RFC 3339, e.g. `2026-11-22T09:00:00Z`): a time in the
/// past that a command treats as "today" (to read an archived log, or to
/// re-run a purge as of an earlier night). It may never be later than the
/// system clock: a future `--now` would make `purge --execute` delete data
/// early and `ingest` refuse a log as expired. The audit log records the
/// real time and, beside it, this one (`as_of`). `report` takes no `--now`:
/// the authorisation gate always uses the system clock.
pub fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    let t = DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| format!("`{s}` is not an RFC 3339 time such as 2026-11-22T09:00:00Z: {e}"))?;
    let real = crate::clock::now();
    if t > real {
        return Err(format!(
            "`{s}` is later than the system clock ({}): --now may look back, never ahead",
            real.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        ));
    }
    Ok(t)
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
/// flagged on their day off, silently. `--allow-unknown-user` accepts them.
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
) -> anyhow::Result<std::collections::BTreeSet<String>> {
    let mut known = scan::users(store, &Range::default())?;
    known.extend(intervals.iter().map(|(_, iv)| iv.user.clone()));
    Ok(known)
}

/// Why `user` (not in `known`) is refused, with the close matches
/// ([`crate::identity::close_matches`]): `user `x` has no event in the
/// store; did you mean y?`.
pub fn unknown_user(user: &str, known: &std::collections::BTreeSet<String>) -> String {
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

/// What an analysis command works from: the config and what it validates
/// to, the store, the rows to read, and the `--categories` rules if given.
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
    /// `--categories`, applied to stored events as they are read.
    pub classifier: Option<Classifier>,
    /// The identity intervals, for events logged with only an address.
    pub attributor: crate::identity::attribute::Attributor,
    /// The DNS lookups, for connections logged with only a destination
    /// address, and the rules to classify the names they give.
    pub resolver: Option<(crate::dns::Resolver, Classifier)>,
}

impl Analysis {
    /// Loads the config, opens the store and works out the range.
    ///
    /// # Errors
    /// Configuration (exit 2), store or rules-file errors.
    pub fn prepare(store_args: &StoreArgs, a: &AnalysisArgs) -> anyhow::Result<Analysis> {
        let config = a.profile.config(&store_args.store, a.config.as_deref())?;
        let (profiles, profile_files) = config.profiles()?;
        let policy = config.policy()?;
        let store = Store::open(&store_args.store)?;
        let range = local_range(profiles.default_schedule(), a.from, a.to)?;
        let classifier = match &a.categories {
            Some(path) => Some(Classifier::with_user_file(Some(path))?),
            None => None,
        };
        let intervals = crate::store::identity::all(&store)?;
        if !a.profile.allow_unknown_user {
            check_profile_users(&store, &profiles, &intervals)?;
        }
        let attributor = crate::identity::attribute::Attributor::new(intervals);
        let lookups = crate::store::dns::all(&store)?;
        let resolver = if lookups.is_empty() {
            None
        } else {
            Some((
                crate::dns::Resolver::new(lookups),
                Classifier::with_user_file(a.categories.as_deref())?,
            ))
        };
        Ok(Analysis {
            config,
            profiles,
            profile_files,
            policy,
            store,
            filter: scan::Filter { range, users: None },
            classifier,
            attributor,
            resolver,
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

    /// An accumulator for the browse-time model `params`, without sessions.
    pub fn accumulator(&self, params: Params) -> analysis::Accumulator<'_> {
        analysis::Accumulator::new(
            self.store.key(),
            params,
            &self.profiles,
            &self.policy,
            false,
        )
    }

    /// Feeds the events in `filter` (columns [`analysis::COLUMNS`]), one UTC
    /// day at a time, to every accumulator, reclassifying them first with
    /// `--categories` when given.
    ///
    /// # Errors
    /// A day outside the years the schedule's bank-holiday calendar covers
    /// (exit 2); store or rules-file errors.
    pub fn accumulate(
        &self,
        filter: &scan::Filter,
        accs: &mut [analysis::Accumulator<'_>],
    ) -> anyhow::Result<()> {
        let mut columns = analysis::COLUMNS.to_vec();
        columns.push(col::USER_LOGGED);
        if self.classifier.is_some() || self.resolver.is_some() {
            columns.push(col::HOST);
        }
        if self.resolver.is_some() {
            columns.push(col::CLIENT_IP);
        }
        let window_ms = i64::try_from(self.config.identity.dns_window_s).unwrap_or(3600) * 1000;
        let days = self.days(&filter.range)?;
        // People's events logged with only an address are stored under it.
        let mut filter = filter.clone();
        if let Some(users) = &filter.users
            && !self.attributor.is_empty()
        {
            let ms = |t: Option<DateTime<Utc>>, d: i64| t.map_or(d, |t| t.timestamp_millis());
            let wanted: std::collections::BTreeSet<String> = users.iter().cloned().collect();
            let addresses = self.attributor.addresses_of(
                &wanted,
                ms(filter.range.from, i64::MIN),
                ms(filter.range.to, i64::MAX),
            );
            filter.users = Some(wanted.into_iter().chain(addresses).collect());
        }
        let bar = days_bar(days.len());
        let prepare = |_, mut events: DataFrame| {
            // Attribution, and the keys of logged names that read `ip:…`.
            scan::attribute(&mut events, &self.attributor, false)?;
            if let Some((resolver, rules)) = &self.resolver
                && scan::name_from_dns(&mut events, resolver, window_ms)?
                && self.classifier.is_none()
            {
                reclassify(&mut events, rules)?;
            }
            if let Some(c) = &self.classifier {
                reclassify(&mut events, c)?;
            }
            Ok(events)
        };
        scan::each_prepared_day(&days, &columns, &filter, prepare, |day, events| {
            bar.set_message(day.to_string());
            bar.inc(1);
            for acc in accs.iter_mut() {
                acc.push(&events, Some(scan::day_end_ms(day)))?;
            }
            Ok(())
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
    pub fn coverage(&self) -> anyhow::Result<analysis::coverage::Coverage> {
        let days = self.days(&self.filter.range)?;
        let mut cov = analysis::coverage::Coverage::default();
        let columns = [
            col::TS,
            col::USER,
            col::SOURCE,
            col::CLIENT_IP,
            col::USER_LOGGED,
        ];
        scan::each_listed_day(&days, &columns, &self.filter, |_, mut events| {
            scan::attribute(&mut events, &self.attributor, true)?;
            cov.push(&events, self.profiles.default_schedule(), &self.attributor)
        })?;
        Ok(cov)
    }

    /// Computes usage for everyone in range under the configured model, with
    /// the audit entry of the run as `command`: the caller records it with
    /// [`record_outcome`] once the output is written, so the entry says how
    /// the run really ended.
    ///
    /// # Errors
    /// Store or rules-file errors; a day outside the holiday calendar (exit 2).
    pub fn compute(
        &self,
        command: &str,
        a: &AnalysisArgs,
    ) -> anyhow::Result<(Vec<PersonUsage>, Draft)> {
        let mut accs = [self.accumulator(self.config.params())];
        self.accumulate(&self.filter, &mut accs)?;
        let [acc] = accs;
        let events = acc.events();
        let people = acc.finish();
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
            "from": a.from,
            "to": a.to,
        });
        Ok((people, draft))
    }
}

/// Records a command's audit entry with its real outcome: `draft`'s own
/// result when `outcome` is Ok, `ok: output closed by its reader` when the
/// output pipe closed early (`| head`), and `error: <why>` otherwise; then
/// returns `outcome`.
///
/// # Errors
/// `outcome`'s error, or the audit log's.
pub fn record_outcome<T>(
    store: &Store,
    mut draft: Draft,
    outcome: anyhow::Result<T>,
) -> anyhow::Result<T> {
    if let Err(e) = &outcome {
        draft.result = if crate::error::is_broken_pipe(e) {
            "ok: output closed by its reader".to_string()
        } else {
            format!("error: {e:#}")
        };
    }
    store.audit(draft)?;
    outcome
}

/// Loads the config, reads the events in range and computes usage for
/// everyone ([`Analysis::prepare`], then [`Analysis::compute`]); the audit
/// entry is returned for [`record_outcome`].
///
/// # Errors
/// Configuration (exit 2), store or rules-file errors.
pub fn compute(
    command: &str,
    store_args: &StoreArgs,
    a: &AnalysisArgs,
) -> anyhow::Result<(Analysis, Vec<PersonUsage>, Draft)> {
    let analysis = Analysis::prepare(store_args, a)?;
    let (people, draft) = analysis.compute(command, a)?;
    Ok((analysis, people, draft))
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

/// Re-applies classification to stored events so a `--categories` file given
/// at analysis time takes effect on data ingested before it existed.
fn reclassify(events: &mut DataFrame, classifier: &Classifier) -> anyhow::Result<()> {
    let hosts = events
        .column(col::HOST)?
        .str()
        .context("host column")?
        .clone();
    let mut cache = std::collections::HashMap::new();
    let mut site = Vec::with_capacity(hosts.len());
    let mut category = Vec::with_capacity(hosts.len());
    let mut embedded = Vec::with_capacity(hosts.len());
    for h in hosts.iter() {
        let c = cache
            .entry(h.unwrap_or(""))
            .or_insert_with(|| classifier.classify(h.unwrap_or("")));
        site.push(c.site.clone());
        category.push(c.category.to_string());
        embedded.push(c.embedded);
    }
    events.replace(
        col::SITE,
        StringChunked::from_iter_values(col::SITE.into(), site.iter().map(String::as_str))
            .into_column(),
    )?;
    events.replace(
        col::CATEGORY,
        StringChunked::from_iter_values(col::CATEGORY.into(), category.iter().map(String::as_str))
            .into_column(),
    )?;
    events.replace(
        col::EMBEDDED,
        BooleanChunked::from_iter_values(col::EMBEDDED.into(), embedded.into_iter()).into_column(),
    )?;
    Ok(())
}
