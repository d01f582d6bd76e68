//! [`bar_chart`]: one labelled bar per value.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{
    build_chart, clip_label, draw_category, draw_label, min_max, styled_mesh, widest_text,
    y_area_width,
};
use super::render::{check, check_finite, render_png, Area, DrawResult};
use super::style::{LABEL_PX, LINE_SIZE, PALETTE};
use crate::report::fmt_num;
use crate::Result;

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
    let label_w = widest_text(root, &labels, LABEL_PX)? as i32;
    let y_area = y_area_width(root, lo, hi)?;
    let slot = (root.dim_in_pixel().0 as i32 - y_area as i32 - 40) / n as i32;
    let vertical = label_w > slot - 8;
    let x_area = if vertical { label_w } else { LABEL_PX as i32 } + 24;

    // Bar i is centred on x = i; the x axis has no ticks, the labels are drawn below the bars.
    let x_range = -0.5..n as f64 - 0.5;
    let mut chart = build_chart(root, title, (x_area as u32, y_area), x_range, lo..hi)?;
    styled_mesh(&mut chart)
        .disable_x_mesh()
        .x_labels(0)
        .y_desc(y_label)
        .y_labels(8)
        .max_light_lines(1)
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
        draw_category(root, label, (cx, base + 8), LABEL_PX, vertical)?;
        if show_values {
            let (_, vy) = chart.backend_coord(&(i as f64, v));
            let (dy, vpos) = if v >= 0.0 {
                (-4, VPos::Bottom)
            } else {
                (4, VPos::Top)
            };
            draw_label(
                root,
                &fmt_num(v),
                (cx, vy + dy),
                value_px,
                (HPos::Center, vpos),
            )?;
        }
    }
    Ok(())
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
}
