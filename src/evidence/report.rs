//! `report.html`: one self-contained page for an HR case officer (no
//! network, no script), printable to A4, with inline SVG charts.
//!
//! The page is built with maud templates, one function per section: every
//! value spliced into a template is HTML-escaped, so text from the logs or
//! the record (names, URLs, reasons) can never become markup. The only text
//! written unescaped is the constant stylesheet.

use chrono::{Days, NaiveDate};
use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::authorisation::Authorisation;
use super::pack::{SessionRow, Summary};
use crate::classify::{SOCIAL_MEDIA_ROW, is_social};
use crate::config::Config;
use crate::usage::schedule::{Period, Plan};

/// Seconds as minutes with one decimal.
fn min(s: i64) -> String {
    format!("{:.1}", s as f64 / 60.0)
}

/// An SVG coordinate with one decimal.
fn f1(v: f64) -> String {
    format!("{v:.1}")
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
    /// Who made the pack.
    pub operator: &'a str,
    /// When (UTC, RFC 3339).
    pub made_at: &'a str,
    /// Hash of the audit entry that granted the pack.
    pub audit_hash: &'a str,
    /// Fingerprint of the store key that signs the pack.
    pub key_fingerprint: &'a str,
}

const STYLE: &str = r#"
@page { size: A4; margin: 14mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111; max-width: 190mm; margin: 0 auto; }
h1 { font-size: 16pt; margin-bottom: 2mm; } h2 { font-size: 12.5pt; border-bottom: 1px solid #999; margin-top: 7mm; page-break-after: avoid; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0; table-layout: fixed; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; overflow-wrap: anywhere; word-break: break-word; }
table.sessions { font-size: 8.5pt; } table.sessions col.site { width: 18%; } table.sessions col.time { width: 24%; }
table.sessions col.num { width: 7%; } table.sessions col.split { width: 13%; } table.sessions col.line { width: 38%; }
@media screen { body { padding: 0 8px; } }
th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; } tr { page-break-inside: avoid; }
.banner { border: 2px solid #a00; padding: 2mm; color: #a00; font-weight: bold; }
.flag { color: #a00; font-weight: bold; } .small { font-size: 8.5pt; color: #444; } code { font-size: 8.5pt; word-break: break-all; } code.raw { font-size: 7.5pt; color: #333; }
svg { max-width: 100%; height: auto; } .legend span { display: inline-block; width: 3mm; height: 3mm; margin: 0 1mm 0 3mm; }
"#;

const WORK: &str = "#c0392b";
const BREAK: &str = "#e6b000";
const OUTSIDE: &str = "#7f8c8d";

/// Renders the page: an HTML document, ending in a newline.
pub fn render(d: &ReportData<'_>) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                title { "Evidence pack " (d.auth.reference) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (heading(d.auth))
                (authorisation(d))
                (subject(d.summary))
                (method(d))
                (attribution(d.summary))
                (social_media_days(d.summary))
                (timelines(d))
                (limitations())
                (sites(d.summary))
                (sessions(d))
                (about(d))
            }
        }
    };
    let mut h = page.into_string();
    h.push('\n');
    h
}

/// The title and the handling banner.
fn heading(a: &Authorisation) -> Markup {
    html! {
        h1 { "Internet usage evidence pack: " (a.reference) }
        p.banner {
            "OFFICIAL – SENSITIVE: personal data for an authorised HR investigation. \
             Do not copy or share beyond the case."
        }
    }
}

/// Section 1: the authorisation record.
fn authorisation(d: &ReportData<'_>) -> Markup {
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
                th { "Authorised at" } td { (a.authorised_at.to_rfc3339()) }
                th { "Expires" } td { (a.expires.to_rfc3339()) }
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
fn subject(s: &Summary) -> Markup {
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
            tr {
                th { "Account" } th { "Pseudonym" } th { "Events" } th { "Working min" }
                th { "Break min" } th { "Outside min" } th { "Total min" }
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

/// Section 3: how the figures were made, the policy, background traffic
/// and the subject's own hours.
fn method(d: &ReportData<'_>) -> Markup {
    let bt = &d.config.browse_time;
    let sch = &d.config.schedule;
    let s = d.summary;
    let breaks: Vec<String> = sch
        .breaks
        .iter()
        .map(|b| format!("{}–{}", b[0], b[1]))
        .collect();
    let policy = d.config.policy();
    let (described, limits) = policy
        .as_ref()
        .map(|p| (p.personal_use.describe(), p.limits_words()))
        .unwrap_or_default();
    html! {
        h2 { "3. How the figures were made" }
        p {
            "Proxy logs record requests for web pages, not the time a person spends reading them, so "
            b { "browse time is an estimate" }
            ". For each site, the requests are put in time order; a gap of more than "
            b { (bt.idle_timeout_s) " seconds" }
            " without a request ends a visit (a " i { "session" } "). A session counts from its first \
             request to its last request plus "
            b { (bt.allowance_s) " seconds" }
            ". Requests that only load parts of a site inside another page (for example a Facebook \
             \"like\" button on a news page) do not count on their own. When two social sites were \
             open at the same time, the time is counted once. Times are split into "
            b { "working time" }
            " (" (sch.working_days.join(", ")) ", " (sch.working_hours[0]) " to " (sch.working_hours[1]) "), "
            b { "official breaks" } " (" (breaks.join(", ")) ") and "
            b { "outside working hours" }
            " (evenings, weekends and bank holidays: " (sch.bank_holidays) "), in the "
            (sch.time_zone) " time zone."
        }
        p {
            "The policy applied is " b { (d.config.policy.personal_use) } " (" (described) "): "
            (limits) "."
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
        p {
            @if s.profile.is_empty() {
                "The employee worked the schedule above throughout the period, with no leave recorded."
            } @else {
                "The employee's own hours and leave, from the HR exports: " (s.profile.join("; ")) "."
            }
        }
    }
}

/// How the events were attributed to the employee: per day, the events
/// logged with their user, attributed from an identity source, ambiguous
/// and unattributed; the gaps in the logs; then each identity record used,
/// with its raw line.
fn attribution(s: &Summary) -> Markup {
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
            tr {
                th { "Date" } th { "Events" } th { "Logged" } th { "Identity" }
                th { "Ambiguous" } th { "Unattributed" }
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

/// Section 4: social-media minutes per day, the flagged days marked in the
/// same table (not repeated elsewhere), and the bar chart.
fn social_media_days(s: &Summary) -> Markup {
    let counted: std::collections::BTreeMap<String, i64> = s
        .flagged_days
        .iter()
        .map(|f| (f.date.to_string(), f.counted_s))
        .collect();
    let models: Vec<&str> = s
        .sensitivity
        .first()
        .map(|d| d.by_model.iter().map(|(name, _)| name.as_str()).collect())
        .unwrap_or_default();
    html! {
        h2 { "4. Social media per day" }
        p {
            "Minutes of social-media browse time per local day, and the days the policy flags \
             (section 3). Outcome: the policy "
            b {
                @if s.flagged {
                    span.flag { "flags" }
                } @else if s.exempt {
                    "does not flag (the employee is a designated business user, listed in \
                     exempt_users: their social-media use is business use)"
                } @else {
                    "does not flag"
                }
            }
            " the employee in this period."
        }
        @if !models.is_empty() {
            p {
                "Each flagged day is recomputed under each browse-time model of the sensitivity set ("
                (models.join(", ")) "): " b { "robust" } " means it is over the limit under every one \
                 of them, " b { "marginal" } " that another model puts it under the limit, so the \
                 finding rests on that choice. The range gives the least and the most counted minutes."
            }
        }
        table {
            tr {
                th { "Date" } th { "Working time (min)" } th { "Official breaks (min)" }
                th { "Outside hours (min)" } th { "Counted by the policy (min)" } th { "Flagged" }
                th { "Range over models (min)" }
            }
            @for day in &s.social_media_days {
                @let sens = s.sensitivity.iter().find(|x| x.date.to_string() == day.date);
                tr {
                    td { (day.date) }
                    td.n { (min(day.working_s)) }
                    td.n { (min(day.break_s)) }
                    td.n { (min(day.outside_s)) }
                    td.n {
                        @if let Some(c) = counted.get(&day.date) { (min(*c)) }
                    }
                    td {
                        @if day.flagged {
                            span.flag { "yes" }
                            @if let Some(x) = sens { ", " (x.finding()) }
                        }
                    }
                    td.n {
                        @if let Some(x) = sens {
                            (min(x.min_counted_s)) "–" (min(x.max_counted_s))
                        }
                    }
                }
            }
        }
        (bar_chart(s))
    }
}

/// A tick step for an axis up to `max` minutes: 1, 2, 5, 10, 15, 30, 60,
/// 120, 240 or 480, the smallest giving at most six ticks.
pub fn tick_step(max: f64) -> f64 {
    [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0]
        .into_iter()
        .find(|s| max / s <= 6.0)
        .unwrap_or(480.0)
}

/// Social-media minutes per day as stacked bars (working time, breaks,
/// outside hours), flagged days marked, and the legend.
fn bar_chart(s: &Summary) -> Markup {
    let days = &s.social_media_days;
    if days.is_empty() {
        return html! { p { "No social-media browse time in the period." } };
    }
    let (w, hgt, left, bottom) = (700.0, 220.0, 40.0, 40.0);
    let highest = days
        .iter()
        .map(|d| (d.working_s + d.break_s + d.outside_s) as f64 / 60.0)
        .fold(1.0, f64::max);
    let step = tick_step(highest);
    let max_min = (highest / step).ceil() * step;
    let slot = (w - left) / days.len() as f64;
    let scale = (hgt - bottom - 10.0) / max_min;
    let base = hgt - bottom;
    // The y axis: a tick every `step` minutes, labelled, with a light grid line.
    let ticks: Vec<f64> = std::iter::successors(Some(0.0), |t| Some(t + step))
        .take_while(|t| *t <= max_min + 1e-9)
        .collect();
    html! {
        svg viewBox={ "0 0 " (w) " " (hgt) } width=(w) height=(hgt) role="img"
            aria-label="Social-media minutes per day" xmlns="http://www.w3.org/2000/svg" {
            line x1=(left) y1=(base) x2=(w) y2=(base) stroke="#333" {}
            line x1=(left) y1=(base) x2=(left) y2="10" stroke="#333" {}
            text x="2" y="8" font-size="9" { "min" }
            @for tick in &ticks {
                @let y = f1(base - tick * scale);
                line x1=(f1(left - 4.0)) y1=(y) x2=(left) y2=(y) stroke="#333" {}
                line x1=(left) y1=(y) x2=(w) y2=(y) stroke="#eee" {}
                text x=(f1(left - 6.0)) y=(f1(base - tick * scale + 3.0)) font-size="9"
                    text-anchor="end" { (format!("{tick:.0}")) }
            }
            @for (i, d) in days.iter().enumerate() {
                @let x = left + i as f64 * slot + slot * 0.15;
                @let bw = slot * 0.7;
                @for (y, bh, colour) in stack(d.working_s, d.break_s, d.outside_s, base, scale) {
                    rect x=(f1(x)) y=(f1(y)) width=(f1(bw)) height=(f1(bh)) fill=(colour) {}
                }
                text x=(f1(x + bw / 2.0)) y=(f1(base + 12.0)) font-size="9" text-anchor="middle" {
                    (d.date.get(5..).unwrap_or(&d.date))
                }
                @if d.flagged {
                    text x=(f1(x + bw / 2.0)) y=(f1(base + 24.0)) font-size="9"
                        text-anchor="middle" fill="#a00" { "flag" }
                }
            }
        }
        p.legend.small {
            span style={ "background:" (WORK) } {} "working time"
            span style={ "background:" (BREAK) } {} "official breaks"
            span style={ "background:" (OUTSIDE) } {} "outside working hours"
        }
    }
}

/// One day's bar: `(top, height, colour)` of its working, break and outside
/// parts that have any time, stacked up from `base`.
fn stack(
    working_s: i64,
    break_s: i64,
    outside_s: i64,
    base: f64,
    scale: f64,
) -> Vec<(f64, f64, &'static str)> {
    let mut y = base;
    let mut parts = Vec::new();
    for (secs, colour) in [(working_s, WORK), (break_s, BREAK), (outside_s, OUTSIDE)] {
        let bh = secs as f64 / 60.0 * scale;
        if bh > 0.0 {
            y -= bh;
            parts.push((y, bh, colour));
        }
    }
    parts
}

/// Section 5: each day of the period with browse time, from 00:00 to 24:00,
/// its working hours and breaks shaded and its sessions drawn.
fn timelines(d: &ReportData<'_>) -> Markup {
    html! {
        h2 { "5. Timeline of each day" }
        p.small {
            "Each row is one local day from 00:00 to 24:00. Shaded: working hours (blue) and official \
             breaks (yellow). Bars: social-media sessions (red) and other sites (grey)."
        }
        (timeline_chart(d))
    }
}

/// The timelines' SVG, or a sentence when no day has browse time.
fn timeline_chart(d: &ReportData<'_>) -> Markup {
    let sch = d.schedule;
    let a = d.auth;
    let mut dates: Vec<NaiveDate> = Vec::new();
    let mut day = a.period.from;
    while day <= a.period.to {
        dates.push(day);
        day = match day.checked_add_days(Days::new(1)) {
            Some(x) => x,
            None => break,
        };
    }
    let sessions: Vec<(i64, i64, bool)> = d
        .sessions
        .iter()
        .filter(|r| !r.embedded_only)
        .filter_map(|r| {
            let start = chrono::DateTime::parse_from_rfc3339(&r.start_utc)
                .ok()?
                .timestamp_millis();
            let end = chrono::DateTime::parse_from_rfc3339(&r.end_utc)
                .ok()?
                .timestamp_millis();
            Some((start, end, is_social(&r.category)))
        })
        .collect();
    let bounds = |dt: NaiveDate| {
        (
            sch.day_start(dt),
            sch.day_start(dt.succ_opt().unwrap_or(dt)),
        )
    };
    let dates: Vec<NaiveDate> = dates
        .into_iter()
        .filter(|dt| {
            let (ds, de) = bounds(*dt);
            sessions.iter().any(|&(s, e, _)| s < de && e > ds)
        })
        .collect();
    if dates.is_empty() {
        return html! { p { "No browse time in the period." } };
    }
    let (w, row, left) = (700.0, 22.0, 70.0);
    let hgt = row * dates.len() as f64 + 20.0;
    html! {
        svg viewBox={ "0 0 " (w) " " (hgt) } width=(w) height=(hgt) role="img"
            aria-label="Sessions per day" xmlns="http://www.w3.org/2000/svg" {
            @for hour in (0..=24).step_by(3) {
                @let x = f1(left + (w - left) * f64::from(hour) / 24.0);
                line x1=(x) y1="0" x2=(x) y2=(f1(hgt - 12.0)) stroke="#ddd" {}
                text x=(x) y=(f1(hgt - 2.0)) font-size="8" text-anchor="middle" {
                    (format!("{hour:02}:00"))
                }
            }
            @for (i, dt) in dates.iter().enumerate() {
                @let y = i as f64 * row;
                @let (ds, de) = bounds(*dt);
                @let span = (de - ds).max(1) as f64;
                @let px = |ms: i64| left + (w - left) * ((ms.clamp(ds, de) - ds) as f64 / span);
                text x="0" y=(f1(y + row * 0.65)) font-size="9" { (dt.format("%a %d %b")) }
                @for &(ws, we, p) in sch.windows(*dt).iter() {
                    rect x=(f1(px(ws))) y=(f1(y + 2.0)) width=(f1(px(we) - px(ws)))
                        height=(f1(row - 4.0))
                        fill=(if p == Period::Break { "#fff3c4" } else { "#dbe9f6" }) {}
                }
                @for &(s, e, social) in &sessions {
                    @if s < de && e > ds {
                        rect x=(f1(px(s))) y=(f1(y + if social { 5.0 } else { 9.0 }))
                            width=(f1((px(e) - px(s)).max(0.8)))
                            height=(f1(if social { row - 10.0 } else { row - 18.0 }))
                            fill=(if social { WORK } else { "#999" }) {}
                    }
                }
            }
        }
    }
}

/// Section 6: what the figures cannot show.
fn limitations() -> Markup {
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

/// Section 7: per-site totals.
fn sites(s: &Summary) -> Markup {
    html! {
        h2 { "7. Sites" }
        table {
            tr {
                th { "Site" } th { "Category" } th { "Sessions" } th { "Minutes (sum of sessions)" }
            }
            @for r in &s.sites {
                tr {
                    td { (r.site) }
                    td { (r.category) }
                    td.n { (r.sessions) }
                    td.n { (min(r.seconds)) }
                }
            }
        }
    }
}

/// Section 8: every session with the first and last log lines behind it.
fn sessions(d: &ReportData<'_>) -> Markup {
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
fn about(d: &ReportData<'_>) -> Markup {
    html! {
        h2 { "9. About this pack" }
        p.small {
            "Made by " (d.operator) " at " (d.made_at) " (system clock) with netusage "
            (env!("CARGO_PKG_VERSION")) ". It is a BagIt bag (RFC 8493), signed with the store's \
             Ed25519 key " code { (d.key_fingerprint) } ": " code { "netusage verify PACK --public-key FILE" }
            " checks that no file has been changed, added or removed since the holder of that key \
             made it (it cannot show who held the key). The audit entry that granted it has hash "
            code { (d.audit_hash) } "; audit.jsonl in this pack holds every audit entry for this \
             reference about this subject (an entry about anyone else is reduced to its number, time \
             and command)."
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_steps_give_at_most_six_ticks() {
        assert_eq!(tick_step(4.0), 1.0);
        assert_eq!(tick_step(23.0), 5.0);
        assert_eq!(tick_step(61.0), 15.0);
        assert_eq!(tick_step(400.0), 120.0);
    }

    #[test]
    fn a_bar_stacks_working_break_and_outside_time_up_from_the_base() {
        assert_eq!(
            stack(120, 0, 60, 180.0, 2.0),
            [(176.0, 4.0, WORK), (174.0, 2.0, OUTSIDE)]
        );
    }

    #[test]
    fn a_log_line_is_escaped() {
        assert_eq!(
            log_line("s<1>", 7, "GET http://x/?a=<b>&c=\"d\"", "").into_string(),
            "<code>s&lt;1&gt;:7</code> <span class=\"small\">GET http://x/?a=&lt;b&gt;&amp;c=&quot;d&quot;</span>"
        );
    }
}
