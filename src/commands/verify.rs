//! `netusage verify`: check an evidence pack (for HR, no store needed).

use std::path::PathBuf;

use clap::Args;

use crate::evidence::bagit;

/// Check an evidence pack: nothing missing, added or altered.
///
/// Checks the BagIt structure, every payload and tag file's SHA-256, and
/// Payload-Oxum. Exit 0 only if all hold; otherwise every file that is
/// missing, extra or altered is named.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The pack folder (the one holding bagit.txt).
    pub pack: PathBuf,
}

/// Runs `netusage verify`.
///
/// # Errors
/// The pack is not valid (exit 1), with every problem listed.
pub fn run(args: VerifyArgs) -> anyhow::Result<()> {
    if !args.pack.is_dir() {
        anyhow::bail!(
            "{} is not a folder: give the pack folder (the one holding bagit.txt)",
            args.pack.display()
        );
    }
    let r = bagit::verify(&args.pack);
    if r.is_valid() {
        println!(
            "{}: valid BagIt bag; {} payload files, every SHA-256 matches",
            args.pack.display(),
            r.ok_files
        );
        return Ok(());
    }
    let mut msg = format!("{} is NOT intact:", args.pack.display());
    for (what, files) in [
        ("missing", &r.missing),
        ("extra (not in any manifest)", &r.extra),
        ("altered (hash differs)", &r.altered),
    ] {
        for f in files {
            msg.push_str(&format!("\n  {what}: {f}"));
        }
    }
    for o in &r.other {
        msg.push_str(&format!("\n  {o}"));
    }
    anyhow::bail!(msg)
}
