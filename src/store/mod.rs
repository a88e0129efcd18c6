//! The store: a directory of Parquet day partitions, a sources manifest, a
//! quarantine of rejected lines, the pseudonym key and a writer lock.
//!
//! ```text
//! store.toml                                schema version, store id, created
//! secret.key                                32 random bytes: pseudonym key
//! signing.key                               32 random bytes: Ed25519 seed (audit head, packs)
//! events/date=YYYY-MM-DD/<source>.parquet   one file per source per UTC day
//! sources.jsonl                             one line per ingested file (the commit point)
//! quarantine/<source>.jsonl                 every rejected line: line, reason, raw text
//! audit.jsonl, audit.head                   hash-chained audit log and its signed head
//! .lock                                     held by the one writer
//! ```
//!
//! Readers (`usage`, `flags`, `coverage`, ...) hold a shared lock on
//! `.readers` for as long as the store is open; a purge or `store forget`
//! takes it exclusively while it removes or rewrites files
//! ([`Store::exclude_readers`]), so no reader sees a file vanish under it.
//! `.purging` is the turnstile: a purge holds it while it waits for the
//! readers, and new readers pass through it, so they queue behind a
//! waiting purge instead of starving it. Both files are only ever locked,
//! never replaced.
//!
//! Every folder is created 0700 and every file 0600, whatever the umask
//! (see [`crate::fsutil`]): the store holds names, addresses and URLs.
//!
//! Writes are atomic (temporary file in the same directory, fsync, rename) and
//! the manifest line is appended last: a partition file whose source is not in
//! `sources.jsonl` is not committed, and scans ignore it.

pub mod chain;
pub mod dns;
pub mod identity;
pub mod layout;
pub mod manifest;
pub mod quarantine;
pub mod registry;
pub mod rowgroup;
pub mod scan;
pub mod sidecar;
pub mod writer;

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use ed25519_dalek::SigningKey;
use serde::{Deserialize, Serialize};

use crate::audit::{self, Draft, Entry};

/// Default store directory when neither `--store` nor `NETUSAGE_STORE` is set.
pub const DEFAULT_STORE: &str = "netusage-store";
/// Version of the on-disk layout this build reads and writes.
///
/// 2: a signing key, a signed audit head, RFC 8785 audit hashes, realms kept
/// unless configured as local.
/// 3: events carry `user_logged`, the store's own mark of an address-only
/// event (no longer read from the text `ip:` in the user name).
/// 4: events carry `reading`, how a line was read when not plainly (its
/// syslog envelope, the W3C layout that read it).
pub const SCHEMA_VERSION: u32 = 4;

/// The oldest layout this netusage reads: a version-3 store's files lack
/// only `reading`, which reads as null, and new files beside them carry it.
pub const READABLE_SINCE: u32 = 3;

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
    signing: SigningKey,
    _lock: Option<File>,
    _reading: Option<File>,
}

/// Who opens the store ([`Store::open_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    /// A reader: takes the readers' shared lock.
    Reader,
    /// A process that already holds the writer lock.
    Writer,
    /// A process that takes the writer lock once the store is open.
    Locking,
}

/// The readers' lock file ([`Store::exclude_readers`]).
pub const READERS_LOCK: &str = ".readers";
/// The turnstile readers pass through, held by a purge that waits for them.
pub const PURGING_LOCK: &str = ".purging";

/// What keeps readers out while a purge or `store forget` removes files:
/// the turnstile and the readers' lock, both held exclusively until dropped.
#[derive(Debug)]
pub struct ReadersOut {
    _turnstile: File,
    _readers: File,
}

/// How long a purge or `store forget` waits for the commands reading the
/// store to end before it gives up (s): a reader blocked writing to a pager
/// that was left open must not stop the nightly purge for ever, nor make it
/// fail at once.
pub const READERS_WAIT_S: u64 = 600;

impl Store {
    /// Opens an existing store for reading.
    ///
    /// # Errors
    /// The directory holds no store (`store.toml` missing), or its files cannot be read.
    pub fn open(root: &Path) -> anyhow::Result<Store> {
        Store::open_with(root, Opener::Reader)
    }

    /// [`Store::open`] for `opener`: a reader takes the readers' shared
    /// lock; a process that holds the writer lock (or is about to take it)
    /// does not, since it would then keep itself out when it purges.
    fn open_with(root: &Path, opener: Opener) -> anyhow::Result<Store> {
        // A purge mark with the writer lock held elsewhere is a purge under
        // way; by the writer itself, one that did not finish.
        let locked = opener == Opener::Writer;
        let info_path = root.join("store.toml");
        if !info_path.exists() {
            bail!(
                "no netusage store at {}: run `netusage ingest --store {} LOGS...` first",
                root.display(),
                root.display()
            );
        }
        // Locked first: a purge removing files under the walk of
        // `check_modes` would fail it.
        let reading = match opener {
            Opener::Reader => read_lock(root)?,
            Opener::Writer | Opener::Locking => None,
        };
        check_modes(root)?;
        let text = fs::read_to_string(&info_path)
            .with_context(|| format!("cannot read {}", info_path.display()))?;
        let info: StoreInfo = toml::from_str(&text)
            .with_context(|| format!("{} is not a valid store.toml", info_path.display()))?;
        // A layout-3 store is read as it is: its files lack only the
        // nullable `reading` column, which reads as null (`scan::read`).
        if !(READABLE_SINCE..=SCHEMA_VERSION).contains(&info.schema_version) {
            bail!(
                "store {} has layout version {}, this netusage reads versions {READABLE_SINCE} to {SCHEMA_VERSION} \
                 (version 3 marks address-only events in a column of their own, `user_logged`, which older stores \
                 lack). Fix: keep \
                 the old store read-only with the netusage that made it, and ingest the logs again into a new store \
                 (`netusage ingest --store NEW LOGS...`)",
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
        let signing = crate::signing::load(&root.join("signing.key"))?;
        let store = Store {
            root: root.to_path_buf(),
            info,
            key,
            signing,
            _lock: None,
            _reading: reading,
        };
        if let Some(p) = store.unfinished_purge()? {
            if !locked && lock_held(root) {
                crate::stderr_line!(
                    "warning: a purge is under way (started at {}, audit entry {}): files it removes \
                     while this command reads the store make it fail; run it again when the purge ends.",
                    p.started,
                    p.seq
                );
            } else {
                crate::stderr_line!(
                    "warning: the purge that started at {} (audit entry {}) did not finish: it was killed or \
                     stopped by an error. The store is readable; `netusage purge --execute` finishes it.",
                    p.started,
                    p.seq
                );
            }
        }
        Ok(store)
    }

    /// Opens the store for writing, creating it when absent, and takes the
    /// writer lock (`.lock`) for as long as the returned value lives.
    ///
    /// # Errors
    /// Another netusage process holds the lock, or the directory cannot be written.
    pub fn open_for_write(root: &Path) -> anyhow::Result<Store> {
        if !root.join("store.toml").exists() {
            let parent = match root.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            check_parent(&parent)?;
        }
        crate::fsutil::create_dir_all(root)?;
        // An existing folder others can write to is refused before anything
        // is written into it.
        check_modes(root)?;
        let lock = take_lock(root)?;
        if !root.join("store.toml").exists() {
            clear_unfinished_create(root)?;
            create(root)?;
            // A mistyped --store path would otherwise split a case's
            // evidence between two stores without a word.
            crate::stderr_line!(
                "note: created a new store at {}, with keys of its own: pseudonyms and signatures \
                 differ from any other store's. If you meant an existing store, check the --store path.",
                root.display()
            );
        }
        let mut store = Store::open_with(root, Opener::Writer)?;
        store._lock = Some(lock);
        Ok(store)
    }

    /// Opens an existing store and takes the writer lock (purge, holds).
    ///
    /// # Errors
    /// No store there, or another netusage process holds the lock.
    pub fn open_locked(root: &Path) -> anyhow::Result<Store> {
        let mut store = Store::open_with(root, Opener::Locking)?;
        store._lock = Some(take_lock(root)?);
        Ok(store)
    }

    /// Waits until no other command is reading the store, then keeps
    /// readers out for as long as the returned value lives: a purge or
    /// `store forget` takes it before it removes or rewrites files. It first
    /// takes the turnstile (`.purging`), so readers that start meanwhile
    /// wait behind it, then the readers' lock (`.readers`) once the readers
    /// already in have ended. Says on standard error when it has to wait.
    ///
    /// # Errors
    /// Readers still hold the store after [`READERS_WAIT_S`] seconds, or a
    /// lock file cannot be opened or locked.
    pub fn exclude_readers(&self) -> anyhow::Result<ReadersOut> {
        let open = |name: &str| {
            lock_file(&self.root, name)
                .with_context(|| format!("cannot open {}", self.root.join(name).display()))
        };
        let (turnstile, readers) = (open(PURGING_LOCK)?, open(READERS_LOCK)?);
        turnstile
            .lock()
            .with_context(|| format!("cannot lock {}", self.root.join(PURGING_LOCK).display()))?;
        let started = std::time::Instant::now();
        let mut said = false;
        loop {
            match readers.try_lock() {
                Ok(()) => {
                    return Ok(ReadersOut {
                        _turnstile: turnstile,
                        _readers: readers,
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    return Err(e).with_context(|| {
                        format!("cannot lock {}", self.root.join(READERS_LOCK).display())
                    });
                }
            }
            if started.elapsed().as_secs() >= READERS_WAIT_S {
                bail!(
                    "another command (usage, flags, coverage, ...) has been reading the store {} for {} s: \
                     nothing was removed. It may be stopped writing to a pager or a pipe: end it, then run \
                     this again",
                    self.root.display(),
                    READERS_WAIT_S
                );
            }
            if !said {
                crate::stderr_line!(
                    "waiting for the commands reading the store {} to end (at most {} s) before removing files",
                    self.root.display(),
                    READERS_WAIT_S
                );
                said = true;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
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

    /// The store's Ed25519 signing key (audit head, evidence packs).
    pub fn signing_key(&self) -> &SigningKey {
        &self.signing
    }

    /// Appends an entry to the store's audit log and re-signs its head.
    ///
    /// # Errors
    /// As [`audit::append`]: a damaged or shortened log, or I/O errors.
    pub fn audit(&self, draft: Draft) -> anyhow::Result<Entry> {
        audit::append(&self.root, &self.signing, draft)
    }

    /// The purge that started (its audit entry written, [`PURGE_PENDING`]
    /// marked) and did not finish: killed, or stopped by an error. `None`
    /// when every purge finished.
    ///
    /// # Errors
    /// The marker exists but cannot be read or parsed (path named).
    pub fn unfinished_purge(&self) -> anyhow::Result<Option<UnfinishedPurge>> {
        let path = self.root.join(PURGE_PENDING);
        match fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .with_context(|| format!("{} is damaged", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Marks a purge as started, after its audit entry and before it deletes
    /// anything (written atomically).
    ///
    /// # Errors
    /// I/O errors.
    pub fn mark_purge(&self, purge: &UnfinishedPurge) -> anyhow::Result<()> {
        write_atomic(
            &self.root.join(PURGE_PENDING),
            serde_json::to_string(purge)?.as_bytes(),
        )
    }

    /// Clears the mark once the purge's closing audit entry is written.
    ///
    /// # Errors
    /// I/O errors other than the mark being absent.
    pub fn clear_purge_mark(&self) -> anyhow::Result<()> {
        let path = self.root.join(PURGE_PENDING);
        match fs::remove_file(&path) {
            Ok(()) => {
                sync_dir(&self.root);
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("cannot remove {}", path.display())),
        }
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

    /// `identity/`: address → user intervals, one Parquet file per imported
    /// source, and their manifest.
    pub fn identity_dir(&self) -> PathBuf {
        self.root.join("identity")
    }
}

/// The store's own configuration (`netusage store config set FILE`): a
/// copy of the file, used by every command run without `--config`.
pub fn config_file(root: &Path) -> PathBuf {
    root.join("config.toml")
}

/// The store's mark of a purge under way: written after the purge's
/// opening audit entry and before it deletes anything, removed after its
/// closing entry. Found by the next command, it shows a purge was killed.
pub const PURGE_PENDING: &str = "purge.pending";

/// A purge that started and has not finished.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnfinishedPurge {
    /// `seq` of the audit entry that opened it (it lists what it deletes).
    pub seq: u64,
    /// When it started (UTC, RFC 3339).
    pub started: String,
}

/// Refuses to make a new store in `parent` when others could write there
/// without the sticky bit (as `/tmp` has): another user could then move the
/// new store away and put their own in its place.
///
/// # Errors
/// The folder is so, with the fix.
fn check_parent(parent: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = fs::metadata(parent) else {
        return Ok(());
    };
    if meta.mode() & 0o022 != 0 && meta.mode() & 0o1000 == 0 {
        bail!(
            "refused: a new store would be made in {}, which others can write to (mode {:o}, no sticky bit): \
             another user could move the store away and put their own in its place. Fix: `chmod go-w {}`, \
             or choose a private folder",
            parent.display(),
            meta.mode() & 0o7777,
            parent.display()
        );
    }
    Ok(())
}

/// Refuses a store that someone other than its owner could change, as
/// OpenSSH's `StrictModes` refuses a `~/.ssh` others can write to: the
/// folder and everything in it must be owned by the user running netusage
/// (or root), not writable by group or others, and the two keys
/// (`secret.key`, `signing.key`) not readable by them either. Another local
/// user who can write there could delete the audit log or plant a key.
///
/// # Errors
/// The first entry that fails, with the command that fixes it.
fn check_modes(root: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let me = nix::unistd::geteuid().as_raw();
    // A file another command removes during the walk (its temporary file
    // renamed into place, a day file purged) is gone, not a problem.
    let vanished = |e: &walkdir::Error| {
        e.io_error()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    };
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let entry = match entry {
            Err(e) if vanished(&e) => continue,
            entry => entry.with_context(|| format!("cannot read store {}", root.display()))?,
        };
        let meta = match entry.metadata() {
            Err(e) if vanished(&e) => continue,
            meta => meta.with_context(|| format!("cannot read {}", entry.path().display()))?,
        };
        let path = entry.path();
        if meta.uid() != me && meta.uid() != 0 {
            bail!(
                "refused: {} is owned by user id {}, not by the account running netusage ({me}): another user \
                 could change the store's evidence. Fix: `chown -R $(id -un) {}` (as root), or run netusage as its owner",
                path.display(),
                meta.uid(),
                root.display()
            );
        }
        let kind = meta.file_type();
        if kind.is_symlink() || !(kind.is_file() || kind.is_dir()) {
            bail!(
                "refused: {} is {} inside the store: the store holds only its own folders and regular files \
                 (a link could point its audit log or keys elsewhere; a FIFO or device would hang or flood the \
                 command). Fix: remove it and restore the real file from a backup",
                path.display(),
                if kind.is_symlink() {
                    "a symbolic link"
                } else {
                    "a FIFO, socket or device"
                }
            );
        }
        if meta.mode() & 0o022 != 0 {
            bail!(
                "refused: {} is writable by {} (mode {:o}): another local user could delete the audit log or plant \
                 a key. Fix: `chmod -R go-w {}`",
                path.display(),
                if meta.mode() & 0o002 != 0 {
                    "everyone"
                } else {
                    "its group"
                },
                meta.mode() & 0o7777,
                root.display()
            );
        }
        let key = entry.depth() == 1
            && matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("secret.key" | "signing.key")
            );
        if key && meta.mode() & 0o077 != 0 {
            bail!(
                "refused: {} is readable by others (mode {:o}): the store's keys must be private. Fix: `chmod 600 {}`",
                path.display(),
                meta.mode() & 0o7777,
                path.display()
            );
        }
    }
    Ok(())
}

/// Whether another process holds the writer lock (`.lock`) now: a probe,
/// taken and let go at once. False when there is no lock file.
fn lock_held(root: &Path) -> bool {
    match File::open(root.join(".lock")) {
        Ok(f) => matches!(f.try_lock_shared(), Err(std::fs::TryLockError::WouldBlock)),
        Err(_) => false,
    }
}

/// A lock file of the store (`.readers`, `.purging`), created empty (0600)
/// when absent; opened read-only when the store cannot be written (a lock
/// needs no write access).
///
/// # Errors
/// It can be neither created nor opened.
fn lock_file(root: &Path, name: &str) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = root.join(name);
    // Never through a symbolic link, and never waiting on a FIFO put in
    // its place (`check_modes` then refuses either).
    let flags = libc::O_NOFOLLOW | libc::O_NONBLOCK;
    crate::fsutil::private_options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .custom_flags(flags)
        .open(&path)
        .or_else(|_| File::options().read(true).custom_flags(flags).open(&path))
}

/// A reader's shared lock on `.readers` (see [`Store::exclude_readers`]),
/// taken after passing the turnstile `.purging`: while a purge or `store
/// forget` waits or removes files, this waits too, and says so. `None` when
/// the lock files cannot be opened or locked at all (a read-only store
/// that never had them, a file system without locks): nothing can purge
/// such a store.
///
/// # Errors
/// A wait for a lock fails.
fn read_lock(root: &Path) -> anyhow::Result<Option<File>> {
    let (Ok(turnstile), Ok(readers)) =
        (lock_file(root, PURGING_LOCK), lock_file(root, READERS_LOCK))
    else {
        return Ok(None);
    };
    match turnstile.try_lock_shared() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            crate::stderr_line!(
                "waiting: a purge or `store forget` is removing files from the store; this command reads it \
                 once that ends"
            );
            turnstile
                .lock_shared()
                .with_context(|| format!("cannot lock {}", root.join(PURGING_LOCK).display()))?;
        }
        Err(std::fs::TryLockError::Error(_)) => return Ok(None),
    }
    // Past the turnstile, no purge holds `.readers`.
    readers
        .lock_shared()
        .with_context(|| format!("cannot lock {}", root.join(READERS_LOCK).display()))?;
    Ok(Some(readers))
}

fn take_lock(root: &Path) -> anyhow::Result<File> {
    let lock = crate::fsutil::private_options()
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

/// A folder without `store.toml` but with the files `create` writes first is
/// a creation cut short by a crash: those files go. A folder that holds data
/// (events, sources, quarantine, holds) but no `store.toml` is refused.
fn clear_unfinished_create(root: &Path) -> anyhow::Result<()> {
    for data in ["events", "sources.jsonl", "quarantine", "holds"] {
        if root.join(data).exists() {
            bail!(
                "{} holds store data ({data}) but no store.toml: it is damaged; restore store.toml from a backup",
                root.display()
            );
        }
    }
    for f in [
        "secret.key",
        "signing.key",
        audit::LOG_FILE,
        audit::HEAD_FILE,
    ] {
        let p = root.join(f);
        if p.exists() {
            fs::remove_file(&p).with_context(|| format!("cannot remove {}", p.display()))?;
        }
    }
    Ok(())
}

fn create(root: &Path) -> anyhow::Result<()> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key)
        .map_err(|e| anyhow::anyhow!("cannot get random bytes for the pseudonym key: {e}"))?;
    let mut id = [0u8; 8];
    getrandom::fill(&mut id)
        .map_err(|e| anyhow::anyhow!("cannot get random bytes for the store id: {e}"))?;
    let key_path = root.join("secret.key");
    let mut f = crate::fsutil::create_new(&key_path)?;
    f.write_all(&key)?;
    f.sync_all()?;
    let signing = crate::signing::load_or_create(&root.join("signing.key"))?;
    let info = StoreInfo {
        schema_version: SCHEMA_VERSION,
        store_id: hex::encode(id),
        created: Utc::now(),
    };
    let mut draft = Draft::new("store create", "ok");
    draft.details = serde_json::json!({
        "store_id": info.store_id,
        "schema_version": SCHEMA_VERSION,
        "public_key": crate::signing::public_hex(&signing.verifying_key()),
        "fingerprint": crate::signing::fingerprint(&signing.verifying_key()),
    });
    audit::start(root, &signing, draft)?;
    // store.toml last: a folder without it is not a store, and the next
    // writer starts again (after removing what a crash left).
    write_atomic(&root.join("store.toml"), toml::to_string(&info)?.as_bytes())
}

pub use crate::fsutil::{sha256_file, sync_dir, write_atomic};
