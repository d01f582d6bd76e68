//! [`line_plot`]: named series against shared axes.

use std::path::Path;

use super::line_chart::{Line, LineChart};
use super::render::render_png;
use super::series::Series;
use super::style::{category_color, LINE_SIZE};
use crate::Result;

/// Lines `series` against shared axes, each in its own colour with a legend entry (placed in
/// the emptiest corner). Size [`LINE_SIZE`].
pub fn line_plot(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<()> {
    let lines: Vec<Line> = series
        .iter()
        .enumerate()
        .map(|(i, s)| Line::new(&s.name, &s.points, category_color(i, series.len())))
        .collect();
    let chart = LineChart {
        caption: title,
        x_label,
        y_label,
        lines,
        vline: None,
        integer_x: false,
    };
    chart.validate(path)?;
    render_png(path, LINE_SIZE, |root| chart.draw(root))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;
    use crate::report::plots::Series;

    #[test]
    fn line_plot_writes_png_and_rejects_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("lines.png");
        let sine: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64 / 10.0, (i as f64 / 10.0).sin()))
            .collect();
        let cosine: Vec<(f64, f64)> = sine.iter().map(|&(x, _)| (x, x.cos())).collect();
        line_plot(
            &p,
            "Waves",
            "x",
            "y",
            &[Series::new("sin", sine), Series::new("cos", cosine)],
        )
        .unwrap();
        assert_plot(&p, LINE_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(dir.path(), line_plot(&p, "t", "x", "y", &[]), "no series");
        assert_fails_cleanly(
            dir.path(),
            line_plot(&p, "t", "x", "y", &[Series::new("e", vec![])]),
            "empty series",
        );
        let nan = Series::new("nan", vec![(0.0, f64::NAN), (1.0, f64::INFINITY)]);
        assert_fails_cleanly(dir.path(), line_plot(&p, "t", "x", "y", &[nan]), "all NaN");
        let q = dir.path().join("plot.jpg");
        let ok = Series::from_ys("a", 0.0, &[1.0, 2.0]);
        assert_fails_cleanly(dir.path(), line_plot(&q, "t", "x", "y", &[ok]), "not .png");
    }
}
