//! The store's Ed25519 signing key (RFC 8032, through `ed25519-dalek`): it
//! signs the audit chain's head and every evidence pack.
//!
//! `signing.key` in the store holds the 32-byte secret seed (mode 0600). The
//! public key is printed by `netusage store public-key` for HR to keep: a
//! signature that checks against that key shows the pack or audit head was
//! made by whoever held the store's key, and not changed since. It cannot say
//! who that person was, nor that the key was not copied.

use std::path::Path;

use anyhow::{Context, bail};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use sha2::{Digest, Sha256};

/// Length of the secret seed and of the public key (bytes).
pub const KEY_BYTES: usize = 32;

/// Creates a new random key, or reads the existing one.
///
/// # Errors
/// The key file cannot be created or read, or is not 32 bytes.
pub fn load_or_create(path: &Path) -> anyhow::Result<SigningKey> {
    if !path.exists() {
        let mut seed = [0u8; KEY_BYTES];
        getrandom::fill(&mut seed)
            .map_err(|e| anyhow::anyhow!("cannot get random bytes for the signing key: {e}"))?;
        let mut f = crate::fsutil::create_new(path)?;
        std::io::Write::write_all(&mut f, &seed)
            .with_context(|| format!("cannot write {}", path.display()))?;
        f.sync_all()?;
    }
    load(path)
}

/// Reads the key.
///
/// # Errors
/// The file cannot be read or is not 32 bytes.
pub fn load(path: &Path) -> anyhow::Result<SigningKey> {
    let bytes = crate::fsutil::read_input(path, 4096)
        .with_context(|| format!("cannot read signing key {}", path.display()))?;
    let seed: [u8; KEY_BYTES] = bytes.as_slice().try_into().map_err(|_| {
        anyhow::anyhow!(
            "{} must hold {KEY_BYTES} bytes, found {}",
            path.display(),
            bytes.len()
        )
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// A signature over `message`, hex (128 characters).
pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    hex::encode(key.sign(message).to_bytes())
}

/// Checks a hex signature over `message`.
///
/// # Errors
/// The signature is malformed or does not match.
pub fn verify(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> anyhow::Result<()> {
    let bytes = hex::decode(signature_hex.trim()).context("the signature is not hex")?;
    let sig = Signature::from_slice(&bytes).context("the signature is not 64 bytes")?;
    key.verify(message, &sig)
        .map_err(|_| anyhow::anyhow!("the signature does not match"))
}

/// The public key as hex (64 characters).
pub fn public_hex(key: &VerifyingKey) -> String {
    hex::encode(key.to_bytes())
}

/// Parses a public key from hex.
///
/// # Errors
/// Not 64 hex characters, or not a valid Ed25519 point.
pub fn parse_public(hex_key: &str) -> anyhow::Result<VerifyingKey> {
    let bytes = hex::decode(hex_key.trim()).context("the public key is not hex")?;
    let arr: [u8; KEY_BYTES] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| anyhow::anyhow!("the public key is not {KEY_BYTES} bytes"))?;
    VerifyingKey::from_bytes(&arr).context("not a valid Ed25519 public key")
}

/// The key's fingerprint: `SHA256:` + the SHA-256 of the 32 public-key bytes, hex.
pub fn fingerprint(key: &VerifyingKey) -> String {
    format!("SHA256:{}", hex::encode(Sha256::digest(key.to_bytes())))
}

/// The text of a public-key file, as `netusage store public-key` writes it.
pub fn public_key_file(key: &VerifyingKey, store_id: &str) -> String {
    format!(
        "# netusage store public key (Ed25519). Keep it apart from the store: \
         `netusage verify PACK --public-key FILE` checks a pack against it.\n\
         store-id: {store_id}\nalgorithm: Ed25519\npublic-key: {}\nfingerprint: {}\n",
        public_hex(key),
        fingerprint(key)
    )
}

/// Reads a public key from a file: a `public-key: <hex>` line (as
/// [`public_key_file`] writes), or the 64 hex characters alone.
///
/// # Errors
/// The file cannot be read or holds no valid key.
pub fn read_public_key_file(path: &Path) -> anyhow::Result<VerifyingKey> {
    let text = crate::fsutil::read_input_text(path, 64 << 10)
        .with_context(|| format!("cannot read public key file {}", path.display()))?;
    let hex_key = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("public-key:").map(str::trim))
        .or_else(|| {
            let t = text.trim();
            (t.len() == 2 * KEY_BYTES).then_some(t)
        });
    match hex_key {
        Some(h) => parse_public(h).with_context(|| format!("{}", path.display())),
        None => bail!(
            "{} holds no `public-key: <64 hex characters>` line",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc8032_test_vector_1() {
        // RFC 8032 §7.1, TEST 1: empty message.
        let seed: [u8; 32] =
            hex::decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
                .unwrap()
                .try_into()
                .unwrap();
        let key = SigningKey::from_bytes(&seed);
        assert_eq!(
            public_hex(&key.verifying_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
        );
        let sig = sign(&key, b"");
        assert_eq!(
            sig,
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        verify(&key.verifying_key(), b"", &sig).unwrap();
        assert!(verify(&key.verifying_key(), b"x", &sig).is_err());
    }
}
