//! A plain CSV of intervals, for any source without a reader:
//! `ip,user,from,to` with a header (columns in any order), times in RFC 3339
//! (`2025-06-11T09:00:00Z` or with an offset). The interval is `[from, to)`.

use super::{IdentityReader, IdentityRecords, Observation, ReadContext, What, normalise_ip};

/// `--kind csv`.
pub struct CsvIntervals;

/// Parses an RFC 3339 time to UTC ms.
pub(crate) fn rfc3339_ms(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.timestamp_millis())
}

/// Where each of `names` is in a CSV header (header names trimmed, in any
/// case).
///
/// # Errors
/// ``the header has no `NAME` column (it needs a,b,...)``.
pub(crate) fn header_columns<const N: usize>(
    headers: &::csv::StringRecord,
    names: [&str; N],
) -> Result<[usize; N], String> {
    let mut out = [0; N];
    for (slot, name) in out.iter_mut().zip(names) {
        *slot = headers
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!(
                    "the header has no `{name}` column (it needs {})",
                    names.join(",")
                )
            })?;
    }
    Ok(out)
}

impl IdentityReader for CsvIntervals {
    fn name(&self) -> &'static str {
        "csv"
    }

    fn describe(&self) -> &'static str {
        "CSV ip,user,from,to with RFC 3339 times"
    }

    fn sniff(&self, head: &[u8]) -> bool {
        let first = head.split(|&b| b == b'\n').next().unwrap_or(&[]);
        let first = String::from_utf8_lossy(first).to_lowercase();
        let cols: Vec<&str> = first.split(',').map(str::trim).collect();
        ["ip", "user", "from", "to"]
            .iter()
            .all(|c| cols.contains(c))
    }

    fn read(&self, bytes: &[u8], _cx: &ReadContext) -> Result<IdentityRecords, String> {
        let mut r = ::csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(bytes);
        let headers = r
            .headers()
            .map_err(|e| format!("cannot read the header: {e}"))?
            .clone();
        let [ip, user, from, to] = header_columns(&headers, ["ip", "user", "from", "to"])?;
        let mut out = IdentityRecords::default();
        for rec in r.records() {
            let rec = match rec {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    out.reject(line, format!("not a CSV record: {e}"), "");
                    continue;
                }
            };
            let line = rec.position().map_or(0, |p| p.line());
            let raw = rec.iter().collect::<Vec<_>>().join(",");
            let get = |i: usize| rec.get(i).unwrap_or("").trim();
            let Some(addr) = normalise_ip(get(ip)) else {
                out.reject(line, format!("`{}` is not a client address", get(ip)), &raw);
                continue;
            };
            if get(user).is_empty() || get(user) == "-" {
                out.reject(line, "no user", &raw);
                continue;
            }
            let (Some(a), Some(b)) = (rfc3339_ms(get(from)), rfc3339_ms(get(to))) else {
                out.reject(
                    line,
                    "from and to must be RFC 3339 times such as 2025-06-11T09:00:00Z",
                    &raw,
                );
                continue;
            };
            if b <= a {
                out.reject(line, "to is not after from", &raw);
                continue;
            }
            out.observations.push(Observation {
                ts_ms: a,
                ip: addr,
                what: What::Interval {
                    user: get(user).to_string(),
                    end_ms: b,
                },
                line,
                raw,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_columns_are_found_in_any_case_and_a_missing_one_is_named() {
        let h = ::csv::StringRecord::from(vec![" User", "IP ", "to", "From"]);
        assert_eq!(
            header_columns(&h, ["ip", "user", "from", "to"]),
            Ok([1, 0, 3, 2])
        );
        assert_eq!(
            header_columns(&h, ["device", "user"]),
            Err("the header has no `device` column (it needs device,user)".to_string())
        );
    }

    #[test]
    fn rows_become_intervals_and_bad_rows_are_refused_with_their_line() {
        let text = "ip,user,from,to\n10.0.0.5,CORP\\jsmith,2025-06-11T09:00:00Z,2025-06-11T12:00:00+01:00\n\
                    10.0.0.6,akhan,2025-06-11T09:00:00Z,2025-06-11T08:00:00Z\n-,x,2025-06-11T09:00:00Z,2025-06-11T10:00:00Z\n";
        let cx = ReadContext { tz: chrono_tz::UTC };
        let p = CsvIntervals.read(text.as_bytes(), &cx).unwrap();
        assert_eq!(p.records(), 3);
        assert_eq!(p.observations[0].ip, "10.0.0.5");
        assert_eq!(
            p.observations[0].ts_ms,
            rfc3339_ms("2025-06-11T09:00:00Z").unwrap()
        );
        assert_eq!(
            p.observations[0].what,
            What::Interval {
                user: "CORP\\jsmith".into(),
                end_ms: rfc3339_ms("2025-06-11T11:00:00Z").unwrap()
            }
        );
        let why: Vec<(u64, &str)> = p
            .rejected
            .iter()
            .map(|r| (r.line, r.reason.as_str()))
            .collect();
        assert_eq!(
            why,
            [
                (3, "to is not after from"),
                (4, "`-` is not a client address")
            ]
        );
    }
}
