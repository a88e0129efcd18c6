//! `report.html`: one self-contained page for an HR case officer, or for
//! the employee in a subject access copy (no network, no script),
//! printable to A4 with a running header and footer on every page, with
//! inline SVG charts.
//!
//! The page is built with maud templates, one function per section: every
//! value spliced into a template is HTML-escaped, so text from the logs or
//! the record (names, URLs, reasons) can never become markup. The only text
//! written unescaped is the stylesheet, whose few values from the record
//! (reference, employee id) are written as CSS escapes ([`css_string`]).
//!
//! By job: [`first_page`] (the plain-English summary that opens the
//! page), [`sections`] (the numbered sections behind it), [`charts`] (the
//! per-day bar chart and the timelines).

pub mod charts;
pub mod first_page;
pub mod sections;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::authorisation::Authorisation;
use super::gate::Purpose;
use super::pack::{SessionRow, Summary};
use crate::config::Config;
use crate::usage::presets::Preset;
use crate::usage::schedule::Plan;

/// Seconds as minutes with one decimal.
pub(crate) fn min(s: i64) -> String {
    format!("{:.1}", s as f64 / 60.0)
}

/// What the report shows.
pub struct ReportData<'a> {
    /// The authorisation record.
    pub auth: &'a Authorisation,
    /// The registered authoriser whose key signed it.
    pub signer: &'a crate::store::registry::Person,
    /// The figures.
    pub summary: &'a Summary,
    /// Every session.
    pub sessions: &'a [SessionRow],
    /// The schedule (for shading timelines).
    pub schedule: &'a dyn Plan,
    /// The configuration in force.
    pub config: &'a Config,
    /// Its validated policy: the one the figures were made under (read
    /// once: its files are not read again for the page).
    pub policy: &'a crate::usage::policy::Policy,
    /// Who made the pack, in words.
    pub operator: &'a str,
    /// When (UTC, RFC 3339).
    pub made_at: &'a str,
    /// Hash of the audit entry that granted the pack.
    pub audit_hash: &'a str,
    /// Fingerprint of the store key that signs the pack.
    pub key_fingerprint: &'a str,
    /// An investigation's pack for HR, or the employee's own copy.
    pub purpose: Purpose,
}

/// How a line of [`Summary::profile`] that assigns a schedule starts (the
/// others are leave days): `crate::evidence::build` writes them.
pub const SCHEDULE_LINE: &str = "schedule ";

/// What the HR exports (the people and leave files) gave for the subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exports {
    /// Schedules or leave of theirs in the period ([`Summary::profile`]).
    Lines,
    /// No people file and no leave file was given at all.
    NoneGiven,
    /// Files were given, with nothing for this employee in the period.
    NothingForSubject,
}

impl ReportData<'_> {
    /// The council preset in force, when the configuration names one.
    pub fn preset(&self) -> Option<Preset> {
        let name = &self.config.policy.preset;
        (!name.is_empty())
            .then(|| crate::usage::presets::get(name).ok())
            .flatten()
    }

    /// The people file gives the subject a schedule of their own in the
    /// period.
    pub fn own_schedule(&self) -> bool {
        (self.summary.profile.iter()).any(|l| l.starts_with(SCHEDULE_LINE))
    }

    /// What the HR exports gave for the subject.
    pub fn exports(&self) -> Exports {
        let p = &self.config.profiles;
        if !self.summary.profile.is_empty() {
            Exports::Lines
        } else if p.people.is_empty() && p.leave.is_empty() {
            Exports::NoneGiven
        } else {
            Exports::NothingForSubject
        }
    }

    /// The defaults that decide this subject's figures
    /// ([`Config::defaults_in_force`]): the `[schedule]` keys only when the
    /// people file gives them no schedule of their own.
    pub fn defaults_deciding(&self) -> Vec<&'static str> {
        let own_schedule = self.own_schedule();
        (self.config.defaults_in_force().into_iter())
            .filter(|k| !(own_schedule && k.starts_with("schedule.")))
            .collect()
    }

    /// A value of the configuration followed by who set it: `(netusage's
    /// default)` or `(set by the chelmsford preset)`.
    pub fn labelled(&self, key: &str, value: impl std::fmt::Display) -> String {
        match self.config.set_by.get(key) {
            None => format!("{value} (netusage's default, not set by the council)"),
            Some(_) => format!("{value} (set by {})", self.config.origin(key)),
        }
    }
}

/// A CSS string literal holding `s`: letters, digits, spaces and `.-_:/()`
/// as they are, every other character as a CSS escape (`\3c ` for `<`),
/// so no value can end the string or the `<style>` element.
pub fn css_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || " .-_:/()".contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("\\{:x} ", u32::from(c)));
        }
    }
    out.push('"');
    out
}

const STYLE: &str = r#"
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 16pt; margin-bottom: 2mm; } h2 { font-size: 12.5pt; border-bottom: 1px solid #999; margin-top: 7mm; break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1mm; break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; table-layout: fixed; }
thead { display: table-header-group; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; overflow-wrap: anywhere; word-break: break-word; }
table.sessions { font-size: 8.5pt; } table.sessions col.site { width: 18%; } table.sessions col.time { width: 24%; }
table.sessions col.num { width: 7%; } table.sessions col.split { width: 13%; } table.sessions col.line { width: 38%; }
table.sites col.site { width: 15%; } table.sites col.cat { width: 18%; } table.sites col.num { width: 9%; }
table.sites col.split { width: 17%; } table.sites col.rule { width: 32%; }
@media screen { body { padding: 0 8px; } }
th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; } tr { break-inside: avoid; }
.banner { border: 2px solid #a00; padding: 2mm; color: #a00; font-weight: bold; }
.flag { color: #a00; font-weight: bold; } .small { font-size: 8.5pt; color: #444; } code { font-size: 8.5pt; word-break: break-all; } code.raw { font-size: 7.5pt; color: #333; }
svg { max-width: 100%; height: auto; break-inside: avoid; } .legend span { display: inline-block; width: 3mm; height: 3mm; margin: 0 1mm 0 3mm; }
section.first { break-after: page; font-size: 9.5pt; } section.first p { margin: 1.5mm 0; }
section.first h2 { margin-top: 3mm; } section.first table { margin: 1mm 0; }
section.first .outcome { font-size: 10.5pt; border-left: 3px solid #a00; padding-left: 2mm; }
section.first blockquote { margin: 0.5mm 0 0.5mm 4mm; font-style: italic; }
table.totals col.what { width: 32%; }
.defaults { border: 1px dashed #b60; padding: 1mm 2mm; }
.lists { display: flex; gap: 3mm; } .lists div { flex: 1; } .lists h3 { font-size: 9.5pt; margin: 2mm 0 0.5mm; }
.lists ul { padding-left: 3.5mm; margin: 0; font-size: 8.5pt; } .lists li { margin: 0 0 0.8mm; }
"#;

/// The printed page's size, margins and running header and footer
/// (CSS Paged Media, as Chromium prints it): the reference, the handling
/// classification and the subject's employee id at the top; the granting
/// audit entry's hash and "page N of M" at the foot. The page cannot carry
/// its own bag's digest (the bag's manifests hash this file): the audit
/// entry's hash ties each printed sheet to the pack, whose `bag-info.txt`
/// and `audit.jsonl` hold the same hash.
fn page_style(d: &ReportData<'_>) -> String {
    let top = format!(
        "{} · employee {}",
        d.auth.reference, d.auth.subject.employee_id
    );
    let foot = format!(
        "audit entry {}",
        d.audit_hash.get(..16).unwrap_or(d.audit_hash)
    );
    format!(
        "@page {{ size: A4; margin: 16mm 14mm 15mm 14mm;\n\
         @top-left {{ content: {}; font-size: 8pt; color: #444; font-family: sans-serif; }}\n\
         @top-right {{ content: \"OFFICIAL-SENSITIVE\"; font-size: 8pt; font-weight: bold; color: #a00; font-family: sans-serif; }}\n\
         @bottom-left {{ content: {}; font-size: 7.5pt; color: #444; font-family: sans-serif; }}\n\
         @bottom-right {{ content: \"page \" counter(page) \" of \" counter(pages); font-size: 8pt; font-family: sans-serif; }} }}\n",
        css_string(&top),
        css_string(&foot)
    )
}

/// Renders the page: an HTML document, ending in a newline.
pub fn render(d: &ReportData<'_>) -> String {
    let title = match d.purpose {
        Purpose::Investigation => "Evidence pack ",
        Purpose::SubjectAccess => "Subject access copy ",
    };
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                title { (title) (d.auth.reference) }
                style { (PreEscaped(page_style(d))) (PreEscaped(STYLE)) }
            }
            body {
                (heading(d))
                (first_page::render(d))
                (sections::authorisation(d))
                (sections::subject(d.summary))
                (sections::method(d))
                (sections::attribution(d.summary))
                (sections::social_media_days(d))
                (sections::timelines(d))
                (sections::limitations())
                (sections::sites(d.summary))
                (sections::sessions(d))
                (sections::about(d))
            }
        }
    };
    let mut h = page.into_string();
    h.push('\n');
    h
}

/// The title and the handling banner.
fn heading(d: &ReportData<'_>) -> Markup {
    html! {
        @match d.purpose {
            Purpose::Investigation => {
                h1 { "Internet usage evidence pack: " (d.auth.reference) }
                p.banner {
                    "OFFICIAL – SENSITIVE: personal data for an authorised HR investigation. \
                     Do not copy or share beyond the case."
                }
            }
            Purpose::SubjectAccess => {
                h1 { "Your internet usage records: " (d.auth.reference) }
                p.banner {
                    "OFFICIAL – SENSITIVE: your own personal data, given to you in answer to your \
                     subject access request. It holds nobody else's records."
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_css_string_cannot_end_the_string_or_the_style_element() {
        assert_eq!(css_string("HR-1 E10"), "\"HR-1 E10\"");
        assert_eq!(
            css_string("x\"</style><b>"),
            "\"x\\22 \\3c /style\\3e \\3c b\\3e \""
        );
        assert_eq!(css_string("a·b"), "\"a\\b7 b\"");
    }
}
