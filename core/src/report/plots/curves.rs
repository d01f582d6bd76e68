//! [`training_curves`] and [`TrainingCurves`]: loss per epoch and a validation metric.

use std::path::Path;

use super::axis::Axis;
use super::line_chart::{Line, LineChart};
use super::reference::RefLine;
use super::render::render_png;
use super::series::Series;
use super::style::{LINE_SIZE, PALETTE, TWO_PANEL_SIZE};
use crate::Result;

/// Loss per epoch (training, and validation if given; its best epoch is marked) and, if
/// given, a validation metric per epoch in a second panel. Epochs are numbered from 1; the
/// series may have different lengths. The metric's name is used as given for its panel and
/// legend, prefixed with "validation" only if it does not already say so. Size
/// [`TWO_PANEL_SIZE`] with a metric, else [`LINE_SIZE`]. [`TrainingCurves`] adds units and
/// reference lines.
pub fn training_curves(
    path: &Path,
    train_loss: &[f64],
    val_loss: Option<&[f64]>,
    val_metric: Option<(&str, &[f64])>,
) -> Result<()> {
    let mut curves = TrainingCurves::new(train_loss);
    curves.val_loss = val_loss.map(<[f64]>::to_vec);
    curves.metric = val_metric.map(|(name, values)| (Axis::new(name), values.to_vec()));
    curves.render(path)
}

/// Training curves: loss per epoch (training, validation with its best epoch marked) and an
/// optional validation metric in a second panel, with axis units and reference lines on the
/// metric panel (chance accuracy, a baseline's score).
///
/// ```no_run
/// use deepfield_core::report::plots::{Axis, RefLine, TrainingCurves};
/// # fn main() -> deepfield_core::Result<()> {
/// TrainingCurves::new(&[1.2, 0.8, 0.6])
///     .val_loss(&[1.3, 0.9, 0.8])
///     .loss_axis(Axis::new("cross-entropy"))
///     .metric(Axis::new("accuracy"), &[0.5, 0.7, 0.75])
///     .metric_reference(RefLine::chance(0.5))
///     .render(std::path::Path::new("training_curves.png"))?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingCurves {
    /// Training loss per epoch (from epoch 1).
    pub train_loss: Vec<f64>,
    /// Validation loss per epoch.
    pub val_loss: Option<Vec<f64>>,
    /// The loss axis, "loss" by default (e.g. `Axis::new("MSE").unit("MPa²")`).
    pub loss_axis: Axis,
    /// A validation metric per epoch with its axis (its label names the metric).
    pub metric: Option<(Axis, Vec<f64>)>,
    /// Reference lines on the metric panel.
    pub metric_references: Vec<RefLine>,
}

impl TrainingCurves {
    /// Curves of `train_loss` alone.
    pub fn new(train_loss: &[f64]) -> Self {
        Self {
            train_loss: train_loss.to_vec(),
            val_loss: None,
            loss_axis: Axis::new("loss"),
            metric: None,
            metric_references: vec![],
        }
    }

    /// Add the validation loss.
    pub fn val_loss(mut self, values: &[f64]) -> Self {
        self.val_loss = Some(values.to_vec());
        self
    }

    /// Set the loss axis (its label and unit).
    pub fn loss_axis(mut self, axis: impl Into<Axis>) -> Self {
        self.loss_axis = axis.into();
        self
    }

    /// Add a validation metric per epoch; `axis` names it (with its unit).
    pub fn metric(mut self, axis: impl Into<Axis>, values: &[f64]) -> Self {
        self.metric = Some((axis.into(), values.to_vec()));
        self
    }

    /// Add a reference line to the metric panel.
    pub fn metric_reference(mut self, line: RefLine) -> Self {
        self.metric_references.push(line);
        self
    }

    /// Validate and write the PNG at `path` atomically: [`LINE_SIZE`] for the loss alone,
    /// [`TWO_PANEL_SIZE`] with a metric panel.
    pub fn render(&self, path: &Path) -> Result<()> {
        let epochs = |ys: &[f64]| Series::from_ys("", 1.0, ys).points;
        let loss_name = |who: &str| format!("{who} {}", self.loss_axis.label);
        let mut lines = vec![Line::new(
            &loss_name("training"),
            &epochs(&self.train_loss),
            PALETTE[0],
        )];
        if let Some(val) = &self.val_loss {
            lines.push(Line::new(
                &loss_name("validation"),
                &epochs(val),
                PALETTE[1],
            ));
            let best = val
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite())
                .min_by(|a, b| a.1.total_cmp(b.1));
            if let Some((i, &v)) = best {
                let mut mark = Line::new(
                    &format!("best validation (epoch {})", i + 1),
                    &[(i as f64 + 1.0, v)],
                    PALETTE[3],
                );
                mark.hollow = true;
                lines.push(mark);
            }
        }
        let epoch = Axis::new("epoch").integer();
        let loss = LineChart::new("Loss", epoch.clone(), self.loss_axis.clone(), lines);
        let Some((axis, values)) = &self.metric else {
            return loss.render(path, LINE_SIZE);
        };
        loss.validate(path)?;
        let name = validation_name(&axis.label);
        let metric_line = Line::new(&name, &epochs(values), PALETTE[2]);
        let mut metric = LineChart::new(&name, epoch, axis.clone(), vec![metric_line]);
        metric.refs = self.metric_references.clone();
        metric.validate(path)?;
        render_png(path, TWO_PANEL_SIZE, |root| {
            let (left, right) = root.split_horizontally(TWO_PANEL_SIZE.0 / 2);
            loss.draw(&left)?;
            metric.draw(&right)
        })
    }
}

/// The legend entry of a validation metric: `name` as given when it already says it is a
/// validation number ("validation accuracy", "val_acc", "Validation F1"), else
/// "validation `name`".
pub(super) fn validation_name(name: &str) -> String {
    let lower = name.trim().to_lowercase();
    let says_so = ["validation", "val ", "val_", "val-", "valid "]
        .iter()
        .any(|p| lower.starts_with(p))
        || lower == "val";
    if says_so || lower.is_empty() {
        name.trim().to_string()
    } else {
        format!("validation {}", name.trim())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn training_curves_one_and_two_panels() {
        let dir = tempfile::tempdir().unwrap();
        let train: Vec<f64> = (0..30)
            .map(|e| 2.0 * (-0.1 * e as f64).exp() + 0.1)
            .collect();
        let val: Vec<f64> = (0..30)
            .map(|e| 2.1 * (-0.08 * e as f64).exp() + 0.2 + 0.002 * e as f64)
            .collect();
        let acc: Vec<f64> = (0..30)
            .map(|e| 0.9 - 0.6 * (-0.15 * e as f64).exp())
            .collect();
        let p = dir.path().join("loss.png");
        training_curves(&p, &train, Some(&val), None).unwrap();
        assert_plot(&p, LINE_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("curves.png");
        training_curves(&p, &train, Some(&val), Some(("accuracy", &acc))).unwrap();
        assert_plot(&p, TWO_PANEL_SIZE);

        // A diverged loss leaves a gap but still plots.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nan.png");
        training_curves(&p, &[1.0, 0.8, f64::NAN, f64::NAN], None, None).unwrap();
        assert_eq!(png_size(&p), LINE_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(
            dir.path(),
            training_curves(&p, &[], None, None),
            "empty loss",
        );
        assert_fails_cleanly(
            dir.path(),
            training_curves(&p, &[1.0], Some(&[]), None),
            "empty val loss",
        );
        let r = training_curves(&p, &[1.0], None, Some(("acc", &[f64::NAN])));
        assert_fails_cleanly(dir.path(), r, "NaN metric");
    }

    #[test]
    fn a_metric_named_validation_is_not_prefixed_twice() {
        assert_eq!(
            validation_name("validation accuracy"),
            "validation accuracy"
        );
        assert_eq!(validation_name("Validation F1"), "Validation F1");
        assert_eq!(validation_name("val_acc"), "val_acc");
        assert_eq!(validation_name("accuracy"), "validation accuracy");
        assert_eq!(validation_name("valence"), "validation valence");
        assert_eq!(
            validation_name("RMSE (standardised)"),
            "validation RMSE (standardised)"
        );
    }
}
