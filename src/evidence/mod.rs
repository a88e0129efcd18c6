//! Evidence packs for HR: the authorisation gate, the subject's events and
//! figures, the HTML report, and the BagIt bag that carries them.

pub mod authorisation;
pub mod bagit;
pub mod pack;
pub mod rawlines;
pub mod report;
pub mod signature;
