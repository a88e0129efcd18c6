//! The W3C layouts a line may follow when its file's `#Fields:` header does
//! not fit it (or there is none): the vendors' default layouts, and the
//! shapes their fields' values take, to tell which one a line follows.
//!
//! Sources:
//! - IIS: Microsoft, "W3C Logging" / "Configure Logging in IIS"
//!   (<https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/logfile/>,
//!   `logExtFileFlags` defaults). IIS 6.0's default fields are `date time
//!   s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username
//!   c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status`; IIS 7.0 and
//!   7.5 drop `s-sitename` and add `time-taken`; IIS 8.5 and 10 add
//!   `cs(Referer)`. The optional fields slot in at their place in IIS's
//!   fixed order: `s-sitename s-computername` after `time`, `cs-host` after
//!   `cs(Referer)`, `sc-bytes cs-bytes` before `time-taken`.
//! - ProxySG: Broadcom, "Default Formats" of the access-log formats
//!   (techdocs.broadcom.com, Edge SWG / ProxySG, Access Logging, Log
//!   Formats): `main` and `bcreportermain_v1`, whose field list grew with
//!   SGOS releases. Three lists are known here: the one before the
//!   `s-supplier-*` fields (25 fields, custom fields often appended), the
//!   current one (42 fields, with `s-supplier-*`, threat and application
//!   fields), and the 35-field one Elastic's ProxySG integration reads
//!   (`bcreportermain_v1` ingest pipeline, no `cs-method`).
//!
//! A line follows a layout when it has the layout's number of values and
//! each value has its field's shape ([`shape_fits`]). Ingest never guesses:
//! a line two layouts fit is refused, naming both.

use std::sync::OnceLock;

/// `main`, as Broadcom's "Default Formats" lists it.
pub const PROXYSG_MAIN: &str = "date time time-taken c-ip sc-status s-action sc-bytes cs-bytes cs-method cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-username cs-auth-group s-hierarchy s-supplier-name rs(Content-Type) cs(Referer) cs(User-Agent) sc-filter-result cs-categories x-virus-id s-ip";

/// `bcreportermain_v1` before the `s-supplier-*` fields: 25 fields (the
/// Azure Sentinel ProxySG samples follow it, with custom fields after).
pub const BCREPORTERMAIN_V1_25: &str = "date time time-taken c-ip cs-username cs-auth-group x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id";

/// `bcreportermain_v1` as Broadcom documents it now: 42 fields.
pub const BCREPORTERMAIN_V1_42: &str = "date time time-taken c-ip cs-username cs-auth-group s-supplier-name s-supplier-ip s-supplier-country s-supplier-failures x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action cs-method rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id x-cs-client-threat-source x-cs-client-threat-id x-rs-threat-source x-rs-threat-id x-bluecoat-application-name x-bluecoat-application-operation x-bluecoat-application-groups cs-threat-risk x-bluecoat-access-security-policy-action x-bluecoat-access-security-policy-reason x-bluecoat-transaction-uuid x-icap-reqmod-header(x-icap-metadata) x-icap-respmod-header(x-icap-metadata)";

/// `bcreportermain_v1` as Elastic's ProxySG integration reads it: 35
/// fields, no `cs-method`.
pub const BCREPORTERMAIN_V1_ELASTIC: &str = "date time time-taken c-ip cs-username cs-auth-group s-supplier-name s-supplier-ip s-supplier-country s-supplier-failures x-exception-id sc-filter-result cs-categories cs(Referer) sc-status s-action rs(Content-Type) cs-uri-scheme cs-host cs-uri-port cs-uri-path cs-uri-query cs-uri-extension cs(User-Agent) s-ip sc-bytes cs-bytes x-virus-id x-bluecoat-application-name x-bluecoat-application-operation x-bluecoat-application-groups cs-threat-risk x-bluecoat-transaction-uuid x-icap-reqmod-header(x-icap-metadata) x-icap-respmod-header(x-icap-metadata)";

/// A known layout: its name, for the record of which layout read a line,
/// and its field names (lower case).
#[derive(Debug)]
pub struct Known {
    /// E.g. `IIS 8.5/10 default + sc-bytes cs-bytes`.
    pub name: String,
    /// The field names, space-separated, lower case.
    pub fields: String,
}

/// The IIS default layouts and their variants with the optional fields.
pub fn iis() -> &'static [Known] {
    static IIS: OnceLock<Vec<Known>> = OnceLock::new();
    IIS.get_or_init(|| {
        let bases = [
            ("IIS 6.0 default", false, false, true),
            ("IIS 7.0/7.5 default", false, true, false),
            ("IIS 8.5/10 default", true, true, false),
        ];
        let mut out = Vec::new();
        for (base, referer, taken, sitename_default) in bases {
            for extra in 0..16u8 {
                let (sitename, computername, host, bytes) = (
                    extra & 1 != 0,
                    extra & 2 != 0,
                    extra & 4 != 0,
                    extra & 8 != 0,
                );
                let mut f = vec!["date", "time"];
                let site = sitename_default ^ sitename;
                if site {
                    f.push("s-sitename");
                }
                if computername {
                    f.push("s-computername");
                }
                f.extend([
                    "s-ip",
                    "cs-method",
                    "cs-uri-stem",
                    "cs-uri-query",
                    "s-port",
                    "cs-username",
                    "c-ip",
                    "cs(user-agent)",
                ]);
                if referer {
                    f.push("cs(referer)");
                }
                if host {
                    f.push("cs-host");
                }
                f.extend(["sc-status", "sc-substatus", "sc-win32-status"]);
                if bytes {
                    f.extend(["sc-bytes", "cs-bytes"]);
                }
                if taken {
                    f.push("time-taken");
                }
                let mut name = base.to_string();
                for (on, what) in [
                    (
                        sitename,
                        if sitename_default {
                            "- s-sitename"
                        } else {
                            "+ s-sitename"
                        },
                    ),
                    (computername, "+ s-computername"),
                    (host, "+ cs-host"),
                    (bytes, "+ sc-bytes cs-bytes"),
                ] {
                    if on {
                        name.push(' ');
                        name.push_str(what);
                    }
                }
                out.push(Known {
                    name,
                    fields: f.join(" "),
                });
            }
        }
        out
    })
}

/// The ProxySG layouts: `main` and the three `bcreportermain_v1` lists.
pub fn proxysg() -> &'static [Known] {
    static SG: OnceLock<Vec<Known>> = OnceLock::new();
    SG.get_or_init(|| {
        [
            (
                "ProxySG bcreportermain_v1 (25 fields, before s-supplier-*)",
                BCREPORTERMAIN_V1_25,
            ),
            (
                "ProxySG bcreportermain_v1 (42 fields, Broadcom)",
                BCREPORTERMAIN_V1_42,
            ),
            (
                "ProxySG bcreportermain_v1 (35 fields, as Elastic reads it)",
                BCREPORTERMAIN_V1_ELASTIC,
            ),
            ("ProxySG main", PROXYSG_MAIN),
        ]
        .into_iter()
        .map(|(name, fields)| Known {
            name: name.to_string(),
            fields: fields.to_ascii_lowercase(),
        })
        .collect()
    })
}

/// An address as logs write it: digits, hex letters, dots and colons, with
/// a dot or a colon (anonymised samples hold addresses such as
/// `172.888.160.237`, which are kept as logged).
fn address(v: &str) -> bool {
    (v.contains('.') || v.contains(':'))
        && v.bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'.' || b == b':')
}

fn digits(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `value` (quotes removed) has the shape of field `name`: dates,
/// times, addresses, methods, paths, numbers, and the ProxySG filter
/// result and action as Broadcom documents them. `-` (no value) fits any
/// field but the date, the time and the filter result. Fields whose values
/// take any shape (user agents, user names, queries) fit anything.
pub fn shape_fits(name: &str, value: &str) -> bool {
    let v = value.trim();
    let nil = v == "-" || v.is_empty();
    match name {
        "date" | "date-local" => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d").is_ok(),
        "time" | "time-local" => chrono::NaiveTime::parse_from_str(v, "%H:%M:%S%.f").is_ok(),
        "c-ip" | "s-ip" | "s-supplier-ip" => nil || address(v),
        "cs-method" => nil || (v.len() <= 16 && v.bytes().all(|b| b.is_ascii_uppercase())),
        "cs-uri-stem" | "cs-uri-path" => nil || v.starts_with('/') || v == "*",
        "s-port" | "cs-uri-port" | "sc-substatus" | "sc-win32-status" | "sc-bytes" | "cs-bytes"
        | "time-taken" => nil || digits(v),
        "sc-status" => nil || (digits(v) && v.len() <= 3),
        "s-sitename" => {
            nil || v.find("SVC").is_some_and(|i| {
                i > 0
                    && digits(&v[i + 3..])
                    && v[..i]
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            })
        }
        "cs-uri-scheme" => nil || (v.len() <= 8 && v.bytes().all(|b| b.is_ascii_lowercase())),
        "sc-filter-result" => ["OBSERVED", "PROXIED", "DENIED", "PASS", "BLOCKED"].contains(&v),
        "s-action" => nil || v.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_'),
        "cs-host" => nil || !v.contains(['/', ' ']),
        _ => true,
    }
}
