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

/// A result with plotters' (or our) drawing errors boxed.
pub(super) type BoxResult<T> = std::result::Result<T, Box<dyn std::error::Error>>;

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

/// A chart over `x` × `y` filling `area` (below its title, see [`titled`]), with axis label
/// areas of `(x_area, y_area)` pixels below and left of it.
pub(super) fn build_chart<'a, 'b>(
    area: &'a Area<'b>,
    (x_area, y_area): (u32, u32),
    x: Range<f64>,
    y: Range<f64>,
) -> BoxResult<Chart<'a, 'b>> {
    Ok(ChartBuilder::on(area)
        .margin(18)
        .margin_top(8)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(x, y)?)
}

/// Title font sizes tried in turn until a title fits its width (on at most two lines).
const TITLE_SIZES: [u32; 5] = [TITLE_PX, 23, 20, 17, 15];
/// Sizes of the note under a title.
const NOTE_SIZES: [u32; 3] = [LEGEND_PX, 14, 12];
/// The colour of the note under a title ("baseline beats …").
pub(super) const NOTE_COLOR: RGBColor = RGBColor(190, 20, 20);
/// Free pixels on each side of a title.
const TITLE_SIDE: u32 = 12;

/// Draw `title` (and, if given, `note` in red under it) centred at the top of `area`, wrapped
/// and shrunk until it fits the width ([`fit_text`]); returns the area below it and its top in
/// `area`'s pixels.
pub(super) fn titled<'b>(
    area: &Area<'b>,
    title: &str,
    note: Option<&str>,
) -> BoxResult<(Area<'b>, i32)> {
    let w = area.dim_in_pixel().0;
    let max_w = w.saturating_sub(2 * TITLE_SIDE).max(1);
    let measure = |s: &str, px: u32| text_width(area, s, px);
    let mut y = 14;
    let mut block = |text: &str, sizes: &[u32], color: &RGBColor| -> DrawResult {
        let (lines, px) = fit_text(text, max_w, sizes, 2, &measure)?;
        for line in lines {
            draw_text(
                area,
                &line,
                (w as i32 / 2, y),
                px,
                (HPos::Center, VPos::Top),
                color,
                false,
            )?;
            y += px as i32 + 5;
        }
        Ok(())
    };
    if !title.trim().is_empty() {
        block(title, &TITLE_SIZES, &BLACK)?;
    }
    if let Some(note) = note.filter(|n| !n.trim().is_empty()) {
        block(note, &NOTE_SIZES, &NOTE_COLOR)?;
    }
    let top = y + 4;
    Ok((area.split_vertically(top).1, top))
}

/// The lines and font size that fit `text` into `max_w` pixels as measured by `measure`: the
/// first of `sizes` at which greedy word wrapping needs at most `max_lines` lines, each within
/// `max_w` (a word wider than a line is broken). If no size fits, the smallest size's lines
/// are cut to `max_lines`, the last one ending in `…`.
pub(super) fn fit_text(
    text: &str,
    max_w: u32,
    sizes: &[u32],
    max_lines: usize,
    measure: &dyn Fn(&str, u32) -> BoxResult<u32>,
) -> BoxResult<(Vec<String>, u32)> {
    let mut last = (vec![], TITLE_PX);
    for &px in sizes {
        let lines = wrap_words(text, max_w, px, measure)?;
        if lines.len() <= max_lines {
            return Ok((lines, px));
        }
        last = (lines, px);
    }
    let (mut lines, px) = last;
    if lines.len() > max_lines {
        lines.truncate(max_lines);
        if let Some(end) = lines.last_mut() {
            loop {
                let candidate = format!("{}…", end.trim_end());
                if measure(&candidate, px)? <= max_w || end.is_empty() {
                    *end = candidate;
                    break;
                }
                end.pop();
            }
        }
    }
    Ok((lines, px))
}

/// `text` on one line of at most `max_w` pixels in the axis description font, cut with `…` if
/// longer (plotters would draw it past the image).
pub(super) fn fit_desc(area: &Area, text: &str, max_w: i32) -> BoxResult<String> {
    let measure = |s: &str, px: u32| text_width(area, s, px);
    let (lines, _) = fit_text(text, max_w.max(20) as u32, &[DESC_PX], 1, &measure)?;
    Ok(lines.join(" "))
}

/// Longest legend entry, in characters.
pub(super) const LEGEND_CHARS: usize = 48;

/// Greedy word wrap of `text` at `px` into lines of at most `max_w` pixels; a word that alone
/// is wider than a line is split between characters.
fn wrap_words(
    text: &str,
    max_w: u32,
    px: u32,
    measure: &dyn Fn(&str, u32) -> BoxResult<u32>,
) -> BoxResult<Vec<String>> {
    let mut lines: Vec<String> = vec![];
    let mut line = String::new();
    for word in text.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if measure(&joined, px)? <= max_w {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word starts a line; break it if it is too wide on its own.
        for c in word.chars() {
            line.push(c);
            if line.chars().count() > 1 && measure(&line, px)? > max_w {
                line.pop();
                lines.push(std::mem::take(&mut line));
                line.push(c);
            }
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    Ok(lines)
}

/// How many tick labels to ask plotters for on an axis over `lo..hi`: `max`, or for a
/// whole-number axis few enough that plotters' steps cannot go below 1 (so no tick falls
/// between two epochs).
pub(super) fn tick_count(lo: f64, hi: f64, integer: bool, max: usize) -> usize {
    if integer {
        let whole = (hi.floor() - lo.ceil()).max(0.0) as usize + 1;
        whole.clamp(1, max)
    } else {
        max
    }
}

/// Whether every value is a whole number (and there is at least one).
pub(super) fn all_integers(values: impl IntoIterator<Item = f64>) -> bool {
    let mut any = false;
    for v in values {
        if (v - v.round()).abs() > 1e-9 {
            return false;
        }
        any = true;
    }
    any
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
        assert!(all_integers([1.0, 2.0, 40.0]));
        assert!(!all_integers([1.0, 2.5]));
        assert!(!all_integers([]));
        // Points crowd the upper right: the legend goes to the upper left.
        let pts = [(0.9, 0.9), (0.95, 0.8), (0.1, 0.1), (0.8, 0.1)];
        assert!(matches!(
            quiet_corner(&pts, (0.0, 1.0), (0.0, 1.0)),
            SeriesLabelPosition::UpperLeft
        ));
    }

    #[test]
    fn long_titles_wrap_then_shrink_then_clip() {
        // 1 px per character per px of font / 2: "abcd" at 20 px is 40 px wide.
        let measure =
            |s: &str, px: u32| -> BoxResult<u32> { Ok(s.chars().count() as u32 * px / 2) };
        let fit = |text: &str, max_w: u32| fit_text(text, max_w, &[20, 10], 2, &measure).unwrap();
        assert_eq!(
            fit("short title", 200),
            (vec!["short title".to_string()], 20)
        );
        // 22 characters are 220 px at 20 px: two lines of at most 15 characters.
        assert_eq!(
            fit("learned adjacency rows", 150),
            (
                vec!["learned".to_string(), "adjacency rows".to_string()],
                20
            )
        );
        // Three lines at 20 px, so 10 px on two lines.
        let (lines, px) = fit("aaaa bbbb cccc dddd eeee ffff", 100);
        assert_eq!(px, 10);
        assert_eq!(lines, vec!["aaaa bbbb cccc dddd", "eeee ffff"]);
        // Nothing fits: two lines at the smallest size, the second cut with an ellipsis.
        let (lines, px) = fit(&"word ".repeat(40), 50);
        assert_eq!(px, 10);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        for line in &lines {
            assert!(measure(line, px).unwrap() <= 50, "{line}");
        }
        // One word wider than a line is broken.
        let (lines, _) = fit("abcdefghijklmnopqrstuvwxyz", 100);
        assert_eq!(lines, vec!["abcdefghijklmnopqrst", "uvwxyz"]);
    }

    #[test]
    fn integer_axes_get_whole_number_ticks_only() {
        use plotters::coord::ranged1d::Ranged;
        for hi in 2..80 {
            for lo in [0.0, 1.0] {
                let (lo, hi) = (lo, hi as f64);
                let n = tick_count(lo, hi, true, 10);
                let ticks = RangedCoordf64::from(lo..hi).key_points(n);
                assert!(ticks.len() >= 2, "{lo}..{hi}: {ticks:?}");
                assert!(all_integers(ticks.iter().copied()), "{lo}..{hi}: {ticks:?}");
            }
        }
        // Without the limit a short epoch axis gets half epochs.
        let ticks = RangedCoordf64::from(1.0..5.0).key_points(10);
        assert!(!all_integers(ticks), "plotters no longer splits epochs?");
        assert_eq!(tick_count(0.3, 0.7, true, 10), 1);
        assert_eq!(tick_count(0.0, 0.5, false, 10), 10);
    }
}
