//! [`line_plot`] and [`LinePlot`]: named series against shared axes.

use std::path::Path;

use super::axis::Axis;
use super::line_chart::{check_std, Line, LineChart};
use super::reference::{reference_and_note_builders, RefLine};
use super::series::Series;
use super::style::{category_color, LINE_SIZE};
use crate::Result;

/// Lines `series` against shared axes, each in its own colour with a legend entry (placed in
/// the emptiest corner). Size [`LINE_SIZE`]. [`LinePlot`] adds reference lines, a note and
/// error bars; the axes take units (`Axis::new("time").unit("s")`).
pub fn line_plot(
    path: &Path,
    title: &str,
    x_label: impl Into<Axis>,
    y_label: impl Into<Axis>,
    series: &[Series],
) -> Result<()> {
    LinePlot::new(title, x_label, y_label)
        .series(series.iter().cloned())
        .render(path)
}

/// A line chart: series (each optionally with a standard deviation per point, drawn as error
/// bars), labelled axes with units, horizontal reference lines drawn over the series (chance,
/// a baseline, a threshold: [`RefLine`]) and a note under the title. When a reference that knows
/// which direction is better beats a series' last value, the note says so.
///
/// ```no_run
/// use deepfield_core::report::plots::{Axis, LinePlot, RefLine, Series};
/// # fn main() -> deepfield_core::Result<()> {
/// LinePlot::new("Accuracy per epoch", Axis::new("epoch"), "accuracy")
///     .series([Series::from_ys("GCN", 1.0, &[0.5, 0.7, 0.8])])
///     .reference(RefLine::chance(1.0 / 7.0))
///     .render(std::path::Path::new("accuracy.png"))?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LinePlot {
    /// Title (wrapped and shrunk to fit the image).
    pub title: String,
    /// The x axis (whole-number ticks when every x is whole, e.g. epochs).
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// The lines, coloured in order.
    pub series: Vec<Series>,
    /// Horizontal reference lines over the series.
    pub references: Vec<RefLine>,
    /// A note under the title (in red, like the "baseline beats …" note it precedes).
    pub note: Option<String>,
    /// Image size, [`LINE_SIZE`] by default.
    pub size: (u32, u32),
}

impl LinePlot {
    /// An empty plot titled `title` with axes `x` and `y`.
    pub fn new(title: &str, x: impl Into<Axis>, y: impl Into<Axis>) -> Self {
        Self {
            title: title.to_string(),
            x: x.into(),
            y: y.into(),
            series: vec![],
            references: vec![],
            note: None,
            size: LINE_SIZE,
        }
    }

    /// Add lines.
    pub fn series(mut self, series: impl IntoIterator<Item = Series>) -> Self {
        self.series.extend(series);
        self
    }

    reference_and_note_builders!();

    /// Validate and write the PNG at `path` atomically.
    pub fn render(&self, path: &Path) -> Result<()> {
        let n = self.series.len();
        let mut lines = vec![];
        for (i, s) in self.series.iter().enumerate() {
            if let Some(std) = &s.std {
                check_std(path, &format!("series '{}'", s.name), std, s.points.len())?;
            }
            let color = category_color(i, n);
            lines.push(Line::with_std(&s.name, &s.points, s.std.as_deref(), color));
        }
        let mut chart = LineChart::new(&self.title, self.x.clone(), self.y.clone(), lines);
        chart.refs = self.references.clone();
        chart.note = self.note.as_deref();
        chart.render(path, self.size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;
    use crate::report::plots::{Axis, Series};
    use plotters::style::BLACK;

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

    /// A dense, jagged series of values ≥ 0.01 with a reference line at 0: nothing of the
    /// series may appear below that line. Drawn as one thick polyline, plotters' mitre joins
    /// shot spikes far below 0 (and out of the plot).
    fn jagged(n: usize) -> Series {
        let mut rng = crate::Rng::new(3);
        let ys: Vec<f64> = (0..n)
            .map(|i| {
                let burst = if i % 500 < 20 {
                    0.7 * rng.uniform()
                } else {
                    0.0
                };
                0.01 + 0.2 * rng.uniform().powi(4) + burst
            })
            .collect();
        Series::from_ys("", 0.0, &ys)
    }

    #[test]
    fn dense_jagged_lines_stay_above_their_minimum() {
        use crate::report::plots::reference::FIRST_REF_COLOR;
        use crate::report::plots::style::PALETTE;
        for n in [4000, 300] {
            let px = render_pixels(|p| {
                LinePlot::new("score", "step", "score")
                    .series([jagged(n)])
                    .reference(RefLine::new("zero", 0.0))
                    .render(p)
            });
            // The zero line: the lowest row where the dashed reference spans the plot.
            let rows = px.rows_with(FIRST_REF_COLOR, px.width / 3);
            let zero = *rows.last().expect("reference line drawn");
            assert!(zero > px.height / 2, "{n}: zero line at row {zero}");
            let below = px.count(PALETTE[0], 0..px.width, zero + 1..px.height);
            assert_eq!(below, 0, "{n} points: {below} pixels of the line below 0");
            assert!(
                px.count(PALETTE[0], 0..px.width, 0..zero) > 2000,
                "{n}: line drawn"
            );
        }
    }

    #[test]
    fn error_bars_units_and_reference_lines_are_drawn() {
        use crate::report::plots::reference::FIRST_REF_COLOR;
        use crate::report::plots::style::PALETTE;
        let acc = [0.5, 0.7, 0.8, 0.82];
        let plain = Series::from_ys("GCN", 1.0, &acc);
        let with_std = plain.clone().with_std(vec![0.05, 0.04, f64::NAN, 0.02]);
        let base = |s: Series| LinePlot::new("Accuracy", "epoch", "accuracy").series([s]);
        let a = render_pixels(|p| base(plain.clone()).render(p));
        let b = render_pixels(|p| base(with_std.clone()).render(p));
        // Error bars are vertical strokes in the line's colour: far more of it.
        let blue = |px: &Pixels| px.count(PALETTE[0], 0..px.width, 0..px.height);
        assert!(blue(&b) > blue(&a) + 300, "{} vs {}", blue(&b), blue(&a));
        assert_rejects("std length", |p| {
            base(plain.clone().with_std(vec![0.1])).render(p)
        });
        assert_rejects("negative std", |p| {
            base(plain.clone().with_std(vec![0.1, -0.1, 0.0, 0.0])).render(p)
        });
        // A unit changes the axis text.
        let c = render_pixels(|p| {
            LinePlot::new("Accuracy", "epoch", Axis::new("accuracy").unit("%"))
                .series([plain.clone()])
                .render(p)
        });
        assert_ne!(
            a.count(BLACK, 0..a.width, 0..a.height),
            c.count(BLACK, 0..c.width, 0..c.height)
        );
        // Chance is a dashed line across the plot with a legend entry; it beats no model here,
        // so no note. A majority baseline of 0.9 beats the model: a red note under the title.
        let chance = render_pixels(|p| {
            base(plain.clone())
                .reference(RefLine::chance(0.25))
                .render(p)
        });
        assert!(!chance
            .rows_with(FIRST_REF_COLOR, chance.width / 3)
            .is_empty());
        assert_eq!(chance.reddish(0..chance.width, 0..90), 0);
        let beaten = render_pixels(|p| {
            base(plain.clone())
                .reference(RefLine::new("majority class", 0.9).higher_is_better())
                .render(p)
        });
        assert!(beaten.reddish(0..beaten.width, 0..90) > 50);
    }
}
