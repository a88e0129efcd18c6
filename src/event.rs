//! The normalised event: one row per request or connection, and its
//! Polars/Parquet schema (docs/STORE.md, "Events").

use polars::prelude::*;

/// Column names, in schema order.
pub mod col {
    /// Datetime(ms, UTC): when the request was logged.
    pub const TS: &str = "ts";
    /// Utf8: normalised user name, or `ip:<addr>` when the log has none
    /// (then [`USER_LOGGED`] is false).
    pub const USER: &str = "user";
    /// Utf8: client address as logged.
    pub const CLIENT_IP: &str = "client_ip";
    /// Utf8: normalised host.
    pub const HOST: &str = "host";
    /// Utf8: registrable domain (eTLD+1).
    pub const DOMAIN: &str = "domain";
    /// Utf8: the service the domain belongs to.
    pub const SITE: &str = "site";
    /// Utf8: category or `uncategorised`.
    pub const CATEGORY: &str = "category";
    /// Boolean: CDN/widget/API host of its site.
    pub const EMBEDDED: &str = "embedded";
    /// Utf8: request method.
    pub const METHOD: &str = "method";
    /// UInt16: HTTP status.
    pub const STATUS: &str = "status";
    /// UInt64: bytes sent to the client.
    pub const BYTES: &str = "bytes";
    /// UInt32 (nullable): elapsed milliseconds.
    pub const ELAPSED_MS: &str = "elapsed_ms";
    /// Utf8 (nullable): URL as logged.
    pub const URL: &str = "url";
    /// Boolean: blocked by the proxy or firewall.
    pub const DENIED: &str = "denied";
    /// UInt64 (nullable): bytes the client sent.
    pub const BYTES_OUT: &str = "bytes_out";
    /// UInt16 (nullable): destination port.
    pub const DST_PORT: &str = "dst_port";
    /// Utf8 (nullable): the gateway's action as logged.
    pub const ACTION: &str = "action";
    /// Utf8: source id, 16 hex characters: the first of SHA-256(the SHA-256
    /// of the file's first 64 KiB, `:`, its size, `:`, its first line)
    /// (`sources.jsonl` maps it to the file and its whole SHA-256).
    pub const SOURCE: &str = "source";
    /// UInt64: 1-based line number in the source file.
    pub const LINE: &str = "line";
    /// Boolean: the log wrote a user name (true), or had none and
    /// [`USER`] holds `ip:<client>` (false). Only such address-only events
    /// are ever attributed to a person through identity records: the mark
    /// is the store's own, so no log line can forge it.
    pub const USER_LOGGED: &str = "user_logged";
    /// Utf8 (nullable): how the line was read when not plainly by its
    /// format's own layout: the syslog envelope it came in (kind, host,
    /// tag, and whether the time is the line's own or the header's), or the
    /// W3C layout that read a line its `#Fields:` header did not fit. Null
    /// for a plain line (layout version 4).
    pub const READING: &str = "reading";

    // Columns enrichment adds on reading (`crate::enrich`); never stored.

    /// Utf8: how an event was attributed: `logged`,
    /// `identity:<source>:<line>`, `ambiguous` or `unattributed`.
    pub const ATTRIBUTION: &str = "attribution";
    /// Utf8: where the host came from: `logged`, or `dns` when a DNS
    /// lookup named a destination logged only as an address.
    pub const HOST_SOURCE: &str = "host_source";
    /// Utf8: the device that held the event's client address then, as the
    /// asset register writes it (a DHCP lease of a registered device); null
    /// when none is known.
    pub const DEVICE: &str = "device";
    /// Utf8: that device's type from the asset register (`computer`,
    /// `phone`, `tablet`); null when the register does not say.
    pub const DEVICE_TYPE: &str = "device_type";
}

/// The event schema, in column order.
pub fn schema() -> Schema {
    let s = |n: &str| Field::new(n.into(), DataType::String);
    Schema::from_iter([
        Field::new(
            col::TS.into(),
            DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
        ),
        s(col::USER),
        s(col::CLIENT_IP),
        s(col::HOST),
        s(col::DOMAIN),
        s(col::SITE),
        s(col::CATEGORY),
        Field::new(col::EMBEDDED.into(), DataType::Boolean),
        s(col::METHOD),
        Field::new(col::STATUS.into(), DataType::UInt16),
        Field::new(col::BYTES.into(), DataType::UInt64),
        Field::new(col::ELAPSED_MS.into(), DataType::UInt32),
        s(col::URL),
        Field::new(col::DENIED.into(), DataType::Boolean),
        Field::new(col::BYTES_OUT.into(), DataType::UInt64),
        Field::new(col::DST_PORT.into(), DataType::UInt16),
        s(col::ACTION),
        s(col::SOURCE),
        Field::new(col::LINE.into(), DataType::UInt64),
        Field::new(col::USER_LOGGED.into(), DataType::Boolean),
        s(col::READING),
    ])
}

/// Prefix of the person key of a logged name that reads like the key of an
/// address-only event ([`person_key`]).
pub const LOGGED_PREFIX: &str = "logged:";

/// The person an event belongs to before attribution, as analysis and
/// pseudonyms key it: the stored `user`, except that a logged name that
/// begins `ip:` (or `logged:`) gets [`LOGGED_PREFIX`] in front. Address-only
/// events are keyed `ip:<client>`; a log line whose user field reads
/// `ip:10.0.0.50` is then a person of its own, never grouped with the
/// address-only events of 10.0.0.50 (the mapping is one-to-one: no logged
/// name is keyed `ip:…`). The store keeps the name as written.
pub fn person_key(user: &str, logged: bool) -> std::borrow::Cow<'_, str> {
    if logged && (user.starts_with("ip:") || user.starts_with(LOGGED_PREFIX)) {
        std::borrow::Cow::Owned(format!("{LOGGED_PREFIX}{user}"))
    } else {
        std::borrow::Cow::Borrowed(user)
    }
}

/// The stored `user` behind a person key ([`person_key`]'s inverse), for
/// filters pushed into the store.
pub fn stored_user(person: &str) -> &str {
    match person.strip_prefix(LOGGED_PREFIX) {
        Some(rest) if rest.starts_with("ip:") || rest.starts_with(LOGGED_PREFIX) => rest,
        _ => person,
    }
}

/// The key that makes two events the same request: time (UTC ms), user,
/// client, method, URL, status and bytes. Two sources holding an event with
/// the same key hold the same log line (an overlapping or rotated copy);
/// ingest reports the second instead of storing it. XXH3-128 of the fields,
/// each string followed by a 0xFF byte (which UTF-8 text never contains),
/// and whether the user was logged ([`col::USER_LOGGED`]).
#[allow(clippy::too_many_arguments)]
pub fn dedup_key(
    ts_ms: i64,
    user: &str,
    user_logged: bool,
    client_ip: &str,
    method: &str,
    url: Option<&str>,
    status: u16,
    bytes: u64,
) -> u128 {
    let mut buf = Vec::with_capacity(64 + url.map_or(0, str::len));
    buf.extend_from_slice(&ts_ms.to_le_bytes());
    for s in [user, client_ip, method, url.unwrap_or("")] {
        buf.extend_from_slice(s.as_bytes());
        buf.push(0xFF);
    }
    buf.push(u8::from(url.is_some()));
    buf.push(u8::from(user_logged));
    buf.extend_from_slice(&status.to_le_bytes());
    buf.extend_from_slice(&bytes.to_le_bytes());
    xxhash_rust::xxh3::xxh3_128(&buf)
}
