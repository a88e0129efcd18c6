//! Sniffs a log file's format from its first lines.

use super::Format;

/// How many non-empty lines `detect` looks at.
pub const SNIFF_LINES: usize = 20;

/// Picks the format that parses most of the first non-empty lines of `head`.
///
/// `head` is the start of the (decompressed) file; a partial last line is
/// ignored. Returns `None` when no format parses at least half of the lines
/// looked at, or when there are no lines.
pub fn detect(head: &[u8]) -> Option<Format> {
    let text = String::from_utf8_lossy(head);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if !head.ends_with(b"\n") && lines.len() > 1 {
        lines.pop();
    }
    let lines: Vec<&str> = lines
        .into_iter()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.trim().is_empty())
        .take(SNIFF_LINES)
        .collect();
    if lines.is_empty() {
        return None;
    }
    Format::ALL
        .into_iter()
        .map(|f| (f, lines.iter().filter(|l| f.parse_line(l).is_ok()).count()))
        .filter(|&(_, ok)| ok * 2 >= lines.len() && ok > 0)
        .max_by_key(|&(_, ok)| ok)
        .map(|(f, _)| f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squid_detected_other_text_not() {
        let squid = b"1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT a.com:443 bob DIRECT/1.2.3.4 -\n";
        assert_eq!(detect(squid), Some(Format::Squid));
        assert_eq!(
            detect(b"127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326\n"),
            None
        );
        assert_eq!(detect(b""), None);
    }
}
