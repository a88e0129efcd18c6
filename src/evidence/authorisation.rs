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

use crate::store::registry::Person;

/// The longest an authorisation may run by default, `authorised_at` to
/// `expires` (days; `[authorisation] max_validity_days` may lower it).
pub const MAX_VALIDITY_DAYS: i64 = 90;
/// The longest period a record may cover by default (days: twelve months;
/// `[authorisation] max_period_days` may lower it).
pub const MAX_PERIOD_DAYS: i64 = 366;
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
    /// The employee's own request for their records (UK GDPR Article 15,
    /// the right of access; the ICO's guidance on monitoring workers says
    /// it covers monitoring records): `netusage subject-access` makes their
    /// copy, `report` refuses such a record.
    SubjectAccess,
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
            Grounds::SubjectAccess => {
                "the employee's own subject access request (UK GDPR Article 15)"
            }
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
    /// The Record of Concern's outcome (West Dunbartonshire: it must be
    /// `Investigation Approved`).
    #[serde(default)]
    pub record_of_concern_outcome: String,
    /// When the employee was told of the monitoring (North West
    /// Leicestershire, with `subject_notified = true`).
    #[serde(default, deserialize_with = "de_opt_date")]
    pub notified_on: Option<NaiveDate>,
    /// The employee was given the reasons for it (North West Leicestershire).
    #[serde(default)]
    pub reasons_given: bool,
    /// The reference of the completed Electronically Collected Data
    /// Checklist (Charnwood).
    #[serde(default)]
    pub checklist_reference: String,
}

/// What each council's policy asks a record to show, beyond the common
/// fields, by preset name (`docs/policies/`): each problem names the field
/// and the clause. An empty list for a preset that asks nothing more.
pub fn preset_problems(a: &Authorisation, preset: &str) -> Vec<String> {
    let has = |v: &str| v.chars().any(char::is_alphanumeric);
    let mut problems = Vec::new();
    if a.grounds == Grounds::SubjectAccess {
        // The council's investigation steps (Record of Concern, checklist,
        // notice) govern investigations, not the employee's own request.
        return problems;
    }
    match preset {
        "west-dunbartonshire" if a.record_of_concern_outcome.trim() != "Investigation Approved" => {
            problems.push(format!(
                "West Dunbartonshire: `record_of_concern_outcome` must be \"Investigation Approved\" (the Record of \
                 Concern's outcome before an investigation), not \"{}\"",
                a.record_of_concern_outcome
            ));
        }
        "north-west-leicestershire" if !a.covert => {
            if a.notified_on.is_none() {
                problems.push(
                    "North West Leicestershire: `notified_on` (the date the employee was told) is missing: the council \
                     \"will endeavour to inform an affected employee\""
                        .into(),
                );
            }
            if !a.reasons_given {
                problems.push(
                    "North West Leicestershire: `reasons_given = true` is missing: the employee is told the reasons \
                     for the monitoring"
                        .into(),
                );
            }
        }
        "charnwood" if !has(&a.checklist_reference) => problems.push(
            "Charnwood: `checklist_reference` (the Electronically Collected Data Checklist) is missing: it is how \
             Charnwood gives \"authorisation to access any IT records\""
                .into(),
        ),
        _ => {}
    }
    problems
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
fn de_opt_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    de_date(d).map(Some)
}

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
    // A field holds something only with a letter or digit: a zero-width
    // space, a soft hyphen or punctuation alone is no reason.
    let blank = |s: &str| !s.chars().any(char::is_alphanumeric);
    for (name, v) in [
        ("reference", &a.reference),
        ("subject.employee_id", &a.subject.employee_id),
        ("requested_by", &a.requested_by),
        ("record_of_concern", &a.record_of_concern),
        ("dpia", &a.dpia),
    ] {
        if blank(v) {
            problems.push(format!(
                "field `{name}` is empty (it needs a letter or digit)"
            ));
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
    if a.grounds == Grounds::SubjectAccess && a.covert {
        problems.push(
            "`grounds = \"subject_access\"` with `covert = true`: the employee asked for their own records, \
             so the copy is never covert"
                .into(),
        );
    }
    if a.covert && blank(&a.covert_justification) {
        problems.push("`covert = true` needs `covert_justification`".into());
    }
    if a.covert == a.subject_notified {
        problems.push(if a.covert {
            "`covert = true` and `subject_notified = true` contradict each other: covert monitoring is monitoring the employee is not told of".into()
        } else {
            "neither `covert` nor `subject_notified` is true: the employee is told (North West Leicestershire: the council \
             \"will endeavour to inform an affected employee\"), or the monitoring is covert with its justification"
                .into()
        });
    }
    if a.subject.users.len() + a.subject.ips.len() + usize::from(a.subject.pseudonym.is_some()) > 1
        && !a.subject.same_person.is_empty()
        && blank(&a.subject.same_person)
    {
        problems.push("field `subject.same_person` is empty (it needs a letter or digit)".into());
    }
    if problems.is_empty() {
        Ok(a)
    } else {
        Err(problems)
    }
}

/// What the gate needs to know besides the record.
#[derive(Debug, Clone)]
pub struct GateContext<'a> {
    /// The registered person whose key signed the record.
    pub signer: &'a Person,
    /// The registered person the operator's OS login maps to, if any.
    pub operator: Option<&'a Person>,
    /// The operator's OS login (shown).
    pub operator_login: &'a str,
    /// The system clock.
    pub now: DateTime<Utc>,
    /// The start of the retention window (UTC).
    pub retention_cutoff: DateTime<Utc>,
    /// The period's first local day's start (UTC).
    pub period_start: DateTime<Utc>,
    /// The longest validity allowed (days; [`MAX_VALIDITY_DAYS`] or lower).
    pub max_validity_days: i64,
    /// The longest period allowed (days; [`MAX_PERIOD_DAYS`] or lower).
    pub max_period_days: i64,
}

/// Checks a parsed record against the rules of the gate (README,
/// "Investigations"); returns every problem found.
pub fn check(a: &Authorisation, cx: &GateContext<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    let signer = cx.signer;
    let same = |x: &str, y: &str| x.trim().eq_ignore_ascii_case(y.trim());
    if same(&signer.staff_id, &a.requested_by) {
        problems.push(format!(
            "the record is signed by staff id {} ({}), who is also the requester (`requested_by` = {}): \
             authorisation must come from someone else",
            signer.staff_id, signer.name, a.requested_by
        ));
    }
    if let Some(op) = cx.operator
        && same(&op.staff_id, &signer.staff_id)
    {
        problems.push(format!(
            "the record is signed by staff id {} ({}), who is also the operator making the pack (login {}): \
             authorisation must come from someone else",
            signer.staff_id, signer.name, cx.operator_login
        ));
    }
    if a.covert && !signer.covert {
        problems.push(format!(
            "`covert = true`, but the signer, staff id {} ({}, {}), is not registered to authorise covert monitoring",
            signer.staff_id, signer.name, signer.role
        ));
    }
    let validity = a.expires - a.authorised_at;
    let max_validity = cx.max_validity_days.min(MAX_VALIDITY_DAYS);
    if validity > chrono::TimeDelta::days(max_validity) {
        let rest = validity - chrono::TimeDelta::days(validity.num_days());
        problems.push(format!(
            "the authorisation is valid for {} days{} (`authorised_at` {} to `expires` {}): at most {max_validity} days; \
             sign a new record when it runs out",
            validity.num_days(),
            if rest.is_zero() {
                String::new()
            } else {
                format!(" and {} s", rest.num_seconds())
            },
            a.authorised_at.to_rfc3339(),
            a.expires.to_rfc3339()
        ));
    }
    let days = (a.period.to - a.period.from).num_days() + 1;
    let max_period = cx.max_period_days.min(MAX_PERIOD_DAYS);
    if days > max_period {
        problems.push(format!(
            "the period is {days} days ({} to {}): at most {max_period}",
            a.period.from, a.period.to
        ));
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
        assert_eq!(e.len(), 10);
    }

    const RECORD: &str = r#"
reference = "HR-1"
grounds = "excessive_non_work_use"
requested_by = "S200"
authorised_at = 2026-11-19T10:30:00Z
expires = 2026-12-19T17:00:00Z
covert = false
subject_notified = true
record_of_concern = "ROC-1"
dpia = "DPIA-1"
[subject]
employee_id = "E1"
users = ["dbrown"]
[period]
from = 2026-11-09
to = 2026-11-17
"#;

    fn person(staff_id: &str, covert: bool) -> Person {
        Person {
            staff_id: staff_id.into(),
            name: "Morgan Ellis".into(),
            role: "Head of HR".into(),
            covert,
            ..Default::default()
        }
    }

    fn problems(text: &str, signer: &Person, operator: Option<&Person>) -> Vec<String> {
        let a = parse(text).unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        check(
            &a,
            &GateContext {
                signer,
                operator,
                operator_login: "ict1",
                now: t("2026-11-20T09:00:00Z"),
                retention_cutoff: t("2025-11-20T00:00:00Z"),
                period_start: t("2026-11-09T00:00:00Z"),
                max_validity_days: MAX_VALIDITY_DAYS,
                max_period_days: MAX_PERIOD_DAYS,
            },
        )
    }

    #[test]
    fn duties_are_separated_by_staff_id_and_names_are_never_compared() {
        let hr = person("S100", false);
        assert_eq!(problems(RECORD, &hr, None), Vec::<String>::new());
        // The same name, another person: fine; the requester's own key: refused.
        let requester = person(" s200 ", false);
        let p = problems(RECORD, &requester, None);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("also the requester"), "{p:?}");
        // The operator's registered person signing: refused.
        let p = problems(RECORD, &hr, Some(&person("S100", false)));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("also the operator"), "{p:?}");
    }

    #[test]
    fn covert_needs_covert_authority_and_excludes_notification() {
        let covert = RECORD
            .replace(
                "covert = false",
                "covert = true\ncovert_justification = \"RIPA-style necessity\"",
            )
            .replace("subject_notified = true", "subject_notified = false");
        let p = problems(&covert, &person("S100", false), None);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("not registered to authorise covert"), "{p:?}");
        assert_eq!(
            problems(&covert, &person("S100", true), None),
            Vec::<String>::new()
        );
        let both = covert.replace("subject_notified = false", "subject_notified = true");
        let e = parse(&both).unwrap_err();
        assert!(e[0].contains("contradict"), "{e:?}");
        let neither = RECORD.replace("subject_notified = true", "subject_notified = false");
        assert!(parse(&neither).unwrap_err()[0].contains("neither"));
    }

    #[test]
    fn long_authorisations_and_periods_and_invisible_reasons_are_refused() {
        let long = RECORD
            .replace(
                "expires = 2026-12-19T17:00:00Z",
                "expires = 2027-02-18T10:30:01Z",
            )
            .replace("to = 2026-11-17", "to = 2026-11-18");
        let p = problems(&long, &person("S100", false), None);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("valid for 91 days"), "{p:?}");
        let zw = RECORD.replace("dpia = \"DPIA-1\"", "dpia = \"\u{200b}\u{ad}\"");
        assert_eq!(
            parse(&zw).unwrap_err(),
            vec!["field `dpia` is empty (it needs a letter or digit)".to_string()]
        );
    }

    #[test]
    fn each_councils_own_fields_are_required_under_its_preset() {
        let a = parse(RECORD).unwrap();
        assert_eq!(preset_problems(&a, "chelmsford"), Vec::<String>::new());
        let wd = preset_problems(&a, "west-dunbartonshire");
        assert_eq!(wd.len(), 1);
        assert!(wd[0].contains("\"Investigation Approved\""), "{wd:?}");
        let approved = parse(&format!(
            "record_of_concern_outcome = \"Investigation Approved\"\n{RECORD}"
        ))
        .unwrap();
        assert!(preset_problems(&approved, "west-dunbartonshire").is_empty());
        let nwl = preset_problems(&a, "north-west-leicestershire");
        assert_eq!(nwl.len(), 2, "{nwl:?}");
        assert!(nwl[0].contains("`notified_on`") && nwl[1].contains("`reasons_given = true`"));
        let told = parse(&format!(
            "notified_on = 2026-11-18\nreasons_given = true\n{RECORD}"
        ))
        .unwrap();
        assert!(preset_problems(&told, "north-west-leicestershire").is_empty());
        let ch = preset_problems(&a, "charnwood");
        assert_eq!(ch.len(), 1);
        assert!(ch[0].contains("`checklist_reference`"), "{ch:?}");
        let listed = parse(&format!("checklist_reference = \"ECDC-2026-11\"\n{RECORD}")).unwrap();
        assert!(preset_problems(&listed, "charnwood").is_empty());
    }

    #[test]
    fn a_configuration_may_lower_the_limits_and_never_raise_them() {
        let a = parse(RECORD).unwrap();
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let signer = person("S100", false);
        let cx = |validity: i64, period: i64| GateContext {
            signer: &signer,
            operator: None,
            operator_login: "ict1",
            now: t("2026-11-20T09:00:00Z"),
            retention_cutoff: t("2025-11-20T00:00:00Z"),
            period_start: t("2026-11-09T00:00:00Z"),
            max_validity_days: validity,
            max_period_days: period,
        };
        // The record runs 30 days and 7 hours and covers 9 days.
        let p = check(&a, &cx(30, 9));
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(
            p[0].contains("valid for 30 days") && p[0].contains("at most 30"),
            "{p:?}"
        );
        let p = check(&a, &cx(31, 8));
        assert_eq!(
            p,
            vec!["the period is 9 days (2026-11-09 to 2026-11-17): at most 8".to_string()]
        );
        assert!(check(&a, &cx(31, 9)).is_empty());
        let mut c = crate::config::Config::default();
        c.authorisation.max_validity_days = 91;
        assert!(
            c.check_ranges()
                .unwrap_err()
                .contains("[authorisation] max_validity_days = 91 is out of range")
        );
    }
}
