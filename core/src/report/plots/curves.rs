//! [`training_curves`]: loss per epoch and a validation metric.

use std::path::Path;

use super::line_chart::{Line, LineChart};
use super::render::render_png;
use super::series::Series;
use super::style::{LINE_SIZE, PALETTE, TWO_PANEL_SIZE};
use crate::Result;

/// Loss per epoch (training, and validation if given; its best epoch is marked) and, if
/// given, a validation metric per epoch in a second panel. Epochs are numbered from 1; the
/// series may have different lengths. Size [`TWO_PANEL_SIZE`] with a metric, else
/// [`LINE_SIZE`].
pub fn training_curves(
    path: &Path,
    train_loss: &[f64],
    val_loss: Option<&[f64]>,
    val_metric: Option<(&str, &[f64])>,
) -> Result<()> {
    let epochs = |ys: &[f64]| Series::from_ys("", 1.0, ys).points;
    let mut lines = vec![Line::new("training loss", &epochs(train_loss), PALETTE[0])];
    if let Some(val) = val_loss {
        lines.push(Line::new("validation loss", &epochs(val), PALETTE[1]));
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
    let per_epoch = |caption, y_label, lines| LineChart {
        integer_x: true,
        ..LineChart::new(caption, "epoch", y_label, lines)
    };
    let loss = per_epoch("Loss", "loss", lines);
    let Some((name, values)) = val_metric else {
        return loss.render(path, LINE_SIZE);
    };
    loss.validate(path)?;
    let metric_line = Line::new(&format!("validation {name}"), &epochs(values), PALETTE[2]);
    let metric = per_epoch(name, name, vec![metric_line]);
    metric.validate(path)?;
    render_png(path, TWO_PANEL_SIZE, |root| {
        let (left, right) = root.split_horizontally(TWO_PANEL_SIZE.0 / 2);
        loss.draw(&left)?;
        metric.draw(&right)
    })
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
}
