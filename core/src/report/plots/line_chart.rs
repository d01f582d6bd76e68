//! The line chart behind [`line_plot`](super::line_plot),
//! [`training_curves`](super::training_curves) and [`forecast`](super::forecast): lines split at
//! non-finite points, an optional dashed vertical marker, dots on short lines, a legend in the
//! emptiest corner.

use std::path::Path;

use plotters::element::DashedPathElement;
use plotters::prelude::*;

use super::axis::Axis;
use super::layout::{
    all_integers, build_chart, clip_label, fit_desc, integer_label, legend_box, min_max, padded,
    quiet_corner, styled_mesh, tick_count, titled, y_area_width, BoxResult, Chart, LEGEND_CHARS,
};
use super::reference::{beaten_note, draw_ref_lines, RefLine};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::MARKER_MAX_POINTS;
use crate::report::fmt_num;
use crate::Result;

/// One line of a [`LineChart`], split into runs of finite points.
pub(super) struct Line {
    pub(super) name: String,
    pub(super) runs: Vec<Vec<(f64, f64)>>,
    /// The standard deviation at each point of `runs` (same shape); `None` without error bars.
    pub(super) std: Option<Vec<Vec<f64>>>,
    pub(super) color: RGBColor,
    /// Drawn as hollow rings only (a marker, e.g. the best epoch), no line.
    pub(super) hollow: bool,
}

impl Line {
    pub(super) fn new(name: &str, points: &[(f64, f64)], color: RGBColor) -> Self {
        Self::with_std(name, points, None, color)
    }

    /// A line with a standard deviation per point (`std[i]` belongs to `points[i]`; a
    /// non-finite one draws no bar). The lengths were checked by the caller.
    pub(super) fn with_std(
        name: &str,
        points: &[(f64, f64)],
        std: Option<&[f64]>,
        color: RGBColor,
    ) -> Self {
        let mut runs = vec![];
        let mut stds = vec![];
        let (mut run, mut run_std) = (vec![], vec![]);
        for (i, &(x, y)) in points.iter().enumerate() {
            if x.is_finite() && y.is_finite() {
                run.push((x, y));
                run_std.push(std.and_then(|s| s.get(i).copied()).unwrap_or(f64::NAN));
            } else if !run.is_empty() {
                runs.push(std::mem::take(&mut run));
                stds.push(std::mem::take(&mut run_std));
            }
        }
        if !run.is_empty() {
            runs.push(run);
            stds.push(run_std);
        }
        Self {
            name: name.to_string(),
            runs,
            std: std.map(|_| stds),
            color,
            hollow: false,
        }
    }

    pub(super) fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.runs.iter().flatten().copied()
    }

    /// `(x, y − std, y + std)` at every point with a finite, positive std.
    fn error_bars(&self) -> impl Iterator<Item = (f64, f64, f64)> + '_ {
        let stds = self.std.iter().flatten().flatten();
        self.points()
            .zip(stds)
            .filter(|(_, s)| s.is_finite() && **s > 0.0)
            .map(|((x, y), s)| (x, y - s, y + s))
    }

    fn last(&self) -> Option<f64> {
        self.points().last().map(|p| p.1)
    }
}

/// Check a per-point standard deviation: as many as points, none negative or infinite (`NaN`
/// means unknown: no bar).
pub(super) fn check_std(path: &Path, what: &str, std: &[f64], n: usize) -> Result<()> {
    check(path, std.len() == n, || {
        format!("{what}: {} standard deviations for {n} points", std.len())
    })?;
    match std.iter().position(|s| *s < 0.0 || s.is_infinite()) {
        Some(i) => Err(plot_error(
            path,
            format!("{what}: standard deviation [{i}] is {}", std[i]),
        )),
        None => Ok(()),
    }
}

pub(super) struct LineChart<'a> {
    pub(super) caption: &'a str,
    pub(super) x: Axis,
    pub(super) y: Axis,
    pub(super) lines: Vec<Line>,
    pub(super) vline: Option<(f64, &'a str)>,
    /// Horizontal reference lines, drawn over the lines.
    pub(super) refs: Vec<RefLine>,
    /// Shaded x intervals behind the lines (labelled windows), with their legend entry.
    pub(super) bands: Option<(Vec<(f64, f64)>, &'a str)>,
    /// A note under the title, before the automatic "baseline beats …".
    pub(super) note: Option<&'a str>,
}

/// The fill of [`LineChart::bands`].
pub(super) const BAND_COLOR: RGBColor = RGBColor(255, 200, 200);

impl<'a> LineChart<'a> {
    /// A chart of `lines` without a vertical marker, on any x.
    pub(super) fn new(caption: &'a str, x: Axis, y: Axis, lines: Vec<Line>) -> Self {
        Self {
            caption,
            x,
            y,
            lines,
            vline: None,
            refs: vec![],
            bands: None,
            note: None,
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
        for r in &self.refs {
            check(path, r.y.is_finite(), || {
                format!("reference line '{}' is at {}", r.label, r.y)
            })?;
        }
        Ok(())
    }

    /// The note under the title: the caller's, then which models a reference beats (by each
    /// named line's last value).
    pub(super) fn full_note(&self) -> Option<String> {
        let models: Vec<(String, f64)> = self
            .lines
            .iter()
            .filter(|l| !l.hollow && !l.name.is_empty())
            .filter_map(|l| Some((l.name.clone(), l.last()?)))
            .collect();
        let notes: Vec<String> = self
            .note
            .map(str::to_string)
            .into_iter()
            .chain(beaten_note(&self.refs, &models))
            .collect();
        (!notes.is_empty()).then(|| notes.join(" — "))
    }

    pub(super) fn draw(&self, area: &Area) -> DrawResult {
        let all = || self.lines.iter().flat_map(Line::points);
        let xs = all().map(|p| p.0).chain(self.vline.map(|v| v.0));
        let errs = || self.lines.iter().flat_map(Line::error_bars);
        let ys = all()
            .map(|p| p.1)
            .chain(errs().flat_map(|(_, lo, hi)| [lo, hi]))
            .chain(self.refs.iter().map(|r| r.y));
        let (Some((x0, x1)), Some((y0, y1))) = (min_max(xs), min_max(ys)) else {
            return Err("no finite point".into());
        };
        let (x0, x1) = if x1 > x0 {
            (x0, x1)
        } else {
            padded(x0, x1, 0.0)
        };
        let (y0, y1) = padded(y0, y1, 0.06);
        let note = self.full_note();
        let (body, _) = titled(area, self.caption, note.as_deref())?;
        let y_area = y_area_width(&body, y0, y1)?;
        let mut chart = build_chart(&body, (56, y_area), x0..x1, y0..y1)?;
        let integer_x = self.x.integer || all_integers(all().map(|p| p.0));
        let integer_y = self.y.integer;
        let fmt = |integer: bool| {
            move |v: &f64| {
                if integer {
                    integer_label(*v)
                } else {
                    fmt_num(*v)
                }
            }
        };
        let (x_fmt, y_fmt) = (fmt(integer_x), fmt(integer_y));
        let (w, h) = body.dim_in_pixel();
        let x_desc = fit_desc(&body, &self.x.title(), w as i32 - y_area as i32 - 40)?;
        let y_desc = fit_desc(&body, &self.y.title(), h as i32 - 100)?;
        styled_mesh(&mut chart)
            .x_desc(x_desc)
            .y_desc(y_desc)
            .x_labels(tick_count(x0, x1, integer_x, 10))
            .y_labels(tick_count(y0, y1, integer_y, 8))
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&y_fmt)
            .draw()?;

        let mut samples = vec![];
        let mut named = false;
        if let Some((bands, name)) = &self.bands {
            let fill = BAND_COLOR.filled();
            let anno = chart.draw_series(
                bands
                    .iter()
                    .map(|&(a, b)| Rectangle::new([(a.max(x0), y0), (b.min(x1), y1)], fill)),
            )?;
            if !bands.is_empty() && !name.is_empty() {
                named = true;
                anno.label(*name).legend(move |(lx, ly)| {
                    Rectangle::new([(lx, ly - 6), (lx + 24, ly + 6)], fill)
                });
            }
        }
        for line in &self.lines {
            for run in &line.runs {
                samples.extend(densify(run));
            }
        }
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
        let plot_w = chart.plotting_area().dim_in_pixel().0 as usize;
        for line in &self.lines {
            named |= draw_line(&mut chart, line, plot_w)?;
        }
        draw_ref_lines(&mut chart, &self.refs, (x0, x1))?;
        named |= !self.refs.is_empty();
        if named {
            for r in &self.refs {
                samples.extend(densify(&[(x0, r.y), (x1, r.y)]));
            }
            legend_box(&mut chart, quiet_corner(&samples, (x0, x1), (y0, y1)))?;
        }
        Ok(())
    }
}

/// Draw one line (its error bars or band first); returns whether it has a legend entry.
fn draw_line(chart: &mut Chart, line: &Line, plot_w: usize) -> BoxResult<bool> {
    let color = line.color;
    let n_points = line.points().count();
    let dots = line.hollow || n_points <= MARKER_MAX_POINTS;
    // More points than pixel columns: a 1-pixel line, which stays a readable band.
    let width = if n_points > plot_w { 1 } else { 2 };
    let style = color.stroke_width(width);
    if let Some(stds) = &line.std {
        if dots {
            let bar = color.stroke_width(2);
            for (x, lo, hi) in line.error_bars() {
                chart.draw_series([PathElement::new(vec![(x, lo), (x, hi)], bar)])?;
                for y in [lo, hi] {
                    chart.draw_series([
                        EmptyElement::at((x, y)) + PathElement::new(vec![(-5, 0), (5, 0)], bar)
                    ])?;
                }
            }
        } else {
            // Dense lines: a shaded band of ± one std instead of a forest of bars.
            for (run, std) in line.runs.iter().zip(stds) {
                let mut poly: Vec<(f64, f64)> = vec![];
                let upper = run.iter().zip(std).map(|(&(x, y), s)| (x, y + s.max(0.0)));
                let lower = run
                    .iter()
                    .zip(std)
                    .rev()
                    .map(|(&(x, y), s)| (x, y - s.max(0.0)));
                poly.extend(upper.filter(|p| p.1.is_finite()));
                poly.extend(lower.filter(|p| p.1.is_finite()));
                chart.draw_series([Polygon::new(poly, color.mix(0.2).filled())])?;
            }
        }
    }
    let mut named = false;
    for (k, run) in line.runs.iter().enumerate() {
        let anno = if line.hollow {
            chart.draw_series(
                run.iter()
                    .map(|&p| Circle::new(p, 7, color.stroke_width(3))),
            )?
        } else if run.len() == 1 {
            chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))?
        } else {
            // Segment by segment: plotters joins a thick polyline with mitres that shoot far
            // past the data where a dense line turns back on itself.
            chart.draw_series(
                run.windows(2)
                    .map(|w| PathElement::new(vec![w[0], w[1]], style)),
            )?
        };
        if k == 0 && !line.name.is_empty() {
            named = true;
            if line.hollow {
                anno.label(clip_label(&line.name, LEGEND_CHARS))
                    .legend(move |(lx, ly)| Circle::new((lx + 12, ly), 6, color.stroke_width(3)));
            } else {
                anno.label(clip_label(&line.name, LEGEND_CHARS))
                    .legend(move |(lx, ly)| {
                        PathElement::new(vec![(lx, ly), (lx + 24, ly)], color.stroke_width(3))
                    });
            }
        }
        if dots && !line.hollow {
            chart.draw_series(run.iter().map(|&p| Circle::new(p, 3, color.filled())))?;
        }
    }
    Ok(named)
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
