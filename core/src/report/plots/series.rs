//! [`Series`]: one named line of points, the input of the line charts.

use serde::{Deserialize, Serialize};

/// One named line of points `(x, y)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend entry (an empty name gets no entry).
    pub name: String,
    /// The points, drawn in this order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from points.
    pub fn new(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.to_string(),
            points,
        }
    }

    /// A series of `ys` at x = `first_x`, `first_x + 1`, … (e.g. epochs from 1).
    pub fn from_ys(name: &str, first_x: f64, ys: &[f64]) -> Self {
        let points = ys
            .iter()
            .enumerate()
            .map(|(i, &y)| (first_x + i as f64, y))
            .collect();
        Self::new(name, points)
    }
}
