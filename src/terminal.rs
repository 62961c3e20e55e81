//! Terminal detection, kept in one place because it is platform-specific: whether a stream is an
//! interactive terminal decides progress bars and colour.

use std::io::IsTerminal;

/// True when standard error is an interactive terminal (progress bars go there).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// True when standard output is an interactive terminal.
pub fn stdout_is_terminal() -> bool {
    std::io::stdout().is_terminal()
}
