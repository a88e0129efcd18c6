//! Classification: host → normalised host → registrable domain → site,
//! category and the embedded mark.
//!
//! Rules come in tiers, highest priority first: the user's `--categories`
//! file, the project's own curated table (`data/netusage-rules.tsv`), then
//! rules built from v2fly domain-list-community (MIT), the UT1 blacklists
//! (CC BY-SA 4.0, shipped unchanged) and Sinfonietta's hostfiles (MIT); then
//! the work and reference tiers, which only place hosts none of those tiers
//! does: the project's hand-written facts about much-visited sites, each
//! with its source (`data/netusage-sites.tsv`), and v2fly's work categories
//! (`data/v2fly-work-rules.tsv`, MIT). See `data/README.md` for credits.
//! The first tier with a match decides; within a tier an exact-host rule
//! beats a domain rule, and the longest domain wins.

pub mod coverage;
pub mod host;
pub mod rules;

use std::path::Path;
use std::sync::{Arc, OnceLock};

use anyhow::Context;

pub use host::{normalise_host, registrable_domain};
pub use rules::{MatchKind, Rule, RuleSet};

/// The categories whose union is reported as `social_media`: the kinds of
/// site the seed policies call social media (social networking,
/// micro-blogging, video sharing and podcasts, photo sharing, blogging,
/// discussion forums, messaging).
pub const SOCIAL_MEDIA: [&str; 7] = [
    "social_networking",
    "microblogging",
    "video_sharing",
    "photo_sharing",
    "blogging",
    "forums",
    "messaging",
];

/// Name of the union row in usage output.
pub const SOCIAL_MEDIA_ROW: &str = "social_media";

/// Category of hosts no rule matches.
pub const UNCATEGORISED: &str = "uncategorised";

/// True for the categories counted in `social_media`.
pub fn is_social(category: &str) -> bool {
    SOCIAL_MEDIA.contains(&category)
}

/// The categories of the work and reference tiers (`data/README.md` defines
/// each): what a host is for at work, beside the leisure categories.
pub const WORK_CATEGORIES: [&str; 11] = [
    "search",
    "technology",
    "reference",
    "education",
    "finance",
    "government",
    "health",
    "organisations",
    "infrastructure",
    "advertising",
    "business",
];

/// Version of the bundled category data, recorded with every analysis.
pub const DATA_VERSION: &str = "netusage-rules 1; v2fly domain-list-community c975ccef (2026-08-19); \
UT1 blacklists 804da92a (2026-08-17); Sinfonietta hostfiles 62631ce2 (2026-04-23); \
netusage-sites 1; v2fly-work c975ccef (2026-08-19)";

/// The result of classifying one host.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Normalised host (lower case, no port, punycode).
    pub host: String,
    /// Registrable domain (eTLD+1), or the host for IP literals and internal names.
    pub domain: String,
    /// The service the host belongs to; the domain when no rule names one.
    pub site: String,
    /// Category, `uncategorised` when no rule matched.
    pub category: Arc<str>,
    /// CDN/widget/API host of its site (not browse time on its own).
    pub embedded: bool,
    /// Which rule matched: `(tier, kind, pattern)`; `None` when none did.
    pub rule: Option<(String, MatchKind, String)>,
    /// The matched rule's own source, where its file records one
    /// ([`Rule::source`]).
    pub source: Option<Arc<str>>,
}

/// Rule tiers, highest priority first.
#[derive(Debug)]
pub struct Classifier {
    tiers: Vec<Arc<RuleSet>>,
    uncategorised: Arc<str>,
}

static BUNDLED: OnceLock<Vec<Arc<RuleSet>>> = OnceLock::new();

macro_rules! ut1 {
    ($($dir:literal => $cat:literal),* $(,)?) => {
        [$(($cat, include_str!(concat!("../../data/ut1/", $dir, "/domains")))),*]
    };
}

/// The bundled tiers, parsed once per process (each tier on its own
/// thread: together they are a quarter of a million rules, read at every
/// start).
fn bundled() -> &'static Vec<Arc<RuleSet>> {
    BUNDLED.get_or_init(|| {
        let own = || {
            let mut own = RuleSet::new("netusage");
            own.add_tsv(include_str!("../../data/netusage-rules.tsv")).expect("bundled netusage-rules.tsv is valid");
            own
        };
        let v2fly = || {
            let mut v2fly = RuleSet::new("v2fly");
            v2fly.add_tsv(include_str!("../../data/v2fly-rules.tsv")).expect("bundled v2fly-rules.tsv is valid");
            v2fly
        };
        let ut1 = || {
            let mut ut1 = RuleSet::new("ut1");
            for (cat, text) in ut1! {
                "social_networks" => "social_networking", "blog" => "blogging", "forums" => "forums",
                "chat" => "messaging", "webmail" => "webmail", "press" => "news", "shopping" => "shopping",
                "gambling" => "gambling", "audio-video" => "streaming", "radio" => "streaming",
                "dating" => "dating", "games" => "games", "filehosting" => "file_sharing",
            } {
                ut1.add_domain_list(text, &Arc::from(cat));
            }
            ut1
        };
        let hosts = || {
            let mut hosts = RuleSet::new("sinfonietta");
            hosts.add_hosts_file(include_str!("../../data/sinfonietta/social-hosts"), &Arc::from("social_networking"));
            hosts.add_hosts_file(include_str!("../../data/sinfonietta/gambling-hosts"), &Arc::from("gambling"));
            hosts.add_hosts_file(include_str!("../../data/sinfonietta/pornography-hosts"), &Arc::from("adult"));
            hosts
        };
        let work = || {
            let mut sites = RuleSet::new("netusage-sites");
            sites.add_tsv(include_str!("../../data/netusage-sites.tsv")).expect("bundled netusage-sites.tsv is valid");
            let mut v2fly = RuleSet::new("v2fly-work");
            v2fly.add_tsv(include_str!("../../data/v2fly-work-rules.tsv")).expect("bundled v2fly-work-rules.tsv is valid");
            (sites, v2fly)
        };
        let (((own, v2fly), (ut1, hosts)), (sites, v2fly_work)) = rayon::join(
            || rayon::join(|| rayon::join(own, v2fly), || rayon::join(ut1, hosts)),
            work,
        );
        vec![Arc::new(own), Arc::new(v2fly), Arc::new(ut1), Arc::new(hosts), Arc::new(sites), Arc::new(v2fly_work)]
    })
}

impl Classifier {
    /// The bundled rules only.
    pub fn bundled() -> Self {
        Classifier {
            tiers: bundled().clone(),
            uncategorised: Arc::from(UNCATEGORISED),
        }
    }

    /// The bundled rules with a user rules file (TOML, see
    /// [`RuleSet::add_user_toml`]) in front of them. `text` is the file's
    /// content; `origin` names it in errors (reading the file is the
    /// caller's job: the command line reads it with its size limit).
    ///
    /// # Errors
    /// A rule in the file is malformed (the file and the reason are named).
    pub fn with_user_toml(text: &str, origin: &Path) -> anyhow::Result<Self> {
        let mut c = Self::bundled();
        let mut user = RuleSet::new("user");
        user.add_user_toml(text)
            .with_context(|| format!("category rules file {}", origin.display()))?;
        c.tiers.insert(0, Arc::new(user));
        Ok(c)
    }

    /// Classifies a host as logged (it is normalised first).
    pub fn classify(&self, raw_host: &str) -> Classification {
        let host = normalise_host(raw_host).into_owned();
        let domain = registrable_domain(&host).to_string();
        for tier in &self.tiers {
            if let Some((rule, kind, pattern)) = tier.lookup(&host) {
                return Classification {
                    site: rule.site.as_deref().unwrap_or(&domain).to_string(),
                    category: rule.category.clone(),
                    embedded: rule.embedded,
                    rule: Some((tier.name.clone(), kind, pattern.to_string())),
                    source: rule.source.clone(),
                    host,
                    domain,
                };
            }
        }
        Classification {
            site: domain.clone(),
            category: self.uncategorised.clone(),
            embedded: false,
            rule: None,
            source: None,
            host,
            domain,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site_cat(host: &str) -> (String, String, bool) {
        let c = Classifier::bundled().classify(host);
        (c.site, c.category.to_string(), c.embedded)
    }

    #[test]
    fn major_social_networks_and_their_cdns() {
        let s = |site: &str, cat: &str, emb: bool| (site.to_string(), cat.to_string(), emb);
        assert_eq!(
            site_cat("www.facebook.com"),
            s("facebook", "social_networking", false)
        );
        assert_eq!(
            site_cat("scontent-lhr8-1.xx.fbcdn.net"),
            s("facebook", "social_networking", true)
        );
        assert_eq!(
            site_cat("connect.facebook.net"),
            s("facebook", "social_networking", true)
        );
        assert_eq!(site_cat("x.com"), s("x", "microblogging", false));
        assert_eq!(site_cat("twitter.com"), s("x", "microblogging", false));
        assert_eq!(site_cat("pbs.twimg.com"), s("x", "microblogging", true));
        assert_eq!(site_cat("t.co"), s("x", "microblogging", true));
        assert_eq!(
            site_cat("www.youtube.com"),
            s("youtube", "video_sharing", false)
        );
        assert_eq!(site_cat("i.ytimg.com"), s("youtube", "video_sharing", true));
        assert_eq!(
            site_cat("rr3---sn-aigl6nze.googlevideo.com"),
            s("youtube", "video_sharing", true)
        );
        assert_eq!(
            site_cat("www.instagram.com"),
            s("instagram", "photo_sharing", false)
        );
        assert_eq!(
            site_cat("scontent.cdninstagram.com"),
            s("instagram", "photo_sharing", true)
        );
        assert_eq!(
            site_cat("www.linkedin.com"),
            s("linkedin", "social_networking", false)
        );
        assert_eq!(
            site_cat("media.licdn.com"),
            s("linkedin", "social_networking", true)
        );
        assert_eq!(
            site_cat("www.tiktok.com"),
            s("tiktok", "video_sharing", false)
        );
        assert_eq!(
            site_cat("p16-sign.tiktokcdn.com"),
            s("tiktok", "video_sharing", true)
        );
        assert_eq!(site_cat("www.reddit.com"), s("reddit", "forums", false));
        assert_eq!(site_cat("i.redd.it"), s("reddit", "forums", true));
        assert_eq!(
            site_cat("b.thumbs.redditmedia.com"),
            s("reddit", "forums", true)
        );
        assert_eq!(
            site_cat("uk.pinterest.com"),
            s("pinterest", "photo_sharing", false)
        );
        assert_eq!(
            site_cat("i.pinimg.com"),
            s("pinterest", "photo_sharing", true)
        );
        assert_eq!(
            site_cat("web.whatsapp.com"),
            s("whatsapp", "messaging", false)
        );
        assert_eq!(
            site_cat("www.snapchat.com"),
            s("snapchat", "social_networking", false)
        );
        assert_eq!(site_cat("staff.tumblr.com"), s("tumblr", "blogging", false));
        assert_eq!(
            site_cat("www.threads.net"),
            s("threads", "microblogging", false)
        );
        assert_eq!(site_cat("www.mumsnet.com"), s("mumsnet", "forums", false));
        assert_eq!(
            site_cat("someone.blogspot.com"),
            s("blogger", "blogging", false)
        );
        assert_eq!(
            site_cat("intranet.council.local"),
            s("council.local", "uncategorised", false)
        );
    }

    /// `(category, rule)` of a host, the rule as `categories lookup` shows it.
    fn cat_rule(host: &str) -> (String, String) {
        let c = Classifier::bundled().classify(host);
        let rule = c
            .rule
            .map_or("none".into(), |(t, k, p)| format!("{t} {} {p}", k.name()));
        (c.category.to_string(), rule)
    }

    #[test]
    fn much_visited_sites_get_work_categories_with_their_source() {
        let cr = |cat: &str, rule: &str| (cat.to_string(), rule.to_string());
        assert_eq!(
            cat_rule("www.google.com"),
            cr("search", "netusage-sites domain google.com")
        );
        assert_eq!(
            cat_rule("google.co.uk"),
            cr("search", "v2fly-work domain google.co.uk")
        );
        assert_eq!(
            cat_rule("www.bing.com"),
            cr("search", "v2fly-work domain bing.com")
        );
        assert_eq!(
            cat_rule("www.yahoo.com"),
            cr("search", "netusage-sites domain yahoo.com")
        );
        assert_eq!(
            cat_rule("github.com"),
            cr("technology", "v2fly-work domain github.com")
        );
        assert_eq!(
            cat_rule("www.apple.com"),
            cr("technology", "v2fly-work host www.apple.com")
        );
        assert_eq!(
            cat_rule("en.wikipedia.org"),
            cr("reference", "v2fly-work domain wikipedia.org")
        );
        assert_eq!(
            cat_rule("archive.org"),
            cr("reference", "v2fly-work domain archive.org")
        );
        assert_eq!(
            cat_rule("www.paypal.com"),
            cr("finance", "v2fly-work domain paypal.com")
        );
        assert_eq!(
            cat_rule("www.gov.uk"),
            cr("government", "netusage domain gov.uk")
        );
        assert_eq!(
            cat_rule("www.cdc.gov"),
            cr("government", "netusage-sites domain gov")
        );
        assert_eq!(
            cat_rule("europa.eu"),
            cr("government", "netusage-sites domain europa.eu")
        );
        assert_eq!(
            cat_rule("www.cam.ac.uk"),
            cr("education", "netusage-sites domain ac.uk")
        );
        assert_eq!(
            cat_rule("www.nhs.uk"),
            cr("health", "netusage-sites domain nhs.uk")
        );
        assert_eq!(
            cat_rule("who.int"),
            cr("organisations", "netusage-sites domain int")
        );
        assert_eq!(
            cat_rule("www.cloudflare.com"),
            cr("infrastructure", "v2fly-work domain cloudflare.com")
        );
        assert_eq!(
            cat_rule("ssl.gstatic.com"),
            cr("infrastructure", "netusage-sites domain gstatic.com")
        );
        assert_eq!(
            cat_rule("a248.e.akamaihd.net"),
            cr("infrastructure", "netusage-sites domain akamaihd.net")
        );
        assert_eq!(
            cat_rule("bit.ly"),
            cr("infrastructure", "v2fly-work domain bit.ly")
        );
        assert_eq!(
            cat_rule("googleads.g.doubleclick.net"),
            cr("advertising", "v2fly-work domain doubleclick.net")
        );
        assert_eq!(
            cat_rule("docs.google.com"),
            cr("business", "netusage-sites host docs.google.com")
        );
        assert_eq!(
            cat_rule("www.telegraph.co.uk"),
            cr("news", "netusage-sites domain telegraph.co.uk")
        );
        // A platform's own page is placed, its users' sites are not.
        assert_eq!(
            cat_rule("vercel.app"),
            cr("infrastructure", "v2fly-work host vercel.app")
        );
        assert_eq!(cat_rule("someone.vercel.app"), cr("uncategorised", "none"));
        // Each rule keeps its source.
        let c = Classifier::bundled();
        let source = |h: &str| c.classify(h).source.map(|s| s.to_string());
        assert_eq!(
            source("www.google.com").as_deref(),
            Some("https://www.google.com/")
        );
        assert_eq!(
            source("www.cdc.gov").as_deref(),
            Some("https://www.iana.org/domains/root/db/gov.html")
        );
        assert_eq!(
            source("github.com").as_deref(),
            Some("v2fly github < category-dev")
        );
        assert_eq!(source("www.paypal.com").as_deref(), Some("v2fly paypal"));
        assert_eq!(source("www.facebook.com"), None);
        // Embedded: a CDN host alone is not browse time.
        assert!(c.classify("fonts.gstatic.com").embedded);
        assert!(!c.classify("www.google.com").embedded);
    }

    #[test]
    fn social_media_stays_social_media() {
        let cr = |cat: &str, rule: &str| (cat.to_string(), rule.to_string());
        assert_eq!(
            cat_rule("www.facebook.com"),
            cr("social_networking", "netusage domain facebook.com")
        );
        assert_eq!(
            cat_rule("developers.facebook.com"),
            cr("social_networking", "netusage domain facebook.com")
        );
        assert_eq!(
            cat_rule("www.youtube.com"),
            cr("video_sharing", "netusage domain youtube.com")
        );
        assert_eq!(
            cat_rule("youtube-ui.l.google.com"),
            cr("streaming", "v2fly domain youtube-ui.l.google.com")
        );
        assert_eq!(
            cat_rule("www.linkedin.com"),
            cr("social_networking", "netusage domain linkedin.com")
        );
        assert_eq!(
            cat_rule("www.instagram.com"),
            cr("photo_sharing", "netusage domain instagram.com")
        );
        assert_eq!(
            cat_rule("someone.blogspot.com"),
            cr("blogging", "netusage domain blogspot.com")
        );
        assert_eq!(
            cat_rule("mail.google.com"),
            cr("webmail", "netusage host mail.google.com")
        );
    }

    /// The work tiers come after every leisure tier: over every pattern of
    /// every bundled rule table (the hosts the new rules would most likely
    /// touch), a host the leisure tiers place is placed the same way with
    /// the work tiers added.
    #[test]
    fn work_tiers_never_change_a_host_the_leisure_tiers_place() {
        let full = Classifier::bundled();
        assert_eq!(
            full.tiers
                .iter()
                .map(|t| t.name.as_str())
                .collect::<Vec<_>>(),
            [
                "netusage",
                "v2fly",
                "ut1",
                "sinfonietta",
                "netusage-sites",
                "v2fly-work"
            ]
        );
        let leisure = Classifier {
            tiers: full.tiers[..4].to_vec(),
            uncategorised: Arc::from(UNCATEGORISED),
        };
        let tables = [
            include_str!("../../data/netusage-rules.tsv"),
            include_str!("../../data/v2fly-rules.tsv"),
            include_str!("../../data/netusage-sites.tsv"),
            include_str!("../../data/v2fly-work-rules.tsv"),
        ];
        let mut placed = 0;
        for line in tables
            .iter()
            .flat_map(|t| t.lines())
            .filter(|l| !l.starts_with('#'))
        {
            let pattern = line.split('\t').nth(1).unwrap();
            for host in [pattern.to_string(), format!("www.{pattern}")] {
                let before = leisure.classify(&host);
                if before.rule.is_some() {
                    placed += 1;
                    assert_eq!(full.classify(&host), before, "{host}");
                }
            }
        }
        assert!(placed > 12_000, "{placed}");
    }

    /// Every rule of the work tiers names its source: a page for a
    /// hand-written fact, the v2fly lists for a generated one.
    #[test]
    fn every_work_rule_names_its_source() {
        let sourced = |text: &str, prefix: &str| {
            let mut n = 0;
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                let f: Vec<&str> = line.split('\t').collect();
                assert_eq!(f.len(), 6, "{line}");
                assert!(f[5].starts_with(prefix), "{line}");
                // The generated tier gives work categories only.
                assert!(
                    prefix == "https://" || WORK_CATEGORIES.contains(&f[3]),
                    "{line}"
                );
                n += 1;
            }
            n
        };
        assert_eq!(
            sourced(include_str!("../../data/netusage-sites.tsv"), "https://"),
            231
        );
        assert_eq!(
            sourced(include_str!("../../data/v2fly-work-rules.tsv"), "v2fly "),
            8946
        );
    }

    /// `categories coverage` on the `top-sites` list (tests/data/top-sites).
    #[test]
    fn top_sites_are_at_least_95_percent_categorised() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/data/top-sites/top-sites.txt"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let list = coverage::read_host_list(&text).unwrap();
        let (cov, each) = coverage::Coverage::of(&Classifier::bundled(), &list);
        assert_eq!(
            (cov.total, cov.categorised(), cov.uncategorised()),
            (500, 497, 3)
        );
        assert_eq!(cov.share_pct(cov.categorised()), 99.4);
        let left: Vec<&str> = each
            .iter()
            .filter(|c| c.rule.is_none())
            .map(|c| c.host.as_str())
            .collect();
        assert_eq!(left, ["correios.com.br", "naver.jp", "wallpapers.com"]);
    }

    #[test]
    fn user_rules_win() {
        let text = "[[rule]]\ndomain = \"fbcdn.net\"\nsite = \"fb-cdn\"\ncategory = \"cdn\"\n";
        let c = Classifier::with_user_toml(text, Path::new("rules.toml"))
            .unwrap()
            .classify("a.fbcdn.net");
        assert_eq!(
            (c.site.as_str(), &*c.category, c.embedded),
            ("fb-cdn", "cdn", false)
        );
        assert_eq!(
            c.rule,
            Some(("user".into(), MatchKind::Domain, "fbcdn.net".into()))
        );
    }
}
