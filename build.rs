//! Marks the tests that need a tool the checkout cannot provide ignored
//! (reported as such, not passed) on a machine without it, unless `CI` is
//! set: CI installs them, and there a missing one fails. The browser tests
//! need Debian's `chromium` and `pdftotext` (poppler-utils); the test of the
//! README's first command two years ahead needs `faketime`.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(browser_missing)");
    println!("cargo::rustc-check-cfg=cfg(faketime_missing)");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-changed=/usr/bin");
    let have = |names: &[&str]| names.iter().any(|n| Path::new("/usr/bin").join(n).exists());
    let present = have(&["chromium", "chromium-browser"]) && have(&["pdftotext"]);
    let ci = std::env::var_os("CI").is_some();
    if !present && !ci {
        println!("cargo::rustc-cfg=browser_missing");
    }
    if !have(&["faketime"]) && !ci {
        println!("cargo::rustc-cfg=faketime_missing");
    }
}
