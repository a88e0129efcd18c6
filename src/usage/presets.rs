//! Policy presets: the councils' own rules, compiled in from
//! `policies/<name>.toml`, chosen with `[policy] preset = "<name>"`.
//!
//! Each preset quotes the clause it encodes and names the council's policy
//! it comes from (`docs/policies/`, the published text). It gives the `[policy]` (and where the council's
//! country needs it, `[schedule]`) keys; any key the config file sets itself
//! wins. Thresholds are defaults: the literal reading of each clause ("any
//! use" is more than 0 minutes); the organisation sets its own.

use serde::Deserialize;

/// One preset, as its file states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// The name to choose it by.
    pub name: String,
    /// The council whose policy it encodes.
    pub council: String,
    /// The policy document and clause.
    pub document: String,
    /// The policy file the clause is quoted from (`docs/policies/...`).
    pub seed: String,
    /// The clause, quoted (elisions marked `[...]`).
    pub clause: String,
    /// What the preset makes the tool count and flag, in words.
    pub encodes: String,
    /// The `[policy]` keys it sets.
    pub policy: toml::Table,
    /// The `[schedule]` keys it sets, if any.
    #[serde(default)]
    pub schedule: toml::Table,
    /// The clause that requires screening of everyone's records to be
    /// authorised (`usage`, `flags`, `analyse` then need `--screening`);
    /// empty when the policy does not say so.
    #[serde(default)]
    pub screening_clause: String,
    /// The clause that asks the council to tell an employee before their
    /// usage is monitored (North West Leicestershire 3.1): a screening run
    /// then records the notice it relies on (`--notice REF`). Empty: none.
    #[serde(default)]
    pub notice_clause: String,
    /// The other clauses encoded: the social-media definition, the
    /// non-work finding, designations, business use, records, devices.
    #[serde(default)]
    pub clauses: Vec<Clause>,
    /// What the preset takes from netusage rather than the policy, each in
    /// words with the word "default".
    #[serde(default)]
    pub defaults: Vec<String>,
    /// What the policy leaves to HR and the tool does not decide.
    #[serde(default)]
    pub left_to_hr: Vec<String>,
}

/// One encoded clause beside the main one.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Clause {
    /// What it governs: `social_media`, `non_work`, `own_time`,
    /// `designated`, `view_read`, `business`, `records`, `devices`.
    pub topic: String,
    /// Where it is in the policy (clause number or heading).
    pub reference: String,
    /// The words, quoted (elisions marked `[...]`).
    pub quote: String,
    /// What netusage does with it.
    pub encodes: String,
}

impl Preset {
    /// The clause of `topic`, if the preset encodes one.
    pub fn clause_of(&self, topic: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.topic == topic)
    }

    /// The quote each finding rests on, by [`super::policy::Reason::name`]:
    /// `counted` the main clause, `own_time` its own clause (else the
    /// main one), `non_work` the non-work clause when there is one.
    pub fn quotes(&self) -> std::collections::BTreeMap<String, String> {
        let mut out = std::collections::BTreeMap::new();
        out.insert("counted".to_string(), self.clause.clone());
        out.insert(
            "own_time".to_string(),
            self.clause_of("own_time")
                .map_or_else(|| self.clause.clone(), |c| c.quote.clone()),
        );
        if let Some(c) = self.clause_of("non_work") {
            out.insert("non_work".to_string(), c.quote.clone());
        }
        // A device rule's finding quotes the devices clause.
        if let (Some(c), Some(devices)) = (
            self.clause_of("devices"),
            self.policy.get("devices").and_then(|d| d.as_table()),
        ) {
            for t in devices.keys() {
                if let Ok(Some(t)) = crate::identity::sources::assets::device_type(t) {
                    let name = super::policy::Reason::Device(t).name();
                    out.insert(name.to_string(), c.quote.clone());
                }
            }
        }
        out
    }
}

/// The presets' files, by name.
const FILES: [(&str, &str); 5] = [
    ("chelmsford", include_str!("../../policies/chelmsford.toml")),
    ("charnwood", include_str!("../../policies/charnwood.toml")),
    (
        "north-west-leicestershire",
        include_str!("../../policies/north-west-leicestershire.toml"),
    ),
    ("sheffield", include_str!("../../policies/sheffield.toml")),
    (
        "west-dunbartonshire",
        include_str!("../../policies/west-dunbartonshire.toml"),
    ),
];

/// Every preset, in name order.
pub fn all() -> Vec<Preset> {
    let mut out: Vec<Preset> = FILES
        .iter()
        .map(|(name, text)| {
            toml::from_str(text).unwrap_or_else(|e| panic!("policies/{name}.toml is invalid: {e}"))
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// The preset called `name`.
///
/// # Errors
/// No such preset: the message lists the ones there are.
pub fn get(name: &str) -> Result<Preset, String> {
    let all = all();
    if let Some(p) = all.iter().find(|p| p.name == name) {
        return Ok(p.clone());
    }
    let names: Vec<&str> = all.iter().map(|p| p.name.as_str()).collect();
    Err(format!(
        "no policy preset `{name}`; presets: {}",
        names.join(", ")
    ))
}

/// Lays the preset named in `[policy] preset` under the file's own keys:
/// the preset's `[policy]` and `[schedule]` keys, then the file's (the
/// `[policy.devices.<type>]` rules type by type). A file without a preset
/// is returned as it is.
///
/// # Errors
/// An unknown preset, or a `preset` that is not a string.
pub fn apply(mut file: toml::Table) -> Result<toml::Table, String> {
    let Some(name) = file.get("policy").and_then(|p| p.get("preset")) else {
        return Ok(file);
    };
    let name = name
        .as_str()
        .ok_or("[policy] preset must be a name in quotes, e.g. preset = \"chelmsford\"")?
        .to_string();
    let preset = get(&name)?;
    for (section, keys) in [("policy", preset.policy), ("schedule", preset.schedule)] {
        let table = file
            .entry(section)
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        let Some(table) = table.as_table_mut() else {
            return Err(format!("[{section}] must be a table"));
        };
        for (k, v) in keys {
            // The device rules merge type by type: a file's rule for one
            // type leaves the preset's rules for the others in force (a
            // file drops one with `personal_use = "main"`).
            if k == "devices"
                && let (Some(toml::Value::Table(mine)), toml::Value::Table(theirs)) =
                    (table.get_mut(&k), &v)
            {
                for (t, rule) in theirs {
                    mine.entry(t.clone()).or_insert_with(|| rule.clone());
                }
                continue;
            }
            table.entry(k).or_insert(v);
        }
    }
    Ok(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_parses_quotes_its_seed_and_sets_a_known_personal_use() {
        let all = all();
        assert_eq!(
            all.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
            [
                "charnwood",
                "chelmsford",
                "north-west-leicestershire",
                "sheffield",
                "west-dunbartonshire"
            ]
        );
        for p in &all {
            assert!(
                p.seed.ends_with(".txt") && !p.clause.is_empty(),
                "{}",
                p.name
            );
            let use_ = p.policy["personal_use"].as_str().unwrap();
            assert!(
                crate::usage::policy::PersonalUse::parse(use_).is_ok(),
                "{}",
                p.name
            );
        }
        assert_eq!(
            get("west-dunbartonshire").unwrap().schedule["bank_holidays"].as_str(),
            Some("scotland")
        );
    }

    /// The policy a preset's `[policy]` keys give (the config's defaults
    /// for keys it leaves out: 15 and 60 minutes, 1 day).
    fn policy_of(name: &str) -> crate::usage::policy::Policy {
        use crate::usage::policy::{PersonalUse, Policy};
        let p = get(name).unwrap().policy;
        let num = |k: &str, d: i64| p.get(k).and_then(|v| v.as_integer()).unwrap_or(d);
        Policy {
            max_counted_s_per_day: num("max_working_minutes_per_day", 15) as u64 * 60,
            max_own_s_per_day: num("max_own_time_minutes_per_day", 60) as u64 * 60,
            min_flagged_days: num("min_flagged_days", 1) as u32,
            ..Policy::with_defaults(
                PersonalUse::parse(p["personal_use"].as_str().unwrap()).unwrap(),
            )
        }
    }

    #[test]
    fn every_quote_is_in_its_policy_text() {
        for p in all() {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(&p.seed);
            let text = std::fs::read_to_string(&path).unwrap();
            // Curly apostrophes as straight ones; the text's link marks
            // (`[Electronically](#)`) as their words.
            let text = text
                .replace(['\u{2019}', '\u{2018}'], "'")
                .replace("](#)", "")
                .replace('[', "");
            let mut quotes = vec![("clause", p.clause.clone())];
            if !p.screening_clause.is_empty() {
                quotes.push(("screening_clause", p.screening_clause.clone()));
            }
            if !p.notice_clause.is_empty() {
                quotes.push(("notice_clause", p.notice_clause.clone()));
            }
            for c in &p.clauses {
                quotes.push(("clauses", c.quote.clone()));
            }
            for (what, q) in quotes {
                for part in q.split(" [...] ") {
                    assert!(
                        text.contains(part),
                        "{}: {what}: not in {}: {part}",
                        p.name,
                        p.seed
                    );
                }
            }
            for d in &p.defaults {
                assert!(d.contains("default"), "{}: {d}", p.name);
            }
        }
    }

    #[test]
    fn each_preset_flags_the_days_its_clause_says() {
        use crate::usage::schedule::Split;
        use chrono::NaiveDate;
        use std::collections::BTreeMap;
        let min = |m: i64| m * 60_000;
        let day = |d: u32| NaiveDate::from_ymd_opt(2025, 6, d).unwrap();
        // 9th: 10 min at lunch; 10th: 5 min in core hours; 11th: 20 min in
        // the flexitime band outside core hours; 12th: 50 min at lunch and
        // 30 min in the evening.
        let days = BTreeMap::from([
            (
                day(9),
                Split {
                    break_ms: min(10),
                    ..Split::default()
                },
            ),
            (
                day(10),
                Split {
                    working_ms: min(5),
                    core_ms: min(5),
                    ..Split::default()
                },
            ),
            (
                day(11),
                Split {
                    working_ms: min(20),
                    ..Split::default()
                },
            ),
            (
                day(12),
                Split {
                    break_ms: min(50),
                    outside_ms: min(30),
                    ..Split::default()
                },
            ),
        ]);
        let flagged = |name: &str| -> Vec<u32> {
            use chrono::Datelike;
            policy_of(name)
                .evaluate("someone", &days)
                .0
                .iter()
                .map(|d| d.date.day())
                .collect()
        };
        assert_eq!(flagged("chelmsford"), [10, 11], "working time only");
        assert_eq!(flagged("charnwood"), [10, 11], "working time only");
        assert_eq!(
            flagged("sheffield"),
            [10, 12],
            "core hours, and 80 min of own time"
        );
        assert_eq!(
            flagged("north-west-leicestershire"),
            [9, 10, 11, 12],
            "any time"
        );
        assert_eq!(flagged("west-dunbartonshire"), [9, 10, 11, 12], "any time");
    }

    #[test]
    fn the_files_own_keys_win_over_the_preset() {
        let file: toml::Table =
            toml::from_str("[policy]\npreset = \"chelmsford\"\nmax_working_minutes_per_day = 20\n")
                .unwrap();
        let merged = apply(file).unwrap();
        assert_eq!(
            merged["policy"]["max_working_minutes_per_day"].as_integer(),
            Some(20)
        );
        assert_eq!(
            merged["policy"]["personal_use"].as_str(),
            Some("breaks_only")
        );
        assert_eq!(merged["policy"]["min_flagged_days"].as_integer(), Some(1));
    }

    #[test]
    fn an_unknown_preset_names_the_ones_there_are() {
        assert!(
            get("sheffield").unwrap().schedule.is_empty(),
            "no flexitime band unless the council assigns flexi schedules"
        );
        let e = get("leeds").unwrap_err();
        assert!(
            e.starts_with("no policy preset `leeds`; presets: charnwood"),
            "{e}"
        );
    }
}
