//! `netusage report`: the evidence pack for HR, made only under a valid
//! authorisation record.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chrono::{DateTime, Days, SecondsFormat, Utc};
use clap::Args;

use super::{StoreArgs, parse_now};
use crate::audit::{self, AuthRef, Draft, FileHash};
use crate::config::Config;
use crate::error::ExitError;
use crate::event::col;
use crate::evidence::authorisation::{self, GateContext};
use crate::evidence::{bagit, pack, report};
use crate::retention;
use crate::store::scan::{self, Range};
use crate::store::{Store, manifest};
use crate::usage;

/// Make the evidence pack for HR, under an authorisation record.
///
/// The pack covers the one subject and period the record names. It is a
/// BagIt bag: report.html, summary.json, sessions.csv, events.csv,
/// sources.csv, authorisation.toml, method.json, audit.jsonl.
///
/// Refused (exit code 3, no pack at all) when the record is incomplete or
/// malformed, the authoriser is the requester or the operator, it is not yet
/// valid or has expired, the period is empty, ends after the expiry or starts
/// before the retention window, or the subject matches no event. Every
/// attempt, granted or refused, is written to the audit log with the record's
/// SHA-256.
#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The authorisation record (TOML; see examples/authorisation.toml).
    #[arg(long, value_name = "FILE")]
    pub authorisation: PathBuf,
    /// Configuration file (schedule, browse time, policy, retention).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Folder the pack is written into, as <out>/<reference>/.
    #[arg(long, value_name = "DIR", default_value = "evidence-packs")]
    pub out: PathBuf,
    /// Who is making the pack (default: NETUSAGE_OPERATOR, else the login name).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// The current time (RFC 3339); defaults to the clock.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
}

fn audit(
    store: &Store,
    operator: &str,
    auth: Option<AuthRef>,
    input: FileHash,
    result: String,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> anyhow::Result<audit::Entry> {
    let draft = Draft {
        operator: operator.to_string(),
        command: "report".into(),
        arguments: audit::process_arguments(),
        authorisation: auth,
        inputs: vec![input],
        result,
        details,
        ..Default::default()
    };
    audit::append(store.root(), draft, now)
}

/// Runs `netusage report`.
///
/// # Errors
/// Exit 3 when the gate refuses; exit 1 for store or I/O errors.
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    let now = args.now.unwrap_or_else(Utc::now);
    let operator = args.operator.clone().unwrap_or_else(audit::operator);
    let config = Config::load(args.config.as_deref())?;
    let schedule = config.schedule()?;
    let policy = config.policy()?;
    let bytes = std::fs::read(&args.authorisation).map_err(|e| {
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

    let refuse = |reference: Option<String>, problems: Vec<String>| -> anyhow::Result<()> {
        let auth = reference.map(|r| AuthRef {
            reference: r,
            sha256: sha.clone(),
        });
        let details = serde_json::json!({ "problems": problems });
        audit(
            &store,
            &operator,
            auth,
            input.clone(),
            format!("refused: {} problem(s)", problems.len()),
            details,
            now,
        )?;
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
            return refuse(reference, problems);
        }
    };
    let period_start =
        DateTime::from_timestamp_millis(schedule.day_start(a.period.from)).unwrap_or(now);
    let cx = GateContext {
        operator: &operator,
        now,
        retention_cutoff: retention::cutoff(now, config.retention.days),
        period_start,
    };
    let mut problems = authorisation::check(&a, &cx);
    let out_dir = args.out.join(&a.reference);
    if out_dir.exists() {
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
        let all = scan::scan(
            &store,
            &range,
            &crate::event::schema()
                .iter_names()
                .map(|n| n.as_str())
                .collect::<Vec<_>>(),
        )?;
        let s = pack::subject_events(&all, &a, store.key())?;
        if s.is_none() {
            problems.push(format!("the subject (users {:?}, pseudonym {:?}, ips {:?}) matches no event in the store between {} and {}", a.subject.users, a.subject.pseudonym, a.subject.ips, a.period.from, a.period.to));
        }
        s
    } else {
        None
    };
    let (Some(subject), true) = (subject, problems.is_empty()) else {
        return refuse(Some(a.reference.clone()), problems);
    };

    let auth_ref = AuthRef {
        reference: a.reference.clone(),
        sha256: sha.clone(),
    };
    let granted = audit(
        &store,
        &operator,
        Some(auth_ref.clone()),
        input.clone(),
        "granted".into(),
        serde_json::json!({ "subject_events": subject.events.height(), "period": [a.period.from, a.period.to] }),
        now,
    )?;
    let one = pack::as_one_person(&subject)?;
    let people = usage::analyse(&one, store.key(), config.params(), &schedule, &policy)?;
    let person = people
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("no browse time could be computed"))?;
    let sessions = pack::session_rows(&person, &one, &schedule)?;
    let summary = pack::summary(&a, &subject, &person, &config);
    let used: BTreeSet<String> = subject
        .events
        .column(col::SOURCE)?
        .str()?
        .iter()
        .flatten()
        .map(String::from)
        .collect();
    let made_at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
    let html = report::render(&report::ReportData {
        auth: &a,
        summary: &summary,
        sessions: &sessions,
        schedule: &schedule,
        config: &config,
        operator: &operator,
        made_at: &made_at,
        audit_hash: &granted.hash,
    });
    let mut payload: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    payload.insert("report.html".into(), html.into_bytes());
    payload.insert("summary.json".into(), serde_json::to_vec_pretty(&summary)?);
    payload.insert("sessions.csv".into(), pack::sessions_csv(&sessions)?);
    payload.insert(
        "events.csv".into(),
        pack::events_csv(&subject.events, &schedule)?,
    );
    payload.insert(
        "sources.csv".into(),
        pack::sources_csv(&manifest::read(&store.manifest_path())?, &used)?,
    );
    payload.insert("authorisation.toml".into(), bytes.clone());
    payload.insert(
        "method.json".into(),
        serde_json::to_vec_pretty(&pack::method(&config, &policy, now))?,
    );
    payload.insert(
        "audit.jsonl".into(),
        pack::audit_lines(&audit::read(store.root())?, &a.reference)?,
    );

    // Built beside its final place and renamed in one step: no partial pack is ever visible.
    std::fs::create_dir_all(&args.out)?;
    let tmp = args
        .out
        .join(format!(".{}.tmp-{}", a.reference, std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let info = [
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
    ];
    let written = bagit::write_bag(&tmp, &payload, &now.format("%Y-%m-%d").to_string(), &info)
        .and_then(|()| std::fs::rename(&tmp, &out_dir).map_err(anyhow::Error::from));
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&tmp);
        audit(
            &store,
            &operator,
            Some(auth_ref),
            input,
            format!("error: {e:#}"),
            serde_json::Value::Null,
            now,
        )?;
        return Err(e);
    }
    let tag_sha = crate::store::sha256_file(&out_dir.join("tagmanifest-sha256.txt"))?;
    let done = audit::append(
        store.root(),
        Draft {
            operator: operator.clone(),
            command: "report".into(),
            arguments: audit::process_arguments(),
            authorisation: Some(auth_ref),
            inputs: vec![input],
            outputs: vec![FileHash {
                path: out_dir.join("tagmanifest-sha256.txt").display().to_string(),
                sha256: tag_sha,
            }],
            result: "ok: pack written".into(),
            details: serde_json::json!({ "events": summary.events, "sessions": sessions.len(), "flagged": summary.flagged }),
        },
        now,
    )?;
    println!("evidence pack written: {}", out_dir.display());
    println!(
        "  {} events, {} sessions; flagged by the policy: {}",
        summary.events,
        sessions.len(),
        if summary.flagged { "yes" } else { "no" }
    );
    println!("  check it with: netusage verify {}", out_dir.display());
    println!(
        "  audit entries {} and {} (last hash {})",
        granted.seq, done.seq, done.hash
    );
    Ok(())
}
