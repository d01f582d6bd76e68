//! Table boxes from the detector's per-cell probability maps (`[5, rows, cols]`: inside, top,
//! bottom, left, right edge; see [`super::labels`]).
//!
//! Cells whose inside probability exceeds `threshold` are grouped into 4-connected regions; the
//! link between two neighbouring inside cells is cut where the first lies on a predicted bottom
//! (right) edge and the second on a predicted top (left) edge, so two tables stacked without a
//! gap come apart. Each region's bounding box is a table; regions of fewer than `min_cells` cells
//! are dropped and overlapping boxes merged.

use serde::{Deserialize, Serialize};

use super::regions::grow_regions;
use super::CellBox;
use crate::{Error, Result};

/// Settings of [`extract_boxes`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ExtractConfig {
    /// Probability above which a cell is inside a table / on an edge.
    pub threshold: f32,
    /// Regions of fewer cells are dropped.
    pub min_cells: usize,
}

impl Default for ExtractConfig {
    fn default() -> Self {
        ExtractConfig {
            threshold: 0.5,
            min_cells: 4,
        }
    }
}

impl ExtractConfig {
    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold < 1.0) || self.min_cells == 0 {
            return Err(Error::config(format!(
                "box extraction: threshold must be in (0, 1) and min_cells ≥ 1, got {} and {}",
                self.threshold, self.min_cells
            )));
        }
        Ok(())
    }
}

/// The boxes of probability maps `probs` (`5 × rows × cols` values, channel-major).
pub fn extract_boxes(
    probs: &[f32],
    rows: usize,
    cols: usize,
    cfg: &ExtractConfig,
) -> Result<Vec<CellBox>> {
    let plane = rows * cols;
    if probs.len() != 5 * plane {
        return Err(Error::input(format!(
            "box extraction: {} probabilities for 5 maps of {rows} × {cols} cells",
            probs.len()
        )));
    }
    let t = cfg.threshold;
    let p = |ch: usize, r: usize, c: usize| probs[ch * plane + r * cols + c];
    // A link is cut where the first cell is on a predicted bottom (right) edge and the second
    // on a predicted top (left) edge.
    Ok(grow_regions(
        rows,
        cols,
        cfg.min_cells,
        |r, c| p(0, r, c) > t,
        |r, c, out| {
            if r > 0 && !(p(2, r - 1, c) > t && p(1, r, c) > t) {
                out.push((r - 1, c));
            }
            if r + 1 < rows && !(p(2, r, c) > t && p(1, r + 1, c) > t) {
                out.push((r + 1, c));
            }
            if c > 0 && !(p(4, r, c - 1) > t && p(3, r, c) > t) {
                out.push((r, c - 1));
            }
            if c + 1 < cols && !(p(4, r, c) > t && p(3, r, c + 1) > t) {
                out.push((r, c + 1));
            }
        },
    ))
}
