//! Where images come from: an image folder (torchvision's `ImageFolder` layout, one subfolder per
//! class; or a flat folder of unlabelled images) or an image list (a CSV with an id or path
//! column and, optionally, a label column). Both give [`Entry`]s: id, file, label.

use std::path::{Path, PathBuf};

use deepfield_core::fsutil::read_csv_records;

use crate::{Error, Result};

/// Extensions tried, in order, when an image list names images by id.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "PNG", "JPG", "JPEG", "BMP"];

/// One image to decode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// What the image is called in outputs: the file path relative to the folder, or the
    /// list's id.
    pub id: String,
    /// The image file.
    pub path: PathBuf,
    /// Its label (class folder name or the list's label field), if it has one.
    pub label: Option<String>,
}

fn sorted_entries(dir: &Path) -> Result<Vec<(String, PathBuf, bool)>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut out = Vec::new();
    for e in rd {
        let e = e.map_err(|e| Error::io(dir, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = e.path();
        let is_dir = path.is_dir();
        out.push((name, path, is_dir));
    }
    out.sort();
    Ok(out)
}

/// The images of a folder. With subfolders, each subfolder is a class (named after it, sorted
/// by name as torchvision does) and every file inside, at any depth, an image of that class;
/// files beside the class folders are ignored. Without subfolders, every file is an unlabelled
/// image. Hidden files are skipped; every other file is an entry (one that does not decode is
/// reported as bad when decoding, see [`super::images`]).
pub fn folder(dir: &Path) -> Result<Vec<Entry>> {
    if !dir.is_dir() {
        return Err(Error::input(format!(
            "image folder {} does not exist or is not a folder",
            dir.display()
        )));
    }
    let top = sorted_entries(dir)?;
    let classes: Vec<_> = top.iter().filter(|(_, _, d)| *d).collect();
    let mut out = Vec::new();
    if classes.is_empty() {
        for (name, path, _) in top {
            out.push(Entry {
                id: name,
                path,
                label: None,
            });
        }
    } else {
        for (class, cdir, _) in classes {
            let mut stack = vec![(cdir.clone(), class.clone())];
            while let Some((d, prefix)) = stack.pop() {
                for (name, path, is_dir) in sorted_entries(&d)? {
                    let id = format!("{prefix}/{name}");
                    if is_dir {
                        stack.push((path, id));
                    } else {
                        out.push(Entry {
                            id,
                            path,
                            label: Some(class.clone()),
                        });
                    }
                }
            }
        }
    }
    if out.is_empty() {
        return Err(Error::input(format!(
            "image folder {} holds no files (expected one subfolder per class with images, \
             or images directly)",
            dir.display()
        )));
    }
    Ok(out)
}

/// Which columns of an image list hold what; `None` picks by name (see [`list`]).
#[derive(Debug, Clone, Default)]
pub struct ListColumns {
    /// The column with the image path (relative to the list's folder) or id.
    pub id: Option<String>,
    /// The column with the label; `Some("")` means: no labels.
    pub label: Option<String>,
}

const PATH_NAMES: &[&str] = &["path", "file", "filename", "file_name", "image", "img"];
const ID_NAMES: &[&str] = &["id", "objid", "image_id", "name"];
const LABEL_NAMES: &[&str] = &["label", "class", "target", "y", "category"];

fn find(header: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| header.iter().position(|h| h.eq_ignore_ascii_case(n)))
}

/// Resolve an id to a file: `<dir>/<id>` if it exists, else `<dir>/<id>.<ext>` or
/// `<dir>/images/<id>.<ext>` for the [`IMAGE_EXTENSIONS`]; `None` when none exists.
fn resolve(dir: &Path, id: &str) -> Option<PathBuf> {
    let direct = dir.join(id);
    if direct.is_file() {
        return Some(direct);
    }
    for sub in [dir.to_path_buf(), dir.join("images")] {
        for ext in IMAGE_EXTENSIONS {
            let p = sub.join(format!("{id}.{ext}"));
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

/// The id and label columns of a CSV image list or labels file with this `header`: the id
/// column is `columns.id`, else the first column named path/file/filename/image or
/// id/objid/name, else the first column; the label column is `columns.label` (`""`: none), else
/// one named label/class/target/y/category, else none. A column named in `columns` that the
/// header lacks is an error naming `csv`.
pub fn list_columns(
    csv: &Path,
    header: &[String],
    columns: &ListColumns,
) -> Result<(usize, Option<usize>)> {
    let col = |want: &Option<String>, names: &[&str], what: &str| -> Result<Option<usize>> {
        match want {
            Some(w) if w.is_empty() => Ok(None),
            Some(w) => header.iter().position(|h| h == w).map(Some).ok_or_else(|| {
                Error::parse(
                    csv,
                    1,
                    format!("no {what} column `{w}`; the header is {}", header.join(",")),
                )
            }),
            None => Ok(find(header, names)),
        }
    };
    let id_col = col(&columns.id, &[PATH_NAMES, ID_NAMES].concat(), "id")?.unwrap_or(0);
    let label_col = col(&columns.label, LABEL_NAMES, "label")?.filter(|&c| c != id_col);
    Ok((id_col, label_col))
}

/// The images of a CSV image list. The id column is `columns.id`, else the first column named
/// path/file/filename/image (a path relative to the CSV's folder) or id/objid/name (an id,
/// looked up as `<id>`, `<id>.<ext>` or `images/<id>.<ext>` beside the CSV), else the first
/// column. The label column is `columns.label`, else one named label/class/target/y/category,
/// else none. A row whose image file is missing is an error naming the line (a list that names
/// files that are not there is a wrong list, not a bad image).
pub fn list(csv: &Path, columns: &ListColumns) -> Result<Vec<Entry>> {
    let records = read_csv_records(csv)?;
    let header = &records.header;
    if header.iter().all(|h| h.is_empty()) {
        return Err(Error::parse(csv, 1, "the image list has no header row"));
    }
    let (id_col, label_col) = list_columns(csv, header, columns)?;
    let dir = csv.parent().unwrap_or(Path::new("."));
    let mut out = Vec::with_capacity(records.rows.len());
    for r in &records.rows {
        let field = |c: usize| r.fields.get(c).map(|s| s.trim().to_string());
        let id = field(id_col).filter(|s| !s.is_empty()).ok_or_else(|| {
            Error::parse(
                csv,
                r.line as usize,
                format!("empty `{}` field", header[id_col]),
            )
        })?;
        let path = resolve(dir, &id).ok_or_else(|| {
            Error::parse(
                csv,
                r.line as usize,
                format!(
                    "no image file for `{id}` (looked for {0}/{id}, {0}/{id}.<png|jpg|jpeg|bmp> \
                     and {0}/images/{id}.<ext>)",
                    dir.display()
                ),
            )
        })?;
        let label = match label_col {
            Some(c) => Some(field(c).filter(|s| !s.is_empty()).ok_or_else(|| {
                Error::parse(csv, r.line as usize, format!("empty `{}` field", header[c]))
            })?),
            None => None,
        };
        out.push(Entry { id, path, label });
    }
    if out.is_empty() {
        return Err(Error::parse(
            csv,
            1,
            "the image list has a header but no rows",
        ));
    }
    Ok(out)
}

/// Entries from `input`: an image folder, or a CSV/TSV image list.
pub fn entries(input: &Path, columns: &ListColumns) -> Result<Vec<Entry>> {
    if input.is_dir() {
        folder(input)
    } else {
        list(input, columns)
    }
}
