//! Enrichment: what the store's rows gain on the way from the store to the
//! analysis and the evidence pack, in one place and one order.
//!
//! 1. **Attribution**: events logged with only an address are attributed to
//!    the person whose identity interval (logon, DHCP, RADIUS) covers their
//!    time there (docs/STORE.md, "Identity and attribution").
//! 2. **DNS naming**: connections logged with only a destination address
//!    take the name their client last resolved to it, within the DNS window
//!    (docs/STORE.md, "DNS naming").
//! 3. **Classification**: rows whose host changed are classified again, and
//!    every row when the operator gives `--categories`.
//! 4. **Devices** (done with attribution, as it reads only the client
//!    address and the time): when a DHCP lease of a device in the asset
//!    register covers an event's client address, the event names that
//!    device and its type (a council may judge phones apart from computers).
//!
//! The store keeps what the logs said; enrichment is worked out again at
//! every read, so new identity or DNS records, or a new rules file, apply to
//! events ingested before them.

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use polars::prelude::{BooleanChunked, DataFrame, IntoColumn, NewChunkedArray, StringChunked};

use crate::classify::Classifier;
use crate::dns::Resolver;
use crate::event::col;
use crate::identity::attribute::{Attributor, Outcome};
use crate::store::Store;

/// Loads the classifier: the bundled rules, with the user rules file
/// `path` (TOML, `--categories`) in front of them when given.
///
/// # Errors
/// The file cannot be read (it must be a regular file under
/// [`crate::fsutil::SMALL_INPUT_MAX`] bytes), or a rule in it is malformed;
/// the file is named.
pub fn classifier(path: Option<&Path>) -> anyhow::Result<Classifier> {
    let Some(path) = path else {
        return Ok(Classifier::bundled());
    };
    let text = crate::fsutil::read_input_text(path, crate::fsutil::SMALL_INPUT_MAX)
        .with_context(|| format!("cannot read category rules file {}", path.display()))?;
    Classifier::with_user_toml(&text, path)
}

/// The enrichment of one store: its identity intervals, its DNS lookups and
/// the category rules.
pub struct Enricher {
    attributor: Attributor,
    resolver: Option<Resolver>,
    window_ms: i64,
    classifier: Classifier,
    reclassify_all: bool,
    work_use: crate::usage::work_use::WorkUse,
    /// Add the device columns on every apply, not only with `label`.
    devices: bool,
    /// Some interval names a device.
    has_devices: bool,
}

impl Enricher {
    /// The enrichment of `store`: its identity intervals, its DNS lookups
    /// (a lookup names its address for `dns_window_s` seconds), and the
    /// bundled category rules, or `categories` (`--categories`) in front of
    /// them, applied then to every row.
    ///
    /// # Errors
    /// The store's identity or DNS tables cannot be read; the rules file
    /// cannot be read or is malformed.
    pub fn load(
        store: &Store,
        categories: Option<&Path>,
        dns_window_s: u64,
    ) -> anyhow::Result<Enricher> {
        let intervals = crate::store::identity::all(store)?;
        Self::with_intervals(store, intervals, categories, dns_window_s)
    }

    /// As [`Enricher::load`], with the identity intervals already read
    /// (a command that checks names against them reads them first).
    ///
    /// # Errors
    /// As [`Enricher::load`].
    pub fn with_intervals(
        store: &Store,
        intervals: Vec<(String, crate::identity::intervals::Interval)>,
        categories: Option<&Path>,
        dns_window_s: u64,
    ) -> anyhow::Result<Enricher> {
        let lookups = crate::store::dns::all(store)?;
        let attributor = Attributor::new(intervals);
        Ok(Enricher {
            has_devices: attributor.has_devices(),
            attributor,
            resolver: (!lookups.is_empty()).then(|| Resolver::new(lookups)),
            window_ms: i64::try_from(dns_window_s.saturating_mul(1000)).unwrap_or(i64::MAX),
            classifier: classifier(categories)?,
            reclassify_all: categories.is_some(),
            work_use: Default::default(),
            devices: false,
        })
    }

    /// Attribution alone: the store's identity intervals, no DNS naming,
    /// the bundled rules. What retention needs (a legal hold keeps the
    /// events its people were attributed).
    ///
    /// # Errors
    /// The store's identity table cannot be read.
    pub fn attribution(store: &Store) -> anyhow::Result<Enricher> {
        Ok(Enricher {
            attributor: Attributor::new(crate::store::identity::all(store)?),
            resolver: None,
            window_ms: 0,
            classifier: Classifier::bundled(),
            reclassify_all: false,
            work_use: Default::default(),
            devices: false,
            has_devices: false,
        })
    }

    /// With the policy's scoped designations and business allow-list
    /// applied last ([`crate::usage::work_use`]): the requests they cover
    /// take category `designated:<name>` or `work:<name>`.
    pub fn with_work_use(mut self, work_use: crate::usage::work_use::WorkUse) -> Enricher {
        self.work_use = work_use;
        self
    }

    /// With `yes`, every [`Enricher::apply`] adds the [`col::DEVICE`] and
    /// [`col::DEVICE_TYPE`] columns (when the store's identity intervals
    /// name any device), not only a labelled one: for a policy with a rule
    /// per device type.
    pub fn with_devices(mut self, yes: bool) -> Enricher {
        self.devices = yes;
        self
    }

    /// The category rules, for naming the rule behind a classification.
    pub fn into_classifier(self) -> Classifier {
        self.classifier
    }

    /// The identity intervals, as an attributor (the purge keeps what a
    /// legal hold's people were attributed).
    pub fn attributor(&self) -> &Attributor {
        &self.attributor
    }

    /// The columns [`Enricher::apply`] reads beyond `ts`, `user` and
    /// `user_logged`: `host` and `client_ip` when it names or reclassifies,
    /// `host` for designations and the allow-list, `url` when they name URL
    /// prefixes, `client_ip` for devices.
    pub fn columns(&self) -> Vec<&'static str> {
        let mut c = Vec::new();
        if self.reclassify_all || self.resolver.is_some() || !self.work_use.is_empty() {
            c.push(col::HOST);
        }
        if self.resolver.is_some() || (self.devices && self.has_devices) {
            c.push(col::CLIENT_IP);
        }
        if self.work_use.needs_url() {
            c.push(col::URL);
        }
        c
    }

    /// Attribution only (step 1): the `user` column holds the person; with
    /// `label`, an [`col::ATTRIBUTION`] column says how each row was
    /// attributed. For passes that read no host (coverage).
    ///
    /// # Errors
    /// The `ts`, `user` or `user_logged` column is missing.
    pub fn attribute(&self, events: &mut DataFrame, label: bool) -> anyhow::Result<()> {
        attribute(events, &self.attributor, label)
    }

    /// Every step, in order: attribution (with `label`, the
    /// [`col::ATTRIBUTION`] column), DNS naming (the [`col::HOST_SOURCE`]
    /// column, when the store has DNS lookups), classification of the
    /// rows it changed, or of every row under `--categories`, then the
    /// policy's designations and allow-list; then, with `label` or
    /// [`Enricher::with_devices`], the [`col::DEVICE`] and
    /// [`col::DEVICE_TYPE`] columns when any device is known.
    ///
    /// # Errors
    /// A column named in [`Enricher::columns`] is missing.
    pub fn apply(&self, events: &mut DataFrame, label: bool) -> anyhow::Result<()> {
        attribute(events, &self.attributor, label)?;
        if (label || self.devices) && self.has_devices {
            name_devices(events, &self.attributor)?;
        }
        let renamed = match &self.resolver {
            Some(resolver) => name_from_dns(events, resolver, self.window_ms)?,
            None => None,
        };
        // Only the renamed rows: a row's category never depends on which
        // other rows share its batch (a read filtered to some people and
        // one of everyone classify it alike).
        if self.reclassify_all {
            reclassify(events, &self.classifier, None)?;
        } else if let Some(renamed) = &renamed {
            reclassify(events, &self.classifier, Some(renamed))?;
        }
        self.work_use.apply(events)
    }
}

/// Attributes the events of `events` logged with only an address (marked
/// so by the store, `user_logged` false, and stored as `ip:<address>`) to
/// the person whose identity interval covers their time there
/// (docs/STORE.md, "Identity and attribution"): the `user` column then holds
/// that person. A logged name is never attributed, whatever its text, and
/// one that reads `ip:…` is keyed apart from the address-only events
/// ([`crate::event::person_key`]). With `label`, adds an `attribution`
/// column: `logged`,
/// `identity:<source>:<line>`, `ambiguous` or `unattributed`.
///
/// # Errors
/// The `ts`, `user` or `user_logged` column is missing.
fn attribute(events: &mut DataFrame, attributor: &Attributor, label: bool) -> anyhow::Result<()> {
    let users = events.column(col::USER)?.str()?.clone();
    let logged = events.column(col::USER_LOGGED)?.bool()?.clone();
    // Logged names that need a key of their own (`ip:…` as written).
    let rekey = users.iter().zip(logged.iter()).any(|(u, l)| {
        l != Some(false) && u.is_some_and(|u| crate::event::person_key(u, true) != u)
    });
    if attributor.is_empty() && !label && !rekey {
        return Ok(());
    }
    let ts = events.column(col::TS)?.datetime()?.physical().clone();
    let times: std::borrow::Cow<'_, [i64]> = match ts.cont_slice() {
        Ok(s) => s.into(),
        Err(_) => ts.iter().map(|t| t.unwrap_or(0)).collect::<Vec<_>>().into(),
    };
    // The last answer for each address holds from its time until its
    // `until`; rows of one address mostly come in time order, so most rows
    // are answered from here without searching the address's holds.
    let mut memo: HashMap<&str, (i64, i64, Outcome<'_>), foldhash::fast::RandomState> =
        HashMap::default();
    let mut people: Vec<std::borrow::Cow<'_, str>> = Vec::with_capacity(users.len());
    let mut outcomes: Vec<Outcome<'_>> = Vec::with_capacity(if label { users.len() } else { 0 });
    let mut any = rekey;
    let names = users.downcast_iter().flat_map(|a| a.iter());
    let marks = logged.downcast_iter().flat_map(|a| a.iter());
    for ((u, l), &t) in names.zip(marks).zip(times.iter()) {
        let u = u.unwrap_or("");
        let address_only = l == Some(false);
        let o = match u.strip_prefix("ip:").filter(|_| address_only) {
            Some(ip) => match memo.get(ip) {
                Some(&(from, until, o)) if from <= t && t < until => o,
                _ => {
                    let (o, until) = attributor.at_until(ip, t);
                    memo.insert(ip, (t, until, o));
                    o
                }
            },
            None => Outcome::Logged,
        };
        match o {
            Outcome::Identity(p, _) => {
                any = true;
                people.push(std::borrow::Cow::Borrowed(p));
            }
            _ => people.push(crate::event::person_key(u, !address_only)),
        }
        if label {
            outcomes.push(o);
        }
    }
    if any {
        let column =
            StringChunked::from_iter_values(col::USER.into(), people.iter().map(|p| p.as_ref()));
        events.replace(col::USER, column.into_column())?;
    }
    if label {
        let column = StringChunked::from_iter_values(
            col::ATTRIBUTION.into(),
            outcomes.iter().map(|o| o.label()),
        );
        events.with_column(column.into_column())?;
    }
    Ok(())
}

/// Adds the [`col::DEVICE`] and [`col::DEVICE_TYPE`] columns: the
/// registered device that held each event's client address at its time
/// (one device; null when none or two), and its type.
///
/// # Errors
/// The `ts` or `client_ip` column is missing.
fn name_devices(events: &mut DataFrame, attributor: &Attributor) -> anyhow::Result<()> {
    let ts = events.column(col::TS)?.datetime()?.physical().clone();
    let clients = events.column(col::CLIENT_IP)?.str()?.clone();
    /// A device and its type, when one is known.
    type Device<'a> = Option<(&'a str, &'a str)>;
    // The last answer for each address, from its time until its `until`.
    let mut memo: HashMap<&str, (i64, i64, Device<'_>), foldhash::fast::RandomState> =
        HashMap::default();
    let mut devices: Vec<Device<'_>> = Vec::with_capacity(clients.len());
    for (c, t) in clients.iter().zip(ts.iter()) {
        let (Some(ip), Some(t)) = (c, t) else {
            devices.push(None);
            continue;
        };
        let d = match memo.get(ip) {
            Some(&(from, until, d)) if from <= t && t < until => d,
            _ => {
                let (d, until) = attributor.device_until(ip, t);
                memo.insert(ip, (t, until, d));
                d
            }
        };
        devices.push(d);
    }
    let device: StringChunked = devices.iter().map(|d| d.map(|d| d.0)).collect();
    let kind: StringChunked = devices
        .iter()
        .map(|d| d.map(|d| d.1).filter(|k| !k.is_empty()))
        .collect();
    events.with_column(device.with_name(col::DEVICE.into()).into_column())?;
    events.with_column(kind.with_name(col::DEVICE_TYPE.into()).into_column())?;
    Ok(())
}

/// Names connections logged with only a destination address: where `host`
/// is an IP address and `resolver` knows the name the event's client most
/// recently resolved to it, no more than `window_ms` before (docs/STORE.md,
/// "DNS naming"), `host` becomes that name. Adds a `host_source` column
/// (`logged` or `dns`). Returns which rows' host changed, when any did
/// (the caller then classifies those rows again).
///
/// # Errors
/// The `ts`, `host` or `client_ip` column is missing.
fn name_from_dns(
    events: &mut DataFrame,
    resolver: &Resolver,
    window_ms: i64,
) -> anyhow::Result<Option<Vec<bool>>> {
    let ts = events.column(col::TS)?.datetime()?.physical().clone();
    let hosts = events.column(col::HOST)?.str()?.clone();
    let clients = events.column(col::CLIENT_IP)?.str()?.clone();
    let named: Vec<Option<&str>> = hosts
        .iter()
        .zip(clients.iter())
        .zip(ts.iter())
        .map(|((h, c), t)| {
            let h = h?;
            h.parse::<std::net::IpAddr>().ok()?;
            resolver.name(c?, h, t?, window_ms)
        })
        .collect();
    let changed = named.iter().any(Option::is_some);
    if changed {
        let new = StringChunked::from_iter_values(
            col::HOST.into(),
            hosts
                .iter()
                .zip(&named)
                .map(|(h, n)| n.unwrap_or(h.unwrap_or(""))),
        );
        events.replace(col::HOST, new.into_column())?;
    }
    let source = StringChunked::from_iter_values(
        col::HOST_SOURCE.into(),
        named
            .iter()
            .map(|n| if n.is_some() { "dns" } else { "logged" }),
    );
    events.with_column(source.into_column())?;
    Ok(changed.then(|| named.iter().map(Option::is_some).collect()))
}

/// Re-applies classification to stored events so a `--categories` file given
/// at analysis time takes effect on data ingested before it existed: to
/// every row, or to the rows `only` marks (those DNS naming renamed), the
/// others keeping the site, category and embedded flag they were stored
/// with.
fn reclassify(
    events: &mut DataFrame,
    classifier: &Classifier,
    only: Option<&[bool]>,
) -> anyhow::Result<()> {
    let hosts = events
        .column(col::HOST)?
        .str()
        .context("host column")?
        .clone();
    // With `only`: the mask and the stored values the other rows keep.
    let keep = only
        .map(|mask| -> anyhow::Result<_> {
            Ok((
                mask,
                events.column(col::SITE)?.str()?.clone(),
                events.column(col::CATEGORY)?.str()?.clone(),
                events.column(col::EMBEDDED)?.bool()?.clone(),
            ))
        })
        .transpose()?;
    let mut cache = std::collections::HashMap::new();
    let mut site = Vec::with_capacity(hosts.len());
    let mut category = Vec::with_capacity(hosts.len());
    let mut embedded = Vec::with_capacity(hosts.len());
    for (i, h) in hosts.iter().enumerate() {
        if let Some((mask, s, c, e)) = &keep
            && !mask[i]
        {
            site.push(s.get(i).unwrap_or_default().to_string());
            category.push(c.get(i).unwrap_or_default().to_string());
            embedded.push(e.get(i).unwrap_or_default());
            continue;
        }
        let c = cache
            .entry(h.unwrap_or(""))
            .or_insert_with(|| classifier.classify(h.unwrap_or("")));
        site.push(c.site.clone());
        category.push(c.category.to_string());
        embedded.push(c.embedded);
    }
    events.replace(
        col::SITE,
        StringChunked::from_iter_values(col::SITE.into(), site.iter().map(String::as_str))
            .into_column(),
    )?;
    events.replace(
        col::CATEGORY,
        StringChunked::from_iter_values(col::CATEGORY.into(), category.iter().map(String::as_str))
            .into_column(),
    )?;
    events.replace(
        col::EMBEDDED,
        BooleanChunked::from_iter_values(col::EMBEDDED.into(), embedded.into_iter()).into_column(),
    )?;
    Ok(())
}
