//! One block's accepted events as the store's columns (docs/STORE.md,
//! "Events"), string columns dictionary-encoded while the block is parsed.
//!
//! A block's user names, clients, hosts and methods repeat line after line:
//! each distinct string gets a key the first time it is seen ([`Dict`]),
//! each row keeps keys ([`Row`]), and the store writes the keys and the
//! distinct strings as Parquet dictionary pages as they are
//! ([`crate::store::rowgroup`]). Each string is hashed once per line and
//! copied once per block. A host is classified once per block; its domain,
//! site, category and embedded mark follow from its key. When the reader
//! leaves the host to the URL (Squid), the host is found once per distinct
//! URL of the block ([`BlockColumns::url_and_host`]).

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use polars_arrow::array::{
    Array, BooleanArray, DictionaryArray, MutableBinaryViewArray, PrimitiveArray, Utf8ViewArray,
};
use polars_arrow::bitmap::Bitmap;
use polars_arrow::datatypes::{ArrowDataType, IntegerType};

use crate::classify::Classification;
use crate::event::{self, col};
use crate::formats::url_host;
use crate::identity::realm_of;
use crate::store::rowgroup::{Rows, arrow_schema};

/// The distinct strings of one column in one block, each with its key (its
/// position, from 0, in order of first sight).
pub struct Dict<'a> {
    index: HashMap<Cow<'a, str>, u32, foldhash::fast::RandomState>,
    values: MutableBinaryViewArray<str>,
}

impl<'a> Default for Dict<'a> {
    fn default() -> Self {
        Dict {
            index: HashMap::default(),
            values: MutableBinaryViewArray::new(),
        }
    }
}

impl<'a> Dict<'a> {
    /// The key of `s`, given it now if it is new.
    pub fn key(&mut self, s: Cow<'a, str>) -> u32 {
        if let Some(&k) = self.index.get(s.as_ref()) {
            return k;
        }
        let k = u32::try_from(self.values.len()).expect("a 4 MiB block has fewer strings");
        self.values.push_value(s.as_ref());
        self.index.insert(s, k);
        k
    }

    /// Distinct strings so far.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no string was given a key.
    pub fn is_empty(&self) -> bool {
        self.values.len() == 0
    }

    fn freeze(self) -> Utf8ViewArray {
        self.values.freeze()
    }
}

/// One accepted event: its numbers, and its strings as keys into the
/// block's [`Dict`]s.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// When the request was logged: UTC milliseconds since the epoch.
    pub ts_ms: i64,
    /// Normalised user name (key into `users`).
    pub user: u32,
    /// The log wrote a user name (false: `user` is `ip:<client>`).
    pub user_logged: bool,
    /// Client address as logged (key into `clients`).
    pub client: u32,
    /// Host as logged (key into the block's hosts).
    pub host: u32,
    /// Method (key into `methods`).
    pub method: u32,
    /// HTTP status (0 when none was logged).
    pub status: u16,
    /// Bytes sent to the client.
    pub bytes: u64,
    /// Milliseconds the proxy spent, when logged.
    pub elapsed_ms: Option<u32>,
    /// URL (key into `urls`); `None` when the log had `-` or none.
    pub url: Option<u32>,
    /// Bytes the client sent, when logged.
    pub bytes_out: Option<u64>,
    /// Destination port, when logged.
    pub dst_port: Option<u16>,
    /// The gateway's action (key into `actions`), when logged.
    pub action: Option<u32>,
    /// How the line was read when not plainly (key into `readings`): its
    /// syslog envelope, the W3C layout that read it.
    pub reading: Option<u32>,
    /// Blocked by the proxy or firewall.
    pub denied: bool,
    /// 1-based line number in the source file.
    pub line: u64,
}

/// What a host's key stands for: its classification, as keys.
struct HostKeys {
    host: u32,
    domain: u32,
    site: u32,
    category: u32,
    embedded: bool,
}

/// The columns of one block being parsed.
#[derive(Default)]
pub struct BlockColumns<'a> {
    /// Normalised user names.
    pub users: Dict<'a>,
    /// Client addresses.
    pub clients: Dict<'a>,
    /// Methods.
    pub methods: Dict<'a>,
    /// URLs.
    pub urls: Dict<'a>,
    /// Gateway actions.
    pub actions: Dict<'a>,
    /// How lines were read, when not plainly ([`crate::event::col::READING`]).
    pub readings: Dict<'a>,
    /// Hosts as logged, to the key of their classification in `host_keys`.
    raw_hosts: HashMap<Cow<'a, str>, u32, foldhash::fast::RandomState>,
    host_keys: Vec<HostKeys>,
    /// By URL key, the key of the URL's own host, once looked for
    /// ([`Self::url_and_host`]); `None` for a URL not yet looked at that
    /// way (keyed by [`Self::url`] beside a host the reader gave).
    url_host_keys: Vec<Option<u32>>,
    hosts: Dict<'a>,
    domains: Dict<'a>,
    sites: Dict<'a>,
    categories: Dict<'a>,
    /// Accepted events, in line order.
    pub rows: Vec<Row>,
}

/// The rows of one UTC day of a block.
pub struct DayRows {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// The rows, ready to encode.
    pub rows: Rows,
    /// Each row's [`event::dedup_key`], when `keys_for(day)` asked for them.
    pub keys: Option<Vec<u128>>,
}

/// What [`BlockColumns::finish`] gives.
pub struct Finished {
    /// The rows per UTC day, days in order.
    pub days: Vec<DayRows>,
    /// Realms kept in user names, with their events.
    pub realms: BTreeMap<String, u64>,
}

impl<'a> BlockColumns<'a> {
    /// Columns for a block of about `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        BlockColumns {
            rows: Vec::with_capacity(bytes / 160),
            ..BlockColumns::default()
        }
    }

    /// The key of a URL as logged; `None` for none (`-` or empty).
    pub fn url(&mut self, url: Cow<'a, str>) -> Option<u32> {
        (!url.is_empty() && url != "-").then(|| self.urls.key(url))
    }

    /// The keys of a URL as logged (as [`Self::url`]) and of its host
    /// ([`url_host`], as [`Self::host`]; `""` when it has none): a block's
    /// lines come back to the same URLs (a tunnel's `host:443` above all),
    /// so the host of a URL is looked for on its first sight in the block
    /// only, and found again from the URL's key.
    pub fn url_and_host(
        &mut self,
        url: &'a str,
        classify: impl FnOnce(&str) -> Classification,
    ) -> (Option<u32>, u32) {
        let Some(k) = self.url(Cow::Borrowed(url)) else {
            return (None, self.host(Cow::Borrowed(""), classify));
        };
        let i = k as usize;
        if let Some(&Some(host)) = self.url_host_keys.get(i) {
            return (Some(k), host);
        }
        let host = self.host(Cow::Borrowed(url_host(url).unwrap_or("")), classify);
        if self.url_host_keys.len() <= i {
            self.url_host_keys.resize(i + 1, None);
        }
        self.url_host_keys[i] = Some(host);
        (Some(k), host)
    }

    /// The key of a host as logged; `classify` runs on its first sight in
    /// the block only.
    pub fn host(
        &mut self,
        raw: Cow<'a, str>,
        classify: impl FnOnce(&str) -> Classification,
    ) -> u32 {
        if let Some(&k) = self.raw_hosts.get(raw.as_ref()) {
            return k;
        }
        let c = classify(&raw);
        let keys = HostKeys {
            host: self.hosts.key(Cow::Owned(c.host)),
            domain: self.domains.key(Cow::Owned(c.domain)),
            site: self.sites.key(Cow::Owned(c.site)),
            category: self.categories.key(Cow::Owned(c.category.to_string())),
            embedded: c.embedded,
        };
        let k = u32::try_from(self.host_keys.len()).expect("a 4 MiB block has fewer hosts");
        self.host_keys.push(keys);
        self.raw_hosts.insert(raw, k);
        k
    }

    /// The rows as Arrow columns per UTC day, with dedup keys for the days
    /// `keys_for` names, and the realms kept in user names with their events.
    ///
    /// # Errors
    /// Only if the columns do not fit the schema (a bug).
    pub fn finish(self, source: &str, keys_for: impl Fn(i64) -> bool) -> anyhow::Result<Finished> {
        let BlockColumns {
            users,
            clients,
            methods,
            urls,
            actions,
            readings,
            host_keys,
            hosts,
            domains,
            sites,
            categories,
            rows,
            ..
        } = self;
        let plain_urls = urls.len() * 4 > rows.len() * 3;
        let dicts = Dicts {
            users: users.freeze(),
            clients: clients.freeze(),
            methods: methods.freeze(),
            urls: urls.freeze(),
            actions: actions.freeze(),
            readings: readings.freeze(),
            hosts: hosts.freeze(),
            domains: domains.freeze(),
            sites: sites.freeze(),
            categories: categories.freeze(),
            source: {
                let mut s = MutableBinaryViewArray::<str>::new();
                s.push_value(source);
                s.freeze()
            },
            plain_urls,
        };
        // Realms: counted per distinct name (only a name normalised from a
        // realm-qualified one keeps a realm), then by its events.
        let mut per_user = vec![0u64; dicts.users.len()];
        for r in &rows {
            per_user[r.user as usize] += 1;
        }
        let mut realms: BTreeMap<String, u64> = BTreeMap::new();
        for (k, n) in per_user.into_iter().enumerate() {
            if n > 0
                && let Some(realm) = realm_of(dicts.users.value(k))
            {
                *realms.entry(realm.to_string()).or_default() += n;
            }
        }
        let day_of = |r: &Row| r.ts_ms.div_euclid(86_400_000);
        let mut days = Vec::new();
        if rows
            .iter()
            .all(|r| rows.first().map(day_of) == Some(day_of(r)))
        {
            if let Some(first) = rows.first() {
                let day = day_of(first);
                let picked: Vec<&Row> = rows.iter().collect();
                days.push(dicts.day(day, &picked, &host_keys, keys_for(day))?);
            }
        } else {
            let mut by_day: BTreeMap<i64, Vec<&Row>> = BTreeMap::new();
            for r in &rows {
                by_day.entry(day_of(r)).or_default().push(r);
            }
            for (day, picked) in by_day {
                days.push(dicts.day(day, &picked, &host_keys, keys_for(day))?);
            }
        }
        Ok(Finished { days, realms })
    }
}

/// A block's distinct strings, frozen.
struct Dicts {
    users: Utf8ViewArray,
    clients: Utf8ViewArray,
    methods: Utf8ViewArray,
    urls: Utf8ViewArray,
    actions: Utf8ViewArray,
    readings: Utf8ViewArray,
    hosts: Utf8ViewArray,
    domains: Utf8ViewArray,
    sites: Utf8ViewArray,
    categories: Utf8ViewArray,
    source: Utf8ViewArray,
    /// URLs seldom repeat in this block: write them plain, not as a dictionary.
    plain_urls: bool,
}

/// A dictionary column of `keys` (null where `valid` is false) into `values`.
fn dict_column(keys: Vec<u32>, valid: Option<Bitmap>, values: &Utf8ViewArray) -> Box<dyn Array> {
    let keys = PrimitiveArray::new(ArrowDataType::UInt32, keys.into(), valid);
    DictionaryArray::try_new(
        ArrowDataType::Dictionary(
            IntegerType::UInt32,
            Box::new(ArrowDataType::Utf8View),
            false,
        ),
        keys,
        values.clone().boxed(),
    )
    .expect("every key was given by the dictionary")
    .boxed()
}

/// The validity of an optional column: `None` when every row has a value.
fn validity<T>(rows: &[&Row], f: impl Fn(&Row) -> Option<T>) -> Option<Bitmap> {
    if rows.iter().all(|r| f(r).is_some()) {
        None
    } else {
        Some(rows.iter().map(|r| f(r).is_some()).collect())
    }
}

fn optional<T: polars_arrow::types::NativeType + Default>(
    rows: &[&Row],
    f: impl Fn(&Row) -> Option<T>,
) -> Box<dyn Array> {
    let values: Vec<T> = rows.iter().map(|r| f(r).unwrap_or_default()).collect();
    PrimitiveArray::new(T::PRIMITIVE.into(), values.into(), validity(rows, f)).boxed()
}

fn values<T: polars_arrow::types::NativeType>(
    rows: &[&Row],
    f: impl Fn(&Row) -> T,
) -> Box<dyn Array> {
    PrimitiveArray::from_vec(rows.iter().map(|r| f(r)).collect::<Vec<T>>()).boxed()
}

impl Dicts {
    /// One day's rows as columns in schema order.
    fn day(
        &self,
        day: i64,
        rows: &[&Row],
        host_keys: &[HostKeys],
        with_keys: bool,
    ) -> anyhow::Result<DayRows> {
        let schema = arrow_schema();
        let by_host = |f: fn(&HostKeys) -> u32| -> Vec<u32> {
            rows.iter()
                .map(|r| f(&host_keys[r.host as usize]))
                .collect()
        };
        let url = if self.plain_urls {
            let mut plain = MutableBinaryViewArray::<str>::with_capacity(rows.len());
            for r in rows {
                plain.push(r.url.map(|k| self.urls.value(k as usize)));
            }
            let plain: Utf8ViewArray = plain.freeze();
            plain.boxed()
        } else {
            dict_column(
                rows.iter().map(|r| r.url.unwrap_or(0)).collect(),
                validity(rows, |r| r.url),
                &self.urls,
            )
        };
        let ts_type = schema
            .get(col::TS)
            .expect("the schema has ts")
            .dtype()
            .clone();
        let columns: Vec<Box<dyn Array>> = vec![
            PrimitiveArray::new(
                ts_type,
                rows.iter().map(|r| r.ts_ms).collect::<Vec<i64>>().into(),
                None,
            )
            .boxed(),
            dict_column(rows.iter().map(|r| r.user).collect(), None, &self.users),
            dict_column(rows.iter().map(|r| r.client).collect(), None, &self.clients),
            dict_column(by_host(|h| h.host), None, &self.hosts),
            dict_column(by_host(|h| h.domain), None, &self.domains),
            dict_column(by_host(|h| h.site), None, &self.sites),
            dict_column(by_host(|h| h.category), None, &self.categories),
            BooleanArray::from_slice(
                rows.iter()
                    .map(|r| host_keys[r.host as usize].embedded)
                    .collect::<Vec<bool>>(),
            )
            .boxed(),
            dict_column(rows.iter().map(|r| r.method).collect(), None, &self.methods),
            values(rows, |r| r.status),
            values(rows, |r| r.bytes),
            optional(rows, |r| r.elapsed_ms),
            url,
            BooleanArray::from_slice(rows.iter().map(|r| r.denied).collect::<Vec<bool>>()).boxed(),
            optional(rows, |r| r.bytes_out),
            optional(rows, |r| r.dst_port),
            dict_column(
                rows.iter().map(|r| r.action.unwrap_or(0)).collect(),
                validity(rows, |r| r.action),
                &self.actions,
            ),
            dict_column(vec![0; rows.len()], None, &self.source),
            values(rows, |r| r.line),
            BooleanArray::from_slice(rows.iter().map(|r| r.user_logged).collect::<Vec<bool>>())
                .boxed(),
            dict_column(
                rows.iter().map(|r| r.reading.unwrap_or(0)).collect(),
                validity(rows, |r| r.reading),
                &self.readings,
            ),
        ];
        let keys = with_keys.then(|| {
            rows.iter()
                .map(|r| {
                    event::dedup_key(
                        r.ts_ms,
                        self.users.value(r.user as usize),
                        r.user_logged,
                        self.clients.value(r.client as usize),
                        self.methods.value(r.method as usize),
                        r.url.map(|k| self.urls.value(k as usize)),
                        r.status,
                        r.bytes,
                    )
                })
                .collect()
        });
        Ok(DayRows {
            day,
            rows: Rows::new(columns)?,
            keys,
        })
    }
}
