//! The vertical colour bar beside the confusion matrix and the heat map.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::draw_label;
use super::render::{Area, DrawResult};
use super::style::LABEL_PX;
use crate::report::fmt_num;

/// A vertical colour bar from `top` (value `hi`) to `bottom` (value `lo`) with 5 ticks.
pub(super) fn colorbar(
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
        let at = (x + WIDTH + 8, py);
        draw_label(area, &label, at, LABEL_PX, (HPos::Left, VPos::Center))?;
    }
    Ok(())
}
