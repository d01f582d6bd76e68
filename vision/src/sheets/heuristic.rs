//! The baselines: connected regions of non-empty cells ([`connected_regions`]) and one box
//! around everything ([`whole_sheet`]).
//!
//! Two non-empty cells belong to one region when they are at most `gap + 1` rows and
//! `gap + 1` columns apart (so up to `gap` empty rows or columns inside a table are
//! tolerated; `gap = 0` is 8-connectivity). Each region's bounding box is a table; boxes that
//! overlap are merged, and regions of fewer than `min_cells` non-empty cells are dropped (lone
//! titles and notes).

use serde::{Deserialize, Serialize};

use super::regions::grow_regions;
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

/// The table boxes of the connected-region heuristic.
pub fn connected_regions(sheet: &Sheet, h: &RegionHeuristic) -> Vec<CellBox> {
    let reach = h.gap + 1;
    grow_regions(
        sheet.rows(),
        sheet.cols(),
        h.min_cells,
        |r, c| sheet.filled(r, c),
        |r, c, out| {
            for rr in r.saturating_sub(reach)..=r + reach {
                for cc in c.saturating_sub(reach)..=c + reach {
                    out.push((rr, cc));
                }
            }
        },
    )
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
