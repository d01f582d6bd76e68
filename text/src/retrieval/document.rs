//! Documents to index, and reading a user's folder of text files into them.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// A document: its id (for a folder, the file's path relative to the folder) and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: String,
    pub text: String,
}

/// What [`read_folder`] found.
#[derive(Debug, Default)]
pub struct Folder {
    /// Readable UTF-8 documents, in path order.
    pub documents: Vec<Document>,
    /// Files that could not be read, each with the reason (unreadable, not UTF-8, empty).
    pub skipped: Vec<(PathBuf, String)>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// Every file under `dir` (recursively, hidden files skipped) whose name ends in one of
/// `extensions` (all files when empty), read as UTF-8 text; the others are listed in
/// [`Folder::skipped`] with the reason. A folder that cannot be listed is an error.
pub fn read_folder(dir: &Path, extensions: &[&str]) -> Result<Folder> {
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "{}: not a folder of documents",
            dir.display()
        )));
    }
    let mut files = Vec::new();
    walk(dir, &mut files)?;
    files.sort();
    let mut folder = Folder::default();
    for path in files {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') {
            continue;
        }
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !extensions.is_empty() && !extensions.contains(&ext) {
            continue;
        }
        let id = path
            .strip_prefix(dir)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace(char::is_whitespace, "_");
        match std::fs::read(&path) {
            Err(e) => folder.skipped.push((path, format!("unreadable: {e}"))),
            Ok(bytes) => match String::from_utf8(bytes) {
                Err(_) => folder.skipped.push((path, "not UTF-8 text".into())),
                Ok(text) if text.trim().is_empty() => folder.skipped.push((path, "empty".into())),
                Ok(text) => folder.documents.push(Document { id, text }),
            },
        }
    }
    Ok(folder)
}
