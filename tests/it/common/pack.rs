//! The evidence-pack setup the pack tests share: an authorisation record, a
//! store of alice's and bob's browsing around D ([`recent_tuesday`]), and
//! `report` run on them.

use std::fmt;
use std::path::PathBuf;
use std::process::Output;

use super::*;

/// An authorisation record, written as TOML by its `Display`. The default
/// is case HR-2026-017 for alice over D−1 (Monday) to D+5 (Sunday),
/// requested by staff id S200, authorised an hour ago (by whoever signs it:
/// [`super::gate::sign_record`]), expiring in 30 days by the system clock
/// ([`TIMES`]).
pub struct Record<'a> {
    /// The case reference, also the pack's folder name.
    pub reference: &'a str,
    /// The body of the `[subject]` table after `employee_id`, e.g.
    /// `users = ["alice"]`.
    pub subject: &'a str,
    /// `requested_by`: the requester's staff id.
    pub requested_by: &'a str,
    /// `[period] from`, YYYY-MM-DD.
    pub from: String,
    /// `[period] to`, YYYY-MM-DD.
    pub to: String,
}

impl Default for Record<'_> {
    fn default() -> Self {
        Record {
            reference: "HR-2026-017",
            subject: r#"users = ["alice"]"#,
            requested_by: "S200",
            from: day(-1),
            to: day(5),
        }
    }
}

impl fmt::Display for Record<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            r#"reference = "{}"
grounds = "excessive_non_work_use"
requested_by = "{}"
authorised_at = {}
expires = {}
covert = false
subject_notified = true
record_of_concern = "ROC-2026-044"
dpia = "DPIA-ICT-007"
[subject]
employee_id = "E10442"
{}
[period]
from = {}
to = {}
"#,
            self.reference, self.requested_by, TIMES.0, TIMES.1, self.subject, self.from, self.to
        )
    }
}

/// The default [`Record`] for the accounts `users` (a TOML array, e.g.
/// `["alice"]`).
pub fn record_for(users: &str) -> String {
    Record {
        subject: &format!("users = {users}"),
        ..Record::default()
    }
    .to_string()
}

/// A store made by [`case`], in a temporary folder `root` that lives as
/// long as the value.
pub struct Case {
    /// Removes the folder when the case is dropped.
    pub _dir: tempfile::TempDir,
    /// The temporary folder: the log, records and packs go here.
    pub root: PathBuf,
    /// `root/store`.
    pub store: PathBuf,
    /// `root/config.toml`: [`UTC_CONFIG`].
    pub config: PathBuf,
}

/// A store ingested (with [`UTC_CONFIG`]: local time = UTC, realm CORP
/// stripped) from one log: alice (10.0.0.5) on facebook every 120 s from
/// D 10:00 (12 requests: [10:00, 10:24) = 1380 s), then bob (10.9.9.9) on
/// x.com every 60 s from D 10:00 (5 requests: 300 s), then `extra`, lines
/// 18 onwards.
pub fn case(extra: &[String]) -> Case {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let store = root.join("store");
    let config = root.join("config.toml");
    std::fs::write(&config, UTC_CONFIG).unwrap();
    let mut lines = every(&at(0, "10:00:00"), 120, 12, "alice", "www.facebook.com");
    lines.extend(
        every(&at(0, "10:00:00"), 60, 5, "bob", "x.com")
            .into_iter()
            .map(|l| l.replace("10.0.0.5", "10.9.9.9")),
    );
    lines.extend_from_slice(extra);
    let log = write_log(&root, "access.log", &lines);
    ok(&[&"ingest", &"--store", &store, &"--config", &config, &log]);
    Case {
        _dir: dir,
        root,
        store,
        config,
    }
}

/// `netusage report` of the record `rec` (written to `root/auth.toml` and
/// signed by the store's registered authoriser,
/// [`super::gate::sign_record`]) on the case's store and config into
/// `root/OUT`, by operator `ict.officer`, with `extra` arguments; returns
/// its output (not asserting success).
pub fn report(c: &Case, rec: &str, out: &str, extra: &[Arg]) -> Output {
    let path = c.root.join("auth.toml");
    std::fs::write(&path, rec).unwrap();
    super::gate::sign_record(&c.store, &path);
    let out = c.root.join(out);
    let mut args: Vec<Arg> = vec![
        &"report",
        &"--store",
        &c.store,
        &"--config",
        &c.config,
        &"--authorisation",
        &path,
        &"--out",
        &out,
        &"--operator",
        &"ict.officer",
    ];
    args.extend_from_slice(extra);
    run(&args)
}
