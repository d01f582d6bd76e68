//! [`image_grid`]: a grid of small images, each optionally overlaid with a heat map — galleries
//! of explanation maps (input, then one column per method) or of generated samples (one row
//! per class).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::layout::{draw_text, titled};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::{colormap, font, VIRIDIS};
use crate::Result;

/// One cell of an [`image_grid`]: a grey image, row-major `height × width` in [0, 1], and an
/// optional heat map of the same size in [0, 1] blended over it (viridis, half opacity).
#[derive(Debug, Clone, Default)]
pub struct GridCell {
    pub height: usize,
    pub width: usize,
    pub image: Vec<f64>,
    pub overlay: Option<Vec<f64>>,
}

/// Draw `cells[row][col]` with `col_titles` above the columns and `row_titles` left of the
/// rows; each image pixel becomes `scale × scale` screen pixels (≥ 1).
pub fn image_grid(
    path: &Path,
    title: &str,
    cells: &[Vec<GridCell>],
    col_titles: &[String],
    row_titles: &[String],
    scale: u32,
) -> Result<()> {
    let rows = cells.len();
    let cols = cells.first().map_or(0, Vec::len);
    check(path, rows > 0 && cols > 0, || {
        "the grid has no images".into()
    })?;
    let (h, w) = (cells[0][0].height, cells[0][0].width);
    for (r, row) in cells.iter().enumerate() {
        if row.len() != cols {
            return Err(plot_error(
                path,
                format!("row {r} has {} cells, row 0 has {cols}", row.len()),
            ));
        }
        for (c, cell) in row.iter().enumerate() {
            let n = cell.height * cell.width;
            if cell.height != h
                || cell.width != w
                || cell.image.len() != n
                || cell.overlay.as_ref().is_some_and(|o| o.len() != n)
            {
                return Err(plot_error(
                    path,
                    format!("cell ({r}, {c}) is not a {h}×{w} image (with a map of that size)"),
                ));
            }
            if let Some(v) = cell
                .image
                .iter()
                .chain(cell.overlay.iter().flatten())
                .find(|v| !v.is_finite())
            {
                return Err(plot_error(path, format!("cell ({r}, {c}) holds {v}")));
            }
        }
    }
    let s = scale.max(1);
    let (cell_w, cell_h) = (w as u32 * s + 8, h as u32 * s + 8);
    let (left, top) = (110u32, 96u32);
    let size = (
        left + cell_w * cols as u32 + 10,
        top + cell_h * rows as u32 + 10,
    );
    render_png(path, size, |root| {
        draw_grid(
            root,
            title,
            cells,
            (col_titles, row_titles),
            (s, left, top, cell_w, cell_h),
        )
    })
}

fn draw_grid(
    root: &Area,
    title: &str,
    cells: &[Vec<GridCell>],
    (col_titles, row_titles): (&[String], &[String]),
    (s, left, top, cell_w, cell_h): (u32, u32, u32, u32, u32),
) -> DrawResult {
    let _ = titled(root, title, None)?;
    for (c, t) in col_titles.iter().enumerate().take(cells[0].len()) {
        let x = (left + c as u32 * cell_w + cell_w / 2) as i32;
        draw_text(
            root,
            t,
            (x, top as i32 - 22),
            15,
            (HPos::Center, VPos::Center),
            &BLACK,
            false,
        )?;
    }
    for (r, row) in cells.iter().enumerate() {
        let y0 = top + r as u32 * cell_h;
        if let Some(t) = row_titles.get(r) {
            root.draw(&Text::new(
                t.clone(),
                (8, (y0 + cell_h / 2) as i32 - 8),
                font(15),
            ))?;
        }
        for (c, cell) in row.iter().enumerate() {
            let x0 = left + c as u32 * cell_w + 4;
            for i in 0..cell.height {
                for j in 0..cell.width {
                    let g = cell.image[i * cell.width + j].clamp(0.0, 1.0) * 255.0;
                    let color = match &cell.overlay {
                        Some(o) => {
                            let m = colormap(&VIRIDIS, o[i * cell.width + j]);
                            let mix = |a: u8| (0.5 * a as f64 + 0.5 * g).round() as u8;
                            RGBColor(mix(m.0), mix(m.1), mix(m.2))
                        }
                        None => RGBColor(g as u8, g as u8, g as u8),
                    };
                    let (x, y) = ((x0 + j as u32 * s) as i32, (y0 + 4 + i as u32 * s) as i32);
                    root.draw(&Rectangle::new(
                        [(x, y), (x + s as i32, y + s as i32)],
                        color.filled(),
                    ))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_grid_and_refuses_ragged_cells() {
        let dir = tempfile::tempdir().unwrap();
        let cell = |overlay: bool| GridCell {
            height: 4,
            width: 5,
            image: (0..20).map(|i| i as f64 / 19.0).collect(),
            overlay: overlay.then(|| vec![0.5; 20]),
        };
        let path = dir.path().join("grid.png");
        let cells = vec![vec![cell(false), cell(true)]; 3];
        let titles = ["input".to_string(), "map".to_string()];
        let rows: Vec<String> = (0..3).map(|r| format!("example {r}")).collect();
        image_grid(&path, "a gallery", &cells, &titles, &rows, 4).unwrap();
        assert!(std::fs::metadata(&path).unwrap().len() > 500);
        let mut bad = cells.clone();
        bad[1][0].image.pop();
        let e = image_grid(&dir.path().join("bad.png"), "t", &bad, &titles, &rows, 4);
        assert!(e.unwrap_err().to_string().contains("cell (1, 0)"));
        assert!(!dir.path().join("bad.png").exists());
    }
}
