//! The output folder of one reproduction.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::Report;
use super::{METRICS_FILE, REPORT_FILE};
use crate::{fsutil, Error, Result};

/// The output folder of one reproduction, `results/<id>/`. It exists once constructed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultsDir {
    dir: PathBuf,
}

impl ResultsDir {
    /// Create (if needed) `root/id`. `id` must be one plain folder name of letters, digits,
    /// `-`, `_` and `.` (no separators, not `.`/`..`), so a result never lands outside `root`.
    pub fn create(root: &Path, id: &str) -> Result<Self> {
        let valid = !id.is_empty()
            && id != "."
            && id != ".."
            && id
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(Error::input(format!(
                "result id {id:?} must be a non-empty folder name of letters, digits, '-', '_' or '.'"
            )));
        }
        Self::at(root.join(id))
    }

    /// Use `dir` as the results folder, creating it and its parents if needed.
    pub fn at(dir: impl Into<PathBuf>) -> Result<Self> {
        let dir = dir.into();
        fsutil::create_dir_all(&dir)?;
        Ok(Self { dir })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Path of a file inside the folder (nothing is created).
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Write `metrics` as pretty JSON to `metrics.json`, atomically. Returns the path.
    pub fn write_metrics<T: Serialize + ?Sized>(&self, metrics: &T) -> Result<PathBuf> {
        let path = self.file(METRICS_FILE);
        fsutil::write_json(&path, metrics)?;
        Ok(path)
    }

    /// Write `report` to `report.md`, atomically. Returns the path.
    pub fn write_report(&self, report: &Report) -> Result<PathBuf> {
        let path = self.file(REPORT_FILE);
        report.write(&path)?;
        Ok(path)
    }
}
