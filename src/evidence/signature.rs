//! The pack's signature: `netusage-signature.txt`, a BagIt tag file (RFC
//! 8493 §2.2.4 allows other tag files; it is in no manifest because it signs
//! the tag manifest) holding an Ed25519 signature, made with the store's key,
//! over the exact bytes of `tagmanifest-sha256.txt`. The tag manifest pins
//! every other file by SHA-256, so the signature covers the whole pack.
//!
//! What a valid signature proves depends on the key it is checked against:
//! against the key HR kept from `netusage store public-key`, that the pack is
//! exactly as the holder of that store's key made it; against the key
//! written in the pack alone, nothing (anyone can rewrite a pack and sign it
//! with a key of their own). It never shows who held the key.

use std::path::Path;

use anyhow::Context;
use ed25519_dalek::{SigningKey, VerifyingKey};

use crate::signing;

/// The signature's file name, beside `bagit.txt`.
pub const FILE: &str = "netusage-signature.txt";
/// The file it signs.
pub const SIGNED_FILE: &str = "tagmanifest-sha256.txt";

/// Signs `dir/tagmanifest-sha256.txt` and writes [`FILE`] (mode 0600).
///
/// # Errors
/// The tag manifest cannot be read or the signature written.
pub fn sign_bag(dir: &Path, key: &SigningKey) -> anyhow::Result<()> {
    let manifest = std::fs::read(dir.join(SIGNED_FILE))
        .with_context(|| format!("cannot read {}", dir.join(SIGNED_FILE).display()))?;
    let text = file_text(&key.verifying_key(), &signing::sign(key, &manifest));
    crate::fsutil::write(&dir.join(FILE), text.as_bytes())
}

/// The pack's second signature, in OpenSSH's SSHSIG form: a BagIt tag file
/// beside [`FILE`], over the same tag manifest, checked with standard tools:
/// `ssh-keygen -Y verify -f data/allowed_signers -I netusage-store -n
/// netusage-pack -s tagmanifest-sha256.txt.sig < tagmanifest-sha256.txt`.
pub const SSH_FILE: &str = "tagmanifest-sha256.txt.sig";

/// Signs `dir/tagmanifest-sha256.txt` in SSHSIG form (namespace
/// `netusage-pack`) and writes [`SSH_FILE`].
///
/// # Errors
/// The tag manifest cannot be read or the signature written.
pub fn sign_bag_ssh(dir: &Path, key: &SigningKey) -> anyhow::Result<()> {
    let manifest = std::fs::read(dir.join(SIGNED_FILE))
        .with_context(|| format!("cannot read {}", dir.join(SIGNED_FILE).display()))?;
    let text = crate::sshsig::sign(key, crate::sshsig::PACK, &manifest)?;
    crate::fsutil::write(&dir.join(SSH_FILE), text.as_bytes())
}

/// Checks [`SSH_FILE`] against the tag manifest and the store key
/// `expected` (the one in the pack's own `allowed_signers` when `None`):
/// `Ok(fingerprint)` of the key that made it.
///
/// # Errors
/// Missing, malformed, another namespace, or not matching the manifest or
/// the expected key.
pub fn check_ssh(dir: &Path, expected: Option<&VerifyingKey>) -> anyhow::Result<String> {
    // Regular files only, and capped: a FIFO or `/dev/zero` put in their
    // place must neither hang the check nor fill memory.
    let sig = crate::fsutil::read_input_text(&dir.join(SSH_FILE), crate::fsutil::SMALL_INPUT_MAX)
        .with_context(|| format!("no readable {SSH_FILE}"))?;
    let manifest =
        crate::fsutil::read_input(&dir.join(SIGNED_FILE), crate::fsutil::SMALL_INPUT_MAX)
            .with_context(|| format!("cannot read {SIGNED_FILE}"))?;
    let key = crate::sshsig::verify(&sig, crate::sshsig::PACK, &manifest)?;
    // Without a key to check against, the two signatures must at least be
    // one key's: the key of the Ed25519 signature file.
    let own = expected.copied().or_else(|| ed25519_key(dir));
    if let Some(e) = own.as_ref()
        && crate::sshsig::key_line(&key)
            != crate::sshsig::key_line(&crate::sshsig::openssh_key(e, ""))
    {
        anyhow::bail!(
            "made with key {}, not {}",
            crate::sshsig::fingerprint(&key),
            if expected.is_some() {
                "the store key you gave"
            } else {
                "the key of the pack's other signature (netusage-signature.txt): the two were made by different keys"
            }
        );
    }
    Ok(crate::sshsig::fingerprint(&key))
}

/// The public key written in [`FILE`], if it reads.
fn ed25519_key(dir: &Path) -> Option<VerifyingKey> {
    let text = crate::fsutil::read_input_text(&dir.join(FILE), 64 << 10).ok()?;
    let hex = text
        .lines()
        .find_map(|l| l.strip_prefix("Public-Key:").map(str::trim))?;
    signing::parse_public(hex).ok()
}

/// The exact text of the signature file for a key and a hex signature.
fn file_text(public: &VerifyingKey, signature_hex: &str) -> String {
    format!(
        "Signature-Algorithm: Ed25519\nSigned-File: {SIGNED_FILE}\nPublic-Key: {}\nKey-Fingerprint: {}\nSignature: {signature_hex}\n",
        signing::public_hex(public),
        signing::fingerprint(public),
    )
}

/// What checking a pack's signature found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The signature matches the tag manifest, made with the key of this
    /// fingerprint. `expected`: `None` when no key was given to check it
    /// against; `Some(true)` when it is the key given.
    Valid {
        /// Fingerprint of the key that signed it.
        fingerprint: String,
        /// Whether that is the key the checker gave.
        expected: Option<bool>,
    },
    /// No signature file.
    Missing,
    /// The signature file is malformed, a symbolic link, or does not match.
    Invalid(String),
}

/// Checks `dir`'s signature, against `expected` when given.
pub fn check(dir: &Path, expected: Option<&VerifyingKey>) -> Check {
    let path = dir.join(FILE);
    let Ok(meta) = std::fs::symlink_metadata(&path) else {
        return Check::Missing;
    };
    if !meta.file_type().is_file() {
        return Check::Invalid(format!("{FILE} is not a regular file"));
    }
    let Ok(text) = crate::fsutil::read_input_text(&path, 64 << 10) else {
        return Check::Invalid(format!("{FILE} cannot be read as text"));
    };
    let field = |label: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(label)?.strip_prefix(':').map(str::trim))
    };
    let (Some("Ed25519"), Some(SIGNED_FILE), Some(key_hex), Some(sig)) = (
        field("Signature-Algorithm"),
        field("Signed-File"),
        field("Public-Key"),
        field("Signature"),
    ) else {
        return Check::Invalid(format!(
            "{FILE} lacks Signature-Algorithm: Ed25519, Signed-File: {SIGNED_FILE}, Public-Key or Signature"
        ));
    };
    let key = match signing::parse_public(key_hex) {
        Ok(k) => k,
        Err(e) => return Check::Invalid(format!("{FILE}: {e:#}")),
    };
    if file_text(&key, sig) != text {
        return Check::Invalid(format!(
            "{FILE} is not exactly as netusage writes it (a line was added, removed or edited)"
        ));
    }
    if !crate::fsutil::is_regular_file(&dir.join(SIGNED_FILE)) {
        return Check::Invalid(format!("{SIGNED_FILE} is missing or not a regular file"));
    }
    let Ok(manifest) = crate::fsutil::read_input(&dir.join(SIGNED_FILE), u64::MAX) else {
        return Check::Invalid(format!("{SIGNED_FILE} cannot be read"));
    };
    if signing::verify(&key, &manifest, sig).is_err() {
        return Check::Invalid(format!(
            "the signature does not match {SIGNED_FILE}: the pack was changed after it was signed"
        ));
    }
    Check::Valid {
        fingerprint: signing::fingerprint(&key),
        expected: expected.map(|e| e.to_bytes() == key.to_bytes()),
    }
}
