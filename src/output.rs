//! Writing reports to files (`-o/--output`): every report of a run is written in full to a temporary
//! file next to its target and then renamed into place, so a reader never sees half a report and a
//! failed run leaves nothing behind. Existing files are refused unless `--force` is given; without
//! it the rename itself refuses to replace a file that appeared meanwhile.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Why reports could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The target exists and `--force` was not given.
    #[error("{} already exists; not overwritten (use --force to replace it)", .path.display())]
    Exists {
        /// The target.
        path: PathBuf,
    },
    /// Writing or renaming failed.
    #[error("cannot write {} (check that its folder exists and is writable)", .path.display())]
    Io {
        /// The target.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// The files a run writes: `base` itself for one format; for several, `base.<ext>` each (an
/// extension of one of the formats already on `base` is dropped first, so `-o report.html` with
/// `html,json` gives `report.html` and `report.json`).
pub fn targets(base: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    if extensions.len() == 1 {
        return vec![base.to_path_buf()];
    }
    let stem = match base.extension().and_then(|e| e.to_str()) {
        Some(ext) if extensions.contains(&ext) => base.with_extension(""),
        _ => base.to_path_buf(),
    };
    extensions
        .iter()
        .map(|ext| {
            let mut name: OsString = stem.clone().into_os_string();
            name.push(".");
            name.push(ext);
            PathBuf::from(name)
        })
        .collect()
}

/// Refuses targets that exist (checked before the analysis runs, so a refusal costs nothing).
///
/// # Errors
/// [`OutputError::Exists`] for the first target that exists.
pub fn check_free(paths: &[PathBuf]) -> Result<(), OutputError> {
    match paths.iter().find(|p| p.symlink_metadata().is_ok()) {
        Some(path) => Err(OutputError::Exists { path: path.clone() }),
        None => Ok(()),
    }
}

fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Writes every `(path, bytes)` atomically: all temporary files first, then the renames. When a
/// rename fails without `force`, the reports this call already placed are removed again.
///
/// # Errors
/// [`OutputError::Exists`] when a target exists and `force` is false; [`OutputError::Io`] otherwise.
pub fn write_all(outputs: Vec<(PathBuf, Vec<u8>)>, force: bool) -> Result<(), OutputError> {
    let mut staged = Vec::with_capacity(outputs.len());
    for (path, bytes) in outputs {
        let io_error = |source| OutputError::Io {
            path: path.clone(),
            source,
        };
        let mut temp = tempfile::Builder::new()
            .prefix(".syncsift-")
            .suffix(".partial")
            .tempfile_in(directory_of(&path))
            .map_err(io_error)?;
        temp.write_all(&bytes).map_err(io_error)?;
        temp.as_file().sync_all().map_err(io_error)?;
        staged.push((path, temp));
    }
    let mut placed: Vec<PathBuf> = Vec::new();
    for (path, temp) in staged {
        let result = if force {
            temp.persist(&path)
        } else {
            temp.persist_noclobber(&path)
        };
        if let Err(error) = result {
            if !force {
                for done in &placed {
                    // Best effort: these files did not exist before this run.
                    let _ = std::fs::remove_file(done);
                }
            }
            return Err(if error.error.kind() == io::ErrorKind::AlreadyExists {
                OutputError::Exists { path }
            } else {
                OutputError::Io {
                    path,
                    source: error.error,
                }
            });
        }
        placed.push(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_format_uses_the_path_as_given() {
        assert_eq!(
            targets(Path::new("out/r.txt"), &["html"]),
            [PathBuf::from("out/r.txt")]
        );
    }

    #[test]
    fn several_formats_get_their_extensions() {
        assert_eq!(
            targets(Path::new("report"), &["html", "json"]),
            [PathBuf::from("report.html"), PathBuf::from("report.json")]
        );
        assert_eq!(
            targets(Path::new("report.html"), &["html", "json"]),
            [PathBuf::from("report.html"), PathBuf::from("report.json")]
        );
    }

    #[test]
    fn refuses_existing_files_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let existing = dir.path().join("b.json");
        std::fs::write(&existing, "keep").unwrap();
        let fresh = dir.path().join("a.html");
        let error = write_all(
            vec![
                (fresh.clone(), b"new".to_vec()),
                (existing.clone(), b"new".to_vec()),
            ],
            false,
        )
        .unwrap_err();
        assert!(matches!(error, OutputError::Exists { .. }));
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, [OsString::from("b.json")]);
        write_all(vec![(existing.clone(), b"new".to_vec())], true).unwrap();
        assert_eq!(std::fs::read_to_string(&existing).unwrap(), "new");
    }
}
