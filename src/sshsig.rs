//! OpenSSH signatures (the SSHSIG format of OpenSSH's PROTOCOL.sshsig, made
//! and checked by `ssh-keygen -Y sign` / `ssh-keygen -Y verify`), through
//! RustCrypto's `ssh-key` crate.
//!
//! People are their OpenSSH Ed25519 public keys: the registrar signs changes
//! to the registry of authorisers, an authoriser signs authorisation
//! records, and the store signs each evidence pack's tag manifest, each in
//! a namespace of its own so a signature made for one kind of document is
//! never accepted for another.

use anyhow::{Context, bail};
use ssh_key::{HashAlg, LineEnding, PublicKey, SshSig};

/// Namespace of the registrar's signatures over changes to the registry.
pub const REGISTRY: &str = "netusage-registry";
/// Namespace of an authoriser's signature over an authorisation record.
pub const AUTHORISATION: &str = "netusage-authorisation";
/// Namespace of the store's signature over an evidence pack's tag manifest.
pub const PACK: &str = "netusage-pack";

/// An OpenSSH public key line (`ssh-ed25519 AAAA… comment`, as in a `.pub`
/// file or `authorized_keys`). Only Ed25519 keys are accepted.
///
/// # Errors
/// Not a public key line, or not Ed25519.
pub fn parse_public_key(text: &str) -> anyhow::Result<PublicKey> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .context("no public key in it (expected a line such as `ssh-ed25519 AAAA… name`)")?;
    let algorithm = line.split_whitespace().next().unwrap_or("");
    if algorithm != "ssh-ed25519" {
        bail!(
            "a `{algorithm}` key: netusage accepts Ed25519 keys only (`ssh-keygen -t ed25519`, a line starting ssh-ed25519)"
        );
    }
    let key = PublicKey::from_openssh(line)
        .map_err(|e| anyhow::anyhow!("not an OpenSSH public key ({e})"))?;
    if key.algorithm() != ssh_key::Algorithm::Ed25519 {
        bail!(
            "a {} key: netusage accepts Ed25519 keys only (`ssh-keygen -t ed25519`)",
            key.algorithm()
        );
    }
    Ok(key)
}

/// A key's fingerprint as `ssh-keygen -l` prints it: `SHA256:` and the
/// unpadded base64 of the SHA-256 of the key.
pub fn fingerprint(key: &PublicKey) -> String {
    key.fingerprint(HashAlg::Sha256).to_string()
}

/// The key as one OpenSSH line, without its comment.
pub fn key_line(key: &PublicKey) -> String {
    let mut k = key.clone();
    k.set_comment("");
    k.to_openssh()
        .map(|l| l.trim().to_string())
        .unwrap_or_default()
}

/// Checks an armoured SSHSIG signature (`-----BEGIN SSH SIGNATURE-----`)
/// over `message` in `namespace`; returns the key that made it (the caller
/// decides whether that key may sign this).
///
/// # Errors
/// Not an SSHSIG signature, made in another namespace, or not valid for the
/// message (one byte changed).
pub fn verify(signature: &str, namespace: &str, message: &[u8]) -> anyhow::Result<PublicKey> {
    let armoured = signature.trim();
    if !armoured.starts_with("-----BEGIN SSH SIGNATURE-----")
        || !armoured.ends_with("-----END SSH SIGNATURE-----")
    {
        bail!(
            "not an SSH signature as `ssh-keygen -Y sign` writes it (it must begin with -----BEGIN SSH SIGNATURE----- \
             and end with -----END SSH SIGNATURE-----, nothing before or after)"
        );
    }
    let sig =
        SshSig::from_pem(armoured).map_err(|e| anyhow::anyhow!("not an SSH signature ({e})"))?;
    if sig.namespace() != namespace {
        bail!(
            "signed in the namespace `{}`, not `{namespace}` (sign with `ssh-keygen -Y sign -n {namespace}`)",
            sig.namespace()
        );
    }
    let key = PublicKey::from(sig.public_key().clone());
    key.verify(namespace, message, &sig).map_err(|_| {
        anyhow::anyhow!(
            "the signature does not match the document: it was changed after it was signed, or signed by another key"
        )
    })?;
    Ok(key)
}

/// The store's Ed25519 key as an OpenSSH public key (comment `comment`).
pub fn public_key_of(key: &ed25519_dalek::SigningKey, comment: &str) -> PublicKey {
    openssh_key(&key.verifying_key(), comment)
}

/// An Ed25519 public key as an OpenSSH public key (comment `comment`).
pub fn openssh_key(key: &ed25519_dalek::VerifyingKey, comment: &str) -> PublicKey {
    let public = ssh_key::public::Ed25519PublicKey(key.to_bytes());
    PublicKey::new(ssh_key::public::KeyData::Ed25519(public), comment)
}

/// Signs `message` in `namespace` with the store's Ed25519 key: an armoured
/// SSHSIG signature, as `ssh-keygen -Y sign` writes it (SHA-512).
///
/// # Errors
/// The signature cannot be encoded (never for an Ed25519 key).
pub fn sign(
    key: &ed25519_dalek::SigningKey,
    namespace: &str,
    message: &[u8],
) -> anyhow::Result<String> {
    let pair = ssh_key::private::Ed25519Keypair::from_seed(&key.to_bytes());
    let private = ssh_key::PrivateKey::from(pair);
    let sig = private
        .sign(namespace, HashAlg::Sha512, message)
        .map_err(|e| anyhow::anyhow!("cannot sign: {e}"))?;
    sig.to_pem(LineEnding::LF)
        .map_err(|e| anyhow::anyhow!("cannot encode the signature: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_in_its_namespace_only_and_not_after_a_change() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let sig = sign(&key, PACK, b"manifest\n").unwrap();
        assert!(sig.starts_with("-----BEGIN SSH SIGNATURE-----"));
        let signer = verify(&sig, PACK, b"manifest\n").unwrap();
        assert_eq!(key_line(&signer), key_line(&public_key_of(&key, "x")));
        let other = verify(&sig, AUTHORISATION, b"manifest\n").unwrap_err();
        assert!(
            other.to_string().contains("namespace `netusage-pack`"),
            "{other}"
        );
        let changed = verify(&sig, PACK, b"manifest!\n").unwrap_err();
        assert!(
            changed.to_string().contains("changed after it was signed"),
            "{changed}"
        );
    }

    #[test]
    fn only_ed25519_public_keys_are_accepted() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let line = public_key_of(&key, "hr@council").to_openssh().unwrap();
        let parsed = parse_public_key(&format!("# comment\n{line}\n")).unwrap();
        assert_eq!(fingerprint(&parsed), fingerprint(&public_key_of(&key, "")));
        assert!(fingerprint(&parsed).starts_with("SHA256:"));
        let rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC7 x";
        assert!(parse_public_key(rsa).is_err());
        assert!(parse_public_key("").is_err());
    }
}
