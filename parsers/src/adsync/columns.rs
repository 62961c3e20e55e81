//! Finding the columns of a CSV export by name, whatever their spacing, case or punctuation
//! (`ConnectorName`, `Connector Name`, `connector-name`), sniffing a CSV header and reading cells
//! as text.

/// A column name reduced to lowercase letters and digits.
pub fn normalize(name: &str) -> String {
    name.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A record's cells as text; bytes that are not UTF-8 (a file saved in an ANSI code page) become
/// U+FFFD rather than stopping the file.
pub fn lossy(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect()
}

/// The index of the first header cell whose normalised name is one of `aliases` (given
/// normalised).
pub fn find(header: &[String], aliases: &[&str]) -> Option<usize> {
    header
        .iter()
        .position(|h| aliases.contains(&normalize(h).as_str()))
}

/// The normalised cells of the first line of `head` that is neither blank nor a `#TYPE` comment,
/// when it looks like a CSV header (at least two comma-separated cells).
pub fn header_of(head: &str) -> Option<Vec<String>> {
    let line = head
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    let cells: Vec<String> = line.split(',').map(normalize).collect();
    (cells.len() >= 2 && cells.iter().all(|c| !c.is_empty())).then_some(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_loosely() {
        assert_eq!(normalize("Connector Name"), "connectorname");
        assert_eq!(normalize("\"TimeOccurred (UTC)\""), "timeoccurredutc");
        let header = vec!["RunNumber".to_owned(), "Connector Name".to_owned()];
        assert_eq!(find(&header, &["connectorname"]), Some(1));
        assert_eq!(
            header_of("#TYPE Selected.X\r\n\"RunNumber\",\"Result\"\r\n"),
            Some(vec!["runnumber".to_owned(), "result".to_owned()])
        );
        assert_eq!(header_of("just a line of prose"), None);
    }
}
