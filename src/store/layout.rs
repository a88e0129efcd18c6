//! Where a store's day files are, and what their names say:
//! `events/date=YYYY-MM-DD/<source>.parquet`, `<source>.p<N>.parquet` (part
//! N of a day the log came back to after its file was finished), and
//! `.<source>.parquet.tmp` while one is written. Every command that lists
//! day files (scans, purge, the writer's clean-up) lists them here.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::fsutil::list_dir;

/// The file name of part `part` (1-based) of a source's day:
/// `<source>.parquet`, then `<source>.p2.parquet`, ...
pub fn part_file_name(source: &str, part: u32) -> String {
    if part <= 1 {
        format!("{source}.parquet")
    } else {
        format!("{source}.p{part}.parquet")
    }
}

/// The source a partition file belongs to, from its name
/// (`<source>.parquet` or `<source>.p<N>.parquet`); `None` for other files.
pub fn source_of_file(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".parquet")?;
    if stem.starts_with('.') {
        return None;
    }
    Some(match stem.rsplit_once(".p") {
        Some((source, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => source,
        _ => stem,
    })
}

/// One file in a day folder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayFile {
    /// The folder's UTC day.
    pub day: NaiveDate,
    /// The file's path.
    pub path: PathBuf,
}

impl DayFile {
    /// The file's name ("" when it is not UTF-8: no day file's is).
    pub fn name(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }

    /// The source of a partition file ([`source_of_file`]); `None` for a
    /// temporary or foreign file.
    pub fn source(&self) -> Option<&str> {
        source_of_file(self.name())
    }
}

/// Every file in every day folder under `events_dir` (`date=YYYY-MM-DD`;
/// other folders are not the store's and are left out), sorted by day and
/// path. An absent `events_dir` (a store with no events yet) holds none.
///
/// # Errors
/// A folder that cannot be listed, named.
pub fn day_files(events_dir: &Path) -> anyhow::Result<Vec<DayFile>> {
    let mut files = Vec::new();
    for entry in list_dir(events_dir)? {
        let Some(day) = (entry.file_name().to_str())
            .and_then(|n| n.strip_prefix("date="))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        else {
            continue;
        };
        for f in list_dir(&entry.path())? {
            files.push(DayFile {
                day,
                path: f.path(),
            });
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn part_names_map_back_to_their_source() {
        assert_eq!(
            part_file_name("9e4186b9ee908b28", 1),
            "9e4186b9ee908b28.parquet"
        );
        assert_eq!(
            part_file_name("9e4186b9ee908b28", 3),
            "9e4186b9ee908b28.p3.parquet"
        );
        for part in 1..4 {
            let name = part_file_name("9e4186b9ee908b28", part);
            assert_eq!(source_of_file(&name), Some("9e4186b9ee908b28"));
        }
        assert_eq!(source_of_file(".9e4186b9ee908b28.parquet.tmp"), None);
        assert_eq!(source_of_file(".hidden.parquet"), None);
        assert_eq!(source_of_file("notes.txt"), None);
        assert_eq!(source_of_file("abc.p.parquet"), Some("abc.p"));
    }

    #[test]
    fn day_files_are_the_files_of_day_folders_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let events = dir.path().join("events");
        assert_eq!(day_files(&events).unwrap(), []);
        for (folder, file) in [
            ("date=2025-06-12", "b.parquet"),
            ("date=2025-06-11", "a.p2.parquet"),
            ("date=2025-06-11", ".a.parquet.tmp"),
            ("notes", "x.parquet"),
            ("date=2025-13-01", "y.parquet"),
        ] {
            fs::create_dir_all(events.join(folder)).unwrap();
            fs::write(events.join(folder).join(file), "").unwrap();
        }
        let found: Vec<(String, String, Option<String>)> = day_files(&events)
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f.day.to_string(),
                    f.name().to_string(),
                    f.source().map(String::from),
                )
            })
            .collect();
        assert_eq!(
            found,
            [
                ("2025-06-11".into(), ".a.parquet.tmp".into(), None),
                ("2025-06-11".into(), "a.p2.parquet".into(), Some("a".into())),
                ("2025-06-12".into(), "b.parquet".into(), Some("b".into())),
            ]
        );
    }
}
