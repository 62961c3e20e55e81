//! Walking folders: sorted, recursive, following symlinks but never in circles.
//!
//! This is the one module that deals with the file system's platform differences (symlinks, special
//! files). It yields what it finds in a stable order (byte order of names) so that two runs over the
//! same folder list inputs identically.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One thing found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// A regular file (or a symlink to one).
    File(PathBuf),
    /// Something that is not read, with the reason (symlink loop, device, socket, dangling link).
    Skipped(PathBuf, String),
    /// A path that could not be listed or examined.
    Failed(PathBuf, String),
}

/// Lists every file below `root` (which must be a folder), depth first, names sorted.
pub fn walk(root: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    let mut visited = HashSet::new();
    if let Ok(canonical) = fs::canonicalize(root) {
        visited.insert(canonical);
    }
    walk_into(root, &mut visited, &mut out);
    out
}

fn walk_into(dir: &Path, visited: &mut HashSet<PathBuf>, out: &mut Vec<Found>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.push(Found::Failed(
                dir.to_path_buf(),
                format!("cannot list folder: {e}"),
            ));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => paths.push(entry.path()),
            Err(e) => out.push(Found::Failed(
                dir.to_path_buf(),
                format!("cannot list folder: {e}"),
            )),
        }
    }
    paths.sort();
    for path in paths {
        // `metadata` follows symlinks: a link to a file is read as that file.
        let meta = match fs::metadata(&path) {
            Ok(meta) => meta,
            Err(e) => {
                let is_link = fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
                let reason = if is_link {
                    format!("symlink whose target cannot be reached: {e}")
                } else {
                    format!("cannot examine: {e}")
                };
                out.push(if is_link {
                    Found::Skipped(path, reason)
                } else {
                    Found::Failed(path, reason)
                });
                continue;
            }
        };
        if meta.is_dir() {
            match fs::canonicalize(&path) {
                Ok(canonical) => {
                    if visited.insert(canonical.clone()) {
                        walk_into(&path, visited, out);
                    } else {
                        out.push(Found::Skipped(
                            path,
                            format!(
                                "symlink loop: folder already read as {}",
                                canonical.display()
                            ),
                        ));
                    }
                }
                Err(e) => out.push(Found::Failed(path, format!("cannot resolve folder: {e}"))),
            }
        } else if meta.is_file() {
            out.push(Found::File(path));
        } else {
            out.push(Found::Skipped(
                path,
                "not a regular file (device, pipe or socket)".to_owned(),
            ));
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn sorted_recursive_and_loop_safe() {
        let dir = std::env::temp_dir().join(format!("syncsift-walk-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("b/inner")).unwrap();
        fs::write(dir.join("b/inner/x.log"), "x").unwrap();
        fs::write(dir.join("a.log"), "a").unwrap();
        std::os::unix::fs::symlink(&dir, dir.join("b/loop")).unwrap();
        let found = walk(&dir);
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found.len(), 3, "{found:?}");
        assert_eq!(found[0], Found::File(dir.join("a.log")));
        assert_eq!(found[1], Found::File(dir.join("b/inner/x.log")));
        assert!(
            matches!(&found[2], Found::Skipped(p, reason) if p == &dir.join("b/loop") && reason.starts_with("symlink loop"))
        );
    }
}
