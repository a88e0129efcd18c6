//! One file per subcommand: its arguments, its help text and a short `run`.
//! Options shared by several subcommands live here.

pub mod analyse;
pub mod audit;
pub mod authorisers;
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
pub mod subject_access;
pub mod usage;
pub mod verify;
pub mod windows;

use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use clap::Args;

use crate::audit::Draft;
use crate::config::Config;
use crate::error::ExitError;
use crate::evidence::screening;
use crate::output::OutputFormat;
use crate::store::Store;
use crate::usage::{Analysis, PersonUsage};

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
    /// Overrides `[profiles]` people.
    #[arg(long, value_name = "FILE")]
    pub people: Option<PathBuf>,
    /// HR export of annual leave and sickness: CSV `user,date,kind`; those
    /// days are outside working time. Overrides `[profiles]` leave.
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
    /// Whose rules and hours apply.
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// Your own category rules (TOML); they win over the bundled rules.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// The screening authorisation this run is under: a record with
    /// `grounds = "screening"` signed by a registered authoriser (FILE.sig,
    /// `ssh-keygen -Y sign -n netusage-screening`). Required where the
    /// policy requires it (the Charnwood and Sheffield presets, or
    /// `[policy] screening_required = true`); named in the audit entry.
    #[arg(long, value_name = "FILE")]
    pub screening: Option<PathBuf>,
    /// The notice the council gave before this screening, where its policy
    /// asks for one (North West Leicestershire 3.1: "will endeavour to
    /// inform an affected employee when this is to happen"): its reference
    /// or date, recorded in the audit entry. Required under such a preset.
    #[arg(long, value_name = "REF")]
    pub notice: Option<String>,
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
            crate::stderr_line!(
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
        ("[policy] designated_file", &config.policy.designated_file),
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

/// A run's opening-entry details: `{"paths": [...]}`, the paths as named
/// on the command line (files or folders, found or not), made absolute.
pub fn named_paths(paths: &[PathBuf]) -> serde_json::Value {
    let absolute = |p: &PathBuf| std::path::absolute(p).unwrap_or_else(|_| p.clone());
    serde_json::json!({
        "paths": paths.iter().map(|p| absolute(p).display().to_string()).collect::<Vec<_>>()
    })
}

/// Runs `work` as one audited run of `command` over `paths`: an opening
/// entry (`started: importing N file(s)`, with the paths as named,
/// absolute) before anything is stored, and a closing entry after, `ok` or
/// `error: <why>`, with `details.completes` naming the opening entry. A run
/// killed in between shows in `audit verify` as opened and never closed
/// ([`crate::audit::unclosed_runs`]). `work` gets the opening entry's
/// `seq`, for the entries it writes of each file (`details.run`), and
/// returns its value with the closing entry's result (`ok`, or `error: 2
/// file(s) failed` when it went on past failed files).
///
/// # Errors
/// The opening entry cannot be written (nothing is done then); `work`'s
/// error, after the closing entry records it; the closing entry's.
pub fn audited_run<T>(
    store: &Store,
    command: &str,
    paths: &[PathBuf],
    work: impl FnOnce(u64) -> anyhow::Result<(T, String)>,
) -> anyhow::Result<T> {
    let mut opening = Draft::new(
        command,
        format!("started: importing {} file(s)", paths.len()),
    );
    opening.details = named_paths(paths);
    let opened = store.audit(opening)?;
    let (outcome, result) = match work(opened.seq) {
        Ok((value, result)) => (Ok(value), result),
        Err(e) => {
            let result = format!("error: {e:#}");
            (Err(e), result)
        }
    };
    let mut closing = Draft::new(command, result);
    closing.details = serde_json::json!({ "completes": opened.seq });
    store.audit(closing)?;
    outcome
}

/// The analysis the options ask for: the configuration ([`ProfileArgs::config`]),
/// the store, the dates and `--categories` ([`Analysis::open`]), under the
/// screening authority the policy asks for ([`screening_authority`]).
///
/// # Errors
/// No screening authority where one is required (exit 3, audited as
/// `command`); configuration or an unknown user (exit 2), store or
/// rules-file errors.
pub fn prepare(
    command: &str,
    store_args: &StoreArgs,
    a: &AnalysisArgs,
) -> anyhow::Result<Analysis> {
    let config = a.profile.config(&store_args.store, a.config.as_deref())?;
    let store = Store::open(&store_args.store)?;
    let authority = screening_authority(command, &store, &config, a.screening.as_deref())?;
    let notice = notice_given(command, &store, &config, a.notice.as_deref())?;
    let mut analysis = Analysis::open(
        store,
        config,
        (a.from, a.to),
        a.categories.as_deref(),
        !a.profile.allow_unknown_user,
    )?;
    analysis.screening = authority.audit_value();
    analysis.notice = notice;
    if let Some(note) = analysis.devices_note() {
        crate::stderr_line!("{note}");
    }
    Ok(analysis)
}

/// The screening authority a run of `command` is under: the record given
/// (`--screening`), checked; or none, where the policy does not require one.
///
/// # Errors
/// Exit 3 (audited): required and not given, with the clause that requires
/// it; or given and not valid, with why.
pub fn screening_authority(
    command: &str,
    store: &Store,
    config: &Config,
    given: Option<&Path>,
) -> anyhow::Result<screening::Authority> {
    let required = screening::required(config);
    let outcome = match (given, &required) {
        (Some(path), _) => {
            screening::check(store, path, &crate::audit::os_login(), crate::clock::now()).map_err(
                |e| {
                    format!(
                        "the screening authorisation {} gives no authority: {e:#}",
                        path.display()
                    )
                },
            )
        }
        (None, Some(clause)) => Err(format!(
            "reading everyone's records needs a screening authorisation here: {clause}. Give --screening FILE, \
             a record with grounds = \"screening\" signed by a registered authoriser"
        )),
        (None, None) => Ok(screening::Authority::NotRequired),
    };
    outcome.or_else(|why| {
        let mut d = Draft::new(command, format!("refused: {why}"));
        d.details = serde_json::json!({ "screening": null });
        store.audit(d)?;
        Err(anyhow::Error::new(ExitError {
            code: 3,
            message: format!("refused: {why}\nNothing was read; the attempt is in the audit log."),
        }))
    })
}

/// The notice before monitoring a run relies on, for its audit entry: the
/// reference given (`--notice`), `"not required"` where the preset's policy
/// asks for none.
///
/// # Errors
/// Exit 3 (audited): the preset's policy asks the council to inform an
/// affected employee first and no `--notice` was given (the clause quoted).
pub fn notice_given(
    command: &str,
    store: &Store,
    config: &Config,
    given: Option<&str>,
) -> anyhow::Result<serde_json::Value> {
    let clause = (!config.policy.preset.is_empty())
        .then(|| crate::usage::presets::get(&config.policy.preset).ok())
        .flatten()
        .map(|p| p.notice_clause)
        .filter(|c| !c.is_empty());
    match (given.map(str::trim).filter(|g| !g.is_empty()), clause) {
        (Some(g), Some(clause)) => Ok(serde_json::json!({ "reference": g, "clause": clause })),
        (Some(g), None) => Ok(serde_json::json!({ "reference": g })),
        (None, None) => Ok("not required".into()),
        (None, Some(clause)) => {
            let why = format!(
                "the {} policy asks that an affected employee be told before monitoring: \"{clause}\". Give \
                 --notice REF, the reference or date of the notice this screening relies on",
                config.policy.preset
            );
            let mut d = Draft::new(command, format!("refused: {why}"));
            d.details = serde_json::json!({ "notice": null });
            store.audit(d)?;
            Err(anyhow::Error::new(ExitError {
                code: 3,
                message: format!(
                    "refused: {why}\nNothing was read; the attempt is in the audit log."
                ),
            }))
        }
    }
}

/// [`prepare`], then usage for everyone ([`Analysis::compute`]); the audit
/// entry is returned for [`record_outcome`].
///
/// # Errors
/// As [`prepare`] and [`Analysis::compute`].
pub fn compute(
    command: &str,
    store_args: &StoreArgs,
    a: &AnalysisArgs,
) -> anyhow::Result<(Analysis, Vec<PersonUsage>, Draft)> {
    let analysis = prepare(command, store_args, a)?;
    let (people, draft) = analysis.compute(command)?;
    Ok((analysis, people, draft))
}
