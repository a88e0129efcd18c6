//! Tests over every reader of the registry.

#[test]
fn each_reader_reads_its_own_sample_line() {
    for f in crate::formats::registry() {
        let cx = crate::formats::FileContext::default();
        let mut p = f.begin(&cx);
        let mut events = 0;
        for (i, l) in f.sample().lines().enumerate() {
            match p.parse(l, i as u64 + 1) {
                Ok(crate::formats::Parsed::Event(_)) => events += 1,
                Ok(_) => {}
                Err(e) => panic!("{}: {e}", f.name()),
            }
        }
        assert_eq!(events, 1, "{}", f.name());
        if !f.detectable() {
            continue;
        }
        let head = f.sample().to_string() + "\n";
        match crate::formats::detect::detect(head.as_bytes(), &cx) {
            crate::formats::detect::Detection::Found(g, _) => assert_eq!(g.name(), f.name()),
            // A Cisco WSA native line is a Squid line with more fields after
            // it: alone, the two readers tie (the file's other lines decide,
            // or --log-format cisco-wsa); squid is not slowed to tell them apart.
            crate::formats::detect::Detection::Tie("squid", "cisco-wsa", 100)
                if f.name() == "cisco-wsa" => {}
            _ => panic!("{} sample not detected", f.name()),
        }
    }
}

/// The line cut at byte `at` (moved back to a character boundary) with
/// `junk` put in there.
fn splice(line: &str, at: usize, junk: &str) -> String {
    let mut at = at.min(line.len());
    while !line.is_char_boundary(at) {
        at -= 1;
    }
    format!("{}{junk}{}", &line[..at], &line[at..])
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(512))]

    /// Every reader, on any text and on its own sample lines cut and
    /// spliced with any text: no panic; a forked parser (what each block of
    /// a parallel ingest gets) reads a line exactly as the parser it was
    /// forked from; an event's time lies in 2000–2100 (UTC), as the readers
    /// promise; and the pre-scan of headers (`observe`) leaves a parser that
    /// reads the next line as one that parsed the header did.
    #[test]
    fn every_reader_survives_any_line_and_forks_alike(
        text in "\\PC{0,200}",
        at in 0usize..400,
        junk in "[ \t,;=\"\\[\\]{}:/\\\\a-z0-9\u{0}\u{7f}\u{e9}\u{200b}-]{0,12}",
    ) {
        for f in crate::formats::registry() {
            let cx = crate::formats::FileContext::default();
            let mut p = f.begin(&cx);
            let mut lines: Vec<String> = vec![text.clone()];
            for s in f.sample().lines() {
                lines.push(splice(s, at, &junk));
                lines.push(s.to_string());
            }
            for (i, line) in lines.iter().enumerate() {
                let number = i as u64 + 1;
                let mut forked = p.fork();
                let mut observer = p.fork();
                let mine = p.parse(line, number);
                let theirs = forked.parse(line, number);
                proptest::prop_assert_eq!(&mine, &theirs, "{}: {:?}", f.name(), line);
                if let Ok(crate::formats::Parsed::Event(e)) = &mine {
                    proptest::prop_assert!(
                        (946_684_800_000..4_102_444_800_000).contains(&e.ts_ms),
                        "{}: {} from {:?}", f.name(), e.ts_ms, line
                    );
                    let _ = e.host_name();
                }
                let _ = p.leading_time(line);
                if observer.has_directives() && line.starts_with('#') {
                    observer.observe(line, number);
                    let next = f.sample().lines().last().unwrap_or("");
                    proptest::prop_assert_eq!(
                        p.fork().parse(next, number + 1),
                        observer.parse(next, number + 1),
                        "{}: after {:?}", f.name(), line
                    );
                }
            }
        }
    }
}
