//! Evidence packs for HR: the authorisation gate ([`gate`]), the subject's
//! events and figures ([`pack`]), the pack built from them ([`build`]), the
//! HTML report, and the BagIt bag that carries them.

pub mod authorisation;
pub mod bagit;
pub mod build;
pub mod gate;
pub mod pack;
pub mod rawlines;
pub mod report;
pub mod screening;
pub mod signature;
