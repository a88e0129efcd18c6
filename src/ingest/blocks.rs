//! One block of whole lines, parsed on a parser thread: each line checked
//! (length, NUL bytes, UTF-8, blank), parsed by the file's reader, held to
//! the retention window and the clock, classified, and added to the
//! block's columns as an event, or quarantined with the reason. The
//! events come out as Parquet-ready frames, one per UTC day.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate};
use sha2::{Digest, Sha256};

use super::columns::{self, BlockColumns, HostCache, Row};
use super::timings::{Phase, Timings};
use super::{LONG_LINE_HEAD_BYTES, MAX_LINE_BYTES};
use crate::classify::Classifier;
use crate::formats::{LineParser, Parsed, RawEvent, url_host};
use crate::identity::{Realms, logged_user};
use crate::store::quarantine::QuarantinedLine;
use crate::store::rowgroup::{EncodedRows, Rows};

/// Quarantine reason for events older than the retention window.
pub const TOO_OLD: &str = "older than retention window: refused (text withheld; see raw_sha256)";

/// Quarantine reason for events dated after the system clock.
pub const FUTURE: &str = "later than now: dated more than 300 s after the system clock (a wrong proxy clock or a forged line)";

/// A line longer than [`MAX_LINE_BYTES`], not parsed: its number, length,
/// SHA-256 and first bytes, for its quarantine record. One longer than a
/// block is read through without being held (`pipeline::read_long_line`).
pub(super) struct LongLine {
    /// Its line number.
    pub line: u64,
    /// Its length in bytes (a trailing carriage return left out).
    pub bytes: u64,
    /// SHA-256 of the whole line, hex.
    pub sha256: String,
    /// Its first [`LONG_LINE_HEAD_BYTES`] bytes (or fewer).
    pub head: Vec<u8>,
}

/// The quarantine record of a line too long to parse, in a block of its
/// own ([`read_long_line`]).
pub(super) fn long_line_out(long: &LongLine) -> BlockOut {
    BlockOut {
        frames: Vec::new(),
        rejects: vec![long_line_reject(long)],
        stats: Stats {
            lines: 1,
            ..Stats::default()
        },
        realms: BTreeMap::new(),
    }
}

/// The quarantine record of a line too long to parse: its first bytes,
/// length and SHA-256, and why.
fn long_line_reject(long: &LongLine) -> QuarantinedLine {
    let binary = memchr::memchr(0, &long.head).is_some();
    let reason = format!(
        "line of {} bytes, longer than {MAX_LINE_BYTES}: not parsed{}; its first {} bytes are kept, \
         and its SHA-256 over the whole line",
        long.bytes,
        if binary {
            " (NUL bytes: binary data, as in a crash-damaged log)"
        } else {
            ""
        },
        long.head.len().min(LONG_LINE_HEAD_BYTES),
    );
    QuarantinedLine::over_long(
        long.line,
        &reason,
        &long.head,
        long.bytes,
        long.sha256.clone(),
    )
}

/// Counters of one block or file.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    /// Lines read.
    pub lines: u64,
    /// Lines stored as events.
    pub accepted: u64,
    /// Lines refused as older than the retention window (also quarantined).
    pub too_old: u64,
    /// Earliest and latest time of those lines (UTC ms).
    pub too_old_range: Option<(i64, i64)>,
    /// Lines refused as dated after the system clock (also quarantined).
    pub future: u64,
    /// Lines whose event another source already stored (also quarantined).
    pub duplicates: u64,
    /// Header and comment lines (W3C `#Fields:` ...), kept in quarantine.
    pub headers: u64,
    /// Earliest event (UTC ms).
    pub first_ts: Option<i64>,
    /// Latest event (UTC ms).
    pub last_ts: Option<i64>,
}

impl Stats {
    /// Adds another block's counters to these.
    pub(super) fn merge(&mut self, o: &Stats) {
        self.lines += o.lines;
        self.accepted += o.accepted;
        self.too_old += o.too_old;
        self.too_old_range = match (self.too_old_range, o.too_old_range) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (x, None) | (None, x) => x,
        };
        self.future += o.future;
        self.duplicates += o.duplicates;
        self.headers += o.headers;
        self.first_ts = min_opt(self.first_ts, o.first_ts);
        self.last_ts = max_opt(self.last_ts, o.last_ts);
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) | (None, x) => x,
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    a.max(b)
}

/// One UTC day's events of a block.
pub struct DayFrame {
    /// The UTC day.
    pub day: NaiveDate,
    /// Its events as the store's columns, in line order.
    pub rows: Rows,
    /// Each row's [`crate::event::dedup_key`], when the store already holds events
    /// of that day (so duplicates must be looked for); `None` otherwise.
    pub keys: Option<Vec<u128>>,
    /// The rows encoded as a Parquet row group, when there are no
    /// duplicates to look for (otherwise the writer encodes what it keeps).
    pub encoded: Option<EncodedRows>,
}

/// One parsed block: events as Parquet-ready frames per UTC day, rejected lines.
pub struct BlockOut {
    /// Events grouped by UTC day.
    pub frames: Vec<DayFrame>,
    /// QuarantinedLine lines, in line order.
    pub rejects: Vec<QuarantinedLine>,
    /// Counters.
    pub stats: Stats,
    /// Realms kept in user names (not configured as local), with event counts.
    pub realms: BTreeMap<String, u64>,
}

/// What every block of one file is parsed with.
pub struct BlockContext<'a> {
    /// Host classification.
    pub classifier: &'a Classifier,
    /// Source id written into each event.
    pub source: &'a str,
    /// Events before this (UTC ms) are refused as older than the retention window.
    pub cutoff_ms: Option<i64>,
    /// Events after this (UTC ms) are refused as later than now.
    pub latest_ms: Option<i64>,
    /// The organisation's own realms.
    pub realms: &'a Realms,
    /// UTC days that already hold events: their rows get dedup keys.
    pub dup_days: &'a HashSet<NaiveDate>,
    /// Where the time goes.
    pub timings: &'a Timings,
}

/// A block's (user name as logged, client address) pairs, with the keys of
/// the normalised name and of the address: a person's name and address come
/// back together line after line, so one lookup gives both, and a name is
/// normalised (`COUNCIL%5CJSmith` → `council\jsmith`) once per address.
type People<'a> =
    HashMap<(Option<&'a str>, &'a str), (u32, u32, bool), foldhash::fast::RandomState>;

/// The user and client keys of a line's name as logged (`None` when it
/// has none: the person is then `ip:<client>`) and client address, and
/// whether a name was logged.
fn person_keys<'a>(
    cols: &mut BlockColumns<'a>,
    people: &mut People<'a>,
    user: Option<&'a str>,
    client: &'a str,
    realms: &Realms,
) -> (u32, u32, bool) {
    if let Some(&keys) = people.get(&(user, client)) {
        return keys;
    }
    let name = logged_user(user, realms);
    let logged = name.is_some();
    let name = name.unwrap_or_else(|| Cow::Owned(format!("ip:{client}")));
    let keys = (
        cols.users.key(name),
        cols.clients.key(Cow::Borrowed(client)),
        logged,
    );
    people.insert((user, client), keys);
    keys
}

/// The UTC date of a day number (days since 1970-01-01).
fn day_date(day: i64) -> NaiveDate {
    DateTime::from_timestamp(day * 86_400, 0)
        .expect("timestamps are range-checked by the parser")
        .date_naive()
}

/// Parses and classifies one block of whole lines.
///
/// # Errors
/// Only Parquet encoding errors (a bug: the column types are fixed).
pub fn process_block(
    block: &[u8],
    first_line: u64,
    parser: &dyn LineParser,
    cx: &BlockContext<'_>,
) -> anyhow::Result<BlockOut> {
    let lines = memchr::memchr_iter(b'\n', block).count() + 1;
    process_block_cached(
        block,
        first_line,
        lines,
        parser,
        cx,
        &mut HostCache::default(),
    )
}

/// [`process_block`] of a block of at most `lines` lines (room is made for
/// that many events), classifying hosts through `cache`: a parser thread
/// keeps one from block to block, so a host is classified once per thread
/// rather than once per block.
///
/// # Errors
/// Only Parquet encoding errors (a bug: the column types are fixed); the
/// cache is then left empty.
pub fn process_block_cached(
    block: &[u8],
    first_line: u64,
    lines: usize,
    parser: &dyn LineParser,
    cx: &BlockContext<'_>,
    cache: &mut HostCache,
) -> anyhow::Result<BlockOut> {
    let started = Instant::now();
    // Room for every line as an event: the columns never grow (and copy) midway.
    let mut lines = BlockLines {
        cx,
        parser: parser.fork(),
        cols: BlockColumns::with_capacity(lines, std::mem::take(cache)),
        people: HashMap::default(),
        rejects: Vec::new(),
        stats: Stats::default(),
        classifying: Duration::ZERO,
    };
    let body = block.strip_suffix(b"\n").unwrap_or(block);
    // The common case checked once for the whole block (vectorised): no NUL
    // byte, and valid UTF-8, so that every line is (lines end at an ASCII
    // byte). Otherwise each line is checked on its own.
    let whole = BlockText {
        body,
        has_nul: memchr::memchr(0, body).is_some(),
        // SIMD: a third of the time of `std::str::from_utf8` on log text.
        text: simdutf8::basic::from_utf8(body).ok(),
    };
    // An empty block holds no line (splitting it would give one empty line).
    let ends = memchr::memchr_iter(b'\n', body).chain(std::iter::once(body.len()));
    let mut start = 0;
    let ranges = (!block.is_empty()).then(|| {
        ends.map(move |end| {
            let range = start..end;
            start = end + 1;
            range
        })
    });
    for (this, range) in (first_line..).zip(ranges.into_iter().flatten()) {
        lines.line(this, &whole, range);
    }
    let (out, kept) = lines.finish(started)?;
    *cache = kept;
    Ok(out)
}

/// A block's bytes (its last line break left out), and what was found of
/// all of them at once.
struct BlockText<'a> {
    body: &'a [u8],
    /// Some line holds a NUL byte.
    has_nul: bool,
    /// The whole body, when it is valid UTF-8.
    text: Option<&'a str>,
}

/// One block's lines as they are read: the columns of its events, the
/// lines it quarantined, its counters.
struct BlockLines<'a, 'c> {
    cx: &'c BlockContext<'c>,
    parser: Box<dyn LineParser>,
    cols: BlockColumns<'a>,
    people: People<'a>,
    rejects: Vec<QuarantinedLine>,
    stats: Stats,
    /// Time spent classifying hosts.
    classifying: Duration,
}

impl<'a> BlockLines<'a, '_> {
    /// One line (`range` of the block's body, numbered `this`): checked,
    /// parsed, held to the window, and added as an event or quarantined.
    fn line(&mut self, this: u64, whole: &BlockText<'a>, range: Range<usize>) {
        let raw = &whole.body[range.clone()];
        let cr = usize::from(raw.last() == Some(&b'\r'));
        let line_bytes = &raw[..raw.len() - cr];
        self.stats.lines += 1;
        let text = whole.text.map(|t| &t[range.start..range.end - cr]);
        let Some(line) = self.checked_text(this, line_bytes, whole.has_nul, text) else {
            return;
        };
        // The event is used where the reader left it, not moved out (an
        // event is some 170 bytes: two copies of it per line were 2% of a
        // Squid ingest's time).
        let mut parsed = self.parser.parse(line, this);
        let e = match &mut parsed {
            Ok(Parsed::Event(e)) => e,
            Ok(Parsed::Skip(what)) => {
                self.rejects
                    .push(QuarantinedLine::new(this, what, line_bytes));
                self.stats.headers += 1;
                return;
            }
            Err(reason) => {
                self.rejects
                    .push(QuarantinedLine::new(this, reason, line_bytes));
                return;
            }
        };
        if self.cx.cutoff_ms.is_some_and(|c| e.ts_ms < c) {
            self.rejects
                .push(QuarantinedLine::withheld(this, TOO_OLD, line_bytes));
            self.stats.too_old += 1;
            self.stats.too_old_range = Some(match self.stats.too_old_range {
                Some((a, b)) => (a.min(e.ts_ms), b.max(e.ts_ms)),
                None => (e.ts_ms, e.ts_ms),
            });
            return;
        }
        if self.cx.latest_ms.is_some_and(|l| e.ts_ms > l) {
            self.rejects
                .push(QuarantinedLine::new(this, FUTURE, line_bytes));
            self.stats.future += 1;
            return;
        }
        // How the line was read, when not plainly (rare: owned).
        let reading = self
            .parser
            .reading()
            .map(|r| self.cols.readings.key(Cow::Owned(r.to_owned())));
        self.add_event(this, e, reading);
    }

    /// The line's text, or `None` when it is quarantined unparsed: too
    /// long, holding a NUL byte, not UTF-8, or blank. `text` is the line's
    /// text when the whole block is known to be UTF-8.
    fn checked_text(
        &mut self,
        this: u64,
        line_bytes: &'a [u8],
        has_nul: bool,
        text: Option<&'a str>,
    ) -> Option<&'a str> {
        if line_bytes.len() > MAX_LINE_BYTES {
            self.rejects.push(long_line_reject(&LongLine {
                line: this,
                bytes: line_bytes.len() as u64,
                sha256: hex::encode(Sha256::digest(line_bytes)),
                head: line_bytes[..LONG_LINE_HEAD_BYTES].to_vec(),
            }));
            return None;
        }
        if has_nul && memchr::memchr(0, line_bytes).is_some() {
            self.rejects.push(QuarantinedLine::new(
                this,
                "NUL byte in the line: binary data, not log text",
                line_bytes,
            ));
            return None;
        }
        let line = match text {
            Some(t) => t,
            None => match std::str::from_utf8(line_bytes) {
                Ok(l) => l,
                Err(_) => {
                    self.rejects.push(QuarantinedLine::new(
                        this,
                        "not valid UTF-8 text",
                        line_bytes,
                    ));
                    return None;
                }
            },
        };
        if line.trim().is_empty() {
            self.rejects
                .push(QuarantinedLine::new(this, "blank line", line_bytes));
            return None;
        }
        Some(line)
    }

    /// Adds an accepted event: its host classified, its person keyed. Its
    /// strings are taken out of it.
    #[inline]
    fn add_event(&mut self, this: u64, e: &mut RawEvent<'a>, reading: Option<u32>) {
        let cx = self.cx;
        let classifying = &mut self.classifying;
        let classify = |h: &str| {
            let t = Instant::now();
            let c = cx.classifier.classify(h);
            *classifying += t.elapsed();
            c
        };
        let cols = &mut self.cols;
        let (url, host) = match (e.host.take(), std::mem::take(&mut e.url)) {
            // The host is the URL's: once per distinct URL of the block.
            (None, Cow::Borrowed(u)) => cols.url_and_host(u, classify),
            (host, url) => {
                let host = match &host {
                    Some(h) => cols.host(h, classify),
                    None => cols.host(url_host(&url).unwrap_or(""), classify),
                };
                (cols.url(url), host)
            }
        };
        let (user, client, user_logged) = match e.user.take() {
            // The common case: the name as logged, borrowed from the line.
            Some(Cow::Borrowed(u)) => {
                person_keys(cols, &mut self.people, Some(u), e.client_ip, cx.realms)
            }
            None => person_keys(cols, &mut self.people, None, e.client_ip, cx.realms),
            // A name the reader had to unescape: normalised on every line.
            Some(Cow::Owned(u)) => {
                let name = logged_user(Some(&u), cx.realms).map(Cow::into_owned);
                let logged = name.is_some();
                let name = name.unwrap_or_else(|| format!("ip:{}", e.client_ip));
                (
                    cols.users.key(Cow::Owned(name)),
                    cols.clients.key(Cow::Borrowed(e.client_ip)),
                    logged,
                )
            }
        };
        self.stats.accepted += 1;
        self.stats.first_ts = min_opt(self.stats.first_ts, Some(e.ts_ms));
        self.stats.last_ts = max_opt(self.stats.last_ts, Some(e.ts_ms));
        let row = Row {
            ts_ms: e.ts_ms,
            user,
            user_logged,
            client,
            host,
            method: cols.methods.key(Cow::Borrowed(e.method)),
            status: e.status,
            bytes: e.bytes,
            elapsed_ms: e.elapsed_ms,
            url,
            bytes_out: e.bytes_out,
            dst_port: e.dst_port,
            action: e.action.map(|a| cols.actions.key(Cow::Borrowed(a))),
            reading,
            denied: e.denied,
            line: this,
        };
        cols.rows.push(row);
    }

    /// The block's events encoded as frames per UTC day, its quarantined
    /// lines and counters; the time since `started` goes to the timings.
    fn finish(self, started: Instant) -> anyhow::Result<(BlockOut, HostCache)> {
        let cx = self.cx;
        let encoding = Instant::now();
        let columns::Finished {
            days,
            realms,
            cache,
        } = self
            .cols
            .finish(cx.source, |day| cx.dup_days.contains(&day_date(day)))?;
        let frames = days
            .into_iter()
            .map(|d| {
                let encoded = match d.keys {
                    Some(_) => None,
                    None => Some(d.rows.encode()?),
                };
                Ok(DayFrame {
                    day: day_date(d.day),
                    rows: d.rows,
                    keys: d.keys,
                    encoded,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        let encoded = encoding.elapsed();
        cx.timings.add(Phase::Encode, encoded);
        cx.timings.add(Phase::Classify, self.classifying);
        cx.timings.add(
            Phase::Parse,
            started.elapsed().saturating_sub(encoded + self.classifying),
        );
        Ok((
            BlockOut {
                frames,
                rejects: self.rejects,
                stats: self.stats,
                realms,
            },
            cache,
        ))
    }
}
