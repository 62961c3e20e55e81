//! Colour in the terminal view: whether to use it (`--color`, `NO_COLOR`, is stdout a terminal) and
//! the few styles used. Only text the renderer wrote itself is styled; bundle data is made inert
//! before it gets here, so a crafted message can never bring its own escape codes.

use crate::report::Severity;
use syncsift_parsers::Level;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and `NO_COLOR` is unset or empty.
    #[default]
    Auto,
    /// Always colour (overrides `NO_COLOR`, as an explicit flag should).
    Always,
    /// Never colour.
    Never,
}

/// Decides colour. `no_color` is the value of `NO_COLOR`; per no-color.org only a non-empty value
/// counts.
pub fn use_color(choice: ColorChoice, stdout_is_terminal: bool, no_color: Option<&str>) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => stdout_is_terminal && no_color.is_none_or(str::is_empty),
    }
}

/// ANSI styles, or nothing when colour is off.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Palette {
    enabled: bool,
}

const RESET: &str = "\x1b[0m";

impl Palette {
    /// A palette that styles when `enabled`.
    pub fn new(enabled: bool) -> Palette {
        Palette { enabled }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.enabled && !text.is_empty() {
            format!("\x1b[{code}m{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// Section headings.
    pub fn heading(self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Less important text (provenance lines).
    pub fn dim(self, text: &str) -> String {
        self.paint("2", text)
    }

    /// Something that went wrong with an input.
    pub fn failure(self, text: &str) -> String {
        self.paint("31", text)
    }

    /// A finding's severity colour.
    pub fn severity(self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::Error => "31",
            Severity::Warning => "33",
            Severity::Info => "36",
        };
        self.paint(code, text)
    }

    /// A timeline entry's level colour.
    pub fn level(self, level: Level, text: &str) -> String {
        match level {
            Level::Critical => self.paint("1;31", text),
            Level::Error => self.paint("31", text),
            Level::Warning => self.paint("33", text),
            Level::Information | Level::Verbose => text.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_and_terminal_decide_auto_only() {
        assert!(use_color(ColorChoice::Auto, true, None));
        assert!(use_color(ColorChoice::Auto, true, Some("")));
        assert!(!use_color(ColorChoice::Auto, true, Some("1")));
        assert!(!use_color(ColorChoice::Auto, false, None));
        assert!(use_color(ColorChoice::Always, false, Some("1")));
        assert!(!use_color(ColorChoice::Never, true, None));
    }

    #[test]
    fn disabled_palette_adds_nothing() {
        let off = Palette::new(false);
        assert_eq!(off.severity(Severity::Critical, "CRITICAL"), "CRITICAL");
        let on = Palette::new(true);
        assert_eq!(on.level(Level::Error, "ERROR"), "\x1b[31mERROR\x1b[0m");
        assert_eq!(on.level(Level::Information, "info"), "info");
    }
}
