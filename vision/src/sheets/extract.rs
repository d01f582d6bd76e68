//! Table boxes from the detector's per-cell probability maps (`[5, rows, cols]`: inside, top,
//! bottom, left, right edge; see [`super::labels`]).
//!
//! Cells whose inside probability exceeds `threshold` are grouped into 4-connected regions; the
//! link between two neighbouring inside cells is cut where the first lies on a predicted bottom
//! (right) edge and the second on a predicted top (left) edge, so two tables stacked without a
//! gap come apart. Each region's bounding box is a table; regions of fewer than `min_cells` cells
//! are dropped and overlapping boxes merged.

use serde::{Deserialize, Serialize};

use super::heuristic::merge_overlapping;
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
    let inside = |r: usize, c: usize| p(0, r, c) > t;
    let mut seen = vec![false; plane];
    let mut boxes = Vec::new();
    let mut stack = Vec::new();
    for r0 in 0..rows {
        for c0 in 0..cols {
            if seen[r0 * cols + c0] || !inside(r0, c0) {
                continue;
            }
            seen[r0 * cols + c0] = true;
            stack.push((r0, c0));
            let mut b = CellBox::new(r0, c0, r0, c0);
            let mut n = 0;
            while let Some((r, c)) = stack.pop() {
                n += 1;
                b = CellBox::new(b.top.min(r), b.left.min(c), b.bottom.max(r), b.right.max(c));
                // (neighbour, whether the link is cut by a predicted edge pair)
                let mut next = Vec::with_capacity(4);
                if r > 0 {
                    next.push((r - 1, c, p(2, r - 1, c) > t && p(1, r, c) > t));
                }
                if r + 1 < rows {
                    next.push((r + 1, c, p(2, r, c) > t && p(1, r + 1, c) > t));
                }
                if c > 0 {
                    next.push((r, c - 1, p(4, r, c - 1) > t && p(3, r, c) > t));
                }
                if c + 1 < cols {
                    next.push((r, c + 1, p(4, r, c) > t && p(3, r, c + 1) > t));
                }
                for (rr, cc, cut) in next {
                    if !cut && !seen[rr * cols + cc] && inside(rr, cc) {
                        seen[rr * cols + cc] = true;
                        stack.push((rr, cc));
                    }
                }
            }
            if n >= cfg.min_cells {
                boxes.push(b);
            }
        }
    }
    Ok(merge_overlapping(boxes))
}
