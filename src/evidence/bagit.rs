//! BagIt bags (RFC 8493, version 1.0): writing a bag from payload files and
//! checking one.
//!
//! Layout: `bagit.txt`, `bag-info.txt` (with `Bagging-Date` and
//! `Payload-Oxum` = payload octets `.` payload file count),
//! `manifest-sha256.txt` (one `<sha256>  data/<path>` line per payload file),
//! `tagmanifest-sha256.txt` (the same for the three tag files), `data/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// SHA-256 (lower-case hex) and length in bytes of a regular file, read as
/// a stream in fixed-size pieces: a payload file of any size costs one
/// buffer of memory, not its size (a pack's `events.csv` may be large, and a
/// file put in its place larger still).
///
/// # Errors
/// Anything but a regular file ([`crate::fsutil::open_regular`]); read
/// errors.
fn hash_file(path: &Path) -> std::io::Result<(String, u64)> {
    let (mut file, _) = crate::fsutil::open_regular(path)?;
    let mut hasher = Sha256::new();
    let len = std::io::copy(&mut file, &mut hasher)?;
    Ok((hex::encode(hasher.finalize()), len))
}

/// Writes a complete bag into `dir` (which must be empty or absent).
/// `payload` maps paths under `data/` (forward slashes) to contents;
/// `info` gives extra `bag-info.txt` lines (label, value), after
/// `Bagging-Date` and `Payload-Oxum`.
///
/// # Errors
/// I/O errors, naming the file.
pub fn write_bag(
    dir: &Path,
    payload: &BTreeMap<String, Vec<u8>>,
    bagging_date: &str,
    info: &[(&str, String)],
) -> anyhow::Result<()> {
    crate::fsutil::create_dir_all(&dir.join("data"))?;
    let mut manifest = String::new();
    let mut octets = 0u64;
    for (name, bytes) in payload {
        let path = dir.join("data").join(name);
        if let Some(parent) = path.parent() {
            crate::fsutil::create_dir_all(parent)?;
        }
        crate::fsutil::write(&path, bytes)?;
        manifest.push_str(&format!("{}  data/{name}\n", sha256(bytes)));
        octets += bytes.len() as u64;
    }
    let bagit = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n".to_string();
    let mut bag_info = format!(
        "Bagging-Date: {bagging_date}\nPayload-Oxum: {octets}.{}\n",
        payload.len()
    );
    for (label, value) in info {
        // RFC 8493 §2.2.2: a value runs to the end of the line; continuation lines start with whitespace.
        bag_info.push_str(&format!("{label}: {}\n", value.replace('\n', "\n  ")));
    }
    let mut tags = String::new();
    for (name, text) in [
        ("bagit.txt", &bagit),
        ("bag-info.txt", &bag_info),
        ("manifest-sha256.txt", &manifest),
    ] {
        crate::fsutil::write(&dir.join(name), text.as_bytes())?;
        tags.push_str(&format!("{}  {name}\n", sha256(text.as_bytes())));
    }
    crate::fsutil::write(&dir.join("tagmanifest-sha256.txt"), tags.as_bytes())?;
    Ok(())
}

/// Every problem found in a bag, by file.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Files listed in a manifest but absent.
    pub missing: Vec<String>,
    /// Files present but in no manifest.
    pub extra: Vec<String>,
    /// Files whose SHA-256 differs from their manifest line.
    pub altered: Vec<String>,
    /// Symbolic links, devices, pipes or sockets: a pack holds regular files only.
    pub special: Vec<String>,
    /// Other problems (bagit.txt, manifest syntax, Payload-Oxum).
    pub other: Vec<String>,
    /// Payload files that checked out.
    pub ok_files: usize,
}

impl Report {
    /// True when the bag is complete and valid.
    pub fn is_valid(&self) -> bool {
        self.missing.is_empty()
            && self.special.is_empty()
            && self.extra.is_empty()
            && self.altered.is_empty()
            && self.other.is_empty()
    }
}

fn read_manifest(path: &Path, r: &mut Report) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_string();
    if !crate::fsutil::is_regular_file(path) {
        if !path.exists() && fs::symlink_metadata(path).is_err() {
            r.missing.push(name);
        }
        return out;
    }
    let Ok(text) = fs::read_to_string(path) else {
        r.other.push(format!("{name} cannot be read as UTF-8 text"));
        return out;
    };
    for (i, line) in text.lines().enumerate() {
        match line.split_once(char::is_whitespace) {
            Some((hash, file))
                if hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                out.insert(file.trim_start().to_string(), hash.to_ascii_lowercase());
            }
            _ => r
                .other
                .push(format!("{name} line {}: not `<sha256> <path>`", i + 1)),
        }
    }
    out
}

/// Lists every file under `dir` (relative, `/`-separated), never following
/// a symbolic link; symbolic links, special files, empty folders and
/// folders that cannot be listed go to `special` (a pack never holds an
/// empty folder, and a folder that cannot be listed may hide files).
fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>, special: &mut Vec<String>) {
    let shown = |p: &Path| {
        let rel: PathBuf = p.strip_prefix(root).unwrap_or(p).to_path_buf();
        rel.to_string_lossy().replace('\\', "/")
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if dir != root => {
            special.push(format!(
                "{}/ cannot be listed ({e}): it may hide files",
                shown(dir)
            ));
            return;
        }
        Err(_) => return,
    };
    let mut empty = true;
    for e in entries.flatten() {
        empty = false;
        let p = e.path();
        let rel = shown(&p);
        match fs::symlink_metadata(&p).map(|m| m.file_type()) {
            Ok(t) if t.is_dir() => walk(&p, root, out, special),
            Ok(t) if t.is_file() => {
                out.insert(rel);
            }
            Ok(t) if t.is_symlink() => special.push(format!(
                "{rel} is a symbolic link: a pack holds regular files only"
            )),
            _ => special.push(format!(
                "{rel} is not a regular file (device, pipe or socket): a pack holds regular files only"
            )),
        }
    }
    if empty && dir != root {
        special.push(format!(
            "{}/ is an empty folder: a pack holds none",
            shown(dir)
        ));
    }
}

/// Checks a bag: `bagit.txt`, every payload and tag file against its
/// manifest, files in no manifest (except the tag files named in
/// `unlisted_tags`, such as a signature over the tag manifest), symbolic
/// links and special files (never followed), and `Payload-Oxum`.
pub fn verify(dir: &Path, unlisted_tags: &[&str]) -> Report {
    let mut r = Report::default();
    let mut present = BTreeSet::new();
    walk(dir, dir, &mut present, &mut r.special);
    let bagit = dir.join("bagit.txt");
    let text = if crate::fsutil::is_regular_file(&bagit) {
        fs::read_to_string(&bagit)
    } else {
        Err(std::io::ErrorKind::NotFound.into())
    };
    match text {
        Ok(t)
            if t.lines()
                .next()
                .is_some_and(|l| l.starts_with("BagIt-Version: ")) => {}
        Ok(_) => r
            .other
            .push("bagit.txt: first line is not `BagIt-Version: ...`".into()),
        Err(_) => r.missing.push("bagit.txt".into()),
    }
    let payload = read_manifest(&dir.join("manifest-sha256.txt"), &mut r);
    let tags = read_manifest(&dir.join("tagmanifest-sha256.txt"), &mut r);
    let mut octets = 0u64;
    for (file, want) in payload.iter().chain(tags.iter()) {
        if !present.contains(file) {
            if !r.special.iter().any(|s| s.starts_with(&format!("{file} "))) {
                r.missing.push(file.clone());
            }
            continue;
        }
        match hash_file(&dir.join(file)) {
            Ok((sha, len)) => {
                if &sha != want {
                    r.altered.push(if tags.contains_key(file) {
                        format!("{file} (or its line in tagmanifest-sha256.txt)")
                    } else {
                        file.clone()
                    });
                } else if file.starts_with("data/") {
                    r.ok_files += 1;
                }
                if file.starts_with("data/") {
                    octets = octets.saturating_add(len);
                }
            }
            Err(_) => r.missing.push(file.clone()),
        }
    }
    for f in &present {
        let known = payload.contains_key(f)
            || tags.contains_key(f)
            || f == "tagmanifest-sha256.txt"
            || unlisted_tags.contains(&f.as_str());
        if !known {
            r.extra.push(f.clone());
        }
    }
    for tag in ["bag-info.txt", "manifest-sha256.txt"] {
        if present.contains(tag) && !tags.contains_key(tag) {
            r.other
                .push(format!("{tag} is not listed in tagmanifest-sha256.txt"));
        }
    }
    let info_path = dir.join("bag-info.txt");
    if let Some(Ok(info)) =
        crate::fsutil::is_regular_file(&info_path).then(|| fs::read_to_string(&info_path))
    {
        let oxum = info
            .lines()
            .find_map(|l| l.strip_prefix("Payload-Oxum: "))
            .map(str::trim);
        let expected = format!("{octets}.{}", payload.len());
        match oxum {
            Some(o) if o == expected => {}
            Some(o) => r
                .other
                .push(format!("Payload-Oxum says {o}, the payload is {expected}")),
            None => r.other.push("bag-info.txt has no Payload-Oxum".into()),
        }
    }
    r
}
