//! Building the evidence pack: the subject's figures under the policy, each
//! section of the summary from its own function, the pack's files, and the
//! signed BagIt bag written beside its final place and renamed in one step.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::DataFrame;

use super::gate::{Admitted, Purpose};
use super::pack::{self, Summary};
use super::{bagit, report, signature};
use crate::config::Config;
use crate::event::col;
use crate::store::scan::{self, Range};
use crate::store::{Store, manifest};
use crate::usage::policy::Policy;
use crate::usage::profile::Person;
use crate::usage::profile::Profiles;
use crate::usage::{self, PersonUsage};

/// What a pack is made from, besides the admitted request.
pub struct Inputs<'a> {
    /// The store (its key pseudonymises, its files are quoted).
    pub store: &'a Store,
    /// The configuration the pack is made under.
    pub config: &'a Config,
    /// Its validated policy.
    pub policy: &'a Policy,
    /// The authorisation record as given (copied into the pack).
    pub record: &'a [u8],
    /// Its detached SSH signature, as given (copied into the pack).
    pub record_signature: &'a str,
    /// The system clock when the pack was asked for.
    pub now: DateTime<Utc>,
    /// Who made it: `Name (login x)`, or the login.
    pub operator: &'a str,
    /// The hash of the audit entry that granted it.
    pub granted_hash: &'a str,
    /// Quote no log line (`--no-line-text`): cite them by file and line only.
    pub no_line_text: bool,
}

/// A pack, built in memory and not yet written.
pub struct Pack {
    /// The payload: file name under `data/` → content (the list of files
    /// every pack carries is `files()` in this module).
    pub files: BTreeMap<String, Vec<u8>>,
    /// The figures (`summary.json`).
    pub summary: Summary,
    /// How many sessions `sessions.csv` lists.
    pub sessions: usize,
}

/// Builds the pack for `admitted` under `inputs`; `profiles` gains the
/// subject's label as an alias of the account the people file names.
///
/// # Errors
/// Store, Polars or serialisation errors; no browse time could be computed.
pub fn build(
    inputs: &Inputs<'_>,
    profiles: &mut Profiles,
    admitted: &Admitted,
    purpose: Purpose,
) -> anyhow::Result<Pack> {
    let (a, subject) = (&admitted.authorisation, &admitted.subject);
    let store = inputs.store;
    let one = pack::as_one_person(subject)?;
    // The subject's schedules and leave, under the label the pack analyses
    // them by (the first of their accounts the people file names).
    if let Some(account) = subject.users.iter().find(|u| {
        !profiles.person(u).assignments().is_empty()
            || profiles.person(u).leave_days().next().is_some()
    }) {
        profiles.alias(&account.clone(), &subject.label);
    }
    let plan = profiles.person(&subject.label);
    let person = analyse_one(inputs, profiles, &one, inputs.config.params())?
        .ok_or_else(|| anyhow::anyhow!("no browse time could be computed"))?;
    let mut sessions = pack::session_rows(&person, &one, &plan)?;
    let records = manifest::read(&store.manifest_path())?;
    let raw_lines = if inputs.no_line_text {
        BTreeMap::new()
    } else {
        pack::add_line_texts(&mut sessions, &records, &|r| {
            crate::store::chain::read(store, r)
        })
    };
    let mut summary = pack::summary(a, subject, &person, inputs.config, inputs.policy);
    summary.sites = pack::site_rows(&person, &one, &plan, &admitted.classifier)?;
    summary.social_site_days = pack::social_site_days(&person, &plan, &inputs.policy.social);
    summary.all_sites = pack::all_sites(&person, &plan);
    summary.raw_lines = raw_lines;
    summary.coverage = pack::coverage_rows(&subject.events, &plan)?;
    summary.attributions = attributions(store, &subject.events)?;
    summary.devices = pack::device_rows(&subject.events, inputs.policy)?;
    summary.profile = profile_lines(a, &plan);
    if person.flagged {
        summary.sensitivity = sensitivity(inputs, profiles, &one, &person)?;
    }
    if subject.users.len() > 1 {
        let each = usage::analyse(
            &subject.events,
            store.key(),
            inputs.config.params(),
            profiles,
            inputs.policy,
        )?;
        summary.accounts = pack::account_rows(&each, &subject.events)?;
    }
    summary.supersedes = admitted.supersedes.clone();
    let used = sources_used(&subject.events)?;
    summary.gaps = gaps(store, &admitted.range, &plan, &used)?;
    let background = pack::background_rows(&person, &one)?;
    let files = files(
        inputs,
        (admitted, purpose),
        &summary,
        &sessions,
        &plan,
        &records,
        &used,
        &background,
    )?;
    Ok(Pack {
        files,
        summary,
        sessions: sessions.len(),
    })
}

/// One person's usage under the model `params` (the subject's events as one
/// person): the first row of [`usage::analyse`].
fn analyse_one(
    inputs: &Inputs<'_>,
    profiles: &Profiles,
    one: &DataFrame,
    params: crate::usage::sessions::Params,
) -> anyhow::Result<Option<PersonUsage>> {
    let people = usage::analyse(one, inputs.store.key(), params, profiles, inputs.policy)?;
    Ok(people.into_iter().next())
}

/// The identity records behind each attribution of the subject's events
/// (one read per identity source).
fn attributions(store: &Store, events: &DataFrame) -> anyhow::Result<Vec<pack::AttributionRow>> {
    let mut wanted: BTreeMap<String, Vec<(u64, String, u64)>> = BTreeMap::new();
    for (label, n) in pack::identity_labels(events)? {
        if let Some((source, line)) = label
            .strip_prefix("identity:")
            .and_then(|r| r.rsplit_once(':'))
            .and_then(|(s, l)| Some((s.to_string(), l.parse::<u64>().ok()?)))
        {
            wanted.entry(source).or_default().push((line, label, n));
        }
    }
    let mut rows = Vec::new();
    for (source, lines) in wanted {
        let intervals = crate::store::identity::intervals(store, &source)?;
        for (line, label, events) in lines {
            if let Some(iv) = intervals.iter().find(|iv| iv.line == line) {
                rows.push(pack::AttributionRow {
                    attribution: label,
                    ip: iv.ip.clone(),
                    user: iv.user.clone(),
                    start_utc: pack::utc(iv.start_ms),
                    end_utc: pack::utc(iv.end_ms),
                    events,
                    raw: iv.raw.clone(),
                });
            }
        }
    }
    Ok(rows)
}

/// The subject's schedules and leave in the period, one line each, with
/// the file and line they come from.
fn profile_lines(a: &super::authorisation::Authorisation, plan: &Person<'_>) -> Vec<String> {
    let mut lines = Vec::new();
    for x in plan.assignments() {
        if x.from <= a.period.to && x.to.is_none_or(|to| to >= a.period.from) {
            lines.push(format!(
                "{}`{}` from {} to {} ({})",
                report::SCHEDULE_LINE,
                x.schedule,
                x.from,
                x.to.map_or("the end".to_string(), |t| t.to_string()),
                x.source
            ));
        }
    }
    for (date, leave) in plan.leave_days() {
        if (a.period.from..=a.period.to).contains(date) {
            lines.push(format!("{date}: {} ({})", leave.kind, leave.source));
        }
    }
    lines
}

/// The same person under each model of the sensitivity set.
fn sensitivity(
    inputs: &Inputs<'_>,
    profiles: &Profiles,
    one: &DataFrame,
    person: &PersonUsage,
) -> anyhow::Result<Vec<usage::sensitivity::DaySensitivity>> {
    let models = usage::sensitivity::models(inputs.config.params());
    let mut under = Vec::new();
    for m in &models {
        under.push((m, analyse_one(inputs, profiles, one, m.params)?));
    }
    let refs: Vec<_> = under.iter().map(|(m, p)| (*m, p.as_ref())).collect();
    Ok(usage::sensitivity::of_person(person, &refs, inputs.policy))
}

/// The source files the subject's events come from (source ids).
fn sources_used(events: &DataFrame) -> anyhow::Result<BTreeSet<String>> {
    Ok(events
        .column(col::SOURCE)?
        .str()?
        .iter()
        .flatten()
        .map(String::from)
        .collect())
}

/// Silences of the pack's source files in working hours over the period
/// (every event of those files, not only the subject's: one pass over `ts`
/// and `source`), by source and start.
fn gaps(
    store: &Store,
    range: &Range,
    plan: &Person<'_>,
    used: &BTreeSet<String>,
) -> anyhow::Result<Vec<pack::GapRow>> {
    let mut silences = crate::usage::coverage::Coverage::default();
    scan::each_day(
        store,
        &[col::TS, col::SOURCE],
        &scan::Filter {
            range: range.clone(),
            users: None,
        },
        |_, df| silences.push_sources(&df, plan),
    )?;
    let mut rows: Vec<pack::GapRow> = silences
        .gaps
        .iter()
        .filter(|g| used.contains(&g.source))
        .map(|g| pack::GapRow {
            source: g.source.clone(),
            start_utc: pack::utc(g.start_ms),
            end_utc: pack::utc(g.end_ms),
            minutes: (g.end_ms - g.start_ms) / 60_000,
        })
        .collect();
    rows.sort_by(|a, b| a.source.cmp(&b.source).then(a.start_utc.cmp(&b.start_utc)));
    Ok(rows)
}

/// The pack's files, by name under `data/` (README.md, "Evidence packs"):
/// report.html, summary.json, sessions.csv, events.csv, sources.csv,
/// authorisation.toml and its signature, allowed_signers, method.json,
/// audit.jsonl.
#[allow(clippy::too_many_arguments)]
fn files(
    inputs: &Inputs<'_>,
    (admitted, purpose): (&Admitted, Purpose),
    summary: &Summary,
    sessions: &[pack::SessionRow],
    plan: &Person<'_>,
    records: &[manifest::SourceRecord],
    used: &BTreeSet<String>,
    background: &BTreeSet<usize>,
) -> anyhow::Result<BTreeMap<String, Vec<u8>>> {
    let a = &admitted.authorisation;
    let store = inputs.store;
    let made_at = inputs.now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let fingerprint = crate::signing::fingerprint(&store.signing_key().verifying_key());
    let html = report::render(&report::ReportData {
        auth: a,
        signer: &admitted.signer,
        summary,
        sessions,
        schedule: plan,
        config: inputs.config,
        policy: inputs.policy,
        operator: inputs.operator,
        made_at: &made_at,
        audit_hash: inputs.granted_hash,
        key_fingerprint: &fingerprint,
        purpose,
    });
    let audit = crate::audit::read(store.root())?;
    Ok(BTreeMap::from([
        ("report.html".into(), html.into_bytes()),
        ("summary.json".into(), serde_json::to_vec_pretty(summary)?),
        ("sessions.csv".into(), pack::sessions_csv(sessions)?),
        (
            "events.csv".into(),
            pack::events_csv(&admitted.subject.events, plan, background)?,
        ),
        ("sources.csv".into(), pack::sources_csv(records, used)?),
        ("authorisation.toml".into(), inputs.record.to_vec()),
        (
            "authorisation.toml.sig".into(),
            inputs.record_signature.as_bytes().to_vec(),
        ),
        (
            "allowed_signers".into(),
            allowed_signers(&admitted.signer, &admitted.registration.1, store).into_bytes(),
        ),
        (
            "authoriser-registration.toml".into(),
            admitted.registration.0.text.clone().into_bytes(),
        ),
        (
            "authoriser-registration.toml.sig".into(),
            format!("{}\n", admitted.registration.0.signature.trim()).into_bytes(),
        ),
        (
            "method.json".into(),
            serde_json::to_vec_pretty(&pack::method(inputs.config, inputs.policy, inputs.now))?,
        ),
        (
            "audit.jsonl".into(),
            pack::audit_lines(&audit, &a.reference, &a.subject.key())?,
        ),
    ]))
}

/// The OpenSSH `allowed_signers` file (ssh-keygen(1), "ALLOWED SIGNERS")
/// that lets `ssh-keygen -Y verify` check the pack's three signatures: the
/// authoriser's over the record (principal `authoriser`, namespace
/// `netusage-authorisation`), the registrar's over the change that
/// registered the authoriser (principal `registrar`, namespace
/// `netusage-registry`) and the store's over the tag manifest (principal
/// `netusage-store`, namespace `netusage-pack`). The keys in it are the
/// pack's own word: HR checks the registrar's against the key the
/// registrar gave them, and the store's against the one ICT gave them.
pub fn allowed_signers(
    signer: &crate::store::registry::Person,
    registrar: &str,
    store: &Store,
) -> String {
    let store_key = crate::sshsig::public_key_of(store.signing_key(), "");
    let registrar_fp = crate::sshsig::parse_public_key(registrar)
        .map(|k| crate::sshsig::fingerprint(&k))
        .unwrap_or_default();
    format!(
        "# the registrar: {registrar_fp}\nregistrar namespaces=\"{}\" {registrar}\n\
         # {} ({}, staff id {}): {}\nauthoriser namespaces=\"{}\" {}\n# the store {}: {}\nnetusage-store namespaces=\"{}\" {}\n",
        crate::sshsig::REGISTRY,
        signer.name,
        signer.role,
        signer.staff_id,
        signer.fingerprint,
        crate::sshsig::AUTHORISATION,
        signer.key,
        store.info().store_id,
        crate::sshsig::fingerprint(&store_key),
        crate::sshsig::PACK,
        crate::sshsig::key_line(&store_key)
    )
}

/// Writes `pack` as a BagIt bag (RFC 8493) signed with the store's key,
/// built in a hidden folder beside `out_dir` (`.<name>.tmp-<pid>`) and
/// renamed into place in one step: no partial pack is ever visible.
/// `bag_info` lists `bag-info.txt`'s fields; the bagging date is `now`'s UTC
/// date.
///
/// # Errors
/// I/O errors; the hidden folder is removed on error.
pub fn write(
    pack: &Pack,
    out_dir: &Path,
    bag_info: &[(&str, String)],
    now: DateTime<Utc>,
    key: &ed25519_dalek::SigningKey,
) -> anyhow::Result<()> {
    let parent = out_dir.parent().unwrap_or(Path::new("."));
    crate::fsutil::create_dir_all(parent)?;
    let name = out_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = parent.join(format!("{}{}", hidden_prefix(&name), std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = bagit::write_bag(
        &tmp,
        &pack.files,
        &now.format("%Y-%m-%d").to_string(),
        bag_info,
    )
    .and_then(|()| signature::sign_bag(&tmp, key))
    .and_then(|()| signature::sign_bag_ssh(&tmp, key))
    .and_then(|()| std::fs::rename(&tmp, out_dir).map_err(anyhow::Error::from));
    if written.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    written
}

/// The name of the hidden folder a pack `name` is built in, but for the
/// building process's id: `.<name>.tmp-`.
fn hidden_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// Removes the hidden folders `.<name>.tmp-<pid>` beside `out_dir` (named
/// `<name>`) whose process `pid` no longer runs (`kill(pid, 0)` says there
/// is no such process): the unfinished packs of reports of the same pack
/// that were killed. They hold the subject's events, unsigned, and nothing
/// else would ever remove them. Only names [`write`] makes are touched (the
/// pid in plain decimal, as the system gives it); a folder whose process
/// still runs, or anything but a folder, is left alone.
///
/// Returns the folders removed (absolute paths) and, for each that could
/// not be removed, why: the report goes on without it.
pub fn clear_unfinished(out_dir: &Path) -> (Vec<PathBuf>, Vec<String>) {
    let (mut cleared, mut problems) = (Vec::new(), Vec::new());
    let parent = out_dir.parent().unwrap_or(Path::new("."));
    let Some(name) = out_dir.file_name().and_then(|n| n.to_str()) else {
        return (cleared, problems);
    };
    let prefix = hidden_prefix(name);
    let Ok(listing) = std::fs::read_dir(parent) else {
        return (cleared, problems);
    };
    for entry in listing.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = (file_name.to_str())
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|p| {
                p.parse::<i32>()
                    .ok()
                    .filter(|n| *n > 0 && n.to_string() == p)
            })
        else {
            continue;
        };
        let gone = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None)
            == Err(nix::errno::Errno::ESRCH);
        if !gone || !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = std::path::absolute(entry.path()).unwrap_or_else(|_| entry.path());
        match std::fs::remove_dir_all(&path) {
            Ok(()) => cleared.push(path),
            Err(e) => problems.push(format!(
                "cannot remove the unfinished pack {}: {e}",
                path.display()
            )),
        }
    }
    (cleared, problems)
}
