//! The integration tests, in one binary: polars is linked once, not once per
//! file. `cargo test --release --test it NAME` runs one group or test.

// Helpers any test file may use; not every file uses every one.
#[allow(dead_code)]
mod common;

mod attribution;
mod background;
mod browse_time;
mod categories;
mod cli;
mod dns;
mod evidence;
mod gateways;
mod hr_page;
mod identity;
mod ingest;
mod misuse;
mod output;
mod policies;
mod properties;
mod readers;
mod retention;
mod robustness;
mod rules;
mod scale;
mod store_format;
mod vpn;
