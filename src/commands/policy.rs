//! `netusage policy show`: the rules in force, or a preset, in plain words.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::config::Config;
use crate::usage::policy::PersonalUse;
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
    let config = Config::load_with(None, Some(&p.name))?;
    let policy = config.policy()?;
    writeln!(out, "{}: {}", p.name, p.council)?;
    writeln!(out, "  {} ({})", p.document, p.seed)?;
    writeln!(out, "  Encoded clauses, quoted:")?;
    writeln!(out, "  - personal use (the main clause): \"{}\"", p.clause)?;
    writeln!(out, "    What it counts: {}", p.encodes)?;
    for c in &p.clauses {
        writeln!(
            out,
            "  - {} ({}): \"{}\"",
            c.topic.replace('_', " "),
            c.reference,
            c.quote
        )?;
        writeln!(out, "    {}", c.encodes)?;
    }
    if !p.screening_clause.is_empty() {
        writeln!(
            out,
            "  - screening: \"{}\"\n    Screening everyone's records (usage, flags, analyse) needs a signed screening \
             authorisation (--screening FILE).",
            p.screening_clause
        )?;
    }
    if !p.notice_clause.is_empty() {
        writeln!(
            out,
            "  - notice: \"{}\"\n    A screening run records the notice it relies on (--notice REF); without one it is refused.",
            p.notice_clause
        )?;
    }
    writeln!(
        out,
        "  Settings: personal_use = {} ({}); {}.",
        config.policy.personal_use,
        what_counts(&config.policy.personal_use),
        policy.limits_words()
    )?;
    writeln!(out, "  Social media: {}.", policy.social.words())?;
    if policy.non_work.is_empty() {
        writeln!(
            out,
            "  Excessive non-work use: no finding (the policy has no clause on it)."
        )?;
    }
    writeln!(
        out,
        "  Schedule it will use: {}.",
        super::usage::schedule_words(&config.schedule)
    )?;
    writeln!(
        out,
        "  Defaults (netusage's, not the council's; set your own):"
    )?;
    for d in &p.defaults {
        writeln!(out, "  - {d}")?;
    }
    for k in config.defaults_in_force() {
        writeln!(out, "  - {k}: default {}", default_value(&config, k))?;
    }
    for (key, set) in [
        ("policy.non_work_categories", "non_work_categories"),
        (
            "policy.max_non_work_minutes_per_day",
            "max_non_work_minutes_per_day",
        ),
        (
            "policy.max_own_time_minutes_per_day",
            "max_own_time_minutes_per_day",
        ),
        ("policy.min_flagged_days", "min_flagged_days"),
    ] {
        let relevant = match set {
            "max_own_time_minutes_per_day" => policy
                .personal_use
                .own_ms(&crate::usage::schedule::Split::default())
                .is_some(),
            "non_work_categories" | "max_non_work_minutes_per_day" => !policy.non_work.is_empty(),
            _ => true,
        };
        if relevant && !config.set_by.contains_key(key) && !p.policy.contains_key(set) {
            writeln!(out, "  - {key}: default {}", default_value(&config, key))?;
        }
    }
    if !p.left_to_hr.is_empty() {
        writeln!(out, "  Left to HR (the tool does not decide):")?;
        for h in &p.left_to_hr {
            writeln!(out, "  - {h}")?;
        }
    }
    writeln!(
        out,
        "  The thresholds are the literal reading of each clause or netusage's defaults: set your own in the config's [policy]."
    )?;
    Ok(())
}

/// The value of a `section.key` of [`Config::defaults_in_force`] and the
/// policy's other defaults, in words.
fn default_value(c: &Config, key: &str) -> String {
    let list = |v: &[String]| v.join(", ");
    let periods = |v: &[[String; 2]]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.iter()
                .map(|p| format!("{}–{}", p[0], p[1]))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    match key {
        "schedule.working_days" => list(&c.schedule.working_days),
        "schedule.working_hours" => periods(std::slice::from_ref(&c.schedule.working_hours)),
        "schedule.breaks" => periods(&c.schedule.breaks),
        "schedule.time_zone" => c.schedule.time_zone.clone(),
        "schedule.bank_holidays" => c.schedule.bank_holidays.clone(),
        "browse_time.idle_timeout_s" => format!("{} s", c.browse_time.idle_timeout_s),
        "browse_time.allowance_s" => format!("{} s", c.browse_time.allowance_s),
        "policy.personal_use" => c.policy.personal_use.clone(),
        "policy.max_working_minutes_per_day" => {
            format!("{} min", c.policy.max_working_minutes_per_day)
        }
        "policy.max_own_time_minutes_per_day" => {
            format!("{} min", c.policy.max_own_time_minutes_per_day)
        }
        "policy.max_non_work_minutes_per_day" => {
            format!("{} min", c.policy.max_non_work_minutes_per_day)
        }
        "policy.non_work_categories" => list(&c.policy.non_work_categories),
        "policy.min_flagged_days" => c.policy.min_flagged_days.to_string(),
        _ => String::new(),
    }
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
        "  Exempt users (unscoped designations: every site, every date), never flagged: {}",
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
    writeln!(out, "  Social media: {}.", policy.social.words())?;
    for d in &policy.work_use.designations {
        writeln!(
            out,
            "  Designated (scoped) `{}`: {} for {}, {} to {}{}; that use is category designated:{} and never counted, anything else they do is judged as for everyone",
            d.name,
            d.user,
            d.scope.words(),
            d.from,
            d.to.map_or("no end date".to_string(), |t| t.to_string()),
            if d.list.is_empty() {
                String::new()
            } else {
                format!(" ({})", d.list)
            },
            d.name
        )?;
    }
    for a in &policy.work_use.allowed {
        writeln!(
            out,
            "  Business allow-list `{}`: {} for {}; work use (category work:{}), never counted",
            a.name,
            a.scope.words(),
            if a.users.is_none() {
                "everyone".to_string()
            } else if a.teams.is_empty() {
                "the people named".to_string()
            } else {
                format!("team(s) {} and the people named", a.teams.join(", "))
            },
            a.name
        )?;
    }
    if let Some(note) = c.hours_default_note() {
        writeln!(out, "  {note}")?;
    }
    writeln!(
        out,
        "  Browse time: idle timeout {} s, allowance {} s (docs/METHOD.md).",
        c.browse_time.idle_timeout_s, c.browse_time.allowance_s
    )?;
    Ok(())
}
