//! The numbered sections behind the first page: the authorisation, the
//! subject, the method with every setting's origin, attribution, the
//! social-media days with the sites behind them, the timelines, the
//! limitations, the sites with their category rules, the sessions with
//! their log lines, and how the pack was made.

use maud::{Markup, html};

use super::{Exports, ReportData, SCHEDULE_LINE, charts, min};
use crate::classify::SOCIAL_MEDIA_ROW;
use crate::evidence::gate::Purpose;
use crate::evidence::pack::Summary;
use crate::usage::schedule::spans_words;

/// Section 1: the authorisation record.
pub fn authorisation(d: &ReportData<'_>) -> Markup {
    let a = d.auth;
    html! {
        h2 { "1. Authorisation" }
        table {
            tr {
                th { "Reference" } td { (a.reference) }
                th { "Record of concern" } td { (a.record_of_concern) }
            }
            tr {
                th { "Grounds" }
                td colspan="3" {
                    (a.grounds.describe())
                    @if !a.grounds_detail.is_empty() { ": " (a.grounds_detail) }
                }
            }
            tr {
                th { "Requested by" } td { "staff id " (a.requested_by) }
                th { "Authorised by" } td {
                    (d.signer.name) " (" (d.signer.role) ", staff id " (d.signer.staff_id)
                    "), who signed the record with key " (d.signer.fingerprint)
                }
            }
            tr {
                th { "Authorised at" } td { (when(&a.authorised_at)) }
                th { "Expires" } td { (when(&a.expires)) }
            }
            tr {
                th { "Period" }
                td { (a.period.from) " to " (a.period.to) " (local dates, " (d.summary.time_zone) ")" }
                th { "DPIA" } td { (a.dpia) }
            }
            tr {
                th { "Notice" }
                td colspan="3" {
                    @if a.covert {
                        "Covert (the employee was not told). Justification: " (a.covert_justification)
                    } @else if a.subject_notified {
                        "Not covert; the employee has been told about the monitoring."
                    } @else {
                        "Not covert; the employee has not yet been told."
                    }
                }
            }
        }
    }
}

/// Section 2: who the pack is about, their accounts, and the pack it
/// supersedes.
pub fn subject(s: &Summary) -> Markup {
    html! {
        h2 { "2. Subject" }
        table {
            tr {
                th { "Employee id" } td { (s.employee_id) }
                th { "User name(s) in the logs" } td { (s.users.join(", ")) }
            }
            tr {
                th { "Pseudonym (as in flags)" } td { (s.pseudonym) }
                th { "Events in the period" } td { (s.events) " (" (s.blocked) " blocked)" }
            }
        }
        @if !s.accounts.is_empty() { (accounts(s)) }
        @if let Some(prev) = &s.supersedes {
            p.flag {
                "This pack supersedes the earlier pack of this reference at " (prev.pack)
                " (granted in audit entry " (prev.granted_seq) "). Reason: " (prev.reason)
            }
        }
    }
}

/// The accounts of a subject with several, each beside the total.
fn accounts(s: &Summary) -> Markup {
    let total = s.usage.iter().find(|r| r.category == SOCIAL_MEDIA_ROW);
    html! {
        p {
            "These " (s.accounts.len()) " accounts are treated as one person because: "
            b { (s.same_person.as_deref().unwrap_or("")) }
            ". Each account's social-media time is shown beside the total (a minute used on two \
             accounts at once counts once in the total)."
        }
        table {
            thead {
                tr {
                    th { "Account" } th { "Pseudonym" } th { "Events" } th { "Working min" }
                    th { "Break min" } th { "Outside min" } th { "Total min" }
                }
            }
            @for r in &s.accounts {
                tr {
                    td { (r.account) }
                    td { (r.pseudonym) }
                    td.n { (r.events) }
                    td.n { (min(r.working_s)) }
                    td.n { (min(r.break_s)) }
                    td.n { (min(r.outside_s)) }
                    td.n { (min(r.total_s)) }
                }
            }
            @if let Some(t) = total {
                tr {
                    th colspan="2" { "Total (one person)" }
                    td.n { (s.events) }
                    td.n { (min(t.working_s)) }
                    td.n { (min(t.break_s)) }
                    td.n { (min(t.outside_s)) }
                    td.n { (min(t.total_s)) }
                }
            }
        }
    }
}

/// A UTC instant for people: `2 December 2026, 16:18 UTC`.
pub fn when(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %B %Y, %H:%M UTC").to_string()
}

/// Section 3: how the figures were made, the policy, background traffic
/// and the subject's own hours and leave; every setting that decides a
/// figure says who set it (the council's file, a preset, or netusage's
/// default).
pub fn method(d: &ReportData<'_>) -> Markup {
    let bt = &d.config.browse_time;
    let sch = &d.config.schedule;
    let s = d.summary;
    let (described, limits) = (d.policy.personal_use.describe(), d.policy.limits_words());
    let breaks = match spans_words(&sch.breaks, ", ") {
        none if none.is_empty() => "none".to_string(),
        breaks => breaks,
    };
    html! {
        h2 { "3. How the figures were made" }
        p {
            "Proxy logs record requests for web pages, not the time a person spends reading them, so "
            b { "browse time is an estimate" }
            ". For each site, the requests are put in time order; a gap of more than "
            b { (d.labelled("browse_time.idle_timeout_s", format!("{} seconds", bt.idle_timeout_s))) }
            " without a request ends a visit (a " i { "session" } "). A session counts from its first \
             request to its last request plus "
            b { (d.labelled("browse_time.allowance_s", format!("{} seconds", bt.allowance_s))) }
            ". Requests that only load parts of a site inside another page (for example a Facebook \
             \"like\" button on a news page) do not count on their own. When two social sites were \
             open at the same time, the time is counted once."
        }
        p { "Times are split on this schedule, in local time:" }
        ul {
            li { b { "Working days: " } (d.labelled("schedule.working_days", sch.working_days.join(", "))) }
            li {
                b { "Working hours: " }
                (d.labelled("schedule.working_hours", format!("{} to {}", sch.working_hours[0], sch.working_hours[1])))
            }
            li { b { "Official breaks: " } (d.labelled("schedule.breaks", breaks)) }
            li { b { "Bank holidays (not working days): " } (d.labelled("schedule.bank_holidays", &sch.bank_holidays)) }
            li { b { "Outside working hours: " } "everything else: evenings, non-working days and bank holidays." }
            li { b { "Time zone: " } (d.labelled("schedule.time_zone", &sch.time_zone)) }
        }
        p {
            b { "The policy's rule: " } (d.labelled("policy.personal_use", &d.config.policy.personal_use))
            ": " (described) ". " (capitalised(&limits)) "."
        }
        p {
            b { "Background traffic" }
            @if bt.exclude_background {
                ": requests at a machine-regular interval (an open tab polling for notifications) \
                 for 30 minutes or more are not browse time; " (s.background_requests)
                " such request(s) of this employee were left out, marked " code { "background" }
                " in events.csv."
            } @else {
                " was counted as browse time (exclude_background = false in the configuration)."
            }
        }
        p { b { "Own hours and leave. " } (profile_words(d)) }
    }
}

/// `s` with its first letter in capitals.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// What the pack knows of the employee's own hours and leave, and where it
/// came from, or that nothing was given: never "no leave" when nobody said.
pub fn profile_words(d: &ReportData<'_>) -> String {
    let s = d.summary;
    match d.exports() {
        Exports::Lines => {
            let leave = s.profile.iter().any(|l| !l.starts_with(SCHEDULE_LINE));
            format!(
                "From the HR exports given: {}.{}",
                s.profile.join("; "),
                if leave || d.config.profiles.leave.is_empty() {
                    ""
                } else {
                    " The leave file records no leave for this employee in the period."
                }
            )
        }
        Exports::NoneGiven => "No people file or leave file was given to netusage, so it knows \
             neither this employee's own hours nor any leave, sickness or agreed absence: every \
             working day of the period is treated as worked on the schedule above."
            .to_string(),
        Exports::NothingForSubject => {
            let files: Vec<String> = [
                ("people file", &d.config.profiles.people),
                ("leave file", &d.config.profiles.leave),
            ]
            .into_iter()
            .filter(|(_, path)| !path.is_empty())
            .map(|(what, path)| format!("{what} {path}"))
            .collect();
            format!(
                "The {} given hold(s) nothing for this employee in the period: the schedule above \
                 applies on every working day, and no leave is recorded there.",
                files.join(" and the ")
            )
        }
    }
}
/// How the events were attributed to the employee: per day, the events
/// logged with their user, attributed from an identity source, ambiguous
/// and unattributed; the gaps in the logs; then each identity record used,
/// with its raw line.
pub fn attribution(s: &Summary) -> Markup {
    html! {
        p {
            b { "Who was at the keyboard." }
            " Events logged with the employee's user name are " i { "logged" } ". Events a firewall \
             or transparent proxy logged with only an address are attributed to the person a logon, \
             DHCP lease or VPN record shows holding that address at that time (" i { "identity" }
            "); where two people held it at once the event is " i { "ambiguous" }
            " and attributed to neither."
        }
        table {
            thead {
                tr {
                    th { "Date" } th { "Events" } th { "Logged" } th { "Identity" }
                    th { "Ambiguous" } th { "Unattributed" }
                }
            }
            @for c in &s.coverage {
                tr {
                    td { (c.date) }
                    td.n { (c.events) }
                    td.n { (c.logged) }
                    td.n { (c.identity) }
                    td.n { (c.ambiguous) }
                    td.n { (c.unattributed) }
                }
            }
        }
        @if s.gaps.is_empty() {
            p {
                "The log files this pack rests on recorded something in every half hour of working \
                 time in the period."
            }
        } @else {
            p {
                b { "Gaps in the evidence." }
                " In these periods of working time a log file this pack rests on recorded nothing at \
                 all for 30 minutes or more: the proxy or firewall may have been down, or traffic went \
                 another way. Browse time there reads as none; it may not have been."
            }
            ul.small {
                @for g in &s.gaps {
                    li {
                        code { (g.source) } ": " (g.start_utc) " to " (g.end_utc)
                        " (" (g.minutes) " min)"
                    }
                }
            }
        }
        @if !s.devices.is_empty() {
            p {
                b { "Devices." }
                " The events came from these devices, as the DHCP leases and the council's asset register \
                 name them; an event whose address no lease of a registered device covered is “not known”. \
                 Each device's social-media time is judged by the rule named beside it."
            }
            table {
                thead {
                    tr { th { "Device" } th { "Type" } th { "Events" } th { "Judged by" } }
                }
                @for d in &s.devices {
                    tr {
                        td { @if d.device.is_empty() { "not known" } @else { code { (d.device) } } }
                        td { @if d.device_type.is_empty() { "not known" } @else { (d.device_type) } }
                        td.n { (d.events) }
                        td { code { (d.judged_by) } }
                    }
                }
            }
        }
        @if !s.attributions.is_empty() {
            p { "The identity records the attributions rest on:" }
            ul.small {
                @for r in &s.attributions {
                    li {
                        code { (r.attribution) } ": " (r.user) " held " (r.ip) " from "
                        (r.start_utc) " to " (r.end_utc) " (" (r.events) " events)"
                        br;
                        code.raw { (r.raw) }
                    }
                }
            }
        }
    }
}

/// The policy's daily limit on counted time, in minutes, for the chart's
/// line: none when the limit is zero (any counted minute is over it).
fn limit_minutes(d: &ReportData<'_>) -> Option<f64> {
    let p = d.policy;
    (p.max_counted_s_per_day > 0).then(|| p.max_counted_s_per_day as f64 / 60.0)
}

/// Section 4: social-media minutes per day, what the policy counts of each
/// (every day, flagged or not), the flagged days marked in the same table
/// with their range over models, the chart, and the sites behind each
/// day's minutes.
pub fn social_media_days(d: &ReportData<'_>) -> Markup {
    let s = d.summary;
    let models: Vec<&str> = s
        .sensitivity
        .first()
        .map(|d| d.by_model.iter().map(|(name, _)| name.as_str()).collect())
        .unwrap_or_default();
    let device_types: std::collections::BTreeSet<&str> = s
        .social_media_days
        .iter()
        .flat_map(|d| d.counted_on_device_s.keys().map(String::as_str))
        .collect();
    html! {
        h2 { "4. Social media per day" }
        p {
            "Minutes of social-media browse time per local day, the part of it the policy counts \
             (section 3), and the days the policy flags. Outcome: the policy "
            b {
                @if s.flagged {
                    span.flag { "flags" }
                } @else if s.exempt {
                    "does not flag (the employee is a designated business user, listed in \
                     exempt_users: their social-media use is treated as business use)"
                } @else {
                    "does not flag"
                }
            }
            " the employee in this period."
        }
        p { "What the policy calls social media here: " (s.social_media.words()) "." }
        @if !models.is_empty() {
            p {
                "Each flagged day is recomputed under each browse-time model of the sensitivity set ("
                (models.join(", ")) "): " b { "robust" } " means it is over the limit under every one \
                 of them, " b { "marginal" } " that another model puts it under the limit, so the \
                 finding rests on that choice. The range gives the least and the most counted minutes."
            }
        }
        table {
            thead {
                tr {
                    th { "Date" } th { "Working time (min)" } th { "Official breaks (min)" }
                    th { "Outside hours (min)" } th { "Counted by the policy (min)" }
                    @for t in &device_types { th { "On a " (t) ", counted by its own rule (min)" } }
                    th { "Flagged" } th { "Range over models (min)" }
                }
            }
            @for day in &s.social_media_days {
                @let sens: Vec<_> = s.sensitivity.iter().filter(|x| x.date.to_string() == day.date).collect();
                tr {
                    td { (day.date) }
                    td.n { (min(day.working_s)) }
                    td.n { (min(day.break_s)) }
                    td.n { (min(day.outside_s)) }
                    td.n { (min(day.counted_s)) }
                    @for t in &device_types {
                        td.n { (min(day.counted_on_device_s.get(*t).copied().unwrap_or(0))) }
                    }
                    td {
                        @if day.flagged {
                            span.flag { "yes" }
                            @for x in &sens {
                                ", " (x.finding())
                                @if sens.len() > 1 { " (" (x.reason.name().replace('_', " ")) ")" }
                            }
                        } @else {
                            "no"
                        }
                    }
                    td.n {
                        @if sens.is_empty() {
                            "not flagged: not recomputed"
                        }
                        @for (i, x) in sens.iter().enumerate() {
                            @if i > 0 { "; " }
                            (min(x.min_counted_s)) "–" (min(x.max_counted_s))
                            @if sens.len() > 1 { " (" (x.reason.name().replace('_', " ")) ")" }
                        }
                    }
                }
            }
        }
        (charts::bar_chart(s, limit_minutes(d)))
        (day_sites(s))
    }
}

/// The sites behind each day's social-media minutes: the three longest
/// per day (section 7 gives the rule behind each site's category).
fn day_sites(s: &Summary) -> Markup {
    if s.social_site_days.is_empty() {
        return html! {};
    }
    let mut shown: Vec<&crate::evidence::pack::DaySiteRow> = Vec::new();
    for r in &s.social_site_days {
        if shown.iter().filter(|x| x.date == r.date).count() < 3 {
            shown.push(r);
        }
    }
    html! {
        h3 { "The sites behind each day's minutes" }
        p.small {
            "The three longest social-media sites of each day, with their own time split at local \
             midnight (two sites open at once each count here, so a day's sites can add up to more \
             than its total). Section 7 names the rule that put each site in its category."
        }
        table {
            thead {
                tr {
                    th { "Date" } th { "Site" } th { "Category" } th { "Minutes" }
                    th { "Working / break / outside (min)" }
                }
            }
            @for r in shown {
                tr {
                    td { (r.date) }
                    td { (r.site) }
                    td { (r.category) }
                    td.n { (min(r.seconds)) }
                    td.n { (min(r.working_s)) " / " (min(r.break_s)) " / " (min(r.outside_s)) }
                }
            }
        }
    }
}

/// Section 5: each day of the period with browse time, from 00:00 to 24:00,
/// its working hours and breaks shaded and its sessions drawn.
pub fn timelines(d: &ReportData<'_>) -> Markup {
    html! {
        h2 { "5. Timeline of each day" }
        p.small {
            "Each row is one local day from 00:00 to 24:00. Shaded: working hours (blue) and official \
             breaks (yellow). Bars: social-media sessions (red) and other sites (grey)."
        }
        (charts::timeline_chart(d))
    }
}

/// Section 6: what the figures cannot show.
pub fn limitations() -> Markup {
    html! {
        h2 { "6. Limitations" }
        ul {
            li {
                b { "An open tab or app keeps requesting." }
                " Pages and apps poll for notifications and keep connections open (long CONNECT \
                 tunnels, chat keep-alives). Requests at a machine-regular interval for 30 minutes or \
                 more are found and left out of browse time (section 3), but shorter or irregular \
                 polling can still extend a session while nobody is reading: check the sessions below \
                 for long runs of regular requests before relying on a figure."
            }
            li {
                b { "An account is not a person." }
                " The logs show which account (or address) made a request, not who was at the \
                 keyboard: a colleague at an unlocked machine, or shared credentials, look the same."
            }
            li {
                b { "Gaps in the logs read as no use." }
                " If the proxy was down, a log was rotated away or lost, or traffic bypassed the proxy \
                 (a phone on mobile data), nothing is recorded; sources.csv lists the files this pack \
                 rests on."
            }
            li {
                b { "The figure depends on its parameters." }
                " A longer idle timeout joins requests into longer sessions and gives more time; a \
                 shorter one gives less. The parameters used are stated in section 3 and in method.json."
            }
            li {
                b { "Categories come from lists." }
                " A site's category comes from the bundled and local category lists (method.json gives \
                 their version); a miscategorised site is counted under the wrong heading."
            }
        }
    }
}

/// Section 7: per-site totals, and the rule that gave each its category.
pub fn sites(s: &Summary) -> Markup {
    html! {
        h2 { "7. Sites" }
        p.small {
            "Every site with browse time in the period, longest first. The rule column says where the \
             category came from: its first word names the list, " code { "user" } " for the council's \
             own rules given with --categories, any other a list bundled with netusage (method.json \
             gives their versions). A site in a social-media category can still be work use."
        }
        table.sites {
            colgroup { col.site; col.cat; col.num; col.num; col.split; col.rule; }
            thead {
                tr {
                    th { "Site" } th { "Category" } th { "Sessions" } th { "Minutes (sum of sessions)" }
                    th { "Working / break / outside (min)" } th { "Rule (host it was looked up for)" }
                }
            }
            @for r in &s.sites {
                tr {
                    td { (r.site) }
                    td { (r.category) }
                    td.n { (r.sessions) }
                    td.n { (min(r.seconds)) }
                    td.n { (min(r.working_s)) " / " (min(r.break_s)) " / " (min(r.outside_s)) }
                    td { code { (r.rule) } " " span.small { "(" (r.host) ")" } }
                }
            }
        }
    }
}

/// Section 8: every session with the first and last log lines behind it.
pub fn sessions(d: &ReportData<'_>) -> Markup {
    html! {
        h2 { "8. Sessions and the log lines behind them" }
        p.small {
            "First and last log line of each session: source file id (see sources.csv for its path \
             and SHA-256), line number, the request, and the line as logged when the file is still \
             where it was ingested and unchanged (its SHA-256 checked again; summary.json, raw_lines, \
             says per file). events.csv lists every line."
        }
        table.sessions {
            colgroup { col.site; col.time; col.num; col.split; col.line; }
            thead {
                tr {
                    th { "Site and category" } th { "Start and end" } th { "Min" }
                    th { "Work / break / out (min)" }
                    th { "First and last log line (source:line, request)" }
                }
            }
            @for r in d.sessions {
                tr {
                    td {
                        (r.site)
                        @if r.embedded_only {
                            " " span.small { "(embedded only, not counted)" }
                        }
                        br;
                        span.small { (r.category) }
                    }
                    td { (r.start_local) br; (r.end_local) }
                    td.n { (min(r.seconds)) }
                    td.n {
                        (min(r.working_s)) " / " (min(r.break_s)) " / " (min(r.outside_s))
                    }
                    td {
                        (log_line(&r.first_source, r.first_line, &r.first_request, &r.first_text))
                        br;
                        (log_line(&r.last_source, r.last_line, &r.last_request, &r.last_text))
                    }
                }
            }
        }
    }
}

/// One log line of a session: `source:line`, the request, and the line as
/// logged when it was read back.
fn log_line(source: &str, line: u64, request: &str, text: &str) -> Markup {
    html! {
        code { (source) ":" (line) }
        " "
        span.small { (request) }
        @if !text.is_empty() {
            br;
            code.raw { (text) }
        }
    }
}

/// Section 9: who made the pack, when, and how to check it.
pub fn about(d: &ReportData<'_>) -> Markup {
    html! {
        h2 { "9. About this pack" }
        p.small {
            "Made by " (d.operator) " at " (d.made_at) " (system clock) with netusage "
            (env!("CARGO_PKG_VERSION"))
            @if d.purpose == Purpose::SubjectAccess { ", as the employee's own copy (subject access)" }
            ". It is a BagIt bag (RFC 8493), signed with the store's \
             Ed25519 key " code { (d.key_fingerprint) } ": " code { "netusage verify PACK --public-key FILE" }
            " checks that no file has been changed, added or removed since the holder of that key \
             made it (it cannot show who held the key). The audit entry that granted it has hash "
            code { (d.audit_hash) } " (its first 16 characters are at the foot of every printed page); \
             audit.jsonl in this pack holds every audit entry for this \
             reference about this subject (an entry about anyone else is reduced to its number, time \
             and command)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_line_is_escaped() {
        assert_eq!(
            log_line("s<1>", 7, "GET http://x/?a=<b>&c=\"d\"", "").into_string(),
            "<code>s&lt;1&gt;:7</code> <span class=\"small\">GET http://x/?a=&lt;b&gt;&amp;c=&quot;d&quot;</span>"
        );
    }

    #[test]
    fn an_instant_reads_as_a_date_and_a_time() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-12-02T16:18:40Z")
            .unwrap()
            .to_utc();
        assert_eq!(when(&t), "2 December 2026, 16:18 UTC");
    }
}
