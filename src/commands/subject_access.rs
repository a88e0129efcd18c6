//! `netusage subject-access`: the employee's own copy of their monitoring
//! records, under a signed record with `grounds = "subject_access"`.

use clap::Args;

use super::report::{self, ReportArgs};
use crate::evidence::gate::Purpose;

/// Make the employee's own copy of their records (a subject access request).
///
/// The right of access (UK GDPR Article 15) covers monitoring records: the
/// ICO's guidance on monitoring workers says a worker may ask for them. The
/// copy holds the employee's own events, sessions and figures for the
/// period, the method, the schedule and the categories, as CSV and a page
/// addressed to them, and nobody else's data; it is a signed BagIt bag that
/// `netusage verify` checks like an evidence pack.
///
/// It opens only under a record with `grounds = "subject_access"` (never
/// covert), signed by a registered authoriser (for example the data
/// protection officer), checked by the same gate as `report`; `report`
/// refuses such a record, and this command refuses any other.
#[derive(Debug, Args)]
pub struct SubjectAccessArgs {
    /// The options `report` takes.
    #[command(flatten)]
    pub pack: ReportArgs,
}

/// Runs `netusage subject-access`.
///
/// # Errors
/// As [`report::make`].
pub fn run(args: SubjectAccessArgs) -> anyhow::Result<()> {
    report::make(args.pack, Purpose::SubjectAccess)
}
