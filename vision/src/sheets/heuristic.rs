//! The baselines: connected regions of non-empty cells ([`connected_regions`]) and one box
//! around everything ([`whole_sheet`]).
//!
//! Two non-empty cells belong to one region when they are at most `gap + 1` rows and
//! `gap + 1` columns apart (so up to `gap` empty rows or columns inside a table are
//! tolerated; `gap = 0` is 8-connectivity). Each region's bounding box is a table; boxes that
//! overlap are merged, and regions of fewer than `min_cells` non-empty cells are dropped (lone
//! titles and notes).

use serde::{Deserialize, Serialize};

use super::{CellBox, Sheet};
use crate::{Error, Result};

/// Settings of [`connected_regions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RegionHeuristic {
    /// Empty rows/columns tolerated inside a region.
    pub gap: usize,
    /// Regions with fewer non-empty cells are dropped.
    pub min_cells: usize,
}

impl Default for RegionHeuristic {
    fn default() -> Self {
        RegionHeuristic {
            gap: 0,
            min_cells: 2,
        }
    }
}

impl RegionHeuristic {
    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        if self.gap > 10 || self.min_cells == 0 {
            return Err(Error::config(format!(
                "region heuristic: gap must be ≤ 10 and min_cells ≥ 1, got {} and {}",
                self.gap, self.min_cells
            )));
        }
        Ok(())
    }
}

/// Merge boxes that overlap until none do; sorted by (top, left).
pub fn merge_overlapping(mut boxes: Vec<CellBox>) -> Vec<CellBox> {
    loop {
        let mut merged = false;
        'outer: for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                let (a, b) = (boxes[i], boxes[j]);
                if a.top <= b.bottom && b.top <= a.bottom && a.left <= b.right && b.left <= a.right
                {
                    boxes[i] = CellBox::new(
                        a.top.min(b.top),
                        a.left.min(b.left),
                        a.bottom.max(b.bottom),
                        a.right.max(b.right),
                    );
                    boxes.swap_remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
        if !merged {
            break;
        }
    }
    boxes.sort();
    boxes
}

/// The table boxes of the connected-region heuristic.
pub fn connected_regions(sheet: &Sheet, h: &RegionHeuristic) -> Vec<CellBox> {
    let (rows, cols) = (sheet.rows(), sheet.cols());
    let reach = h.gap + 1;
    let mut seen = vec![false; rows * cols];
    let mut boxes = Vec::new();
    let mut stack = Vec::new();
    for r0 in 0..rows {
        for c0 in 0..cols {
            if seen[r0 * cols + c0] || !sheet.filled(r0, c0) {
                continue;
            }
            seen[r0 * cols + c0] = true;
            stack.push((r0, c0));
            let mut b = CellBox::new(r0, c0, r0, c0);
            let mut n = 0;
            while let Some((r, c)) = stack.pop() {
                n += 1;
                b = CellBox::new(b.top.min(r), b.left.min(c), b.bottom.max(r), b.right.max(c));
                for rr in r.saturating_sub(reach)..=(r + reach).min(rows - 1) {
                    for cc in c.saturating_sub(reach)..=(c + reach).min(cols - 1) {
                        if !seen[rr * cols + cc] && sheet.filled(rr, cc) {
                            seen[rr * cols + cc] = true;
                            stack.push((rr, cc));
                        }
                    }
                }
            }
            if n >= h.min_cells {
                boxes.push(b);
            }
        }
    }
    merge_overlapping(boxes)
}

/// The trivial predictor: one box around every non-empty cell (none for an empty sheet).
pub fn whole_sheet(sheet: &Sheet) -> Vec<CellBox> {
    let mut b: Option<CellBox> = None;
    for r in 0..sheet.rows() {
        for c in 0..sheet.cells[r].len() {
            if sheet.filled(r, c) {
                b = Some(match b {
                    None => CellBox::new(r, c, r, c),
                    Some(x) => {
                        CellBox::new(x.top.min(r), x.left.min(c), x.bottom.max(r), x.right.max(c))
                    }
                });
            }
        }
    }
    b.into_iter().collect()
}
