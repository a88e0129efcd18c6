//! The identity sources: any bytes are read by the chosen reader as
//! observations and refused records (or refused as a whole with a message),
//! never a panic; the observations become address → user intervals, and
//! attribution finds a person at the start of every interval.
//!
//! Input layout: the first byte `b` chooses the reader, `b % 7`:
//! 0..=4 the identity registry in order (windows-events (.evtx, XML, CSV
//! export), dhcpd-leases, windows-dhcp, radius-detail, csv at the time of
//! writing), 5 `--kind auto` (the reader whose sniff accepts the head),
//! 6 the asset register (`--assets`). `b / 7 % 3` chooses the time zone of
//! local times (London, New York, Lord Howe).
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use netusage::identity::Realms;
use netusage::identity::attribute::{Attributor, Outcome};
use netusage::identity::intervals::{DEFAULT_MAX_HOLD_MS, build};
use netusage::identity::sources::assets::{AssetRegister, device_key};
use netusage::identity::sources::{self, Observation, ReadContext, What};

/// An asset register naming the devices of the real samples.
static ASSETS: LazyLock<AssetRegister> = LazyLock::new(|| {
    AssetRegister::read(
        b"device,user,from,to\n\
          64:5a:04:6a:07:a2,jsmith,2015-01-01,\n\
          Gebruiker-PC,akhan,2015-01-01,\n\
          60:a4:4c:b5:6a:dd,bob,2013-01-01,\n\
          e0:c9:7a:89:c9:2e,carol,2014-01-01,\n\
          2a:b2:2a:b2:2a:b2,dave,2017-01-01,2030-12-31\n\
          host.test.com,erin,2000-01-01,\n",
        "assets.csv",
    )
    .expect("the fixed register reads")
});

/// Builds intervals and checks what must hold of them.
fn intervals(obs: Vec<Observation>, assets: &AssetRegister) {
    let leases = obs
        .iter()
        .filter(|o| matches!(o.what, What::Lease { .. }))
        .count();
    let realms = Realms::new(&["CORP".to_string()]);
    let (ivs, refused) = build(obs, assets, DEFAULT_MAX_HOLD_MS, &realms);
    assert!(
        refused.len() <= leases,
        "only a lease can be refused by the register"
    );
    for iv in &ivs {
        assert!(iv.end_ms > iv.start_ms, "an interval is not empty");
    }
    let probes: Vec<(String, i64)> = ivs.iter().map(|iv| (iv.ip.clone(), iv.start_ms)).collect();
    let attributor = Attributor::new(ivs.into_iter().map(|iv| ("fuzz".to_string(), iv)));
    for (ip, t) in probes {
        let (outcome, until) = attributor.at_until(&ip, t);
        assert!(
            !matches!(outcome, Outcome::Unattributed),
            "an interval's address is held at its start"
        );
        assert!(until > t, "the answer holds for some time after it is asked");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&b, bytes)) = data.split_first() else {
        return;
    };
    let tz = [
        chrono_tz::Europe::London,
        chrono_tz::America::New_York,
        chrono_tz::Australia::Lord_Howe,
    ][(b as usize / 7) % 3];
    let cx = ReadContext { tz };
    let registry = sources::registry();
    let reader = match b % 7 {
        6 => {
            // The asset register, then leases of its first column's devices.
            let Ok(reg) = AssetRegister::read(bytes, "assets.csv") else {
                return;
            };
            let text = String::from_utf8_lossy(bytes);
            let devices: Vec<String> = text
                .lines()
                .skip(1)
                .take(16)
                .map(|l| l.split(',').next().unwrap_or("").to_string())
                .collect();
            let mut obs = Vec::new();
            for (i, d) in devices.iter().enumerate() {
                let _ = device_key(d);
                for t in [0, 1_262_304_000_000, 1_767_225_600_000, i64::MAX / 2] {
                    let _ = reg.user_of(std::slice::from_ref(d), t);
                }
                obs.push(Observation {
                    ts_ms: 1_767_225_600_000 + i as i64 * 60_000,
                    ip: format!("10.0.0.{}", i % 4),
                    what: What::Lease {
                        devices: vec![d.clone()],
                        end_ms: Some(1_767_225_600_000 + 3_600_000),
                    },
                    line: i as u64 + 2,
                    raw: d.clone(),
                });
            }
            intervals(obs, &reg);
            return;
        }
        5 => {
            let head = &bytes[..bytes.len().min(64 * 1024)];
            match sources::choose("auto", head) {
                Ok(r) => r,
                Err(e) => {
                    assert!(!e.is_empty());
                    return;
                }
            }
        }
        k => registry[k as usize % registry.len()],
    };
    let _ = reader.sniff(&bytes[..bytes.len().min(64 * 1024)]);
    let Ok(parsed) = reader.read(bytes, &cx) else {
        return;
    };
    for r in &parsed.rejected {
        assert!(!r.reason.is_empty(), "a refused record says why");
    }
    intervals(parsed.observations, &ASSETS);
});
