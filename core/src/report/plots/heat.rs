//! [`heatmap`]: a matrix of values as colours, with a colour bar.

use std::path::Path;

use super::axis::Axis;
use super::colorbar::colorbar;
use super::layout::{build_chart, fit_desc, integer_label, min_max, padded, styled_mesh, titled};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::{colormap, COOLWARM, HEATMAP_SIZE, VIRIDIS};
use crate::Result;

/// A heat map of `values[row][col]` (row 0 at the top, like a matrix), e.g. an MFCC image or
/// a learned adjacency matrix, with a colour bar. Colours: viridis for data of one sign,
/// a diverging blue–red map centred on 0 when the data has both signs. Each pixel shows its
/// nearest cell, so matrices larger than the image are sub-sampled. Size [`HEATMAP_SIZE`].
pub fn heatmap(
    path: &Path,
    title: &str,
    values: &[Vec<f64>],
    x_label: impl Into<Axis>,
    y_label: impl Into<Axis>,
) -> Result<()> {
    let (x_label, y_label) = (x_label.into(), y_label.into());
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
        draw_heatmap(root, title, values, (&x_label, &y_label))
    })
}

fn draw_heatmap(
    root: &Area,
    title: &str,
    values: &[Vec<f64>],
    (x_label, y_label): (&Axis, &Axis),
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
    let (body, _) = titled(root, title, None)?;
    let (main, _) = body.split_horizontally(w - bar_w);
    // Cell (r, c) is centred on x = c, y = r, row 0 at the top.
    let (x_range, y_range) = (-0.5..cols as f64 - 0.5, rows as f64 - 0.5..-0.5);
    let (mw, mh) = main.dim_in_pixel();
    let x_desc = fit_desc(&main, &x_label.title(), mw as i32 - 110)?;
    let y_desc = fit_desc(&main, &y_label.title(), mh as i32 - 100)?;
    let mut chart = build_chart(&main, (56, 72), x_range, y_range)?;
    styled_mesh(&mut chart)
        .disable_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(cols.min(10))
        .y_labels(rows.min(10))
        .x_label_formatter(&|v| integer_label(*v))
        .y_label_formatter(&|v| integer_label(*v))
        .draw()?;
    let plot = chart.plotting_area();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn heatmap_writes_png_and_rejects_nan() {
        let v: Vec<Vec<f64>> = (0..13)
            .map(|r| {
                (0..80)
                    .map(|c| ((r * c) as f64 / 40.0).sin() * r as f64)
                    .collect()
            })
            .collect();
        assert_renders(HEATMAP_SIZE, |p| {
            heatmap(p, "MFCC", &v, "frame", "coefficient")
        });
        let plot = |values: Vec<Vec<f64>>| move |p: &Path| heatmap(p, "t", &values, "x", "y");
        assert_rejects("empty", plot(vec![]));
        assert_rejects("empty row", plot(vec![vec![]]));
        assert_rejects("NaN", plot(vec![vec![1.0, 2.0], vec![f64::NAN, 0.0]]));
        assert_rejects("ragged", plot(vec![vec![1.0, 2.0], vec![0.0]]));
    }
}
