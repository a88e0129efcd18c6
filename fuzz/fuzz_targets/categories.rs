//! The user category rules file (`--categories`, TOML `[[rule]]` tables):
//! any bytes are read as `Classifier::with_user_file` reads them, or refused
//! with a reason; with the rules in front of the bundled ones, every quoted
//! string of the file classified as a host gets a category.
#![no_main]

use std::path::PathBuf;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use netusage::classify::Classifier;

static DIR: LazyLock<tempfile::TempDir> =
    LazyLock::new(|| tempfile::tempdir().expect("a temporary folder"));

fuzz_target!(|data: &[u8]| {
    let path: PathBuf = DIR.path().join("categories.toml");
    std::fs::write(&path, data).expect("write the rules");
    let Ok(classifier) = Classifier::with_user_file(Some(&path)) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    for host in text.split('"').skip(1).step_by(2).take(32) {
        for h in [host.to_string(), format!("www.{host}"), format!("{host}:443")] {
            let c = classifier.classify(&h);
            assert!(!c.category.trim().is_empty(), "`{h}` has a category");
        }
    }
});
