//! The configuration file (TOML). Every key has a default, so no file is
//! needed; the defaults follow the seed policies (Chelmsford: personal use in
//! official breaks only; one-year retention).
//!
//! ```toml
//! [schedule]
//! time_zone = "Europe/London"
//! working_days = ["Mon", "Tue", "Wed", "Thu", "Fri"]
//! working_hours = ["09:00", "17:00"]
//! breaks = [["12:30", "13:30"]]
//! bank_holidays = "england-and-wales"   # or "scotland", "northern-ireland", "none"
//! core_hours = []                       # flexi core hours, e.g. [["10:00", "12:00"], ["14:00", "16:00"]]
//! [schedules.nights]                    # named schedules: same keys as [schedule]
//! working_hours = ["22:00", "06:00"]    # crosses midnight
//! [profiles]
//! people = ""                           # HR export user,schedule,from,to (or --people)
//! leave = ""                            # HR export user,date,kind (or --leave)
//! [browse_time]
//! idle_timeout_s = 300
//! allowance_s = 60
//! exclude_background = true             # regular polling for 30 min or more is not browse time
//! [policy]
//! preset = ""                           # a council's rules: policies/<name>.toml (or --policy)
//! personal_use = "breaks_only"          # or "not_permitted", "reasonable", "outside_core_hours"
//! max_working_minutes_per_day = 15
//! max_own_time_minutes_per_day = 60     # "not excessive" (reasonable, outside_core_hours)
//! min_flagged_days = 1
//! exempt_users = []                     # designated business accounts
//! exempt_users_file = ""                # or a file of them, one a line
//! [retention]
//! days = 365
//! minimum_days = 365                    # may raise the built-in floor of 365, never lower it
//! [identity]
//! local_realms = []                     # your own realms, stripped from user names
//! dns_window_s = 3600                   # how long a DNS lookup names its address
//! [authorisation]
//! max_validity_days = 90                # an authorisation's longest run; may be lowered
//! max_period_days = 366                 # the longest period a record covers; may be lowered
//! ```
//!
//! Every number has a documented range ([`RANGES`]) and a value outside it is
//! refused with its key named (exit 2), so no setting can overflow the
//! arithmetic that uses it.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::ExitError;
use crate::identity::Realms;
use crate::retention::MINIMUM_DAYS_FLOOR;
use crate::usage::policy::{PersonalUse, Policy};
use crate::usage::profile::Profiles;
use crate::usage::schedule::Schedule;
/// `[schedule]`: defined beside the schedule it describes (config depends on
/// usage's types, never the reverse).
pub use crate::usage::schedule::ScheduleSpec as ScheduleConfig;
use crate::usage::sessions::Params;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[schedule]`: the default schedule.
    pub schedule: ScheduleConfig,
    /// `[schedules.<name>]`: named schedules, assigned to people by the
    /// people file. A key not given takes the default's value.
    pub schedules: BTreeMap<String, toml::Table>,
    /// `[profiles]`: the HR exports that assign schedules and leave.
    pub profiles: ProfilesConfig,
    /// `[browse_time]`.
    pub browse_time: BrowseTimeConfig,
    /// `[policy]`.
    pub policy: PolicyConfig,
    /// `[retention]`.
    pub retention: RetentionConfig,
    /// `[identity]`.
    pub identity: IdentityConfig,
    /// `[authorisation]`: the gate's limits.
    pub authorisation: AuthorisationConfig,
    /// Where the settings came from (not a key of the file).
    #[serde(skip)]
    pub source: Option<ConfigSource>,
    /// Who set each key of `[schedule]`, `[browse_time]` and `[policy]`
    /// (`"schedule.working_hours"` → [`SetBy`]); a key not listed is
    /// netusage's default, which no council policy gives (not a key of the
    /// file).
    #[serde(skip)]
    pub set_by: BTreeMap<String, SetBy>,
}

/// Who set a configuration key: the council's configuration file, or a
/// policy preset (the file's own keys win over the preset's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetBy {
    /// The configuration file at this path.
    File(String),
    /// The policy preset of this name (`policies/<name>.toml`).
    Preset(String),
}

/// The sections whose keys' origin is recorded in [`Config::set_by`].
const TRACKED: [&str; 3] = ["schedule", "browse_time", "policy"];

/// `set_by` for a file's table (`file`: its keys and path) under a preset's
/// `[policy]` and `[schedule]` keys.
fn origins(
    file: Option<(&toml::Table, &str)>,
    preset: Option<&crate::usage::presets::Preset>,
) -> BTreeMap<String, SetBy> {
    let mut out = BTreeMap::new();
    if let Some(p) = preset {
        for (section, keys) in [("policy", &p.policy), ("schedule", &p.schedule)] {
            for k in keys.keys() {
                out.insert(format!("{section}.{k}"), SetBy::Preset(p.name.clone()));
            }
        }
    }
    if let Some((table, path)) = file {
        for section in TRACKED {
            if let Some(t) = table.get(section).and_then(|v| v.as_table()) {
                for k in t.keys().filter(|k| k.as_str() != "preset") {
                    out.insert(format!("{section}.{k}"), SetBy::File(path.to_string()));
                }
            }
        }
    }
    out
}

/// `[profiles]`: paths of the HR exports (empty: none). `--people` and
/// `--leave` override them.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfilesConfig {
    /// CSV `user,schedule,from,to`: who works which named schedule, when.
    pub people: String,
    /// CSV `user,date,kind`: annual leave, sickness and other days off.
    pub leave: String,
}

/// The file a configuration was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigSource {
    /// Path as given.
    pub path: String,
    /// SHA-256 of its bytes, hex.
    pub sha256: String,
}

/// `[identity]`: how logged user names become one account name, and how
/// DNS lookups name address-only connections.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityConfig {
    /// The organisation's own realms, in NetBIOS (`CORP`) and DNS
    /// (`corp.council.gov.uk`) forms: `CORP\jsmith` and
    /// `jsmith@corp.council.gov.uk` both become `jsmith`. Any other realm is
    /// kept in the name, so `CONTRACTOR\jsmith` stays a different person.
    pub local_realms: Vec<String>,
    /// How long a DNS lookup names the address it resolved to, for a
    /// connection logged with only that address (s; default 3600).
    pub dns_window_s: u64,
}

impl Default for IdentityConfig {
    fn default() -> Self {
        IdentityConfig {
            local_realms: Vec::new(),
            dns_window_s: 3600,
        }
    }
}

/// The range of every number in the file: (section, key, lowest, highest, unit).
pub const RANGES: [(&str, &str, u64, u64, &str); 11] = [
    ("browse_time", "idle_timeout_s", 1, 86_400, "seconds"),
    ("browse_time", "allowance_s", 0, 3_600, "seconds"),
    ("policy", "max_working_minutes_per_day", 0, 1_440, "minutes"),
    (
        "policy",
        "max_own_time_minutes_per_day",
        0,
        1_440,
        "minutes",
    ),
    ("policy", "min_flagged_days", 1, 366, "days"),
    (
        "policy",
        "max_non_work_minutes_per_day",
        0,
        1_440,
        "minutes",
    ),
    ("authorisation", "max_validity_days", 1, 90, "days"),
    ("authorisation", "max_period_days", 1, 366, "days"),
    ("identity", "dns_window_s", 1, 86_400, "seconds"),
    (
        "retention",
        "days",
        MINIMUM_DAYS_FLOOR as u64,
        3_650,
        "days",
    ),
    (
        "retention",
        "minimum_days",
        MINIMUM_DAYS_FLOOR as u64,
        3_650,
        "days",
    ),
];

/// `[authorisation]`: the gate's limits. Each may be lowered, never raised
/// above the built-in maximum (its range in [`RANGES`]).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthorisationConfig {
    /// The longest an authorisation may run, `authorised_at` to `expires`
    /// (days; at most 90).
    pub max_validity_days: u32,
    /// The longest period a record may cover (days; at most 366, twelve months).
    pub max_period_days: u32,
}

impl Default for AuthorisationConfig {
    fn default() -> Self {
        AuthorisationConfig {
            max_validity_days: 90,
            max_period_days: 366,
        }
    }
}

/// `[browse_time]`: the session rule's parameters, in seconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrowseTimeConfig {
    /// A gap longer than this between requests starts a new session (s).
    pub idle_timeout_s: u64,
    /// Added after a session's last request (s).
    pub allowance_s: u64,
    /// Background traffic (an open tab polling at a machine-regular
    /// interval for half an hour or more) makes no browse time.
    pub exclude_background: bool,
}

impl Default for BrowseTimeConfig {
    fn default() -> Self {
        BrowseTimeConfig {
            idle_timeout_s: 300,
            allowance_s: 60,
            exclude_background: true,
        }
    }
}

/// `[policy]`: what personal use is allowed and when a person is flagged.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PolicyConfig {
    /// A council's rules as a starting point (`policies/<name>.toml`, see
    /// `netusage policy show`); the keys below, when given, win. Empty: none.
    pub preset: String,
    /// `breaks_only`, `not_permitted`, `reasonable` or `outside_core_hours`.
    pub personal_use: String,
    /// A day is flagged above this many minutes of counted social-media time.
    pub max_working_minutes_per_day: u64,
    /// For `reasonable` and `outside_core_hours`: a day is also flagged above
    /// this many minutes in breaks and own time ("not excessive").
    pub max_own_time_minutes_per_day: u64,
    /// A person is flagged with at least this many flagged days.
    pub min_flagged_days: u32,
    /// Designated business accounts, never flagged (normalised user names).
    pub exempt_users: Vec<String>,
    /// A file listing more of them, one user name a line (`#` starts a
    /// comment): the approved business social media user list as the
    /// communications team keeps it. Empty: none.
    pub exempt_users_file: String,
    /// Screening everyone's records (`usage`, `flags`, `analyse`) needs a
    /// signed screening authorisation (`--screening FILE`). The Charnwood
    /// and Sheffield presets require it whatever this says.
    pub screening_required: bool,
    /// `[[policy.designated]]`: scoped designations for business use: one
    /// person, the sites it covers, from a date to a date
    /// ([`crate::usage::work_use`]). `exempt_users` is the unscoped form.
    pub designated: Vec<DesignationConfig>,
    /// Or a CSV file of them, the list as the council keeps it: header
    /// `name,user,sites,from,to,list` (`sites` separated by `;`, `to` empty
    /// to run on), read now relative to the working directory. Empty: none.
    pub designated_file: String,
    /// `[[policy.business]]`: the business allow-list: the council's own
    /// pages and accounts, sites, hosts or URL prefixes, for everyone or
    /// for named people and teams; work use, never counted.
    pub business: Vec<AllowedConfig>,
    /// `[policy.teams]`: team name → its members (user names), for
    /// `business` entries that name teams.
    pub teams: BTreeMap<String, Vec<String>>,
    /// The categories the council's policy calls social media (their union
    /// is the `social_media` row and what the personal-use rule counts).
    /// Default: netusage's seven ([`crate::classify::SOCIAL_MEDIA`]).
    pub social_categories: Vec<String>,
    /// Sites the policy calls social media beside those categories
    /// (Sheffield's "Wikipedia sites": `wikimedia`). Default: none.
    pub social_sites: Vec<String>,
    /// The categories of the excessive non-work use finding (Chelmsford
    /// 6.2, Sheffield 16, North West Leicestershire 3.1). Empty: no such
    /// finding.
    pub non_work_categories: Vec<String>,
    /// A day is flagged `non_work` above this many minutes of those
    /// categories in working time (netusage's default: 60; no policy gives a
    /// figure).
    pub max_non_work_minutes_per_day: u64,
    /// `[policy.devices.<type>]`: a rule of its own for the social-media
    /// time of one device type (`computer`, `phone`, `tablet`, as the asset
    /// register names devices). Empty: every device is judged by the rule
    /// above (North West Leicestershire: computers at no time, 1.1; phones
    /// not excessively in working hours, 1.4).
    pub devices: BTreeMap<String, DeviceRuleConfig>,
}

/// One `[policy.devices.<type>]` rule. Under a preset, a file's rule for
/// one type replaces the preset's for that type only.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceRuleConfig {
    /// `breaks_only` (working time counts) or `not_permitted` (all of it
    /// counts), for this device type's time; or `main`: no rule of its own,
    /// the type is judged with every other device by `[policy]` (to drop a
    /// preset's rule).
    pub personal_use: String,
    /// A day is flagged above this many minutes of the time it counts (0
    /// to 1,440).
    pub max_working_minutes_per_day: u64,
}

impl Default for DeviceRuleConfig {
    fn default() -> Self {
        DeviceRuleConfig {
            personal_use: "breaks_only".into(),
            max_working_minutes_per_day: 60,
        }
    }
}

/// One `[[policy.designated]]` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DesignationConfig {
    /// Short name; the requests it covers are category `designated:<name>`.
    pub name: String,
    /// The designated person's user name (normalised as logged names are).
    pub user: String,
    /// Sites it covers (`facebook`).
    pub sites: Vec<String>,
    /// Categories it covers (`social_networking`).
    pub categories: Vec<String>,
    /// Hosts it covers, with their subdomains.
    pub hosts: Vec<String>,
    /// URL prefixes it covers.
    pub url_prefixes: Vec<String>,
    /// First local date (YYYY-MM-DD); required.
    pub from: String,
    /// Last local date, inclusive; empty: runs on.
    pub to: String,
    /// The list or approval it comes from, in words.
    pub list: String,
}

/// One `[[policy.business]]` entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AllowedConfig {
    /// Short name; the requests it covers are category `work:<name>`.
    pub name: String,
    /// Sites it covers.
    pub sites: Vec<String>,
    /// Categories it covers.
    pub categories: Vec<String>,
    /// Hosts it covers, with their subdomains.
    pub hosts: Vec<String>,
    /// URL prefixes it covers (the council's own pages and accounts).
    pub url_prefixes: Vec<String>,
    /// The people it applies to; with `teams` empty too: everyone.
    pub users: Vec<String>,
    /// The teams (`[policy.teams]`) it applies to.
    pub teams: Vec<String>,
}

/// The default non-work categories: leisure kinds of site no council
/// needs for work.
pub const NON_WORK_DEFAULT: [&str; 9] = [
    "shopping",
    "streaming",
    "gambling",
    "news",
    "games",
    "dating",
    "sport",
    "travel",
    "adult",
];

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig {
            preset: String::new(),
            personal_use: "breaks_only".into(),
            max_working_minutes_per_day: 15,
            max_own_time_minutes_per_day: 60,
            min_flagged_days: 1,
            exempt_users: Vec::new(),
            exempt_users_file: String::new(),
            screening_required: false,
            designated: Vec::new(),
            designated_file: String::new(),
            business: Vec::new(),
            teams: BTreeMap::new(),
            social_categories: crate::classify::SOCIAL_MEDIA
                .iter()
                .map(|c| c.to_string())
                .collect(),
            social_sites: Vec::new(),
            non_work_categories: NON_WORK_DEFAULT.iter().map(|c| c.to_string()).collect(),
            max_non_work_minutes_per_day: 60,
            devices: BTreeMap::new(),
        }
    }
}

/// `[retention]`: the retention window, in days.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// Events older than this many days are purged.
    pub days: u32,
    /// Purge refuses a shorter window without `--override-minimum`. It may
    /// raise the built-in floor ([`MINIMUM_DAYS_FLOOR`], 365), never lower it.
    pub minimum_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig {
            days: 365,
            minimum_days: 365,
        }
    }
}

impl Config {
    /// Loads a config file, or the defaults when `path` is `None`, and checks
    /// every number against [`RANGES`] and the retention floor.
    ///
    /// # Errors
    /// Exit code 2 with the file name and the TOML error (line, column, key),
    /// or the key whose value is out of range.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Config> {
        Config::load_with(path, None)
    }

    /// As [`Config::load`], with `--policy NAME` given: the preset replaces
    /// the file's `[policy] preset`, and the file's other keys still win.
    ///
    /// # Errors
    /// As [`Config::load`]; an unknown preset (exit 2).
    pub fn load_with(path: Option<&Path>, preset: Option<&str>) -> anyhow::Result<Config> {
        let Some(path) = path else {
            let Some(name) = preset else {
                return Ok(Config::default());
            };
            let mut table = toml::Table::new();
            table.insert(
                "policy".into(),
                toml::Value::Table(toml::Table::from_iter([(
                    "preset".to_string(),
                    toml::Value::String(name.to_string()),
                )])),
            );
            let table = crate::usage::presets::apply(table)
                .map_err(|e| ExitError::usage(format!("--policy: {e}")))?;
            let mut config: Config = toml::Value::Table(table)
                .try_into()
                .map_err(|e| ExitError::usage(format!("--policy {name}: {e}")))?;
            config.set_by = origins(None, crate::usage::presets::get(name).ok().as_ref());
            return Ok(config);
        };
        let bytes =
            crate::fsutil::read_input(path, crate::fsutil::SMALL_INPUT_MAX).map_err(|e| {
                ExitError::usage(format!("cannot read config file {}: {e}", path.display()))
            })?;
        let text = String::from_utf8(bytes.clone()).map_err(|_| {
            ExitError::usage(format!("config file {} is not UTF-8 text", path.display()))
        })?;
        let bad = |e: &dyn std::fmt::Display| {
            ExitError::usage(format!("config file {}: {e}", path.display()))
        };
        let mut config: Config = toml::from_str(&text).map_err(|e| bad(&e))?;
        // The file as a TOML table, read once (for the preset's merge, and
        // for where each setting came from).
        let mut raw: Option<toml::Table> = None;
        if let Some(name) = preset {
            config.policy.preset = name.to_string();
        }
        if !config.policy.preset.is_empty() {
            // The preset's keys go under the file's own, then the whole is read
            // again. Read directly first: a TOML table holds only i64, so a huge
            // number would be a parse error there instead of a range error
            // naming its key.
            let read: toml::Table = toml::from_str(&text).map_err(|e| bad(&e))?;
            let mut table = read.clone();
            raw = Some(read);
            if let Some(name) = preset
                && let Some(policy) = table
                    .entry("policy")
                    .or_insert_with(|| toml::Value::Table(toml::Table::new()))
                    .as_table_mut()
            {
                policy.insert("preset".into(), toml::Value::String(name.to_string()));
            }
            let table = crate::usage::presets::apply(table).map_err(|e| bad(&e))?;
            config = toml::Value::Table(table).try_into().map_err(|e| bad(&e))?;
        }
        config
            .check_ranges()
            .map_err(|e| ExitError::usage(format!("config file {}: {e}", path.display())))?;
        let raw: toml::Table = match raw {
            Some(raw) => raw,
            None => toml::from_str(&text).map_err(|e| bad(&e))?,
        };
        let preset = (!config.policy.preset.is_empty())
            .then(|| crate::usage::presets::get(&config.policy.preset).ok())
            .flatten();
        config.set_by = origins(Some((&raw, &path.display().to_string())), preset.as_ref());
        config.source = Some(ConfigSource {
            path: path.display().to_string(),
            sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        });
        Ok(config)
    }

    /// Who set `key` (`"schedule.working_hours"`), in words: "the
    /// configuration file PATH", "the NAME preset", or "netusage's default
    /// (not set by the council)".
    pub fn origin(&self, key: &str) -> String {
        match self.set_by.get(key) {
            Some(SetBy::File(path)) => format!("the configuration file {path}"),
            Some(SetBy::Preset(name)) => format!("the {name} preset"),
            None => "netusage's default (not set by the council)".to_string(),
        }
    }

    /// The keys that decide a figure or a flag and that nobody set: each is
    /// netusage's default, never the council's (issue 24: defaults are
    /// labelled wherever they decide a figure). `[schedule]` keys count
    /// only for people without a schedule of their own in the people file.
    pub fn defaults_in_force(&self) -> Vec<&'static str> {
        const DECIDING: [&str; 9] = [
            "schedule.working_days",
            "schedule.working_hours",
            "schedule.breaks",
            "schedule.time_zone",
            "schedule.bank_holidays",
            "browse_time.idle_timeout_s",
            "browse_time.allowance_s",
            "policy.personal_use",
            "policy.max_working_minutes_per_day",
        ];
        DECIDING
            .into_iter()
            .filter(|k| !self.set_by.contains_key(*k))
            .collect()
    }

    /// When the working hours, days or breaks that split every figure were
    /// never set (neither by the configuration file nor by its preset), a
    /// sentence saying so, naming the defaults in force (issue 26: flags
    /// and usage under such a preset say so on every output).
    pub fn hours_default_note(&self) -> Option<String> {
        let unset: Vec<&str> = [
            "schedule.working_hours",
            "schedule.breaks",
            "schedule.working_days",
        ]
        .into_iter()
        .filter(|k| !self.set_by.contains_key(*k))
        .collect();
        if unset.is_empty() {
            return None;
        }
        let by = if self.policy.preset.is_empty() {
            "the configuration".to_string()
        } else {
            format!("the configuration or the {} preset", self.policy.preset)
        };
        let period = |v: &[[String; 2]]| {
            v.iter()
                .map(|p| format!("{}–{}", p[0], p[1]))
                .collect::<Vec<_>>()
                .join(", ")
        };
        Some(format!(
            "note: {} not set by {by}: netusage's defaults are in force (working hours {}, breaks {}, days {}), \
             not the council's; every split into working time, breaks and own time rests on them (for people \
             without a schedule of their own in the people file). Set [schedule] to the council's hours.",
            unset.join(", "),
            period(std::slice::from_ref(&self.schedule.working_hours)),
            if self.schedule.breaks.is_empty() {
                "none".to_string()
            } else {
                period(&self.schedule.breaks)
            },
            self.schedule.working_days.join(", ")
        ))
    }

    /// The value of a numeric key named in [`RANGES`].
    fn number(&self, section: &str, key: &str) -> u64 {
        match (section, key) {
            ("browse_time", "idle_timeout_s") => self.browse_time.idle_timeout_s,
            ("browse_time", "allowance_s") => self.browse_time.allowance_s,
            ("policy", "max_working_minutes_per_day") => self.policy.max_working_minutes_per_day,
            ("policy", "max_own_time_minutes_per_day") => self.policy.max_own_time_minutes_per_day,
            ("policy", "min_flagged_days") => u64::from(self.policy.min_flagged_days),
            ("policy", "max_non_work_minutes_per_day") => self.policy.max_non_work_minutes_per_day,
            ("retention", "days") => u64::from(self.retention.days),
            ("identity", "dns_window_s") => self.identity.dns_window_s,
            ("retention", "minimum_days") => u64::from(self.retention.minimum_days),
            ("authorisation", "max_validity_days") => {
                u64::from(self.authorisation.max_validity_days)
            }
            ("authorisation", "max_period_days") => u64::from(self.authorisation.max_period_days),
            _ => unreachable!("every key in RANGES is matched"),
        }
    }

    /// Checks every number against [`RANGES`], and `[retention] days`
    /// against `minimum_days`.
    ///
    /// # Errors
    /// The first key out of range, named with its range.
    pub fn check_ranges(&self) -> Result<(), String> {
        for (section, key, lo, hi, unit) in RANGES {
            let v = self.number(section, key);
            if v < lo || v > hi {
                let why = if section == "retention" && v < lo {
                    " (the one-year floor from the seed policies is built in; a config may raise it, \
                     only `purge --override-minimum \"reason\"` lowers it, for one run)"
                        .to_string()
                } else {
                    String::new()
                };
                return Err(format!(
                    "[{section}] {key} = {v} is out of range: it must be {lo} to {hi} {unit}{why}"
                ));
            }
        }
        if self.retention.days < self.retention.minimum_days {
            return Err(format!(
                "[retention] days = {} is below [retention] minimum_days = {}",
                self.retention.days, self.retention.minimum_days
            ));
        }
        for r in &self.identity.local_realms {
            if r.trim().is_empty() || r.contains(['\\', '@']) {
                return Err(format!(
                    "[identity] local_realms: `{r}` is not a realm name (give `CORP` or `corp.council.gov.uk`)"
                ));
            }
        }
        Ok(())
    }

    /// The organisation's own realms, for user-name normalisation.
    pub fn realms(&self) -> Realms {
        Realms::new(&self.identity.local_realms)
    }

    /// What the audit log records of the configuration: the file and its
    /// SHA-256 (or `defaults`), and every effective setting.
    pub fn audit_record(&self) -> serde_json::Value {
        serde_json::json!({
            "file": self.source.as_ref().map(|s| s.path.clone()),
            "sha256": self.source.as_ref().map(|s| s.sha256.clone()),
            "policy_files": self.policy_files(),
            "effective": self,
        })
    }

    /// The files `[policy]` names (`exempt_users_file`, `designated_file`)
    /// with their SHA-256 as the audit entry records them (hashed when the
    /// entry is made; `null` for a file that cannot be read then), like the
    /// people and leave files: who was designated is part of what decided
    /// a run.
    fn policy_files(&self) -> Vec<serde_json::Value> {
        [
            ("exempt_users_file", &self.policy.exempt_users_file),
            ("designated_file", &self.policy.designated_file),
        ]
        .into_iter()
        .filter(|(_, path)| !path.is_empty())
        .map(|(key, path)| {
            serde_json::json!({
                "key": key,
                "path": path,
                "sha256": crate::store::sha256_file(Path::new(path)).ok(),
            })
        })
        .collect()
    }

    /// The validated schedule.
    ///
    /// # Errors
    /// Exit code 2 naming the bad key and value.
    pub fn schedule(&self) -> anyhow::Result<Schedule> {
        Schedule::from_config(&self.schedule)
            .map_err(|e| ExitError::usage(format!("config [schedule]: {e}")))
    }

    /// The named schedules as written: each `[schedules.<name>]` laid over
    /// the default `[schedule]`.
    ///
    /// # Errors
    /// Exit code 2 naming the schedule and the bad key.
    pub fn named_specs(&self) -> anyhow::Result<BTreeMap<String, ScheduleConfig>> {
        let mut out = BTreeMap::new();
        for (name, keys) in &self.schedules {
            let bad = |e: &dyn std::fmt::Display| {
                ExitError::usage(format!("config [schedules.{name}]: {e}"))
            };
            if name == crate::usage::profile::DEFAULT {
                return Err(bad(
                    &"`default` names [schedule] itself; choose another name",
                ));
            }
            let mut table = match toml::Value::try_from(&self.schedule) {
                Ok(toml::Value::Table(t)) => t,
                _ => toml::Table::new(),
            };
            for (k, v) in keys {
                table.insert(k.clone(), v.clone());
            }
            out.insert(
                name.clone(),
                toml::Value::Table(table).try_into().map_err(|e| bad(&e))?,
            );
        }
        Ok(out)
    }

    /// The named schedules, validated.
    ///
    /// # Errors
    /// Exit code 2 naming the schedule, key and value.
    pub fn named_schedules(&self) -> anyhow::Result<BTreeMap<String, Schedule>> {
        self.named_specs()?
            .into_iter()
            .map(|(name, spec)| {
                let s = Schedule::from_config(&spec)
                    .map_err(|e| ExitError::usage(format!("config [schedules.{name}]: {e}")))?;
                Ok((name, s))
            })
            .collect()
    }

    /// The profiles: the default and named schedules, with the people and
    /// leave files of `[profiles]` read (paths relative to the working
    /// directory). Returns them with the SHA-256 of each file read, for the
    /// audit log.
    ///
    /// # Errors
    /// Exit code 2: a bad schedule, an unreadable file, or a bad row (file
    /// and line named).
    pub fn profiles(&self) -> anyhow::Result<(Profiles, Vec<ConfigSource>)> {
        let mut profiles = Profiles::new(self.schedule()?, self.named_schedules()?);
        let realms = self.realms();
        let mut sources = Vec::new();
        for (path, people) in [(&self.profiles.people, true), (&self.profiles.leave, false)] {
            if path.is_empty() {
                continue;
            }
            let bytes = crate::fsutil::read_input(Path::new(path), crate::fsutil::SMALL_INPUT_MAX)
                .map_err(|e| ExitError::usage(format!("cannot read {path}: {e}")))?;
            let read = if people {
                profiles.read_people(&bytes, path, &realms)
            } else {
                profiles.read_leave(&bytes, path, &realms)
            };
            read.map_err(ExitError::usage)?;
            sources.push(ConfigSource {
                path: path.clone(),
                sha256: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
            });
        }
        Ok((profiles, sources))
    }

    /// The validated policy, with the exempt users of `exempt_users` and of
    /// `exempt_users_file` (read now, relative to the working directory).
    ///
    /// # Errors
    /// Exit code 2 for an unknown `personal_use` or an unreadable list.
    pub fn policy(&self) -> anyhow::Result<Policy> {
        let personal_use = PersonalUse::parse(&self.policy.personal_use)
            .map_err(|e| ExitError::usage(format!("config [policy]: {e}")))?;
        let mut names = self.policy.exempt_users.clone();
        let file = &self.policy.exempt_users_file;
        if !file.is_empty() {
            let text =
                crate::fsutil::read_input_text(Path::new(file), crate::fsutil::SMALL_INPUT_MAX)
                    .map_err(|e| {
                        ExitError::usage(format!("[policy] exempt_users_file {file}: {e}"))
                    })?;
            names.extend(
                text.lines()
                    .map(|l| l.split('#').next().unwrap_or("").trim().to_string())
                    .filter(|l| !l.is_empty()),
            );
        }
        let realms = self.realms();
        let quotes = if self.policy.preset.is_empty() {
            BTreeMap::new()
        } else {
            crate::usage::presets::get(&self.policy.preset)
                .map_err(ExitError::usage)?
                .quotes()
        };
        Ok(Policy {
            personal_use,
            max_counted_s_per_day: self.policy.max_working_minutes_per_day.saturating_mul(60),
            max_own_s_per_day: self.policy.max_own_time_minutes_per_day.saturating_mul(60),
            min_flagged_days: self.policy.min_flagged_days,
            exempt_users: names
                .iter()
                .map(|u| crate::identity::normalise_user(Some(u.trim()), "", &realms).into_owned())
                .collect(),
            social: crate::usage::policy::SocialMedia {
                categories: self.policy.social_categories.iter().cloned().collect(),
                sites: self.policy.social_sites.iter().cloned().collect(),
            },
            non_work: self.policy.non_work_categories.iter().cloned().collect(),
            max_non_work_s_per_day: self.policy.max_non_work_minutes_per_day.saturating_mul(60),
            work_use: self
                .work_use()
                .map_err(|e| ExitError::usage(format!("config [policy]: {e}")))?,
            quotes,
            devices: self.device_rules().map_err(ExitError::usage)?,
        })
    }

    /// The `[policy.devices.<type>]` rules, validated: each type one of
    /// [`crate::identity::sources::assets::DEVICE_TYPES`] (any case), once;
    /// its `personal_use` `breaks_only` or `not_permitted` (the own-time
    /// kinds would lose their own-time limit), or `main` (no rule of its
    /// own: left out); its limit 0 to 1,440 minutes.
    ///
    /// # Errors
    /// The rule and what is wrong with it.
    pub fn device_rules(
        &self,
    ) -> Result<BTreeMap<&'static str, crate::usage::policy::DeviceRule>, String> {
        let mut out = BTreeMap::new();
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for (name, rule) in &self.policy.devices {
            let at = format!("config [policy.devices.{name}]");
            let kind = crate::identity::sources::assets::device_type(name)
                .map_err(|e| format!("{at}: {e}"))?
                .ok_or_else(|| format!("{at}: a device type is needed"))?;
            if let Some(other) = seen.insert(kind, name) {
                return Err(format!(
                    "{at}: [policy.devices.{other}] is a rule for the same type, {kind}: give one"
                ));
            }
            if rule.personal_use == "main" {
                continue;
            }
            let personal_use = match PersonalUse::parse(&rule.personal_use) {
                Ok(p @ (PersonalUse::BreaksOnly | PersonalUse::NotPermitted)) => p,
                Ok(_) => {
                    return Err(format!(
                        "{at}: personal_use = \"{}\" has an own-time limit a device rule does not keep: \
                         it must be breaks_only, not_permitted or main",
                        rule.personal_use
                    ));
                }
                Err(e) => return Err(format!("{at}: {e} (or main)")),
            };
            if rule.max_working_minutes_per_day > 1_440 {
                return Err(format!(
                    "{at}: max_working_minutes_per_day = {} is out of range: it must be 0 to 1440 minutes",
                    rule.max_working_minutes_per_day
                ));
            }
            out.insert(
                kind,
                crate::usage::policy::DeviceRule {
                    personal_use,
                    max_counted_s_per_day: rule.max_working_minutes_per_day * 60,
                },
            );
        }
        Ok(out)
    }

    /// The scoped designations and the business allow-list, validated:
    /// every entry named (names unique), with something to cover; a
    /// designation with a user and a `from` date (local dates in the default
    /// schedule's zone); teams known.
    ///
    /// # Errors
    /// The entry and what is wrong with it.
    pub fn work_use(&self) -> Result<crate::usage::work_use::WorkUse, String> {
        use crate::usage::work_use::{Allowed, Designation, Scope, WorkUse};
        let realms = self.realms();
        let user =
            |u: &str| crate::identity::normalise_user(Some(u.trim()), "", &realms).into_owned();
        let lower = |v: &[String]| v.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        let mut names = std::collections::BTreeSet::new();
        let mut name_ok = |kind: &str, i: usize, name: &str| {
            let ok = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
            if !ok {
                return Err(format!(
                    "[[policy.{kind}]] entry {}: `name` must be a short name of letters, digits, - _ . (got `{name}`)",
                    i + 1
                ));
            }
            if !names.insert(format!("{kind}:{name}")) {
                return Err(format!(
                    "[[policy.{kind}]] entry {}: the name `{name}` is used twice",
                    i + 1
                ));
            }
            Ok(())
        };
        use crate::usage::schedule::Plan;
        let schedule = self.schedule().map_err(|e| e.to_string())?;
        let mut out = WorkUse::default();
        let mut entries: Vec<(Option<String>, DesignationConfig)> = self
            .policy
            .designated
            .iter()
            .map(|d| (None, d.clone()))
            .collect();
        let file = &self.policy.designated_file;
        if !file.is_empty() {
            let bytes = crate::fsutil::read_input(Path::new(file), crate::fsutil::SMALL_INPUT_MAX)
                .map_err(|e| format!("[policy] designated_file {file}: {e}"))?;
            let columns = ["name", "user", "sites", "from", "to", "list"];
            for (line, f) in crate::usage::profile::read_csv(&bytes, file, &columns)? {
                let d = DesignationConfig {
                    name: f[0].clone(),
                    user: f[1].clone(),
                    sites: f[2]
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from)
                        .collect(),
                    from: f[3].clone(),
                    to: f[4].clone(),
                    list: f[5].clone(),
                    ..DesignationConfig::default()
                };
                entries.push((Some(format!("{file} line {line}")), d));
            }
        }
        for (i, (origin, d)) in entries.iter().enumerate() {
            name_ok("designated", i, &d.name).map_err(|e| match origin {
                Some(o) => format!("{o}: {e}"),
                None => e,
            })?;
            let at = |what: &str| match origin {
                Some(o) => format!("{o}: designation `{}`: {what}", d.name),
                None => format!("[[policy.designated]] `{}`: {what}", d.name),
            };
            let scope = Scope {
                sites: d.sites.clone(),
                categories: d.categories.clone(),
                hosts: lower(&d.hosts),
                url_prefixes: d.url_prefixes.clone(),
            };
            if scope.is_empty() {
                return Err(at(
                    "give the sites, categories, hosts or url_prefixes it covers (an unscoped designation is `exempt_users`)",
                ));
            }
            if d.user.trim().is_empty() {
                return Err(at("`user` is missing"));
            }
            let date = |v: &str, key: &str| {
                chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
                    .map_err(|_| at(&format!("`{key}` must be a date YYYY-MM-DD, not `{v}`")))
            };
            let from = date(&d.from, "from")?;
            let to = if d.to.trim().is_empty() {
                None
            } else {
                Some(date(&d.to, "to")?)
            };
            if let Some(t) = to
                && t < from
            {
                return Err(at(&format!("`to` {t} is before `from` {from}")));
            }
            let end = to
                .and_then(|t| t.succ_opt())
                .map_or(i64::MAX, |t| schedule.day_start(t));
            out.designations.push(Designation {
                name: d.name.clone(),
                user: user(&d.user),
                scope,
                from,
                to,
                list: d.list.clone(),
                range_ms: (schedule.day_start(from), end),
            });
        }
        for (i, a) in self.policy.business.iter().enumerate() {
            name_ok("business", i, &a.name)?;
            let scope = Scope {
                sites: a.sites.clone(),
                categories: a.categories.clone(),
                hosts: lower(&a.hosts),
                url_prefixes: a.url_prefixes.clone(),
            };
            if scope.is_empty() {
                return Err(format!(
                    "[[policy.business]] `{}`: give the sites, categories, hosts or url_prefixes it allows",
                    a.name
                ));
            }
            let mut members: Vec<String> = a.users.iter().map(|u| user(u)).collect();
            for t in &a.teams {
                let team = self.policy.teams.get(t).ok_or_else(|| {
                    format!(
                        "[[policy.business]] `{}`: no team `{t}` in [policy.teams]",
                        a.name
                    )
                })?;
                members.extend(team.iter().map(|u| user(u)));
            }
            out.allowed.push(Allowed {
                name: a.name.clone(),
                scope,
                users: (!(a.users.is_empty() && a.teams.is_empty()))
                    .then(|| members.into_iter().collect()),
                teams: a.teams.clone(),
            });
        }
        Ok(out)
    }

    /// The browse-time parameters.
    pub fn params(&self) -> Params {
        Params {
            // In range by `check_ranges`: at most 86 400 000 ms.
            idle_timeout_ms: i64::try_from(self.browse_time.idle_timeout_s)
                .unwrap_or(i64::MAX / 4)
                .saturating_mul(1000),
            allowance_ms: i64::try_from(self.browse_time.allowance_s)
                .unwrap_or(i64::MAX / 4)
                .saturating_mul(1000),
            exclude_background: self.browse_time.exclude_background,
            align_ms: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> Config {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn designations_and_the_allow_list_are_read_with_their_dates_teams_and_users() {
        let c = config(
            "[identity]\nlocal_realms = [\"CORP\"]\n\
             [[policy.designated]]\nname = \"housing-fb\"\nuser = \"CORP\\\\HComms\"\nsites = [\"facebook\"]\n\
             hosts = [\"WWW.Facebook.com\"]\nfrom = \"2025-06-01\"\nto = \"2025-06-30\"\nlist = \"approved list\"\n\
             [[policy.business]]\nname = \"recruiting\"\nsites = [\"linkedin\"]\nteams = [\"hr\"]\nusers = [\"boss\"]\n\
             [[policy.business]]\nname = \"own-pages\"\nurl_prefixes = [\"https://www.facebook.com/Council\"]\n\
             [policy.teams]\nhr = [\"CORP\\\\RJones\"]\n",
        );
        let w = c.work_use().unwrap();
        let d = &w.designations[0];
        assert_eq!(
            (d.user.as_str(), d.scope.hosts.clone()),
            ("hcomms", vec!["www.facebook.com".to_string()])
        );
        // 1 June to the end of 30 June, Europe/London (BST): 23:00 UTC the day before.
        assert_eq!(d.range_ms, (1_748_732_400_000, 1_751_324_400_000));
        assert_eq!(
            w.allowed[0].users.as_ref().map(|u| {
                let mut v: Vec<&String> = u.iter().collect();
                v.sort();
                v.into_iter().cloned().collect::<Vec<_>>()
            }),
            Some(vec!["boss".to_string(), "rjones".to_string()])
        );
        assert_eq!(w.allowed[1].users, None, "no users and no teams: everyone");
        assert!(w.needs_url());
    }

    #[test]
    fn a_bad_designation_or_allow_list_entry_is_refused_naming_it() {
        let err = |text: &str| config(text).work_use().unwrap_err();
        assert_eq!(
            err("[[policy.designated]]\nname = \"x\"\nuser = \"a\"\nfrom = \"2025-01-01\"\n"),
            "[[policy.designated]] `x`: give the sites, categories, hosts or url_prefixes it covers (an unscoped designation is `exempt_users`)"
        );
        assert_eq!(
            err(
                "[[policy.designated]]\nname = \"x\"\nuser = \"a\"\nsites = [\"x\"]\nfrom = \"1 June\"\n"
            ),
            "[[policy.designated]] `x`: `from` must be a date YYYY-MM-DD, not `1 June`"
        );
        assert_eq!(
            err(
                "[[policy.designated]]\nname = \"x\"\nuser = \"a\"\nsites = [\"x\"]\nfrom = \"2025-06-02\"\nto = \"2025-06-01\"\n"
            ),
            "[[policy.designated]] `x`: `to` 2025-06-01 is before `from` 2025-06-02"
        );
        assert_eq!(
            err("[[policy.designated]]\nname = \"x\"\nsites = [\"x\"]\nfrom = \"2025-06-02\"\n"),
            "[[policy.designated]] `x`: `user` is missing"
        );
        assert_eq!(
            err("[[policy.business]]\nname = \"a b\"\nsites = [\"x\"]\n"),
            "[[policy.business]] entry 1: `name` must be a short name of letters, digits, - _ . (got `a b`)"
        );
        assert_eq!(
            err(
                "[[policy.business]]\nname = \"a\"\nsites = [\"x\"]\n[[policy.business]]\nname = \"a\"\nsites = [\"y\"]\n"
            ),
            "[[policy.business]] entry 2: the name `a` is used twice"
        );
        assert_eq!(
            err("[[policy.business]]\nname = \"a\"\nsites = [\"x\"]\nteams = [\"hr\"]\n"),
            "[[policy.business]] `a`: no team `hr` in [policy.teams]"
        );
    }

    #[test]
    fn designations_can_be_a_file_and_a_bad_row_is_refused_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lists.csv");
        std::fs::write(
            &file,
            "name,user,sites,from,to,list\n\
             comms-fb,amanda,facebook; x,2025-04-01,,approved business social media user list\n\
             ict-view,jb,facebook,2025-04-01,2025-09-30,ICT view/read access\n",
        )
        .unwrap();
        let path = file.display().to_string();
        let c = config(&format!("[policy]\ndesignated_file = {path:?}\n"));
        // The audit entry of a run holds the file's SHA-256.
        let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            std::fs::read(&file).unwrap(),
        ));
        assert_eq!(
            c.audit_record()["policy_files"],
            serde_json::json!([{ "key": "designated_file", "path": path, "sha256": sha }])
        );
        let w = c.work_use().unwrap();
        /// Name, user, sites, last date, list.
        type Row<'a> = (&'a str, &'a str, Vec<String>, Option<String>, &'a str);
        let got: Vec<Row<'_>> = w
            .designations
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.user.as_str(),
                    d.scope.sites.clone(),
                    d.to.map(|t| t.to_string()),
                    d.list.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "comms-fb",
                    "amanda",
                    vec!["facebook".to_string(), "x".to_string()],
                    None,
                    "approved business social media user list"
                ),
                (
                    "ict-view",
                    "jb",
                    vec!["facebook".to_string()],
                    Some("2025-09-30".to_string()),
                    "ICT view/read access"
                ),
            ]
        );
        std::fs::write(
            &file,
            "name,user,sites,from,to,list\ncomms-fb,amanda,facebook,2025-04-01,,\n\nbad,jb,facebook,last week,,\n",
        )
        .unwrap();
        assert_eq!(
            c.work_use().unwrap_err(),
            format!(
                "{path} line 4: designation `bad`: `from` must be a date YYYY-MM-DD, not `last week`"
            )
        );
    }

    #[test]
    fn the_hours_note_names_the_defaults_until_the_hours_are_set() {
        let mut c = Config::default();
        let note = c.hours_default_note().unwrap();
        assert!(
            note.starts_with(
                "note: schedule.working_hours, schedule.breaks, schedule.working_days not set by the configuration: \
                 netusage's defaults are in force (working hours 09:00–17:00, breaks 12:30–13:30, days Mon, Tue, Wed, Thu, Fri)"
            ),
            "{note}"
        );
        for k in [
            "schedule.working_hours",
            "schedule.breaks",
            "schedule.working_days",
        ] {
            c.set_by.insert(k.into(), SetBy::File("c.toml".into()));
        }
        assert_eq!(c.hours_default_note(), None);
    }
}
