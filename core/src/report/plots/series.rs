//! [`Series`]: one named line of points, the input of the line charts.

use serde::{Deserialize, Serialize};

/// One named line of points `(x, y)`, optionally with a standard deviation per point (drawn
/// as error bars, or as a shaded band on lines of more than 40 points).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend entry (an empty name gets no entry).
    pub name: String,
    /// The points, drawn in this order.
    pub points: Vec<(f64, f64)>,
    /// One standard deviation per point (e.g. over folds or seeds); `NaN` where unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub std: Option<Vec<f64>>,
}

impl Series {
    /// A series from points.
    pub fn new(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.to_string(),
            points,
            std: None,
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

    /// The same series with a standard deviation per point (as many as points; checked when
    /// plotted).
    pub fn with_std(mut self, std: Vec<f64>) -> Self {
        self.std = Some(std);
        self
    }
}
