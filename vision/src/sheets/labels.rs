//! Per-cell target maps of a sheet's table boxes: `f32 [TARGETS, rows, cols]`, what the fully
//! convolutional detector learns to predict and [`super::extract`] turns back into boxes.
//!
//! Channel 0 marks every cell inside a table; channels 1–4 mark the cells on a table's top,
//! bottom, left and right edge. (TableSense regresses box corners from cell-level proposals;
//! per-cell edge maps carry the same boundary information densely, see the model file.)

use tch::Tensor;

use super::CellBox;

/// Names of the target channels.
pub const TARGET_NAMES: [&str; 5] = ["inside", "top", "bottom", "left", "right"];
/// Number of target channels.
pub const TARGETS: usize = TARGET_NAMES.len();

/// The target maps of `boxes` on a `rows × cols` grid (box parts outside the grid are cut).
pub fn target_maps(boxes: &[CellBox], rows: usize, cols: usize) -> Tensor {
    let plane = rows * cols;
    let mut t = vec![0f32; TARGETS * plane];
    for b in boxes {
        for r in b.top..=b.bottom.min(rows.saturating_sub(1)) {
            for c in b.left..=b.right.min(cols.saturating_sub(1)) {
                let at = r * cols + c;
                t[at] = 1.0;
                if r == b.top {
                    t[plane + at] = 1.0;
                }
                if r == b.bottom {
                    t[2 * plane + at] = 1.0;
                }
                if c == b.left {
                    t[3 * plane + at] = 1.0;
                }
                if c == b.right {
                    t[4 * plane + at] = 1.0;
                }
            }
        }
    }
    Tensor::from_slice(&t).reshape([TARGETS as i64, rows as i64, cols as i64])
}
