//! The BagIt verifier and the pack signature check: a folder built from the
//! input (files separated by NUL, `name=content`) is checked without panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netusage::evidence::{bagit, signature};

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("data")).unwrap();
    for part in data.split(|&b| b == 0).take(12) {
        let Some(eq) = part.iter().position(|&b| b == b'=') else {
            continue;
        };
        let Ok(name) = std::str::from_utf8(&part[..eq]) else {
            continue;
        };
        let allowed = [
            "bagit.txt",
            "bag-info.txt",
            "manifest-sha256.txt",
            "tagmanifest-sha256.txt",
            "netusage-signature.txt",
            "data/report.html",
            "data/a.csv",
        ];
        if allowed.contains(&name) {
            let _ = std::fs::write(dir.path().join(name), &part[eq + 1..]);
        }
    }
    let r = bagit::verify(dir.path(), &[signature::FILE]);
    let _ = r.is_valid();
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let _ = signature::check(dir.path(), Some(&key));
});
