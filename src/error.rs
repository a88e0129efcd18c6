//! Error kinds that map to the documented exit codes.
//!
//! Exit codes (README, "Exit codes"): 0 success, 1 error, 2 usage error
//! (bad arguments or configuration), 3 refused by the authorisation gate.

use std::fmt;

/// An error carrying the process exit code it should end with.
///
/// Commands return `anyhow::Error`; `main` looks for this type in the chain
/// to choose the exit code, and uses 1 when it is absent.
#[derive(Debug)]
pub struct ExitError {
    /// Process exit code: 2 for usage/configuration problems, 3 for refusals.
    pub code: i32,
    /// Message shown to the operator, naming the file, line and reason.
    pub message: String,
}

impl ExitError {
    /// A usage or configuration error (exit code 2).
    pub fn usage(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(ExitError {
            code: 2,
            message: message.into(),
        })
    }
}

impl fmt::Display for ExitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ExitError {}

/// The exit code for an error: the code of an [`ExitError`] in its chain, else 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    err.chain()
        .find_map(|e| e.downcast_ref::<ExitError>().map(|x| x.code))
        .unwrap_or(1)
}

/// True when the error comes from writing to a pipe whose reader has gone
/// (`EPIPE`): the program then ends quietly with exit code 0.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || e.downcast_ref::<csv::Error>().is_some_and(|c| {
                matches!(c.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe)
            })
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// Writes one line to standard error, like `eprintln!`, but never panics:
/// a closed standard error (`netusage … 2>&1 | head -1`) must not stop a
/// command half-way (`eprintln!` panics when the write fails).
#[macro_export]
macro_rules! stderr_line {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
