//! [`confusion_matrix`]: counts per true and predicted class, coloured by row fraction.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::colorbar::colorbar;
use super::layout::{clip_label, draw_category, draw_label, draw_text, titled, widest_text};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::{colormap, luminance, BLUES, CONFUSION_SIZE, DESC_PX, LABEL_PX};
use crate::Result;

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

fn draw_confusion(root: &Area, matrix: &[Vec<u64>], names: &[String], title: &str) -> DrawResult {
    let n = matrix.len() as i32;
    let (w, h) = root.dim_in_pixel();
    let (w, h) = (w as i32, h as i32);
    let names: Vec<String> = names.iter().map(|s| clip_label(s, 24)).collect();
    let name_px = if n > 20 { 12 } else { LABEL_PX };
    let name_w = widest_text(root, &names, name_px)? as i32;
    let name_h = name_px as i32 + 4;

    // The title may wrap; the colour bar's caption sits between it and the grid.
    let (_, top) = titled(root, title, None)?;
    let title_h = top + 22;
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
            let row_at = (x0 - 8, y0 + c);
            draw_label(root, name, row_at, name_px, (HPos::Right, VPos::Center))?;
            draw_category(root, name, (x0 + c, y0 + grid + 8), name_px, vertical_names)?;
        }
    }
    let names_h = if vertical_names { name_w } else { name_h };
    let below = (x0 + grid / 2, y0 + grid + 8 + names_h + 10);
    draw_label(
        root,
        "predicted class",
        below,
        DESC_PX,
        (HPos::Center, VPos::Top),
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
    let above_bar = (x0 + grid + 24 + 11, y0 - 8);
    draw_label(
        root,
        "row fraction",
        above_bar,
        LABEL_PX,
        (HPos::Center, VPos::Bottom),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn confusion_matrix_writes_png_and_checks_shapes() {
        let m = vec![vec![50, 3, 2], vec![4, 40, 11], vec![0, 9, 35]];
        assert_renders(CONFUSION_SIZE, |p| {
            confusion_matrix(p, &m, &names(3), "Confusion")
        });
        assert_rejects("empty", |p| confusion_matrix(p, &[], &[], "t"));
        assert_rejects("names", |p| confusion_matrix(p, &m, &names(2), "t"));
        let ragged = vec![vec![1, 2], vec![3]];
        assert_rejects("ragged", |p| confusion_matrix(p, &ragged, &names(2), "t"));
    }
}
