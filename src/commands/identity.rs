//! `netusage identity`: import the records that say who held an address
//! when (logons, DHCP leases, VPN accounting, CSV), and list what is imported.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use serde::Serialize;

use super::{StoreArgs, parse_now};
use crate::audit::{Draft, FileHash};
use crate::config::Config;
use crate::error::ExitError;
use crate::identity::intervals::{self, Interval};
use crate::identity::sources::assets::AssetRegister;
use crate::identity::sources::{self, ReadContext};
use crate::input::Compression;
use crate::output::{self, OutputFormat};
use crate::retention;
use crate::store::Store;
use crate::store::identity::{self as table, IdentitySource};

/// Import identity sources, or list the ones imported.
///
/// Events logged with only an address (a firewall, a transparent proxy) are
/// attributed to the person who held the address at the time, when events
/// are read (`usage`, `flags`, `report`), so an import fixes events already
/// stored. See README, "Attribution".
#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// The subcommand.
    #[command(subcommand)]
    pub command: IdentityCommand,
}

/// `identity` subcommands.
#[derive(Debug, Subcommand)]
pub enum IdentityCommand {
    /// Import identity files into the store. Each record becomes part of an
    /// address → user interval or is refused with its line and reason
    /// (`accepted + rejected = records`); a file imported before (same
    /// SHA-256) is skipped.
    Import {
        /// `auto` (from the content), or one of: windows-events (.evtx or
        /// exported XML: 4624/4634/4647/4768/4769), dhcpd-leases, windows-dhcp,
        /// radius-detail, csv (`ip,user,from,to`, RFC 3339), and VPN address
        /// assignment: cisco-asa-vpn (AnyConnect 722051/113039/722022,
        /// ended by 722023/113019), fortigate-vpn (SSL-VPN tunnel-up and
        /// tunnel-down), globalprotect (PAN-OS GLOBALPROTECT log: user and
        /// private address), openvpn-status (`--status` file). The same
        /// option as `ingest --log-format` (`--kind` is its old spelling).
        #[arg(
            long = "log-format",
            alias = "kind",
            default_value = "auto",
            value_name = "FORMAT"
        )]
        kind: String,
        /// Asset register for DHCP leases: CSV `device,user,from,to` (MAC
        /// address or host name → the user it is assigned to).
        #[arg(long, value_name = "FILE")]
        assets: Option<PathBuf>,
        /// Longest an address is held without a logoff, lease end,
        /// accounting stop or VPN session end (hours, 1 to 72).
        #[arg(long, value_name = "HOURS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=72))]
        max_hold: u64,
        /// The zone of local times in the file (Windows DHCP audit logs,
        /// RADIUS date lines, VPN syslog and status times without an
        /// offset); default Europe/London. The same option as
        /// `ingest --source-time-zone` (`--time-zone` is its old spelling).
        #[arg(
            long = "source-time-zone",
            alias = "time-zone",
            value_name = "ZONE",
            default_value = "Europe/London"
        )]
        time_zone: chrono_tz::Tz,
        /// Configuration file (`[identity] local_realms` for user names,
        /// `[retention] days`).
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Treat this time (RFC 3339, not later than the system clock) as
        /// "now", as `ingest --now` does. The retention window is measured
        /// from the system clock whatever it says: an interval that ended
        /// before it is not kept, unless a legal hold's period overlaps it.
        #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// Output format of the summary.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Identity files.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// List the imported identity sources.
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
    },
}

/// One file's import, as printed.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportRow {
    /// The file as given.
    pub file: String,
    /// Source kind.
    pub kind: String,
    /// `imported`, `already imported`, or `error: ...`.
    pub result: String,
    /// Records read.
    pub records: u64,
    /// Accepted.
    pub accepted: u64,
    /// Refused (see `identity/<source>.rejected.jsonl`).
    pub rejected: u64,
    /// Address → user intervals made.
    pub intervals: u64,
    /// The commonest reason for refusal, if any.
    pub top_reason: String,
}

/// One imported identity file as `identity list` prints it in CSV and
/// JSON: every field of its record ([`IdentitySource`]); the columns CSV
/// had before the hash first, in their old places.
#[derive(Debug, Default, Serialize)]
pub struct SourceRow<'a> {
    /// Source id: the first 16 hex characters of `sha256`.
    pub source: &'a str,
    /// Source kind (`windows-events`, `dhcpd-leases`, ...).
    pub kind: &'a str,
    /// Canonical path of the file.
    pub path: &'a str,
    /// Records read; `accepted + rejected = records`.
    pub records: u64,
    /// Records accepted.
    pub accepted: u64,
    /// Records refused.
    pub rejected: u64,
    /// Intervals made.
    pub intervals: u64,
    /// When it was imported (UTC, RFC 3339 with the clock's fraction of a second).
    pub imported_at: DateTime<Utc>,
    /// SHA-256 of its bytes, hex.
    pub sha256: &'a str,
    /// Its size (bytes).
    pub size: u64,
    /// The maximum hold used (s).
    pub max_hold_s: u64,
    /// The asset register used, if any: path and SHA-256 (JSON: a pair or
    /// null; CSV: the two joined by a space, or empty).
    pub assets: Option<(&'a str, &'a str)>,
    /// The zone local times were read in.
    pub time_zone: &'a str,
}

impl<'a> From<&'a IdentitySource> for SourceRow<'a> {
    fn from(s: &'a IdentitySource) -> Self {
        SourceRow {
            source: &s.source,
            path: &s.path,
            sha256: &s.sha256,
            size: s.size,
            kind: &s.kind,
            records: s.records,
            accepted: s.accepted,
            rejected: s.rejected,
            intervals: s.intervals,
            max_hold_s: s.max_hold_s,
            assets: s.assets.as_ref().map(|(p, h)| (p.as_str(), h.as_str())),
            time_zone: &s.time_zone,
            imported_at: s.imported_at,
        }
    }
}

/// A [`SourceRow`] in the table: what it is and what it gave, the import
/// time to the second.
#[derive(Default, Serialize)]
struct SourceLine<'a> {
    source: &'a str,
    kind: &'a str,
    path: &'a str,
    records: u64,
    accepted: u64,
    rejected: u64,
    intervals: u64,
    imported_at: String,
}

impl<'a> SourceLine<'a> {
    fn of(r: &SourceRow<'a>) -> Self {
        SourceLine {
            source: r.source,
            kind: r.kind,
            path: r.path,
            records: r.records,
            accepted: r.accepted,
            rejected: r.rejected,
            intervals: r.intervals,
            imported_at: r
                .imported_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// Reads a file whole, decompressing it when its first bytes say so;
/// returns the decompressed bytes and the SHA-256 and size of the file's own.
fn read_file(path: &std::path::Path) -> anyhow::Result<(Vec<u8>, String, u64)> {
    let raw = crate::fsutil::read_input(path, u64::MAX)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&raw));
    let size = raw.len() as u64;
    let compression = Compression::detect(&raw);
    if compression == Compression::None {
        return Ok((raw, sha, size));
    }
    let mut out = Vec::new();
    std::io::Read::read_to_end(
        &mut compression.decoder(std::io::Cursor::new(raw))?,
        &mut out,
    )
    .with_context(|| format!("cannot decompress {}", path.display()))?;
    Ok((out, sha, size))
}

/// Imports one file; the row to print.
#[allow(clippy::too_many_arguments)]
/// The retention window an import keeps intervals inside: the cutoff (UTC
/// ms, [`retention::cutoff`] from the system clock) and each legal hold's
/// period (UTC ms `[start, end)`).
struct Window {
    cutoff_ms: i64,
    holds: Vec<(i64, i64)>,
}

impl Window {
    /// An interval is kept when it ends inside the window or any hold's
    /// period overlaps it: never less than a purge would keep (which keeps
    /// what a hold covers by person or by address); the next purge takes
    /// what a hold does not need.
    fn keeps(&self, iv: &Interval) -> bool {
        iv.end_ms >= self.cutoff_ms
            || self
                .holds
                .iter()
                .any(|&(start, end)| iv.start_ms < end && iv.end_ms > start)
    }
}

#[allow(clippy::too_many_arguments)]
fn import_one(
    store: &Store,
    path: &std::path::Path,
    kind: &str,
    assets: &(AssetRegister, Option<(String, String)>),
    max_hold_ms: i64,
    cx: &ReadContext,
    config: &Config,
    window: &Window,
    done: &[IdentitySource],
    run: u64,
) -> anyhow::Result<ImportRow> {
    let (bytes, sha256, size) = read_file(path)?;
    let mut row = ImportRow {
        file: path.display().to_string(),
        kind: String::new(),
        result: String::new(),
        records: 0,
        accepted: 0,
        rejected: 0,
        intervals: 0,
        top_reason: String::new(),
    };
    // A file imported before is skipped, unless the asset register given
    // now differs from the one it was imported with (leases name devices:
    // a corrected or newly typed register must reach the leases already
    // imported). Then it is imported again, replacing its intervals.
    let register = |a: &Option<(String, String)>| a.as_ref().map(|(_, sha)| sha.clone());
    let mut again = None;
    if let Some(prev) = done.iter().rev().find(|s| s.sha256 == sha256) {
        if register(&prev.assets) == register(&assets.1) || assets.1.is_none() {
            row.kind = prev.kind.clone();
            row.result = format!("already imported (source {})", prev.source);
            return Ok(row);
        }
        again = Some(prev.source.clone());
    }
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let reader = sources::choose(kind, head)
        .map_err(|e| ExitError::usage(format!("{}: {e}", path.display())))?;
    row.kind = reader.name().to_string();
    let parsed = reader
        .read(&bytes, cx)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    let records = parsed.records() as u64;
    let (mut ivs, refused) = intervals::build(
        parsed.observations,
        &assets.0,
        max_hold_ms,
        &config.realms(),
    );
    // Records older than the retention window are not kept, as ingest does
    // not admit such events: an old file, or one imported again after a
    // purge, must not bring back what the purge removed.
    let before = ivs.len();
    ivs.retain(|iv| window.keeps(iv));
    let expired = (before - ivs.len()) as u64;
    let mut rejected = parsed.rejected;
    rejected.extend(refused);
    rejected.sort_by_key(|r| r.line);
    let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for r in &rejected {
        *reasons.entry(r.reason.as_str()).or_default() += 1;
    }
    row.top_reason = reasons
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(r, n)| format!("{r} ({n})"))
        .unwrap_or_default();
    let doubled = intervals::devices_on_two_addresses(&ivs);
    for (device, a, b, at) in &doubled {
        crate::stderr_line!(
            "warning: {}: device {device} held {a} and {b} at once from {}: a copied host name or MAC? \
             The events of both addresses are named as that device's.",
            path.display(),
            DateTime::<Utc>::from_timestamp_millis(*at).map_or_else(
                || at.to_string(),
                |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            )
        );
    }
    row.records = records;
    row.rejected = rejected.len() as u64;
    row.accepted = records - row.rejected;
    row.intervals = ivs.len() as u64;
    let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let record = IdentitySource {
        source: sha256[..16].to_string(),
        path: canonical.display().to_string(),
        sha256,
        size,
        kind: row.kind.clone(),
        records,
        accepted: row.accepted,
        rejected: row.rejected,
        intervals: row.intervals,
        max_hold_s: (max_hold_ms / 1000) as u64,
        assets: assets.1.clone(),
        time_zone: cx.tz.name().to_string(),
        imported_at: chrono::Utc::now(),
    };
    table::write(store, &record, &ivs, &rejected)?;
    let mut draft = Draft::new("identity import", "ok");
    draft.config = Some(config.audit_record());
    draft.inputs = std::iter::once(FileHash {
        path: record.path.clone(),
        sha256: record.sha256.clone(),
    })
    .chain(assets.1.iter().map(|(p, s)| FileHash {
        path: p.clone(),
        sha256: s.clone(),
    }))
    .collect();
    draft.details = serde_json::json!({
        "source": record.source,
        "kind": record.kind,
        "records": record.records,
        "accepted": record.accepted,
        "rejected": record.rejected,
        "intervals": record.intervals,
        "max_hold_s": record.max_hold_s,
        "replaces_earlier_import": again.is_some(),
        "expired_intervals": expired,
        "retention_cutoff": DateTime::<Utc>::from_timestamp_millis(window.cutoff_ms),
        "devices_on_two_addresses": doubled.len(),
        "run": run,
    });
    store.audit(draft)?;
    row.result = match again {
        Some(_) => format!(
            "imported again with another asset register, its intervals replaced (source {})",
            record.source
        ),
        None => format!("imported (source {})", record.source),
    };
    if expired > 0 {
        row.result.push_str(&format!(
            "; {expired} interval(s) ended before the retention window ({}) and were not kept",
            DateTime::<Utc>::from_timestamp_millis(window.cutoff_ms)
                .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        ));
    }
    Ok(row)
}

/// Runs `netusage identity`.
///
/// # Errors
/// Bad arguments or an unknown kind (exit 2); exit 1 when a file failed.
pub fn run(args: IdentityArgs) -> anyhow::Result<()> {
    let dir = &args.store.store;
    match args.command {
        IdentityCommand::List { format } => {
            let store = Store::open(dir)?;
            let sources = table::sources(&store)?;
            let rows: Vec<SourceRow> = sources.iter().map(SourceRow::from).collect();
            output::write_with_table(&rows, format, &mut std::io::stdout().lock(), SourceLine::of)
        }
        IdentityCommand::Import {
            kind,
            assets,
            max_hold,
            time_zone,
            config,
            now,
            format,
            files,
        } => import(
            dir, &kind, assets, max_hold, time_zone, config, now, format, &files,
        ),
    }
}

/// `identity import`: each file read by its reader, imported or refused
/// with the reason; a table of what each gave.
///
/// # Errors
/// A bad asset register or configuration (exit 2); `Err` when any file
/// could not be imported (after every file was tried and listed).
#[allow(clippy::too_many_arguments)]
fn import(
    dir: &Path,
    kind: &str,
    assets: Option<PathBuf>,
    max_hold: u64,
    time_zone: chrono_tz::Tz,
    config: Option<PathBuf>,
    now: Option<DateTime<Utc>>,
    format: OutputFormat,
    files: &[PathBuf],
) -> anyhow::Result<()> {
    let config = super::load_config(dir, config.as_deref(), None)?;
    let register = read_assets(assets.as_deref())?;
    let store = Store::open_for_write(dir)?;
    let real_now = crate::clock::now();
    let window = Window {
        cutoff_ms: retention::cutoff(now.unwrap_or(real_now).max(real_now), config.retention.days)
            .timestamp_millis(),
        holds: retention::holds(&store)?
            .iter()
            .map(retention::Hold::period_ms)
            .collect(),
    };
    let max_hold_ms = i64::try_from(max_hold).unwrap_or(10) * 3_600_000;
    let cx = ReadContext { tz: time_zone };
    let mut rows = Vec::new();
    let mut failed = false;
    super::audited_run(&store, "identity import", files, |run| {
        for f in files {
            let done = table::sources(&store)?;
            match import_one(
                &store,
                f,
                kind,
                &register,
                max_hold_ms,
                &cx,
                &config,
                &window,
                &done,
                run,
            ) {
                Ok(r) => rows.push(r),
                Err(e) if e.downcast_ref::<ExitError>().is_some() => return Err(e),
                Err(e) => {
                    failed = true;
                    rows.push(ImportRow {
                        file: f.display().to_string(),
                        kind: kind.to_string(),
                        result: format!("error: {e:#}"),
                        records: 0,
                        accepted: 0,
                        rejected: 0,
                        intervals: 0,
                        top_reason: String::new(),
                    });
                }
            }
        }
        let failures: Vec<String> = (rows.iter())
            .filter_map(|r| {
                r.result
                    .strip_prefix("error: ")
                    .map(|why| format!("{}: {why}", r.file))
            })
            .collect();
        let result = match failures.len() {
            0 => "ok".to_string(),
            n => format!("error: {n} file(s) failed: {}", failures.join("; ")),
        };
        Ok(((), result))
    })?;
    let mut out = std::io::stdout().lock();
    output::write(&rows, format, &mut out)?;
    if format == OutputFormat::Table
        && register.0.is_empty()
        && rows.iter().any(|r| r.kind.contains("dhcp"))
    {
        let given = match &register.1 {
            Some((path, _)) => format!("The asset register {path} names no device"),
            None => "No --assets register was given".to_string(),
        };
        writeln!(
            out,
            "{given}: DHCP leases name devices, and without the register no lease names a person."
        )?;
    }
    if failed {
        return Err(anyhow::anyhow!(
            "some identity files could not be imported (see above)"
        ));
    }
    Ok(())
}

/// The asset register (`--assets`), with its path and SHA-256 for the audit
/// entry; an empty register without one.
///
/// # Errors
/// The file cannot be read or is malformed (exit 2, naming it).
fn read_assets(assets: Option<&Path>) -> anyhow::Result<(AssetRegister, Option<(String, String)>)> {
    Ok(match assets {
        None => (AssetRegister::default(), None),
        Some(p) => {
            let bytes = crate::fsutil::read_input(p, crate::fsutil::SMALL_INPUT_MAX)
                .map_err(|e| ExitError::usage(format!("cannot read {}: {e}", p.display())))?;
            let reg =
                AssetRegister::read(&bytes, &p.display().to_string()).map_err(ExitError::usage)?;
            let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
            (reg, Some((p.display().to_string(), sha)))
        }
    })
}
