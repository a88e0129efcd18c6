//! `netusage authorisers`: the registry of the people who may authorise an
//! evidence pack, changed only under the registrar's SSH signature.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::StoreArgs;
use crate::audit::{Draft, FileHash};
use crate::error::ExitError;
use crate::output::{self, OutputFormat};
use crate::store::Store;
use crate::store::registry::{self, Action, Registry};

/// The registry of authorisers: who may sign an authorisation record.
///
/// People are OpenSSH Ed25519 public keys with a name, role and staff id.
/// The registrar (the council's DPO or SIRO) is set once with `init`; from
/// then on a person is added or revoked only by a change file the registrar
/// has signed: `ssh-keygen -Y sign -f REGISTRAR_KEY -n netusage-registry
/// change.toml` writes `change.toml.sig` beside it. `list` shows the store id
/// and the next change number a change must carry.
#[derive(Debug, Args)]
pub struct AuthorisersArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: AuthorisersCommand,
}

/// `authorisers` subcommands.
#[derive(Debug, Subcommand)]
pub enum AuthorisersCommand {
    /// Set the store's registrar (once): their OpenSSH Ed25519 public key file.
    Init {
        /// The registrar's public key (`id_ed25519.pub`).
        #[arg(long, value_name = "FILE")]
        registrar: PathBuf,
    },
    /// Register a person: a change file (`action = "add"`) signed by the registrar.
    Add {
        /// The change (TOML; see examples/authoriser-add.toml); its signature is FILE.sig.
        #[arg(value_name = "FILE")]
        change: PathBuf,
    },
    /// Revoke a person: a change file (`action = "revoke"`) signed by the registrar.
    Revoke {
        /// The change (TOML); its signature is FILE.sig.
        #[arg(value_name = "FILE")]
        change: PathBuf,
    },
    /// List the registrar and everyone registered, with the next change number.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

/// Runs `netusage authorisers`.
///
/// # Errors
/// Exit 3 when a change is not the registrar's, is out of turn or breaks a
/// rule (audited); exit 2 for an unreadable file; store errors.
pub fn run(args: AuthorisersArgs) -> anyhow::Result<()> {
    let dir = &args.store.store;
    match args.command {
        AuthorisersCommand::Init { registrar } => init(dir, &registrar),
        AuthorisersCommand::Add { change } => apply(dir, &change, Action::Add),
        AuthorisersCommand::Revoke { change } => apply(dir, &change, Action::Revoke),
        AuthorisersCommand::List { format } => list(dir, format),
    }
}

/// Reads a small text file given on the command line (exit 2 when it cannot).
fn read_text(path: &Path, what: &str) -> anyhow::Result<(String, String)> {
    let bytes = crate::fsutil::read_input(path, crate::fsutil::SMALL_INPUT_MAX)
        .map_err(|e| ExitError::usage(format!("cannot read {what} {}: {e}", path.display())))?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let text = String::from_utf8(bytes)
        .map_err(|_| ExitError::usage(format!("{what} {} is not UTF-8 text", path.display())))?;
    Ok((text, sha))
}

/// `authorisers init`: sets the registrar, once.
fn init(dir: &Path, registrar: &Path) -> anyhow::Result<()> {
    let (text, sha) = read_text(registrar, "public key")?;
    let store = Store::open_locked(dir)?;
    let mut d = Draft::new("authorisers init", "ok");
    let r = match Registry::init(&store, &text, crate::clock::now()) {
        Ok(r) => r,
        Err(e) => {
            d.result = format!("refused: {e:#}");
            store.audit(d)?;
            return Err(ExitError::usage(format!("{}: {e:#}", registrar.display())));
        }
    };
    d.inputs = vec![FileHash {
        path: registrar.display().to_string(),
        sha256: sha,
    }];
    d.details = serde_json::json!({ "registrar": r.registrar_fingerprint() });
    store.audit(d)?;
    writeln!(
        std::io::stdout().lock(),
        "registrar set: {} (store {}); changes to the registry now need their signature",
        r.registrar_fingerprint(),
        store.info().store_id
    )?;
    Ok(())
}

/// `authorisers add|revoke FILE`: applies a signed change of the kind asked.
fn apply(dir: &Path, path: &Path, action: Action) -> anyhow::Result<()> {
    let (text, sha) = read_text(path, "change")?;
    let sig_path = registry::signature_path(path);
    let store = Store::open_locked(dir)?;
    let command = match action {
        Action::Add => "authorisers add",
        Action::Revoke => "authorisers revoke",
    };
    let mut d = Draft::new(command, "ok");
    d.inputs = vec![FileHash {
        path: path.display().to_string(),
        sha256: sha,
    }];
    let outcome = (|| {
        let (signature, _) = read_text(&sig_path, "signature")?;
        let mut r = Registry::load(&store)?.ok_or_else(|| {
            anyhow::anyhow!(
                "the store has no registrar yet: `netusage authorisers init --registrar FILE` first"
            )
        })?;
        let asked: registry::Change =
            toml::from_str(&text).map_err(|e| anyhow::anyhow!("not a change: {}", e.message()))?;
        if asked.action != action {
            anyhow::bail!(
                "the change's action is `{:?}`, not what `{command}` does",
                asked.action
            );
        }
        let person = r.apply(&store, &text, &signature, crate::clock::now())?;
        Ok((r, person))
    })();
    match outcome {
        Ok((r, p)) => {
            d.details = serde_json::json!({ "staff_id": p.staff_id, "fingerprint": p.fingerprint, "role": p.role, "covert": p.covert });
            // The audit entry first, then the registry: a change that took
            // effect always has its entry.
            store.audit(d.clone())?;
            if let Err(e) = r.save(&store) {
                d.result = format!("failed: the registry could not be saved: {e:#}");
                store.audit(d)?;
                return Err(e.context("the registry is unchanged; the failure is in the audit log"));
            }
            let done = if action == Action::Add {
                "registered"
            } else {
                "revoked"
            };
            writeln!(
                std::io::stdout().lock(),
                "{done}: {} ({}, staff id {}, key {}{})",
                p.name,
                p.role,
                p.staff_id,
                p.fingerprint,
                if p.covert {
                    ", may authorise covert monitoring"
                } else {
                    ""
                }
            )?;
            Ok(())
        }
        Err(e) => {
            d.result = format!("refused: {e:#}");
            store.audit(d)?;
            Err(anyhow::Error::new(ExitError {
                code: 3,
                message: format!(
                    "refused: {}: {e:#}\nThe registry is unchanged; the attempt is in the audit log.",
                    path.display()
                ),
            }))
        }
    }
}

/// `authorisers list`: the registrar, then everyone registered.
fn list(dir: &Path, format: OutputFormat) -> anyhow::Result<()> {
    let store = Store::open(dir)?;
    let Some(r) = Registry::load(&store)? else {
        writeln!(
            std::io::stdout().lock(),
            "no registrar: `netusage authorisers init --registrar FILE` sets one (store {})",
            store.info().store_id
        )?;
        return Ok(());
    };
    let people = r.people()?;
    let mut out = std::io::stdout().lock();
    if format == OutputFormat::Table {
        writeln!(
            out,
            "store {}; registrar {}; next change number {}",
            store.info().store_id,
            r.registrar_fingerprint(),
            r.changes.len() + 1
        )?;
    }
    output::write(&people, format, &mut out)
}
