//! Axis ranges, tick labels, the chart frame and its grid, text sizing and placement, and where
//! the legend goes.

use std::ops::Range;

use plotters::chart::MeshStyle;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::render::{Area, DrawResult};
use super::style::{font, DESC_PX, FONT, GRID_BOLD, GRID_LIGHT, LABEL_PX, LEGEND_PX, TITLE_PX};
use crate::report::fmt_num;

type BoxResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// A chart with numeric axes on a bitmap.
pub(super) type Chart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
/// The grid and axes of a [`Chart`], before they are drawn.
pub(super) type Mesh<'a, 'b, 'c> =
    MeshStyle<'a, 'c, RangedCoordf64, RangedCoordf64, BitMapBackend<'b>>;

/// `(lo, hi)` widened by `frac` of the span on each side; a zero span gets a unit-ish width.
pub(super) fn padded(lo: f64, hi: f64, frac: f64) -> (f64, f64) {
    let span = hi - lo;
    if span <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        let d = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 1.0 };
        (lo - d, hi + d)
    } else {
        (lo - frac * span, hi + frac * span)
    }
}

pub(super) fn min_max(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values.into_iter().fold(None, |acc, v| match acc {
        None => Some((v, v)),
        Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
    })
}

pub(super) fn text_width(area: &Area, text: &str, px: u32) -> BoxResult<u32> {
    Ok(area.estimate_text_size(text, &font(px))?.0)
}

/// The width of the widest of `texts` at `px`.
pub(super) fn widest_text<S: AsRef<str>>(
    area: &Area,
    texts: impl IntoIterator<Item = S>,
    px: u32,
) -> BoxResult<u32> {
    let mut widest = 0;
    for text in texts {
        widest = widest.max(text_width(area, text.as_ref(), px)?);
    }
    Ok(widest)
}

/// Shorten labels that would eat the whole image.
pub(super) fn clip_label(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max_chars - 1).collect();
        out.push('…');
        out
    }
}

/// Width of the y label area: the widest of a few tick-like labels plus room for the title.
pub(super) fn y_area_width(area: &Area, lo: f64, hi: f64) -> BoxResult<u32> {
    let widest = widest_text(area, [lo, hi, (lo + hi) / 2.0].map(fmt_num), LABEL_PX)?;
    Ok((widest + 40).clamp(64, 200))
}

/// A chart over `x` × `y` with `title` above it and axis label areas of `(x_area, y_area)`
/// pixels below and left of it.
pub(super) fn build_chart<'a, 'b>(
    area: &'a Area<'b>,
    title: &str,
    (x_area, y_area): (u32, u32),
    x: Range<f64>,
    y: Range<f64>,
) -> BoxResult<Chart<'a, 'b>> {
    Ok(ChartBuilder::on(area)
        .caption(title, (FONT, TITLE_PX))
        .margin(18)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)?)
}

/// The grid and axes of `chart` in the shared fonts and grid colours, ticks labelled with
/// [`fmt_num`]; the caller adds what differs (descriptions, tick counts) and draws it.
pub(super) fn styled_mesh<'a, 'b, 'c>(chart: &'c mut Chart<'a, 'b>) -> Mesh<'a, 'b, 'c> {
    let mut mesh = chart.configure_mesh();
    mesh.x_label_formatter(&number_tick)
        .y_label_formatter(&number_tick)
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT);
    mesh
}

fn number_tick(v: &f64) -> String {
    fmt_num(*v)
}

pub(super) fn integer_label(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        String::new()
    }
}

/// The corner whose box (40 % × 35 % of the plot) holds the fewest of `samples`.
pub(super) fn quiet_corner(
    samples: &[(f64, f64)],
    x: (f64, f64),
    y: (f64, f64),
) -> SeriesLabelPosition {
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

pub(super) fn legend_box<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
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

pub(super) fn draw_text(
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

/// [`draw_text`] in black, horizontal.
pub(super) fn draw_label(
    area: &Area,
    text: &str,
    at: (i32, i32),
    px: u32,
    pos: (HPos, VPos),
) -> DrawResult {
    draw_text(area, text, at, px, pos, &BLACK, false)
}

/// A category name under an axis: centred below `at`, or, when `vertical`, turned to read
/// upwards and ending at `at`.
pub(super) fn draw_category(
    area: &Area,
    name: &str,
    at: (i32, i32),
    px: u32,
    vertical: bool,
) -> DrawResult {
    let pos = if vertical {
        (HPos::Right, VPos::Center)
    } else {
        (HPos::Center, VPos::Top)
    };
    draw_text(area, name, at, px, pos, &BLACK, vertical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_labels_and_legend_corner() {
        assert_eq!(padded(1.0, 3.0, 0.5), (0.0, 4.0));
        assert_eq!(padded(5.0, 5.0, 0.5), (4.5, 5.5));
        assert_eq!(padded(0.0, 0.0, 0.5), (-1.0, 1.0));
        assert_eq!(min_max([3.0, -1.0, 2.0]), Some((-1.0, 3.0)));
        assert_eq!(min_max([]), None);
        assert_eq!(integer_label(3.0), "3");
        assert_eq!(integer_label(2.5), "");
        assert_eq!(clip_label("abcdef", 4), "abc…");
        assert_eq!(clip_label("abc", 4), "abc");
        // Points crowd the upper right: the legend goes to the upper left.
        let pts = [(0.9, 0.9), (0.95, 0.8), (0.1, 0.1), (0.8, 0.1)];
        assert!(matches!(
            quiet_corner(&pts, (0.0, 1.0), (0.0, 1.0)),
            SeriesLabelPosition::UpperLeft
        ));
    }
}
