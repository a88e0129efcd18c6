//! netusage's readers, apart from the store and the analysis (no polars):
//! every input the tool reads line by line, and the classification of sites.
//!
//! - [`formats`]: web-proxy and firewall log formats, one reader per format
//!   behind one trait, and the tokenisers they share (fields, CSV,
//!   key=value, URL host, time);
//! - [`identity`]: logon, DHCP, RADIUS and asset records, read as
//!   address ↔ user observations;
//! - [`dns`]: DNS query logs, read as address → name lookups;
//! - [`classify`]: hosts to registrable domains (Public Suffix List) and
//!   categories.
//!
//! A reader knows nothing of storage: it turns a line into fields as the
//! vendor documents them, or says why it cannot.

pub mod classify;
pub mod dns;
pub mod formats;
pub mod identity;
