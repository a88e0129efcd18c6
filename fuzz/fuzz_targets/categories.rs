//! The user category rules file (`--categories`, TOML `[[rule]]` tables):
//! any bytes are read as `Classifier::with_user_toml` reads them, or refused
//! with a reason; with the rules in front of the bundled ones, every quoted
//! string of the file classified as a host gets a category.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use netusage_formats::classify::Classifier;

fuzz_target!(|data: &[u8]| {
    // The command line reads the file as UTF-8 and refuses other bytes.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(classifier) = Classifier::with_user_toml(text, Path::new("categories.toml")) else {
        return;
    };
    for host in text.split('"').skip(1).step_by(2).take(32) {
        for h in [host.to_string(), format!("www.{host}"), format!("{host}:443")] {
            let c = classifier.classify(&h);
            assert!(!c.category.trim().is_empty(), "`{h}` has a category");
        }
    }
});
