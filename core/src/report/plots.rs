//! PNG plots for result folders, drawn with `plotters` on a bitmap: line plots, training
//! curves, confusion matrices, heat maps, predicted-vs-true scatter, forecasts, class-coloured
//! embeddings and bar charts.
//!
//! Every function takes plain numbers (no trainer or tensor types), validates them first and
//! returns [`Error::Plot`] naming the file instead of panicking on empty, ragged or non-finite
//! input. A PNG is rendered to a temporary file beside the target and renamed into place, so a
//! failed plot leaves neither a partial file nor a temporary one (and an older plot stays).
//!
//! Non-finite values are errors, except in line plots ([`line_plot`], [`training_curves`],
//! [`forecast`]): there a non-finite point breaks the line (a loss that diverged to `NaN` shows
//! as a gap), but a series without any finite point is still an error.

use std::path::Path;

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde::{Deserialize, Serialize};

use super::fmt_num;
use crate::{fsutil, Error, Result};

/// Image size of [`line_plot`], [`bar_chart`] and of [`training_curves`] without a metric.
pub const LINE_SIZE: (u32, u32) = (1000, 640);
/// Image size of [`training_curves`] with a metric panel (two panels side by side).
pub const TWO_PANEL_SIZE: (u32, u32) = (1500, 600);
/// Image size of [`confusion_matrix`].
pub const CONFUSION_SIZE: (u32, u32) = (900, 840);
/// Image size of [`heatmap`].
pub const HEATMAP_SIZE: (u32, u32) = (1000, 720);
/// Image size of [`pred_vs_true`] and [`scatter_classes`].
pub const SCATTER_SIZE: (u32, u32) = (860, 800);
/// Image size of [`forecast`].
pub const FORECAST_SIZE: (u32, u32) = (1300, 600);

const FONT: &str = "sans-serif";
const TITLE_PX: u32 = 26;
const DESC_PX: u32 = 19;
const LABEL_PX: u32 = 15;
const LEGEND_PX: u32 = 16;
/// Lines with at most this many points also get a dot at every point.
const MARKER_MAX_POINTS: usize = 40;
const GRID_BOLD: RGBColor = RGBColor(215, 215, 215);
const GRID_LIGHT: RGBColor = RGBColor(240, 240, 240);
const OBSERVED: RGBColor = RGBColor(30, 30, 30);

/// Tableau-10: distinct, colour-blind-friendlier categorical colours.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Sequential white → dark blue (matplotlib "Blues"), for fractions.
const BLUES: [(u8, u8, u8); 9] = [
    (247, 251, 255),
    (222, 235, 247),
    (198, 219, 239),
    (158, 202, 225),
    (107, 174, 214),
    (66, 146, 198),
    (33, 113, 181),
    (8, 81, 156),
    (8, 48, 107),
];

/// Perceptually uniform dark purple → yellow (matplotlib "viridis"), for non-negative data.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// Diverging blue → grey → red (matplotlib "coolwarm"), for data with both signs.
const COOLWARM: [(u8, u8, u8); 5] = [
    (59, 76, 192),
    (141, 176, 254),
    (221, 221, 221),
    (244, 154, 123),
    (180, 4, 38),
];

/// The white bitmap a [`render_png`] closure draws on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// What a drawing closure returns (plotters' errors boxed).
pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// One named line of points `(x, y)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Legend entry (an empty name gets no entry).
    pub name: String,
    /// The points, drawn in this order.
    pub points: Vec<(f64, f64)>,
}

impl Series {
    /// A series from points.
    pub fn new(name: &str, points: Vec<(f64, f64)>) -> Self {
        Self {
            name: name.to_string(),
            points,
        }
    }

    /// A series of `ys` at x = `first_x`, `first_x + 1`, … (e.g. epochs from 1).
    pub fn from_ys(name: &str, first_x: f64, ys: &[f64]) -> Self {
        let points = ys
            .iter()
            .enumerate()
            .map(|(i, &y)| (first_x + i as f64, y))
            .collect();
        Self::new(name, points)
    }
}

/// The `i`-th of `n` categorical colours: Tableau-10 up to 10, evenly spaced hues beyond.
pub fn category_color(i: usize, n: usize) -> RGBColor {
    if n <= PALETTE.len() {
        PALETTE[i % PALETTE.len()]
    } else {
        let (r, g, b) = HSLColor(i as f64 / n as f64, 0.65, 0.45).rgb();
        RGBColor(r, g, b)
    }
}

// ---------------------------------------------------------------------------------------------
// Public plots
// ---------------------------------------------------------------------------------------------

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

/// Loss per epoch (training, and validation if given; its best epoch is marked) and, if
/// given, a validation metric per epoch in a second panel. Epochs are numbered from 1; the
/// series may have different lengths. Size [`TWO_PANEL_SIZE`] with a metric, else
/// [`LINE_SIZE`].
pub fn training_curves(
    path: &Path,
    train_loss: &[f64],
    val_loss: Option<&[f64]>,
    val_metric: Option<(&str, &[f64])>,
) -> Result<()> {
    let epochs = |ys: &[f64]| Series::from_ys("", 1.0, ys).points;
    let mut lines = vec![Line::new("training loss", &epochs(train_loss), PALETTE[0])];
    if let Some(val) = val_loss {
        lines.push(Line::new("validation loss", &epochs(val), PALETTE[1]));
        let best = val
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .min_by(|a, b| a.1.total_cmp(b.1));
        if let Some((i, &v)) = best {
            let mut mark = Line::new(
                &format!("best validation (epoch {})", i + 1),
                &[(i as f64 + 1.0, v)],
                PALETTE[3],
            );
            mark.hollow = true;
            lines.push(mark);
        }
    }
    let loss = LineChart {
        caption: "Loss",
        x_label: "epoch",
        y_label: "loss",
        lines,
        vline: None,
        integer_x: true,
    };
    loss.validate(path)?;
    let Some((name, values)) = val_metric else {
        return render_png(path, LINE_SIZE, |root| loss.draw(root));
    };
    let metric = LineChart {
        caption: name,
        x_label: "epoch",
        y_label: name,
        lines: vec![Line::new(
            &format!("validation {name}"),
            &epochs(values),
            PALETTE[2],
        )],
        vline: None,
        integer_x: true,
    };
    metric.validate(path)?;
    render_png(path, TWO_PANEL_SIZE, |root| {
        let (left, right) = root.split_horizontally(TWO_PANEL_SIZE.0 / 2);
        loss.draw(&left)?;
        metric.draw(&right)
    })
}

/// A confusion matrix (`matrix[true][predicted]`): cells coloured by the row-normalised
/// fraction (recall per class; empty rows stay white), raw counts written in the cells, a
/// colour bar for the fraction. Size [`CONFUSION_SIZE`]; fails if the classes do not fit.
pub fn confusion_matrix(
    path: &Path,
    matrix: &[Vec<u64>],
    class_names: &[String],
    title: &str,
) -> Result<()> {
    let n = matrix.len();
    check(path, n > 0, || "the confusion matrix is empty".into())?;
    check(path, class_names.len() == n, || {
        format!(
            "{} class names for a {n}×{n} confusion matrix",
            class_names.len()
        )
    })?;
    if let Some((i, row)) = matrix.iter().enumerate().find(|(_, r)| r.len() != n) {
        return Err(plot_error(
            path,
            format!("row {i} has {} entries, expected {n}", row.len()),
        ));
    }
    render_png(path, CONFUSION_SIZE, |root| {
        draw_confusion(root, matrix, class_names, title)
    })
}

/// A heat map of `values[row][col]` (row 0 at the top, like a matrix), e.g. an MFCC image or
/// a learned adjacency matrix, with a colour bar. Colours: viridis for data of one sign,
/// a diverging blue–red map centred on 0 when the data has both signs. Each pixel shows its
/// nearest cell, so matrices larger than the image are sub-sampled. Size [`HEATMAP_SIZE`].
pub fn heatmap(
    path: &Path,
    title: &str,
    values: &[Vec<f64>],
    x_label: &str,
    y_label: &str,
) -> Result<()> {
    let rows = values.len();
    let cols = values.first().map_or(0, Vec::len);
    check(path, rows > 0 && cols > 0, || {
        "the heat map has no values".into()
    })?;
    if let Some((i, row)) = values.iter().enumerate().find(|(_, r)| r.len() != cols) {
        return Err(plot_error(
            path,
            format!("row {i} has {} values, row 0 has {cols}", row.len()),
        ));
    }
    for (i, row) in values.iter().enumerate() {
        if let Some(j) = row.iter().position(|v| !v.is_finite()) {
            return Err(plot_error(path, format!("value [{i}][{j}] is {}", row[j])));
        }
    }
    render_png(path, HEATMAP_SIZE, |root| {
        draw_heatmap(root, title, values, x_label, y_label)
    })
}

/// Predicted against true values (regression): one dot per sample, the line y = x, and
/// n, RMSE and R² in the legend. Both axes share one range. Size [`SCATTER_SIZE`].
pub fn pred_vs_true(path: &Path, title: &str, y_true: &[f64], y_pred: &[f64]) -> Result<()> {
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
        draw_pred_vs_true(root, title, y_true, y_pred)
    })
}

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

/// 2-D points (e.g. an embedding after PCA/t-SNE) coloured by class `labels[i]`, which index
/// `class_names`; a legend lists the classes that occur. Axes read "dimension 1/2"; see
/// [`scatter_classes_with_axes`] for named axes. Size [`SCATTER_SIZE`].
pub fn scatter_classes(
    path: &Path,
    title: &str,
    points: &[(f64, f64)],
    labels: &[usize],
    class_names: &[String],
) -> Result<()> {
    scatter_classes_with_axes(
        path,
        title,
        ("dimension 1", "dimension 2"),
        points,
        labels,
        class_names,
    )
}

/// [`scatter_classes`] with the axis descriptions `(x, y)`.
pub fn scatter_classes_with_axes(
    path: &Path,
    title: &str,
    axes: (&str, &str),
    points: &[(f64, f64)],
    labels: &[usize],
    class_names: &[String],
) -> Result<()> {
    check(path, !points.is_empty(), || "no points".into())?;
    check(path, points.len() == labels.len(), || {
        format!("{} points but {} labels", points.len(), labels.len())
    })?;
    if let Some((i, &l)) = labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l >= class_names.len())
    {
        return Err(plot_error(
            path,
            format!(
                "label {l} of point {i} has no class name ({} names)",
                class_names.len()
            ),
        ));
    }
    if let Some(i) = points
        .iter()
        .position(|p| !p.0.is_finite() || !p.1.is_finite())
    {
        return Err(plot_error(path, format!("point {i} is {:?}", points[i])));
    }
    render_png(path, SCATTER_SIZE, |root| {
        draw_scatter_classes(root, title, axes, points, labels, class_names)
    })
}

/// One bar per label with its value written on it; negative values go below a zero line.
/// Long labels are turned vertical. Size [`LINE_SIZE`].
pub fn bar_chart(
    path: &Path,
    title: &str,
    labels: &[String],
    values: &[f64],
    y_label: &str,
) -> Result<()> {
    check(path, !values.is_empty(), || "no bars".into())?;
    check(path, labels.len() == values.len(), || {
        format!("{} labels but {} values", labels.len(), values.len())
    })?;
    check_finite(path, "values", values)?;
    render_png(path, LINE_SIZE, |root| {
        draw_bars(root, title, labels, values, y_label)
    })
}

// ---------------------------------------------------------------------------------------------
// Rendering and validation
// ---------------------------------------------------------------------------------------------

fn plot_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Plot {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

fn check(path: &Path, ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(plot_error(path, message()))
    }
}

fn check_finite(path: &Path, what: &str, xs: &[f64]) -> Result<()> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(plot_error(path, format!("{what}[{i}] is {}", xs[i]))),
        None => Ok(()),
    }
}

/// Draw onto a white `size` bitmap and write it to `path` (must end in `.png`) atomically:
/// the image goes to a temporary `.png` beside the target, then is renamed into place. The way
/// to write a custom plot (a network drawing, a map) with the same guarantees as the plots here.
pub fn render_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> DrawResult,
) -> Result<()> {
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    check(path, is_png, || {
        "plots are PNG files: the name must end in .png".into()
    })?;
    fsutil::write_atomic_with(path, |tmp| {
        // The bitmap encoder picks the format from the extension, so the temporary file must
        // end in .png too; fsutil's own temporary name is where it goes before the final rename.
        let png_tmp = tmp.with_extension("png");
        let drawn = draw_bitmap(&png_tmp, size, draw).map_err(|e| plot_error(path, e.to_string()));
        let result =
            drawn.and_then(|()| std::fs::rename(&png_tmp, tmp).map_err(|e| Error::io(tmp, e)));
        if result.is_err() {
            let _ = std::fs::remove_file(&png_tmp);
        }
        result
    })
}

fn draw_bitmap(png: &Path, size: (u32, u32), draw: impl FnOnce(&Area) -> DrawResult) -> DrawResult {
    let root = BitMapBackend::new(png, size).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root)?;
    root.present()?;
    Ok(())
}

/// `(lo, hi)` widened by `frac` of the span on each side; a zero span gets a unit-ish width.
fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        let d = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 1.0 };
        (lo - d, hi + d)
    } else {
        (lo - frac * span, hi + frac * span)
    }
}

fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

/// Interpolate the colour map `stops` (evenly spaced) at `t` in [0, 1].
fn colormap(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (stops.len() - 1) as f64;
    let i = (pos.floor() as usize).min(stops.len() - 2);
    let f = pos - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

fn luminance(c: RGBColor) -> f64 {
    0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64
}

fn font(px: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, px).into_font())
}

fn text_width(
    area: &Area,
    text: &str,
    px: u32,
) -> std::result::Result<u32, Box<dyn std::error::Error>> {
    Ok(area.estimate_text_size(text, &font(px))?.0)
}

/// Shorten labels that would eat the whole image.
fn clip_label(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

/// Width of the y label area: the widest of a few tick-like labels plus room for the title.
fn y_area_width(
    area: &Area,
    lo: f64,
    hi: f64,
) -> std::result::Result<u32, Box<dyn std::error::Error>> {
    let mut widest = 0;
    for v in [lo, hi, (lo + hi) / 2.0] {
        widest = widest.max(text_width(area, &fmt_num(v), LABEL_PX)?);
    }
    Ok((widest + 40).clamp(64, 200))
}

fn integer_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// The corner whose box (40 % × 35 % of the plot) holds the fewest of `samples`.
fn quiet_corner(samples: &[(f64, f64)], x: (f64, f64), y: (f64, f64)) -> SeriesLabelPosition {
    let fx = |v: f64| (v - x.0) / (x.1 - x.0);
    let fy = |v: f64| (v - y.0) / (y.1 - y.0);
    let corners = [
        (SeriesLabelPosition::UpperRight, true, true),
        (SeriesLabelPosition::UpperLeft, false, true),
        (SeriesLabelPosition::LowerRight, true, false),
        (SeriesLabelPosition::LowerLeft, false, false),
    ];
    let count = |right: bool, upper: bool| {
        samples
            .iter()
            .filter(|&&(px, py)| {
                let (a, b) = (fx(px), fy(py));
                (if right { a > 0.6 } else { a < 0.4 }) && (if upper { b > 0.65 } else { b < 0.35 })
            })
            .count()
    };
    let mut best = (SeriesLabelPosition::UpperRight, usize::MAX);
    for (pos, right, upper) in corners {
        let c = count(right, upper);
        if c < best.1 {
            best = (pos, c);
        }
    }
    best.0
}

fn legend_box<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(12)
        .legend_area_size(30)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(170, 170, 170))
        .label_font((FONT, LEGEND_PX))
        .draw()
}

// ---------------------------------------------------------------------------------------------
// Line charts
// ---------------------------------------------------------------------------------------------

/// One line of a [`LineChart`], split into runs of finite points.
struct Line {
    name: String,
    runs: Vec<Vec<(f64, f64)>>,
    color: RGBColor,
    /// Drawn as hollow rings only (a marker, e.g. the best epoch), no line.
    hollow: bool,
}

impl Line {
    fn new(name: &str, points: &[(f64, f64)], color: RGBColor) -> Self {
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

    fn points(&self) -> impl Iterator<Item = (f64, f64)> + '_ {
        self.runs.iter().flatten().copied()
    }
}

struct LineChart<'a> {
    caption: &'a str,
    x_label: &'a str,
    y_label: &'a str,
    lines: Vec<Line>,
    vline: Option<(f64, &'a str)>,
    /// Only integer ticks on x (epochs).
    integer_x: bool,
}

impl LineChart<'_> {
    fn validate(&self, path: &Path) -> Result<()> {
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

    fn draw(&self, area: &Area) -> DrawResult {
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
        let mut chart = ChartBuilder::on(area)
            .caption(self.caption, (FONT, TITLE_PX))
            .margin(18)
            .x_label_area_size(56)
            .y_label_area_size(y_area_width(area, y0, y1)?)
            .build_cartesian_2d(x0..x1, y0..y1)?;
        let integer_x = self.integer_x;
        let x_fmt = move |v: &f64| {
            if integer_x {
                integer_label(*v)
            } else {
                fmt_num(*v)
            }
        };
        chart
            .configure_mesh()
            .x_desc(self.x_label)
            .y_desc(self.y_label)
            .x_labels(10)
            .y_labels(8)
            .x_label_formatter(&x_fmt)
            .y_label_formatter(&|v| fmt_num(*v))
            .label_style((FONT, LABEL_PX))
            .axis_desc_style((FONT, DESC_PX))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
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
fn densify(run: &[(f64, f64)]) -> Vec<(f64, f64)> {
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

// ---------------------------------------------------------------------------------------------
// Confusion matrix and heat map
// ---------------------------------------------------------------------------------------------

fn draw_text(
    area: &Area,
    text: &str,
    at: (i32, i32),
    px: u32,
    pos: (HPos, VPos),
    color: &RGBColor,
    vertical: bool,
) -> DrawResult {
    let mut style = font(px).color(color).pos(Pos::new(pos.0, pos.1));
    if vertical {
        style = style.transform(FontTransform::Rotate270);
    }
    area.draw_text(text, &style, at)?;
    Ok(())
}

/// A vertical colour bar from `top` (value `hi`) to `bottom` (value `lo`) with 5 ticks.
fn colorbar(
    area: &Area,
    x: i32,
    (top, bottom): (i32, i32),
    (lo, hi): (f64, f64),
    color_at: impl Fn(f64) -> RGBColor,
) -> DrawResult {
    const WIDTH: i32 = 22;
    let h = (bottom - top).max(1);
    for py in top..bottom {
        let t = (bottom - py) as f64 / h as f64;
        area.draw(&Rectangle::new(
            [(x, py), (x + WIDTH, py + 1)],
            color_at(t).filled(),
        ))?;
    }
    area.draw(&Rectangle::new(
        [(x, top), (x + WIDTH, bottom)],
        BLACK.stroke_width(1),
    ))?;
    for k in 0..=4 {
        let t = k as f64 / 4.0;
        let py = bottom - (t * h as f64).round() as i32;
        area.draw(&PathElement::new(
            vec![(x + WIDTH, py), (x + WIDTH + 5, py)],
            BLACK.stroke_width(1),
        ))?;
        // Snap to the bar's precision, so 5e-19 reads 0.
        let unit = 10f64.powi((hi - lo).log10().floor() as i32 - 4);
        let label = fmt_num(((lo + t * (hi - lo)) / unit).round() * unit);
        draw_text(
            area,
            &label,
            (x + WIDTH + 8, py),
            LABEL_PX,
            (HPos::Left, VPos::Center),
            &BLACK,
            false,
        )?;
    }
    Ok(())
}

fn draw_confusion(root: &Area, matrix: &[Vec<u64>], names: &[String], title: &str) -> DrawResult {
    let n = matrix.len() as i32;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let names: Vec<String> = names.iter().map(|s| clip_label(s, 24)).collect();
    let name_px = if n > 20 { 12 } else { LABEL_PX };
    let mut name_w = 0;
    for s in &names {
        name_w = name_w.max(text_width(root, s, name_px)? as i32);
    }
    let name_h = name_px as i32 + 4;

    let title_h = 64;
    let bar_w = 110;
    let left = 14 + DESC_PX as i32 + 14 + name_w + 10;
    let avail_w = w - left - bar_w;
    let fit = |bottom: i32| (avail_w.min(h - title_h - bottom)) / n;
    let mut bottom = 14 + DESC_PX as i32 + 12 + name_h + 10;
    let mut cell = fit(bottom);
    let vertical_names = name_w > cell - 6;
    if vertical_names {
        bottom = 14 + DESC_PX as i32 + 12 + name_w + 10;
        cell = fit(bottom);
    }
    if cell < 2 {
        return Err(format!("{n} classes do not fit a {w}×{h} image").into());
    }
    let grid = cell * n;
    let x0 = left + (avail_w - grid) / 2;
    let y0 = title_h;

    draw_text(
        root,
        title,
        (w / 2, 18),
        TITLE_PX,
        (HPos::Center, VPos::Top),
        &BLACK,
        false,
    )?;
    let count_px = ((cell as f64 * 0.3).round() as u32).clamp(9, 20);
    for (i, row) in matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &count) in row.iter().enumerate() {
            let frac = if total > 0 {
                count as f64 / total as f64
            } else {
                0.0
            };
            let color = colormap(&BLUES, frac);
            let (cx, cy) = (x0 + j as i32 * cell, y0 + i as i32 * cell);
            root.draw(&Rectangle::new(
                [(cx, cy), (cx + cell, cy + cell)],
                color.filled(),
            ))?;
            if cell >= 18 {
                let ink = if luminance(color) < 140.0 {
                    WHITE
                } else {
                    BLACK
                };
                let mid = (cx + cell / 2, cy + cell / 2);
                if cell >= 64 && total > 0 {
                    draw_text(
                        root,
                        &count.to_string(),
                        (mid.0, mid.1 - 2),
                        count_px,
                        (HPos::Center, VPos::Bottom),
                        &ink,
                        false,
                    )?;
                    let pct = format!("{:.0}%", 100.0 * frac);
                    draw_text(
                        root,
                        &pct,
                        (mid.0, mid.1 + 4),
                        count_px * 3 / 4,
                        (HPos::Center, VPos::Top),
                        &ink,
                        false,
                    )?;
                } else {
                    draw_text(
                        root,
                        &count.to_string(),
                        mid,
                        count_px,
                        (HPos::Center, VPos::Center),
                        &ink,
                        false,
                    )?;
                }
            }
        }
    }
    // Thin white grid lines between cells (when cells are large enough to separate).
    if cell >= 6 {
        for k in 1..n {
            let p = k * cell;
            root.draw(&PathElement::new(
                vec![(x0 + p, y0), (x0 + p, y0 + grid)],
                WHITE.stroke_width(1),
            ))?;
            root.draw(&PathElement::new(
                vec![(x0, y0 + p), (x0 + grid, y0 + p)],
                WHITE.stroke_width(1),
            ))?;
        }
    }
    root.draw(&Rectangle::new(
        [(x0, y0), (x0 + grid, y0 + grid)],
        RGBColor(90, 90, 90).stroke_width(1),
    ))?;

    // Class names when they are legible.
    if cell >= name_px as i32 - 2 {
        for (k, name) in names.iter().enumerate() {
            let c = k as i32 * cell + cell / 2;
            draw_text(
                root,
                name,
                (x0 - 8, y0 + c),
                name_px,
                (HPos::Right, VPos::Center),
                &BLACK,
                false,
            )?;
            if vertical_names {
                draw_text(
                    root,
                    name,
                    (x0 + c, y0 + grid + 8),
                    name_px,
                    (HPos::Right, VPos::Center),
                    &BLACK,
                    true,
                )?;
            } else {
                draw_text(
                    root,
                    name,
                    (x0 + c, y0 + grid + 8),
                    name_px,
                    (HPos::Center, VPos::Top),
                    &BLACK,
                    false,
                )?;
            }
        }
    }
    let names_h = if vertical_names { name_w } else { name_h };
    draw_text(
        root,
        "predicted class",
        (x0 + grid / 2, y0 + grid + 8 + names_h + 10),
        DESC_PX,
        (HPos::Center, VPos::Top),
        &BLACK,
        false,
    )?;
    draw_text(
        root,
        "true class",
        (14, y0 + grid / 2),
        DESC_PX,
        (HPos::Center, VPos::Top),
        &BLACK,
        true,
    )?;
    colorbar(root, x0 + grid + 24, (y0, y0 + grid), (0.0, 1.0), |t| {
        colormap(&BLUES, t)
    })?;
    draw_text(
        root,
        "row fraction",
        (x0 + grid + 24 + 11, y0 - 8),
        LABEL_PX,
        (HPos::Center, VPos::Bottom),
        &BLACK,
        false,
    )?;
    Ok(())
}

fn draw_heatmap(
    root: &Area,
    title: &str,
    values: &[Vec<f64>],
    x_label: &str,
    y_label: &str,
) -> DrawResult {
    let (rows, cols) = (values.len(), values[0].len());
    let (lo, hi) = min_max(values.iter().flatten().copied()).ok_or("no values")?;
    // Diverging and symmetric around 0 when both signs occur, else sequential.
    let diverging = lo < 0.0 && hi > 0.0;
    let (lo, hi) = if diverging {
        let m = lo.abs().max(hi.abs());
        (-m, m)
    } else if hi > lo {
        (lo, hi)
    } else {
        padded(lo, hi, 0.0)
    };
    let stops: &[(u8, u8, u8)] = if diverging { &COOLWARM } else { &VIRIDIS };
    let color_of = |v: f64| colormap(stops, (v - lo) / (hi - lo));

    let (w, _) = root.dim_in_pixel();
    let bar_w = 120;
    let (main, _) = root.split_horizontally(w - bar_w);
    let mut chart = ChartBuilder::on(&main)
        .caption(title, (FONT, TITLE_PX))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(-0.5..cols as f64 - 0.5, rows as f64 - 0.5..-0.5)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .x_labels(cols.min(10))
        .y_labels(rows.min(10))
        .x_label_formatter(&|v| integer_label(*v))
        .y_label_formatter(&|v| integer_label(*v))
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .draw()?;
    let plot: &DrawingArea<_, Cartesian2d<RangedCoordf64, RangedCoordf64>> = chart.plotting_area();
    let (xr, yr) = plot.get_pixel_range();
    let (pw, ph) = ((xr.end - xr.start).max(1), (yr.end - yr.start).max(1));
    let pixels = plot.strip_coord_spec();
    for py in 0..ph {
        let r = (py as usize * rows / ph as usize).min(rows - 1);
        for px in 0..pw {
            let c = (px as usize * cols / pw as usize).min(cols - 1);
            pixels.draw_pixel((px, py), &color_of(values[r][c]))?;
        }
    }
    colorbar(
        root,
        (w - bar_w) as i32 + 4,
        (yr.start, yr.end),
        (lo, hi),
        |t| colormap(stops, t),
    )?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Scatter plots and bars
// ---------------------------------------------------------------------------------------------

fn draw_pred_vs_true(root: &Area, title: &str, y_true: &[f64], y_pred: &[f64]) -> DrawResult {
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

    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE_PX))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(y_area_width(root, lo, hi)?)
        .build_cartesian_2d(lo..hi, lo..hi)?;
    chart
        .configure_mesh()
        .x_desc("true")
        .y_desc("predicted")
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
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

fn draw_scatter_classes(
    root: &Area,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    points: &[(f64, f64)],
    labels: &[usize],
    names: &[String],
) -> DrawResult {
    let (x0, x1) = min_max(points.iter().map(|p| p.0)).ok_or("no points")?;
    let (y0, y1) = min_max(points.iter().map(|p| p.1)).ok_or("no points")?;
    let ((x0, x1), (y0, y1)) = (padded(x0, x1, 0.05), padded(y0, y1, 0.05));
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE_PX))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(y_area_width(root, y0, y1)?)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .draw()?;
    let radius = if points.len() > 2000 { 2 } else { 3 };
    let mut present = 0;
    for (c, name) in names.iter().enumerate() {
        let members: Vec<(f64, f64)> = points
            .iter()
            .zip(labels)
            .filter(|(_, &l)| l == c)
            .map(|(p, _)| *p)
            .collect();
        if members.is_empty() {
            continue;
        }
        present += 1;
        let color = category_color(c, names.len());
        let anno = chart.draw_series(
            members
                .into_iter()
                .map(|p| Circle::new(p, radius, color.mix(0.75).filled())),
        )?;
        // A legend with dozens of entries would hide the plot.
        if present <= 20 {
            anno.label(clip_label(name, 28))
                .legend(move |(x, y)| Circle::new((x + 12, y), 5, color.filled()));
        }
    }
    legend_box(&mut chart, quiet_corner(points, (x0, x1), (y0, y1)))?;
    Ok(())
}

fn draw_bars(
    root: &Area,
    title: &str,
    labels: &[String],
    values: &[f64],
    y_label: &str,
) -> DrawResult {
    let n = values.len();
    let (lo, hi) = min_max(values.iter().copied()).ok_or("no bars")?;
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let (lo, hi) = if hi > lo {
        // Room for the value labels beyond the bar ends.
        let span = hi - lo;
        let lo = if lo < 0.0 { lo - 0.1 * span } else { lo };
        (lo, if hi > 0.0 { hi + 0.1 * span } else { hi })
    } else {
        (0.0, 1.0)
    };
    let labels: Vec<String> = labels.iter().map(|s| clip_label(s, 30)).collect();
    let mut label_w = 0;
    for s in &labels {
        label_w = label_w.max(text_width(root, s, LABEL_PX)? as i32);
    }
    let y_area = y_area_width(root, lo, hi)?;
    let slot = (root.dim_in_pixel().0 as i32 - y_area as i32 - 40) / n as i32;
    let vertical = label_w > slot - 8;
    let x_area = if vertical {
        label_w + 24
    } else {
        LABEL_PX as i32 + 24
    };

    // Bar i is centred on x = i; the x axis has no ticks, the labels are drawn below the bars.
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE_PX))
        .margin(18)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(-0.5..n as f64 - 0.5, lo..hi)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(y_label)
        .y_labels(8)
        .max_light_lines(1)
        .y_label_formatter(&|v| fmt_num(*v))
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
        .draw()?;
    let color = PALETTE[0];
    let half = if n == 1 { 0.25 } else { 0.35 };
    chart.draw_series(values.iter().enumerate().map(|(i, &v)| {
        let x = i as f64;
        Rectangle::new([(x - half, 0.0), (x + half, v)], color.filled())
    }))?;
    if lo < 0.0 {
        let zero = [(-0.5, 0.0), (n as f64 - 0.5, 0.0)];
        chart.draw_series(LineSeries::new(zero, BLACK.stroke_width(1)))?;
    }
    let value_px = if slot >= 40 { LABEL_PX } else { 11 };
    let show_values = slot >= 24;
    for (i, (label, &v)) in labels.iter().zip(values).enumerate() {
        let (cx, base) = chart.backend_coord(&(i as f64, lo));
        let anchor = if vertical {
            (HPos::Right, VPos::Center)
        } else {
            (HPos::Center, VPos::Top)
        };
        draw_text(
            root,
            label,
            (cx, base + 8),
            LABEL_PX,
            anchor,
            &BLACK,
            vertical,
        )?;
        if show_values {
            let (_, vy) = chart.backend_coord(&(i as f64, v));
            let (dy, vpos) = if v >= 0.0 {
                (-4, VPos::Bottom)
            } else {
                (4, VPos::Top)
            };
            let at = (cx, vy + dy);
            draw_text(
                root,
                &fmt_num(v),
                at,
                value_px,
                (HPos::Center, vpos),
                &BLACK,
                false,
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Width and height from a PNG's IHDR chunk, after checking the signature.
    fn png_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        assert!(
            bytes.len() > 24,
            "{} is too short for a PNG",
            path.display()
        );
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&bytes[12..16], b"IHDR");
        let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
        (be(16), be(20))
    }

    /// Size in bytes of an all-white PNG of `size`: a drawn plot compresses far worse.
    fn blank_png_len(dir: &Path, size: (u32, u32)) -> u64 {
        let p = dir.join(format!("blank_{}x{}.png", size.0, size.1));
        render_png(&p, size, |_| Ok(())).unwrap();
        std::fs::metadata(&p).unwrap().len()
    }

    /// The plot at `path` is a PNG of `size`, has real content, and nothing else is in its folder.
    fn assert_plot(path: &Path, size: (u32, u32)) {
        assert_eq!(png_size(path), size);
        let dir = path.parent().unwrap();
        let names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 1, "temporary files left: {names:?}");
        let scratch = tempfile::tempdir().unwrap();
        let blank = blank_png_len(scratch.path(), size);
        let len = std::fs::metadata(path).unwrap().len();
        assert!(
            2 * len > 3 * blank,
            "{} has {len} bytes, a blank image {blank}: nothing drawn?",
            path.display()
        );
    }

    fn assert_fails_cleanly(dir: &Path, result: Result<()>, what: &str) {
        match result {
            Err(Error::Plot { path, message }) => {
                assert!(
                    path.starts_with(dir),
                    "{what}: error names {}",
                    path.display()
                );
                assert!(!message.is_empty());
            }
            other => panic!("{what}: expected a plot error, got {other:?}"),
        }
        let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
        assert!(left.is_empty(), "{what}: files left behind: {left:?}");
    }

    fn names(n: usize) -> Vec<String> {
        ["cat", "dog", "bird", "fish", "horse"]
            .iter()
            .take(n)
            .map(|s| s.to_string())
            .collect()
    }

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

    #[test]
    fn failed_plot_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keep.png");
        line_plot(
            &p,
            "t",
            "x",
            "y",
            &[Series::from_ys("a", 0.0, &[1.0, 2.0, 0.5])],
        )
        .unwrap();
        let before = std::fs::read(&p).unwrap();
        let nan = Series::from_ys("a", 0.0, &[f64::NAN]);
        assert!(line_plot(&p, "t", "x", "y", &[nan]).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    #[test]
    fn failure_during_drawing_leaves_no_file() {
        // 1000 classes cannot fit 900 px: the error comes from inside the drawing, after the
        // temporary bitmap was created.
        let dir = tempfile::tempdir().unwrap();
        let n = 1000;
        let m = vec![vec![1u64; n]; n];
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        let r = confusion_matrix(&dir.path().join("cm.png"), &m, &names, "big");
        assert_fails_cleanly(dir.path(), r, "too many classes");
    }

    #[test]
    fn training_curves_one_and_two_panels() {
        let dir = tempfile::tempdir().unwrap();
        let train: Vec<f64> = (0..30)
            .map(|e| 2.0 * (-0.1 * e as f64).exp() + 0.1)
            .collect();
        let val: Vec<f64> = (0..30)
            .map(|e| 2.1 * (-0.08 * e as f64).exp() + 0.2 + 0.002 * e as f64)
            .collect();
        let acc: Vec<f64> = (0..30)
            .map(|e| 0.9 - 0.6 * (-0.15 * e as f64).exp())
            .collect();
        let p = dir.path().join("loss.png");
        training_curves(&p, &train, Some(&val), None).unwrap();
        assert_plot(&p, LINE_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("curves.png");
        training_curves(&p, &train, Some(&val), Some(("accuracy", &acc))).unwrap();
        assert_plot(&p, TWO_PANEL_SIZE);

        // A diverged loss leaves a gap but still plots.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("nan.png");
        training_curves(&p, &[1.0, 0.8, f64::NAN, f64::NAN], None, None).unwrap();
        assert_eq!(png_size(&p), LINE_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(
            dir.path(),
            training_curves(&p, &[], None, None),
            "empty loss",
        );
        assert_fails_cleanly(
            dir.path(),
            training_curves(&p, &[1.0], Some(&[]), None),
            "empty val loss",
        );
        let r = training_curves(&p, &[1.0], None, Some(("acc", &[f64::NAN])));
        assert_fails_cleanly(dir.path(), r, "NaN metric");
    }

    #[test]
    fn confusion_matrix_writes_png_and_checks_shapes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("cm.png");
        let m = vec![vec![50, 3, 2], vec![4, 40, 11], vec![0, 9, 35]];
        confusion_matrix(&p, &m, &names(3), "Confusion").unwrap();
        assert_plot(&p, CONFUSION_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(dir.path(), confusion_matrix(&p, &[], &[], "t"), "empty");
        assert_fails_cleanly(
            dir.path(),
            confusion_matrix(&p, &m, &names(2), "t"),
            "names",
        );
        let ragged = vec![vec![1, 2], vec![3]];
        assert_fails_cleanly(
            dir.path(),
            confusion_matrix(&p, &ragged, &names(2), "t"),
            "ragged",
        );
    }

    #[test]
    fn heatmap_writes_png_and_rejects_nan() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("heat.png");
        let v: Vec<Vec<f64>> = (0..13)
            .map(|r| {
                (0..80)
                    .map(|c| ((r * c) as f64 / 40.0).sin() * r as f64)
                    .collect()
            })
            .collect();
        heatmap(&p, "MFCC", &v, "frame", "coefficient").unwrap();
        assert_plot(&p, HEATMAP_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(dir.path(), heatmap(&p, "t", &[], "x", "y"), "empty");
        assert_fails_cleanly(
            dir.path(),
            heatmap(&p, "t", &[vec![]], "x", "y"),
            "empty row",
        );
        let nan = vec![vec![1.0, 2.0], vec![f64::NAN, 0.0]];
        assert_fails_cleanly(dir.path(), heatmap(&p, "t", &nan, "x", "y"), "NaN");
        let ragged = vec![vec![1.0, 2.0], vec![0.0]];
        assert_fails_cleanly(dir.path(), heatmap(&p, "t", &ragged, "x", "y"), "ragged");
    }

    #[test]
    fn pred_vs_true_writes_png_and_checks_lengths() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pvt.png");
        let mut rng = crate::Rng::new(0);
        let t: Vec<f64> = (0..300).map(|_| rng.uniform() * 80.0).collect();
        let y: Vec<f64> = t.iter().map(|&v| v + 5.0 * rng.normal()).collect();
        pred_vs_true(&p, "Concrete strength", &t, &y).unwrap();
        assert_plot(&p, SCATTER_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(dir.path(), pred_vs_true(&p, "t", &[], &[]), "empty");
        assert_fails_cleanly(
            dir.path(),
            pred_vs_true(&p, "t", &[1.0, 2.0], &[1.0]),
            "lengths",
        );
        assert_fails_cleanly(
            dir.path(),
            pred_vs_true(&p, "t", &[1.0], &[f64::NAN]),
            "NaN",
        );
    }

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

    #[test]
    fn scatter_classes_writes_png_and_checks_labels() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("emb.png");
        let mut rng = crate::Rng::new(1);
        let labels: Vec<usize> = (0..400).map(|i| i % 4).collect();
        let pts: Vec<(f64, f64)> = labels
            .iter()
            .map(|&l| {
                (
                    3.0 * (l as f64).cos() + rng.normal(),
                    3.0 * (l as f64).sin() + rng.normal(),
                )
            })
            .collect();
        scatter_classes(&p, "Embedding", &pts, &labels, &names(5)).unwrap();
        assert_plot(&p, SCATTER_SIZE);
        // Named axes are drawn: the same points with other axis text give another image.
        let other = tempfile::tempdir().unwrap();
        let named = other.path().join("named.png");
        scatter_classes_with_axes(
            &named,
            "Embedding",
            ("speed", "accuracy"),
            &pts,
            &labels,
            &names(5),
        )
        .unwrap();
        assert_plot(&named, SCATTER_SIZE);
        assert_ne!(std::fs::read(&p).unwrap(), std::fs::read(&named).unwrap());

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &[], &[], &names(2)),
            "empty",
        );
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &[(0.0, 0.0)], &[2], &names(2)),
            "label",
        );
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &[(0.0, 0.0)], &[], &names(2)),
            "lengths",
        );
        let nan = [(f64::NAN, 0.0)];
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &nan, &[0], &names(2)),
            "NaN",
        );
    }

    #[test]
    fn bar_chart_writes_png_and_checks_lengths() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bars.png");
        bar_chart(
            &p,
            "Accuracy per class",
            &names(5),
            &[0.91, 0.85, 0.42, 0.77, 0.66],
            "accuracy",
        )
        .unwrap();
        assert_plot(&p, LINE_SIZE);

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(dir.path(), bar_chart(&p, "t", &[], &[], "y"), "empty");
        assert_fails_cleanly(
            dir.path(),
            bar_chart(&p, "t", &names(2), &[1.0], "y"),
            "lengths",
        );
        assert_fails_cleanly(
            dir.path(),
            bar_chart(&p, "t", &names(1), &[f64::NAN], "y"),
            "NaN",
        );
    }

    #[test]
    fn degenerate_but_valid_inputs_still_render() {
        let dir = tempfile::tempdir().unwrap();
        let f = |name: &str| dir.path().join(name);
        let one = Series::new("one point", vec![(3.0, 2.0)]);
        line_plot(&f("point.png"), "t", "x", "y", &[one]).unwrap();
        line_plot(
            &f("flat.png"),
            "t",
            "x",
            "y",
            &[Series::from_ys("", 0.0, &[0.0; 5])],
        )
        .unwrap();
        training_curves(
            &f("one_epoch.png"),
            &[0.7],
            Some(&[0.9]),
            Some(("acc", &[0.5])),
        )
        .unwrap();
        confusion_matrix(&f("cm1.png"), &[vec![0]], &names(1), "t").unwrap();
        heatmap(&f("h1.png"), "t", &[vec![-2.5]], "x", "y").unwrap();
        let big: Vec<Vec<f64>> = (0..600)
            .map(|r| (0..900).map(|c| ((r + c) % 7) as f64).collect())
            .collect();
        heatmap(&f("h_big.png"), "t", &big, "x", "y").unwrap();
        pred_vs_true(&f("pvt1.png"), "t", &[1.0], &[1.0]).unwrap();
        scatter_classes(&f("s1.png"), "t", &[(1.0, 1.0)], &[0], &names(1)).unwrap();
        bar_chart(&f("b1.png"), "t", &names(1), &[0.0], "y").unwrap();
        bar_chart(&f("b_neg.png"), "t", &names(2), &[-1.0, -3.0], "y").unwrap();
        forecast(&f("fc_only.png"), "t", &[(0.0, 1.0), (1.0, 2.0)], &[], None).unwrap();
        for (name, size) in [
            ("point.png", LINE_SIZE),
            ("one_epoch.png", TWO_PANEL_SIZE),
            ("cm1.png", CONFUSION_SIZE),
            ("h1.png", HEATMAP_SIZE),
            ("h_big.png", HEATMAP_SIZE),
            ("pvt1.png", SCATTER_SIZE),
            ("b_neg.png", LINE_SIZE),
            ("fc_only.png", FORECAST_SIZE),
        ] {
            assert_eq!(png_size(&f(name)), size, "{name}");
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            11,
            "temporary files left"
        );
    }

    #[test]
    fn helpers() {
        assert_eq!(padded(1.0, 3.0, 0.5), (0.0, 4.0));
        assert_eq!(padded(5.0, 5.0, 0.5), (4.5, 5.5));
        assert_eq!(padded(0.0, 0.0, 0.5), (-1.0, 1.0));
        assert_eq!(colormap(&BLUES, 0.0), RGBColor(247, 251, 255));
        assert_eq!(colormap(&BLUES, 1.0), RGBColor(8, 48, 107));
        assert_eq!(colormap(&COOLWARM, 0.5), RGBColor(221, 221, 221));
        assert_eq!(colormap(&COOLWARM, 0.125), RGBColor(100, 126, 223));
        assert_eq!(integer_label(3.0), "3");
        assert_eq!(integer_label(2.5), "");
        let line = Line::new(
            "l",
            &[(0.0, 1.0), (1.0, f64::NAN), (2.0, 2.0), (3.0, 3.0)],
            BLACK,
        );
        assert_eq!(
            line.runs,
            vec![vec![(0.0, 1.0)], vec![(2.0, 2.0), (3.0, 3.0)]]
        );
        // Points crowd the upper right: the legend goes to the upper left.
        let pts = [(0.9, 0.9), (0.95, 0.8), (0.1, 0.1), (0.8, 0.1)];
        assert!(matches!(
            quiet_corner(&pts, (0.0, 1.0), (0.0, 1.0)),
            SeriesLabelPosition::UpperLeft
        ));
        assert_eq!(category_color(1, 3), PALETTE[1]);
        assert_ne!(category_color(0, 12), category_color(6, 12));
    }

    /// Renders one example of every plot into `$TMPDIR/deepfield-plot-gallery` to look at:
    /// `cargo test -p deepfield-core --lib report::plots::tests::gallery -- --ignored`.
    #[test]
    #[ignore]
    fn gallery() {
        let dir = std::env::temp_dir().join("deepfield-plot-gallery");
        std::fs::create_dir_all(&dir).unwrap();
        let mut rng = crate::Rng::new(7);
        let train: Vec<f64> = (0..60)
            .map(|e| 2.0 * (-0.08 * e as f64).exp() + 0.1 + 0.02 * rng.normal())
            .collect();
        let val: Vec<f64> = (0..60)
            .map(|e| 2.1 * (-0.07 * e as f64).exp() + 0.25 + 0.003 * e as f64 + 0.02 * rng.normal())
            .collect();
        let acc: Vec<f64> = (0..60)
            .map(|e| 0.91 - 0.7 * (-0.1 * e as f64).exp() + 0.01 * rng.normal())
            .collect();
        training_curves(
            &dir.join("curves2.png"),
            &train,
            Some(&val),
            Some(("accuracy", &acc)),
        )
        .unwrap();
        training_curves(&dir.join("curves1.png"), &train[..5], Some(&val[..5]), None).unwrap();
        let sine: Vec<(f64, f64)> = (0..100)
            .map(|i| (i as f64 / 10.0, (i as f64 / 10.0).sin()))
            .collect();
        let cosine: Vec<(f64, f64)> = sine.iter().map(|&(x, _)| (x, 0.5 * x.cos())).collect();
        line_plot(
            &dir.join("lines.png"),
            "Waves",
            "x",
            "y",
            &[Series::new("sin", sine), Series::new("cos / 2", cosine)],
        )
        .unwrap();
        let fashion = [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ];
        let names10: Vec<String> = fashion.iter().map(|s| s.to_string()).collect();
        let m: Vec<Vec<u64>> = (0..10)
            .map(|i| {
                (0..10)
                    .map(|j| {
                        if i == j {
                            800 + 15 * i as u64
                        } else {
                            ((i * 7 + j * 3) % 11) as u64 * 4
                        }
                    })
                    .collect()
            })
            .collect();
        confusion_matrix(
            &dir.join("cm10.png"),
            &m,
            &names10,
            "Fashion-MNIST, test set",
        )
        .unwrap();
        let m3 = vec![vec![50, 3, 2], vec![4, 40, 11], vec![0, 9, 35]];
        confusion_matrix(&dir.join("cm3.png"), &m3, &names(3), "Cough etiquette").unwrap();
        let mfcc: Vec<Vec<f64>> = (0..13)
            .map(|r| {
                (0..120)
                    .map(|c| ((r * c) as f64 / 40.0).sin() * (13 - r) as f64 * 3.0)
                    .collect()
            })
            .collect();
        heatmap(
            &dir.join("heat_signed.png"),
            "MFCC",
            &mfcc,
            "frame",
            "coefficient",
        )
        .unwrap();
        let adj: Vec<Vec<f64>> = (0..30)
            .map(|r| {
                (0..30)
                    .map(|c| (-(((r as f64) - (c as f64)).powi(2)) / 20.0).exp())
                    .collect()
            })
            .collect();
        heatmap(
            &dir.join("heat_pos.png"),
            "Learned adjacency",
            &adj,
            "node",
            "node",
        )
        .unwrap();
        let t: Vec<f64> = (0..300).map(|_| rng.uniform() * 80.0).collect();
        let y: Vec<f64> = t.iter().map(|&v| v + 5.0 * rng.normal()).collect();
        pred_vs_true(
            &dir.join("pvt.png"),
            "Concrete compressive strength (MPa)",
            &t,
            &y,
        )
        .unwrap();
        let obs: Vec<(f64, f64)> = (0..200)
            .map(|i| (i as f64, (i as f64 / 12.0).sin() * 10.0 + i as f64 * 0.05))
            .collect();
        let pred: Vec<(f64, f64)> = obs[150..]
            .iter()
            .map(|&(x, y)| (x, y + 1.5 * (x / 7.0).cos()))
            .collect();
        let pred2: Vec<(f64, f64)> = obs[150..].iter().map(|&(x, y)| (x, y - 2.0)).collect();
        forecast(
            &dir.join("forecast.png"),
            "NAB ambient temperature",
            &obs,
            &[Series::new("LSTM", pred), Series::new("naive", pred2)],
            Some(150.0),
        )
        .unwrap();
        let labels: Vec<usize> = (0..700).map(|i| i % 7).collect();
        let pts: Vec<(f64, f64)> = labels
            .iter()
            .map(|&l| {
                (
                    4.0 * (l as f64).cos() + rng.normal(),
                    4.0 * (l as f64).sin() + rng.normal(),
                )
            })
            .collect();
        let cora = [
            "Theory",
            "Reinforcement_Learning",
            "Genetic_Algorithms",
            "Neural_Networks",
            "Probabilistic_Methods",
            "Case_Based",
            "Rule_Learning",
        ];
        let cora: Vec<String> = cora.iter().map(|s| s.to_string()).collect();
        scatter_classes(
            &dir.join("emb.png"),
            "GCN hidden layer (PCA)",
            &pts,
            &labels,
            &cora,
        )
        .unwrap();
        bar_chart(
            &dir.join("bars.png"),
            "Accuracy per class",
            &names(5),
            &[0.91, 0.85, 0.42, 0.77, 0.66],
            "accuracy",
        )
        .unwrap();
        bar_chart(
            &dir.join("bars_long.png"),
            "Coefficient per feature",
            &cora,
            &[0.5, -1.2, 2.25, 0.01, -0.3, 1.1, 0.7],
            "weight",
        )
        .unwrap();
        // Degenerate inputs.
        training_curves(
            &dir.join("one_epoch.png"),
            &[0.7],
            Some(&[0.9]),
            Some(("acc", &[0.5])),
        )
        .unwrap();
        bar_chart(
            &dir.join("bars_neg.png"),
            "t",
            &names(2),
            &[-1.0, -3.0],
            "y",
        )
        .unwrap();
        pred_vs_true(&dir.join("pvt1.png"), "t", &[1.0], &[1.0]).unwrap();
        line_plot(
            &dir.join("flat.png"),
            "t",
            "x",
            "y",
            &[Series::from_ys("", 0.0, &[0.0; 5])],
        )
        .unwrap();
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let size = png_size(&p);
            assert!(size.0 > 0 && size.1 > 0);
        }
    }
}
