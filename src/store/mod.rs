//! The store: a directory of Parquet day partitions, a sources manifest, a
//! quarantine of rejected lines, the pseudonym key and a writer lock.
//!
//! ```text
//! store.toml                                schema version, store id, created
//! secret.key                                32 random bytes (mode 0600): pseudonym key
//! events/date=YYYY-MM-DD/<source>.parquet   one file per source per UTC day
//! sources.jsonl                             one line per ingested file (the commit point)
//! quarantine/<source>.jsonl                 every rejected line: line, reason, raw text
//! .lock                                     held by the one writer
//! ```
//!
//! Writes are atomic (temporary file in the same directory, fsync, rename) and
//! the manifest line is appended last: a partition file whose source is not in
//! `sources.jsonl` is not committed, and scans ignore it.

pub mod manifest;
pub mod quarantine;
pub mod scan;
pub mod writer;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Default store directory when neither `--store` nor `NETUSAGE_STORE` is set.
pub const DEFAULT_STORE: &str = "netusage-store";
/// Version of the on-disk layout this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// `store.toml`.
#[derive(Debug, Serialize, Deserialize)]
pub struct StoreInfo {
    /// On-disk layout version ([`SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Random identifier of this store (hex).
    pub store_id: String,
    /// When the store was created (UTC).
    pub created: DateTime<Utc>,
}

/// An open store.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    info: StoreInfo,
    key: Vec<u8>,
    _lock: Option<File>,
}

impl Store {
    /// Opens an existing store for reading.
    ///
    /// # Errors
    /// The directory holds no store (`store.toml` missing), or its files cannot be read.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        let info_path = root.join("store.toml");
        if !info_path.exists() {
            bail!(
                "no netusage store at {}: run `netusage ingest --store {} LOGS...` first",
                root.display(),
                root.display()
            );
        }
        let text = fs::read_to_string(&info_path)
            .with_context(|| format!("cannot read {}", info_path.display()))?;
        let info: StoreInfo = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid store.toml", info_path.display()))?;
        if info.schema_version != SCHEMA_VERSION {
            bail!(
                "store {} has layout version {}, this netusage reads version {SCHEMA_VERSION}",
                root.display(),
                info.schema_version
            );
        }
        let key_path = root.join("secret.key");
        let key = fs::read(&key_path)
            .with_context(|| format!("cannot read pseudonym key {}", key_path.display()))?;
        if key.len() != 32 {
            bail!(
                "{} must hold 32 bytes, found {}",
                key_path.display(),
                key.len()
            );
        }
        Ok(Store {
            root: root.to_path_buf(),
            info,
            key,
            _lock: None,
        })
    }

    /// Opens the store for writing, creating it when absent, and takes the
    /// writer lock (`.lock`) for as long as the returned value lives.
    ///
    /// # Errors
    /// Another netusage process holds the lock, or the directory cannot be written.
    pub fn open_for_write(root: &Path, now: DateTime<Utc>) -> anyhow::Result<Store> {
        fs::create_dir_all(root)
            .with_context(|| format!("cannot create store directory {}", root.display()))?;
        let lock = take_lock(root)?;
        if !root.join("store.toml").exists() {
            create(root, now)?;
        }
        let mut store = Store::open(root)?;
        store._lock = Some(lock);
        Ok(store)
    }

    /// Opens an existing store and takes the writer lock (purge, holds).
    ///
    /// # Errors
    /// No store there, or another netusage process holds the lock.
    pub fn open_locked(root: &Path) -> anyhow::Result<Store> {
        let mut store = Store::open(root)?;
        store._lock = Some(take_lock(root)?);
        Ok(store)
    }

    /// The store directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `store.toml` contents.
    pub fn info(&self) -> &StoreInfo {
        &self.info
    }

    /// The pseudonym key (32 bytes).
    pub fn key(&self) -> &[u8] {
        &self.key
    }

    /// `events/`.
    pub fn events_dir(&self) -> PathBuf {
        self.root.join("events")
    }

    /// `sources.jsonl`.
    pub fn manifest_path(&self) -> PathBuf {
        self.root.join("sources.jsonl")
    }

    /// `quarantine/`.
    pub fn quarantine_dir(&self) -> PathBuf {
        self.root.join("quarantine")
    }
}

fn take_lock(root: &Path) -> anyhow::Result<File> {
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(root.join(".lock"))
        .with_context(|| format!("cannot open lock file in {}", root.display()))?;
    if lock.try_lock().is_err() {
        bail!(
            "store {} is in use by another netusage process (its .lock is held); try again when it ends",
            root.display()
        );
    }
    Ok(lock)
}

fn create(root: &Path, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| anyhow::anyhow!("cannot get random bytes for the pseudonym key: {e}"))?;
    let mut id = [0u8; 8];
    getrandom::fill(&mut id)
        .map_err(|e| anyhow::anyhow!("cannot get random bytes for the store id: {e}"))?;
    let key_path = root.join("secret.key");
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&key_path)
        .with_context(|| format!("cannot create {}", key_path.display()))?;
    f.write_all(&key)?;
    f.sync_all()?;
    let info = StoreInfo {
        schema_version: SCHEMA_VERSION,
        store_id: hex::encode(id),
        created: now,
    };
    write_atomic(&root.join("store.toml"), toml::to_string(&info)?.as_bytes())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, fsync, rename, fsync of the directory.
///
/// # Errors
/// Any I/O error, naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = File::create(&tmp).with_context(|| format!("cannot write {}", tmp.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.sync_all()?;
    fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    sync_dir(dir);
    Ok(())
}

/// SHA-256 of a file, hex.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Fsyncs a directory so a rename in it is durable (best effort).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}
