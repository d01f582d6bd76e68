//! [`forecast`]: an observed series with predicted ones and where the forecast starts.

use std::path::Path;

use super::line_chart::{Line, LineChart};
use super::render::check;
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
    let mut chart = LineChart::new(title, "time", "value", lines);
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
