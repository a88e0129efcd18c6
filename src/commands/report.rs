//! `netusage report`: the evidence pack for HR, made only under a valid
//! authorisation record, by the system clock, and signed with the store's key.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use chrono::{DateTime, Days, SecondsFormat, Utc};
use clap::Args;

use super::{ProfileArgs, StoreArgs};
use crate::audit::{self, AuthRef, Draft, FileHash};
use crate::error::ExitError;
use crate::event::col;
use crate::evidence::authorisation::{self, GateContext};
use crate::evidence::{bagit, pack, report, signature};
use crate::retention;
use crate::store::scan::{self, Range};
use crate::store::{Store, manifest};
use crate::usage;
use crate::usage::schedule::Plan;

/// Make the evidence pack for HR, under an authorisation record.
///
/// The pack covers the one subject and period the record names. It is a
/// BagIt bag, signed with the store's Ed25519 key: report.html,
/// summary.json, sessions.csv, events.csv, sources.csv, authorisation.toml,
/// method.json, audit.jsonl.
///
/// Refused (exit code 3, no pack at all) when the record is incomplete or
/// malformed, the authoriser is the requester or the operator (names
/// compared after normalisation), it is not yet valid or has expired by the
/// system clock, the period is empty, ends after the expiry or starts before
/// the retention window, the subject resolves to several accounts without
/// `same_person`, it matches no event, or the reference already has a pack
/// (unless --supersede). Every attempt, granted or refused, is written to
/// the audit log with the record's SHA-256.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The authorisation record (TOML; see examples/authorisation.toml).
    #[arg(long, value_name = "FILE")]
    pub authorisation: PathBuf,
    /// Configuration file (schedule, browse time, policy, retention, realms).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Whose rules and hours apply.
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// Folder the pack is written into, as <out>/<reference>/ (and
    /// <out>/<reference>-r<N>/ for the Nth pack of a reference).
    #[arg(long, value_name = "DIR", default_value = "evidence-packs")]
    pub out: PathBuf,
    /// Your name as it should appear in the pack and the audit log, beside
    /// your login (which is always recorded and cannot be replaced).
    #[arg(long, value_name = "NAME", env = "NETUSAGE_OPERATOR")]
    pub operator: Option<String>,
    /// Make a new pack for a reference that already has one; the reason is
    /// required, and the new pack names the one it supersedes.
    #[arg(long, value_name = "REASON")]
    pub supersede: Option<String>,
    /// Do not read each session's first and last log line back from the
    /// source files (each line is quoted only after the stretch of the file
    /// holding it is checked against the SHA-256 kept at ingest; a
    /// compressed file is decompressed and hashed whole); the pack then
    /// cites them by file and line only.
    #[arg(long)]
    pub no_line_text: bool,
}

/// The earlier packs of a reference, from the audit log: how many were
/// granted, and the last one (with where it was written).
fn earlier_packs(entries: &[audit::Entry], reference: &str) -> (usize, Option<pack::Supersedes>) {
    let of_ref = |e: &&audit::Entry| {
        e.command == "report"
            && e.authorisation
                .as_ref()
                .is_some_and(|a| a.reference == reference)
    };
    let granted: Vec<&audit::Entry> = entries
        .iter()
        .filter(of_ref)
        .filter(|e| e.result == "granted")
        .collect();
    let written = entries
        .iter()
        .filter(of_ref)
        .rfind(|e| e.result == "ok: pack written")
        .and_then(|w| w.outputs.first());
    let last = granted.last().map(|g| pack::Supersedes {
        reason: String::new(),
        pack: g
            .details
            .get("pack")
            .and_then(|p| p.as_str())
            .unwrap_or("(not recorded)")
            .to_string(),
        tagmanifest_sha256: written.map(|o| o.sha256.clone()).unwrap_or_default(),
        granted_seq: g.seq,
        granted_hash: g.hash.clone(),
    });
    (granted.len(), last)
}

/// Runs `netusage report`.
///
/// # Errors
/// Exit 3 when the gate refuses; exit 2 for a bad config or an empty
/// --supersede; exit 1 for store or I/O errors.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let now = crate::clock::now();
    let login = audit::os_login();
    let display = audit::display_name(args.operator.as_deref());
    let config = args
        .profile
        .config(&args.store.store, args.config.as_deref())?;
    let (mut profiles, profile_files) = config.profiles()?;
    let schedule = profiles.default_schedule().clone();
    let policy = config.policy()?;
    let supersede = args
        .supersede
        .as_deref()
        .map(|r| crate::audit::reason("--supersede", r))
        .transpose()
        .map_err(ExitError::usage)?;
    let supersede = supersede.as_deref();
    let bytes = crate::fsutil::read_input(&args.authorisation, crate::fsutil::SMALL_INPUT_MAX)
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot read authorisation record {}: {e}",
                args.authorisation.display()
            )
        })?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    let input = FileHash {
        path: args.authorisation.display().to_string(),
        sha256: sha.clone(),
    };
    let store = Store::open_locked(&args.store.store)?;
    let text = String::from_utf8_lossy(&bytes);
    let draft = |auth: Option<AuthRef>, result: String, details: serde_json::Value| Draft {
        command: "report".into(),
        operator_name: display.clone(),
        config: Some(config.audit_record()),
        authorisation: auth,
        inputs: std::iter::once(input.clone())
            .chain(profile_files.iter().map(|f| FileHash {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
            }))
            .collect(),
        result,
        details,
        ..Default::default()
    };
    let refuse = |reference: Option<String>,
                  subject_key: Option<String>,
                  problems: Vec<String>|
     -> anyhow::Result<()> {
        let auth = reference.map(|r| AuthRef {
            reference: r,
            sha256: sha.clone(),
        });
        store.audit(draft(
            auth,
            format!("refused: {} problem(s)", problems.len()),
            serde_json::json!({ "problems": problems, "subject_key": subject_key }),
        ))?;
        let list: String = problems.iter().map(|p| format!("\n  - {p}")).collect();
        Err(anyhow::Error::new(ExitError {
            code: 3,
            message: format!(
                "refused: the authorisation record {} does not allow a pack:{list}\nNo pack was written; the attempt is in the audit log.",
                args.authorisation.display()
            ),
        }))
    };

    let a = match authorisation::parse(&text) {
        Ok(a) => a,
        Err(problems) => {
            let reference = toml::from_str::<toml::Value>(&text)
                .ok()
                .and_then(|v| v.get("reference")?.as_str().map(String::from));
            return refuse(reference, None, problems);
        }
    };
    let period_start =
        DateTime::from_timestamp_millis(schedule.day_start(a.period.from)).unwrap_or(now);
    let cx = GateContext {
        operator_login: &login,
        operator_name: display.as_deref(),
        now,
        retention_cutoff: retention::cutoff(now, config.retention.days),
        period_start,
    };
    let mut problems = authorisation::check(&a, &cx);
    let (granted_before, mut supersedes) = earlier_packs(&audit::read(store.root())?, &a.reference);
    match (supersedes.as_mut(), supersede) {
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
    let dir_name = if granted_before == 0 {
        a.reference.clone()
    } else {
        format!("{}-r{}", a.reference, granted_before + 1)
    };
    let out_dir = args.out.join(&dir_name);
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
    let subject = if problems.is_empty() {
        let schema = crate::event::schema();
        let columns: Vec<&str> = schema.iter_names().map(|n| n.as_str()).collect();
        let intervals = crate::store::identity::all(&store)?;
        if !args.profile.allow_unknown_user {
            crate::usage::pipeline::check_profile_users(&store, &profiles, &intervals)?;
        }
        let enricher = crate::enrich::Enricher::with_intervals(
            &store,
            intervals,
            None,
            config.identity.dns_window_s,
        )?;
        let period_users = || scan::users(&store, &range);
        let read = |accounts: &BTreeSet<String>| {
            let ms = |t: Option<DateTime<Utc>>, d: i64| t.map_or(d, |t| t.timestamp_millis());
            let (from_ms, to_ms) = (ms(range.from, i64::MIN), ms(range.to, i64::MAX));
            pack::read_attributed(
                accounts,
                &enricher,
                |wanted| {
                    let filter = scan::Filter {
                        range: range.clone(),
                        users: Some(wanted.iter().cloned().collect()),
                    };
                    scan::read(&store, &columns, &filter)
                },
                from_ms,
                to_ms,
            )
        };
        match pack::subject_events(&a, store.key(), &config.realms(), &period_users, &read)? {
            Ok(s) => Some(s),
            Err(p) => {
                problems.extend(p);
                None
            }
        }
    } else {
        None
    };
    let (Some(subject), true) = (subject, problems.is_empty()) else {
        return refuse(Some(a.reference.clone()), Some(a.subject.key()), problems);
    };

    let auth_ref = AuthRef {
        reference: a.reference.clone(),
        sha256: sha.clone(),
    };
    let granted = store.audit(draft(
        Some(auth_ref.clone()),
        "granted".into(),
        serde_json::json!({
            "subject_events": subject.events.height(),
            "accounts": subject.users.len(),
            "period": [a.period.from, a.period.to],
            "pack": out_dir.display().to_string(),
            "supersedes": supersedes,
            "subject_key": a.subject.key(),
        }),
    ))?;
    let one = pack::as_one_person(&subject)?;
    // The subject's schedules and leave, under the label the pack analyses
    // them by (the first of their accounts the people file names).
    if let Some(account) = subject.users.iter().find(|u| {
        !profiles.person(u).assignments().is_empty()
            || profiles.person(u).leave_days().next().is_some()
    }) {
        profiles.alias(&account.clone(), &subject.label);
    }
    let plan = profiles.person(&subject.label);
    let people = usage::analyse(&one, store.key(), config.params(), &profiles, &policy)?;
    let person = people
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no browse time could be computed"))?;
    let mut sessions = pack::session_rows(&person, &one, &plan)?;
    let records = manifest::read(&store.manifest_path())?;
    let raw_lines = if args.no_line_text {
        BTreeMap::new()
    } else {
        pack::add_line_texts(&mut sessions, &records, &|r| {
            crate::store::chain::read(&store, r)
        })
    };
    let mut summary = pack::summary(&a, &subject, &person, &config);
    summary.raw_lines = raw_lines;
    summary.coverage = pack::coverage_rows(&subject.events, &plan)?;
    // The identity records behind each attribution, one read per source.
    let mut wanted: BTreeMap<String, Vec<(u64, String, u64)>> = BTreeMap::new();
    for (label, events) in pack::identity_labels(&subject.events)? {
        if let Some((source, line)) = label
            .strip_prefix("identity:")
            .and_then(|r| r.rsplit_once(':'))
            .and_then(|(s, l)| Some((s.to_string(), l.parse::<u64>().ok()?)))
        {
            wanted
                .entry(source)
                .or_default()
                .push((line, label, events));
        }
    }
    for (source, lines) in wanted {
        let intervals = crate::store::identity::intervals(&store, &source)?;
        for (line, label, events) in lines {
            if let Some(iv) = intervals.iter().find(|iv| iv.line == line) {
                summary.attributions.push(pack::AttributionRow {
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
    for x in plan.assignments() {
        if x.from <= a.period.to && x.to.is_none_or(|to| to >= a.period.from) {
            summary.profile.push(format!(
                "schedule `{}` from {} to {} ({})",
                x.schedule,
                x.from,
                x.to.map_or("the end".to_string(), |t| t.to_string()),
                x.source
            ));
        }
    }
    for (date, leave) in plan.leave_days() {
        if (a.period.from..=a.period.to).contains(date) {
            summary
                .profile
                .push(format!("{date}: {} ({})", leave.kind, leave.source));
        }
    }
    // The same person under each model of the sensitivity set (one person's
    // events, already in memory).
    if person.flagged {
        let models = usage::sensitivity::models(config.params());
        let mut under = Vec::new();
        for m in &models {
            let p = usage::analyse(&one, store.key(), m.params, &profiles, &policy)?;
            under.push((m, p.into_iter().next()));
        }
        let refs: Vec<_> = under.iter().map(|(m, p)| (*m, p.as_ref())).collect();
        summary.sensitivity = usage::sensitivity::of_person(&person, &refs, &policy);
    }
    if subject.users.len() > 1 {
        let each = usage::analyse(
            &subject.events,
            store.key(),
            config.params(),
            &profiles,
            &policy,
        )?;
        summary.accounts = pack::account_rows(&each, &subject.events)?;
    }
    summary.supersedes = supersedes.clone();
    let operator = match &display {
        Some(name) => format!("{name} (login {login})"),
        None => login.clone(),
    };
    let used: BTreeSet<String> = subject
        .events
        .column(col::SOURCE)?
        .str()?
        .iter()
        .flatten()
        .map(String::from)
        .collect();
    // Silences of the pack's source files in working hours over the period
    // (every event of those files, not only the subject's: one pass over `ts`
    // and `source`).
    let mut silences = crate::usage::coverage::Coverage::default();
    scan::each_day(
        &store,
        &[col::TS, col::SOURCE],
        &scan::Filter {
            range: range.clone(),
            users: None,
        },
        |_, df| silences.push_sources(&df, &plan),
    )?;
    summary.gaps = silences
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
    summary
        .gaps
        .sort_by(|a, b| a.source.cmp(&b.source).then(a.start_utc.cmp(&b.start_utc)));
    let made_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let public = store.signing_key().verifying_key();
    let fingerprint = crate::signing::fingerprint(&public);
    let html = report::render(&report::ReportData {
        auth: &a,
        summary: &summary,
        sessions: &sessions,
        schedule: &plan,
        config: &config,
        operator: &operator,
        made_at: &made_at,
        audit_hash: &granted.hash,
        key_fingerprint: &fingerprint,
    });
    let mut payload: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    payload.insert("report.html".into(), html.into_bytes());
    payload.insert("summary.json".into(), serde_json::to_vec_pretty(&summary)?);
    payload.insert("sessions.csv".into(), pack::sessions_csv(&sessions)?);
    payload.insert(
        "events.csv".into(),
        pack::events_csv(
            &subject.events,
            &plan,
            &pack::background_rows(&person, &one)?,
        )?,
    );
    payload.insert("sources.csv".into(), pack::sources_csv(&records, &used)?);
    payload.insert("authorisation.toml".into(), bytes.clone());
    payload.insert(
        "method.json".into(),
        serde_json::to_vec_pretty(&pack::method(&config, &policy, now))?,
    );
    payload.insert(
        "audit.jsonl".into(),
        pack::audit_lines(&audit::read(store.root())?, &a.reference, &a.subject.key())?,
    );

    // Built beside its final place and renamed in one step: no partial pack is ever visible.
    crate::fsutil::create_dir_all(&args.out)?;
    let tmp = args
        .out
        .join(format!(".{dir_name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut info = vec![
        ("External-Identifier", a.reference.clone()),
        (
            "External-Description",
            format!(
                "netusage evidence pack: internet usage of employee {} from {} to {}",
                a.subject.employee_id, a.period.from, a.period.to
            ),
        ),
        (
            "Bag-Software-Agent",
            format!("netusage {}", env!("CARGO_PKG_VERSION")),
        ),
        ("Contact-Name", operator.clone()),
        ("Audit-Entry-Hash", granted.hash.clone()),
        ("Signing-Key-Fingerprint", fingerprint.clone()),
    ];
    if let Some(prev) = &supersedes {
        info.push((
            "Supersedes",
            format!(
                "{} (tagmanifest SHA-256 {}, granted in audit entry {}): {}",
                prev.pack, prev.tagmanifest_sha256, prev.granted_seq, prev.reason
            ),
        ));
    }
    let written = bagit::write_bag(&tmp, &payload, &now.format("%Y-%m-%d").to_string(), &info)
        .and_then(|()| signature::sign_bag(&tmp, store.signing_key()))
        .and_then(|()| std::fs::rename(&tmp, &out_dir).map_err(anyhow::Error::from));
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        store.audit(draft(
            Some(auth_ref),
            format!("error: {e:#}"),
            serde_json::json!({ "subject_key": a.subject.key() }),
        ))?;
        return Err(e);
    }
    let tag_sha = crate::store::sha256_file(&out_dir.join("tagmanifest-sha256.txt"))?;
    let mut d = draft(
        Some(auth_ref),
        "ok: pack written".into(),
        serde_json::json!({
            "events": summary.events,
            "sessions": sessions.len(),
            "flagged": summary.flagged,
            "signing_key": fingerprint,
            "subject_key": a.subject.key(),
        }),
    );
    d.outputs = vec![FileHash {
        path: out_dir.join("tagmanifest-sha256.txt").display().to_string(),
        sha256: tag_sha,
    }];
    let done = store.audit(d)?;
    writeln!(out, "evidence pack written: {}", out_dir.display())?;
    writeln!(
        out,
        "  {} events, {} sessions; flagged by the policy: {}",
        summary.events,
        sessions.len(),
        if summary.flagged { "yes" } else { "no" }
    )?;
    writeln!(
        out,
        "  signed with the store key {fingerprint}; check it with: netusage verify {} --public-key FILE",
        out_dir.display()
    )?;
    writeln!(
        out,
        "  audit entries {} and {} (last hash {})",
        granted.seq, done.seq, done.hash
    )?;
    Ok(())
}
