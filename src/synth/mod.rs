//! Synthetic Squid logs for the shipped sample and the benchmarks.
//!
//! Models a council office: people arrive around 09:00 and leave around
//! 17:00 (Europe/London), browse work sites all day and social media mostly
//! at lunch, a few people use social media heavily in working time, some try
//! blocked gambling sites (`TCP_DENIED/403`), news pages pull in Facebook and
//! X widgets (embedded hosts), and a few lines are malformed. The output is a
//! pure function of the options (the RNG is rand's `StdRng`, seeded; the
//! version is pinned by `Cargo.lock`).

pub mod realistic;

use std::io::{self, Write};

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Europe::London;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Options {
    /// RNG seed: the same seed gives the same file.
    pub seed: u64,
    /// First local date (Europe/London).
    pub start: NaiveDate,
    /// Number of people.
    pub users: usize,
    /// Stop after this many lines (the last day may be cut short).
    pub lines: u64,
    /// Malformed lines per 10 000 (0 for none).
    pub malformed_per_10k: u32,
}

/// The shipped sample's settings: 40 people, 50,000 lines (about seven
/// working days), 2 malformed lines per 10,000, seed 20261116; only the
/// start date moves ([`sample_start`]).
pub fn sample_options(start: NaiveDate) -> Options {
    Options {
        seed: 20261116,
        start,
        users: 40,
        lines: 50_000,
        malformed_per_10k: 2,
    }
}

/// Where the shipped sample starts, for a run on local date `today`: the
/// Monday of the week before last, so its seven working days are all in the
/// past and well inside the one-year retention window, whatever the date.
pub fn sample_start(today: NaiveDate) -> NaiveDate {
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    monday - Duration::days(14)
}

/// A site the generator visits: its page host, content type, and the
/// embedded hosts a page load pulls in.
struct Site {
    host: &'static str,
    embedded: &'static [&'static str],
}

const WORK: &[Site] = &[
    Site {
        host: "intranet.council.local",
        embedded: &[],
    },
    Site {
        host: "www.gov.uk",
        embedded: &["assets.publishing.service.gov.uk"],
    },
    Site {
        host: "outlook.office365.com",
        embedded: &["res.cdn.office.net"],
    },
    Site {
        host: "teams.microsoft.com",
        embedded: &["statics.teams.cdn.office.net"],
    },
    Site {
        host: "www.legislation.gov.uk",
        embedded: &[],
    },
    Site {
        host: "docs.google.com",
        embedded: &["ssl.gstatic.com"],
    },
    Site {
        host: "www.planningportal.co.uk",
        embedded: &[],
    },
];

const SOCIAL: &[Site] = &[
    Site {
        host: "www.facebook.com",
        embedded: &["static.xx.fbcdn.net", "scontent-lhr8-1.xx.fbcdn.net"],
    },
    Site {
        host: "x.com",
        embedded: &["abs.twimg.com", "pbs.twimg.com"],
    },
    Site {
        host: "www.youtube.com",
        embedded: &["i.ytimg.com", "rr4---sn-aigl6nzr.googlevideo.com"],
    },
    Site {
        host: "www.instagram.com",
        embedded: &["scontent-lhr6-1.cdninstagram.com"],
    },
    Site {
        host: "www.linkedin.com",
        embedded: &["media.licdn.com", "static.licdn.com"],
    },
    Site {
        host: "www.reddit.com",
        embedded: &["i.redd.it", "www.redditstatic.com"],
    },
    Site {
        host: "www.tiktok.com",
        embedded: &["p16-sign-va.tiktokcdn.com"],
    },
    Site {
        host: "web.whatsapp.com",
        embedded: &["static.whatsapp.net"],
    },
    Site {
        host: "www.pinterest.co.uk",
        embedded: &["i.pinimg.com"],
    },
    Site {
        host: "www.mumsnet.com",
        embedded: &[],
    },
];

const OTHER: &[Site] = &[
    Site {
        host: "www.bbc.co.uk",
        embedded: &["static.files.bbci.co.uk", "connect.facebook.net"],
    },
    Site {
        host: "www.theguardian.com",
        embedded: &["i.guim.co.uk", "platform.twitter.com"],
    },
    Site {
        host: "www.amazon.co.uk",
        embedded: &["m.media-amazon.com"],
    },
    Site {
        host: "www.ebay.co.uk",
        embedded: &["i.ebayimg.com"],
    },
];

const BLOCKED: &[&str] = &["www.bet365.com", "www.paddypower.com", "www.pornhub.com"];

const SURNAMES: &[&str] = &[
    "smith", "jones", "taylor", "brown", "williams", "wilson", "johnson", "davies", "patel",
    "robinson", "wright", "thompson", "evans", "walker", "white", "roberts", "green", "hall",
    "thomas", "clarke", "jackson", "wood", "harris", "edwards", "turner", "martin", "cooper",
    "hill", "ward", "hughes", "moore", "clark", "king", "harrison", "lewis", "baker", "lee",
    "allen", "morris", "khan", "scott", "watson", "davis", "parker",
];

/// Person `i`'s user name as logged (some with a Windows realm, URL-encoded).
pub fn user_name(i: usize) -> String {
    let initial = (b'a' + (i % 26) as u8) as char;
    let base = format!("{initial}{}", SURNAMES[i % SURNAMES.len()]);
    let base = if i >= SURNAMES.len() {
        format!("{base}{}", i / SURNAMES.len())
    } else {
        base
    };
    if i % 5 == 2 {
        format!("COUNCIL%5C{base}")
    } else {
        base
    }
}

/// True for the people the generator makes heavy social-media users in
/// working time (about one in twelve).
pub fn is_heavy(i: usize) -> bool {
    i % 12 == 3
}

struct Line {
    ts_ms: i64,
    text: String,
}

fn exp(rng: &mut StdRng, mean: f64) -> f64 {
    -mean * (1.0 - rng.random::<f64>()).ln()
}

fn at(day: NaiveDate, minutes: f64) -> i64 {
    let local = day.and_time(NaiveTime::MIN) + Duration::milliseconds((minutes * 60_000.0) as i64);
    London
        .from_local_datetime(&local)
        .earliest()
        .map_or(0, |t| t.timestamp_millis())
}

#[allow(clippy::too_many_arguments)]
fn request(
    out: &mut Vec<Line>,
    rng: &mut StdRng,
    ts_ms: i64,
    ip: &str,
    user: &str,
    host: &str,
    denied: bool,
    page: bool,
) {
    let tls = rng.random_bool(0.6);
    let (code, status) = if denied {
        ("TCP_DENIED", 403)
    } else if tls {
        ("TCP_TUNNEL", 200)
    } else {
        ("TCP_MISS", 200)
    };
    let bytes: u64 = if denied {
        3_900
    } else if page {
        rng.random_range(8_000..180_000)
    } else {
        rng.random_range(400..60_000)
    };
    let elapsed: u32 = if denied {
        0
    } else {
        rng.random_range(3..4_000)
    };
    let (method, url, mime) = if tls && !denied {
        ("CONNECT", format!("{host}:443"), "-")
    } else {
        let path = if page { "/" } else { "/static/app.js" };
        (
            "GET",
            format!("http://{host}{path}"),
            if page {
                "text/html"
            } else {
                "application/javascript"
            },
        )
    };
    let hier = if denied {
        "HIER_NONE/-".to_string()
    } else {
        format!("HIER_DIRECT/203.0.113.{}", rng.random_range(1..250))
    };
    out.push(Line {
        ts_ms,
        text: format!(
            "{}.{:03} {elapsed:>6} {ip} {code}/{status} {bytes} {method} {url} {user} {hier} {mime}",
            ts_ms.div_euclid(1000),
            ts_ms.rem_euclid(1000)
        ),
    });
}

/// One visit to a site: page loads every so often, each pulling in its
/// embedded hosts within a couple of seconds.
#[allow(clippy::too_many_arguments)]
fn visit(
    out: &mut Vec<Line>,
    rng: &mut StdRng,
    day: NaiveDate,
    start_min: f64,
    len_min: f64,
    ip: &str,
    user: &str,
    site: &Site,
) {
    let mut t = start_min;
    while t < start_min + len_min {
        let ts = at(day, t);
        request(out, rng, ts, ip, user, site.host, false, true);
        for e in site.embedded {
            let delay = rng.random_range(50..2_500);
            request(out, rng, ts + delay, ip, user, e, false, false);
        }
        t += exp(rng, 2.2).clamp(0.05, 4.8);
    }
}

fn person_day(out: &mut Vec<Line>, rng: &mut StdRng, day: NaiveDate, i: usize) {
    let user = user_name(i);
    let ip = format!("10.20.{}.{}", 1 + i / 200, 10 + i % 200);
    let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
    if weekend {
        return;
    }
    let arrive = 8.0 * 60.0 + 30.0 + rng.random_range(0.0..45.0);
    let leave = 16.0 * 60.0 + 45.0 + rng.random_range(0.0..60.0);
    // Some take lunch early (12:00), so part of it falls in working time.
    let lunch: f64 = if rng.random_bool(0.1) {
        12.0 * 60.0
    } else {
        12.0 * 60.0 + 30.0
    };
    let heavy = is_heavy(i);
    let mut t = arrive;
    while t < leave {
        let in_lunch = t >= lunch && t < lunch + 40.0;
        let p_social = if in_lunch {
            0.55
        } else if heavy {
            0.45
        } else {
            0.01
        };
        let r = rng.random::<f64>();
        let len;
        if r < p_social {
            let site = &SOCIAL[rng.random_range(0..SOCIAL.len())];
            len = if in_lunch {
                rng.random_range(3.0..(lunch + 55.0 - t).max(3.5_f64))
            } else {
                rng.random_range(2.0..14.0)
            };
            visit(out, rng, day, t, len, &ip, &user, site);
        } else if r < p_social + 0.08 {
            let site = &OTHER[rng.random_range(0..OTHER.len())];
            len = rng.random_range(1.0..6.0);
            visit(out, rng, day, t, len, &ip, &user, site);
        } else if r < p_social + 0.09 && i % 7 == 1 {
            len = 0.5;
            let ts = at(day, t);
            let host = BLOCKED[rng.random_range(0..BLOCKED.len())];
            request(out, rng, ts, &ip, &user, host, true, true);
        } else {
            let site = &WORK[rng.random_range(0..WORK.len())];
            len = rng.random_range(2.0..30.0);
            visit(out, rng, day, t, len, &ip, &user, site);
        }
        t += len + exp(rng, 25.0);
    }
}

fn malformed(rng: &mut StdRng, ts_ms: i64) -> String {
    match rng.random_range(0..3) {
        0 => format!(
            "{}.{:03}      5 10.20.1.99 TCP_MISS/200",
            ts_ms / 1000,
            ts_ms % 1000
        ),
        1 => "squid[2231]: WARNING: log daemon queue full, dropping entries".to_string(),
        _ => format!(
            "{}.{:03} abc 10.20.1.99 TCP_MISS/2OO 55 GET http://example.org/ - HIER_DIRECT/1.2.3.4 -",
            ts_ms / 1000,
            ts_ms % 1000
        ),
    }
}

/// Writes the log to `out`, one day at a time in time order; returns the
/// number of lines written.
///
/// # Errors
/// Write errors.
pub fn generate(opts: &Options, out: &mut dyn Write) -> io::Result<u64> {
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut written = 0u64;
    let mut day = opts.start;
    let mut buf = Vec::new();
    let mut weekend_streak = 0;
    while written < opts.lines {
        buf.clear();
        for i in 0..opts.users {
            person_day(&mut buf, &mut rng, day, i);
        }
        buf.sort_by_key(|l| l.ts_ms);
        if buf.is_empty() {
            weekend_streak += 1;
            if weekend_streak > 7 {
                break; // no users: nothing will ever be written
            }
        } else {
            weekend_streak = 0;
        }
        for l in &buf {
            if written >= opts.lines {
                break;
            }
            if opts.malformed_per_10k > 0 && rng.random_range(0..10_000) < opts.malformed_per_10k {
                writeln!(out, "{}", malformed(&mut rng, l.ts_ms))?;
                written += 1;
                continue;
            }
            writeln!(out, "{}", l.text)?;
            written += 1;
        }
        day = day.succ_opt().expect("far from the end of time");
    }
    Ok(written)
}
