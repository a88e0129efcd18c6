//! `netusage hold`: legal holds that keep data past the retention window.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::StoreArgs;
use crate::audit::Draft;
use crate::error::ExitError;
use crate::identity::normalise_user;
use crate::output::{self, OutputFormat};
use crate::retention::{self, Hold};
use crate::store::Store;

/// Place, release or list legal holds.
///
/// Events of a held user inside the held dates (local dates in the
/// schedule's time zone, as `--from`/`--to` everywhere; inclusive) survive every
/// purge until the hold is released; the purge plan lists what each hold
/// keeps. Use the case or evidence-pack reference so the data behind a pack
/// outlives the retention window while the case is open.
#[derive(Debug, Args)]
pub struct HoldArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: HoldCommand,
}

/// `hold` subcommands.
#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Place a hold.
    Add(AddArgs),
    /// Release a hold: the next purge removes what it kept.
    Release {
        /// The hold's reference.
        reference: String,
    },
    /// List active holds.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

/// `hold add`'s options.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// Case or evidence-pack reference (letters, digits, `.`, `_`, `-`).
    #[arg(long)]
    pub reference: String,
    /// User names as logged (normalised: `CORP\jsmith` → `jsmith`).
    #[arg(long, required = true, num_args = 1..)]
    pub users: Vec<String>,
    /// First date held (YYYY-MM-DD, local: the schedule's time zone,
    /// Europe/London unless the config says otherwise).
    #[arg(long)]
    pub from: NaiveDate,
    /// Last date held (YYYY-MM-DD, local, inclusive).
    #[arg(long)]
    pub to: NaiveDate,
    /// Why the data must be kept (it needs a letter or digit: a zero-width
    /// space is no reason).
    #[arg(long)]
    pub reason: String,
    /// Configuration file: its `[identity] local_realms` normalise the user names.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Accept users with no event in the store (a hold placed before their logs are ingested).
    #[arg(long)]
    pub allow_unknown_user: bool,
}

/// One hold as `hold list` prints it: the fields of [`Hold`], its zone
/// last (empty, or JSON null, for a hold placed before zones were recorded).
#[derive(Debug, Default, Serialize)]
pub struct HoldRow<'a> {
    /// Case or evidence-pack reference.
    pub reference: &'a str,
    /// Normalised user names held (CSV and table: joined by spaces).
    pub users: &'a [String],
    /// First date held (local, in `time_zone`).
    pub from: NaiveDate,
    /// Last date held (inclusive).
    pub to: NaiveDate,
    /// Why, in words.
    pub reason: &'a str,
    /// When it was placed (UTC, RFC 3339).
    pub created_at: DateTime<Utc>,
    /// Who placed it.
    pub created_by: &'a str,
    /// The IANA zone of `from` and `to`.
    pub time_zone: Option<&'a str>,
}

impl<'a> From<&'a Hold> for HoldRow<'a> {
    fn from(h: &'a Hold) -> Self {
        HoldRow {
            reference: &h.reference,
            users: &h.users,
            from: h.from,
            to: h.to,
            reason: &h.reason,
            created_at: h.created_at,
            created_by: &h.created_by,
            time_zone: h.time_zone.as_deref(),
        }
    }
}

/// Runs `netusage hold`.
///
/// # Errors
/// Malformed or duplicate reference, unknown hold, store errors.
pub fn run(args: HoldArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let now = crate::clock::now();
    match args.command {
        HoldCommand::Add(add_args) => add(&args.store.store, add_args, now)?,
        HoldCommand::Release { reference } => {
            let store = Store::open_locked(&args.store.store)?;
            let hold = retention::release_hold(&store, &reference)?;
            let mut d = Draft::new("hold release", "ok");
            d.details = serde_json::json!({ "reference": hold.reference });
            store.audit(d)?;
            writeln!(
                out,
                "hold {} released; the next purge removes what it kept",
                hold.reference
            )?;
        }
        HoldCommand::List { format } => {
            let store = Store::open(&args.store.store)?;
            let holds = retention::holds(&store)?;
            let rows: Vec<HoldRow> = holds.iter().map(HoldRow::from).collect();
            let printed = output::write(&rows, format, &mut std::io::stdout().lock());
            let mut d = Draft::new("hold list", "ok");
            d.details = serde_json::json!({ "holds": holds.len() });
            super::record_outcome(&store, d, printed)?;
        }
    }
    Ok(())
}

/// Refuses a hold on a user with no event in the store and no identity
/// record (a misspelt name would let the case's data be purged), naming
/// close matches.
fn check_known(store: &Store, users: &[String]) -> anyhow::Result<()> {
    let known = crate::usage::pipeline::known_users(store, &crate::store::identity::all(store)?)?;
    let problems: Vec<String> = users
        .iter()
        .filter(|u| !known.contains(u.as_str()))
        .map(|u| crate::usage::pipeline::unknown_user(u, &known))
        .collect();
    if problems.is_empty() {
        return Ok(());
    }
    Err(ExitError::usage(format!(
        "hold refused: {}. A hold on a misspelt name keeps nothing, and the case's data would be purged. \
         Give --allow-unknown-user to place it anyway (for logs not yet ingested).",
        problems.join("; ")
    )))
}

/// `hold add`: places a hold on the normalised user names over local dates
/// in the schedule's time zone, refusing names the store does not know
/// unless `--allow-unknown-user`.
///
/// # Errors
/// A name with no letter or digit, or unknown (exit 2); store errors.
fn add(dir: &Path, args: AddArgs, now: DateTime<Utc>) -> anyhow::Result<()> {
    let AddArgs {
        reference,
        users,
        from,
        to,
        reason,
        config,
        allow_unknown_user,
    } = args;
    let reason = crate::audit::reason("--reason", &reason).map_err(ExitError::usage)?;
    let config = super::load_config(dir, config.as_deref(), None)?;
    let realms = config.realms();
    let store = Store::open_locked(dir)?;
    if let Some(blank) = users.iter().find(|u| !u.chars().any(char::is_alphanumeric)) {
        return Err(ExitError::usage(format!(
            "--users `{blank}` names nobody: give user names as logged"
        )));
    }
    let users: Vec<String> = users
        .iter()
        .map(|u| normalise_user(Some(u.trim()), "", &realms).into_owned())
        .collect();
    if !allow_unknown_user {
        check_known(&store, &users)?;
    }
    let hold = Hold {
        reference,
        users,
        from,
        to,
        reason,
        time_zone: Some(config.schedule.time_zone.clone()),
        created_at: now,
        created_by: crate::audit::os_login(),
    };
    retention::add_hold(&store, &hold)?;
    let details = serde_json::json!({ "reference": hold.reference, "users": hold.users, "from": hold.from, "to": hold.to, "allow_unknown_user": allow_unknown_user });
    let mut d = Draft::new("hold add", "ok");
    d.details = details;
    store.audit(d)?;
    writeln!(
        std::io::stdout().lock(),
        "hold {} placed: {} user(s), {} to {} (local dates, {})",
        hold.reference,
        hold.users.len(),
        hold.from,
        hold.to,
        config.schedule.time_zone
    )?;
    Ok(())
}
