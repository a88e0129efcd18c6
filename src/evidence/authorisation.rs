//! The authorisation record (TOML) and the gate that checks it before any
//! evidence pack is made.
//!
//! The seeds: Charnwood releases records of an employee's internet use to an
//! investigation only after authorisation through its "Electronically
//! Collected Data Checklist"; West Dunbartonshire records concerns on a
//! "Record of Concern" whose outcome is "Investigation Approved"; Sheffield:
//! monitoring of an employee "must be authorised"; North West Leicestershire
//! will endeavour to inform the employee before monitoring (`subject_notified`,
//! or `covert` with its justification).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// Why the investigation was opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grounds {
    /// Social media or other non-work use when the employee should be working.
    ExcessiveNonWorkUse,
    /// A breach of the social media or acceptable-use policy.
    PolicyBreach,
    /// Anything else: `grounds_detail` says what.
    Other,
}

impl Grounds {
    /// Words for the report.
    pub fn describe(self) -> &'static str {
        match self {
            Grounds::ExcessiveNonWorkUse => {
                "excessive non-work use of the internet in working time"
            }
            Grounds::PolicyBreach => "breach of policy",
            Grounds::Other => "other",
        }
    }
}

/// Who the investigation is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subject {
    /// HR's employee number.
    pub employee_id: String,
    /// User names as logged (normalised when matched).
    #[serde(default)]
    pub users: Vec<String>,
    /// The pseudonym a flag named (`u-` + 12 hex).
    #[serde(default)]
    pub pseudonym: Option<String>,
    /// Client addresses, for events logged without a user name.
    #[serde(default)]
    pub ips: Vec<String>,
    /// Why several accounts (users and addresses) are one person. Required
    /// when the subject resolves to more than one account: one pack is one
    /// person, and each account's figures are then shown beside the total.
    #[serde(default)]
    pub same_person: String,
}

impl Subject {
    /// A key that is the same for two records about the same subject and
    /// differs otherwise: the SHA-256 (hex) of the employee id, the user
    /// names (trimmed, lower case, sorted), the pseudonym and the addresses
    /// (sorted). Audit entries carry it so a pack's audit extract can keep
    /// the entries about its own subject and reduce the rest, without
    /// naming anyone.
    pub fn key(&self) -> String {
        let norm = |v: &[String]| {
            let mut v: Vec<String> = v.iter().map(|s| s.trim().to_lowercase()).collect();
            v.sort();
            v.dedup();
            v
        };
        let canonical = serde_json::json!({
            "employee_id": self.employee_id.trim(),
            "users": norm(&self.users),
            "pseudonym": self.pseudonym.as_deref().map(str::trim),
            "ips": norm(&self.ips),
        });
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            canonical.to_string().as_bytes(),
        ))
    }
}

/// The person who authorised it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authoriser {
    /// Name.
    pub name: String,
    /// Role (e.g. Head of HR).
    pub role: String,
}

/// The period investigated: local dates in the schedule's time zone, inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// First day.
    #[serde(deserialize_with = "de_date")]
    pub from: NaiveDate,
    /// Last day (inclusive).
    #[serde(deserialize_with = "de_date")]
    pub to: NaiveDate,
}

/// A parsed authorisation record. See `examples/authorisation.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Authorisation {
    /// Case reference; names the pack.
    pub reference: String,
    /// Who the investigation is about.
    pub subject: Subject,
    /// Why.
    pub grounds: Grounds,
    /// Words for `other` grounds (required then).
    #[serde(default)]
    pub grounds_detail: String,
    /// Who asked for it.
    pub requested_by: String,
    /// Who authorised it.
    pub authorised_by: Authoriser,
    /// When it was authorised (RFC 3339).
    #[serde(deserialize_with = "de_datetime")]
    pub authorised_at: DateTime<Utc>,
    /// The period investigated.
    pub period: Period,
    /// When the authorisation lapses (RFC 3339).
    #[serde(deserialize_with = "de_datetime")]
    pub expires: DateTime<Utc>,
    /// Covert monitoring (the employee is not told).
    pub covert: bool,
    /// Why covert monitoring is justified (required when `covert`).
    #[serde(default)]
    pub covert_justification: String,
    /// The employee has been told.
    pub subject_notified: bool,
    /// Reference of the Record of Concern (West Dunbartonshire) or equivalent.
    pub record_of_concern: String,
    /// DPIA reference, or the reason none is needed.
    pub dpia: String,
}

/// The text of a TOML date/time, whether written bare or quoted.
fn toml_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match toml::Value::deserialize(d)? {
        toml::Value::String(s) => Ok(s),
        toml::Value::Datetime(t) => Ok(t.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a date/time, found {}",
            other.type_str()
        ))),
    }
}

/// An RFC 3339 time with an offset (`2026-11-19T10:30:00Z`), bare or quoted.
fn de_datetime<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    let s = toml_text(d)?;
    DateTime::parse_from_rfc3339(&s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            serde::de::Error::custom(format!(
                "`{s}` is not an RFC 3339 time with an offset, such as 2026-11-19T10:30:00Z"
            ))
        })
}

/// A calendar date (`2026-11-09`), bare or quoted.
fn de_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    let s = toml_text(d)?;
    NaiveDate::parse_from_str(&s, "%Y-%m-%d")
        .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a date such as 2026-11-09")))
}

/// Parses a record; every problem is returned, not only the first.
///
/// # Errors
/// Each missing or malformed field, named.
pub fn parse(text: &str) -> Result<Authorisation, Vec<String>> {
    let value: toml::Value =
        toml::from_str(text).map_err(|e| vec![format!("not valid TOML: {}", e.message())])?;
    let mut problems = Vec::new();
    let required = [
        "reference",
        "subject",
        "grounds",
        "requested_by",
        "authorised_by",
        "authorised_at",
        "period",
        "expires",
        "covert",
        "subject_notified",
        "record_of_concern",
        "dpia",
    ];
    for key in required {
        if value.get(key).is_none() {
            problems.push(format!("missing field `{key}`"));
        }
    }
    for (table, keys) in [
        ("subject", &["employee_id"][..]),
        ("authorised_by", &["name", "role"][..]),
        ("period", &["from", "to"][..]),
    ] {
        if let Some(t) = value.get(table) {
            for k in keys {
                if t.get(k).is_none() {
                    problems.push(format!("missing field `{table}.{k}`"));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let a: Authorisation = toml::from_str(text)
        .map_err(|e| vec![format!("malformed field: {}", e.message().trim())])?;
    let blank = |s: &str| s.trim().is_empty();
    for (name, v) in [
        ("reference", &a.reference),
        ("subject.employee_id", &a.subject.employee_id),
        ("requested_by", &a.requested_by),
        ("authorised_by.name", &a.authorised_by.name),
        ("authorised_by.role", &a.authorised_by.role),
        ("record_of_concern", &a.record_of_concern),
        ("dpia", &a.dpia),
    ] {
        if blank(v) {
            problems.push(format!("field `{name}` is empty"));
        }
    }
    if let Err(e) = crate::retention::check_reference(&a.reference) {
        problems.push(e.to_string());
    }
    if a.subject.users.iter().all(|u| blank(u))
        && a.subject.pseudonym.as_deref().is_none_or(blank)
        && a.subject.ips.is_empty()
    {
        problems.push("the subject names no `users`, `pseudonym` or `ips`".into());
    }
    if let Some(p) = &a.subject.pseudonym
        && !(p.len() == 14 && p.starts_with("u-") && p[2..].bytes().all(|b| b.is_ascii_hexdigit()))
    {
        problems.push(format!(
            "`subject.pseudonym` `{p}` is not `u-` followed by 12 hex characters"
        ));
    }
    if a.grounds == Grounds::Other && blank(&a.grounds_detail) {
        problems.push("`grounds = \"other\"` needs `grounds_detail`".into());
    }
    if a.covert && blank(&a.covert_justification) {
        problems.push("`covert = true` needs `covert_justification`".into());
    }
    if problems.is_empty() {
        Ok(a)
    } else {
        Err(problems)
    }
}

/// A person's name as compared for separation of duties: Unicode NFKC,
/// case-folded, the part before any comma or parenthesis (so a role suffix
/// such as `, Team Leader` does not make a different person), whitespace
/// (non-breaking spaces included) collapsed to one space and trimmed.
pub fn normalise_name(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let nfkc: String = name.nfkc().collect();
    let folded = caseless::default_case_fold_str(&nfkc);
    let before = folded.split([',', '(']).next().unwrap_or("");
    before.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when a normalised name names someone: it holds at least one letter.
pub fn is_a_name(normalised: &str) -> bool {
    normalised.chars().any(char::is_alphabetic)
}

/// What the gate needs to know besides the record.
#[derive(Debug, Clone)]
pub struct GateContext<'a> {
    /// The operating-system login making the pack.
    pub operator_login: &'a str,
    /// The operator's display name (`--operator`, `NETUSAGE_OPERATOR`), if given.
    pub operator_name: Option<&'a str>,
    /// The system clock (UTC): never an operator-supplied time.
    pub now: DateTime<Utc>,
    /// Start of the retention window (UTC): the period may not reach before it.
    pub retention_cutoff: DateTime<Utc>,
    /// UTC instant the period starts (its first local midnight).
    pub period_start: DateTime<Utc>,
}

/// Checks a parsed record against the rules of the gate (README,
/// "Investigations"); returns every problem found.
pub fn check(a: &Authorisation, cx: &GateContext<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let authoriser = normalise_name(&a.authorised_by.name);
    for (field, value) in [
        ("authorised_by.name", &a.authorised_by.name),
        ("requested_by", &a.requested_by),
    ] {
        if !is_a_name(&normalise_name(value)) {
            problems.push(format!(
                "`{field}` `{value}` is not a person's name (it has no letters before any comma or parenthesis)"
            ));
        }
    }
    if is_a_name(&authoriser) {
        if authoriser == normalise_name(&a.requested_by) {
            problems.push(format!(
                "the authoriser ({}) is also the requester ({}): authorisation must come from someone else",
                a.authorised_by.name, a.requested_by
            ));
        }
        let login = normalise_name(cx.operator_login);
        let display = cx.operator_name.map(normalise_name);
        if authoriser == login || display.as_deref() == Some(authoriser.as_str()) {
            problems.push(format!(
                "the authoriser ({}) is also the operator making the pack (login {}{})",
                a.authorised_by.name,
                cx.operator_login,
                cx.operator_name
                    .map(|n| format!(", name {n}"))
                    .unwrap_or_default()
            ));
        }
    }
    if cx.now < a.authorised_at {
        problems.push(format!(
            "the authorisation is dated {}, after now ({}, the system clock)",
            a.authorised_at.to_rfc3339(),
            cx.now.to_rfc3339()
        ));
    }
    if cx.now > a.expires {
        problems.push(format!(
            "the authorisation expired at {} (now is {} by the system clock)",
            a.expires.to_rfc3339(),
            cx.now.to_rfc3339()
        ));
    }
    if a.expires <= a.authorised_at {
        problems.push("`expires` is not after `authorised_at`".into());
    }
    if a.period.to < a.period.from {
        problems.push(format!(
            "the period is empty: `period.to` {} is before `period.from` {}",
            a.period.to, a.period.from
        ));
    }
    if a.period.to > a.expires.date_naive() {
        problems.push(format!(
            "the period ends ({}) after the authorisation expires ({})",
            a.period.to,
            a.expires.date_naive()
        ));
    }
    if cx.period_start < cx.retention_cutoff {
        problems.push(format!(
            "the period starts ({}) before the retention window ({}): that data is no longer held",
            a.period.from,
            cx.retention_cutoff.date_naive()
        ));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_field_is_named() {
        let e = parse("reference = \"R1\"\n[subject]\nusers = [\"a\"]\n").unwrap_err();
        assert!(e.contains(&"missing field `grounds`".to_string()));
        assert!(e.contains(&"missing field `dpia`".to_string()));
        assert!(e.contains(&"missing field `subject.employee_id`".to_string()));
        assert_eq!(e.len(), 11);
    }

    #[test]
    fn names_compare_after_normalisation() {
        let n = normalise_name;
        assert_eq!(n("Dana Whitfield"), "dana whitfield");
        assert_eq!(n("  Dana   Whitfield "), "dana whitfield");
        assert_eq!(n("Dana\u{a0}Whitfield"), "dana whitfield");
        assert_eq!(n("Dana Whitfield, Team Leader, Revenues"), "dana whitfield");
        assert_eq!(n("Dana Whitfield (Revenues)"), "dana whitfield");
        assert_eq!(n("DANA WHITFIELD"), "dana whitfield");
        // NFKC: full-width letters are the same letters.
        assert_eq!(n("\u{ff24}ana Whitfield"), "dana whitfield");
        // Case folding: ß folds to ss.
        assert_eq!(n("Strauß"), n("STRAUSS"));
        assert!(!is_a_name(&n(".")));
        assert!(!is_a_name(&n(" , Head of HR")));
        assert!(is_a_name(&n("Morgan Ellis")));
    }
}
