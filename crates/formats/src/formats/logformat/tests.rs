//! Tests of the logformat reader on real sample lines (tests/data, sources and
//! licences in tests/data/README.md) and on hand-made ones.

use super::*;

#[test]
fn templates_compile_to_literals_and_codes() {
    let c = Compiled::new(
        "logformat custom %ts.%03tu %6tr %>a %{X-Forwarded-For}>h \"%rm %ru\" %[un %03>Hs",
    );
    let codes: Vec<&str> = c
        .pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Code(c) => Some(c.as_str()),
            Piece::Lit(_) => None,
        })
        .collect();
    assert_eq!(
        codes,
        vec!["ts", "tu", "tr", ">a", ">h", "rm", "ru", "un", ">Hs"]
    );
}

fn read(spec: &str, line: &str) -> Result<i64, String> {
    let mut p: Box<dyn LineParser> = Box::new(Compiled::new(spec));
    match p.parse(line, 1) {
        Ok(Parsed::Event(e)) => Ok(e.ts_ms),
        Ok(Parsed::Skip(s)) => Err(s.to_string()),
        Err(r) => Err(r.to_string()),
    }
}

/// Values from the log that used to overflow `secs * 1000 + ms` (a
/// panic in a debug build, a wrapped time in release), milliseconds out
/// of 0-999, and a time read by a fallback outside 2000-2100: refused
/// with a reason, never a panic or a wrong time.
#[test]
fn times_out_of_range_are_refused_with_a_reason() {
    let spec = "logformat t %ts.%03tu %>a %rm %ru";
    assert_eq!(
        read(spec, "1762766102.250 10.0.0.5 GET http://a.example/"),
        Ok(1_762_766_102_250)
    );
    assert_eq!(
        read(
            spec,
            "9223372036854775807.999 10.0.0.5 GET http://a.example/"
        ),
        Err("%ts is not between 2000 and 2100".to_string())
    );
    assert_eq!(
        read(spec, "1762766102.5000 10.0.0.5 GET http://a.example/"),
        Err("%tu `5000` is not milliseconds 0-999".to_string())
    );
    let tl = "logformat t [%tl] %>a %rm %ru";
    assert_eq!(
        read(
            tl,
            "[10/Nov/2025:09:15:02 +0000] 10.0.0.5 GET http://a.example/"
        ),
        Ok(1_762_766_102_000)
    );
    let err = read(
        tl,
        "[10/Nov/1850:09:15:02 +0000] 10.0.0.5 GET http://a.example/",
    )
    .unwrap_err();
    assert!(err.contains("between 2000 and 2100"), "{err}");
}
