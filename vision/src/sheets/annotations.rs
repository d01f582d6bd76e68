//! Table boxes and layout templates of annotated sheets, in the FUSTE / Mondrian format
//! (`annotations_elements.json`, `annotations_templates.json`; see the dataset's SOURCE.md).
//!
//! Region corners are `[column, row]`, 0-based and inclusive; only `region_type == "Table"`
//! regions are tables (titles, notes and other regions are not).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::CellBox;
use crate::{Error, Result};

#[derive(Deserialize)]
struct Region {
    region_type: String,
    top_lx: [i64; 2],
    bot_rx: [i64; 2],
}

#[derive(Deserialize)]
struct SheetRegions {
    regions: Vec<Region>,
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::parse(path, 0, format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map_err(|e| Error::parse(path, e.line(), e.to_string()))
}

/// The table boxes of every annotated sheet, by file name (sheets without a table map to an
/// empty list).
pub fn read_tables(path: &Path) -> Result<BTreeMap<String, Vec<CellBox>>> {
    let all: BTreeMap<String, SheetRegions> = read_json(path)?;
    let mut out = BTreeMap::new();
    for (name, s) in all {
        let mut boxes = Vec::new();
        for r in s.regions.iter().filter(|r| r.region_type == "Table") {
            let [l, t] = r.top_lx;
            let [rt, b] = r.bot_rx;
            if [l, t, rt, b].iter().any(|&v| v < 0) {
                return Err(Error::parse(
                    path,
                    0,
                    format!("{name}: a table region with a negative coordinate"),
                ));
            }
            boxes.push(CellBox::new(
                t as usize,
                l as usize,
                b as usize,
                rt as usize,
            ));
        }
        out.insert(name, boxes);
    }
    Ok(out)
}

/// The layout template of every sheet listed in a templates file (`{template: [file, …]}`), by
/// file name. A file listed under two templates is an error.
pub fn read_templates(path: &Path) -> Result<BTreeMap<String, String>> {
    let all: BTreeMap<String, Vec<String>> = read_json(path)?;
    let mut out = BTreeMap::new();
    for (template, files) in all {
        for f in files {
            if let Some(first) = out.insert(f.clone(), template.clone()) {
                return Err(Error::parse(
                    path,
                    0,
                    format!("{f} is listed under two templates ({first} and {template})"),
                ));
            }
        }
    }
    Ok(out)
}
