//! [`RefLine`]: a labelled horizontal reference (chance level, a baseline, a paper's number, a
//! threshold) drawn over a bar or line chart, and the note a chart shows when it beats the
//! models.

use plotters::element::DashedPathElement;
use plotters::prelude::*;
use serde::{Deserialize, Serialize};

use super::layout::{clip_label, Chart, LEGEND_CHARS};
use super::render::DrawResult;
use crate::report::fmt_num;

/// Which direction of a metric is good, so a chart can tell when its reference beats a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    /// Accuracy, F1, R²: more is better.
    Higher,
    /// Loss, RMSE, error rates: less is better.
    Lower,
}

/// A horizontal dashed line at `y` with a legend entry `label = y`, drawn over the series.
/// With [`better`](Self::better) set, the chart writes a note under its title naming every
/// model (bar, or line by its last value) that this reference beats, e.g. "majority class
/// (0.62) beats LSTM (0.55)".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefLine {
    /// Legend text, e.g. `"chance"`, `"majority class"`, `"paper"`, `"threshold"`.
    pub label: String,
    /// Where the line is, in the units of the y axis.
    pub y: f64,
    /// Whether higher or lower is better, for the "beats" note; `None` for a line that is not a
    /// competitor (a threshold).
    #[serde(default)]
    pub better: Option<Better>,
}

impl RefLine {
    /// A reference line `label` at `y`, not compared with the models.
    pub fn new(label: &str, y: f64) -> Self {
        Self {
            label: label.to_string(),
            y,
            better: None,
        }
    }

    /// Chance level `y` of a higher-is-better score (1 / classes for accuracy).
    pub fn chance(y: f64) -> Self {
        Self::new("chance", y).higher_is_better()
    }

    /// A baseline of a metric where higher is better: the chart notes the models it beats.
    pub fn higher_is_better(mut self) -> Self {
        self.better = Some(Better::Higher);
        self
    }

    /// A baseline of a metric where lower is better: the chart notes the models it beats.
    pub fn lower_is_better(mut self) -> Self {
        self.better = Some(Better::Lower);
        self
    }

    /// Whether this reference is strictly better than a model scoring `v`.
    pub fn beats(&self, v: f64) -> bool {
        match self.better {
            Some(Better::Higher) => self.y > v,
            Some(Better::Lower) => self.y < v,
            None => false,
        }
    }

    /// The legend entry: `label = y`.
    pub(super) fn legend(&self) -> String {
        if self.label.is_empty() {
            fmt_num(self.y)
        } else {
            format!(
                "{} = {}",
                clip_label(&self.label, LEGEND_CHARS),
                fmt_num(self.y)
            )
        }
    }
}

/// The note a chart shows when a reference beats models: one clause per beating reference,
/// e.g. "baseline “majority class” (0.62) beats LSTM (0.55), CNN (0.6)". `models` are
/// `(name, value)`; `None` when no reference beats any model.
pub(super) fn beaten_note(refs: &[RefLine], models: &[(String, f64)]) -> Option<String> {
    let mut clauses = vec![];
    for r in refs {
        let beaten: Vec<String> = models
            .iter()
            .filter(|(_, v)| v.is_finite() && r.beats(*v))
            .map(|(name, v)| format!("{name} ({})", fmt_num(*v)))
            .collect();
        if beaten.is_empty() {
            continue;
        }
        let who = if beaten.len() == models.len() && models.len() > 1 {
            "every model".to_string()
        } else if beaten.len() > 4 {
            format!(
                "{} of {}: {}, …",
                beaten.len(),
                models.len(),
                beaten[..3].join(", ")
            )
        } else {
            beaten.join(", ")
        };
        let name = if r.label.is_empty() {
            String::new()
        } else {
            format!("“{}” ", r.label)
        };
        clauses.push(format!("baseline {name}({}) beats {who}", fmt_num(r.y)));
    }
    (!clauses.is_empty()).then(|| clauses.join("; "))
}

/// Colours of reference lines: dark and unlike the categorical palette.
const REF_COLORS: [RGBColor; 4] = [
    RGBColor(200, 0, 60),
    RGBColor(30, 30, 30),
    RGBColor(120, 60, 160),
    RGBColor(0, 110, 110),
];

/// Draw `refs` across `x` (data coordinates) as dashed lines over whatever is drawn, each with a
/// legend entry.
pub(super) fn draw_ref_lines(chart: &mut Chart, refs: &[RefLine], x: (f64, f64)) -> DrawResult {
    for (i, r) in refs.iter().enumerate() {
        let style = REF_COLORS[i % REF_COLORS.len()].stroke_width(3);
        chart
            .draw_series(DashedLineSeries::new(
                [(x.0, r.y), (x.1, r.y)],
                12,
                6,
                style,
            ))?
            .label(r.legend())
            .legend(move |(lx, ly)| {
                DashedPathElement::new(vec![(lx, ly), (lx + 24, ly)], 7, 4, style)
            });
    }
    Ok(())
}

/// The builder methods of a chart that draws [`RefLine`]s over its data and a note under its
/// title (fields `references: Vec<RefLine>` and `note: Option<String>`): `reference` and `note`.
macro_rules! reference_and_note_builders {
    () => {
        /// Add a horizontal reference line.
        pub fn reference(mut self, line: $crate::report::plots::RefLine) -> Self {
            self.references.push(line);
            self
        }

        /// Set the note under the title.
        pub fn note(mut self, note: &str) -> Self {
            self.note = Some(note.to_string());
            self
        }
    };
}
pub(super) use reference_and_note_builders;

/// The first colour [`draw_ref_lines`] uses.
#[cfg(test)]
pub(super) const FIRST_REF_COLOR: RGBColor = REF_COLORS[0];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_the_models_a_baseline_beats() {
        let models = |v: &[(&str, f64)]| -> Vec<(String, f64)> {
            v.iter().map(|(n, x)| (n.to_string(), *x)).collect()
        };
        let two = models(&[("LSTM", 0.55), ("CNN", 0.7)]);
        let majority = RefLine::new("majority class", 0.62).higher_is_better();
        assert_eq!(
            beaten_note(std::slice::from_ref(&majority), &two).as_deref(),
            Some("baseline “majority class” (0.62) beats LSTM (0.55)")
        );
        // A threshold is no competitor; a baseline below every model beats none.
        assert_eq!(beaten_note(&[RefLine::new("threshold", 0.9)], &two), None);
        assert_eq!(beaten_note(&[RefLine::chance(0.5)], &two), None);
        let rmse = RefLine::new("mean predictor", 0.5).lower_is_better();
        assert_eq!(
            beaten_note(&[rmse], &models(&[("MLP", 0.8), ("GBM", 0.6)])).as_deref(),
            Some("baseline “mean predictor” (0.5) beats every model")
        );
        let many = models(&[
            ("a", 0.1),
            ("b", 0.2),
            ("c", 0.3),
            ("d", 0.4),
            ("e", 0.5),
            ("f", 0.9),
        ]);
        assert_eq!(
            beaten_note(&[majority], &many).as_deref(),
            Some("baseline “majority class” (0.62) beats 5 of 6: a (0.1), b (0.2), c (0.3), …")
        );
        assert_eq!(RefLine::chance(0.1).legend(), "chance = 0.1");
    }
}
