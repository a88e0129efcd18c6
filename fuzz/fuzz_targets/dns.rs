//! DNS query logs (BIND 9 / Infoblox responses, dnsmasq, Windows DNS debug):
//! any bytes are read as `netusage dns import` reads them (lossy UTF-8),
//! never a panic; every non-blank line is a lookup's line, a query an
//! answer used, or refused, except the detail lines of a Windows packet;
//! and the resolver names every lookup at its own time.
//!
//! Input layout: the first byte `b` chooses the server's time zone,
//! `b % 3` (London, New York, Lord Howe), and the year for syslog lines
//! without one, 2020 + `b / 3 % 8`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netusage_formats::dns::{Resolver, read};

fuzz_target!(|data: &[u8]| {
    let Some((&b, bytes)) = data.split_first() else {
        return;
    };
    let tz = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
    ][b as usize % 3];
    let year = 2020 + (b as i32 / 3) % 8;
    let text = String::from_utf8_lossy(bytes);
    let p = read(&text, tz, year);

    let lines = text.lines().count() as u64;
    let non_blank = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
    // Lines that may be a Windows packet's detail lines (not records).
    let indented = text
        .lines()
        .filter(|l| !l.trim().is_empty() && l.starts_with([' ', '\t']))
        .count() as u64;
    assert!(
        p.records() <= non_blank,
        "{} records from {non_blank} non-blank lines",
        p.records()
    );
    assert!(
        p.records() + indented >= non_blank,
        "{} records, {indented} indented, {non_blank} non-blank lines: a line is lost",
        p.records()
    );
    for (line, reason) in &p.rejected {
        assert!((1..=lines).contains(line), "refused line {line} of {lines}");
        assert!(!reason.is_empty());
    }
    let mut refused: Vec<u64> = p.rejected.iter().map(|r| r.0).collect();
    refused.dedup();
    assert_eq!(
        refused.len(),
        p.rejected.len(),
        "a line is refused at most once"
    );
    for l in &p.lookups {
        assert!((1..=lines).contains(&l.line), "lookup line {} of {lines}", l.line);
        assert!(
            l.address.parse::<std::net::IpAddr>().is_ok(),
            "lookup address `{}` is an address",
            l.address
        );
        assert!(
            l.client.parse::<std::net::IpAddr>().is_ok(),
            "lookup client `{}` is an address",
            l.client
        );
        assert!(
            !refused.contains(&l.line),
            "line {} is both a lookup and refused",
            l.line
        );
    }
    let probes: Vec<(String, String, i64)> = p
        .lookups
        .iter()
        .map(|l| (l.client.clone(), l.address.clone(), l.ts_ms))
        .collect();
    let resolver = Resolver::new(p.lookups);
    assert_eq!(resolver.is_empty(), probes.is_empty());
    for (client, address, ts) in probes {
        assert!(
            resolver.name(&client, &address, ts, 0).is_some(),
            "a lookup names its address at its own time"
        );
        let _ = resolver.name(&client, &address, ts.saturating_add(3_600_000), 3_600_000);
    }
});
