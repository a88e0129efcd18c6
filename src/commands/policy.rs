//! `netusage policy show`: the rules in force, or a preset, in plain words.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::config::Config;
use crate::usage::policy::{PersonalUse, Policy};
use crate::usage::presets::{self, Preset};

/// Show the policy in force (or a council preset) in plain words.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The subcommand.
    #[command(subcommand)]
    pub command: PolicyCommand,
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the rules: with NAME, that preset (the clause it quotes, what it
    /// counts, its default thresholds); without, the policy the config puts in
    /// force (preset, schedule, what counts, thresholds, exempt users), then
    /// the presets there are.
    Show {
        /// A preset: charnwood, chelmsford, north-west-leicestershire, sheffield, west-dunbartonshire.
        name: Option<String>,
        /// Configuration file (TOML); defaults apply without one.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// What a `personal_use` value makes count, in words (or why it is not valid).
fn what_counts(personal_use: &str) -> String {
    PersonalUse::parse(personal_use).map_or_else(|e| e, |p| p.describe().to_string())
}

fn print_preset(p: &Preset, out: &mut dyn Write) -> anyhow::Result<()> {
    let defaults = crate::config::PolicyConfig::default();
    let num = |k: &str, default: u64| {
        p.policy
            .get(k)
            .and_then(|v| v.as_integer())
            .map_or(default, i64::unsigned_abs)
    };
    writeln!(out, "{}: {}", p.name, p.council)?;
    writeln!(out, "  {} ({})", p.document, p.seed)?;
    writeln!(out, "  \"{}\"", p.clause)?;
    writeln!(out, "  What it counts: {}", p.encodes)?;
    if !p.screening_clause.is_empty() {
        writeln!(
            out,
            "  Screening everyone's records (usage, flags, analyse) needs a signed screening authorisation \
             (--screening FILE): \"{}\"",
            p.screening_clause
        )?;
    }
    let personal_use = p
        .policy
        .get("personal_use")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    let policy = Policy {
        personal_use: PersonalUse::parse(personal_use).map_err(crate::error::ExitError::usage)?,
        max_counted_s_per_day: num(
            "max_working_minutes_per_day",
            defaults.max_working_minutes_per_day,
        ) * 60,
        max_own_s_per_day: num(
            "max_own_time_minutes_per_day",
            defaults.max_own_time_minutes_per_day,
        ) * 60,
        min_flagged_days: u32::try_from(num(
            "min_flagged_days",
            u64::from(defaults.min_flagged_days),
        ))
        .unwrap_or(1),
        exempt_users: Default::default(),
    };
    writeln!(
        out,
        "  Settings: personal_use = {personal_use} ({}); {}.",
        what_counts(personal_use),
        policy.limits_words()
    )?;
    for (k, v) in &p.schedule {
        writeln!(out, "  Schedule: {k} = {v}")?;
    }
    writeln!(
        out,
        "  The thresholds are defaults, the literal reading of the clause: set your own in the config's [policy]."
    )?;
    Ok(())
}

/// Runs `netusage policy`.
///
/// # Errors
/// An unknown preset or a bad config (exit 2); write errors.
pub fn run(args: PolicyArgs) -> anyhow::Result<()> {
    let PolicyCommand::Show { name, config } = args.command;
    let mut out = std::io::stdout().lock();
    if let Some(name) = name {
        let p = presets::get(&name).map_err(crate::error::ExitError::usage)?;
        return print_preset(&p, &mut out);
    }
    let c = Config::load(config.as_deref())?;
    print_in_force(&c, &mut out)?;
    writeln!(out)?;
    writeln!(
        out,
        "Presets ([policy] preset = \"NAME\"; `netusage policy show NAME`):"
    )?;
    for p in presets::all() {
        writeln!(out, "  {:<27} {}", p.name, p.council)?;
    }
    Ok(())
}

/// The policy in force under the configuration `c`, in words: preset and
/// clause, schedules, people and leave files, what counts, thresholds,
/// exempt users and the browse-time rule.
///
/// # Errors
/// An invalid configuration (exit 2); the output cannot be written.
fn print_in_force(c: &Config, out: &mut impl Write) -> anyhow::Result<()> {
    let policy = c.policy()?;
    writeln!(
        out,
        "Policy in force{}:",
        c.source
            .as_ref()
            .map_or(" (defaults, no config file)".to_string(), |s| format!(
                " ({})",
                s.path
            ))
    )?;
    if c.policy.preset.is_empty() {
        writeln!(out, "  Preset: none")?;
    } else {
        let p = presets::get(&c.policy.preset).map_err(crate::error::ExitError::usage)?;
        writeln!(out, "  Preset: {} ({}, {})", p.name, p.council, p.document)?;
        writeln!(out, "    \"{}\"", p.clause)?;
    }
    writeln!(
        out,
        "  Schedule: {}",
        super::usage::schedule_words(&c.schedule)
    )?;
    for (name, spec) in c.named_specs()? {
        writeln!(
            out,
            "  Schedule `{name}`: {}",
            super::usage::schedule_words(&spec)
        )?;
    }
    if !c.profiles.people.is_empty() || !c.profiles.leave.is_empty() {
        writeln!(
            out,
            "  People on named schedules: {}; leave: {}",
            if c.profiles.people.is_empty() {
                "none"
            } else {
                &c.profiles.people
            },
            if c.profiles.leave.is_empty() {
                "none"
            } else {
                &c.profiles.leave
            },
        )?;
    }
    writeln!(
        out,
        "  What counts: personal_use = {}: {}",
        c.policy.personal_use,
        what_counts(&c.policy.personal_use)
    )?;
    writeln!(out, "  Thresholds: {}.", policy.limits_words())?;
    let mut exempt: Vec<&String> = policy.exempt_users.iter().collect();
    exempt.sort();
    writeln!(
        out,
        "  Exempt (designated business) users, never flagged: {}",
        if exempt.is_empty() {
            "none".to_string()
        } else {
            exempt
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    )?;
    writeln!(
        out,
        "  Browse time: idle timeout {} s, allowance {} s (docs/METHOD.md).",
        c.browse_time.idle_timeout_s, c.browse_time.allowance_s
    )?;
    Ok(())
}
