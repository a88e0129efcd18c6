//! `netusage ingest`: read log files into the store.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use serde::Serialize;

use super::{StoreArgs, parse_now};
use crate::formats::{FileContext, LogFormat};
use crate::ingest::timings::{Phase, Timings};
use crate::ingest::{self, FileReport, Outcome};
use crate::output::{self, OutputFormat};
use crate::retention;
use crate::store::Store;

/// Read web-proxy logs into the store.
///
/// Each file (plain or .gz; directories are read recursively) is parsed,
/// every request is classified (site, category) and stored as Parquet day
/// partitions. Lines that cannot be read go to quarantine with their line
/// number and the reason: nothing is dropped. A file already ingested (same
/// SHA-256) is skipped and reported as such.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The store.
    #[command(flatten)]
    pub store: StoreArgs,
    /// How to read the logs.
    #[command(flatten)]
    pub reader: ReaderArgs,
    /// How to print the summary: an aligned table, or CSV/JSON for scripts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
    /// Your own category rules (TOML); they win over the bundled rules.
    #[arg(long, value_name = "FILE")]
    pub categories: Option<PathBuf>,
    /// Configuration file (TOML): `[retention] days` sets how old an event
    /// may be; `[identity] local_realms` the realms stripped from user names.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Treat this time (RFC 3339, not later than the system clock) as "now":
    /// events dated more than 300 s after it are refused. It only narrows
    /// what is admitted: the retention window is always measured back from
    /// the system clock, so an archive older than the window stays out. The
    /// real time is recorded as `ingested_at`, this one beside it.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,
    /// After the summary, print where the time went (read, parse, classify,
    /// encode, dedup, write: thread time per phase) on standard error.
    #[arg(long)]
    pub timings: bool,
    /// Log files or directories.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
}

/// How to read the input: the options `ingest` and `analyse` share.
#[derive(Debug, Clone, Args)]
pub struct ReaderArgs {
    /// Log format of the input, or `auto` to detect it from each file's first lines.
    #[arg(long = "log-format", default_value = "auto", value_name = "FORMAT", value_parser = parse_format)]
    pub log_format: FormatChoice,
    /// The time zone of logs that write local time without an offset
    /// (PAN-OS, FortiGate without `tz`, W3C logs in local time); default
    /// Europe/London. Recorded for each file in sources.jsonl.
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub source_time_zone: Option<chrono_tz::Tz>,
    /// The field names of a Zscaler NSS CSV/TSV feed, in order: `time,login,cip,eurl,...`
    /// or the feed's output format (`%s{time}\t%s{login}...`). JSON feeds need none.
    #[arg(long, value_name = "FIELDS")]
    pub nss_fields: Option<String>,
    /// A custom Squid layout: the `logformat` line from squid.conf (implies
    /// `--log-format squid-logformat`), e.g. `'%ts.%03tu %6tr %>a %un %Ss/%03>Hs %<st %rm %ru'`.
    #[arg(long, value_name = "LOGFORMAT")]
    pub squid_logformat: Option<String>,
}

impl ReaderArgs {
    /// The reader chosen (`None`: detect per file); `--squid-logformat` implies its reader.
    pub fn reader(&self) -> Option<&'static dyn LogFormat> {
        self.log_format.0.or(self
            .squid_logformat
            .is_some()
            .then_some(&crate::formats::logformat::SquidLogformat))
    }

    /// What every file is read with: the source time zone and where it came
    /// from, and the reader settings.
    pub fn context(&self) -> FileContext {
        let default = FileContext::default();
        let (tz, tz_source) = match self.source_time_zone {
            Some(tz) => (tz, "--source-time-zone"),
            None => (default.tz, default.tz_source),
        };
        FileContext {
            tz,
            tz_source,
            nss_fields: self.nss_fields.clone(),
            squid_logformat: self.squid_logformat.clone(),
            ..default
        }
    }
}

/// `--log-format`: `auto` or a reader.
#[derive(Clone, Copy)]
pub struct FormatChoice(pub Option<&'static dyn LogFormat>);

impl std::fmt::Debug for FormatChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.map_or("auto", |r| r.name()))
    }
}

/// Parses `--log-format`: `auto` or a reader's name (`netusage formats` lists them).
pub fn parse_format(s: &str) -> Result<FormatChoice, String> {
    if s == "auto" {
        Ok(FormatChoice(None))
    } else {
        crate::formats::by_name(s).map(|f| FormatChoice(Some(f)))
    }
}

/// Parses `--source-time-zone`: an IANA zone name such as `Europe/London`.
pub fn parse_zone(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse()
        .map_err(|_| format!("`{s}` is not an IANA time zone name such as Europe/London or UTC"))
}

/// Totals over the files of one run.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// Where the time went (not printed in the summary: see `--timings`).
    #[serde(skip)]
    pub timings: std::sync::Arc<Timings>,
    /// Why each file that failed did (its `error:` line), for the run's
    /// own error: standard output, where those lines go, may be closed or
    /// thrown away.
    #[serde(skip)]
    pub errors: Vec<String>,
    /// Files named or found.
    pub files: usize,
    /// Files stored by this run.
    pub ingested: usize,
    /// Files already in the store.
    pub already_ingested: usize,
    /// Files that could not be ingested.
    pub failed: usize,
    /// Files found in directories that are not logs (reported, left out).
    pub skipped: usize,
    /// Lines read.
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines quarantined.
    pub rejected: u64,
    /// Earliest event (UTC).
    pub first_event: Option<DateTime<Utc>>,
    /// Latest event (UTC).
    pub last_event: Option<DateTime<Utc>>,
    /// Wall-clock seconds.
    pub seconds: f64,
    /// Lines per second.
    pub lines_per_s: f64,
}

impl Summary {
    /// An error when any file failed, so the command exits with 1.
    ///
    /// # Errors
    /// How many files failed.
    pub fn result(&self) -> anyhow::Result<()> {
        if self.failed > 0 {
            anyhow::bail!(
                "{} of {} files could not be ingested:\n  {}",
                self.failed,
                self.files,
                self.errors.join("\n  ")
            );
        }
        Ok(())
    }
}

/// The totals as CSV and the table give them (JSON gives [`Summary`]
/// itself, with the same keys): event times to the second in words (`-` for
/// none), seconds to two decimals, lines per second whole.
#[derive(Debug, Default, Serialize)]
pub struct SummaryText {
    /// Files named or found.
    pub files: usize,
    /// Files stored by this run.
    pub ingested: usize,
    /// Files already in the store.
    pub already_ingested: usize,
    /// Files that could not be ingested.
    pub failed: usize,
    /// Files found in directories that are not logs.
    pub skipped: usize,
    /// Lines read.
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines quarantined.
    pub rejected: u64,
    /// Earliest event, `YYYY-MM-DD HH:MM:SS UTC`, or `-`.
    pub first_event: String,
    /// Latest event, likewise.
    pub last_event: String,
    /// Wall-clock seconds, two decimals.
    pub seconds: String,
    /// Lines per second, whole.
    pub lines_per_s: String,
}

impl Summary {
    /// The totals as CSV and the table give them.
    pub fn text(&self) -> SummaryText {
        let ts = |t: Option<DateTime<Utc>>| {
            t.map_or("-".into(), |t| {
                t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
            })
        };
        SummaryText {
            files: self.files,
            ingested: self.ingested,
            already_ingested: self.already_ingested,
            failed: self.failed,
            skipped: self.skipped,
            lines: self.lines,
            accepted: self.accepted,
            rejected: self.rejected,
            first_event: ts(self.first_event),
            last_event: ts(self.last_event),
            seconds: format!("{:.2}", self.seconds),
            lines_per_s: format!("{:.0}", self.lines_per_s),
        }
    }

    /// Writes the totals in `format` (JSON: this; CSV and table: [`Self::text`]).
    ///
    /// # Errors
    /// Write errors.
    pub fn write(&self, format: OutputFormat, out: &mut dyn Write) -> anyhow::Result<()> {
        match format {
            OutputFormat::Json => output::write(std::slice::from_ref(self), format, out),
            _ => output::write(&[self.text()], format, out),
        }
    }
}

/// Runs ingest and returns the per-file reports and totals; messages about
/// each file go to `log` (a closed `log` does not stop the ingest or its
/// audit entry).
///
/// # Errors
/// The store cannot be opened or locked, a path does not exist, or the rules file is bad.
pub fn ingest_all(
    args: &IngestArgs,
    log: &mut dyn Write,
) -> anyhow::Result<(Vec<FileReport>, Summary)> {
    let started = Instant::now();
    let real_now = crate::clock::now();
    let now = args.now.unwrap_or(real_now);
    let config = super::load_config(&args.store.store, args.config.as_deref(), None)?;
    let classifier = crate::enrich::classifier(args.categories.as_deref())?;
    let found = crate::input::expand(&args.paths);
    let files = found.files;
    let new = !args.store.store.join("store.toml").exists();
    // A mistyped log path must not leave a new, empty store behind (with
    // keys of its own) for the next command to find.
    if new && files.is_empty() {
        let why: Vec<String> = (found.problems.iter().map(|p| p.reason.clone()))
            .chain(
                found
                    .empty_dirs
                    .iter()
                    .map(|d| format!("{} holds no file to read", d.display())),
            )
            .collect();
        anyhow::bail!(
            "nothing to ingest, so no store was created at {}: {}",
            args.store.store.display(),
            if why.is_empty() {
                "no log was named".to_string()
            } else {
                why.join("; ")
            }
        );
    }
    let store = Store::open_for_write(&args.store.store)?;
    // A store made with --config remembers it (the nightly purge then
    // keeps the council's window without being told).
    if new && let Some(file) = &args.config {
        match super::remember_config(&store, file, "given when the store was created") {
            Ok(sha) => {
                let _ = writeln!(
                    log,
                    "the new store keeps {} (SHA-256 {sha}) as its configuration: commands without \
                     --config use it (`netusage store config set FILE` changes it)",
                    file.display()
                );
            }
            Err(e) => {
                let _ = writeln!(
                    log,
                    "note: the new store does not keep {} as its configuration ({e:#}); give every \
                     command --config, or fix it and run `netusage store config set FILE`",
                    file.display()
                );
            }
        }
    }
    let realms = config.realms();
    // The run is in the audit log before anything is stored: a run killed
    // half-way (a signal, a crash) shows as an opening entry with no
    // closing one, and the records of what it stored name it.
    let opened = store.audit(run_draft(
        args,
        &config,
        format!("started: ingesting {} file(s)", files.len()),
        super::named_paths(&args.paths),
    ))?;
    let opts = ingest::Options {
        format: args.reader.reader(),
        context: args.reader.context(),
        as_of: args.now,
        progress: std::io::stderr().is_terminal(),
        // The window is measured from the real clock, whatever --now says:
        // --now may narrow what is admitted (nothing later than it), never
        // widen it (an archive older than a year stays out).
        cutoff_ms: Some(
            retention::cutoff(now.max(real_now), config.retention.days).timestamp_millis(),
        ),
        latest_ms: Some(now.min(real_now).timestamp_millis() + ingest::CLOCK_SKEW_S * 1000),
        realms: realms.clone(),
        timings: Default::default(),
        run: Some(opened.seq),
    };
    let mut realms_seen: std::collections::BTreeMap<String, u64> = Default::default();
    let reports = ingest::ingest_files(&store, &classifier, &files, &opts);
    let mut s = Summary {
        files: reports.len() + found.problems.len(),
        ..Default::default()
    };
    for p in &found.problems {
        if p.error {
            s.failed += 1;
            s.errors.push(p.reason.clone());
            let _ = writeln!(log, "error: {}", p.reason);
        } else {
            s.skipped += 1;
            let _ = writeln!(log, "skipped: {}", p.reason);
        }
    }
    for d in &found.empty_dirs {
        let _ = writeln!(
            log,
            "warning: {} holds no file to read (hidden files are left out): nothing was ingested from it",
            d.display()
        );
    }
    for r in &reports {
        match &r.outcome {
            Outcome::Ingested(rec) => {
                s.ingested += 1;
                s.lines += rec.lines;
                s.accepted += rec.accepted;
                s.rejected += rec.rejected;
                s.first_event = match (s.first_event, rec.first_ts) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                s.last_event = s.last_event.max(rec.last_ts);
                let q = if rec.rejected > 0 {
                    format!(" (see quarantine/{}.jsonl)", rec.source)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    log,
                    "ingested {}: {} lines, {} accepted, {} rejected{q}",
                    r.path.display(),
                    rec.lines,
                    rec.accepted,
                    rec.rejected
                );
                if let Some(earlier) = &rec.prefix_of {
                    let _ = writeln!(
                        log,
                        "  it starts with the exact content of source {earlier} (already ingested): \
                         only lines {} onwards were read",
                        rec.first_line
                    );
                }
                if rec.duplicates > 0 {
                    let _ = writeln!(
                        log,
                        "  {} of them repeat events already stored from another source (same time, client, \
                         user, method, URL, status, bytes): not stored again, listed in quarantine",
                        rec.duplicates
                    );
                }
                if rec.future > 0 {
                    let _ = writeln!(
                        log,
                        "  {} of them are dated more than {} s after the system clock: refused as later than now \
                         (check the proxy's clock)",
                        rec.future,
                        ingest::CLOCK_SKEW_S
                    );
                }
                for (realm, n) in &rec.realms {
                    *realms_seen.entry(realm.clone()).or_default() += n;
                }
                if rec.too_old > 0 {
                    let _ = writeln!(
                        log,
                        "  {} of them, dated {}, are older than the retention window ({} days before {}, by the \
                         system clock) and were refused, their text withheld: data past the window may not be \
                         kept or analysed (Chelmsford and North West Leicestershire keep usage data for one year). \
                         If the window was wrong, set `[retention] days`, then `netusage store forget {} --reason \
                         TEXT` and ingest the file again.",
                        rec.too_old,
                        rec.too_old_range.map_or_else(String::new, |(a, b)| format!(
                            "{} to {} UTC",
                            a.format("%Y-%m-%d %H:%M"),
                            b.format("%Y-%m-%d %H:%M")
                        )),
                        config.retention.days,
                        now.max(real_now).format("%Y-%m-%d %H:%M UTC"),
                        rec.source,
                    );
                }
            }
            Outcome::Duplicate(rec) => {
                s.already_ingested += 1;
                let _ = writeln!(
                    log,
                    "skipped {}: already ingested as source {} on {} (same SHA-256); nothing to do. \
                     To read it again with other settings (time zone, format, retention window), \
                     `netusage store forget {} --reason TEXT` first.",
                    r.path.display(),
                    rec.source,
                    rec.ingested_at.format("%Y-%m-%d %H:%M UTC"),
                    rec.source
                );
            }
            Outcome::Skipped(why) => {
                s.skipped += 1;
                let _ = writeln!(log, "skipped (not a log): {why}");
            }
            Outcome::Failed(why) => {
                s.failed += 1;
                s.errors.push(why.clone());
                let _ = writeln!(log, "error: {why}");
            }
        }
    }
    if !realms_seen.is_empty() {
        let list: Vec<String> = realms_seen
            .iter()
            .map(|(r, n)| format!("{r} ({n} events)"))
            .collect();
        let _ = writeln!(
            log,
            "realms kept in user names: {}. A realm not configured as your own stays part of the name, \
             so CORP\\jsmith and CONTRACTOR\\jsmith are different people. If some are your organisation's, \
             list them (NetBIOS and DNS forms) in the config: [identity] local_realms = [\"CORP\", \"corp.council.gov.uk\"] \
             and ingest again into a new store.",
            list.join(", ")
        );
    }
    s.seconds = started.elapsed().as_secs_f64();
    s.lines_per_s = if s.seconds > 0.0 {
        s.lines as f64 / s.seconds
    } else {
        0.0
    };
    let inputs = reports
        .iter()
        .filter_map(|r| match &r.outcome {
            Outcome::Ingested(rec) | Outcome::Duplicate(rec) => Some(crate::audit::FileHash {
                path: r.path.display().to_string(),
                sha256: rec.sha256.clone(),
            }),
            _ => None,
        })
        .collect();
    let result = if s.failed > 0 {
        format!("error: {} file(s) failed", s.failed)
    } else {
        "ok".into()
    };
    let mut draft = run_draft(args, &config, result, serde_json::to_value(&s)?);
    draft.inputs = inputs;
    draft.details["realms_kept"] = serde_json::to_value(&realms_seen)?;
    draft.details["completes"] = opened.seq.into();
    // What was stored stays stored (each file is committed with its
    // record as it is done): the error says so rather than leave the
    // operator to think nothing happened.
    store.audit(draft).with_context(|| {
        format!(
            "{} file(s) were stored (their records in {} name run {}), but the run's closing audit entry \
             could not be written: the audit log shows the run opened in entry {} and not finished",
            s.ingested,
            store.manifest_path().display(),
            opened.seq,
            opened.seq
        )
    })?;
    s.timings = opts.timings.clone();
    Ok((reports, s))
}

/// An audit entry of an ingest run: its result, `--now` and configuration,
/// and `details`.
fn run_draft(
    args: &IngestArgs,
    config: &crate::config::Config,
    result: String,
    details: serde_json::Value,
) -> crate::audit::Draft {
    let mut draft = crate::audit::Draft::new("ingest", result);
    draft.as_of = args.now;
    draft.config = Some(config.audit_record());
    draft.details = details;
    draft
}

/// Prints thread time per phase, the share of the wall time and the lines
/// per second each phase alone would allow.
fn print_timings(
    t: &Timings,
    wall: std::time::Duration,
    lines: u64,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(
        out,
        "timings: {:.2} s wall for {lines} lines ({:.0} lines/s) on {} threads; thread time per phase \
         (phases run at once on different threads):",
        wall.as_secs_f64(),
        lines as f64 / wall.as_secs_f64().max(1e-9),
        rayon::current_num_threads()
    )?;
    for phase in Phase::ALL {
        let d = t.get(phase).as_secs_f64();
        writeln!(
            out,
            "  {:<9} {:>8.2} s  {:>5.1}% of wall  {:<62}",
            phase.name(),
            d,
            100.0 * d / wall.as_secs_f64().max(1e-9),
            phase.covers()
        )?;
    }
    Ok(())
}

/// Runs `netusage ingest`.
///
/// # Errors
/// As [`ingest_all`]; and exit code 1 when any file failed.
pub fn run(args: IngestArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let (_, summary) = ingest_all(&args, &mut out)?;
    // A file that failed fails the run, even when the summary cannot be
    // written (a closed pipe ends a run quietly with exit 0).
    let written = summary.write(args.format, &mut out);
    let timed = if args.timings {
        let wall = std::time::Duration::from_secs_f64(summary.seconds);
        print_timings(
            &summary.timings,
            wall,
            summary.lines,
            &mut std::io::stderr(),
        )
    } else {
        Ok(())
    };
    summary.result()?;
    written?;
    Ok(timed?)
}
