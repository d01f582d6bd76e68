//! Synthetic multi-table sheets for training: the first rows of two annotated tables stacked
//! one above the other with blank rows between them, so a detector sees tables that follow
//! each other even where its training sheets rarely hold more than one (a data augmentation
//! of ours; TableSense had ten thousand annotated sheets instead).

use super::{CellBox, Sheet};

/// One table of a sheet to stack: the sheet, the table's box and how many of its first rows
/// to take (at least 1; cut to the table's height).
pub struct Part<'a> {
    pub sheet: &'a Sheet,
    pub table: CellBox,
    pub rows: usize,
}

/// The sheet made of `parts` stacked top to bottom, `gap` empty rows apart (each part keeps its
/// rows' cells from column 0 to its table's right edge), and the parts' table boxes in it.
pub fn stack_tables(name: &str, parts: &[Part<'_>], gap: usize) -> (Sheet, Vec<CellBox>) {
    let mut cells: Vec<Vec<String>> = Vec::new();
    let mut boxes = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            cells.extend((0..gap).map(|_| Vec::new()));
        }
        let n = p.rows.clamp(1, p.table.height());
        let top = cells.len();
        for r in p.table.top..p.table.top + n {
            let row = p.sheet.cells.get(r).map_or(&[][..], Vec::as_slice);
            cells.push(row.iter().take(p.table.right + 1).cloned().collect());
        }
        boxes.push(CellBox::new(top, p.table.left, top + n - 1, p.table.right));
    }
    let sheet = Sheet {
        name: name.to_string(),
        path: name.into(),
        cells,
    };
    (sheet, boxes)
}
