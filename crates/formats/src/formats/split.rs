//! Splitting a line into fields: on runs of spaces and tabs (the hot path
//! of Squid, Common Log Format and W3C ingest), and undoing backslash escapes.

/// `raw` with backslash escapes undone: `\x` becomes `x` (so `\"` is `"`,
/// `\\` is `\` and FortiOS' `\=` is `=`).
pub fn unescape_backslashes(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits `line` on runs of ASCII spaces and tabs (a byte loop: the
/// hottest code of ingest).
pub(crate) fn fields(line: &str) -> Fields<'_> {
    Fields { line, pos: 0 }
}

/// The index of the first space or tab in `b` at or after `from`, or
/// `b.len()`: sixteen bytes at a time ([`separators_16`]: one SSE2 compare
/// on x86-64; a URL is found in three or four steps), then eight (SWAR: a
/// byte equal to the separator becomes zero after an XOR, and `(x -
/// 0x01..) & !x & 0x80..` marks zero bytes; only bytes after a true zero
/// can be marked falsely, so the lowest mark is exact), then one. Fields
/// are short (5 to 100 bytes): this beats both a byte loop and a general
/// SIMD search's set-up.
pub(crate) fn next_separator(b: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    while let Some(chunk) = b.get(i..i + 16) {
        let marks = separators_16(chunk.try_into().expect("sixteen bytes"));
        if marks != 0 {
            return i + marks.trailing_zeros() as usize;
        }
        i += 16;
    }
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let space = w ^ (LO * u64::from(b' '));
        let tab = w ^ (LO * u64::from(b'\t'));
        let marks = ((space.wrapping_sub(LO) & !space) | (tab.wrapping_sub(LO) & !tab)) & HI;
        if marks != 0 {
            return i + (marks.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < b.len() && b[i] != b' ' && b[i] != b'\t' {
        i += 1;
    }
    i
}

/// Bit `i` set when byte `i` of `b` (16 bytes) is a space or a tab: one
/// SSE2 compare (SSE2 is part of every x86-64 processor).
#[cfg(target_arch = "x86_64")]
#[inline]
fn separators_16(b: &[u8; 16]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    // SAFETY: SSE2 is always there on x86-64; the load reads the 16 bytes
    // of `b` (unaligned loads are allowed).
    unsafe {
        let v = _mm_loadu_si128(b.as_ptr().cast::<__m128i>());
        let hits = _mm_or_si128(
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b' ' as i8)),
            _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\t' as i8)),
        );
        u64::from(_mm_movemask_epi8(hits) as u16)
    }
}

/// Bit `i` set when byte `i` of `b` (16 bytes) is a space or a tab.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn separators_16(b: &[u8; 16]) -> u64 {
    b.iter().enumerate().fold(0, |m, (i, &c)| {
        m | u64::from((c == b' ') | (c == b'\t')) << i
    })
}

/// Bit `i` set when byte `i` of `b` (at most 64 bytes) is a space or a tab,
/// and for every `i` past the end of `b` (those close the last field).
#[inline]
fn separator_mask(b: &[u8]) -> u64 {
    let mut mask = if b.len() >= 64 { 0 } else { !0u64 << b.len() };
    let mut k = 0;
    while let Some(piece) = b.get(k..k + 16) {
        mask |= separators_16(piece.try_into().expect("16 bytes")) << k;
        k += 16;
    }
    for (i, &c) in b.iter().enumerate().skip(k) {
        mask |= u64::from((c == b' ') | (c == b'\t')) << i;
    }
    mask
}

/// Splits `line` like [`fields`] into `out`, 64 bytes at a time: a bit mask
/// of the separators, and fields from where it turns on and off. Returns
/// how many fields it found, at most `out.len()` (the rest are not looked
/// for). The hottest code of a Squid ingest.
pub(crate) fn split_fields<'a>(line: &'a str, out: &mut [&'a str]) -> usize {
    let b = line.as_bytes();
    let mut n = 0;
    // The start of the field under way, if any.
    let mut open: Option<usize> = None;
    // The byte before the line counts as a separator.
    let mut before_sep = true;
    let mut at = 0;
    while at < b.len() {
        let sep = separator_mask(&b[at..b.len().min(at + 64)]);
        // Bit i of `prev`: byte i - 1 is a separator.
        let prev = (sep << 1) | u64::from(before_sep);
        let mut starts = !sep & prev;
        let mut ends = sep & !prev;
        // Starts and ends alternate: take them in order.
        loop {
            if let Some(start) = open {
                if ends == 0 {
                    break;
                }
                let end = at + ends.trailing_zeros() as usize;
                ends &= ends - 1;
                // Both ends are at ASCII bytes (or the line's end): char boundaries.
                out[n] = &line[start..end];
                n += 1;
                open = None;
                if n == out.len() {
                    return n;
                }
            } else {
                if starts == 0 {
                    break;
                }
                open = Some(at + starts.trailing_zeros() as usize);
                starts &= starts - 1;
            }
        }
        before_sep = sep >> 63 == 1;
        at += 64;
    }
    // A line whose length is a multiple of 64 has no padding to close its last field.
    if let Some(start) = open
        && n < out.len()
    {
        out[n] = &line[start..];
        n += 1;
    }
    n
}

/// The fields of a line: see [`fields`].
pub(crate) struct Fields<'a> {
    line: &'a str,
    pos: usize,
}

impl<'a> Iterator for Fields<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let b = self.line.as_bytes();
        let mut i = self.pos;
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i == b.len() {
            self.pos = i;
            return None;
        }
        let start = i;
        i = next_separator(b, i);
        self.pos = i;
        // Both ends are at ASCII bytes (or the ends of the line): char boundaries.
        Some(&self.line[start..i])
    }
}

#[cfg(test)]
mod tests {
    use super::{fields, next_separator, split_fields};

    #[test]
    fn split_fields_matches_the_field_iterator() {
        // Words of every length around the 64-byte chunks, separated by
        // runs of spaces and tabs, with and without separators at the ends.
        let words = [
            "a",
            "bc",
            "1700000000.123",
            &"x".repeat(63),
            &"y".repeat(64),
            &"z".repeat(65),
            "caf\u{e9}",
        ];
        let seps = [" ", "\t", "   ", " \t "];
        for lead in ["", " ", "\t\t"] {
            for trail in ["", " ", "\t"] {
                for count in 0..12 {
                    for shift in 0..words.len() {
                        let mut line = lead.to_string();
                        for k in 0..count {
                            if k > 0 {
                                line.push_str(seps[(k + shift) % seps.len()]);
                            }
                            line.push_str(words[(k * 3 + shift) % words.len()]);
                        }
                        line.push_str(trail);
                        let want: Vec<&str> = fields(&line).collect();
                        for cap in [16, 3, 1] {
                            let mut out = [""; 16];
                            let got = split_fields(&line, &mut out[..cap]);
                            let expect = &want[..want.len().min(cap)];
                            assert_eq!(&out[..got], expect, "line {line:?}, room for {cap}");
                        }
                    }
                }
            }
        }
        let mut out = [""; 4];
        assert_eq!(split_fields("", &mut out), 0);
        assert_eq!(split_fields(" \t ", &mut out), 0);
        assert_eq!(
            split_fields("1157689312.049   5006 10.105.21.199", &mut out),
            3
        );
        assert_eq!(out[..3], ["1157689312.049", "5006", "10.105.21.199"]);
    }

    #[test]
    fn separator_search_matches_a_byte_loop() {
        let slow = |b: &[u8], from: usize| {
            (from..b.len())
                .find(|&i| b[i] == b' ' || b[i] == b'\t')
                .unwrap_or(b.len())
        };
        // Every byte value at every place of a word and across words, with
        // and without a separator after it.
        for v in 0..=255u8 {
            for at in 0..20 {
                for tail in [&b""[..], b"x", b"xx ", b"\tyyyyyyyyy"] {
                    let mut line = vec![b'a'; at];
                    line.push(v);
                    line.extend_from_slice(tail);
                    for from in [0, at.min(3), at] {
                        assert_eq!(
                            next_separator(&line, from),
                            slow(&line, from),
                            "byte {v:#04x} at {at}, tail {tail:?}, from {from}"
                        );
                    }
                }
            }
        }
        assert_eq!(next_separator(b"1700000000.123    120 10.0.0.1", 0), 14);
        assert_eq!(next_separator(b"caf\xc3\xa9\xa0\x89\tx", 0), 7);
    }
}
