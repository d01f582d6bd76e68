//! [`forecast`]: an observed series with predicted ones and where the forecast starts.

use std::path::Path;

use super::axis::Axis;
use super::line_chart::{check_std, Line, LineChart};
use super::render::check;
use super::series::Series;
use super::style::{FORECAST_SIZE, OBSERVED, PALETTE};
use crate::Result;

/// A time series `observed` (dark line) with one or more `predicted` series (coloured) and,
/// if `split_at` is given, a dashed vertical line where the forecast starts. Size
/// [`FORECAST_SIZE`]. The axes read "time" and "value"; [`forecast_with_axes`] names them.
pub fn forecast(
    path: &Path,
    title: &str,
    observed: &[(f64, f64)],
    predicted: &[Series],
    split_at: Option<f64>,
) -> Result<()> {
    let axes = (Axis::new("time"), Axis::new("value"));
    forecast_with_axes(path, title, axes, observed, predicted, split_at)
}

/// [`forecast`] with the axes `(x, y)`, e.g. `(Axis::new("day"), Axis::new("close").unit("USD"))`.
/// A predicted series with a standard deviation per point gets a band or error bars.
pub fn forecast_with_axes(
    path: &Path,
    title: &str,
    (x, y): (Axis, Axis),
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
        if let Some(std) = &s.std {
            check_std(path, &format!("series '{}'", s.name), std, s.points.len())?;
        }
        lines.push(Line::with_std(
            &s.name,
            &s.points,
            s.std.as_deref(),
            PALETTE[color],
        ));
    }
    let mut chart = LineChart::new(title, x, y, lines);
    chart.vline = split_at.map(|x| (x, "forecast start"));
    chart.render(path, FORECAST_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;
    use crate::report::plots::Series;

    #[test]
    fn forecast_writes_png() {
        let (obs, pred) = wave_forecast();
        let predicted = [Series::new("LSTM", pred)];
        assert_renders(FORECAST_SIZE, |p| {
            forecast(p, "Forecast", &obs, &predicted, Some(150.0))
        });
        assert_rejects("empty", |p| forecast(p, "t", &[], &[], None));
        assert_rejects("NaN split", |p| {
            forecast(p, "t", &[(0.0, 1.0)], &[], Some(f64::NAN))
        });
    }
}
