//! [`bar_chart`]: one labelled bar per value.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{clip_label, draw_text, min_max, text_width, y_area_width};
use super::render::{check, check_finite, render_png, Area, DrawResult};
use super::style::{DESC_PX, FONT, GRID_BOLD, GRID_LIGHT, LABEL_PX, LINE_SIZE, PALETTE, TITLE_PX};
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
    use crate::report::plots::testutil::*;

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
}
