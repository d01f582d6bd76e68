//! [`line_plot`]: named series against shared axes.

use std::path::Path;

use super::line_chart::{Line, LineChart};
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
    LineChart::new(title, x_label, y_label, lines).render(path, LINE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;
    use crate::report::plots::Series;

    #[test]
    fn line_plot_writes_png_and_rejects_bad_input() {
        let sine: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64 / 10.0, (i as f64 / 10.0).sin()))
            .collect();
        let cosine: Vec<(f64, f64)> = sine.iter().map(|&(x, _)| (x, x.cos())).collect();
        let waves = [Series::new("sin", sine), Series::new("cos", cosine)];
        assert_renders(LINE_SIZE, |p| line_plot(p, "Waves", "x", "y", &waves));

        let plot = |series: Series| move |p: &Path| line_plot(p, "t", "x", "y", &[series]);
        assert_rejects("no series", |p| line_plot(p, "t", "x", "y", &[]));
        assert_rejects("empty series", plot(Series::new("e", vec![])));
        let nan = Series::new("nan", vec![(0.0, f64::NAN), (1.0, f64::INFINITY)]);
        assert_rejects("all NaN", plot(nan));
        let ok = Series::from_ys("a", 0.0, &[1.0, 2.0]);
        assert_rejects("not .png", |p| plot(ok)(&p.with_extension("jpg")));
    }
}
