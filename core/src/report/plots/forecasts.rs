//! [`forecast`]: an observed series with predicted ones and where the forecast starts.

use std::path::Path;

use super::line_chart::{Line, LineChart};
use super::render::{check, render_png};
use super::series::Series;
use super::style::{FORECAST_SIZE, OBSERVED, PALETTE};
use crate::Result;

/// A time series `observed` (dark line) with one or more `predicted` series (coloured) and,
/// if `split_at` is given, a dashed vertical line where the forecast starts. Size
/// [`FORECAST_SIZE`].
pub fn forecast(
    path: &Path,
    title: &str,
    observed: &[(f64, f64)],
    predicted: &[Series],
    split_at: Option<f64>,
) -> Result<()> {
    if let Some(x) = split_at {
        check(path, x.is_finite(), || format!("split_at is {x}"))?;
    }
    let mut lines = vec![Line::new("observed", observed, OBSERVED)];
    for (i, s) in predicted.iter().enumerate() {
        // Palette without its grey, which is too close to the observed line.
        let color = [0, 3, 2, 1, 4, 5, 6, 8, 9][i % 9];
        lines.push(Line::new(&s.name, &s.points, PALETTE[color]));
    }
    let chart = LineChart {
        caption: title,
        x_label: "time",
        y_label: "value",
        lines,
        vline: split_at.map(|x| (x, "forecast start")),
        integer_x: false,
    };
    chart.validate(path)?;
    render_png(path, FORECAST_SIZE, |root| chart.draw(root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;
    use crate::report::plots::Series;

    #[test]
    fn forecast_writes_png() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("fc.png");
        let obs: Vec<(f64, f64)> = (0..200)
            .map(|i| (i as f64, (i as f64 / 12.0).sin() * 10.0 + i as f64 * 0.05))
            .collect();
        let pred: Vec<(f64, f64)> = obs[150..]
            .iter()
            .map(|&(x, y)| (x, y + 1.5 * (x / 7.0).cos()))
            .collect();
        forecast(
            &p,
            "Forecast",
            &obs,
            &[Series::new("LSTM", pred)],
            Some(150.0),
        )
        .unwrap();
        assert_plot(&p, FORECAST_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(dir.path(), forecast(&p, "t", &[], &[], None), "empty");
        assert_fails_cleanly(
            dir.path(),
            forecast(&p, "t", &[(0.0, 1.0)], &[], Some(f64::NAN)),
            "NaN split",
        );
    }
}
