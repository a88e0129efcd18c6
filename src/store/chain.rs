//! The chain index of a source file: `chains/<source>.json`.
//!
//! For a log read without decompression, ingest keeps the SHA-256 chaining
//! value every [`crate::digest::CHECKPOINT_BYTES`] bytes and where each block
//! of whole lines it read starts (its first line number and byte offset).
//! An evidence pack then checks and reads only the stretches of the file that
//! hold the lines it quotes (`evidence::rawlines`). The index holds no
//! personal data; its own SHA-256 is kept in the source's record in
//! `sources.jsonl`, and an index that does not match it is not used.

use std::path::PathBuf;

use anyhow::Context;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Store;
use super::manifest::SourceRecord;
use crate::digest::{State, parse_state, state_hex};

/// One file's index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chain {
    /// Bytes between two kept values.
    pub checkpoint_bytes: u64,
    /// The chaining value after `(i + 1) * checkpoint_bytes` bytes of the
    /// file, as 64 hex characters (`digest::state_hex`).
    pub checkpoints: Vec<String>,
    /// Each block of whole lines read: (its first line number, the byte
    /// offset of its first byte in the file), in file order.
    pub blocks: Vec<(u64, u64)>,
}

impl Chain {
    /// An index from the values `digest::ChainedSha256` kept and the blocks.
    pub fn new(checkpoints: &[State], blocks: Vec<(u64, u64)>) -> Chain {
        Chain {
            checkpoint_bytes: crate::digest::CHECKPOINT_BYTES,
            checkpoints: checkpoints.iter().map(state_hex).collect(),
            blocks,
        }
    }

    /// The chaining value after `offset` bytes: the initial value at 0, a
    /// kept value at a multiple of `checkpoint_bytes`, else `None`.
    pub fn state_at(&self, offset: u64) -> Option<State> {
        if offset == 0 {
            return Some(crate::digest::H0);
        }
        if self.checkpoint_bytes == 0 || !offset.is_multiple_of(self.checkpoint_bytes) {
            return None;
        }
        let i = usize::try_from(offset / self.checkpoint_bytes - 1).ok()?;
        parse_state(self.checkpoints.get(i)?)
    }
}

/// Where `source`'s index is kept.
pub fn path(store: &Store, source: &str) -> PathBuf {
    store.root().join("chains").join(format!("{source}.json"))
}

/// Writes `source`'s index (atomically, 0600); returns its SHA-256, hex.
///
/// # Errors
/// The file cannot be written (path named).
pub fn write(store: &Store, source: &str, chain: &Chain) -> anyhow::Result<String> {
    let p = path(store, source);
    crate::fsutil::create_dir_all(p.parent().expect("under chains/"))?;
    let bytes = serde_json::to_vec(chain).context("chain index")?;
    crate::fsutil::write_atomic(&p, &bytes)?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}

/// Reads the index of `record`'s file, checked against the SHA-256 in the
/// record.
///
/// # Errors
/// In words: the record has no index, or it is missing, unreadable, changed
/// or malformed.
pub fn read(store: &Store, record: &SourceRecord) -> Result<Chain, String> {
    let Some(want) = &record.chain_sha256 else {
        return Err("no chain index (a compressed file, or ingested before there were any)".into());
    };
    let p = path(store, &record.source);
    let bytes = crate::fsutil::read_input(&p, crate::fsutil::SMALL_INPUT_MAX)
        .map_err(|e| format!("chain index {} cannot be read ({e})", p.display()))?;
    if &hex::encode(Sha256::digest(&bytes)) != want {
        return Err(format!(
            "chain index {} does not match its SHA-256 in sources.jsonl",
            p.display()
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| format!("chain index {}: {e}", p.display()))
}
