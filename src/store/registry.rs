//! The registry of the people who may authorise: the registrar (the
//! council's DPO or SIRO, whose key is set once for the store) and the
//! authorisers it registers, each an OpenSSH Ed25519 public key with a name,
//! role, staff id, OS login (where they run netusage themselves) and
//! whether they may authorise covert monitoring.
//!
//! A change is a small TOML file (`action = "add"` or `"revoke"`) that
//! counts only with the registrar's detached SSH signature over it
//! (`ssh-keygen -Y sign -n netusage-registry`). Each change names the
//! store and the change number it expects, so a signed change applies to
//! one store, once. Every change is kept with its signature in
//! `registry.json`, so anyone can check the registry again from the start.
//! People are compared by key and staff id, never by name.

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Store;
use crate::sshsig;

/// The registry's file in the store.
pub const FILE: &str = "registry.json";

/// The registry as kept: the registrar's key and every change applied.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registry {
    /// The store it belongs to.
    pub store_id: String,
    /// The registrar's OpenSSH public key line.
    pub registrar: String,
    /// When the registrar was set (UTC).
    pub created_at: DateTime<Utc>,
    /// Every change, in order.
    pub changes: Vec<SignedChange>,
}

/// One applied change, as the registrar signed it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedChange {
    /// The change file's text, exactly as signed.
    pub text: String,
    /// The registrar's armoured SSH signature over `text`.
    pub signature: String,
    /// When it was applied (UTC).
    pub applied_at: DateTime<Utc>,
}

/// What a change asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Register a person.
    Add,
    /// Revoke a registered person (by staff id): records they sign are
    /// refused from then on.
    Revoke,
}

/// A change file (TOML).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    /// The store it is for (`netusage authorisers list` shows it).
    pub store_id: String,
    /// Its number: the registry's count of changes plus one.
    pub seq: u64,
    /// What it does.
    pub action: Action,
    /// The person's staff id (both actions).
    pub staff_id: String,
    /// Their name as HR knows it (`add`): shown, never compared.
    #[serde(default)]
    pub name: String,
    /// Their role (`add`), e.g. `Head of HR`.
    #[serde(default)]
    pub role: String,
    /// Their OpenSSH Ed25519 public key line (`add`).
    #[serde(default)]
    pub key: String,
    /// May authorise covert monitoring (`add`).
    #[serde(default)]
    pub covert: bool,
    /// Their operating-system login, where they run netusage themselves
    /// (`add`): an operator with this login is this person.
    #[serde(default)]
    pub login: String,
}

/// A registered person, as the changes so far make them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Person {
    /// Staff id: who they are.
    pub staff_id: String,
    /// Name (shown, never compared).
    pub name: String,
    /// Role.
    pub role: String,
    /// OpenSSH public key line.
    pub key: String,
    /// Its fingerprint (`SHA256:…`, as `ssh-keygen -l` prints it).
    pub fingerprint: String,
    /// May authorise covert monitoring.
    pub covert: bool,
    /// OS login, or empty.
    pub login: String,
    /// Revoked (by change `revoked_by`).
    pub revoked_by: Option<u64>,
}

impl Registry {
    /// The store's registry; `None` before a registrar is set. Checked as
    /// it is read: every change must carry the registrar's signature, this
    /// store's id and its turn; and the registry must agree with the signed
    /// audit log (the registrar it records at `authorisers init`, and the
    /// number of changes applied), so a `registry.json` edited, cut short or
    /// deleted by hand is found.
    ///
    /// # Errors
    /// The file cannot be read, is malformed, or fails any of those checks
    /// ("registry damaged").
    pub fn load(store: &Store) -> anyhow::Result<Option<Registry>> {
        let path = store.root().join(FILE);
        let audit = crate::audit::read(store.root())?;
        let inits: Vec<&crate::audit::Entry> = audit
            .iter()
            .filter(|e| e.command == "authorisers init" && e.result == "ok")
            .collect();
        let applied = audit
            .iter()
            .filter(|e| {
                (e.command == "authorisers add" || e.command == "authorisers revoke")
                    && e.result == "ok"
            })
            .count();
        let bytes = match crate::fsutil::read_input(&path, 64 << 20) {
            Ok(b) => b,
            Err(_) if std::fs::symlink_metadata(&path).is_err() => {
                if let Some(e) = inits.first() {
                    bail!(
                        "registry damaged: {} is missing, but audit entry {} set a registrar; nothing is accepted \
                         until it is restored from a backup",
                        path.display(),
                        e.seq
                    );
                }
                return Ok(None);
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        let r: Registry = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a valid registry", path.display()))?;
        let damaged = |why: String| anyhow::anyhow!("registry damaged ({}): {why}", path.display());
        if r.store_id != store.info().store_id {
            return Err(damaged(format!("it belongs to store {}", r.store_id)));
        }
        match inits.as_slice() {
            [one]
                if one.details["registrar"].as_str()
                    == Some(r.registrar_fingerprint().as_str()) => {}
            [one] => {
                return Err(damaged(format!(
                    "its registrar is {}, but audit entry {} set {}",
                    r.registrar_fingerprint(),
                    one.seq,
                    one.details["registrar"]
                )));
            }
            _ => {
                return Err(damaged(format!(
                    "the audit log records {} registrar(s) set, not one",
                    inits.len()
                )));
            }
        }
        if r.changes.len() != applied {
            return Err(damaged(format!(
                "it holds {} change(s), but the audit log records {applied} applied",
                r.changes.len()
            )));
        }
        r.people().map_err(|e| damaged(format!("{e:#}")))?;
        Ok(Some(r))
    }

    /// Sets the registrar of a store that has none: `key` is their OpenSSH
    /// public key line.
    ///
    /// # Errors
    /// The store has a registrar already (a new one is never set over it);
    /// the key is not an Ed25519 public key; I/O errors.
    pub fn init(store: &Store, key: &str, now: DateTime<Utc>) -> anyhow::Result<Registry> {
        let set = crate::audit::read(store.root())?
            .into_iter()
            .find(|e| e.command == "authorisers init" && e.result == "ok");
        if let Some(e) = set {
            bail!(
                "the store already has a registrar (set in audit entry {}, {}): the registrar is set once",
                e.seq,
                e.details["registrar"]
            );
        }
        if store.root().join(FILE).exists() {
            bail!("the store already has a registry ({FILE}): the registrar is set once");
        }
        let key = sshsig::parse_public_key(key)?;
        let r = Registry {
            store_id: store.info().store_id.clone(),
            registrar: sshsig::key_line(&key),
            created_at: now,
            changes: Vec::new(),
        };
        r.save(store)?;
        Ok(r)
    }

    /// Writes the registry to the store (atomically: the old file or the
    /// new, never half of one).
    ///
    /// # Errors
    /// I/O errors, naming the file.
    pub fn save(&self, store: &Store) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(self)?;
        crate::fsutil::write_atomic(&store.root().join(FILE), &bytes)
    }

    /// The registrar's fingerprint.
    pub fn registrar_fingerprint(&self) -> String {
        sshsig::parse_public_key(&self.registrar)
            .map(|k| sshsig::fingerprint(&k))
            .unwrap_or_default()
    }

    /// Everyone registered, revoked or not, in the order they were added.
    ///
    /// # Errors
    /// A stored change no longer reads (the file was edited by hand).
    pub fn people(&self) -> anyhow::Result<Vec<Person>> {
        let mut people: Vec<Person> = Vec::new();
        for (i, c) in self.changes.iter().enumerate() {
            let seq = i as u64 + 1;
            let signer = sshsig::verify(&c.signature, sshsig::REGISTRY, c.text.as_bytes())
                .with_context(|| format!("change {seq}'s signature"))?;
            if sshsig::key_line(&signer) != self.registrar {
                bail!("change {seq} is not signed by the registrar");
            }
            let change: Change =
                toml::from_str(&c.text).with_context(|| format!("change {seq} does not read"))?;
            if change.store_id != self.store_id || change.seq != seq {
                bail!(
                    "change {seq} says store {} and number {}",
                    change.store_id,
                    change.seq
                );
            }
            apply_to(&mut people, &change, seq)?;
        }
        Ok(people)
    }

    /// Checks a signed change (`text`, `signature`) against the registrar's
    /// key, this store and the registry, and applies it in memory; returns
    /// the person it adds or revokes. The caller records it in the audit
    /// log, then [`Registry::save`]s: a change that took effect is never
    /// missing from the audit log (a crash between the two leaves an audit
    /// entry for a change not yet saved, and the same signed change, still
    /// next in turn, applies when given again).
    ///
    /// # Errors
    /// Not signed by the registrar in the `netusage-registry` namespace, or
    /// changed after signing; for another store; out of turn (`seq`); a
    /// staff id or key registered already; a revoke of nobody.
    pub fn apply(
        &mut self,
        store: &Store,
        text: &str,
        signature: &str,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Person> {
        let signer = sshsig::verify(signature, sshsig::REGISTRY, text.as_bytes())?;
        if sshsig::key_line(&signer) != self.registrar {
            bail!(
                "signed by {}, not by the registrar ({}): only the registrar changes the registry",
                sshsig::fingerprint(&signer),
                self.registrar_fingerprint()
            );
        }
        let change: Change =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("not a change: {}", e.message()))?;
        if change.store_id != store.info().store_id {
            bail!(
                "the change is for store {}, not this one ({})",
                change.store_id,
                store.info().store_id
            );
        }
        let next = self.changes.len() as u64 + 1;
        if change.seq != next {
            bail!(
                "the change is number {}, but this registry's next change is {next}: a signed change applies once, in turn",
                change.seq
            );
        }
        let mut people = self.people()?;
        let person = apply_to(&mut people, &change, next)?;
        self.changes.push(SignedChange {
            text: text.to_string(),
            signature: signature.trim().to_string(),
            applied_at: now,
        });
        Ok(person)
    }

    /// The registered, unrevoked person whose key is `key`.
    ///
    /// # Errors
    /// As [`Registry::people`].
    pub fn active_by_key(&self, key: &ssh_key::PublicKey) -> anyhow::Result<Option<Person>> {
        let line = sshsig::key_line(key);
        Ok(self
            .people()?
            .into_iter()
            .find(|p| p.key == line && p.revoked_by.is_none()))
    }

    /// Whoever was ever registered with `key` (revoked or not).
    ///
    /// # Errors
    /// As [`Registry::people`].
    pub fn any_by_key(&self, key: &ssh_key::PublicKey) -> anyhow::Result<Option<Person>> {
        let line = sshsig::key_line(key);
        Ok(self.people()?.into_iter().find(|p| p.key == line))
    }
}

impl Registry {
    /// The change that registered `person` (by staff id), as the registrar
    /// signed it: what a pack carries so HR can check, with the registrar's
    /// key alone, that its authoriser was registered.
    pub fn registration(&self, person: &Person) -> Option<&SignedChange> {
        self.changes.iter().find(|c| {
            toml::from_str::<Change>(&c.text).is_ok_and(|ch| {
                ch.action == Action::Add
                    && ch.staff_id.trim().eq_ignore_ascii_case(&person.staff_id)
            })
        })
    }
}

/// The registered, unrevoked person whose key made `signature` over
/// `text` in `namespace`, and the registry that says so: the one check
/// behind every signed document (an investigation's record, a screening
/// authorisation). `what` names the document in errors.
///
/// # Errors
/// Not an SSH signature in the namespace, or changed after signing; no
/// registry; a key nobody registered, or one that was revoked. Each says
/// what to do.
pub fn signer(
    store: &Store,
    signature: &str,
    namespace: &str,
    text: &str,
    what: &str,
) -> anyhow::Result<(Person, Registry)> {
    let key = sshsig::verify(signature, namespace, text.as_bytes())
        .with_context(|| format!("{what}'s signature"))?;
    let Some(registry) = Registry::load(store)? else {
        bail!(
            "the store has no registry of authorisers, so no signature can be accepted: the registrar sets it up \
             (`netusage authorisers init`)"
        );
    };
    if let Some(p) = registry.active_by_key(&key)? {
        return Ok((p, registry));
    }
    match registry.any_by_key(&key)? {
        Some(p) => bail!(
            "{what} is signed by staff id {} ({}), whose registration was revoked (registry change {})",
            p.staff_id,
            p.name,
            p.revoked_by.unwrap_or_default()
        ),
        None => bail!(
            "{what} is signed by key {}, which is not registered: only a registered authoriser's signature counts \
             (`netusage authorisers list`)",
            sshsig::fingerprint(&key)
        ),
    }
}

/// Applies one change to `people`; returns the person it concerns.
fn apply_to(people: &mut Vec<Person>, c: &Change, seq: u64) -> anyhow::Result<Person> {
    let text = |field: &str, v: &str| -> anyhow::Result<()> {
        if crate::audit::reason(field, v).is_err() {
            bail!("`{field}` is empty (it needs a letter or digit)");
        }
        Ok(())
    };
    text("staff_id", &c.staff_id)?;
    let staff_id = c.staff_id.trim().to_string();
    match c.action {
        Action::Add => {
            text("name", &c.name)?;
            text("role", &c.role)?;
            let key = sshsig::parse_public_key(&c.key).context("`key`")?;
            let line = sshsig::key_line(&key);
            if let Some(p) = people
                .iter()
                .find(|p| p.staff_id.eq_ignore_ascii_case(&staff_id))
            {
                bail!("staff id {staff_id} is registered already ({})", p.name);
            }
            if let Some(p) = people.iter().find(|p| p.key == line) {
                bail!(
                    "key {} is registered already, to staff id {}: one key, one person",
                    sshsig::fingerprint(&key),
                    p.staff_id
                );
            }
            let login = c.login.trim().to_string();
            if !login.is_empty() && people.iter().any(|p| p.login == login) {
                bail!("login `{login}` is registered already to someone else");
            }
            let p = Person {
                staff_id,
                name: c.name.trim().to_string(),
                role: c.role.trim().to_string(),
                key: line,
                fingerprint: sshsig::fingerprint(&key),
                covert: c.covert,
                login,
                revoked_by: None,
            };
            people.push(p.clone());
            Ok(p)
        }
        Action::Revoke => {
            let p = people
                .iter_mut()
                .find(|p| p.staff_id.eq_ignore_ascii_case(&staff_id) && p.revoked_by.is_none())
                .with_context(|| {
                    format!("no registered, unrevoked person has staff id {staff_id}")
                })?;
            p.revoked_by = Some(seq);
            Ok(p.clone())
        }
    }
}

/// The detached signature file beside `path`: `<path>.sig`, as
/// `ssh-keygen -Y sign` writes it.
pub fn signature_path(path: &Path) -> std::path::PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".sig");
    std::path::PathBuf::from(s)
}
