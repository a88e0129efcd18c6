//! `netusage hold`: legal holds that keep data past the retention window.

use chrono::{NaiveDate, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::{StoreArgs, audit_entry};
use crate::identity::normalise_user;
use crate::output::{self, OutputFormat, Record};
use crate::retention::{self, Hold};
use crate::store::Store;

/// Place, release or list legal holds.
///
/// Events of a held user inside the held dates (UTC, inclusive) survive every
/// purge until the hold is released; the purge plan lists what each hold
/// keeps. Use the case or evidence-pack reference so the data behind a pack
/// outlives the retention window while the case is open.
#[derive(Debug, Args)]
pub struct HoldArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    #[command(subcommand)]
    pub command: HoldCommand,
}

/// `hold` subcommands.
#[derive(Debug, Subcommand)]
pub enum HoldCommand {
    /// Place a hold.
    Add {
        /// Case or evidence-pack reference (letters, digits, `.`, `_`, `-`).
        #[arg(long)]
        reference: String,
        /// User names as logged (normalised: `CORP\jsmith` → `jsmith`).
        #[arg(long, required = true, num_args = 1..)]
        users: Vec<String>,
        /// First UTC date held (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        /// Last UTC date held (YYYY-MM-DD, inclusive).
        #[arg(long)]
        to: NaiveDate,
        /// Why the data must be kept.
        #[arg(long, default_value = "")]
        reason: String,
    },
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

#[derive(Serialize)]
struct HoldRow<'a>(&'a Hold);

impl Record for HoldRow<'_> {
    fn header() -> Vec<&'static str> {
        vec![
            "reference",
            "users",
            "from",
            "to",
            "reason",
            "created_at",
            "created_by",
        ]
    }
    fn fields(&self) -> Vec<String> {
        let h = self.0;
        vec![
            h.reference.clone(),
            h.users.join(" "),
            h.from.to_string(),
            h.to.to_string(),
            h.reason.clone(),
            h.created_at.to_rfc3339(),
            h.created_by.clone(),
        ]
    }
}

/// Runs `netusage hold`.
///
/// # Errors
/// Malformed or duplicate reference, unknown hold, store errors.
pub fn run(args: HoldArgs) -> anyhow::Result<()> {
    let now = Utc::now();
    match args.command {
        HoldCommand::Add {
            reference,
            users,
            from,
            to,
            reason,
        } => {
            let store = Store::open_locked(&args.store.store)?;
            let hold = Hold {
                reference,
                users: users
                    .iter()
                    .map(|u| normalise_user(Some(u), "").into_owned())
                    .collect(),
                from,
                to,
                reason,
                created_at: now,
                created_by: crate::audit::operator(),
            };
            retention::add_hold(&store, &hold)?;
            let details = serde_json::json!({ "reference": hold.reference, "users": hold.users.len(), "from": hold.from, "to": hold.to });
            audit_entry(&store, "hold add", "ok", details, now)?;
            println!(
                "hold {} placed: {} user(s), {} to {} (UTC dates)",
                hold.reference,
                hold.users.len(),
                hold.from,
                hold.to
            );
        }
        HoldCommand::Release { reference } => {
            let store = Store::open_locked(&args.store.store)?;
            let hold = retention::release_hold(&store, &reference)?;
            audit_entry(
                &store,
                "hold release",
                "ok",
                serde_json::json!({ "reference": hold.reference }),
                now,
            )?;
            println!(
                "hold {} released; the next purge removes what it kept",
                hold.reference
            );
        }
        HoldCommand::List { format } => {
            let store = Store::open(&args.store.store)?;
            let holds = retention::holds(&store)?;
            audit_entry(
                &store,
                "hold list",
                "ok",
                serde_json::json!({ "holds": holds.len() }),
                now,
            )?;
            let rows: Vec<HoldRow> = holds.iter().map(HoldRow).collect();
            output::write(&rows, format, &mut std::io::stdout().lock())?;
        }
    }
    Ok(())
}
