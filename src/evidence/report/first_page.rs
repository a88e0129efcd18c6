//! The first printed page, in plain English: who, the period, the
//! authorisation, the council's policy with its clause quoted, the outcome,
//! the totals, the defaults that decided a figure, and what the pack shows,
//! does not show, and what the employee may respond to. An HR case officer
//! (or, in a subject access copy, the employee) can act on this page alone;
//! every figure on it is in the sections behind it.

use maud::{Markup, html};

use super::sections::when;
use super::{Exports, ReportData, min};
use crate::classify::SOCIAL_MEDIA_ROW;
use crate::evidence::gate::Purpose;
use crate::evidence::pack::Summary;
use crate::usage::schedule::spans_words;

/// The first page (a `section.first`, which the print style ends with a
/// page break).
pub fn render(d: &ReportData<'_>) -> Markup {
    let s = d.summary;
    let a = d.auth;
    let you = d.purpose == Purpose::SubjectAccess;
    html! {
        section.first {
            h2 { @if you { "Summary" } @else { "Summary for HR" } }
            table {
                tr { th style="width:24%" { "Employee" } td { "employee id " (a.subject.employee_id) } }
                tr {
                    th { "Accounts in the logs" }
                    td { (accounts_words(s)) }
                }
                tr {
                    th { "Period" }
                    td {
                        (long_date(&s.period_from)) " to " (long_date(&s.period_to))
                        " (local dates, " (s.time_zone) ")"
                    }
                }
                tr {
                    th { "Authorisation" }
                    td {
                        (a.reference) ", authorised by " (d.signer.name) " (" (d.signer.role)
                        ") on " (when(&a.authorised_at)) "; it expires " (when(&a.expires))
                        ". Grounds: " (a.grounds.describe()) "."
                    }
                }
                tr { th { "Council policy" } td { (policy_words(d)) } }
            }
            p.outcome { (outcome_words(d)) }
            (totals(s))
            @if let Some(top) = top_sites_words(s) { p { (top) } }
            @for w in &s.work_use { p { "Work use: " (w) "." } }
            (defaults_box(d))
            (lists(d))
        }
    }
}

/// `2026-11-16` as `16 November 2026` (the text as it is when it is not a date).
fn long_date(iso: &str) -> String {
    chrono::NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(|d| d.format("%-d %B %Y").to_string())
        .unwrap_or_else(|_| iso.to_string())
}

/// The accounts the pack is about, with the pseudonym `flags` showed.
fn accounts_words(s: &Summary) -> String {
    let users = if s.users.is_empty() {
        "no user name (events logged by address only)".to_string()
    } else {
        s.users.join(", ")
    };
    format!("{users} (pseudonym {} in netusage's flags)", s.pseudonym)
}

/// The council's policy by name with its clause quoted, or where the rules
/// came from when no council preset is in force.
fn policy_words(d: &ReportData<'_>) -> Markup {
    match d.preset() {
        Some(p) => html! {
            b { (p.council) } ", " (p.document) ":"
            blockquote { "“" (p.clause) "”" }
            span.small { "As netusage applies it: " (p.encodes) }
        },
        None => match &d.config.source {
            Some(src) => html! {
                "No council preset is named. The rules are those of the configuration file "
                code { (src.path) } " (SHA-256 " code { (src.sha256.get(..16).unwrap_or(&src.sha256)) } "…); \
                 section 3 states them."
            },
            None => html! {
                b { "No council policy was given to netusage" }
                ": the rules applied are netusage's defaults (section 3), not any council's. \
                 Check them against your council's policy before relying on the outcome."
            },
        },
    }
}

/// The outcome in one or two sentences: flagged or not, how many days,
/// and whether each finding holds under every browse-time model.
fn outcome_words(d: &ReportData<'_>) -> String {
    let s = d.summary;
    let days = s.social_media_days.len();
    // Dates, not findings: one date may be over two limits (the social-media
    // one and the non-work one, or a device rule's).
    let over_dates: std::collections::BTreeSet<_> = s.flagged_days.iter().map(|d| d.date).collect();
    let over = over_dates.len();
    let limits = d.policy.limits_words();
    let needed = d.config.policy.min_flagged_days;
    if s.exempt {
        return "Outcome: not flagged. The employee is listed as a designated business user \
                (exempt_users), so their social-media use is treated as business use."
            .to_string();
    }
    if over == 0 {
        return format!(
            "Outcome: not flagged. No day of the period is over the policy's limit ({limits}); \
             {days} day(s) had some social-media browse time."
        );
    }
    // A date is robust when some finding of it stays over its limit under
    // every model.
    let robust = over_dates
        .iter()
        .filter(|d| s.sensitivity.iter().any(|x| x.date == **d && x.robust))
        .count();
    let head = if s.flagged {
        format!(
            "Outcome: flagged. On {over} day(s) of the period the time the policy counts was over \
             its limit ({limits}); {days} day(s) had some social-media browse time."
        )
    } else {
        format!(
            "Outcome: not flagged. {over} day(s) were over the policy's daily limit, fewer than the \
             {needed} it needs to flag a person ({limits})."
        )
    };
    let models = if s.sensitivity.is_empty() {
        String::new()
    } else if robust == over {
        format!(
            " Each of the {over} day(s) stays over the limit under every way of estimating browse \
             time that netusage tries (robust)."
        )
    } else if robust == 0 {
        format!(
            " None of the {over} day(s) stays over the limit under every way of estimating browse \
             time that netusage tries: each finding rests on the estimate chosen (marginal)."
        )
    } else {
        format!(
            " {robust} of the {over} day(s) stay over the limit under every way of estimating \
             browse time that netusage tries (robust); the other {} rest on the estimate chosen \
             (marginal).",
            over - robust
        )
    };
    head + &models
}

/// The totals over the period: all sites, social media, and what the
/// policy counts.
fn totals(s: &Summary) -> Markup {
    let social = s.usage.iter().find(|r| r.category == SOCIAL_MEDIA_ROW);
    let counted: i64 = s.social_media_days.iter().map(|d| d.counted_s).sum();
    let mut on_devices: std::collections::BTreeMap<&str, i64> = Default::default();
    for d in &s.social_media_days {
        for (t, n) in &d.counted_on_device_s {
            *on_devices.entry(t.as_str()).or_default() += n;
        }
    }
    let t = &s.all_sites;
    html! {
        table.totals {
            colgroup { col.what; col; col; col; col; }
            thead {
                tr {
                    th { "Browse time over the period (minutes)" } th { "Working time" }
                    th { "Official breaks" } th { "Outside working hours" } th { "Total" }
                }
            }
            tr {
                td { "All sites" }
                td.n { (min(t.working_s)) } td.n { (min(t.break_s)) }
                td.n { (min(t.outside_s)) } td.n { (min(t.total_s)) }
            }
            tr {
                td { "of which social media" }
                @if let Some(r) = social {
                    td.n { (min(r.working_s)) } td.n { (min(r.break_s)) }
                    td.n { (min(r.outside_s)) } td.n { (min(r.total_s)) }
                } @else {
                    td.n { "0.0" } td.n { "0.0" } td.n { "0.0" } td.n { "0.0" }
                }
            }
            tr {
                td {
                    "Social media counted by the policy"
                    @if !on_devices.is_empty() { " (devices judged by its main rule)" }
                }
                td.n colspan="4" { (min(counted)) }
            }
            @for (t, n) in &on_devices {
                tr {
                    td { "Social media on a " (t) ", counted by its own rule" }
                    td.n colspan="4" { (min(*n)) }
                }
            }
        }
    }
}

/// The social-media sites with the most time, in one sentence.
fn top_sites_words(s: &Summary) -> Option<String> {
    let top: Vec<String> = s
        .sites
        .iter()
        .filter(|r| s.social_media.contains(&r.site, &r.category))
        .take(3)
        .map(|r| format!("{} ({} min)", r.site, min(r.seconds)))
        .collect();
    (!top.is_empty()).then(|| {
        format!(
            "The social-media time was mostly on {} (section 7 lists every site and the rule that \
             put it in its category; section 4 the sites of each day).",
            top.join(", ")
        )
    })
}

/// The settings netusage chose because nobody else did, when any decided a
/// figure: HR must know the hours are not the council's.
fn defaults_box(d: &ReportData<'_>) -> Markup {
    let keys = d.defaults_deciding();
    if keys.is_empty() {
        return html! {};
    }
    let sch = &d.config.schedule;
    let bt = &d.config.browse_time;
    let value = |k: &str| -> String {
        match k {
            "schedule.working_days" => format!("working days {}", sch.working_days.join(", ")),
            "schedule.working_hours" => {
                format!(
                    "working hours {}–{}",
                    sch.working_hours[0], sch.working_hours[1]
                )
            }
            "schedule.breaks" => format!("official breaks {}", spans_words(&sch.breaks, ", ")),
            "schedule.time_zone" => format!("time zone {}", sch.time_zone),
            "schedule.bank_holidays" => format!("bank holidays of {}", sch.bank_holidays),
            "browse_time.idle_timeout_s" => format!("idle timeout {} s", bt.idle_timeout_s),
            "browse_time.allowance_s" => format!("allowance {} s", bt.allowance_s),
            "policy.personal_use" => format!("what counts: {}", d.config.policy.personal_use),
            "policy.max_working_minutes_per_day" => format!(
                "daily limit {} min",
                d.config.policy.max_working_minutes_per_day
            ),
            other => other.to_string(),
        }
    };
    let words: Vec<String> = keys.iter().map(|k| value(k)).collect();
    html! {
        p.defaults.small {
            b { "netusage's defaults, not the council's: " }
            (words.join("; "))
            ". Nobody set these for this council or this employee, and they decide which minutes \
             count: confirm them (section 3) before relying on a figure."
        }
    }
}

/// What the pack shows, what it does not, and what the employee may
/// respond to.
fn lists(d: &ReportData<'_>) -> Markup {
    let s = d.summary;
    let you = d.purpose == Purpose::SubjectAccess;
    let not_logged: u64 = s.coverage.iter().map(|c| c.identity + c.ambiguous).sum();
    let sources = s.raw_lines.len();
    let read_back = s
        .raw_lines
        .values()
        .filter(|how| how.starts_with("read back from "))
        .count();
    html! {
        div.lists {
            div {
                h3 { @if you { "What these records show" } @else { "What this shows" } }
                ul {
                    li {
                        "When the account(s) above asked for pages from the sites listed, as the \
                         council's proxy or firewall logged it: " (s.events) " requests."
                        @if sources > 0 {
                            " Each session's first and last log line was read back from "
                            (read_back) " of the " (sources) " log file(s) behind them, checked \
                             against the SHA-256 kept when it was read"
                            @if read_back < sources { " (the others were moved or changed: section 8)" }
                            "."
                        }
                    }
                    li {
                        "An estimate of browse time per site and day (section 3), split into working \
                         time, official breaks and outside working hours."
                    }
                    li { "Which days were over the policy's limit, and by how much (section 4)." }
                }
            }
            div {
                h3 { @if you { "What they do not show" } @else { "What this does not show" } }
                ul {
                    li { "Whether anyone was reading: an open tab keeps requesting by itself." }
                    li { "Which device was used: the logs name an account or address, not a machine." }
                    li {
                        "Who was at the keyboard: a colleague at an unlocked machine looks the same."
                        @if not_logged > 0 {
                            " " (not_logged) " requests were not logged with the user name but \
                             matched to it from address records (section 3)."
                        }
                    }
                    li { "Use off the council's network (a phone on mobile data)." }
                    li { "Whether a visit was work: social media can be part of a job." }
                }
            }
            div {
                h3 { @if you { "What you may comment on" } @else { "What the employee may respond to" } }
                ul {
                    li { "The method: the idle timeout and the range over models (sections 3, 4)." }
                    li { "The hours used: " (hours_words(d)) }
                    li { "Leave and absence: " (leave_words(d)) }
                    li { "Work use of any site or session listed (sections 7, 8)." }
                    li {
                        "Shared devices or accounts, or someone else using "
                        @if you { "yours." } @else { "theirs." }
                    }
                }
            }
        }
    }
}

/// What the pack knows of leave, in a few words (section 3 says it whole).
fn leave_words(d: &ReportData<'_>) -> &'static str {
    match d.exports() {
        Exports::Lines => "as the HR exports give it (section 3).",
        Exports::NoneGiven => {
            "none was provided: no people or leave file was given, so every working day counts as worked."
        }
        Exports::NothingForSubject => {
            "the HR exports given record none for this employee in the period."
        }
    }
}

/// The working hours and breaks used, and who set them, in a few words.
fn hours_words(d: &ReportData<'_>) -> String {
    let sch = &d.config.schedule;
    if d.own_schedule() {
        return "the employee's own schedule from the people file (section 3).".to_string();
    }
    let breaks = match spans_words(&sch.breaks, ", ") {
        b if b.is_empty() => "no official break".to_string(),
        b => format!("an official break {b}"),
    };
    format!(
        "{}–{}, set by {}, with {breaks}, set by {}.",
        sch.working_hours[0],
        sch.working_hours[1],
        d.config.origin("schedule.working_hours"),
        d.config.origin("schedule.breaks")
    )
}
