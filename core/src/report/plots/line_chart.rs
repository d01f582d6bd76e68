//! The line chart behind [`line_plot`](super::line_plot),
//! [`training_curves`](super::training_curves) and [`forecast`](super::forecast): lines split at
//! non-finite points, an optional dashed vertical marker, dots on short lines, a legend in the
//! emptiest corner.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::layout::{
    build_chart, integer_label, legend_box, min_max, padded, quiet_corner, styled_mesh,
    y_area_width,
};
use super::render::{check, render_png, Area, DrawResult};
use super::style::MARKER_MAX_POINTS;
use crate::report::fmt_num;
use crate::Result;

/// One line of a [`LineChart`], split into runs of finite points.
pub(super) struct Line {
    pub(super) name: String,
    pub(super) runs: Vec<Vec<(f64, f64)>>,
    pub(super) color: RGBColor,
    /// Drawn as hollow rings only (a marker, e.g. the best epoch), no line.
    pub(super) hollow: bool,
}

impl Line {
    pub(super) fn new(name: &str, points: &[(f64, f64)], color: RGBColor) -> Self {
        let mut runs = vec![];
        let mut run = vec![];
        for &(x, y) in points {
            if x.is_finite() && y.is_finite() {
                run.push((x, y));
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
            }
        }
        if !run.is_empty() {
            runs.push(run);
        }
        Self {
            name: name.to_string(),
            runs,
            color,
            hollow: false,
        }
    }

    pub(super) fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.runs.iter().flatten().copied()
    }
}

pub(super) struct LineChart<'a> {
    pub(super) caption: &'a str,
    pub(super) x_label: &'a str,
    pub(super) y_label: &'a str,
    pub(super) lines: Vec<Line>,
    pub(super) vline: Option<(f64, &'a str)>,
    /// Only integer ticks on x (epochs).
    pub(super) integer_x: bool,
}

impl<'a> LineChart<'a> {
    /// A chart of `lines` without a vertical marker, on any x.
    pub(super) fn new(
        caption: &'a str,
        x_label: &'a str,
        y_label: &'a str,
        lines: Vec<Line>,
    ) -> Self {
        Self {
            caption,
            x_label,
            y_label,
            lines,
            vline: None,
            integer_x: false,
        }
    }

    /// Validate, then draw alone on a `size` PNG at `path`.
    pub(super) fn render(&self, path: &Path, size: (u32, u32)) -> Result<()> {
        self.validate(path)?;
        render_png(path, size, |root| self.draw(root))
    }

    pub(super) fn validate(&self, path: &Path) -> Result<()> {
        check(path, !self.lines.is_empty(), || "no series to plot".into())?;
        for (i, line) in self.lines.iter().enumerate() {
            check(path, !line.runs.is_empty(), || {
                let name = if line.name.is_empty() {
                    format!("#{i}")
                } else {
                    format!("'{}'", line.name)
                };
                format!("series {name} has no finite point")
            })?;
        }
        Ok(())
    }

    pub(super) fn draw(&self, area: &Area) -> DrawResult {
        let all = || self.lines.iter().flat_map(Line::points);
        let xs = all().map(|p| p.0).chain(self.vline.map(|v| v.0));
        let (Some((x0, x1)), Some((y0, y1))) = (min_max(xs), min_max(all().map(|p| p.1))) else {
            return Err("no finite point".into());
        };
        let (x0, x1) = if x1 > x0 {
            (x0, x1)
        } else {
            padded(x0, x1, 0.0)
        };
        let (y0, y1) = padded(y0, y1, 0.06);
        let y_area = y_area_width(area, y0, y1)?;
        let mut chart = build_chart(area, self.caption, (56, y_area), x0..x1, y0..y1)?;
        let integer_x = self.integer_x;
        let x_fmt = move |v: &f64| {
            if integer_x {
                integer_label(*v)
            } else {
                fmt_num(*v)
            }
        };
        styled_mesh(&mut chart)
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .draw()?;

        let mut samples = vec![];
        for line in &self.lines {
            for run in &line.runs {
                samples.extend(densify(run));
            }
        }
        let mut named = false;
        if let Some((x, name)) = self.vline {
            let style = RGBColor(110, 110, 110).stroke_width(2);
            chart
                .draw_series(DashedLineSeries::new([(x, y0), (x, y1)], 9, 6, style))?
                .label(name)
                .legend(move |(lx, ly)| {
                    DashedPathElement::new(vec![(lx, ly), (lx + 24, ly)], 6, 4, style)
                });
            named = true;
        }
        for line in &self.lines {
            let color = line.color;
            let style = color.stroke_width(2);
            let dots = line.hollow || line.points().count() <= MARKER_MAX_POINTS;
            for (k, run) in line.runs.iter().enumerate() {
                let anno = if line.hollow {
                    chart.draw_series(
                        run.iter()
                            .map(|&p| Circle::new(p, 7, color.stroke_width(3))),
                    )?
                } else {
                    chart.draw_series(LineSeries::new(run.iter().copied(), style))?
                };
                if k == 0 && !line.name.is_empty() {
                    named = true;
                    if line.hollow {
                        anno.label(line.name.as_str()).legend(move |(lx, ly)| {
                            Circle::new((lx + 12, ly), 6, color.stroke_width(3))
                        });
                    } else {
                        anno.label(line.name.as_str()).legend(move |(lx, ly)| {
                            PathElement::new(vec![(lx, ly), (lx + 24, ly)], color.stroke_width(3))
                        });
                    }
                }
                if dots && !line.hollow {
                    chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
                }
            }
        }
        if named {
            legend_box(&mut chart, quiet_corner(&samples, (x0, x1), (y0, y1)))?;
        }
        Ok(())
    }
}

/// Points along a polyline (8 per segment), so legend placement sees the lines, not just
/// their vertices.
pub(super) fn densify(run: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = run.to_vec();
    for w in run.windows(2) {
        for k in 1..8 {
            let t = k as f64 / 8.0;
            out.push((
                w[0].0 + t * (w[1].0 - w[0].0),
                w[0].1 + t * (w[1].1 - w[0].1),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_points_split_a_line_into_runs() {
        let line = Line::new(
            "l",
            &[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)],
            BLACK,
        );
        assert_eq!(
            line.runs,
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        assert_eq!(densify(&[(0.0, 0.0), (8.0, 16.0)]).len(), 9);
    }
}
