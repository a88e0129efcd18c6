//! Private files and folders: everything netusage writes into a store or an
//! evidence pack holds personal data (user names, addresses, URLs), so it is
//! created readable by its owner only — folders 0700, files 0600 — whatever
//! the umask. A umask can only take permission bits away, never add them, so
//! asking for these modes at creation is enough.
//!
//! Here too are the two ways the store's files are used: replaced whole,
//! atomically ([`AtomicFile`], [`write_atomic`]), and read as JSON lines
//! where a missing file has none ([`read_json_lines`]); and the checked
//! reading of files from outside the store ([`read_input`], [`open_regular`]).

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::de::DeserializeOwned;

/// Mode of every folder netusage creates (owner only).
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file netusage creates (owner read and write only).
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and any missing parents, each with mode 0700.
/// Folders that already exist are left as they are.
///
/// # Errors
/// The folder cannot be created (path named).
pub fn create_dir_all(dir: &Path) -> anyhow::Result<()> {
    let mut b = DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(DIR_MODE);
    }
    b.create(dir)
        .with_context(|| format!("cannot create folder {}", dir.display()))
}

/// Options that create a file with mode 0600.
pub fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(FILE_MODE);
    }
    o
}

/// Creates (or truncates) a file with mode 0600 for writing.
///
/// # Errors
/// The file cannot be created (path named).
pub fn create(path: &Path) -> anyhow::Result<File> {
    private_options()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Creates a new file with mode 0600; fails when it exists.
///
/// # Errors
/// The file exists or cannot be created (path named).
pub fn create_new(path: &Path) -> anyhow::Result<File> {
    private_options()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))
}

/// Opens a file for appending, creating it with mode 0600 when absent.
///
/// # Errors
/// The file cannot be opened (path named).
pub fn open_append(path: &Path) -> anyhow::Result<File> {
    private_options()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open {}", path.display()))
}

/// Writes a whole file with mode 0600 (not atomic: see [`write_atomic`]).
///
/// # Errors
/// The file cannot be written (path named).
pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = create(path)?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Most bytes a small input may have: a config, people, leave, exempt-users,
/// category rules, asset register or authorisation file (64 MiB).
pub const SMALL_INPUT_MAX: u64 = 64 << 20;

/// Reads an input file the operator named, whole: only a regular file (a
/// symbolic link to one is followed) of at most `max_bytes`. A FIFO, a
/// device or a folder is refused before it is opened, so a wrong path can
/// neither block the command nor feed it without end.
///
/// # Errors
/// `InvalidInput` for a file that is not regular or is too large; any error
/// of reading it. The caller names the path.
pub fn read_input(path: &Path, max_bytes: u64) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let refuse = |why: String| Err(io::Error::new(io::ErrorKind::InvalidInput, why));
    let (file, meta) = open_regular(path)?;
    if meta.len() > max_bytes {
        return refuse(format!(
            "{} bytes, more than the {max_bytes} this input may have",
            meta.len()
        ));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_bytes {
        return refuse(format!("grew past {max_bytes} bytes while being read"));
    }
    Ok(bytes)
}

/// Opens `path` for reading only when it is a regular file, checked on the
/// file opened (no window between the check and the open): opened without
/// blocking, so a FIFO put in a file's place cannot hang the command, and
/// then refused, as is a folder, socket or device (`/dev/zero` would feed it
/// without end). Every file netusage reads from outside its store goes
/// through here. Symbolic links are followed (a log may be one).
///
/// # Errors
/// `InvalidInput` for anything but a regular file; any error of opening it.
pub fn open_regular(path: &Path) -> io::Result<(File, fs::Metadata)> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "not a regular file (a {}): refused, reading it could block or never end",
                if meta.is_dir() {
                    "folder"
                } else {
                    "FIFO, socket or device"
                }
            ),
        ));
    }
    Ok((file, meta))
}

/// [`read_input`] as UTF-8 text.
///
/// # Errors
/// As [`read_input`]; `InvalidData` when the file is not UTF-8.
pub fn read_input_text(path: &Path, max_bytes: u64) -> io::Result<String> {
    String::from_utf8(read_input(path, max_bytes)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not UTF-8 text"))
}

/// True when `path` is a regular file, not following a symbolic link.
pub fn is_regular_file(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// Writes `bytes` to `path` atomically with mode 0600: through an
/// [`AtomicFile`] (a temporary file in the same folder, fsync, rename,
/// fsync of the folder).
///
/// # Errors
/// Any I/O error, naming the path; the temporary file is removed then.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", f.tmp_path().display()))?;
    f.commit()
}

/// A file written under a temporary name beside its destination
/// (`.<name>.tmp` in the same folder, mode 0600) and put in its place in
/// one step by [`AtomicFile::commit`]: fsync, rename over the destination,
/// fsync of the folder. A reader sees the old file or the new, never part
/// of one. Dropped without a commit (an error, a failed ingest), it removes
/// its temporary file; a process killed before the commit leaves it behind,
/// for the purge to clear (it removes every `*.tmp` in the store).
///
/// Writes go straight to the file: wrap it in a `BufWriter` for many small ones.
pub struct AtomicFile {
    file: File,
    pending: PendingRename,
}

/// A temporary file, written, fsynced and closed, waiting to be renamed
/// over its destination by [`FinishedFile::commit`]; removed when dropped
/// uncommitted. What [`AtomicFile::finish`] leaves, so a writer of many files
/// can close each as it is done and hold no open handle for those waiting.
pub struct FinishedFile {
    pending: PendingRename,
}

/// Files renamed into place as part of one commit of several (a source's
/// day partitions and its quarantine file), until the commit's record is
/// written: dropped before [`Committed::keep`], it removes them again (and
/// the folders it was given, when that leaves them empty), so a failure
/// between the renames and the record leaves no file in the store that
/// the record does not account for.
#[derive(Debug, Default)]
#[must_use = "dropped, it removes the files again"]
pub struct Committed {
    files: Vec<PathBuf>,
    folders: Vec<PathBuf>,
}

impl Committed {
    /// A file now in place.
    pub fn push(&mut self, file: PathBuf) {
        self.files.push(file);
    }

    /// A folder to remove too, if that leaves it empty.
    pub fn push_folder(&mut self, folder: PathBuf) {
        self.folders.push(folder);
    }

    /// Another commit's files and folders, taken over.
    pub fn extend(&mut self, mut other: Committed) {
        self.files.append(&mut other.files);
        self.folders.append(&mut other.folders);
    }

    /// The record is written: the files stay.
    pub fn keep(mut self) {
        self.files.clear();
        self.folders.clear();
    }
}

impl Drop for Committed {
    fn drop(&mut self) {
        for f in self.files.drain(..) {
            let _ = fs::remove_file(&f);
        }
        for d in self.folders.drain(..) {
            let _ = fs::remove_dir(&d);
        }
    }
}

/// The temporary and final paths of one atomic write; removes the temporary
/// file when dropped, unless [`PendingRename::rename`] put it in place.
struct PendingRename {
    tmp: PathBuf,
    dest: PathBuf,
    done: bool,
}

impl AtomicFile {
    /// Creates (or truncates) `.<name>.tmp` beside `dest`, mode 0600.
    ///
    /// # Errors
    /// The temporary file cannot be created (path named).
    pub fn create(dest: &Path) -> anyhow::Result<AtomicFile> {
        AtomicFile::create_with_suffix(dest, "tmp")
    }

    /// As [`AtomicFile::create`], with the temporary file named
    /// `.<name>.<suffix>` (the purge's rewrites use `purge.tmp`); `suffix`
    /// should end in `.tmp`, so a file left by a killed process is cleared.
    ///
    /// # Errors
    /// The temporary file cannot be created (path named).
    pub fn create_with_suffix(dest: &Path, suffix: &str) -> anyhow::Result<AtomicFile> {
        let name = dest.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let tmp = parent_dir(dest).join(format!(".{name}.{suffix}"));
        let file = create(&tmp)?;
        Ok(AtomicFile {
            file,
            pending: PendingRename {
                tmp,
                dest: dest.to_path_buf(),
                done: false,
            },
        })
    }

    /// The temporary file's path (for messages).
    pub fn tmp_path(&self) -> &Path {
        &self.pending.tmp
    }

    /// Fsyncs and closes the temporary file, leaving the rename for
    /// [`FinishedFile::commit`].
    ///
    /// # Errors
    /// The fsync fails (path named); the temporary file is removed then.
    pub fn finish(self) -> anyhow::Result<FinishedFile> {
        self.file
            .sync_all()
            .with_context(|| format!("cannot fsync {}", self.pending.tmp.display()))?;
        Ok(FinishedFile {
            pending: self.pending,
        })
    }

    /// Fsyncs the temporary file, renames it over the destination and
    /// fsyncs the folder, so the new file survives a crash.
    ///
    /// # Errors
    /// The fsync or the rename fails (paths named); the temporary file is
    /// removed then and the destination is as it was.
    pub fn commit(self) -> anyhow::Result<()> {
        self.finish()?.commit()
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.file.write_all(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl FinishedFile {
    /// Where the file goes when committed.
    pub fn dest(&self) -> &Path {
        &self.pending.dest
    }

    /// Renames the temporary file over the destination and fsyncs the folder.
    ///
    /// # Errors
    /// The rename fails (paths named); the temporary file is removed then.
    pub fn commit(self) -> anyhow::Result<()> {
        self.pending.rename()
    }
}

impl PendingRename {
    fn rename(mut self) -> anyhow::Result<()> {
        fs::rename(&self.tmp, &self.dest).with_context(|| {
            format!(
                "cannot rename {} to {}",
                self.tmp.display(),
                self.dest.display()
            )
        })?;
        self.done = true;
        // The rename is durable only once the folder's entry is on disk.
        sync_dir(parent_dir(&self.dest));
        Ok(())
    }
}

impl Drop for PendingRename {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

/// The folder a file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Which lines of a JSON-lines file [`read_json_lines`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LastLine {
    /// Only complete lines: a last line without its newline is an append
    /// cut short by a crash (not committed), and is left out. For files
    /// that grow by appends (`sources.jsonl`, the identity and DNS manifests).
    CompleteOnly,
    /// Every line, the last one too (files written whole, or read strictly).
    All,
}

/// The entries of the folder `dir`, in no particular order; a folder that
/// does not exist holds none (a store that has not made it yet).
///
/// # Errors
/// The folder exists but cannot be listed, or an entry cannot be read
/// (the folder named).
pub fn list_dir(dir: &Path) -> anyhow::Result<Vec<fs::DirEntry>> {
    let listed = match fs::read_dir(dir) {
        Ok(entries) => entries.collect::<io::Result<Vec<_>>>(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => Err(e),
    };
    listed.with_context(|| format!("cannot list {}", dir.display()))
}

/// The records of a JSON-lines file, one per line, in order; blank lines
/// are skipped. A file that does not exist holds none.
///
/// # Errors
/// The file exists but cannot be read, or a line read is not a valid `what`
/// (path and 1-based line number named).
pub fn read_json_lines<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    last: LastLine,
) -> anyhow::Result<Vec<T>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let read = match last {
        LastLine::All => &text[..],
        LastLine::CompleteOnly => text.rfind('\n').map_or("", |i| &text[..=i]),
    };
    read.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| {
                format!("{}: line {} is not a valid {what}", path.display(), i + 1)
            })
        })
        .collect()
}

/// Fsyncs a folder so a rename in it is durable (best effort).
pub fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// SHA-256 of a file, hex.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let (mut f, _) =
        open_regular(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}
