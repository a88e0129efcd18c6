//! `netusage report`: the evidence pack for HR, made only under a valid
//! authorisation record, by the system clock, and signed with the store's key.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use super::{ProfileArgs, StoreArgs};
use crate::audit::{self, AuthRef, Draft, FileHash};
use crate::error::ExitError;
use crate::evidence::build::{self, Inputs, Pack};
use crate::evidence::gate::{self, Admitted, Purpose, Refusal, Request};
use crate::store::Store;

/// Make the evidence pack for HR, under a signed authorisation record.
///
/// The pack covers the one subject and period the record names. It is a
/// BagIt bag, signed with the store's key (Ed25519, and SSHSIG for
/// `ssh-keygen -Y verify`): report.html, summary.json, sessions.csv,
/// events.csv, sources.csv, authorisation.toml and its signature,
/// allowed_signers, method.json, audit.jsonl.
///
/// Refused (exit code 3, no pack at all) when the record has no signature
/// (FILE.sig, `ssh-keygen -Y sign -n netusage-authorisation`) by an
/// authoriser the store's registrar registered and has not revoked; when the
/// signer is the requester (staff id) or the operator (OS login registered to
/// them): people are compared by key and staff id, never by name; when it
/// asks for covert monitoring without covert authority; when it is
/// incomplete or malformed, runs over 90 days or covers over twelve months,
/// is not yet valid or has expired by the system clock, its period is empty,
/// ends after the expiry or starts before the retention window, the subject
/// resolves to several accounts without `same_person`, it matches no event,
/// or the reference already has a pack (unless --supersede). Every attempt,
/// granted or refused, is written to the audit log with the record's SHA-256.
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
    /// Your own category rules (TOML), as given to `usage` and `flags`: the
    /// pack's figures then equal theirs.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// Whose rules and hours apply.
    #[command(flatten)]
    pub profile: ProfileArgs,
    /// Folder the pack is written into, as `<out>/<reference>/` (and
    /// `<out>/<reference>-r<N>/` for the Nth pack of a reference).
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

/// Runs `netusage report`: [`make`] for an investigation.
///
/// # Errors
/// As [`make`].
pub fn run(args: ReportArgs) -> anyhow::Result<()> {
    make(args, Purpose::Investigation)
}

/// Makes a pack for `purpose`: the gate ([`gate::admit`]), the audit entry
/// that grants or refuses, the pack ([`build::build`], [`build::write`]) and
/// the entry that records it. `report` and `subject-access` differ only in
/// the records their gate admits and in how the page addresses its reader.
///
/// # Errors
/// Exit 3 when the gate refuses; exit 2 for a bad config or an empty
/// --supersede; exit 1 for store or I/O errors.
pub fn make(args: ReportArgs, purpose: Purpose) -> anyhow::Result<()> {
    let now = crate::clock::now();
    let login = audit::os_login();
    let display = audit::display_name(args.operator.as_deref());
    let config = (args.profile).config(&args.store.store, args.config.as_deref())?;
    let (mut profiles, profile_files) = config.profiles()?;
    let policy = config.policy()?;
    let supersede = (args.supersede.as_deref())
        .map(|r| audit::reason("--supersede", r).map_err(ExitError::usage))
        .transpose()?;
    let (bytes, sha) = read_record(&args)?;
    let store = Store::open_locked(&args.store.store)?;
    let signature = read_signature(&args.authorisation);
    let signed = signature.as_ref().ok().and_then(Option::as_deref);
    let template = audit_template(
        &args,
        purpose,
        display.clone(),
        &config,
        &profile_files,
        (&sha, signed),
    );
    let draft = |reference: Option<&str>, result: String, details| {
        authorised(&template, reference, &sha, result, details)
    };
    let request = Request {
        record: &String::from_utf8_lossy(&bytes),
        signature: signature
            .as_ref()
            .map(Option::as_deref)
            .map_err(String::as_str),
        login: &login,
        supersede: supersede.as_deref(),
        out: &args.out,
        allow_unknown_user: args.profile.allow_unknown_user,
        categories: args.categories.as_deref(),
        purpose,
    };
    let admitted = match gate::admit(&store, (&config, &policy), &profiles, &request, now)? {
        Ok(admitted) => admitted,
        Err(refusal) => return refuse(&args, &store, refusal, draft),
    };
    let (a, out_dir) = (&admitted.authorisation, &admitted.out_dir);
    let granted = store.audit(draft(
        Some(&a.reference),
        "granted".into(),
        granted_details(&admitted),
    ))?;
    let operator = operator_words(admitted.operator.as_ref(), display.as_deref(), &login);
    let inputs = Inputs {
        store: &store,
        config: &config,
        policy: &policy,
        record: &bytes,
        record_signature: signature
            .as_ref()
            .ok()
            .and_then(Option::as_deref)
            .unwrap_or(""),
        now,
        operator: &operator,
        granted_hash: &granted.hash,
        no_line_text: args.no_line_text,
    };
    let fingerprint = crate::signing::fingerprint(&store.signing_key().verifying_key());
    let info = bag_info(&admitted, purpose, &operator, &granted.hash, &fingerprint);
    let (cleared, uncleared) = build::clear_unfinished(out_dir);
    for folder in &cleared {
        crate::stderr_line!(
            "note: removed {}, the unfinished pack of an earlier report of this reference that was stopped \
             before it ended (its process is no longer running)",
            folder.display()
        );
    }
    for why in &uncleared {
        crate::stderr_line!("warning: {why}");
    }
    let removed = |details: &mut serde_json::Value| {
        if !cleared.is_empty() {
            details["removed_unfinished"] =
                cleared.iter().map(|p| p.display().to_string()).collect();
        }
    };
    let built = build::build(&inputs, &mut profiles, &admitted, purpose).and_then(|pack| {
        build::write(&pack, out_dir, &info, now, store.signing_key()).map(|()| pack)
    });
    let pack = match built {
        Ok(pack) => pack,
        Err(e) => {
            let mut subject = serde_json::json!({ "subject_key": a.subject.key() });
            removed(&mut subject);
            store.audit(draft(Some(&a.reference), format!("error: {e:#}"), subject))?;
            return Err(e);
        }
    };
    let mut details = written_details(&pack, &fingerprint, &a.subject.key());
    removed(&mut details);
    let mut d = draft(Some(&a.reference), "ok: pack written".into(), details);
    d.outputs = vec![tagmanifest(out_dir)?];
    let done = store.audit(d)?;
    print_written(purpose, out_dir, &pack, &fingerprint, (granted.seq, &done))
}

/// Who made the pack, in the words the pack and `bag-info.txt` print: the
/// registered person whose login this is (name, role, staff id), else the
/// name given with `--operator`, else the login alone, said to be only a
/// login (a pack must not read "made by root" as if that were a person).
fn operator_words(
    registered: Option<&crate::store::registry::Person>,
    given: Option<&str>,
    login: &str,
) -> String {
    match (registered, given) {
        (Some(p), _) => format!(
            "{} ({}, staff id {}; operating-system login {login})",
            p.name, p.role, p.staff_id
        ),
        (None, Some(name)) => format!("{name} (operating-system login {login})"),
        (None, None) => format!(
            "the operating-system login {login} (no name was given with --operator, and the login is not \
             registered to anyone)"
        ),
    }
}

/// What every audit entry of one `report` run shares: the operator's
/// name, the configuration, and the files read (the record, its signature
/// when there is one, people and leave) with their SHA-256. `record` is the
/// record's SHA-256 and its signature's text.
fn audit_template(
    args: &ReportArgs,
    purpose: Purpose,
    operator_name: Option<String>,
    config: &crate::config::Config,
    profile_files: &[crate::config::ConfigSource],
    (record_sha, signature): (&str, Option<&str>),
) -> Draft {
    let mut template = Draft::new(
        match purpose {
            Purpose::Investigation => "report",
            Purpose::SubjectAccess => "subject-access",
        },
        "",
    );
    template.operator_name = operator_name;
    template.config = Some(config.audit_record());
    let record = (
        args.authorisation.display().to_string(),
        record_sha.to_string(),
    );
    let files = profile_files
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()));
    let signature = signature.map(|text| {
        let path = crate::store::registry::signature_path(&args.authorisation);
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(text.as_bytes()));
        (path.display().to_string(), sha)
    });
    template.inputs = std::iter::once(record)
        .chain(signature)
        .chain(files)
        .map(|(path, sha256)| FileHash { path, sha256 })
        .collect();
    template
}

/// An audit entry of this run: `template` with the record's reference and
/// SHA-256 (when the record could be read), the result and the details.
fn authorised(
    template: &Draft,
    reference: Option<&str>,
    sha: &str,
    result: String,
    details: serde_json::Value,
) -> Draft {
    Draft {
        authorisation: reference.map(|r| AuthRef {
            reference: r.to_string(),
            sha256: sha.to_string(),
        }),
        result,
        details,
        ..template.clone()
    }
}

/// The authorisation record's bytes and their SHA-256 (hex).
///
/// # Errors
/// The file cannot be read (not a regular file, or too large).
fn read_record(args: &ReportArgs) -> anyhow::Result<(Vec<u8>, String)> {
    let bytes = crate::fsutil::read_input(&args.authorisation, crate::fsutil::SMALL_INPUT_MAX)
        .map_err(|e| {
            let path = args.authorisation.display();
            ExitError::usage(format!("cannot read authorisation record {path}: {e}"))
        })?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
    Ok((bytes, sha))
}

/// The record's detached signature (`<record>.sig`): `Ok(None)` when there
/// is none, `Err(why)` when it is there but cannot be read (a special file,
/// too large): the gate refuses either, and audits it.
fn read_signature(record: &std::path::Path) -> Result<Option<String>, String> {
    let path = crate::store::registry::signature_path(record);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(None);
    }
    crate::fsutil::read_input(&path, crate::fsutil::SMALL_INPUT_MAX)
        .map(|bytes| Some(String::from_utf8_lossy(&bytes).into_owned()))
        .map_err(|e| format!("cannot read the record's signature {}: {e}", path.display()))
}

/// Audits a refusal and returns it as exit 3 with every problem listed.
fn refuse(
    args: &ReportArgs,
    store: &Store,
    refusal: Refusal,
    draft: impl Fn(Option<&str>, String, serde_json::Value) -> Draft,
) -> anyhow::Result<()> {
    let Refusal {
        reference,
        subject_key,
        problems,
    } = refusal;
    let details = serde_json::json!({ "problems": problems, "subject_key": subject_key });
    let result = format!("refused: {} problem(s)", problems.len());
    store.audit(draft(reference.as_deref(), result, details))?;
    let list: String = problems.iter().map(|p| format!("\n  - {p}")).collect();
    Err(anyhow::Error::new(ExitError {
        code: 3,
        message: format!(
            "refused: the authorisation record {} does not allow a pack:{list}\nNo pack was written; the attempt is in the audit log.",
            args.authorisation.display()
        ),
    }))
}

/// The details of the audit entry that grants a pack.
fn granted_details(admitted: &Admitted) -> serde_json::Value {
    let a = &admitted.authorisation;
    serde_json::json!({
        "subject_events": admitted.subject.events.height(),
        "accounts": admitted.subject.users.len(),
        "period": [a.period.from, a.period.to],
        "pack": admitted.out_dir.display().to_string(),
        "supersedes": admitted.supersedes,
        "subject_key": a.subject.key(),
    })
}

/// The fields of the pack's `bag-info.txt` (RFC 8493, 2.2.2).
fn bag_info(
    admitted: &Admitted,
    purpose: Purpose,
    operator: &str,
    granted_hash: &str,
    fingerprint: &str,
) -> Vec<(&'static str, String)> {
    let a = &admitted.authorisation;
    let what = match purpose {
        Purpose::Investigation => "netusage evidence pack: internet usage",
        Purpose::SubjectAccess => "netusage subject access copy: the internet usage records",
    };
    let mut info = vec![
        ("External-Identifier", a.reference.clone()),
        (
            "External-Description",
            format!(
                "{what} of employee {} from {} to {}",
                a.subject.employee_id, a.period.from, a.period.to
            ),
        ),
        (
            "Bag-Software-Agent",
            format!("netusage {}", env!("CARGO_PKG_VERSION")),
        ),
        ("Contact-Name", operator.to_string()),
        ("Audit-Entry-Hash", granted_hash.to_string()),
        ("Signing-Key-Fingerprint", fingerprint.to_string()),
    ];
    if let Some(prev) = &admitted.supersedes {
        info.push((
            "Supersedes",
            format!(
                "{} (tagmanifest SHA-256 {}, granted in audit entry {}): {}",
                prev.pack, prev.tagmanifest_sha256, prev.granted_seq, prev.reason
            ),
        ));
    }
    info
}

/// The pack's tag manifest (it covers every other manifest) with its
/// SHA-256, the output the audit entry records.
///
/// # Errors
/// The file cannot be read.
fn tagmanifest(out_dir: &std::path::Path) -> anyhow::Result<FileHash> {
    let path = out_dir.join("tagmanifest-sha256.txt");
    Ok(FileHash {
        sha256: crate::store::sha256_file(&path)?,
        path: path.display().to_string(),
    })
}

/// The details of the audit entry that records a written pack.
fn written_details(pack: &Pack, fingerprint: &str, subject_key: &str) -> serde_json::Value {
    serde_json::json!({
        "events": pack.summary.events,
        "sessions": pack.sessions,
        "flagged": pack.summary.flagged,
        "signing_key": fingerprint,
        "subject_key": subject_key,
    })
}

/// What `report` prints once the pack is written and audited.
fn print_written(
    purpose: Purpose,
    out_dir: &std::path::Path,
    pack: &Pack,
    fingerprint: &str,
    (granted_seq, done): (u64, &audit::Entry),
) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let what = match purpose {
        Purpose::Investigation => "evidence pack",
        Purpose::SubjectAccess => "subject access copy",
    };
    writeln!(out, "{what} written: {}", out_dir.display())?;
    writeln!(
        out,
        "  {} events, {} sessions; flagged by the policy: {}",
        pack.summary.events,
        pack.sessions,
        if pack.summary.flagged { "yes" } else { "no" }
    )?;
    writeln!(
        out,
        "  signed with the store key {fingerprint}; check it with: netusage verify {} --public-key FILE",
        out_dir.display()
    )?;
    writeln!(
        out,
        "  audit entries {granted_seq} and {} (last hash {})",
        done.seq, done.hash
    )?;
    Ok(())
}
