//! Sniffs a log file's format from its first lines by scoring every reader.

use super::{FileContext, LogFormat, Parsed, registry};

/// How many non-empty lines `detect` looks at.
pub const SNIFF_LINES: usize = 20;
/// The lowest score (percent of lines a reader reads) that names a format.
pub const MIN_SCORE: u8 = 50;

/// What detection found.
pub enum Detection {
    /// The one reader with the best score (percent of the first lines it reads).
    Found(&'static dyn LogFormat, u8),
    /// No reader reads at least [`MIN_SCORE`]% of the lines: the best scores.
    Unknown(Vec<(&'static str, u8)>),
    /// Two readers read the lines equally well: their names and score.
    Tie(&'static str, &'static str, u8),
    /// There are no lines to look at.
    Empty,
}

/// Scores every reader on the first non-empty lines of `head` (the start of
/// the decompressed file; a partial last line is ignored): the percentage of
/// lines each parses as an event or a header of its own.
pub fn detect(head: &[u8], cx: &FileContext) -> Detection {
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
        return Detection::Empty;
    }
    let mut scores: Vec<(&'static dyn LogFormat, u8)> = registry()
        .into_iter()
        .filter(|f| f.detectable())
        .map(|f| {
            let mut p = super::envelope::begin(f, cx);
            let mut events = 0usize;
            let mut ok = 0usize;
            for (n, l) in lines.iter().enumerate() {
                match p.parse(l, n as u64 + 1) {
                    Ok(Parsed::Event(_)) => {
                        ok += 1;
                        events += 1;
                    }
                    Ok(Parsed::Skip(_)) => ok += 1,
                    Err(_) => {}
                }
            }
            // Headers alone do not make a log: at least one event is needed
            // unless the file holds only headers.
            let score = if events == 0 && ok < lines.len() {
                0
            } else {
                (ok * 100 / lines.len()) as u8
            };
            (f, score)
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    let (best, score) = scores[0];
    if score < MIN_SCORE {
        return Detection::Unknown(
            scores
                .iter()
                .filter(|(_, s)| *s > 0)
                .map(|(f, s)| (f.name(), *s))
                .collect(),
        );
    }
    if let Some((other, s2)) = scores.get(1)
        && *s2 == score
    {
        return Detection::Tie(best.name(), other.name(), score);
    }
    Detection::Found(best, score)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squid_detected_other_text_not() {
        let cx = FileContext::default();
        let squid = b"1157689312.049   5006 10.105.21.199 TCP_MISS/200 19763 CONNECT a.com:443 bob DIRECT/1.2.3.4 -\n";
        assert!(matches!(detect(squid, &cx), Detection::Found(f, 100) if f.name() == "squid"));
        assert!(matches!(
            detect(b"hello there\nnot a log\n", &cx),
            Detection::Unknown(_)
        ));
        assert!(matches!(detect(b"", &cx), Detection::Empty));
    }
}
