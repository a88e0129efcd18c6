//! `netusage store`: facts about the store itself (its public key).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::StoreArgs;
use crate::audit::Draft;
use crate::store::Store;

/// The store's own keys.
#[derive(Debug, Args)]
pub struct StoreCmdArgs {
    #[command(flatten)]
    pub store: StoreArgs,
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
}

/// Runs `netusage store`.
///
/// # Errors
/// No store there, or the key file cannot be written.
pub fn run(args: StoreCmdArgs) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match args.command {
        StoreCommand::PublicKey { out } => {
            let store = Store::open(&args.store.store)?;
            let public = store.signing_key().verifying_key();
            let text = crate::signing::public_key_file(&public, &store.info().store_id);
            if let Some(path) = &out {
                crate::fsutil::create_new(path).and_then(|mut f| {
                    std::io::Write::write_all(&mut f, text.as_bytes())
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))
                })?;
            }
            let mut d = Draft::new("store public-key", "ok");
            d.details = serde_json::json!({
                "fingerprint": crate::signing::fingerprint(&public),
                "written_to": out.as_ref().map(|p| p.display().to_string()),
            });
            store.audit(d)?;
            write!(stdout, "{text}")?;
            Ok(())
        }
    }
}
