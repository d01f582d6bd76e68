//! [`bar_chart`] and [`BarChart`]: labelled bars, optionally grouped (groups × series, one
//! colour per series), with error bars and reference lines.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::axis::Axis;
use super::layout::{
    build_chart, clip_label, draw_category, draw_label, fit_desc, legend_box, min_max,
    quiet_corner, styled_mesh, tick_count, titled, widest_text, y_area_width, LEGEND_CHARS,
};
use super::line_chart::{check_std, densify};
use super::reference::{beaten_note, draw_ref_lines, reference_and_note_builders, RefLine};
use super::render::{check, check_finite, render_png, Area, DrawResult};
use super::style::{category_color, DESC_PX, LABEL_PX, LINE_SIZE, PALETTE};
use crate::report::fmt_num;
use crate::Result;

/// One bar per label with its value written on it; negative values go below a zero line.
/// Long labels are turned vertical. Size [`LINE_SIZE`]. [`BarChart`] adds grouped bars, error
/// bars, reference lines and units.
pub fn bar_chart(
    path: &Path,
    title: &str,
    labels: &[String],
    values: &[f64],
    y_label: impl Into<Axis>,
) -> Result<()> {
    BarChart::new(title, y_label)
        .bars(labels, values)
        .render(path)
}

/// Grouped bars: for each group (e.g. a data set) one bar per series (e.g. a model), each
/// series in its own colour with a legend entry. Size [`LINE_SIZE`].
pub fn grouped_bar_chart(
    path: &Path,
    title: &str,
    groups: &[String],
    series: &[BarSeries],
    y_label: impl Into<Axis>,
) -> Result<()> {
    let mut chart = BarChart::new(title, y_label).groups(groups);
    chart.series = series.to_vec();
    chart.render(path)
}

/// One drawn bar: `(group, series, x centre, value, std)`.
type Bar = (usize, usize, f64, f64, f64);

/// One series of a [`BarChart`]: a value per group, optionally a standard deviation per group.
#[derive(Debug, Clone, PartialEq)]
pub struct BarSeries {
    /// Legend entry (empty: none; a chart of one unnamed series is a plain bar chart).
    pub name: String,
    /// One value per group.
    pub values: Vec<f64>,
    /// One standard deviation per group, drawn as an error bar; `NaN` where unknown.
    pub std: Option<Vec<f64>>,
}

impl BarSeries {
    /// A series `name` of `values`, one per group.
    pub fn new(name: &str, values: &[f64]) -> Self {
        Self {
            name: name.to_string(),
            values: values.to_vec(),
            std: None,
        }
    }

    /// The same series with a standard deviation per group.
    pub fn with_std(mut self, std: &[f64]) -> Self {
        self.std = Some(std.to_vec());
        self
    }
}

/// A bar chart: groups along x, within each group one bar per series (one colour per series,
/// a legend when there are several), values written on the bars, optional error bars (a
/// standard deviation per bar), horizontal reference lines over the bars ([`RefLine`]: chance,
/// a baseline) and a note under the title, which also says when a baseline beats a bar.
///
/// ```no_run
/// use deepfield_core::report::plots::{Axis, BarChart, RefLine};
/// # fn main() -> deepfield_core::Result<()> {
/// let sets = ["ec2 cpu".to_string(), "rds cpu".to_string()];
/// BarChart::new("Best F1 per data set", Axis::new("F1"))
///     .groups(&sets)
///     .series("StackVAE-G", &[0.61, 0.42])
///     .series_with_std("VAE", &[0.55, 0.47], &[0.03, 0.05])
///     .reference(RefLine::new("all anomalous", 0.3).higher_is_better())
///     .render(std::path::Path::new("f1.png"))?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BarChart {
    /// Title (wrapped and shrunk to fit the image).
    pub title: String,
    /// What the groups are (e.g. "model", "data set"), written under their names; may be empty.
    pub x: Axis,
    /// The value axis.
    pub y: Axis,
    /// Group names along x.
    pub groups: Vec<String>,
    /// One value per group each.
    pub series: Vec<BarSeries>,
    /// Horizontal reference lines over the bars.
    pub references: Vec<RefLine>,
    /// A note under the title.
    pub note: Option<String>,
    /// Image size, [`LINE_SIZE`] by default.
    pub size: (u32, u32),
}

impl BarChart {
    /// An empty chart titled `title` with the value axis `y`.
    pub fn new(title: &str, y: impl Into<Axis>) -> Self {
        Self {
            title: title.to_string(),
            x: Axis::default(),
            y: y.into(),
            groups: vec![],
            series: vec![],
            references: vec![],
            note: None,
            size: LINE_SIZE,
        }
    }

    /// One bar per label: the groups are `labels`, one unnamed series of `values`.
    pub fn bars(self, labels: &[String], values: &[f64]) -> Self {
        self.groups(labels).series("", values)
    }

    /// Set the group names.
    pub fn groups<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.groups = names.iter().map(|s| s.as_ref().to_string()).collect();
        self
    }

    /// Add a series of one value per group.
    pub fn series(mut self, name: &str, values: &[f64]) -> Self {
        self.series.push(BarSeries::new(name, values));
        self
    }

    /// Add a series with a standard deviation per group (error bars).
    pub fn series_with_std(mut self, name: &str, values: &[f64], std: &[f64]) -> Self {
        self.series.push(BarSeries::new(name, values).with_std(std));
        self
    }

    /// Set what the groups are, written under the group names.
    pub fn x_axis(mut self, x: impl Into<Axis>) -> Self {
        self.x = x.into();
        self
    }

    reference_and_note_builders!();

    /// Validate and write the PNG at `path` atomically.
    pub fn render(&self, path: &Path) -> Result<()> {
        self.validate(path)?;
        render_png(path, self.size, |root| self.draw(root))
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let n = self.groups.len();
        check(path, n > 0 && !self.series.is_empty(), || "no bars".into())?;
        for s in &self.series {
            let what = if s.name.is_empty() {
                "values".to_string()
            } else {
                format!("series '{}'", s.name)
            };
            check(path, s.values.len() == n, || {
                if self.series.len() == 1 && s.name.is_empty() {
                    format!("{n} labels but {} values", s.values.len())
                } else {
                    format!("{what} has {} values for {n} groups", s.values.len())
                }
            })?;
            check_finite(path, &what, &s.values)?;
            if let Some(std) = &s.std {
                check_std(path, &what, std, n)?;
            }
        }
        for r in &self.references {
            check(path, r.y.is_finite(), || {
                format!("reference line '{}' is at {}", r.label, r.y)
            })?;
        }
        Ok(())
    }

    /// `(group, series, x centre, value, std)` of every bar, bar half width.
    fn layout(&self) -> (Vec<Bar>, f64) {
        let k = self.series.len();
        let total = if self.groups.len() == 1 && k == 1 {
            0.5
        } else {
            0.8
        };
        let w = total / k as f64;
        let half = if k == 1 {
            w / 2.0 * 0.875
        } else {
            w / 2.0 * 0.9
        };
        let mut bars = vec![];
        for (g, _) in self.groups.iter().enumerate() {
            for (j, s) in self.series.iter().enumerate() {
                let x = g as f64 - total / 2.0 + w * (j as f64 + 0.5);
                let std = s.std.as_ref().map_or(f64::NAN, |v| v[g]);
                bars.push((g, j, x, s.values[g], std));
            }
        }
        (bars, half)
    }

    /// Name of the bar of group `g`, series `j`, in the "beats" note.
    fn bar_name(&self, g: usize, j: usize) -> String {
        let (group, series) = (&self.groups[g], &self.series[j].name);
        if series.is_empty() {
            group.clone()
        } else if self.groups.len() == 1 {
            series.clone()
        } else {
            format!("{series} on {group}")
        }
    }

    fn draw(&self, root: &Area) -> DrawResult {
        let n = self.groups.len();
        let (bars, half) = self.layout();
        let err = |s: f64| if s.is_finite() && s > 0.0 { s } else { 0.0 };
        let ends = bars
            .iter()
            .flat_map(|&(_, _, _, v, s)| [v + err(s), v - err(s)]);
        let refs = self.references.iter().map(|r| r.y);
        let (lo, hi) = min_max(ends.chain(refs)).ok_or("no bars")?;
        let (lo, hi) = (lo.min(0.0), hi.max(0.0));
        let legend = self.series.len() > 1 || !self.references.is_empty();
        let (lo, hi) = if hi > lo {
            // Room for the value labels beyond the bar ends, and for a legend above the bars.
            let span = hi - lo;
            let lo = if lo < 0.0 { lo - 0.1 * span } else { lo };
            let top = if legend { 0.25 } else { 0.1 };
            (lo, if hi > 0.0 { hi + top * span } else { hi })
        } else {
            (0.0, 1.0)
        };
        let models: Vec<(String, f64)> = bars
            .iter()
            .map(|&(g, j, _, v, _)| (self.bar_name(g, j), v))
            .collect();
        let notes: Vec<String> = self
            .note
            .clone()
            .into_iter()
            .chain(beaten_note(&self.references, &models))
            .collect();
        let note = (!notes.is_empty()).then(|| notes.join(" — "));
        let (body, _) = titled(root, &self.title, note.as_deref())?;

        let labels: Vec<String> = self.groups.iter().map(|s| clip_label(s, 30)).collect();
        let label_w = widest_text(&body, &labels, LABEL_PX)? as i32;
        let y_area = y_area_width(&body, lo, hi)?;
        let plot_w = body.dim_in_pixel().0 as i32 - y_area as i32 - 40;
        let slot = plot_w / n as i32;
        let bar_px = (2.0 * half * slot as f64) as i32;
        let vertical = label_w > slot - 8;
        let x_desc = self.x.title();
        let desc_h = if x_desc.is_empty() {
            0
        } else {
            DESC_PX as i32 + 10
        };
        let x_area = if vertical { label_w } else { LABEL_PX as i32 } + 24 + desc_h;

        // Group g is centred on x = g; the x axis has no ticks, the names are drawn below.
        let x_range = -0.5..n as f64 - 0.5;
        let mut chart = build_chart(&body, (x_area as u32, y_area), x_range, lo..hi)?;
        let y_desc = fit_desc(&body, &self.y.title(), body.dim_in_pixel().1 as i32 - 100)?;
        let x_desc = fit_desc(&body, &x_desc, plot_w)?;
        styled_mesh(&mut chart)
            .disable_x_mesh()
            .x_labels(0)
            .y_desc(y_desc)
            .y_labels(tick_count(lo, hi, self.y.integer, 8))
            .max_light_lines(1)
            .draw()?;
        let k = self.series.len();
        let color = |j: usize| {
            if k == 1 {
                PALETTE[0]
            } else {
                category_color(j, k)
            }
        };
        for (j, s) in self.series.iter().enumerate() {
            let c = color(j);
            let anno =
                chart.draw_series(bars.iter().filter(|b| b.1 == j).map(|&(_, _, x, v, _)| {
                    Rectangle::new([(x - half, 0.0), (x + half, v)], c.filled())
                }))?;
            if k > 1 && !s.name.is_empty() {
                anno.label(clip_label(&s.name, LEGEND_CHARS))
                    .legend(move |(lx, ly)| {
                        Rectangle::new([(lx, ly - 6), (lx + 20, ly + 6)], c.filled())
                    });
            }
        }
        if lo < 0.0 {
            let zero = [(-0.5, 0.0), (n as f64 - 0.5, 0.0)];
            chart.draw_series(LineSeries::new(zero, BLACK.stroke_width(1)))?;
        }
        // Error bars: ± one std with caps, in black over the bar.
        let whisker = BLACK.stroke_width(2);
        let cap = (bar_px / 4).clamp(2, 8);
        for &(_, _, x, v, s) in &bars {
            if err(s) > 0.0 {
                let (a, b) = (v - s, v + s);
                chart.draw_series([PathElement::new(vec![(x, a), (x, b)], whisker)])?;
                for y in [a, b] {
                    chart.draw_series([EmptyElement::at((x, y))
                        + PathElement::new(vec![(-cap, 0), (cap, 0)], whisker)])?;
                }
            }
        }
        draw_ref_lines(&mut chart, &self.references, (-0.5, n as f64 - 0.5))?;
        if legend {
            let mut samples = vec![];
            for &(_, _, x, v, s) in &bars {
                let top = v + err(s).copysign(v);
                samples.extend((0..=4).map(|t| (x, top * t as f64 / 4.0)));
            }
            for r in &self.references {
                samples.extend(densify(&[(-0.5, r.y), (n as f64 - 0.5, r.y)]));
            }
            legend_box(
                &mut chart,
                quiet_corner(&samples, (-0.5, n as f64 - 0.5), (lo, hi)),
            )?;
        }

        let value_px = if bar_px >= 40 { LABEL_PX } else { 11 };
        let show_values = bar_px >= 24;
        if show_values {
            for &(_, _, x, v, s) in &bars {
                let end = v + err(s).copysign(v);
                let (cx, vy) = chart.backend_coord(&(x, end));
                let (dy, vpos) = if v >= 0.0 {
                    (-4, VPos::Bottom)
                } else {
                    (4, VPos::Top)
                };
                let at = (cx, vy + dy);
                draw_label(root, &fmt_num(v), at, value_px, (HPos::Center, vpos))?;
            }
        }
        let mut name_bottom = 0;
        for (g, label) in labels.iter().enumerate() {
            let (cx, base) = chart.backend_coord(&(g as f64, lo));
            draw_category(root, label, (cx, base + 8), LABEL_PX, vertical)?;
            name_bottom = base + 8 + if vertical { label_w } else { LABEL_PX as i32 };
        }
        if !x_desc.is_empty() {
            let (l, _) = chart.backend_coord(&(-0.5, lo));
            let (r, _) = chart.backend_coord(&(n as f64 - 0.5, lo));
            let at = ((l + r) / 2, name_bottom + 8);
            draw_label(root, &x_desc, at, DESC_PX, (HPos::Center, VPos::Top))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn bar_chart_writes_png_and_checks_lengths() {
        let values = [0.91, 0.85, 0.42, 0.77, 0.66];
        assert_renders(LINE_SIZE, |p| {
            bar_chart(p, "Accuracy per class", &names(5), &values, "accuracy")
        });
        assert_rejects("empty", |p| bar_chart(p, "t", &[], &[], "y"));
        assert_rejects("lengths", |p| bar_chart(p, "t", &names(2), &[1.0], "y"));
        assert_rejects("NaN", |p| bar_chart(p, "t", &names(1), &[f64::NAN], "y"));
    }

    #[test]
    fn grouped_bars_get_one_colour_per_series_and_a_legend() {
        let models = ["StackVAE-G", "VAE", "LSTM-AE"];
        let sets = ["F1", "PA-F1"];
        let px = render_pixels(|p| {
            let mut chart = BarChart::new("Best F1", "F1").groups(&sets);
            for (i, m) in models.iter().enumerate() {
                chart = chart.series(m, &[0.3 + 0.1 * i as f64, 0.5 + 0.1 * i as f64]);
            }
            chart.render(p)
        });
        for k in 0..3 {
            let n = px.count(category_color(k, 3), 0..px.width, 0..px.height);
            assert!(n > 2000, "series {k}: {n} pixels of its colour");
        }
        // The plain chart keeps one colour.
        let plain = render_pixels(|p| bar_chart(p, "t", &names(3), &[1.0, 2.0, 3.0], "y"));
        assert!(plain.count(PALETTE[0], 0..plain.width, 0..plain.height) > 5000);
        assert_eq!(plain.count(PALETTE[1], 0..plain.width, 0..plain.height), 0);
        assert_rejects("ragged series", |p| {
            BarChart::new("t", "y")
                .groups(&sets)
                .series("a", &[1.0])
                .render(p)
        });
        assert_rejects("no series", |p| {
            BarChart::new("t", "y").groups(&sets).render(p)
        });
    }

    #[test]
    fn bars_get_error_bars_reference_lines_and_a_note_when_beaten() {
        use crate::report::plots::reference::FIRST_REF_COLOR;
        let labels = names(3);
        let values = [0.55, 0.7, 0.8];
        let plain = render_pixels(|p| bar_chart(p, "t", &labels, &values, "accuracy"));
        let std = render_pixels(|p| {
            BarChart::new("t", "accuracy")
                .groups(&labels)
                .series_with_std("", &values, &[0.05, 0.1, f64::NAN])
                .render(p)
        });
        let black = |px: &Pixels| px.count(BLACK, 0..px.width, 0..px.height);
        assert!(
            black(&std) > black(&plain) + 100,
            "{} vs {}",
            black(&std),
            black(&plain)
        );
        assert_rejects("std length", |p| {
            BarChart::new("t", "y")
                .groups(&labels)
                .series_with_std("", &values, &[0.1])
                .render(p)
        });
        // A chance line beaten by every bar: a dashed line, no note.
        let chance = render_pixels(|p| {
            BarChart::new("t", "accuracy")
                .bars(&labels, &values)
                .reference(RefLine::chance(0.33))
                .render(p)
        });
        assert!(!chance
            .rows_with(FIRST_REF_COLOR, chance.width / 3)
            .is_empty());
        assert_eq!(chance.reddish(0..chance.width, 0..90), 0);
        // A baseline above one bar: the note appears under the title.
        let beaten = render_pixels(|p| {
            let majority = RefLine::new("majority class", 0.6).higher_is_better();
            BarChart::new("t", "accuracy")
                .bars(&labels, &values)
                .reference(majority)
                .render(p)
        });
        assert!(beaten.reddish(0..beaten.width, 0..90) > 50);
        // A named x axis is written under the group names.
        let named = render_pixels(|p| {
            BarChart::new("t", "accuracy")
                .bars(&labels, &values)
                .x_axis("model")
                .render(p)
        });
        // Ink under the bars: the group names, and the axis description when there is one.
        let bottom = |px: &Pixels| {
            let last_bar_row = *px.rows_with(PALETTE[0], 10).last().unwrap();
            let rows = last_bar_row + 2..px.height;
            px.width * rows.len() - px.count(WHITE, 0..px.width, rows)
        };
        assert!(bottom(&named) > bottom(&plain) + 50);
    }
}
