//! `categories coverage`: how much of a list of hosts the bundled rules
//! place, on the `top-sites` list (tests/data/top-sites, MIT) and on lists
//! written here.

use crate::common::*;

/// The shipped `top-sites.txt` is the JSON's `rootDomain`s in rank order.
#[test]
fn top_sites_list_is_the_packages_root_domains_in_rank_order() {
    let dir = test_data().join("top-sites");
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("top-sites.json")).unwrap())
            .unwrap();
    let from_json: Vec<String> = json
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert_eq!(e["rank"], i + 1);
            e["rootDomain"].as_str().unwrap().to_string()
        })
        .collect();
    let txt = std::fs::read_to_string(dir.join("top-sites.txt")).unwrap();
    assert_eq!(txt.lines().collect::<Vec<_>>(), from_json);
    assert_eq!(from_json.len(), 500);
}

/// 497 of the 500 are placed (99.4 %, the issue asks for 95 %): the three
/// left are a Brazilian postal company, a closed Japanese portal and a
/// wallpaper site.
#[test]
fn coverage_of_top_sites_is_over_95_percent() {
    let list = test_data().join("top-sites/top-sites.txt");
    let out = ok(&[&"categories", &"coverage", &"--format", &"csv", &list]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "category,hosts,share_pct");
    assert_eq!(lines[1], "news,113,22.6");
    assert!(lines.contains(&"search,27,5.4"), "{out}");
    assert!(lines.contains(&"government,17,3.4"), "{out}");
    assert_eq!(
        lines[lines.len() - 3..],
        [
            "uncategorised,3,0.6",
            "categorised,497,99.4",
            "total,500,100.0"
        ]
    );
    let each = ok(&[
        &"categories",
        &"coverage",
        &"--each",
        &"--format",
        &"csv",
        &list,
    ]);
    let left: Vec<&str> = each
        .lines()
        .filter(|l| l.contains(",uncategorised,"))
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(left, ["correios.com.br", "naver.jp", "wallpapers.com"]);
}

/// Hosts and URLs, comments, blank lines and repeats; the rule and its
/// source per entry with `--each`; JSON as CSV.
#[test]
fn coverage_counts_every_entry_and_shows_each_rule_and_source() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("hosts.txt");
    std::fs::write(
        &list,
        "# visited on 11 June\n\
         https://www.google.com/search?q=planning\n\
         \n\
         github.com\n\
         www.facebook.com:443\n\
         www.facebook.com\n\
         intranet.council.local\n",
    )
    .unwrap();
    let out = ok(&[&"categories", &"coverage", &"--format", &"csv", &list]);
    assert_eq!(
        out,
        "category,hosts,share_pct\n\
         social_networking,2,40.0\n\
         search,1,20.0\n\
         technology,1,20.0\n\
         uncategorised,1,20.0\n\
         categorised,4,80.0\n\
         total,5,100.0\n"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        &"categories",
        &"coverage",
        &"--format",
        &"json",
        &list,
    ]))
    .unwrap();
    assert_eq!(
        json[4],
        serde_json::json!({"category": "categorised", "hosts": 4, "share_pct": 80.0})
    );
    let each = ok(&[
        &"categories",
        &"coverage",
        &"--each",
        &"--format",
        &"csv",
        &list,
    ]);
    assert_eq!(
        each,
        "line,input,host,domain,site,category,embedded,rule,source\n\
         2,https://www.google.com/search?q=planning,www.google.com,google.com,google,search,false,netusage-sites domain google.com,https://www.google.com/\n\
         4,github.com,github.com,github.com,github,technology,false,v2fly-work domain github.com,v2fly github < category-dev\n\
         5,www.facebook.com:443,www.facebook.com,facebook.com,facebook,social_networking,false,netusage domain facebook.com,\n\
         6,www.facebook.com,www.facebook.com,facebook.com,facebook,social_networking,false,netusage domain facebook.com,\n\
         7,intranet.council.local,intranet.council.local,council.local,council.local,uncategorised,false,none,\n"
    );
}

/// The user's rules count too, and win.
#[test]
fn coverage_uses_the_users_rules() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("hosts.txt");
    std::fs::write(&list, "intranet.council.local\nwww.google.com\n").unwrap();
    let rules = dir.path().join("rules.toml");
    std::fs::write(
        &rules,
        "[[rule]]\ndomain = \"council.local\"\ncategory = \"business\"\nsource = \"the council's own intranet\"\n",
    )
    .unwrap();
    let out = ok(&[
        &"categories",
        &"coverage",
        &"--categories",
        &rules,
        &"--each",
        &"--format",
        &"csv",
        &list,
    ]);
    assert_eq!(
        out.lines().nth(1).unwrap(),
        "1,intranet.council.local,intranet.council.local,council.local,council.local,business,false,user domain council.local,the council's own intranet"
    );
}

/// A line that names no host stops the command with the file, line and
/// reason; nothing is counted past it.
#[test]
fn a_line_that_is_not_a_host_is_an_error_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("hosts.txt");
    std::fs::write(&list, "www.gov.uk\n# fine\nwww.bbc.co.uk/news extra\n").unwrap();
    let out = run(&[&"categories", &"coverage", &list]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"");
    assert_eq!(
        stderr(&out),
        format!(
            "netusage: host list {}: line 3: \"www.bbc.co.uk/news extra\" is not a host or URL: it has white space inside\n",
            list.display()
        )
    );
    std::fs::write(&list, [b'a', 0xff, b'\n']).unwrap();
    let out = run(&[&"categories", &"coverage", &list]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not UTF-8 text"), "{}", stderr(&out));
}
