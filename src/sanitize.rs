//! Making bundle data safe to print: control characters (escape sequences, NUL, carriage returns),
//! bidirectional overrides and zero-width characters are shown as visible escapes, so a crafted
//! event message cannot move the cursor, recolour the terminal or hide text.

use std::borrow::Cow;

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The text with every unsafe character replaced by its `\u{..}` escape (`\t` kept as a space).
pub fn inert(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\t' {
            out.push(' ');
        } else if is_unsafe(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`inert`], but keeps line breaks: each line is made inert, `\r\n` and `\r` become `\n`.
/// For formats that show multi-line messages (evidence blocks, CSV cells).
pub fn inert_lines(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    normalised
        .split('\n')
        .map(inert)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The first line of `text`, made inert and cut to `max` characters (with `…` when cut).
pub fn one_line(text: &str, max: usize) -> String {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let safe = inert(first);
    let more_lines = text.trim().lines().nth(1).is_some();
    let count = safe.chars().count();
    if count > max {
        let mut cut: String = safe.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else if more_lines {
        format!("{safe} …")
    } else {
        safe.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls() {
        assert_eq!(inert("plain"), "plain");
        assert_eq!(inert("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(inert("nul\0here"), "nul\\u{0}here");
        assert_eq!(inert("bidi\u{202E}x"), "bidi\\u{202e}x");
    }

    #[test]
    fn inert_lines_keeps_line_breaks_only() {
        assert_eq!(
            inert_lines("a\r\nb\rc\u{1b}[0m\0"),
            "a\nb\nc\\u{1b}[0m\\u{0}"
        );
    }

    #[test]
    fn one_line_cuts_and_marks_more() {
        assert_eq!(one_line("first\nsecond", 80), "first …");
        assert_eq!(one_line("abcdef", 4), "abc…");
        assert_eq!(one_line("\n\n  x  ", 10), "x");
    }
}
