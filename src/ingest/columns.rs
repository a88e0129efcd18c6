//! One block's accepted events as the store's columns (docs/STORE.md,
//! "Events"), string columns dictionary-encoded while the block is parsed.
//!
//! A block's user names, clients and methods repeat line after line: each
//! distinct string gets a key the first time it is seen ([`Dict`]), each
//! row keeps keys ([`Row`]), and the store writes the keys and the distinct
//! strings as Parquet dictionary pages as they are
//! ([`crate::store::rowgroup`]). Each string is hashed once per line and
//! copied once per block.
//!
//! Hosts go through the parser thread's [`HostCache`], kept from block to
//! block: a host is classified on its first sight by the thread, and its
//! host, domain, site and category strings are numbered there, so a block's
//! dictionaries of them are filled by number (`NameColumn`), in the same
//! order of first sight as a [`Dict`] would give.
//!
//! URLs are kept per row as logged ([`BlockColumns::url`]) and counted with
//! a sketch as they come: a block whose rows mostly have a URL of their own
//! (the realistic log: 68 % distinct in a block) writes them plain, with no
//! URL hashed into a dictionary; a block whose URLs repeat gets its URL
//! dictionary when it is finished ([`BlockColumns::finish`]). Either way
//! the values stored are the same.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::hash::BuildHasher;

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

/// Strings a [`Dict`] compares in turn before it hashes them.
const SMALL_DICT: usize = 8;

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
    /// A dictionary with room for about `n` strings.
    fn with_capacity(n: usize) -> Self {
        Dict {
            index: HashMap::with_capacity_and_hasher(n, Default::default()),
            values: MutableBinaryViewArray::with_capacity(n),
        }
    }

    /// The key of `s`, given it now if it is new.
    pub fn key(&mut self, s: Cow<'a, str>) -> u32 {
        // A few strings (methods, actions): compared in turn, not hashed.
        let n = self.values.len();
        if n <= SMALL_DICT {
            if let Some(k) = (0..n).find(|&k| self.values.value(k) == s.as_ref()) {
                return k as u32;
            }
        } else if let Some(&k) = self.index.get(s.as_ref()) {
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
    /// URL (index of the row's URL in the block's URLs); `None` when the
    /// log had `-` or none.
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

/// Hosts kept by the cache at most: past this many, it starts again empty
/// at the next block (a log with more distinct hosts than that is
/// classified about block by block, as without a cache). About 10 MB a
/// parser thread when full; the realistic log has about 5,000 hosts.
const MAX_CACHED_HOSTS: usize = 50_000;

/// A host's classification in a [`HostCache`]: its strings as ids into the
/// cache's names.
#[derive(Clone, Copy)]
struct CachedHost {
    host: u32,
    domain: u32,
    site: u32,
    category: u32,
    embedded: bool,
}

/// The hosts one parser thread has classified, kept from block to block: a
/// log comes back to the same few thousand hosts in every block, so each is
/// classified once per thread, not once per block, and its strings are
/// known by number (a block's dictionaries of hosts, domains, sites and
/// categories are then filled without hashing a string). At most
/// `MAX_CACHED_HOSTS` hosts.
#[derive(Default)]
pub struct HostCache {
    /// Hosts as logged, to their index in `hosts`.
    ids: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    hosts: Vec<CachedHost>,
    /// The strings of the classifications (hosts, domains, sites,
    /// categories), to their id: their index in `names`.
    name_ids: HashMap<Box<str>, u32, foldhash::fast::RandomState>,
    names: Vec<Box<str>>,
}

impl HostCache {
    /// The id of a classification's string, given it now if it is new.
    fn name(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.name_ids.get(s) {
            return id;
        }
        let id =
            u32::try_from(self.names.len()).expect("fewer names than hosts cached, times four");
        self.names.push(s.into());
        self.name_ids.insert(s.into(), id);
        id
    }

    /// Empties the cache when it holds more than [`MAX_CACHED_HOSTS`].
    fn bound(&mut self) {
        if self.hosts.len() > MAX_CACHED_HOSTS {
            *self = HostCache::default();
        }
    }
}

/// No key yet in this block.
const NONE: u32 = u32::MAX;

/// One string column of a block filled from a [`HostCache`]'s names: the
/// block's key of each name id met, and the distinct strings in order of
/// first sight (the same dictionary as a [`Dict`] would give).
#[derive(Default)]
struct NameColumn {
    /// By name id, its key in this block (or [`NONE`]).
    keys: Vec<u32>,
    values: MutableBinaryViewArray<str>,
}

impl NameColumn {
    /// The block's key of name `id` (whose string is `names[id]`).
    fn key(&mut self, id: u32, names: &[Box<str>]) -> u32 {
        let i = id as usize;
        if i >= self.keys.len() {
            self.keys.resize(names.len().max(i + 1), NONE);
        }
        if self.keys[i] == NONE {
            self.keys[i] =
                u32::try_from(self.values.len()).expect("a 4 MiB block has fewer strings");
            self.values.push_value(&*names[i]);
        }
        self.keys[i]
    }

    fn freeze(self) -> Utf8ViewArray {
        self.values.freeze()
    }
}

/// Bits of the sketch a block's distinct URLs are counted with
/// ([`BlockColumns::distinct_urls`]): 2^18 (32 KiB), several times the URLs
/// a 4 MiB block holds, so the count is within about 1 %.
const URL_SKETCH_BITS: usize = 1 << 18;

/// The seed of the URL sketch's hash: fixed, so a block is encoded the same
/// way on every run.
const URL_SKETCH_SEED: u64 = 0x6e65_7475_7361_6765;

/// A block's URLs are written plain when more than `PLAIN_URLS_NUM /
/// PLAIN_URLS_DEN` of its rows have a URL of their own.
const PLAIN_URLS_NUM: usize = 1;
const PLAIN_URLS_DEN: usize = 2;

/// The columns of one block being parsed.
pub struct BlockColumns<'a> {
    /// Normalised user names.
    pub users: Dict<'a>,
    /// Client addresses.
    pub clients: Dict<'a>,
    /// Methods.
    pub methods: Dict<'a>,
    /// Every row's URL (as logged, not `-` or empty), in row order: a
    /// row's `url` is its index here.
    urls: Vec<Cow<'a, str>>,
    /// The URL sketch: one bit per hash value (linear counting).
    url_sketch: Vec<u64>,
    /// Gateway actions.
    pub actions: Dict<'a>,
    /// How lines were read, when not plainly ([`crate::event::col::READING`]).
    pub readings: Dict<'a>,
    /// The thread's classified hosts, lent to this block.
    cache: HostCache,
    /// By host id in `cache`, its index in `host_keys` (or [`NONE`]).
    host_slots: Vec<u32>,
    host_keys: Vec<HostKeys>,
    hosts: NameColumn,
    domains: NameColumn,
    sites: NameColumn,
    categories: NameColumn,
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
    /// The host cache the columns were given, with this block's new hosts.
    pub cache: HostCache,
}

impl Default for BlockColumns<'_> {
    fn default() -> Self {
        BlockColumns::with_capacity(0, HostCache::default())
    }
}

impl<'a> BlockColumns<'a> {
    /// Columns for a block of at most `rows` events, classifying hosts
    /// through `cache` (given back by [`Self::finish`]).
    pub fn with_capacity(rows: usize, mut cache: HostCache) -> Self {
        cache.bound();
        BlockColumns {
            users: Dict::default(),
            clients: Dict::default(),
            methods: Dict::default(),
            urls: Vec::with_capacity(rows),
            url_sketch: vec![0; URL_SKETCH_BITS / 64],
            actions: Dict::default(),
            readings: Dict::default(),
            host_slots: vec![NONE; cache.hosts.len()],
            cache,
            host_keys: Vec::new(),
            hosts: NameColumn::default(),
            domains: NameColumn::default(),
            sites: NameColumn::default(),
            categories: NameColumn::default(),
            rows: Vec::with_capacity(rows),
        }
    }

    /// A row's URL as logged, kept and counted in the sketch: its index
    /// among the block's URLs (a row's [`Row::url`]); `None` for none (`-`
    /// or empty).
    pub fn url(&mut self, url: Cow<'a, str>) -> Option<u32> {
        if url.is_empty() || url == "-" {
            return None;
        }
        let h = foldhash::fast::FixedState::with_seed(URL_SKETCH_SEED).hash_one(url.as_bytes());
        let bit = (h as usize) & (URL_SKETCH_BITS - 1);
        self.url_sketch[bit / 64] |= 1 << (bit % 64);
        let k = u32::try_from(self.urls.len()).expect("a 4 MiB block has fewer lines");
        self.urls.push(url);
        Some(k)
    }

    /// About how many distinct URLs the block has: linear counting over
    /// the sketch (Whang, Vander-Zanden and Taylor, "A linear-time
    /// probabilistic counting algorithm", 1990): `m ln(m / zero bits)`.
    fn distinct_urls(&self) -> usize {
        let set: u32 = self.url_sketch.iter().map(|w| w.count_ones()).sum();
        let zeros = (URL_SKETCH_BITS - set as usize).max(1) as f64;
        let m = URL_SKETCH_BITS as f64;
        (m * (m / zeros).ln()).round() as usize
    }

    /// The keys of a URL as logged (as [`Self::url`]) and of its host
    /// ([`url_host`], as [`Self::host`]; `""` when it has none).
    pub fn url_and_host(
        &mut self,
        url: &'a str,
        classify: impl FnOnce(&str) -> Classification,
    ) -> (Option<u32>, u32) {
        let k = self.url(Cow::Borrowed(url));
        let host = match k {
            Some(_) => url_host(url).unwrap_or(""),
            None => "",
        };
        (k, self.host(host, classify))
    }

    /// The key of a host as logged; `classify` runs on its first sight by
    /// this thread only (while the cache holds it).
    pub fn host(&mut self, raw: &str, classify: impl FnOnce(&str) -> Classification) -> u32 {
        let id = match self.cache.ids.get(raw) {
            Some(&id) => id,
            None => {
                let c = classify(raw);
                let cached = CachedHost {
                    host: self.cache.name(&c.host),
                    domain: self.cache.name(&c.domain),
                    site: self.cache.name(&c.site),
                    category: self.cache.name(&c.category),
                    embedded: c.embedded,
                };
                let id = u32::try_from(self.cache.hosts.len()).expect("at most MAX_CACHED_HOSTS");
                self.cache.hosts.push(cached);
                self.cache.ids.insert(raw.into(), id);
                id
            }
        };
        let i = id as usize;
        if i >= self.host_slots.len() {
            self.host_slots
                .resize(self.cache.hosts.len().max(i + 1), NONE);
        }
        if self.host_slots[i] != NONE {
            return self.host_slots[i];
        }
        let c = self.cache.hosts[i];
        let names = &self.cache.names;
        let keys = HostKeys {
            host: self.hosts.key(c.host, names),
            domain: self.domains.key(c.domain, names),
            site: self.sites.key(c.site, names),
            category: self.categories.key(c.category, names),
            embedded: c.embedded,
        };
        let k = u32::try_from(self.host_keys.len()).expect("a 4 MiB block has fewer hosts");
        self.host_keys.push(keys);
        self.host_slots[i] = k;
        k
    }

    /// The rows as Arrow columns per UTC day, with dedup keys for the days
    /// `keys_for` names, and the realms kept in user names with their events.
    ///
    /// # Errors
    /// Only if the columns do not fit the schema (a bug).
    pub fn finish(self, source: &str, keys_for: impl Fn(i64) -> bool) -> anyhow::Result<Finished> {
        let distinct_urls = self.distinct_urls();
        let BlockColumns {
            users,
            clients,
            methods,
            urls,
            actions,
            readings,
            cache,
            host_keys,
            hosts,
            domains,
            sites,
            categories,
            rows,
            ..
        } = self;
        // URLs seldom repeat in this block: written plain, not as a
        // dictionary (so they are not hashed and compared on every line).
        let url_dict = (distinct_urls * PLAIN_URLS_DEN <= rows.len() * PLAIN_URLS_NUM).then(|| {
            let mut dict = Dict::with_capacity(distinct_urls + distinct_urls / 8);
            let keys: Vec<u32> = urls.iter().map(|u| dict.key(Cow::Borrowed(u))).collect();
            (keys, dict.freeze())
        });
        let dicts = Dicts {
            users: users.freeze(),
            clients: clients.freeze(),
            methods: methods.freeze(),
            urls: &urls,
            url_dict,
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
        const DAY_MS: i64 = 86_400_000;
        let day_of = |r: &Row| r.ts_ms.div_euclid(DAY_MS);
        let mut days = Vec::new();
        // Every row in the first row's day: its times compared with the
        // day's bounds (two divisions per row were 2% of an ingest's time).
        let first_day = rows.first().map(day_of);
        let one_day = first_day.is_none_or(|d| {
            let day = d * DAY_MS..(d + 1) * DAY_MS;
            rows.iter().all(|r| day.contains(&r.ts_ms))
        });
        if one_day {
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
        Ok(Finished {
            days,
            realms,
            cache,
        })
    }
}

/// A block's distinct strings, frozen.
struct Dicts<'u, 'a> {
    users: Utf8ViewArray,
    clients: Utf8ViewArray,
    methods: Utf8ViewArray,
    /// Every row's URL, by the row's `url`.
    urls: &'u [Cow<'a, str>],
    /// When the block's URLs repeat: each URL's key (by the row's `url`)
    /// and the distinct URLs.
    url_dict: Option<(Vec<u32>, Utf8ViewArray)>,
    actions: Utf8ViewArray,
    readings: Utf8ViewArray,
    hosts: Utf8ViewArray,
    domains: Utf8ViewArray,
    sites: Utf8ViewArray,
    categories: Utf8ViewArray,
    source: Utf8ViewArray,
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

/// An optional column being filled: its values (the default where none)
/// and which rows have one.
struct Optional<T> {
    values: Vec<T>,
    valid: Vec<bool>,
    nulls: usize,
}

impl<T: polars_arrow::types::NativeType + Default> Optional<T> {
    fn with_capacity(n: usize) -> Self {
        Optional {
            values: Vec::with_capacity(n),
            valid: Vec::with_capacity(n),
            nulls: 0,
        }
    }

    fn push(&mut self, v: Option<T>) {
        self.nulls += usize::from(v.is_none());
        self.valid.push(v.is_some());
        self.values.push(v.unwrap_or_default());
    }

    /// The values, and their validity: `None` when every row has a value.
    fn finish(self) -> (Vec<T>, Option<Bitmap>) {
        let valid = (self.nulls > 0).then(|| Bitmap::from_iter(self.valid));
        (self.values, valid)
    }

    /// The column as an Arrow array.
    fn array(self) -> Box<dyn Array> {
        let (values, valid) = self.finish();
        PrimitiveArray::new(T::PRIMITIVE.into(), values.into(), valid).boxed()
    }
}

impl Dicts<'_, '_> {
    /// One day's rows as columns in schema order.
    fn day(
        &self,
        day: i64,
        rows: &[&Row],
        host_keys: &[HostKeys],
        with_keys: bool,
    ) -> anyhow::Result<DayRows> {
        let schema = arrow_schema();
        let n = rows.len();
        // One pass over the rows, filling every column at once (a row is
        // read once, not once per column).
        let mut ts = Vec::with_capacity(n);
        let mut user = Vec::with_capacity(n);
        let mut client = Vec::with_capacity(n);
        let mut host = Vec::with_capacity(n);
        let mut domain = Vec::with_capacity(n);
        let mut site = Vec::with_capacity(n);
        let mut category = Vec::with_capacity(n);
        let mut embedded = Vec::with_capacity(n);
        let mut method = Vec::with_capacity(n);
        let mut status = Vec::with_capacity(n);
        let mut bytes = Vec::with_capacity(n);
        let mut elapsed = Optional::with_capacity(n);
        let mut url_keys = Optional::with_capacity(n);
        let mut denied = Vec::with_capacity(n);
        let mut bytes_out = Optional::with_capacity(n);
        let mut dst_port = Optional::with_capacity(n);
        let mut action = Optional::with_capacity(n);
        let mut line = Vec::with_capacity(n);
        let mut user_logged = Vec::with_capacity(n);
        let mut reading = Optional::with_capacity(n);
        let mut plain_urls = self
            .url_dict
            .is_none()
            .then(|| MutableBinaryViewArray::<str>::with_capacity(n));
        for r in rows {
            let h = &host_keys[r.host as usize];
            ts.push(r.ts_ms);
            user.push(r.user);
            client.push(r.client);
            host.push(h.host);
            domain.push(h.domain);
            site.push(h.site);
            category.push(h.category);
            embedded.push(h.embedded);
            method.push(r.method);
            status.push(r.status);
            bytes.push(r.bytes);
            elapsed.push(r.elapsed_ms);
            match (&mut plain_urls, &self.url_dict) {
                (Some(plain), _) => plain.push(r.url.map(|k| &*self.urls[k as usize])),
                (None, Some((keys, _))) => url_keys.push(r.url.map(|k| keys[k as usize])),
                (None, None) => unreachable!("plain when there is no dictionary"),
            }
            denied.push(r.denied);
            bytes_out.push(r.bytes_out);
            dst_port.push(r.dst_port);
            action.push(r.action);
            line.push(r.line);
            user_logged.push(r.user_logged);
            reading.push(r.reading);
        }
        let url = match (plain_urls, &self.url_dict) {
            (Some(plain), _) => {
                let plain: Utf8ViewArray = plain.freeze();
                plain.boxed()
            }
            (None, Some((_, values))) => {
                let (keys, valid) = url_keys.finish();
                dict_column(keys, valid, values)
            }
            (None, None) => unreachable!("plain when there is no dictionary"),
        };
        let ts_type = schema
            .get(col::TS)
            .expect("the schema has ts")
            .dtype()
            .clone();
        let (action, action_valid) = action.finish();
        let (reading, reading_valid) = reading.finish();
        let columns: Vec<Box<dyn Array>> = vec![
            PrimitiveArray::new(ts_type, ts.into(), None).boxed(),
            dict_column(user, None, &self.users),
            dict_column(client, None, &self.clients),
            dict_column(host, None, &self.hosts),
            dict_column(domain, None, &self.domains),
            dict_column(site, None, &self.sites),
            dict_column(category, None, &self.categories),
            BooleanArray::from_slice(embedded).boxed(),
            dict_column(method, None, &self.methods),
            PrimitiveArray::from_vec(status).boxed(),
            PrimitiveArray::from_vec(bytes).boxed(),
            elapsed.array(),
            url,
            BooleanArray::from_slice(denied).boxed(),
            bytes_out.array(),
            dst_port.array(),
            dict_column(action, action_valid, &self.actions),
            dict_column(vec![0; n], None, &self.source),
            PrimitiveArray::from_vec(line).boxed(),
            BooleanArray::from_slice(user_logged).boxed(),
            dict_column(reading, reading_valid, &self.readings),
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
                        r.url.map(|k| &*self.urls[k as usize]),
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
