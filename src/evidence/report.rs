//! `report.html`: one self-contained page for an HR case officer (no
//! network, no script), printable to A4, with inline SVG charts. Every value
//! taken from logs or the record is HTML-escaped.

use std::fmt::Write;

use chrono::{Days, NaiveDate};

use super::authorisation::Authorisation;
use super::pack::{SessionRow, Summary};
use crate::classify::is_social;
use crate::config::Config;
use crate::usage::schedule::{Period, Plan};

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn min(s: i64) -> String {
    format!("{:.1}", s as f64 / 60.0)
}

/// What the report shows.
pub struct ReportData<'a> {
    /// The authorisation record.
    pub auth: &'a Authorisation,
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

/// Renders the page.
pub fn render(d: &ReportData<'_>) -> String {
    let a = d.auth;
    let s = d.summary;
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>Evidence pack {}</title><style>{STYLE}</style></head><body>",
        esc(&a.reference)
    );
    let _ = write!(
        h,
        "<h1>Internet usage evidence pack: {}</h1><p class=\"banner\">OFFICIAL – SENSITIVE: personal data for an authorised HR investigation. \
         Do not copy or share beyond the case.</p>",
        esc(&a.reference)
    );
    // Authorisation
    let notice = if a.covert {
        format!(
            "Covert (the employee was not told). Justification: {}",
            esc(&a.covert_justification)
        )
    } else if a.subject_notified {
        "Not covert; the employee has been told about the monitoring.".into()
    } else {
        "Not covert; the employee has not yet been told.".into()
    };
    let grounds = if a.grounds_detail.is_empty() {
        a.grounds.describe().to_string()
    } else {
        format!("{}: {}", a.grounds.describe(), a.grounds_detail)
    };
    let _ = write!(
        h,
        "<h2>1. Authorisation</h2><table>\
         <tr><th>Reference</th><td>{}</td><th>Record of concern</th><td>{}</td></tr>\
         <tr><th>Grounds</th><td colspan=\"3\">{}</td></tr>\
         <tr><th>Requested by</th><td>{}</td><th>Authorised by</th><td>{} ({})</td></tr>\
         <tr><th>Authorised at</th><td>{}</td><th>Expires</th><td>{}</td></tr>\
         <tr><th>Period</th><td>{} to {} (local dates, {})</td><th>DPIA</th><td>{}</td></tr>\
         <tr><th>Notice</th><td colspan=\"3\">{notice}</td></tr></table>",
        esc(&a.reference),
        esc(&a.record_of_concern),
        esc(&grounds),
        esc(&a.requested_by),
        esc(&a.authorised_by.name),
        esc(&a.authorised_by.role),
        esc(&a.authorised_at.to_rfc3339()),
        esc(&a.expires.to_rfc3339()),
        a.period.from,
        a.period.to,
        esc(&s.time_zone),
        esc(&a.dpia),
    );
    let _ = write!(
        h,
        "<h2>2. Subject</h2><table><tr><th>Employee id</th><td>{}</td><th>User name(s) in the logs</th><td>{}</td></tr>\
         <tr><th>Pseudonym (as in flags)</th><td>{}</td><th>Events in the period</th><td>{} ({} blocked)</td></tr></table>",
        esc(&s.employee_id),
        esc(&s.users.join(", ")),
        esc(&s.pseudonym),
        s.events,
        s.blocked
    );
    if !s.accounts.is_empty() {
        let _ = write!(
            h,
            "<p>These {} accounts are treated as one person because: <b>{}</b>. Each account's social-media time \
             is shown beside the total (a minute used on two accounts at once counts once in the total).</p>\
             <table><tr><th>Account</th><th>Pseudonym</th><th>Events</th><th>Working min</th><th>Break min</th>\
             <th>Outside min</th><th>Total min</th></tr>",
            s.accounts.len(),
            esc(s.same_person.as_deref().unwrap_or(""))
        );
        for r in &s.accounts {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                esc(&r.account),
                esc(&r.pseudonym),
                r.events,
                min(r.working_s),
                min(r.break_s),
                min(r.outside_s),
                min(r.total_s)
            );
        }
        let total = s
            .usage
            .iter()
            .find(|r| r.category == crate::classify::SOCIAL_MEDIA_ROW);
        if let Some(t) = total {
            let _ = write!(
                h,
                "<tr><th colspan=\"2\">Total (one person)</th><td class=\"n\">{}</td><td class=\"n\">{}</td>\
                 <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                s.events,
                min(t.working_s),
                min(t.break_s),
                min(t.outside_s),
                min(t.total_s)
            );
        }
        h.push_str("</table>");
    }
    if let Some(prev) = &s.supersedes {
        let _ = write!(
            h,
            "<p class=\"flag\">This pack supersedes the earlier pack of this reference at {} (granted in audit entry {}). \
             Reason: {}</p>",
            esc(&prev.pack),
            prev.granted_seq,
            esc(&prev.reason)
        );
    }
    // Method
    let bt = &d.config.browse_time;
    let sch = &d.config.schedule;
    let _ = write!(
        h,
        "<h2>3. How the figures were made</h2><p>Proxy logs record requests for web pages, not the time a person spends \
         reading them, so <b>browse time is an estimate</b>. For each site, the requests are put in time order; a gap of more \
         than <b>{} seconds</b> without a request ends a visit (a <i>session</i>). A session counts from its first request to \
         its last request plus <b>{} seconds</b>. Requests that only load parts of a site inside another page (for example a \
         Facebook \"like\" button on a news page) do not count on their own. When two social sites were open at the same time, \
         the time is counted once. Times are split into <b>working time</b> ({}, {} to {}), <b>official breaks</b> ({}) and \
         <b>outside working hours</b> (evenings, weekends and bank holidays: {}), in the {} time zone.</p>\
         <p>The policy applied is <b>{}</b> ({}): {}.</p>",
        bt.idle_timeout_s,
        bt.allowance_s,
        esc(&sch.working_days.join(", ")),
        esc(&sch.working_hours[0]),
        esc(&sch.working_hours[1]),
        esc(&sch
            .breaks
            .iter()
            .map(|b| format!("{}–{}", b[0], b[1]))
            .collect::<Vec<_>>()
            .join(", ")),
        esc(&sch.bank_holidays),
        esc(&sch.time_zone),
        esc(&d.config.policy.personal_use),
        esc(d
            .config
            .policy()
            .map(|p| p.personal_use.describe())
            .unwrap_or_default()),
        esc(&d
            .config
            .policy()
            .map(|p| p.limits_words())
            .unwrap_or_default()),
    );
    let bg = if d.config.browse_time.exclude_background {
        format!(
            "<b>Background traffic</b>: requests at a machine-regular interval (an open tab polling for notifications) \
             for 30 minutes or more are not browse time; {} such request(s) of this employee were left out, marked \
             <code>background</code> in events.csv.",
            s.background_requests
        )
    } else {
        "<b>Background traffic</b> was counted as browse time (exclude_background = false in the configuration).".to_string()
    };
    let profile = if s.profile.is_empty() {
        "The employee worked the schedule above throughout the period, with no leave recorded."
            .to_string()
    } else {
        format!(
            "The employee's own hours and leave, from the HR exports: {}.",
            esc(&s.profile.join("; "))
        )
    };
    let _ = write!(h, "<p>{bg}</p><p>{profile}</p>");
    h.push_str(&attribution_section(s));
    // Per-day, with the flagged days marked in the same table (not repeated elsewhere).
    let counted: std::collections::BTreeMap<String, i64> = s
        .flagged_days
        .iter()
        .map(|f| (f.date.to_string(), f.counted_s))
        .collect();
    let _ = write!(
        h,
        "<h2>4. Social media per day</h2><p>Minutes of social-media browse time per local day, and the days the policy \
         flags (section 3). Outcome: the policy <b>{}</b> the employee in this period.</p>",
        if s.flagged {
            "<span class=\"flag\">flags</span>"
        } else if s.exempt {
            "does not flag (the employee is a designated business user, listed in exempt_users: their social-media \
             use is business use)"
        } else {
            "does not flag"
        }
    );
    let models: Vec<String> = s
        .sensitivity
        .first()
        .map(|d| d.by_model.iter().map(|(name, _)| name.clone()).collect())
        .unwrap_or_default();
    if !models.is_empty() {
        let _ = write!(
            h,
            "<p>Each flagged day is recomputed under each browse-time model of the sensitivity set ({}): \
             <b>robust</b> means it is over the limit under every one of them, <b>marginal</b> that another model \
             puts it under the limit, so the finding rests on that choice. The range gives the least and the most \
             counted minutes.</p>",
            esc(&models.join(", "))
        );
    }
    h.push_str("<table><tr><th>Date</th><th>Working time (min)</th><th>Official breaks (min)</th><th>Outside hours (min)</th><th>Counted by the policy (min)</th><th>Flagged</th><th>Range over models (min)</th></tr>");
    for day in &s.social_media_days {
        let c = counted.get(&day.date);
        let sens = s
            .sensitivity
            .iter()
            .find(|x| x.date.to_string() == day.date);
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
            esc(&day.date),
            min(day.working_s),
            min(day.break_s),
            min(day.outside_s),
            c.map_or_else(String::new, |c| min(*c)),
            match (day.flagged, sens) {
                (true, Some(x)) => format!("<span class=\"flag\">yes</span>, {}", x.finding()),
                (true, None) => "<span class=\"flag\">yes</span>".to_string(),
                _ => String::new(),
            },
            sens.map_or_else(String::new, |x| format!(
                "{}–{}",
                min(x.min_counted_s),
                min(x.max_counted_s)
            )),
        );
    }
    h.push_str("</table>");
    h.push_str(&bar_chart(s));
    h.push_str("<h2>5. Timeline of each day</h2><p class=\"small\">Each row is one local day from 00:00 to 24:00. \
        Shaded: working hours (blue) and official breaks (yellow). Bars: social-media sessions (red) and other sites (grey).</p>");
    h.push_str(&timelines(d));
    // What the figures cannot show
    h.push_str(
        "<h2>6. Limitations</h2><ul>\
         <li><b>An open tab or app keeps requesting.</b> Pages and apps poll for notifications and keep connections open \
         (long CONNECT tunnels, chat keep-alives). Requests at a machine-regular interval for 30 minutes or more are found \
         and left out of browse time (section 3), but shorter or irregular polling can still extend a session while nobody \
         is reading: check the sessions below for long runs of regular requests before relying on a figure.</li>\
         <li><b>An account is not a person.</b> The logs show which account (or address) made a request, not who was at the \
         keyboard: a colleague at an unlocked machine, or shared credentials, look the same.</li>\
         <li><b>Gaps in the logs read as no use.</b> If the proxy was down, a log was rotated away or lost, or traffic \
         bypassed the proxy (a phone on mobile data), nothing is recorded; sources.csv lists the files this pack rests on.</li>\
         <li><b>The figure depends on its parameters.</b> A longer idle timeout joins requests into longer sessions and gives \
         more time; a shorter one gives less. The parameters used are stated in section 3 and in method.json.</li>\
         <li><b>Categories come from lists.</b> A site's category comes from the bundled and local category lists \
         (method.json gives their version); a miscategorised site is counted under the wrong heading.</li></ul>",
    );
    // Sites
    h.push_str("<h2>7. Sites</h2><table><tr><th>Site</th><th>Category</th><th>Sessions</th><th>Minutes (sum of sessions)</th></tr>");
    for r in &s.sites {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&r.site),
            esc(&r.category),
            r.sessions,
            min(r.seconds)
        );
    }
    h.push_str("</table>");
    // Sessions
    h.push_str(
        "<h2>8. Sessions and the log lines behind them</h2><p class=\"small\">First and last log line of each session: \
         source file id (see sources.csv for its path and SHA-256), line number, the request, and the line as logged when the \
         file is still where it was ingested and unchanged (its SHA-256 checked again; summary.json, raw_lines, says per file). \
         events.csv lists every line.</p>\
         <table class=\"sessions\"><colgroup><col class=\"site\"><col class=\"time\">\
         <col class=\"num\"><col class=\"split\"><col class=\"line\"></colgroup>\
         <thead><tr><th>Site and category</th><th>Start and end</th><th>Min</th><th>Work / break / out (min)</th>\
         <th>First and last log line (source:line, request)</th></tr></thead>",
    );
    let raw = |t: &str| {
        if t.is_empty() {
            String::new()
        } else {
            format!("<br><code class=\"raw\">{}</code>", esc(t))
        }
    };
    for r in d.sessions {
        let note = if r.embedded_only {
            " <span class=\"small\">(embedded only, not counted)</span>"
        } else {
            ""
        };
        let _ = write!(
            h,
            "<tr><td>{}{note}<br><span class=\"small\">{}</span></td><td>{}<br>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{} / {} / {}</td>\
             <td><code>{}:{}</code> <span class=\"small\">{}</span>{}<br><code>{}:{}</code> <span class=\"small\">{}</span>{}</td></tr>",
            esc(&r.site),
            esc(&r.category),
            esc(&r.start_local),
            esc(&r.end_local),
            min(r.seconds),
            min(r.working_s),
            min(r.break_s),
            min(r.outside_s),
            esc(&r.first_source),
            r.first_line,
            esc(&r.first_request),
            raw(&r.first_text),
            esc(&r.last_source),
            r.last_line,
            esc(&r.last_request),
            raw(&r.last_text)
        );
    }
    h.push_str("</table>");
    let _ = write!(
        h,
        "<h2>9. About this pack</h2><p class=\"small\">Made by {} at {} (system clock) with netusage {}. It is a BagIt bag (RFC 8493), \
         signed with the store's Ed25519 key <code>{}</code>: <code>netusage verify PACK --public-key FILE</code> checks that no file \
         has been changed, added or removed since the holder of that key made it (it cannot show who held the key). The audit entry that \
         granted it has hash <code>{}</code>; audit.jsonl in this pack holds every audit entry for this reference about this subject (an entry about anyone else is reduced to its number, time and command).</p></body></html>",
        esc(d.operator),
        esc(d.made_at),
        env!("CARGO_PKG_VERSION"),
        esc(d.key_fingerprint),
        esc(d.audit_hash)
    );
    h.push('\n');
    h
}

/// A tick step for an axis up to `max` minutes: 1, 2, 5, 10, 15, 30, 60,
/// 120, 240 or 480, the smallest giving at most six ticks.
pub fn tick_step(max: f64) -> f64 {
    [1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 240.0, 480.0]
        .into_iter()
        .find(|s| max / s <= 6.0)
        .unwrap_or(480.0)
}

fn bar_chart(s: &Summary) -> String {
    let days = &s.social_media_days;
    if days.is_empty() {
        return "<p>No social-media browse time in the period.</p>".into();
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
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {hgt}\" width=\"{w}\" height=\"{hgt}\" role=\"img\" aria-label=\"Social-media minutes per day\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    let base = hgt - bottom;
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{w}\" y2=\"{base}\" stroke=\"#333\"/>"
    );
    // The y axis: a tick every `step` minutes, labelled, with a light grid line.
    let _ = write!(
        svg,
        "<line x1=\"{left}\" y1=\"{base}\" x2=\"{left}\" y2=\"10\" stroke=\"#333\"/>\
         <text x=\"2\" y=\"8\" font-size=\"9\">min</text>"
    );
    let mut tick = 0.0;
    while tick <= max_min + 1e-9 {
        let y = base - tick * scale;
        let _ = write!(
            svg,
            "<line x1=\"{:.1}\" y1=\"{y:.1}\" x2=\"{left}\" y2=\"{y:.1}\" stroke=\"#333\"/>\
             <line x1=\"{left}\" y1=\"{y:.1}\" x2=\"{w}\" y2=\"{y:.1}\" stroke=\"#eee\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"end\">{tick:.0}</text>",
            left - 4.0,
            left - 6.0,
            y + 3.0
        );
        tick += step;
    }
    for (i, d) in days.iter().enumerate() {
        let x = left + i as f64 * slot + slot * 0.15;
        let bw = slot * 0.7;
        let mut y = base;
        for (secs, colour) in [
            (d.working_s, WORK),
            (d.break_s, BREAK),
            (d.outside_s, OUTSIDE),
        ] {
            let bh = secs as f64 / 60.0 * scale;
            if bh > 0.0 {
                y -= bh;
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw:.1}\" height=\"{bh:.1}\" fill=\"{colour}\"/>"
                );
            }
        }
        let label = d.date.get(5..).unwrap_or(&d.date);
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{}</text>",
            x + bw / 2.0,
            base + 12.0,
            esc(label)
        );
        if d.flagged {
            let _ = write!(
                svg,
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\" fill=\"#a00\">flag</text>",
                x + bw / 2.0,
                base + 24.0
            );
        }
    }
    svg.push_str("</svg>");
    format!(
        "{svg}<p class=\"legend small\"><span style=\"background:{WORK}\"></span>working time<span style=\"background:{BREAK}\"></span>official breaks\
         <span style=\"background:{OUTSIDE}\"></span>outside working hours</p>"
    )
}

/// How the events were attributed to the employee: per day, the events
/// logged with their user, attributed from an identity source, ambiguous
/// and unattributed; then each identity record used, with its raw line.
fn attribution_section(s: &crate::evidence::pack::Summary) -> String {
    let mut h = String::from(
        "<p><b>Who was at the keyboard.</b> Events logged with the employee's user name are <i>logged</i>. Events a firewall \
         or transparent proxy logged with only an address are attributed to the person a logon, DHCP lease or VPN record \
         shows holding that address at that time (<i>identity</i>); where two people held it at once the event is \
         <i>ambiguous</i> and attributed to neither.</p>\
         <table><tr><th>Date</th><th>Events</th><th>Logged</th><th>Identity</th><th>Ambiguous</th><th>Unattributed</th></tr>",
    );
    for c in &s.coverage {
        let _ = write!(
            h,
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            esc(&c.date),
            c.events,
            c.logged,
            c.identity,
            c.ambiguous,
            c.unattributed
        );
    }
    h.push_str("</table>");
    if s.gaps.is_empty() {
        h.push_str("<p>The log files this pack rests on recorded something in every half hour of working time in the period.</p>");
    } else {
        h.push_str(
            "<p><b>Gaps in the evidence.</b> In these periods of working time a log file this pack rests on recorded \
             nothing at all for 30 minutes or more: the proxy or firewall may have been down, or traffic went another \
             way. Browse time there reads as none; it may not have been.</p><ul class=\"small\">",
        );
        for g in &s.gaps {
            let _ = write!(
                h,
                "<li><code>{}</code>: {} to {} ({} min)</li>",
                esc(&g.source),
                esc(&g.start_utc),
                esc(&g.end_utc),
                g.minutes
            );
        }
        h.push_str("</ul>");
    }
    if !s.attributions.is_empty() {
        h.push_str("<p>The identity records the attributions rest on:</p><ul class=\"small\">");
        for r in &s.attributions {
            let _ = write!(
                h,
                "<li><code>{}</code>: {} held {} from {} to {} ({} events)<br><code class=\"raw\">{}</code></li>",
                esc(&r.attribution),
                esc(&r.user),
                esc(&r.ip),
                esc(&r.start_utc),
                esc(&r.end_utc),
                r.events,
                esc(&r.raw)
            );
        }
        h.push_str("</ul>");
    }
    h
}

fn timelines(d: &ReportData<'_>) -> String {
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
    let dates: Vec<NaiveDate> = dates
        .into_iter()
        .filter(|dt| {
            let (ds, de) = (
                sch.day_start(*dt),
                sch.day_start(dt.succ_opt().unwrap_or(*dt)),
            );
            sessions.iter().any(|&(s, e, _)| s < de && e > ds)
        })
        .collect();
    if dates.is_empty() {
        return "<p>No browse time in the period.</p>".into();
    }
    let (w, row, left) = (700.0, 22.0, 70.0);
    let hgt = row * dates.len() as f64 + 20.0;
    let mut svg = format!(
        "<svg viewBox=\"0 0 {w} {hgt}\" width=\"{w}\" height=\"{hgt}\" role=\"img\" aria-label=\"Sessions per day\" xmlns=\"http://www.w3.org/2000/svg\">"
    );
    for hour in (0..=24).step_by(3) {
        let x = left + (w - left) * hour as f64 / 24.0;
        let _ = write!(
            svg,
            "<line x1=\"{x:.1}\" y1=\"0\" x2=\"{x:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{x:.1}\" y=\"{:.1}\" font-size=\"8\" text-anchor=\"middle\">{hour:02}:00</text>",
            hgt - 12.0,
            hgt - 2.0
        );
    }
    for (i, dt) in dates.iter().enumerate() {
        let y = i as f64 * row;
        let (ds, de) = (
            sch.day_start(*dt),
            sch.day_start(dt.succ_opt().unwrap_or(*dt)),
        );
        let span = (de - ds).max(1) as f64;
        let px = |ms: i64| left + (w - left) * ((ms.clamp(ds, de) - ds) as f64 / span);
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"9\">{}</text>",
            y + row * 0.65,
            dt.format("%a %d %b")
        );
        for &(ws, we, p) in sch.windows(*dt).iter() {
            let colour = if p == Period::Break {
                "#fff3c4"
            } else {
                "#dbe9f6"
            };
            let _ = write!(
                svg,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
                px(ws),
                y + 2.0,
                px(we) - px(ws),
                row - 4.0
            );
        }
        for &(s, e, social) in &sessions {
            if s < de && e > ds {
                let colour = if social { WORK } else { "#999" };
                let _ = write!(
                    svg,
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\"/>",
                    px(s),
                    y + if social { 5.0 } else { 9.0 },
                    (px(e) - px(s)).max(0.8),
                    if social { row - 10.0 } else { row - 18.0 }
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
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
        assert_eq!(
            esc("<a href=\"x\">'&"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;"
        );
    }
}
