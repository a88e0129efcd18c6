//! Finding the files to read: paths named on the command line, and folders
//! walked recursively (through `walkdir`), safely.
//!
//! - A symbolic-link loop (`ln -s .. loop`) is detected, reported once and
//!   not followed; a file reached twice (through a link) is read once.
//! - Only regular files are ever opened: a FIFO, socket or device found in a
//!   folder is skipped with a message, and one named on the command line is
//!   refused (reading it could block for ever, holding the store lock).
//! - A folder that cannot be read is reported by name; the rest is read.
//! - Hidden entries (names starting with `.`) inside folders are left out.
//!
//! Compressed files are recognised by their first bytes, not their names, and
//! decompressed through well-kept crates: gzip (`flate2`, multi-member as
//! `logrotate` and `cat a.gz b.gz` make), bzip2 (`bzip2`, multi-stream), zstd
//! (`zstd`, every frame) and xz (`liblzma`, multi-stream).

use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// How a file's bytes are compressed, by their magic number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (RFC 1952): `1f 8b`.
    Gzip,
    /// bzip2: `BZh`.
    Bzip2,
    /// Zstandard (RFC 8878): `28 b5 2f fd`.
    Zstd,
    /// xz: `fd 37 7a 58 5a 00`.
    Xz,
}

impl Compression {
    /// Recognises the compression from a file's first bytes.
    pub fn detect(magic: &[u8]) -> Compression {
        if magic.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if magic.starts_with(b"BZh") {
            Compression::Bzip2
        } else if magic.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else if magic.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0x00]) {
            Compression::Xz
        } else {
            Compression::None
        }
    }

    /// The name recorded in `sources.jsonl`.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Bzip2 => "bzip2",
            Compression::Zstd => "zstd",
            Compression::Xz => "xz",
        }
    }

    /// Wraps `raw` (the file's bytes) in the decoder for this compression.
    ///
    /// # Errors
    /// The zstd decoder cannot be set up.
    pub fn decoder<R: Read + Send + 'static>(
        self,
        raw: R,
    ) -> std::io::Result<Box<dyn Read + Send>> {
        Ok(Box::new(self.decode(raw)?))
    }

    /// Wraps `raw` in the decoder for this compression, as a [`Decoder`]
    /// that gives `raw` back when the reading is done
    /// ([`Decoder::into_inner`]): a reader that hashes the raw bytes can
    /// then be owned by the thread that reads, and its hash taken from it.
    ///
    /// # Errors
    /// The zstd decoder cannot be set up.
    pub fn decode<R: Read>(self, raw: R) -> std::io::Result<Decoder<R>> {
        if self == Compression::None {
            return Ok(Decoder::Plain(raw));
        }
        let buffered = BufReader::with_capacity(1 << 20, raw);
        Ok(match self {
            Compression::None => Decoder::Plain(buffered.into_inner()),
            Compression::Gzip => Decoder::Gzip(flate2::read::MultiGzDecoder::new(buffered)),
            Compression::Bzip2 => Decoder::Bzip2(bzip2::read::MultiBzDecoder::new(buffered)),
            Compression::Zstd => Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(buffered)?),
            Compression::Xz => Decoder::Xz(liblzma::read::XzDecoder::new_multi_decoder(buffered)),
        })
    }
}

/// A file's decompressed bytes: a [`Read`] over one of the decoders, which
/// gives back the raw reader it wraps ([`Decoder::into_inner`]).
pub enum Decoder<R: Read> {
    /// Plain text: the raw reader itself.
    Plain(R),
    /// gzip, every member.
    Gzip(flate2::read::MultiGzDecoder<BufReader<R>>),
    /// bzip2, every stream.
    Bzip2(bzip2::read::MultiBzDecoder<BufReader<R>>),
    /// Zstandard, every frame.
    Zstd(zstd::stream::read::Decoder<'static, BufReader<R>>),
    /// xz, every stream.
    Xz(liblzma::read::XzDecoder<BufReader<R>>),
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Decoder::Plain(r) => r.read(buf),
            Decoder::Gzip(r) => r.read(buf),
            Decoder::Bzip2(r) => r.read(buf),
            Decoder::Zstd(r) => r.read(buf),
            Decoder::Xz(r) => r.read(buf),
        }
    }
}

impl<R: Read> Decoder<R> {
    /// The raw reader, once the decoding is done (bytes a decoder had
    /// buffered but not yet decoded are dropped with it).
    pub fn into_inner(self) -> R {
        match self {
            Decoder::Plain(r) => r,
            Decoder::Gzip(r) => r.into_inner().into_inner(),
            Decoder::Bzip2(r) => r.into_inner().into_inner(),
            Decoder::Zstd(r) => r.finish().into_inner(),
            Decoder::Xz(r) => r.into_inner().into_inner(),
        }
    }
}

/// A file to read and how it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Its path.
    pub path: PathBuf,
    /// Named on the command line (true) or found in a folder (false).
    pub explicit: bool,
}

/// Something found that is not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The path.
    pub path: PathBuf,
    /// Why, in words.
    pub reason: String,
    /// True for an error (the run ends with exit code 1); false for a
    /// reported skip (a special file or a link loop inside a folder).
    pub error: bool,
}

/// What walking the paths found.
#[derive(Debug, Default, Clone)]
pub struct Found {
    /// Regular files to read, in order (folders sorted by name).
    pub files: Vec<Input>,
    /// Paths left out, with the reason.
    pub problems: Vec<Problem>,
    /// Folders named that held no file at all.
    pub empty_dirs: Vec<PathBuf>,
}

fn kind(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_socket() {
            return "a socket";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device";
        }
    }
    let _ = t;
    "not a regular file"
}

/// Expands files and folders into the regular files to read. Never fails:
/// every path that cannot be read is a [`Problem`].
pub fn expand(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    let mut push = |found: &mut Found, path: &Path, explicit: bool| {
        let key = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if seen.insert(key) {
            found.files.push(Input {
                path: path.to_path_buf(),
                explicit,
            });
        }
    };
    for p in paths {
        let meta = match std::fs::metadata(p) {
            Ok(m) => m,
            Err(e) => {
                found.problems.push(Problem {
                    path: p.clone(),
                    reason: format!("cannot read {}: {e}", p.display()),
                    error: true,
                });
                continue;
            }
        };
        if meta.is_file() {
            push(&mut found, p, true);
            continue;
        }
        if !meta.is_dir() {
            found.problems.push(Problem {
                path: p.clone(),
                reason: format!(
                    "{} is {}, not a log file: refused, never opened",
                    p.display(),
                    kind(&meta.file_type())
                ),
                error: true,
            });
            continue;
        }
        let before = found.files.len() + found.problems.len();
        let walker = walkdir::WalkDir::new(p)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0 || !e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
            });
        for entry in walker {
            match entry {
                Ok(e) if e.file_type().is_dir() => {}
                Ok(e) if e.file_type().is_file() => push(&mut found, e.path(), false),
                Ok(e) => found.problems.push(Problem {
                    path: e.path().to_path_buf(),
                    reason: format!(
                        "{} is {}: skipped, never opened",
                        e.path().display(),
                        kind(&e.file_type())
                    ),
                    error: false,
                }),
                Err(err) => {
                    let path = err.path().unwrap_or(p).to_path_buf();
                    if let Some(ancestor) = err.loop_ancestor() {
                        found.problems.push(Problem {
                            reason: format!(
                                "{} is a symbolic-link loop back to {}: not followed",
                                path.display(),
                                ancestor.display()
                            ),
                            path,
                            error: false,
                        });
                    } else {
                        let why = err
                            .io_error()
                            .map_or_else(|| err.to_string(), ToString::to_string);
                        found.problems.push(Problem {
                            reason: format!("cannot read {}: {why}", path.display()),
                            path,
                            error: true,
                        });
                    }
                }
            }
        }
        if found.files.len() + found.problems.len() == before {
            found.empty_dirs.push(p.clone());
        }
    }
    found
}
