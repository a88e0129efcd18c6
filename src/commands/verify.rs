//! `netusage verify`: check an evidence pack (for HR, no store needed).

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::evidence::{bagit, signature};

/// Check an evidence pack: nothing missing, added or altered, and signed.
///
/// Checks the BagIt structure, every payload and tag file's SHA-256,
/// Payload-Oxum, that every file is a regular file (no symbolic links), and
/// the Ed25519 signature over the tag manifest. Give --public-key with the
/// store's public key (from `netusage store public-key`, kept apart from the
/// store) to show the pack was made with that store's key. Exit 0 only if
/// all hold; otherwise every problem is named.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The pack folder (the one holding bagit.txt).
    pub pack: PathBuf,
    /// The store's public key file, as `netusage store public-key` prints it.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// The registrar's OpenSSH public key (`.pub`), as the registrar gave it
    /// to HR: the authoriser's registration in the pack must be signed with it.
    #[arg(long, value_name = "FILE")]
    pub registrar: Option<PathBuf>,
}

/// Runs `netusage verify`.
///
/// # Errors
/// The pack is not valid or its signature does not hold (exit 1), with every
/// problem listed; the public key file cannot be read (exit 2).
pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let meta = std::fs::symlink_metadata(&args.pack);
    if !meta.as_ref().is_ok_and(|m| m.is_dir()) {
        anyhow::bail!(
            "{} is not a folder: give the pack folder (the one holding bagit.txt)",
            args.pack.display()
        );
    }
    let expected = match &args.public_key {
        Some(p) => Some(
            crate::signing::read_public_key_file(p)
                .map_err(|e| crate::error::ExitError::usage(format!("{e:#}")))?,
        ),
        None => None,
    };
    let r = bagit::verify(&args.pack, &[signature::FILE, signature::SSH_FILE]);
    let sig = signature::check(&args.pack, expected.as_ref());
    let mut problems = problems(&r, &sig, expected.as_ref());
    // A pack whose allowed_signers names the store's key (every pack
    // netusage writes now) must carry the SSHSIG made with it: missing, it
    // was removed, or the pack was cut short. Only a pack from before the
    // SSHSIG may lack both.
    let ssh = (names_store_key(&args.pack) || args.pack.join(signature::SSH_FILE).exists())
        .then(|| signature::check_ssh(&args.pack, expected.as_ref()));
    if let Some(Err(e)) = &ssh {
        problems.push(format!("SSH signature ({}): {e:#}", signature::SSH_FILE));
    }
    let record = authoriser_signature(&args.pack);
    if let Some(Err(e)) = &record {
        problems.push(format!(
            "the authoriser's signature (data/authorisation.toml.sig): {e:#}"
        ));
    }
    let registration = registration(
        &args.pack,
        registrar_key(args.registrar.as_deref())?.as_ref(),
    );
    if let Some(Err(e)) = &registration {
        problems.push(format!(
            "the authoriser's registration (data/authoriser-registration.toml): {e:#}"
        ));
    }
    if !problems.is_empty() {
        let list: String = problems.iter().map(|p| format!("\n  {p}")).collect();
        anyhow::bail!("{} is NOT intact:{list}", args.pack.display());
    }
    writeln!(
        out,
        "{}: valid BagIt bag; {} payload files, every SHA-256 matches",
        args.pack.display(),
        r.ok_files
    )?;
    if let signature::Check::Valid {
        fingerprint,
        expected,
    } = sig
    {
        if expected == Some(true) {
            writeln!(
                out,
                "signature: valid, made with the store key you gave ({fingerprint}).\n\
                 This shows the pack is exactly as the holder of that store's signing key made it. \
                 It cannot show who held the key, nor that the key was not copied."
            )?;
        } else {
            writeln!(
                out,
                "signature: valid for the key written in the pack, {fingerprint}.\n\
                 That alone proves nothing: anyone can rewrite a pack and sign it with a key of their own. \
                 Check this fingerprint against the one `netusage store public-key` gave you, \
                 or run again with --public-key FILE."
            )?;
        }
    }
    print_ssh_checks(&mut out, ssh, record)?;
    if let Some(Ok(line)) = registration {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// Checks that the pack's audit extract (`data/audit.jsonl`) granted this
/// very record: a `granted` entry records its SHA-256. A pack whose record
/// was swapped after the gate granted another fails here, even when every
/// signature was made again.
fn granted_for(audit: &str, record: &[u8]) -> anyhow::Result<()> {
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(record));
    let granted: Vec<serde_json::Value> = audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["result"] == "granted")
        .collect();
    if granted.is_empty() {
        anyhow::bail!("data/audit.jsonl holds no `granted` entry for the record");
    }
    if !granted
        .iter()
        .any(|e| e["authorisation"]["sha256"] == sha.as_str())
    {
        anyhow::bail!(
            "data/authorisation.toml (SHA-256 {sha}) is not the record the audit log granted ({})",
            granted[0]["authorisation"]["sha256"]
        );
    }
    Ok(())
}

/// The key of `principal` in a pack's `data/allowed_signers` (the text
/// `signers`): its line is `principal namespaces="…" ssh-ed25519 …`.
///
/// # Errors
/// No line for the principal, or its key is not an Ed25519 public key.
fn allowed_signer(signers: &str, principal: &str) -> anyhow::Result<ssh_key::PublicKey> {
    let line = signers
        .lines()
        .find(|l| l.starts_with(&format!("{principal} ")))
        .ok_or_else(|| anyhow::anyhow!("data/allowed_signers names no `{principal}`"))?;
    crate::sshsig::parse_public_key(line.splitn(3, ' ').nth(2).unwrap_or(""))
}

/// The registrar's key HR gave (`--registrar FILE`).
///
/// # Errors
/// The file cannot be read or is not an Ed25519 public key (exit 2).
fn registrar_key(path: Option<&std::path::Path>) -> anyhow::Result<Option<ssh_key::PublicKey>> {
    let Some(p) = path else {
        return Ok(None);
    };
    crate::fsutil::read_input_text(p, crate::fsutil::SMALL_INPUT_MAX)
        .map_err(anyhow::Error::from)
        .and_then(|t| crate::sshsig::parse_public_key(&t))
        .map(Some)
        .map_err(|e| crate::error::ExitError::usage(format!("{}: {e:#}", p.display())))
}

/// Checks `data/authoriser-registration.toml`: signed by the pack's
/// `registrar` key (and that key is `given`, when HR gives the registrar's
/// key), in the `netusage-registry` namespace, and registering the very key
/// that signed the record. `None` for a pack without it.
fn registration(
    pack: &std::path::Path,
    given: Option<&ssh_key::PublicKey>,
) -> Option<anyhow::Result<String>> {
    let data = pack.join("data");
    std::fs::symlink_metadata(data.join("authoriser-registration.toml")).ok()?;
    let read =
        |name: &str| crate::fsutil::read_input(&data.join(name), crate::fsutil::SMALL_INPUT_MAX);
    Some((|| {
        let text = String::from_utf8(read("authoriser-registration.toml")?)?;
        let sig = String::from_utf8(read("authoriser-registration.toml.sig")?)?;
        let signers = String::from_utf8(read("allowed_signers")?)?;
        let key_of = |principal: &str| allowed_signer(&signers, principal);
        let registrar = key_of("registrar")?;
        let line = crate::sshsig::key_line;
        if let Some(g) = given
            && line(g) != line(&registrar)
        {
            anyhow::bail!(
                "the pack's registrar key is {}, not the registrar's key you gave ({}): the authoriser was not registered by your registrar",
                crate::sshsig::fingerprint(&registrar),
                crate::sshsig::fingerprint(g)
            );
        }
        let signer = crate::sshsig::verify(&sig, crate::sshsig::REGISTRY, text.as_bytes())?;
        if line(&signer) != line(&registrar) {
            anyhow::bail!(
                "signed by {}, not the registrar",
                crate::sshsig::fingerprint(&signer)
            );
        }
        let change: toml::Value = toml::from_str(&text)?;
        let registered = crate::sshsig::parse_public_key(change["key"].as_str().unwrap_or(""))?;
        if line(&registered) != line(&key_of("authoriser")?) {
            anyhow::bail!("it registers another key than the one that signed the record");
        }
        Ok(format!(
            "authoriser's registration: signed by the registrar {}{}; it registers staff id {} ({}, {}) with the key that signed the record. Without netusage:\n  \
             ssh-keygen -Y verify -f data/allowed_signers -I registrar -n netusage-registry \
             -s data/authoriser-registration.toml.sig < data/authoriser-registration.toml",
            crate::sshsig::fingerprint(&registrar),
            if given.is_some() {
                ", the key you gave"
            } else {
                " (give --registrar FILE to check it is your registrar's)"
            },
            change["staff_id"].as_str().unwrap_or(""),
            change["name"].as_str().unwrap_or(""),
            change["role"].as_str().unwrap_or("")
        ))
    })())
}

/// What the two SSHSIG checks found, in words, with the `ssh-keygen`
/// commands that check the same without netusage.
fn print_ssh_checks(
    out: &mut impl Write,
    ssh: Option<anyhow::Result<String>>,
    record: Option<anyhow::Result<String>>,
) -> anyhow::Result<()> {
    if let Some(Ok(fingerprint)) = ssh {
        writeln!(
            out,
            "SSH signature ({}): valid, made with {fingerprint}, the same store key; check it without netusage:\n  \
             ssh-keygen -Y verify -f data/allowed_signers -I netusage-store -n netusage-pack -s {} < tagmanifest-sha256.txt",
            signature::SSH_FILE,
            signature::SSH_FILE
        )?;
    }
    if let Some(Ok(fingerprint)) = record {
        writeln!(
            out,
            "authorisation record: signed by {fingerprint}, the authoriser named in data/allowed_signers; \
             compare that fingerprint with the registrar's list of authorisers. Without netusage:\n  \
             ssh-keygen -Y verify -f data/allowed_signers -I authoriser -n netusage-authorisation \
             -s data/authorisation.toml.sig < data/authorisation.toml"
        )?;
    }
    Ok(())
}

/// Whether the pack's `data/allowed_signers` names the store's key
/// (principal `netusage-store`); false when it has none or it cannot be
/// read (its own check in the payload manifest names that).
fn names_store_key(pack: &std::path::Path) -> bool {
    crate::fsutil::read_input_text(
        &pack.join("data").join("allowed_signers"),
        crate::fsutil::SMALL_INPUT_MAX,
    )
    .is_ok_and(|t| t.lines().any(|l| l.starts_with("netusage-store ")))
}

/// Checks the pack's `data/authorisation.toml.sig` over
/// `data/authorisation.toml` against the `authoriser` key of the pack's
/// `data/allowed_signers`: the signer's fingerprint. `None` for a pack with
/// no record signature.
fn authoriser_signature(pack: &std::path::Path) -> Option<anyhow::Result<String>> {
    let data = pack.join("data");
    let sig_path = data.join("authorisation.toml.sig");
    std::fs::symlink_metadata(&sig_path).ok()?;
    let read =
        |name: &str| crate::fsutil::read_input(&data.join(name), crate::fsutil::SMALL_INPUT_MAX);
    Some((|| {
        let sig = String::from_utf8(read("authorisation.toml.sig")?)?;
        let record = read("authorisation.toml")?;
        let signers = String::from_utf8(read("allowed_signers")?)?;
        let expected = allowed_signer(&signers, "authoriser")?;
        let key = crate::sshsig::verify(&sig, crate::sshsig::AUTHORISATION, &record)?;
        granted_for(&String::from_utf8_lossy(&read("audit.jsonl")?), &record)?;
        if crate::sshsig::key_line(&key) != crate::sshsig::key_line(&expected) {
            anyhow::bail!(
                "made with {}, not the authoriser's key in data/allowed_signers",
                crate::sshsig::fingerprint(&key)
            );
        }
        Ok(crate::sshsig::fingerprint(&key))
    })())
}

/// What is wrong with a pack: files missing, extra or altered, special
/// files, other bag errors (`r`), and its signature (`sig`, checked against
/// the public key given, `expected`); empty when it is intact.
fn problems(
    r: &bagit::Report,
    sig: &signature::Check,
    expected: Option<&ed25519_dalek::VerifyingKey>,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (what, files) in [
        ("missing", &r.missing),
        ("extra (not in any manifest)", &r.extra),
        ("altered (hash differs)", &r.altered),
    ] {
        for f in files {
            problems.push(format!("{what}: {f}"));
        }
    }
    problems.extend(r.special.iter().cloned());
    problems.extend(r.other.iter().cloned());
    match sig {
        signature::Check::Missing => problems.push(format!(
            "no signature: {} is missing, so nothing shows who made this pack",
            signature::FILE
        )),
        signature::Check::Invalid(why) => {
            problems.push(format!("signature ({}): {why}", signature::FILE))
        }
        signature::Check::Valid {
            fingerprint,
            expected: Some(false),
        } => problems.push(format!(
            "signature: made with key {fingerprint}, which is NOT the public key you gave ({}): \
             the pack was not made, or was re-signed, outside the store you trust",
            expected
                .map(crate::signing::fingerprint)
                .unwrap_or_default()
        )),
        signature::Check::Valid { .. } => {}
    }
    problems
}
