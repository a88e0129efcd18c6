//! netusage: turns web-proxy and firewall logs into browse-time evidence for
//! authorised HR investigations.
//!
//! Data flows forward only (see `docs/ARCHITECTURE.md`):
//!
//! ```text
//! formats::* (readers) ─► classify + identity (enrich) ─► store (Parquet partitions)
//! store::scan ─► usage (sessions, schedule split, policy flags) ─► output
//! ```
//!
//! The binary (`src/main.rs`) is a thin layer over these modules: each
//! subcommand lives in one small file under `src/commands/`.

pub use netusage_formats::{classify, dns, formats};

pub mod audit;
pub mod clock;
pub mod commands;
pub mod config;
pub mod digest;
pub mod enrich;
pub mod error;
pub mod event;
pub mod evidence;
pub mod fsutil;
pub mod identity;
pub mod ingest;
pub mod input;
pub mod memory;
pub mod output;
pub mod retention;
pub mod signing;
pub mod sshsig;
pub mod store;
pub mod synth;
pub mod usage;
