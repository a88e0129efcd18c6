//! The page's two charts, as inline SVG: social-media minutes per day
//! (stacked by period, with the policy's daily limit drawn) and each day's
//! timeline of sessions against the schedule. Every label is drawn inside
//! the chart's box, so nothing is cut when printed.

use chrono::{Days, NaiveDate};
use maud::{Markup, html};

use super::ReportData;
use crate::evidence::pack::Summary;
use crate::usage::schedule::Period;

/// Working-time colour (bars, legend).
pub const WORK: &str = "#c0392b";
/// Official-break colour.
pub const BREAK: &str = "#e6b000";
/// Outside-working-hours colour.
pub const OUTSIDE: &str = "#7f8c8d";

/// An SVG coordinate with one decimal.
fn f1(v: f64) -> String {
    format!("{v:.1}")
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
/// outside hours), flagged days marked, the policy's daily limit on
/// counted time drawn as a dashed line (`limit_min`, minutes; none when
/// the limit is zero: any counted minute is over it), and the legend.
pub fn bar_chart(s: &Summary, limit_min: Option<f64>) -> Markup {
    let days = &s.social_media_days;
    if days.is_empty() {
        return html! { p { "No social-media browse time in the period." } };
    }
    // The plot sits inside a margin that holds every label: the axis title
    // above the top tick, the tick labels left of the axis, the dates and
    // flags below it.
    let (w, hgt, left, top, bottom) = (700.0, 240.0, 44.0, 24.0, 40.0);
    let highest = days
        .iter()
        .map(|d| (d.working_s + d.break_s + d.outside_s) as f64 / 60.0)
        .chain(limit_min)
        .fold(1.0, f64::max);
    let step = tick_step(highest);
    let max_min = (highest / step).ceil() * step;
    let slot = (w - left - 8.0) / days.len() as f64;
    let scale = (hgt - bottom - top) / max_min;
    let base = hgt - bottom;
    let ticks: Vec<f64> = std::iter::successors(Some(0.0), |t| Some(t + step))
        .take_while(|t| *t <= max_min + 1e-9)
        .collect();
    html! {
        svg viewBox={ "0 0 " (w) " " (hgt) } width=(w) height=(hgt) role="img"
            aria-label="Social-media minutes per day" xmlns="http://www.w3.org/2000/svg" {
            line x1=(left) y1=(base) x2=(f1(w - 8.0)) y2=(base) stroke="#333" {}
            line x1=(left) y1=(base) x2=(left) y2=(top) stroke="#333" {}
            text x="2" y="10" font-size="9" { "minutes per day" }
            @for tick in &ticks {
                @let y = f1(base - tick * scale);
                line x1=(f1(left - 4.0)) y1=(y) x2=(left) y2=(y) stroke="#333" {}
                line x1=(left) y1=(y) x2=(f1(w - 8.0)) y2=(y) stroke="#eee" {}
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
                        text-anchor="middle" fill="#a00" { "flagged" }
                }
            }
            @if let Some(limit) = limit_min {
                @let y = f1(base - limit * scale);
                line x1=(left) y1=(y) x2=(f1(w - 8.0)) y2=(y) stroke="#a00"
                    stroke-dasharray="5 3" stroke-width="1.2" {}
                text x=(f1(w - 10.0)) y=(f1(base - limit * scale - 3.0)) font-size="9"
                    text-anchor="end" fill="#a00" { "limit: " (format!("{limit:.0}")) " min counted" }
            }
        }
        p.legend.small {
            span style={ "background:" (WORK) } {} "working time"
            span style={ "background:" (BREAK) } {} "official breaks"
            span style={ "background:" (OUTSIDE) } {} "outside working hours"
            @if limit_min.is_some() {
                " — dashed line: the policy's daily limit on counted time"
            }
        }
    }
}

/// One day's bar: `(top, height, colour)` of its working, break and outside
/// parts that have any time, stacked up from `base`.
pub fn stack(
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

/// The timelines' SVG: each day of the period with browse time, from
/// 00:00 to 24:00, its working hours and breaks shaded and its sessions
/// drawn; or a sentence when no day has browse time.
pub fn timeline_chart(d: &ReportData<'_>) -> Markup {
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
            Some((
                start,
                end,
                d.summary.social_media.contains(&r.site, &r.category),
            ))
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
    // The last hour label ("24:00") is centred on the plot's right edge:
    // the right margin holds its second half.
    let (w, row, left, right) = (700.0, 22.0, 70.0, 20.0);
    let plot = w - left - right;
    let hgt = row * dates.len() as f64 + 20.0;
    html! {
        svg viewBox={ "0 0 " (w) " " (hgt) } width=(w) height=(hgt) role="img"
            aria-label="Sessions per day" xmlns="http://www.w3.org/2000/svg" {
            @for hour in (0..=24).step_by(3) {
                @let x = f1(left + plot * f64::from(hour) / 24.0);
                line x1=(x) y1="0" x2=(x) y2=(f1(hgt - 12.0)) stroke="#ddd" {}
                text x=(x) y=(f1(hgt - 2.0)) font-size="8" text-anchor="middle" {
                    (format!("{hour:02}:00"))
                }
            }
            @for (i, dt) in dates.iter().enumerate() {
                @let y = i as f64 * row;
                @let (ds, de) = bounds(*dt);
                @let span = (de - ds).max(1) as f64;
                @let px = |ms: i64| left + plot * ((ms.clamp(ds, de) - ds) as f64 / span);
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
}
