//! Screening under authority: the commands that read everyone's events
//! (`usage`, `flags`, `analyse`) run under a standing *screening
//! authorisation* where the council's policy asks for one. Charnwood gives IT
//! records "to gain authorisation to access any IT records" only through its
//! Electronically Collected Data Checklist; Sheffield: "any monitoring or
//! surveillance of a customer or employee is strictly controlled and you must
//! be authorised to carry out this activity" (`docs/policies/`). Their presets
//! require it; any configuration may (`[policy] screening_required = true`).
//!
//! A screening record is a TOML file like an investigation's, with
//! `grounds = "screening"`, no subject, a `scope` and a DPIA reference,
//! signed by a registered authoriser in the `netusage-screening` namespace
//! (`ssh-keygen -Y sign -n netusage-screening FILE`, writing `FILE.sig`).

use std::path::Path;

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::store::Store;
use crate::store::registry::Person;

/// Namespace of an authoriser's signature over a screening record.
pub const NAMESPACE: &str = "netusage-screening";
/// The longest a screening authorisation may run (days): a standing one is
/// renewed each year at least.
pub const MAX_VALIDITY_DAYS: i64 = 366;

/// A screening record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Screening {
    /// Its reference (letters, digits, `.`, `_`, `-`), named in every audit
    /// entry of a run under it.
    pub reference: String,
    /// Always `screening`.
    pub grounds: String,
    /// What may be screened and why, in words.
    pub scope: String,
    /// The DPIA that covers the screening.
    pub dpia: String,
    /// The requester's staff id.
    pub requested_by: String,
    /// When it was authorised (RFC 3339).
    pub authorised_at: toml::value::Datetime,
    /// When it lapses (RFC 3339).
    pub expires: toml::value::Datetime,
}

/// The screening a run is under, for its audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Authority {
    /// Not required by the policy, and none given.
    NotRequired,
    /// The screening record of this reference, signed by this staff id.
    Record {
        /// Its reference.
        reference: String,
        /// The signer's staff id.
        signed_by: String,
        /// Its SHA-256 (hex).
        sha256: String,
    },
}

impl Authority {
    /// The value the audit entry records under `screening`.
    pub fn audit_value(&self) -> serde_json::Value {
        match self {
            Authority::NotRequired => "not required".into(),
            Authority::Record {
                reference,
                signed_by,
                sha256,
            } => {
                serde_json::json!({ "reference": reference, "signed_by": signed_by, "sha256": sha256 })
            }
        }
    }
}

/// Whether the policy requires screening authority, and the clause that
/// says so: the preset's (Charnwood, Sheffield), else the configuration's
/// switch.
pub fn required(config: &crate::config::Config) -> Option<String> {
    let preset = (!config.policy.preset.is_empty())
        .then(|| crate::usage::presets::get(&config.policy.preset).ok())
        .flatten()
        .filter(|p| !p.screening_clause.is_empty());
    match preset {
        Some(p) => Some(format!(
            "{} ({}): \"{}\"",
            p.council, p.document, p.screening_clause
        )),
        None if config.policy.screening_required => {
            Some("the configuration's `[policy] screening_required = true`".into())
        }
        None => None,
    }
}

/// Checks the screening record at `path` (with `path.sig`) at `now` for
/// the operator `login`: the authority a run is under.
///
/// # Errors
/// Why the record gives no authority: unreadable, malformed, not signed by
/// a registered, unrevoked authoriser in the screening namespace, changed
/// after signing, signed by the requester or the operator, not in force by
/// the system clock, or longer than [`MAX_VALIDITY_DAYS`].
pub fn check(
    store: &Store,
    path: &Path,
    login: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Authority> {
    let bytes = crate::fsutil::read_input(path, crate::fsutil::SMALL_INPUT_MAX)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let text = std::str::from_utf8(&bytes).context("not UTF-8 text")?;
    let s: Screening = toml::from_str(text)
        .map_err(|e| anyhow::anyhow!("not a screening record: {}", e.message()))?;
    let blank = |v: &str| !v.chars().any(char::is_alphanumeric);
    if s.grounds != "screening" {
        bail!("`grounds` is `{}`, not `screening`", s.grounds);
    }
    for (field, v) in [
        ("scope", &s.scope),
        ("dpia", &s.dpia),
        ("requested_by", &s.requested_by),
    ] {
        if blank(v) {
            bail!("field `{field}` is empty (it needs a letter or digit)");
        }
    }
    crate::retention::check_reference(&s.reference)?;
    let signer = signer(store, path, text)?;
    if signer.staff_id.eq_ignore_ascii_case(s.requested_by.trim()) {
        bail!(
            "signed by staff id {}, who is also the requester",
            signer.staff_id
        );
    }
    if !signer.login.is_empty() && signer.login == login {
        bail!(
            "signed by staff id {}, who is also the operator (login {login})",
            signer.staff_id
        );
    }
    let time = |t: &toml::value::Datetime, field: &str| {
        DateTime::parse_from_rfc3339(&t.to_string())
            .map(|d| d.with_timezone(&Utc))
            .map_err(|_| anyhow::anyhow!("`{field}` {t} is not an RFC 3339 time with an offset"))
    };
    let (from, to) = (
        time(&s.authorised_at, "authorised_at")?,
        time(&s.expires, "expires")?,
    );
    if now < from || now > to {
        bail!("not in force: it runs from {from} to {to}, and now is {now} by the system clock");
    }
    if (to - from).num_days() > MAX_VALIDITY_DAYS {
        bail!(
            "it runs {} days: at most {MAX_VALIDITY_DAYS}",
            (to - from).num_days()
        );
    }
    Ok(Authority::Record {
        reference: s.reference,
        signed_by: signer.staff_id,
        sha256,
    })
}

/// The registered, unrevoked authoriser whose key signed `text`.
fn signer(store: &Store, path: &Path, text: &str) -> anyhow::Result<Person> {
    let sig_path = crate::store::registry::signature_path(path);
    let sig = crate::fsutil::read_input_text(&sig_path, crate::fsutil::SMALL_INPUT_MAX).with_context(|| {
        format!(
            "no signature {}: an authoriser signs the record with `ssh-keygen -Y sign -f KEY -n {NAMESPACE} FILE`",
            sig_path.display()
        )
    })?;
    let (person, _) =
        crate::store::registry::signer(store, &sig, NAMESPACE, text, "the screening record")?;
    Ok(person)
}
