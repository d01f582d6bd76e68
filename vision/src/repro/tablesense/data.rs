//! The annotated FUSTE sheets and their template folds.

use std::collections::BTreeMap;
use std::path::PathBuf;

use deepfield_core::data::dir::DatasetSpec;
use deepfield_core::repro::ReproOptions;

use crate::data::BadFile;
use crate::sheets::annotations::{read_tables, read_templates};
use crate::sheets::{read_folder, CellBox, Sheet};
use crate::{Error, Result};

/// The dataset folder and what it must hold.
pub const FUSTE: DatasetSpec = DatasetSpec {
    name: "spreadsheets_fuste_regions",
    files: &[
        "csv",
        "annotations/annotations_elements.json",
        "annotations/annotations_templates.json",
    ],
    source:
        "GitHub HPI-Information-Systems/Mondrian commit e7a4d62a, res/fuste (Vitagliano et al., \
             PVLDB 2022); subset rule in spreadsheets_fuste_regions/SOURCE.md",
};

/// A sheet with its true table boxes and its layout template.
pub struct Annotated {
    pub sheet: Sheet,
    pub tables: Vec<CellBox>,
    pub template: String,
}

/// The annotated sheets.
pub struct Corpus {
    pub dir: PathBuf,
    pub sheets: Vec<Annotated>,
    pub bad: Vec<BadFile>,
    /// CSV files without annotations (left out).
    pub unannotated: usize,
}

/// Read the sheets, their tables and templates. A sheet listed under no template is a template
/// of its own. A table box outside its sheet is an error naming the sheet.
pub fn load(opts: &ReproOptions) -> Result<Corpus> {
    let dir = opts.dataset(&FUSTE)?;
    let set = read_folder(&dir.join("csv"))?;
    let elements = dir.join("annotations/annotations_elements.json");
    let tables = read_tables(&elements)?;
    let templates = read_templates(&dir.join("annotations/annotations_templates.json"))?;
    let mut sheets = Vec::new();
    let mut unannotated = 0;
    for sheet in set.sheets {
        let Some(boxes) = tables.get(&sheet.name) else {
            unannotated += 1;
            continue;
        };
        if let Some(b) = boxes
            .iter()
            .find(|b| b.bottom >= sheet.rows() || b.right >= sheet.cols())
        {
            return Err(Error::parse(
                &elements,
                0,
                format!(
                    "{}: table {b} lies outside the sheet's {} rows × {} columns",
                    sheet.name,
                    sheet.rows(),
                    sheet.cols()
                ),
            ));
        }
        let template = templates
            .get(&sheet.name)
            .cloned()
            .unwrap_or_else(|| sheet.name.clone());
        sheets.push(Annotated {
            tables: boxes.clone(),
            template,
            sheet,
        });
    }
    if sheets.is_empty() {
        return Err(Error::input(format!(
            "{}: no CSV sheet has an annotation in {}",
            dir.display(),
            elements.display()
        )));
    }
    Ok(Corpus {
        dir,
        sheets,
        bad: set.bad,
        unannotated,
    })
}

/// Deal the templates into `k` folds of about equal sheet count: templates by size (largest
/// first, ties by name), each to the fold with the fewest sheets so far (ties: lowest fold).
/// Returns the fold of every sheet and the templates of every fold.
pub fn template_folds(templates: &[&str], k: usize) -> (Vec<usize>, Vec<Vec<String>>) {
    let mut size: BTreeMap<&str, usize> = BTreeMap::new();
    for t in templates {
        *size.entry(t).or_default() += 1;
    }
    let mut order: Vec<(&str, usize)> = size.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut load = vec![0usize; k];
    let mut names = vec![Vec::new(); k];
    let mut fold_of: BTreeMap<&str, usize> = BTreeMap::new();
    for (t, n) in order {
        let f = (0..k).min_by_key(|&f| (load[f], f)).unwrap_or(0);
        load[f] += n;
        names[f].push(t.to_string());
        fold_of.insert(t, f);
    }
    let folds = templates
        .iter()
        .map(|t| fold_of.get(t).copied().unwrap_or(0))
        .collect();
    (folds, names)
}
