//! The data directory: `DEEPFIELD_DATA` if set, else `../shared/datasets` beside the checkout.
//!
//! Datasets are read in place and never copied into the repository. A missing dataset is an
//! error that names the folder, the files expected, and where the data comes from.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// What a reproduction needs from the data directory.
#[derive(Debug, Clone, Copy)]
pub struct DatasetSpec {
    /// Folder name under the data directory, e.g. `concrete_strength`.
    pub name: &'static str,
    /// Files (relative to the folder) that must exist.
    pub files: &'static [&'static str],
    /// Public origin of the data, shown when it is missing.
    pub source: &'static str,
}

/// The data directory root.
///
/// Order: `DEEPFIELD_DATA`; then `shared/datasets` in the parent of the workspace this crate was
/// built in; then `../shared/datasets` relative to the current directory or any of its ancestors.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(d) = std::env::var_os("DEEPFIELD_DATA") {
        let d = PathBuf::from(d);
        if d.is_dir() {
            return Ok(d);
        }
        return Err(Error::MissingData(format!(
            "DEEPFIELD_DATA={} is not a directory",
            d.display()
        )));
    }
    let mut tried = Vec::new();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut candidates = vec![workspace.join("../shared/datasets")];
    if let Ok(cwd) = std::env::current_dir() {
        for a in cwd.ancestors() {
            candidates.push(a.join("../shared/datasets"));
            candidates.push(a.join("shared/datasets"));
        }
    }
    for c in candidates {
        if c.is_dir() {
            return Ok(c.canonicalize().unwrap_or(c));
        }
        tried.push(c.display().to_string());
    }
    Err(Error::MissingData(format!(
        "no data directory: set DEEPFIELD_DATA or place the datasets in ../shared/datasets beside \
         the checkout (looked in: {})",
        tried.join(", ")
    )))
}

/// Locate one dataset folder and check that its files are there.
pub fn dataset(spec: &DatasetSpec) -> Result<PathBuf> {
    dataset_in(&data_dir()?, spec)
}

/// Like [`dataset`], under an explicit data directory `root`.
pub fn dataset_in(root: &Path, spec: &DatasetSpec) -> Result<PathBuf> {
    let dir = root.join(spec.name);
    let missing: Vec<&str> = spec
        .files
        .iter()
        .copied()
        .filter(|f| !dir.join(f).exists())
        .collect();
    if !dir.is_dir() || !missing.is_empty() {
        let what = if dir.is_dir() {
            format!("is missing {}", missing.join(", "))
        } else {
            "does not exist".to_string()
        };
        return Err(Error::MissingData(format!(
            "dataset `{}`: folder {} {what}. Expected files: {}. Source: {}. \
             Put the data there or point DEEPFIELD_DATA at a directory holding `{}/`.",
            spec.name,
            dir.display(),
            spec.files.join(", "),
            spec.source,
            spec.name
        )));
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_dataset_names_folder_files_and_source() {
        let root = tempfile::tempdir().unwrap();
        let spec = DatasetSpec {
            name: "toy",
            files: &["a.csv", "b.csv"],
            source: "https://example.org/toy",
        };
        let e = dataset_in(root.path(), &spec).unwrap_err().to_string();
        assert!(
            e.contains("toy") && e.contains("a.csv") && e.contains("example.org"),
            "{e}"
        );
        std::fs::create_dir(root.path().join("toy")).unwrap();
        std::fs::write(root.path().join("toy/a.csv"), "x").unwrap();
        let e = dataset_in(root.path(), &spec).unwrap_err().to_string();
        assert!(e.contains("missing b.csv"), "{e}");
        std::fs::write(root.path().join("toy/b.csv"), "x").unwrap();
        assert!(dataset_in(root.path(), &spec).is_ok());
    }
}
