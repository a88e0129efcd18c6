//! `netusage store`: the store itself (its public key; forgetting a source
//! ingested with the wrong settings).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::StoreArgs;
use crate::audit::Draft;
use crate::error::ExitError;
use crate::retention;
use crate::store::Store;

/// The store itself: its public key, and forgetting a source.
#[derive(Debug, Args)]
pub struct StoreCmdArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: StoreCommand,
}

/// `store` subcommands.
#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Print the store's Ed25519 public key and its fingerprint, for HR to
    /// keep apart from the store: `netusage verify PACK --public-key FILE`
    /// then shows a pack was made with this store's key.
    PublicKey {
        /// Also write the key to this file (mode 0600; copy it to HR).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Remove one ingested source: its events, its quarantined lines, its
    /// chain index and its record, so the file can be ingested again with the
    /// right settings (an archive refused as too old after `[retention]
    /// days` changed, a wrong `--source-time-zone` or `--log-format`).
    ///
    /// Refused while a legal hold keeps any of its events. Audited with the
    /// reason and what was removed (the entry is written before anything is
    /// deleted; run it again to finish one that was stopped).
    Forget {
        /// The source: its id (`netusage ingest` prints it; `sources.jsonl`),
        /// or the path of the file it was read from.
        #[arg(value_name = "SOURCE")]
        source: String,
        /// Why, in words (recorded in the audit log).
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
    /// The store's own configuration, used by every command run without
    /// `--config` (the nightly purge among them).
    Config {
        /// The subcommand.
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

/// `store config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Make FILE the store's configuration (a copy is kept in the store;
    /// audited with its SHA-256). Paths inside it must be absolute.
    Set {
        /// The configuration file (TOML).
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the store's configuration and its SHA-256.
    Show,
}

/// Runs `netusage store`.
///
/// # Errors
/// Exit 2 for a refused forget (a legal hold) or a bad configuration file;
/// store and I/O errors.
pub fn run(args: StoreCmdArgs) -> anyhow::Result<()> {
    let dir = &args.store.store;
    match args.command {
        StoreCommand::PublicKey { out } => public_key(dir, out.as_deref()),
        StoreCommand::Config {
            command: ConfigCommand::Set { file },
        } => config_set(dir, &file),
        StoreCommand::Config {
            command: ConfigCommand::Show,
        } => config_show(dir),
        StoreCommand::Forget { source, reason } => forget(dir, &source, &reason),
    }
}

/// `store public-key`: prints the store's public key file, and writes it to
/// `out` (a new file) when given.
fn public_key(dir: &Path, out: Option<&Path>) -> anyhow::Result<()> {
    let store = Store::open(dir)?;
    let public = store.signing_key().verifying_key();
    let text = crate::signing::public_key_file(&public, &store.info().store_id);
    if let Some(path) = out {
        crate::fsutil::create_new(path).and_then(|mut f| {
            std::io::Write::write_all(&mut f, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
        })?;
    }
    let mut d = Draft::new("store public-key", "ok");
    d.details = serde_json::json!({
        "fingerprint": crate::signing::fingerprint(&public),
        "written_to": out.map(|p| p.display().to_string()),
    });
    let openssh = crate::sshsig::fingerprint(&crate::sshsig::openssh_key(&public, ""));
    let printed = writeln!(
        std::io::stdout().lock(),
        "{text}OpenSSH fingerprint: {openssh} (the same key as `ssh-keygen -l` and a pack's data/allowed_signers show it)"
    )
    .map_err(anyhow::Error::from);
    super::record_outcome(&store, d, printed)
}

/// `store config set FILE`: makes `file` the store's own configuration.
fn config_set(dir: &Path, file: &Path) -> anyhow::Result<()> {
    let store = Store::open_locked(dir)?;
    let sha = super::remember_config(&store, file, "store config set")?;
    writeln!(
        std::io::stdout().lock(),
        "the store's configuration is now {} (SHA-256 {sha}); commands without --config use it",
        file.display()
    )?;
    Ok(())
}

/// `store config show`: prints the store's own configuration with its SHA-256.
fn config_show(dir: &Path) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let store = Store::open(dir)?;
    let own = crate::store::config_file(store.root());
    if !own.is_file() {
        writeln!(
            stdout,
            "the store has no configuration of its own: commands use --config, or the defaults \
             (`netusage store config set FILE` to give it one)"
        )?;
        return Ok(());
    }
    let text = std::fs::read_to_string(&own)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", own.display()))?;
    let sha = crate::store::sha256_file(&own)?;
    writeln!(stdout, "# {} (SHA-256 {sha})", own.display())?;
    write!(stdout, "{text}")?;
    Ok(())
}

/// `store forget SOURCE --reason TEXT`: removes one source's events,
/// quarantined lines and record, unless a legal hold keeps any of them
/// (exit 2); audited before (`started:`) and after (`completes`).
fn forget(dir: &Path, source: &str, reason: &str) -> anyhow::Result<()> {
    let reason = crate::audit::reason("--reason", reason).map_err(ExitError::usage)?;
    let store = Store::open_locked(dir)?;
    let holds = retention::holds(&store)?;
    let enricher = crate::enrich::Enricher::attribution(&store)?;
    let f = retention::plan_forget(&store, source, &holds, enricher.attributor())?;
    let details = serde_json::json!({
        "source": f.record.source,
        "path": f.record.path,
        "sha256": f.record.sha256,
        "events": f.rows,
        "partition_files": f.files.len(),
        "quarantine": f.quarantine.is_some(),
        "reason": reason,
        "held": f.held,
    });
    if !f.held.is_empty() {
        let mut d = Draft::new("store forget", "refused: under a legal hold");
        d.details = details;
        store.audit(d)?;
        return Err(ExitError::usage(format!(
            "refused: legal hold(s) {} keep {} event(s) of source {} ({}); a held source is never \
             forgotten. Release the hold first (`netusage hold release`) if the case allows it.",
            f.held.keys().cloned().collect::<Vec<_>>().join(", "),
            f.held.values().sum::<u64>(),
            f.record.source,
            f.record.given_path
        )));
    }
    let _readers = match store.exclude_readers() {
        Ok(out) => out,
        Err(e) => {
            let mut d = Draft::new("store forget", format!("error: nothing removed: {e:#}"));
            d.details = details.clone();
            store.audit(d)?;
            return Err(e);
        }
    };
    let mut d = Draft::new("store forget", "started: removing the source");
    d.details = details.clone();
    let opened = store.audit(d)?;
    let done = retention::forget(&store, &f);
    let mut d = Draft::new(
        "store forget",
        match &done {
            Ok(()) => "ok: forgotten".to_string(),
            Err(e) => format!("error: {e:#}"),
        },
    );
    d.details = details;
    d.details["completes"] = opened.seq.into();
    store.audit(d)?;
    done?;
    writeln!(
        std::io::stdout().lock(),
        "forgot source {} ({}): {} event(s) in {} partition file(s){}; its record is gone, so the file \
         can be ingested again",
        f.record.source,
        f.record.given_path,
        f.rows,
        f.files.len(),
        if f.quarantine.is_some() {
            ", and its quarantined lines"
        } else {
            ""
        }
    )?;
    Ok(())
}
