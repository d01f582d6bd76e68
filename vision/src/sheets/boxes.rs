//! A rectangular cell range: [`CellBox`], 0-based inclusive rows and columns, shown in A1
//! notation (`B3:F20`).

use serde::{Deserialize, Serialize};

/// A cell range, 0-based and inclusive on all four sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct CellBox {
    pub top: usize,
    pub left: usize,
    pub bottom: usize,
    pub right: usize,
}

impl CellBox {
    /// The box from (`top`, `left`) to (`bottom`, `right`), corners in either order.
    pub fn new(top: usize, left: usize, bottom: usize, right: usize) -> Self {
        CellBox {
            top: top.min(bottom),
            left: left.min(right),
            bottom: top.max(bottom),
            right: left.max(right),
        }
    }

    /// Rows spanned.
    pub fn height(&self) -> usize {
        self.bottom - self.top + 1
    }

    /// Columns spanned.
    pub fn width(&self) -> usize {
        self.right - self.left + 1
    }

    /// Cells covered.
    pub fn area(&self) -> usize {
        self.height() * self.width()
    }

    /// Whether cell (`row`, `col`) lies in the box.
    pub fn contains(&self, row: usize, col: usize) -> bool {
        (self.top..=self.bottom).contains(&row) && (self.left..=self.right).contains(&col)
    }

    /// The error of boundary between two boxes: the largest of the four edge offsets, in cells
    /// (TableSense's EoB).
    pub fn eob(&self, other: &CellBox) -> usize {
        [
            self.top.abs_diff(other.top),
            self.bottom.abs_diff(other.bottom),
            self.left.abs_diff(other.left),
            self.right.abs_diff(other.right),
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }

    /// A1 notation of the range, e.g. `A1:K42`.
    pub fn a1(&self) -> String {
        format!(
            "{}{}:{}{}",
            column_name(self.left),
            self.top + 1,
            column_name(self.right),
            self.bottom + 1
        )
    }
}

impl std::fmt::Display for CellBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.a1())
    }
}

/// The spreadsheet name of 0-based column `col`: 0 → `A`, 25 → `Z`, 26 → `AA`.
pub fn column_name(col: usize) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        out.push(b'A' + r as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}
