//! Log readers: one type per log format behind one trait, [`LogFormat`],
//! listed in one registry, [`registry`]. Adding a format is one file and
//! one line of the registry.
//!
//! A reader knows nothing of classification or storage: it splits lines into
//! fields as the vendor documents them. Per-file state that can change
//! mid-file (a W3C `#Fields:` header) lives in the reader's [`LineParser`];
//! ingest parses blocks of lines in parallel, so it tracks that state with a
//! cheap pre-scan of header lines and gives each block a parser forked from
//! the state in force at its first line.

pub mod asa;
pub mod cisco_wsa;
pub mod clf;
pub mod cloudflare;
pub mod csv;
pub mod defender;
pub mod detect;
pub mod ecs;
pub mod entra;
pub mod envelope;
pub mod forcepoint;
pub mod fortigate;
pub mod iboss;
pub mod json;
pub mod juniper;
pub mod kv;
pub mod logformat;
pub mod netskope;
pub mod packet;
pub mod panos;
pub mod skyhigh;
pub mod sophos;
pub mod split;
pub mod squid;
pub mod time;
pub mod umbrella;
pub mod url;
pub mod w3c;
pub mod zscaler;

use std::borrow::Cow;

use chrono_tz::Tz;

pub use url::url_host;

/// One request or connection as read from a log line, before enrichment.
///
/// Borrowed from the line where it can be; fields that a log escapes or
/// quotes are owned. Times are UTC milliseconds since the Unix epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct RawEvent<'a> {
    /// When the request was logged: UTC, milliseconds since 1970-01-01.
    pub ts_ms: i64,
    /// Time the proxy spent on the request, in milliseconds, when logged.
    pub elapsed_ms: Option<u32>,
    /// Client address as logged.
    pub client_ip: &'a str,
    /// User name as logged (realm included, maybe URL-encoded); `None` when the log has none.
    pub user: Option<Cow<'a, str>>,
    /// Request method as logged (`CONNECT` for tunnels; empty for a connection record).
    pub method: &'a str,
    /// HTTP status code (0 when none was logged).
    pub status: u16,
    /// Bytes sent to the client (received by it).
    pub bytes: u64,
    /// Bytes the client sent, when logged.
    pub bytes_out: Option<u64>,
    /// URL as logged (`host:port` for CONNECT); `-` or empty when none.
    pub url: Cow<'a, str>,
    /// Host part of the URL, not yet normalised; the destination address for
    /// a connection record with no name. `None`: the URL's host, as
    /// [`url_host`] finds it (empty when it finds none), left for the
    /// consumer to work out: ingest does it once per distinct URL of a
    /// block, not once per line. [`RawEvent::host_name`] gives it either way.
    pub host: Option<Cow<'a, str>>,
    /// Destination port, when logged.
    pub dst_port: Option<u16>,
    /// The gateway's action as logged (`allow`, `deny`, `blocked`, ...), when it logs one.
    pub action: Option<&'a str>,
    /// The proxy or firewall blocked the request.
    pub denied: bool,
}

impl RawEvent<'_> {
    /// The host: as the reader gave it, or else the URL's ([`url_host`];
    /// empty when the URL has none).
    pub fn host_name(&self) -> &str {
        match &self.host {
            Some(h) => h,
            None => url_host(&self.url).unwrap_or(""),
        }
    }
}

/// What one line is.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed<'a> {
    /// A request or connection.
    Event(RawEvent<'a>),
    /// A line of this format that is not a request or connection: a header
    /// (W3C `#Fields:`), or a record of another kind (a PAN-OS vulnerability,
    /// an ASA NAT message). Kept in quarantine with this description, so
    /// `accepted + rejected = lines`; it counts for the format in detection.
    Skip(&'static str),
}

/// Why a line was not read: a fixed reason, or one with the numbers in it.
pub type Reason = Cow<'static, str>;

/// Where a reader's time zone came from, for logs that write local time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileContext {
    /// The zone for local timestamps without an offset.
    pub tz: Tz,
    /// How `tz` was decided: `--source-time-zone` or `default`.
    pub tz_source: &'static str,
    /// The year for syslog headers that have none (the file's modification year).
    pub year: i32,
    /// The NSS feed's field names (`--nss-fields`), for Zscaler CSV/TSV feeds.
    pub nss_fields: Option<String>,
    /// A Squid `logformat` line (`--squid-logformat`), for custom Squid layouts.
    pub squid_logformat: Option<String>,
}

impl Default for FileContext {
    fn default() -> Self {
        FileContext {
            tz: chrono_tz::Europe::London,
            tz_source: "default",
            year: 2026,
            nss_fields: None,
            squid_logformat: None,
        }
    }
}

/// The per-file parser of one reader.
pub trait LineParser: Send + Sync {
    /// Parses one line (without its line ending); `number` is its line number in the file.
    ///
    /// # Errors
    /// A specific reason, stored with the line in quarantine.
    fn parse<'a>(&mut self, line: &'a str, number: u64) -> Result<Parsed<'a>, Reason>;

    /// A copy of this parser's state, for the block that starts here.
    fn fork(&self) -> Box<dyn LineParser>;

    /// True when some lines change the state (headers); ingest then pre-scans
    /// each block with [`LineParser::observe`].
    fn has_directives(&self) -> bool {
        false
    }

    /// Updates the state from a header line (one that starts with `#`)
    /// without parsing events: the pre-scan. Ingest passes only such lines.
    fn observe(&mut self, _line: &str, _number: u64) {}

    /// The time (UTC ms) a line starts with, when it has a readable one, even
    /// if the line did not parse: quarantined lines age out with it.
    fn leading_time(&self, line: &str) -> Option<i64>;

    /// How the last line read as an event was read, when not plainly by
    /// the format's own layout: the syslog envelope it came in (host, tag,
    /// which time was used; see [`envelope`]), or the layout that read a
    /// W3C line its header did not fit. `None` for a plain line.
    fn reading(&self) -> Option<&str> {
        None
    }

    /// Parses a line that came inside a syslog message whose header time is
    /// `header_ms` (UTC ms): the result, and whether an event's time is the
    /// line's own (true) or the header's (false). The default reads the
    /// line as [`LineParser::parse`] does; a reader whose lines may lack a
    /// time of their own takes the header's.
    ///
    /// # Errors
    /// As [`LineParser::parse`].
    fn parse_enveloped<'a>(
        &mut self,
        line: &'a str,
        number: u64,
        _header_ms: Option<i64>,
    ) -> Result<(Parsed<'a>, bool), Reason> {
        self.parse(line, number).map(|p| (p, true))
    }
}

/// A log format the tool reads.
pub trait LogFormat: Sync + Send {
    /// The name used on the command line and in `sources.jsonl`.
    fn name(&self) -> &'static str;
    /// Version of this reader (bumped when what it reads from a line changes).
    fn version(&self) -> u32 {
        1
    }
    /// One line saying what the format is and where its definition comes from.
    fn description(&self) -> &'static str;
    /// A sample line, for `netusage formats`.
    fn sample(&self) -> &'static str;
    /// Whether detection may pick this reader (false for one that needs
    /// settings from the command line, such as a Squid `logformat`).
    fn detectable(&self) -> bool {
        true
    }
    /// Whether local times need a zone from outside the line.
    fn uses_source_time_zone(&self) -> bool {
        false
    }
    /// A parser for one file.
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser>;
}

impl std::fmt::Debug for dyn LogFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Every reader, in the order `detect` reports them.
pub fn registry() -> Vec<&'static dyn LogFormat> {
    vec![
        &squid::Squid,
        &clf::Common,
        &w3c::W3c,
        &w3c::ProxySg,
        &fortigate::FortiGate,
        &sophos::Sophos,
        &panos::PanOs,
        &asa::Asa,
        &zscaler::Zscaler,
        &juniper::Juniper,
        &packet::Netfilter,
        &packet::PfFilterlog,
        &logformat::SquidLogformat,
        // Cloud and appliance web gateways (issue 27, item 4) and ECS (item 6).
        &umbrella::Umbrella,
        &netskope::Netskope,
        &forcepoint::Forcepoint,
        &cisco_wsa::CiscoWsa,
        &iboss::Iboss,
        &cloudflare::CloudflareGateway,
        &entra::EntraInternetAccess,
        &ecs::EcsJson,
        &skyhigh::Skyhigh,
        &defender::DefenderNetwork,
    ]
}

/// The reader named `name`.
///
/// # Errors
/// No reader has that name: the known names are listed.
pub fn by_name(name: &str) -> Result<&'static dyn LogFormat, String> {
    registry()
        .into_iter()
        .find(|f| f.name() == name)
        .ok_or_else(|| {
            format!(
                "unknown log format `{name}` (known: {})",
                registry()
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
}

/// A method name as a static string, for methods parsed from owned text.
pub fn method_name(m: &str) -> &'static str {
    const KNOWN: [&str; 12] = [
        "GET", "POST", "HEAD", "PUT", "DELETE", "CONNECT", "OPTIONS", "PATCH", "TRACE", "PROPFIND",
        "NONE", "OTHER",
    ];
    KNOWN
        .iter()
        .find(|k| k.eq_ignore_ascii_case(m))
        .copied()
        .unwrap_or("OTHER")
}

#[cfg(test)]
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;
