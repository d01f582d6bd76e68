//! [`pred_vs_true`]: predicted against true values of a regression, with the line y = x.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axis::Axis;
use super::layout::{
    build_chart, legend_box, min_max, padded, quiet_corner, styled_mesh, titled, y_area_width,
};
use super::render::{check, check_finite, render_png, Area, DrawResult};
use super::style::{PALETTE, SCATTER_SIZE};
use crate::report::fmt_num;
use crate::Result;

/// Predicted against true values (regression): one dot per sample, the line y = x, and
/// n, RMSE and R² in the legend. Both axes share one range. Size [`SCATTER_SIZE`]. See
/// [`pred_vs_true_in`] for axes in a unit.
pub fn pred_vs_true(path: &Path, title: &str, y_true: &[f64], y_pred: &[f64]) -> Result<()> {
    pred_vs_true_in(path, title, "", y_true, y_pred)
}

/// [`pred_vs_true`] with both axes in `unit` ("true (MPa)", "predicted (MPa)"; the RMSE in the
/// legend is in it too); an empty unit shows none.
pub fn pred_vs_true_in(
    path: &Path,
    title: &str,
    unit: &str,
    y_true: &[f64],
    y_pred: &[f64],
) -> Result<()> {
    check(path, !y_true.is_empty(), || "no samples".into())?;
    check(path, y_true.len() == y_pred.len(), || {
        format!(
            "{} true values but {} predictions",
            y_true.len(),
            y_pred.len()
        )
    })?;
    check_finite(path, "y_true", y_true)?;
    check_finite(path, "y_pred", y_pred)?;
    render_png(path, SCATTER_SIZE, |root| {
        draw_pred_vs_true(root, title, unit, y_true, y_pred)
    })
}

fn draw_pred_vs_true(
    root: &Area,
    title: &str,
    unit: &str,
    y_true: &[f64],
    y_pred: &[f64],
) -> DrawResult {
    let (lo, hi) = min_max(y_true.iter().chain(y_pred).copied()).ok_or("no samples")?;
    let (lo, hi) = padded(lo, hi, 0.05);
    let n = y_true.len() as f64;
    let mse = y_true
        .iter()
        .zip(y_pred)
        .map(|(t, p)| (t - p).powi(2))
        .sum::<f64>()
        / n;
    let mean = y_true.iter().sum::<f64>() / n;
    let var = y_true.iter().map(|t| (t - mean).powi(2)).sum::<f64>() / n;
    let mut stats = format!(
        "samples (n = {}, RMSE {}",
        y_true.len(),
        fmt_num(mse.sqrt())
    );
    if var > 0.0 {
        stats.push_str(&format!(", R² {}", fmt_num(1.0 - mse / var)));
    }
    stats.push(')');

    let (body, _) = titled(root, title, None)?;
    let y_area = y_area_width(&body, lo, hi)?;
    let mut chart = build_chart(&body, (56, y_area), lo..hi, lo..hi)?;
    styled_mesh(&mut chart)
        .x_desc(Axis::new("true").unit(unit).title())
        .y_desc(Axis::new("predicted").unit(unit).title())
        .draw()?;
    let dot = PALETTE[0];
    let radius = if y_true.len() > 2000 { 2 } else { 3 };
    chart
        .draw_series(
            y_true
                .iter()
                .zip(y_pred)
                .map(|(&t, &p)| Circle::new((t, p), radius, dot.mix(0.55).filled())),
        )?
        .label(stats)
        .legend(move |(x, y)| Circle::new((x + 12, y), 5, dot.filled()));
    let red = PALETTE[3].stroke_width(2);
    chart
        .draw_series(DashedLineSeries::new([(lo, lo), (hi, hi)], 10, 6, red))?
        .label("y = x")
        .legend(move |(x, y)| DashedPathElement::new(vec![(x, y), (x + 24, y)], 6, 4, red));
    let samples: Vec<(f64, f64)> = y_true.iter().copied().zip(y_pred.iter().copied()).collect();
    // The diagonal crosses the lower-left and upper-right corners; prefer the other two.
    let corner = match quiet_corner(&samples, (lo, hi), (lo, hi)) {
        SeriesLabelPosition::UpperRight | SeriesLabelPosition::UpperLeft => {
            SeriesLabelPosition::UpperLeft
        }
        _ => SeriesLabelPosition::LowerRight,
    };
    legend_box(&mut chart, corner)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn pred_vs_true_writes_png_and_checks_lengths() {
        let (t, y) = regression(&mut crate::Rng::new(0));
        assert_renders(SCATTER_SIZE, |p| {
            pred_vs_true(p, "Concrete strength", &t, &y)
        });
        assert_rejects("empty", |p| pred_vs_true(p, "t", &[], &[]));
        assert_rejects("lengths", |p| pred_vs_true(p, "t", &[1.0, 2.0], &[1.0]));
        assert_rejects("NaN", |p| pred_vs_true(p, "t", &[1.0], &[f64::NAN]));
    }
}
