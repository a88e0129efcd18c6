//! Any Squid `logformat` layout, from the `logformat` line of `squid.conf`
//! (`--squid-logformat '...'`).
//!
//! Source: squid.conf documentation, `logformat` (format codes `%ts`, `%tu`,
//! `%tr`, `%>a`, `%un`, `%ul`, `%ue`, `%[un`, `%Ss`, `%>Hs`, `%<st`, `%>st`,
//! `%rm`, `%ru`, `%Sh`, `%<a`, `%mt`, `%tl`, `%tg`, `%{Header}>h`, ...; a
//! code may carry a width `%6tr`, zero padding `%03tu`, `-` for left
//! alignment, `[` or `#` or `'` for quoting styles, and an argument in
//! braces). The template is compiled once per file into literal text and
//! codes; a line is read by matching the literals in order (a space matches
//! a run of spaces, since widths pad) and taking the text between them as
//! each code's value. Codes netusage does not use are read and left out.
//! `-` is no value. The fast `squid` and `common` readers handle Squid's own
//! named formats; this reader is for custom layouts.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDateTime};

use super::{FileContext, LineParser, LogFormat, Parsed, RawEvent, Reason, url_host};

/// The reader for custom Squid layouts.
pub struct SquidLogformat;

impl LogFormat for SquidLogformat {
    fn name(&self) -> &'static str {
        "squid-logformat"
    }
    fn description(&self) -> &'static str {
        "Any Squid layout, from its squid.conf `logformat` line given with --squid-logformat (squid.conf: logformat)"
    }
    fn sample(&self) -> &'static str {
        "1762765502.123 120 10.0.0.5 TCP_TUNNEL/200 5120 CONNECT www.facebook.com:443 jsmith HIER_DIRECT/157.240.221.35 -"
    }
    fn detectable(&self) -> bool {
        false
    }
    fn begin(&self, cx: &FileContext) -> Box<dyn LineParser> {
        let spec = cx
            .squid_logformat
            .clone()
            .unwrap_or_else(|| NATIVE.to_string());
        Box::new(Compiled::new(&spec))
    }
}

/// Squid's native `squid` format, the default template.
pub const NATIVE: &str = "%ts.%03tu %6tr %>a %Ss/%03>Hs %<st %rm %ru %[un %Sh/%<a %mt";

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Lit(String),
    Code(String),
}

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Compiled {
    pieces: Vec<Piece>,
}

impl Compiled {
    /// Compiles a `logformat` line (with or without `logformat NAME` first).
    pub fn new(spec: &str) -> Compiled {
        let spec = spec.trim();
        let spec = match spec.strip_prefix("logformat ") {
            Some(rest) => rest
                .trim_start()
                .split_once(' ')
                .map_or("", |(_, t)| t.trim_start()),
            None => spec,
        };
        let mut pieces = Vec::new();
        let mut lit = String::new();
        let mut chars = spec.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '%' {
                lit.push(c);
                continue;
            }
            if chars.peek() == Some(&'%') {
                chars.next();
                lit.push('%');
                continue;
            }
            if !lit.is_empty() {
                pieces.push(Piece::Lit(std::mem::take(&mut lit)));
            }
            // Modifiers: quoting, alignment, width, then an optional {argument}.
            while matches!(
                chars.peek(),
                Some('"' | '[' | '#' | '\'' | '/' | '-' | '0'..='9' | '.')
            ) {
                chars.next();
            }
            let mut code = String::new();
            if chars.peek() == Some(&'{') {
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
            }
            // The code: `>` or `<` direction marks, then letters.
            while let Some(&c) = chars.peek() {
                if c == '>' || c == '<' {
                    code.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            while let Some(&c) = chars.peek() {
                if c.is_ascii_alphabetic() || c == ':' {
                    code.push(c);
                    chars.next();
                } else {
                    break;
                }
            }
            pieces.push(Piece::Code(code));
        }
        if !lit.is_empty() {
            pieces.push(Piece::Lit(lit));
        }
        Compiled { pieces }
    }

    /// The value of each code in `line`, in template order.
    fn values<'a>(&self, line: &'a str) -> Result<Vec<(&str, &'a str)>, Reason> {
        let mut out = Vec::new();
        let mut i = 0;
        for (k, p) in self.pieces.iter().enumerate() {
            match p {
                Piece::Lit(l) => {
                    for ch in l.chars() {
                        if ch == ' ' {
                            let n = line[i..].bytes().take_while(|&b| b == b' ').count();
                            if n == 0 {
                                return Err(Cow::Owned(format!(
                                    "a space of the logformat is missing at column {}",
                                    i + 1
                                )));
                            }
                            i += n;
                        } else if line[i..].starts_with(ch) {
                            i += ch.len_utf8();
                        } else {
                            return Err(Cow::Owned(format!(
                                "`{ch}` of the logformat expected at column {}",
                                i + 1
                            )));
                        }
                    }
                }
                Piece::Code(c) => {
                    let end = match self.pieces.get(k + 1) {
                        Some(Piece::Lit(next)) => {
                            let stop = next.chars().next().unwrap_or(' ');
                            line[i..].find(stop).map_or(line.len(), |e| i + e)
                        }
                        _ => line.len(),
                    };
                    out.push((c.as_str(), &line[i..end]));
                    i = end;
                }
            }
        }
        if line[i..].trim().is_empty() {
            Ok(out)
        } else {
            Err(Cow::Owned(format!(
                "text after the last field of the logformat, at column {}",
                i + 1
            )))
        }
    }
}

impl LineParser for Compiled {
    fn parse<'a>(&mut self, line: &'a str, _number: u64) -> Result<Parsed<'a>, Reason> {
        let v = self.values(line)?;
        let get = |code: &str| {
            v.iter()
                .find(|(c, _)| *c == code)
                .map(|(_, x)| *x)
                .filter(|x| !x.is_empty() && *x != "-")
        };
        let ts_ms = if let Some(s) = get("ts") {
            let secs: i64 = s
                .parse()
                .map_err(|_| Cow::Owned(format!("%ts `{s}` is not seconds")))?;
            // %tu is the milliseconds part: 0 to 999, or the line is refused.
            let ms: i64 = match get("tu") {
                None => 0,
                Some(u) => u
                    .parse()
                    .ok()
                    .filter(|m| (0..1000).contains(m))
                    .ok_or_else(|| Cow::Owned(format!("%tu `{u}` is not milliseconds 0-999")))?,
            };
            secs.checked_mul(1000)
                .and_then(|t| t.checked_add(ms))
                .and_then(super::time::plausible)
                .ok_or("%ts is not between 2000 and 2100")?
        } else if let Some(t) = get("tl").or(get("tg")) {
            super::time::clf_time(t)
                .or_else(|| {
                    DateTime::parse_from_str(t, "%d/%b/%Y:%H:%M:%S %z")
                        .ok()
                        .map(|d| d.timestamp_millis())
                })
                .or_else(|| {
                    NaiveDateTime::parse_from_str(t, "%d/%b/%Y:%H:%M:%S")
                        .ok()
                        .map(|d| d.and_utc().timestamp_millis())
                })
                // Every way of reading the time passes the same check.
                .and_then(super::time::plausible)
                .ok_or_else(|| {
                    Cow::Owned(format!(
                        "time `{t}` is not dd/Mon/yyyy:HH:MM:SS zone between 2000 and 2100"
                    ))
                })?
        } else {
            return Err("the logformat has no time code (%ts, %tl or %tg)".into());
        };
        let client = get(">a").ok_or("no client address (%>a)")?;
        let url = get("ru").or(get(">ru")).unwrap_or("");
        let method = get("rm").unwrap_or("");
        let code = get("Ss").unwrap_or("");
        let user = ["un", "ul", "ue", "ui", "us"].iter().find_map(|c| get(c));
        let num = |c: &str| get(c).and_then(|x| x.parse::<u64>().ok());
        let host = url_host(url).unwrap_or("");
        Ok(Parsed::Event(RawEvent {
            ts_ms,
            elapsed_ms: num("tr").map(|t| t.min(u64::from(u32::MAX)) as u32),
            client_ip: client,
            user: user.map(Cow::Borrowed),
            method,
            status: num(">Hs").and_then(|s| u16::try_from(s).ok()).unwrap_or(0),
            bytes: num("<st").unwrap_or(0),
            bytes_out: num(">st"),
            url: Cow::Borrowed(url),
            host: Some(Cow::Borrowed(host)),
            dst_port: None,
            action: (!code.is_empty()).then_some(code),
            denied: code.contains("DENIED"),
        }))
    }
    fn fork(&self) -> Box<dyn LineParser> {
        Box::new(self.clone())
    }
    fn leading_time(&self, line: &str) -> Option<i64> {
        super::time::leading_timestamp_ms(line)
    }
}

#[cfg(test)]
mod tests;
