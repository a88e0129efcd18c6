//! The audit-log verifier: any log and head text is checked without panic,
//! and a log that verifies has no gap in its sequence.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netusage::audit;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let (log, head) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    std::fs::write(dir.path().join(audit::LOG_FILE), log).unwrap();
    if let Some(h) = head {
        std::fs::write(dir.path().join(audit::HEAD_FILE), h).unwrap();
    }
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
    let v = audit::verify(dir.path(), &key).unwrap();
    if v.broken.is_none() {
        assert_eq!(v.last.map_or(0, |(seq, _)| seq), v.good);
    }
    let _ = audit::read(dir.path());
});
