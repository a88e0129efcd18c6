//! The gate before a pack: the authorisation record checked by the system
//! clock, one pack per reference (or a named supersede), a folder not yet
//! written, and the subject resolved to the events of its accounts.
//!
//! The gate decides; the caller audits the decision (`report` writes every
//! attempt, granted or refused, with the record's SHA-256).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, Utc};

use super::authorisation::{self, Authorisation, GateContext, Grounds};
use super::pack::{self, SubjectEvents, Supersedes};
use crate::audit;
use crate::config::Config;
use crate::enrich::Enricher;
use crate::sshsig;
use crate::store::Store;
use crate::store::registry::{self, Person, Registry, SignedChange};
use crate::store::scan::{self, Range};
use crate::usage::profile::Profiles;
use crate::usage::schedule::Plan;

/// What the operator asks the gate for.
pub struct Request<'a> {
    /// The authorisation record's text (TOML).
    pub record: &'a str,
    /// Its detached SSH signature (`<record>.sig`): `Ok(None)` when there is
    /// none, `Err(why)` when it could not be read.
    pub signature: Result<Option<&'a str>, &'a str>,
    /// The operator's OS login (always recorded; mapped to a registered
    /// person where one is registered with it).
    pub login: &'a str,
    /// `--supersede`'s reason, already checked to hold a letter or digit.
    pub supersede: Option<&'a str>,
    /// The folder packs are written into (`--out`).
    pub out: &'a Path,
    /// Accept people and leave rows that name nobody the store knows.
    pub allow_unknown_user: bool,
    /// The user category rules (`--categories`), applied to the subject's
    /// events as `usage` applies them.
    pub categories: Option<&'a Path>,
    /// What the pack is for: the record's `grounds` must agree.
    pub purpose: Purpose,
}

/// What a pack is for, and so which records may open it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// An HR investigation (`netusage report`): any grounds but
    /// `subject_access`.
    Investigation,
    /// The employee's own copy (`netusage subject-access`): grounds
    /// `subject_access` only.
    SubjectAccess,
}

/// True when the preset's policy releases records of working time only
/// (Charnwood: IT services "provide records relating to employee's
/// internet usage during working time"): its `records` clause.
pub fn records_in_working_time(config: &Config) -> bool {
    !config.policy.preset.is_empty()
        && crate::usage::presets::get(&config.policy.preset)
            .is_ok_and(|p| p.clause_of("records").is_some())
}

/// The rows of `events` whose time is working time on `plan` (not breaks,
/// not outside working hours, not leave or bank holidays).
///
/// # Errors
/// The `ts` column is missing; Polars errors.
pub fn working_time_only(
    events: &polars::prelude::DataFrame,
    plan: &impl crate::usage::schedule::Plan,
) -> anyhow::Result<polars::prelude::DataFrame> {
    let ts = events
        .column(crate::event::col::TS)?
        .datetime()?
        .physical()
        .clone();
    let keep: polars::prelude::BooleanChunked = ts
        .iter()
        .map(|t| t.is_some_and(|t| plan.split(t, t + 1).working_ms > 0))
        .collect();
    Ok(events.filter(&keep)?)
}

/// A request the gate let through.
pub struct Admitted {
    /// The record, parsed and checked.
    pub authorisation: Authorisation,
    /// The registered person who signed it.
    pub signer: Person,
    /// The registrar's signed change that registered the signer, and the
    /// registrar's key line.
    pub registration: (SignedChange, String),
    /// The subject's events in the period, with attribution.
    pub subject: SubjectEvents,
    /// The period as UTC: from the first local day's start to the day
    /// after the last (half-open).
    pub range: Range,
    /// Where the pack goes: `<out>/<reference>`, or `<out>/<reference>-r<N>`
    /// for the Nth pack of a reference.
    pub out_dir: PathBuf,
    /// The pack this one replaces, with the reason (`--supersede`).
    pub supersedes: Option<Supersedes>,
    /// The registered person whose OS login runs this, when there is one.
    pub operator: Option<Person>,
    /// The category rules the subject's events were classified with (the
    /// pack names the rule behind each site).
    pub classifier: crate::classify::Classifier,
}

/// A request the gate refused: every problem found, in words.
pub struct Refusal {
    /// The record's reference, when it could be read.
    pub reference: Option<String>,
    /// The subject's key ([`pack::audit_lines`] keeps other subjects out of a pack).
    pub subject_key: Option<String>,
    /// What is wrong, one sentence each.
    pub problems: Vec<String>,
}

/// Runs the gate at `now` (the system clock) for `request` against the
/// store, its configuration with its validated policy (whose designations
/// and allow-list the subject's events are read under), and the validated
/// `profiles`.
///
/// # Errors
/// `Ok(Err(refusal))` when the gate refuses; `Err` for a people or leave row
/// naming nobody the store knows (exit 2) and for store errors.
pub fn admit(
    store: &Store,
    (config, policy): (&Config, &crate::usage::policy::Policy),
    profiles: &Profiles,
    request: &Request<'_>,
    now: DateTime<Utc>,
) -> anyhow::Result<Result<Admitted, Refusal>> {
    let a = match authorisation::parse(request.record) {
        Ok(a) => a,
        Err(problems) => {
            let reference = toml::from_str::<toml::Value>(request.record)
                .ok()
                .and_then(|v| v.get("reference")?.as_str().map(String::from));
            return Ok(Err(Refusal {
                reference,
                subject_key: None,
                problems,
            }));
        }
    };
    let (signer, registry) = match signer(store, request) {
        Ok(found) => found,
        Err(e) => {
            return Ok(Err(Refusal {
                reference: Some(a.reference.clone()),
                subject_key: Some(a.subject.key()),
                problems: vec![format!("{e:#}")],
            }));
        }
    };
    let Some(registration) = registry.registration(&signer).cloned() else {
        anyhow::bail!(
            "the registry holds no change that registered staff id {}",
            signer.staff_id
        );
    };
    let registration = (registration, registry.registrar.clone());
    let operator = registry
        .people()?
        .into_iter()
        .find(|p| !p.login.is_empty() && p.login == request.login);
    let schedule = profiles.default_schedule();
    let period_start =
        DateTime::from_timestamp_millis(schedule.day_start(a.period.from)).unwrap_or(now);
    let cx = GateContext {
        signer: &signer,
        operator: operator.as_ref(),
        operator_login: request.login,
        now,
        retention_cutoff: crate::retention::cutoff(now, config.retention.days),
        period_start,
        max_validity_days: i64::from(config.authorisation.max_validity_days),
        max_period_days: i64::from(config.authorisation.max_period_days),
    };
    let mut problems = authorisation::check(&a, &cx);
    problems.extend(authorisation::preset_problems(&a, &config.policy.preset));
    match (request.purpose, a.grounds == Grounds::SubjectAccess) {
        (Purpose::Investigation, true) => problems.push(
            "`grounds = \"subject_access\"`: the employee's own copy is made with `netusage subject-access`, \
             not `report`"
                .into(),
        ),
        (Purpose::SubjectAccess, false) => problems.push(format!(
            "`grounds = \"{}\"`: `netusage subject-access` makes the employee's own copy, under a record with \
             `grounds = \"subject_access\"` only",
            serde_json::to_value(a.grounds)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        )),
        _ => {}
    }
    let (written_before, mut supersedes) = earlier_packs(&audit::read(store.root())?, &a.reference);
    match (supersedes.as_mut(), request.supersede) {
        (Some(prev), None) => problems.push(format!(
            "reference {} already has a pack (granted in audit entry {}, written to {}): one reference, one pack; \
             to replace it, give --supersede \"<reason>\"",
            a.reference, prev.granted_seq, prev.pack
        )),
        (Some(prev), Some(reason)) => prev.reason = reason.to_string(),
        (None, Some(_)) => problems.push(format!(
            "--supersede was given, but reference {} has no earlier pack to supersede",
            a.reference
        )),
        (None, None) => {}
    }
    let dir_name = if written_before == 0 {
        a.reference.clone()
    } else {
        format!("{}-r{}", a.reference, written_before + 1)
    };
    // Absolute, as recorded in the audit log: a later report, run from
    // another folder, finds the pack by it.
    let out_dir = request.out.join(&dir_name);
    let out_dir = std::path::absolute(&out_dir).unwrap_or(out_dir);
    if std::fs::symlink_metadata(&out_dir).is_ok() {
        problems.push(format!(
            "a pack already exists at {}: packs are never overwritten",
            out_dir.display()
        ));
    }
    let range = Range {
        from: Some(period_start),
        to: a
            .period
            .to
            .checked_add_days(Days::new(1))
            .and_then(|d| DateTime::from_timestamp_millis(schedule.day_start(d))),
    };
    let refusal = |problems| Refusal {
        reference: Some(a.reference.clone()),
        subject_key: Some(a.subject.key()),
        problems,
    };
    if !problems.is_empty() {
        return Ok(Err(refusal(problems)));
    }
    let intervals = crate::store::identity::all(store)?;
    if !request.allow_unknown_user {
        crate::usage::pipeline::check_profile_users(store, profiles, &intervals)?;
    }
    let enricher = Enricher::with_intervals(
        store,
        intervals,
        request.categories,
        config.identity.dns_window_s,
    )?
    .with_work_use(policy.work_use.clone());
    let mut subject = match subject(store, config, &enricher, &a, &range)? {
        Ok(s) => s,
        Err(p) => return Ok(Err(refusal(p))),
    };
    if request.purpose == Purpose::Investigation && records_in_working_time(config) {
        let plan = profiles.person(&subject.label);
        subject.events = working_time_only(&subject.events, &plan)?;
    }
    Ok(Ok(Admitted {
        authorisation: a,
        signer,
        registration,
        subject,
        range,
        out_dir,
        supersedes,
        operator,
        classifier: enricher.into_classifier(),
    }))
}

/// The registered, unrevoked person whose key made the record's
/// signature, and the registry that says so.
///
/// # Errors
/// No signature; not an SSH signature in the `netusage-authorisation`
/// namespace; changed after signing; no registrar; a key nobody registered,
/// or one that was revoked. Each says what to do.
fn signer(store: &Store, request: &Request<'_>) -> anyhow::Result<(Person, Registry)> {
    let signature = request.signature.map_err(|why| anyhow::anyhow!("{why}"))?;
    let Some(signature) = signature else {
        anyhow::bail!(
            "the record is not signed: an authoriser signs it with `ssh-keygen -Y sign -f KEY -n {} RECORD`, \
             which writes RECORD.sig beside it",
            sshsig::AUTHORISATION
        );
    };
    registry::signer(
        store,
        signature,
        sshsig::AUTHORISATION,
        request.record,
        "the record",
    )
}

/// The record's subject resolved to accounts, and their events in `range`
/// (every column), enriched ([`Enricher::apply`]); or why the subject
/// cannot be resolved.
///
/// # Errors
/// A people or leave row naming nobody the store knows (exit 2); store errors.
fn subject(
    store: &Store,
    config: &Config,
    enricher: &Enricher,
    a: &Authorisation,
    range: &Range,
) -> anyhow::Result<Result<SubjectEvents, Vec<String>>> {
    let schema = crate::event::schema();
    let columns: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
    let period_users = || scan::users(store, range);
    let read = |accounts: &BTreeSet<String>| {
        let ms = |t: Option<DateTime<Utc>>, d: i64| t.map_or(d, |t| t.timestamp_millis());
        let (from_ms, to_ms) = (ms(range.from, i64::MIN), ms(range.to, i64::MAX));
        pack::read_attributed(
            accounts,
            enricher,
            |wanted| {
                let filter = scan::Filter {
                    range: range.clone(),
                    users: Some(wanted.iter().cloned().collect()),
                };
                scan::read(store, &columns, &filter)
            },
            from_ms,
            to_ms,
        )
    };
    pack::subject_events(a, store.key(), &config.realms(), &period_users, &read)
}

/// The earlier packs of a reference, from the audit log: how many were
/// written, and the last one (where it was written, the SHA-256 of its tag
/// manifest, and the audit entry that granted it).
///
/// A pack is written when a `granted` entry is followed by an `ok: pack
/// written` entry of the same reference (a report holds the store's lock
/// from the one to the other, so no other report's entries come between),
/// or when the folder the grant names exists (a report killed, or whose
/// closing entry failed, after its pack was renamed into place). A granted
/// attempt that failed (its `error: ...` entry) or was killed before that
/// wrote no pack, and does not count: the next report of the reference
/// needs no `--supersede`, and a superseding pack never names a pack that
/// does not exist. Every attempt stays in the audit log.
fn earlier_packs(entries: &[audit::Entry], reference: &str) -> (usize, Option<Supersedes>) {
    let supersedes = |g: &audit::Entry, tagmanifest_sha256: String| Supersedes {
        reason: String::new(),
        pack: pack_of(g).unwrap_or("(not recorded)").to_string(),
        tagmanifest_sha256,
        granted_seq: g.seq,
        granted_hash: g.hash.clone(),
    };
    // A grant with no closing entry whose pack is in place.
    let unrecorded = |g: &audit::Entry| {
        let dir = Path::new(pack_of(g)?);
        std::fs::symlink_metadata(dir).ok()?.is_dir().then(|| {
            let tags = crate::fsutil::sha256_file(&dir.join("tagmanifest-sha256.txt"));
            supersedes(g, tags.unwrap_or_default())
        })
    };
    let mut pending: Option<&audit::Entry> = None;
    let mut written = 0;
    let mut last = None;
    let of_ref = entries.iter().filter(|e| {
        e.command == "report"
            && e.authorisation
                .as_ref()
                .is_some_and(|a| a.reference == reference)
    });
    for e in of_ref {
        match e.result.as_str() {
            "granted" => {
                // A grant that names the same folder as the one before
                // was given while that folder did not exist (the gate
                // refuses a folder that does): the earlier wrote nothing.
                let earlier = pending.replace(e).filter(|g| pack_of(g) != pack_of(e));
                if let Some(found) = earlier.and_then(unrecorded) {
                    written += 1;
                    last = Some(found);
                }
            }
            "ok: pack written" => {
                let Some(g) = pending.take() else { continue };
                written += 1;
                let tags = e
                    .outputs
                    .first()
                    .map(|o| o.sha256.clone())
                    .unwrap_or_default();
                last = Some(supersedes(g, tags));
            }
            _ => {}
        }
    }
    if let Some(found) = pending.and_then(unrecorded) {
        written += 1;
        last = Some(found);
    }
    (written, last)
}

/// The pack folder a `granted` entry names (`details.pack`).
fn pack_of(granted: &audit::Entry) -> Option<&str> {
    granted.details.get("pack").and_then(|p| p.as_str())
}
