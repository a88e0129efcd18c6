//! A benchmark log as varied as real proxy logs: thousands of hosts with
//! Zipf-like popularity, full paths and query strings, CDN and API hosts per
//! site, and people with different habits.
//!
//! The office model of [`super::generate`] repeats a few dozen URLs; real
//! logs do not, and a tool that caches per URL or per person–host pair looks
//! faster on it than it is. This generator is calibrated on the real Squid
//! sample in `tests/data/squid/beats_x-pack_squid_access1.log` (100 lines,
//! one person, September 2006), measured with `awk`:
//!
//! | measure | real sample | this generator (2,000 people, 5,000 hosts, `--seed 20261116`, first million lines) |
//! |---|---|---|
//! | distinct URLs / lines | 83 / 100 | 572,674 / 1,000,000 (57 %) |
//! | distinct hosts | 32 in 100 lines | 4,987 |
//! | distinct person–host pairs | (one person) | 158,051 |
//! | lines whose URL has a query string | 24 % | 33 % |
//! | `CONNECT` lines | 9 % | 32 % (TLS sites not bumped: more HTTPS than in 2006) |
//! | hosts that are a site's CDN, API or a shared third party | 40 % of hosts (yimg, akamai, google-analytics, adbrite) | 0 to 4 per site (`static.`, `api.`, a `…cdn.net`, a CloudFront host) plus 30 shared third parties |
//! | result codes | MISS/200 40 %, REFRESH_HIT/304 14 %, DENIED/407 15 %, HIT/200 10 %, IMS_HIT/304 7 %, MISS/304 7 %, MISS/302 5 % | the same codes (and TUNNEL/200 for `CONNECT`); DENIED/407 rarer (one challenge now and then, not per page) |
//! | bytes a line | 155 | 148 |
//! | lines a person a working day | – | about 190 (375,297 on the busiest day for 2,000 people) |
//!
//! The sample's figures were counted with `awk` on fields 4, 6 and 7; the
//! generator's are what `genlogs --realistic` prints.
//!
//! Popularity: a site's chance of being chosen falls as `1 / rank^0.9`
//! (Zipf-like); each person keeps 10 to 60 favourite sites drawn from that
//! law and visits them most of the time, exploring the whole list otherwise.
//! People differ in arrival and leaving times, how often they browse, how
//! long they stay on a page, whether they use social media at work (one in
//! twelve heavily, as in the office model), and whether they try blocked
//! sites; one in a hundred browses all day (a short visit every minute or so:
//! the people a pack with thousands of sessions is about); 5 % of working days a person is away, and a few people browse at
//! weekends. The output is a pure function of the options.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use chrono::{Datelike, NaiveDate, Weekday};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::{BLOCKED, OTHER, SOCIAL, WORK, at, exp, is_heavy, malformed, user_name};

/// What to generate in the realistic mode.
#[derive(Debug, Clone)]
pub struct RealisticOptions {
    /// RNG seed: the same seed and options give the same lines.
    pub seed: u64,
    /// Number of people.
    pub users: usize,
    /// About how many distinct hosts the world has (sites, their CDN and API
    /// hosts, and shared third parties); at least 200.
    pub hosts: usize,
    /// Malformed lines per 10 000 (0 for none).
    pub malformed_per_10k: u32,
}

/// Statistics of one block of lines (a million, or fewer for the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Lines in the block.
    pub lines: u64,
    /// Distinct hosts.
    pub hosts: usize,
    /// Distinct URLs (as logged: `host:443` for `CONNECT`).
    pub urls: usize,
    /// Distinct (user name or client address, host) pairs.
    pub pairs: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Work,
    Social,
    Other,
    Blocked,
}

struct WorldSite {
    page: String,
    extra: Vec<String>,
    kind: Kind,
    /// `CONNECT host:443` only (TLS not inspected), else full URLs.
    tunnel: bool,
    /// Origin address as Squid logs it after `HIER_DIRECT/`.
    origin: String,
}

struct Person {
    user: String,
    ip: String,
    arrive: f64,
    leave: f64,
    visit_gap: f64,
    /// Mean length of a visit (minutes).
    visit_len: f64,
    load_gap: f64,
    favourites: Vec<usize>,
    explore: f64,
    heavy: bool,
    tries_blocked: bool,
    weekend: bool,
}

struct Line {
    ts_ms: i64,
    text: String,
    /// Byte ranges of the host and the URL in `text`.
    host: (u32, u32),
    url: (u32, u32),
    person: u32,
}

/// The generator: a world of sites and people, then one day at a time.
pub struct Realistic {
    seed: u64,
    rng: StdRng,
    sites: Vec<WorldSite>,
    /// Cumulative popularity over `sites`.
    cdf: Vec<f64>,
    shared: Vec<String>,
    socials: Vec<usize>,
    blocked: Vec<usize>,
    people: Vec<Person>,
    malformed_per_10k: u32,
    block: BlockCounter,
    blocks: Vec<Block>,
    lines: u64,
}

#[derive(Default)]
struct BlockCounter {
    lines: u64,
    hosts: HashSet<u64>,
    urls: HashSet<u64>,
    pairs: HashSet<u64>,
}

/// FNV-1a, 64 bits: a cheap hash for counting distinct values.
fn fnv(bytes: &[u8], seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

const SYLLABLES: &[&str] = &[
    "al", "bar", "bright", "cal", "dan", "del", "ex", "far", "gold", "green", "hart", "hol", "ind",
    "kin", "lan", "lock", "mar", "mill", "nor", "oak", "pen", "quay", "ros", "sand", "ston", "tor",
    "vale", "wes", "wood", "york", "zen", "ber", "cor", "dun", "fen", "glen", "hay", "kel", "lin",
    "mor",
];
const TLDS: &[&str] = &[
    "com", "com", "com", "co.uk", "co.uk", "org", "net", "org.uk", "io", "gov.uk", "ac.uk", "info",
];
const WORDS: &[&str] = &[
    "news",
    "council",
    "planning",
    "housing",
    "school",
    "travel",
    "sport",
    "weather",
    "recipe",
    "garden",
    "health",
    "jobs",
    "money",
    "energy",
    "review",
    "guide",
    "local",
    "market",
    "music",
    "film",
    "tech",
    "market",
    "policy",
    "budget",
    "report",
    "parking",
    "waste",
    "library",
    "family",
    "holiday",
    "football",
    "cricket",
    "election",
    "transport",
    "property",
    "insurance",
    "pension",
    "mortgage",
    "recycling",
    "licence",
    "benefits",
    "care",
    "events",
    "offers",
    "video",
    "photos",
    "forum",
    "answers",
    "shop",
    "basket",
];
const SHARED: &[&str] = &[
    "www.google-analytics.com",
    "www.googletagmanager.com",
    "fonts.googleapis.com",
    "fonts.gstatic.com",
    "ajax.googleapis.com",
    "securepubads.g.doubleclick.net",
    "stats.g.doubleclick.net",
    "pagead2.googlesyndication.com",
    "tpc.googlesyndication.com",
    "connect.facebook.net",
    "platform.twitter.com",
    "cdn.jsdelivr.net",
    "cdnjs.cloudflare.com",
    "code.jquery.com",
    "use.typekit.net",
    "js.hs-scripts.com",
    "static.hotjar.com",
    "script.hotjar.com",
    "cdn.cookielaw.org",
    "geolocation.onetrust.com",
    "c.amazon-adsystem.com",
    "bat.bing.com",
    "c.bing.com",
    "snap.licdn.com",
    "px.ads.linkedin.com",
    "sb.scorecardresearch.com",
    "cdn.taboola.com",
    "widgets.outbrain.com",
    "ib.adnxs.com",
    "s.yimg.com",
];

impl Realistic {
    /// Builds the world (sites, hosts, people) from the options.
    pub fn new(o: &RealisticOptions) -> Realistic {
        let mut rng = StdRng::seed_from_u64(o.seed);
        let mut sites = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        // The office model's sites first, interleaved so the most popular
        // ranks hold work, social and news sites as real logs do.
        let known: Vec<(&super::Site, Kind)> = WORK
            .iter()
            .map(|s| (s, Kind::Work))
            .chain(SOCIAL.iter().map(|s| (s, Kind::Social)))
            .chain(OTHER.iter().map(|s| (s, Kind::Other)))
            .collect();
        for (s, kind) in known {
            seen.insert(s.host.to_string());
            sites.push(WorldSite {
                page: s.host.to_string(),
                extra: s.embedded.iter().map(|h| (*h).to_string()).collect(),
                kind,
                tunnel: rng.random_bool(0.5),
                origin: origin(&mut rng),
            });
        }
        for b in BLOCKED {
            sites.push(WorldSite {
                page: (*b).to_string(),
                extra: Vec::new(),
                kind: Kind::Blocked,
                tunnel: false,
                origin: "-".into(),
            });
        }
        let shared: Vec<String> = SHARED.iter().map(|s| (*s).to_string()).collect();
        let mut hosts = sites.iter().map(|s| 1 + s.extra.len()).sum::<usize>() + shared.len();
        let target = o.hosts.max(200);
        while hosts < target {
            let n = rng.random_range(2..=3);
            let mut name = String::new();
            for _ in 0..n {
                name.push_str(SYLLABLES[rng.random_range(0..SYLLABLES.len())]);
            }
            let domain = format!("{name}.{}", TLDS[rng.random_range(0..TLDS.len())]);
            if !seen.insert(domain.clone()) {
                continue;
            }
            let page = if rng.random_bool(0.7) {
                format!("www.{domain}")
            } else {
                domain.clone()
            };
            let mut extra = Vec::new();
            let k = rng.random_range(0..=4);
            for j in 0..k {
                extra.push(match j {
                    0 => format!("static.{domain}"),
                    1 => format!("api.{domain}"),
                    2 => format!("img{}.{name}cdn.net", rng.random_range(1..9)),
                    _ => format!(
                        "d{:x}.cloudfront.net",
                        rng.random_range(0x1000_0000u32..0xffff_ffff)
                    ),
                });
            }
            hosts += 1 + extra.len();
            let kind = if rng.random_bool(0.3) {
                Kind::Work
            } else {
                Kind::Other
            };
            sites.push(WorldSite {
                page,
                extra,
                kind,
                tunnel: rng.random_bool(0.25),
                origin: origin(&mut rng),
            });
        }
        let mut cdf = Vec::with_capacity(sites.len());
        let mut total = 0.0;
        for (rank, s) in sites.iter().enumerate() {
            if s.kind != Kind::Blocked {
                total += 1.0 / ((rank + 1) as f64).powf(0.9);
            }
            cdf.push(total);
        }
        let mut people = Vec::with_capacity(o.users);
        for i in 0..o.users {
            let n_fav = rng.random_range(20..=80);
            let mut favourites = Vec::with_capacity(n_fav);
            for _ in 0..n_fav {
                let u = rng.random::<f64>() * total;
                favourites.push(cdf.partition_point(|c| *c < u).min(sites.len() - 1));
            }
            people.push(Person {
                user: user_name(i),
                ip: format!(
                    "10.{}.{}.{}",
                    20 + i / 50_000,
                    (i / 200) % 250 + 1,
                    10 + i % 200
                ),
                arrive: 7.5 * 60.0 + rng.random_range(0.0..120.0),
                leave: 16.0 * 60.0 + rng.random_range(0.0..150.0),
                // One in a hundred browses all day (dashboards, many tabs):
                // short visits to one site after another, most of them new.
                visit_gap: if i % 100 == 7 {
                    rng.random_range(0.3..0.6)
                } else {
                    rng.random_range(15.0..75.0)
                },
                visit_len: if i % 100 == 7 { 1.0 } else { 5.0 },
                load_gap: rng.random_range(0.4..3.0),
                favourites,
                explore: if i % 100 == 7 {
                    0.9
                } else {
                    rng.random_range(0.1..0.4)
                },
                heavy: is_heavy(i),
                tries_blocked: i % 7 == 1,
                weekend: rng.random_bool(0.04),
            });
        }
        let of =
            |k: Kind| -> Vec<usize> { (0..sites.len()).filter(|i| sites[*i].kind == k).collect() };
        let (socials, blocked) = (of(Kind::Social), of(Kind::Blocked));
        Realistic {
            seed: o.seed,
            rng,
            socials,
            blocked,
            sites,
            cdf,
            shared,
            people,
            malformed_per_10k: o.malformed_per_10k,
            block: BlockCounter::default(),
            blocks: Vec::new(),
            lines: 0,
        }
    }

    /// Distinct hosts in the world.
    pub fn world_hosts(&self) -> usize {
        self.sites.iter().map(|s| 1 + s.extra.len()).sum::<usize>() + self.shared.len()
    }

    /// Writes local date `day`'s lines (a function of the options and the
    /// date alone) (Europe/London working hours, UTC
    /// epoch timestamps) to `out` in time order, at most `limit`; returns
    /// how many were written.
    ///
    /// # Errors
    /// Write errors.
    pub fn day(&mut self, day: NaiveDate, limit: u64, out: &mut dyn Write) -> io::Result<u64> {
        // Each day's lines depend only on the world and the date: a year
        // can be generated one day at a time, in separate runs.
        let ordinal = u64::try_from(day.num_days_from_ce()).unwrap_or(0);
        self.rng = StdRng::seed_from_u64(self.seed ^ ordinal.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let mut buf = Vec::new();
        for p in 0..self.people.len() {
            if weekend && !self.people[p].weekend {
                continue;
            }
            if self.rng.random_bool(0.05) {
                continue; // away
            }
            self.person_day(&mut buf, day, p, weekend);
        }
        buf.sort_by_key(|l| l.ts_ms);
        let mut written = 0;
        for l in &buf {
            if written >= limit {
                break;
            }
            if self.malformed_per_10k > 0
                && self.rng.random_range(0..10_000) < self.malformed_per_10k
            {
                let m = malformed(&mut self.rng, l.ts_ms);
                writeln!(out, "{m}")?;
            } else {
                writeln!(out, "{}", l.text)?;
                let host = &l.text.as_bytes()[l.host.0 as usize..l.host.1 as usize];
                let url = &l.text.as_bytes()[l.url.0 as usize..l.url.1 as usize];
                let h = fnv(host, 0);
                self.block.hosts.insert(h);
                self.block.urls.insert(fnv(url, 1));
                self.block
                    .pairs
                    .insert(h ^ fnv(&l.person.to_le_bytes(), 2).rotate_left(17));
            }
            written += 1;
            self.lines += 1;
            self.block.lines += 1;
            if self.block.lines == 1_000_000 {
                self.close_block();
            }
        }
        Ok(written)
    }

    fn close_block(&mut self) {
        let b = std::mem::take(&mut self.block);
        if b.lines > 0 {
            self.blocks.push(Block {
                lines: b.lines,
                hosts: b.hosts.len(),
                urls: b.urls.len(),
                pairs: b.pairs.len(),
            });
        }
    }

    /// Statistics per million lines written so far (the last block may be
    /// shorter); closes the current block.
    pub fn stats(&mut self) -> Vec<Block> {
        self.close_block();
        self.blocks.clone()
    }

    fn zipf_site(&mut self) -> usize {
        let total = *self.cdf.last().expect("sites");
        let u = self.rng.random::<f64>() * total;
        self.cdf
            .partition_point(|c| *c < u)
            .min(self.sites.len() - 1)
    }

    fn person_day(&mut self, out: &mut Vec<Line>, day: NaiveDate, p: usize, weekend: bool) {
        let visit_len = self.people[p].visit_len;
        let (arrive, leave, visit_gap, heavy, explore, tries_blocked) = {
            let q = &self.people[p];
            if weekend {
                let a = 10.0 * 60.0 + self.rng.random_range(0.0..240.0);
                (a, a + 90.0, q.visit_gap, q.heavy, q.explore, false)
            } else {
                let jitter = self.rng.random_range(-20.0..20.0);
                (
                    q.arrive + jitter,
                    q.leave + jitter,
                    q.visit_gap,
                    q.heavy,
                    q.explore,
                    q.tries_blocked,
                )
            }
        };
        let lunch = 12.0 * 60.0 + self.rng.random_range(0.0..60.0);
        let mut t = arrive;
        while t < leave {
            let in_lunch = t >= lunch && t < lunch + 40.0;
            let p_social = if in_lunch {
                0.5
            } else if heavy {
                0.45
            } else {
                0.02
            };
            let r = self.rng.random::<f64>();
            let site = if r < p_social {
                self.socials[self.rng.random_range(0..self.socials.len())]
            } else if tries_blocked && r < p_social + 0.02 {
                self.blocked[self.rng.random_range(0..self.blocked.len())]
            } else if self.rng.random_bool(explore) {
                self.zipf_site()
            } else {
                let fav = &self.people[p].favourites;
                // Favourites are themselves Zipf-like: the first few most.
                let k = fav.len() as f64;
                let j = ((k.powf(self.rng.random::<f64>()) - 1.0) as usize).min(fav.len() - 1);
                fav[j]
            };
            let len = exp(&mut self.rng, visit_len).clamp(0.2, 40.0);
            self.visit(out, day, t, len, p, site);
            t += len + exp(&mut self.rng, visit_gap);
        }
    }

    fn visit(
        &mut self,
        out: &mut Vec<Line>,
        day: NaiveDate,
        start: f64,
        len: f64,
        p: usize,
        s: usize,
    ) {
        let load_gap = self.people[p].load_gap;
        let mut t = start;
        if self.sites[s].kind == Kind::Blocked {
            let ts = at(day, t);
            self.line(out, ts, p, s, None, Req::Denied);
            return;
        }
        // One proxy authentication challenge now and then (user `-`).
        if self.rng.random_bool(0.01) {
            let ts = at(day, t) - 40;
            self.line(out, ts, p, s, None, Req::Challenge);
        }
        while t < start + len {
            let ts = at(day, t);
            self.line(out, ts, p, s, None, Req::Page);
            let n_extra = self.sites[s].extra.len();
            let embedded = if self.sites[s].tunnel {
                n_extra
            } else {
                self.rng.random_range(0..=n_extra + 3)
            };
            for j in 0..embedded {
                let delay = self.rng.random_range(30..3_000);
                let host = if j < n_extra && self.rng.random_bool(0.8) {
                    Some(self.sites[s].extra[j].clone())
                } else if self.rng.random_bool(0.5) && n_extra > 0 {
                    Some(self.sites[s].extra[self.rng.random_range(0..n_extra)].clone())
                } else {
                    Some(self.shared[self.rng.random_range(0..self.shared.len())].clone())
                };
                self.line(out, ts + delay, p, s, host, Req::Asset);
            }
            t += exp(&mut self.rng, load_gap).clamp(0.05, 8.0);
        }
    }

    fn line(
        &mut self,
        out: &mut Vec<Line>,
        ts_ms: i64,
        p: usize,
        s: usize,
        host: Option<String>,
        req: Req,
    ) {
        let rng = &mut self.rng;
        let site = &self.sites[s];
        let person = &self.people[p];
        let host = host.unwrap_or_else(|| site.page.clone());
        let shared =
            !host.ends_with(site.page.trim_start_matches("www.")) && !site.extra.contains(&host);
        let tunnel = site.tunnel || (shared && rng.random_bool(0.3));
        let mut text = String::with_capacity(180);
        let elapsed: u32 = match req {
            Req::Denied | Req::Challenge => 0,
            _ => (exp(rng, 180.0) as u32).min(120_000) + rng.random_range(1..40),
        };
        let _ = write!(
            text,
            "{}.{:03} {elapsed:>6} {} ",
            ts_ms.div_euclid(1000),
            ts_ms.rem_euclid(1000),
            person.ip
        );
        let user: &str = if matches!(req, Req::Challenge) {
            "-"
        } else {
            &person.user
        };
        let (code, method, mime, bytes): (&str, &str, &str, u64) = match req {
            Req::Denied => ("TCP_DENIED/403", "GET", "text/html", 3_900),
            Req::Challenge => (
                "TCP_DENIED/407",
                if tunnel { "CONNECT" } else { "GET" },
                "text/html",
                3_917,
            ),
            _ if tunnel => (
                "TCP_TUNNEL/200",
                "CONNECT",
                "-",
                (exp(rng, 40_000.0) as u64) + 300,
            ),
            _ => {
                let r = rng.random::<f64>();
                let page = matches!(req, Req::Page);
                let mime = if page {
                    "text/html"
                } else {
                    [
                        "application/javascript",
                        "text/css",
                        "image/png",
                        "image/jpeg",
                        "image/gif",
                        "font/woff2",
                        "application/json",
                    ][rng.random_range(0..7)]
                };
                let big = if page { 60_000.0 } else { 25_000.0 };
                if r < 0.55 {
                    (
                        "TCP_MISS/200",
                        if rng.random_bool(0.06) { "POST" } else { "GET" },
                        mime,
                        exp(rng, big) as u64 + 200,
                    )
                } else if r < 0.67 {
                    ("TCP_HIT/200", "GET", mime, exp(rng, big) as u64 + 200)
                } else if r < 0.72 {
                    ("TCP_MEM_HIT/200", "GET", mime, exp(rng, big) as u64 + 200)
                } else if r < 0.82 {
                    (
                        "TCP_REFRESH_HIT/304",
                        "GET",
                        "-",
                        rng.random_range(180..420),
                    )
                } else if r < 0.88 {
                    ("TCP_IMS_HIT/304", "GET", "-", rng.random_range(180..420))
                } else if r < 0.94 {
                    ("TCP_MISS/304", "GET", "-", rng.random_range(180..420))
                } else if r < 0.98 {
                    (
                        "TCP_MISS/302",
                        "GET",
                        "text/html",
                        rng.random_range(300..900),
                    )
                } else {
                    (
                        "TCP_MISS/404",
                        "GET",
                        "text/html",
                        rng.random_range(500..9_000),
                    )
                }
            }
        };
        let _ = write!(text, "{code} {bytes} {method} ");
        let url_start = text.len() as u32;
        let host_start;
        if method == "CONNECT" {
            host_start = text.len() as u32;
            text.push_str(&host);
            let host_end = text.len() as u32;
            text.push_str(":443");
            let url_end = text.len() as u32;
            let hier = hier(code, &site.origin);
            let _ = write!(text, " {user} {hier} {mime}");
            out.push(Line {
                ts_ms,
                text,
                host: (host_start, host_end),
                url: (url_start, url_end),
                person: p as u32,
            });
            return;
        }
        text.push_str(if site.tunnel || rng.random_bool(0.3) {
            "http://"
        } else {
            "https://"
        });
        host_start = text.len() as u32;
        text.push_str(&host);
        let host_end = text.len() as u32;
        match req {
            Req::Page => page_path(rng, &mut text),
            Req::Denied | Req::Challenge => text.push('/'),
            Req::Asset => asset_path(rng, &mut text, &host),
        }
        let url_end = text.len() as u32;
        let hier = hier(code, &site.origin);
        let _ = write!(text, " {user} {hier} {mime}");
        out.push(Line {
            ts_ms,
            text,
            host: (host_start, host_end),
            url: (url_start, url_end),
            person: p as u32,
        });
    }
}

#[derive(Clone, Copy)]
enum Req {
    Page,
    Asset,
    Denied,
    Challenge,
}

fn origin(rng: &mut StdRng) -> String {
    format!(
        "{}.{}.{}.{}",
        rng.random_range(13..220),
        rng.random_range(0..256),
        rng.random_range(0..256),
        rng.random_range(1..255)
    )
}

fn hier(code: &str, origin: &str) -> String {
    if code.starts_with("TCP_DENIED") || code.contains("_HIT") {
        "HIER_NONE/-".into()
    } else {
        format!("HIER_DIRECT/{origin}")
    }
}

fn word(rng: &mut StdRng) -> &'static str {
    WORDS[rng.random_range(0..WORDS.len())]
}

fn page_path(rng: &mut StdRng, t: &mut String) {
    let r = rng.random::<f64>();
    if r < 0.12 {
        t.push('/');
    } else if r < 0.25 {
        let _ = write!(t, "/{}/", word(rng));
    } else if r < 0.70 {
        let _ = write!(
            t,
            "/{}/{}-{}-{}-{}",
            word(rng),
            word(rng),
            word(rng),
            word(rng),
            rng.random_range(10_000..99_999_999)
        );
    } else if r < 0.82 {
        let _ = write!(
            t,
            "/search?q={}+{}&page={}",
            word(rng),
            word(rng),
            rng.random_range(1..6)
        );
    } else if r < 0.92 {
        let _ = write!(
            t,
            "/article/{}?utm_source={}&utm_medium=social&utm_campaign={}",
            rng.random_range(100_000..9_999_999),
            ["facebook", "twitter", "newsletter", "linkedin"][rng.random_range(0..4)],
            word(rng)
        );
    } else {
        let _ = write!(
            t,
            "/{}/{}.aspx?id={}",
            word(rng),
            word(rng),
            rng.random_range(1..500_000)
        );
    }
}

fn asset_path(rng: &mut StdRng, t: &mut String, host: &str) {
    if host.starts_with("api.") {
        let _ = write!(
            t,
            "/api/v{}/{}/{}?ts={}",
            rng.random_range(1..4),
            word(rng),
            rng.random_range(1..2_000_000),
            rng.random_range(1_000_000_000u64..9_999_999_999)
        );
    } else if host.contains("analytics")
        || host.contains("doubleclick")
        || host.starts_with("bat.")
        || host.starts_with("px.")
    {
        let _ = write!(
            t,
            "/collect?v=1&tid=UA-{}-1&cid={}.{}&t=pageview",
            rng.random_range(100_000..999_999),
            rng.random_range(1_000_000..999_999_999),
            rng.random_range(1_600_000_000..1_800_000_000u32)
        );
    } else {
        let r = rng.random::<f64>();
        if r < 0.35 {
            // Versioned bundles repeat across people: a few per site.
            let _ = write!(
                t,
                "/static/{:08x}/{}.{}",
                rng.random_range(0..4u32),
                word(rng),
                ["js", "css"][rng.random_range(0..2)]
            );
        } else if r < 0.8 {
            let _ = write!(
                t,
                "/images/{:016x}.jpg?w={}",
                rng.random::<u64>(),
                [320, 640, 1280][rng.random_range(0..3)]
            );
        } else {
            let _ = write!(
                t,
                "/fonts/{}-{}.woff2",
                word(rng),
                ["regular", "bold", "italic"][rng.random_range(0..3)]
            );
        }
    }
}

/// Writes `lines` lines (fewer if `days` runs out first; `days` 0 for no
/// limit) from local date `start` on, one day at a time, to `out`; returns
/// the generator (for its [`Realistic::stats`]) and the number of lines.
///
/// # Errors
/// Write errors.
pub fn generate_realistic(
    o: &RealisticOptions,
    start: NaiveDate,
    lines: u64,
    days: u32,
    out: &mut dyn Write,
) -> io::Result<(Realistic, u64)> {
    let mut g = Realistic::new(o);
    let mut day = start;
    let mut written = 0;
    let mut n = 0;
    while written < lines && (days == 0 || n < days) {
        written += g.day(day, lines - written, out)?;
        day = day.succ_opt().expect("far from the end of time");
        n += 1;
        if o.users == 0 && n > 7 {
            break;
        }
    }
    Ok((g, written))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FileContext, LogFormat, Parsed, squid::Squid};

    fn small() -> RealisticOptions {
        RealisticOptions {
            seed: 7,
            users: 30,
            hosts: 400,
            malformed_per_10k: 0,
        }
    }

    /// Three days from Thursday 2026-10-01: every line reads as a Squid
    /// event, in time order, on its own local day; far more distinct URLs
    /// than the office model's; the weekend nearly empty.
    #[test]
    fn realistic_lines_read_as_squid_and_vary() {
        let start = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let mut days = Vec::new();
        let mut g = Realistic::new(&small());
        assert!(
            g.world_hosts() >= 400 && g.world_hosts() < 410,
            "{}",
            g.world_hosts()
        );
        for d in 0..3 {
            let mut out = Vec::new();
            let n = g
                .day(start + chrono::Duration::days(d), u64::MAX, &mut out)
                .unwrap();
            let text = String::from_utf8(out).unwrap();
            assert_eq!(text.lines().count() as u64, n);
            days.push(text);
        }
        // Thursday and Friday are working days; Saturday is quiet (at most
        // the one in twenty-five people who browse at weekends).
        assert!(
            days[0].lines().count() > 30 * 100,
            "{}",
            days[0].lines().count()
        );
        assert!(days[1].lines().count() > 30 * 100);
        assert!(days[2].lines().count() < days[0].lines().count() / 10);
        let mut p = Squid.begin(&FileContext::default());
        let mut urls = HashSet::new();
        let mut total = 0;
        let mut last = i64::MIN;
        for (d, text) in days.iter().enumerate() {
            let day_start = at(start + chrono::Duration::days(d as i64), 0.0);
            for (i, l) in text.lines().enumerate() {
                let Ok(Parsed::Event(e)) = p.parse(l, i as u64 + 1) else {
                    panic!("day {d} line {}: {l}", i + 1);
                };
                assert!(
                    e.ts_ms >= last && e.ts_ms >= day_start && e.ts_ms < day_start + 86_400_000,
                    "{l}"
                );
                last = e.ts_ms;
                urls.insert(
                    l.split(' ')
                        .filter(|f| !f.is_empty())
                        .nth(6)
                        .unwrap()
                        .to_string(),
                );
                total += 1;
            }
        }
        assert!(
            urls.len() * 4 > total,
            "{} distinct URLs in {total} lines",
            urls.len()
        );
        let stats = g.stats();
        assert_eq!(stats.len(), 1);
        assert_eq!(stats[0].lines, total as u64);
        assert_eq!(stats[0].urls, urls.len());
    }

    /// The same options give the same bytes; a day generated on its own is
    /// the same as that day within a longer run.
    #[test]
    fn realistic_is_a_function_of_its_options() {
        let start = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
        let run = || {
            let mut out = Vec::new();
            generate_realistic(&small(), start, 5_000, 0, &mut out).unwrap();
            out
        };
        let a = run();
        assert_eq!(a, run());
        assert_eq!(a.iter().filter(|b| **b == b'\n').count(), 5_000);
        let mut two = Vec::new();
        generate_realistic(&small(), start, u64::MAX, 2, &mut two).unwrap();
        let mut second = Vec::new();
        generate_realistic(
            &small(),
            start.succ_opt().unwrap(),
            u64::MAX,
            1,
            &mut second,
        )
        .unwrap();
        assert!(!second.is_empty());
        assert!(two.ends_with(&second) && two.len() > second.len());
    }
}
