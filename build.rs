//! Marks the tests that need a tool the checkout cannot provide ignored
//! (reported as such, not passed) on a machine without it, unless `CI` is
//! set: CI installs them, and there a missing one fails. The browser tests
//! need Debian's `chromium` and `pdftotext` (poppler-utils); the test of the
//! README's first command two years ahead needs `faketime`; the SQL
//! example's tests need Python's `duckdb` package.
//!
//! Only what decides the outcome is watched: those programs' paths and the
//! `duckdb` package's folder (not all of `/usr/bin`, which would rebuild the
//! crate after any package install).

use std::path::Path;
use std::process::Command;

fn main() {
    for cfg in ["browser_missing", "faketime_missing", "duckdb_missing"] {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    println!("cargo::rerun-if-env-changed=CI");
    let ci = std::env::var_os("CI").is_some();
    let have = |names: &[&str]| {
        names.iter().any(|n| {
            let p = Path::new("/usr/bin").join(n);
            println!("cargo::rerun-if-changed={}", p.display());
            p.exists()
        })
    };
    let browser = have(&["chromium", "chromium-browser"]) && have(&["pdftotext"]);
    if !browser && !ci {
        println!("cargo::rustc-cfg=browser_missing");
    }
    if !have(&["faketime"]) && !ci {
        println!("cargo::rustc-cfg=faketime_missing");
    }
    // Where Python keeps the duckdb package, or its site-packages while it
    // has none (installing it changes that folder).
    let probe = Command::new("python3")
        .args([
            "-c",
            "import importlib.util, os, site\n\
             s = importlib.util.find_spec('duckdb')\n\
             print(os.path.dirname(s.origin) if s else site.getsitepackages()[0])\n\
             print('yes' if s else 'no')",
        ])
        .output();
    let duckdb = match probe {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            let mut lines = text.lines();
            if let Some(dir) = lines.next() {
                println!("cargo::rerun-if-changed={dir}");
            }
            lines.next() == Some("yes")
        }
        _ => false,
    };
    if !duckdb && !ci {
        println!("cargo::rustc-cfg=duckdb_missing");
    }
}
