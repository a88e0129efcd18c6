//! Private files and folders: everything netusage writes into a store or an
//! evidence pack holds personal data (user names, addresses, URLs), so it is
//! created readable by its owner only — folders 0700, files 0600 — whatever
//! the umask. A umask can only take permission bits away, never add them, so
//! asking for these modes at creation is enough.

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

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

/// Writes `bytes` to `path` atomically with mode 0600: a temporary file in
/// the same folder, fsync, rename, fsync of the folder.
///
/// # Errors
/// Any I/O error, naming the path.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = create(&tmp)?;
    f.write_all(bytes)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    f.sync_all()
        .with_context(|| format!("cannot fsync {}", tmp.display()))?;
    fs::rename(&tmp, path)
        .with_context(|| format!("cannot rename {} to {}", tmp.display(), path.display()))?;
    sync_dir(dir);
    Ok(())
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
