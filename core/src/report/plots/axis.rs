//! [`Axis`]: what an axis measures, in which unit, and whether it only takes whole numbers.

use serde::{Deserialize, Serialize};

/// The description of one axis: a label, an optional unit shown as `label (unit)`, and whether
/// the axis counts whole things (epochs, folds, classes), which gets whole-number ticks only.
///
/// Every chart takes its axes as `impl Into<Axis>`, so a plain `"epoch"` still works;
/// `Axis::new("strength").unit("MPa")` reads "strength (MPa)".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Axis {
    /// What is measured, e.g. `"compressive strength"`.
    pub label: String,
    /// Its unit, e.g. `"MPa"`; `None` for counts, ratios and scores without one.
    pub unit: Option<String>,
    /// Only whole-number ticks (epochs, folds). Line charts also switch this on by themselves
    /// when every x is a whole number.
    pub integer: bool,
}

impl Axis {
    /// An axis labelled `label`, without a unit.
    pub fn new(label: &str) -> Self {
        Self {
            label: label.to_string(),
            ..Self::default()
        }
    }

    /// The same axis in `unit` (shown as `label (unit)`; an empty unit shows nothing).
    pub fn unit(mut self, unit: &str) -> Self {
        self.unit = (!unit.is_empty()).then(|| unit.to_string());
        self
    }

    /// The same axis with whole-number ticks only.
    pub fn integer(mut self) -> Self {
        self.integer = true;
        self
    }

    /// The text under or beside the axis: `label (unit)`, the unit only once if the label
    /// already ends with it.
    pub fn title(&self) -> String {
        match &self.unit {
            Some(unit) if !self.label.ends_with(&format!("({unit})")) => {
                if self.label.is_empty() {
                    unit.clone()
                } else {
                    format!("{} ({unit})", self.label)
                }
            }
            _ => self.label.clone(),
        }
    }
}

impl From<&str> for Axis {
    fn from(label: &str) -> Self {
        Self::new(label)
    }
}

impl From<&String> for Axis {
    fn from(label: &String) -> Self {
        Self::new(label)
    }
}

impl From<String> for Axis {
    fn from(label: String) -> Self {
        Self::new(&label)
    }
}

impl From<&Axis> for Axis {
    fn from(axis: &Axis) -> Self {
        axis.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_titles_show_units_once() {
        assert_eq!(Axis::new("strength").unit("MPa").title(), "strength (MPa)");
        assert_eq!(
            Axis::new("strength (MPa)").unit("MPa").title(),
            "strength (MPa)"
        );
        assert_eq!(Axis::new("loss").title(), "loss");
        assert_eq!(Axis::new("loss").unit("").title(), "loss");
        assert_eq!(Axis::new("").unit("s").title(), "s");
        assert!(Axis::from("epoch").integer().integer);
        assert_eq!(Axis::from(&"x".to_string()), Axis::new("x"));
    }
}
