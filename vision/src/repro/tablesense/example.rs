//! `example_sheet.png`: one tested sheet drawn as its cell grid (non-empty cells shaded) with
//! the true tables and the boxes the detector and the heuristic found.

use std::path::Path;

use plotters::prelude::*;

use deepfield_core::report::plots::render_png;

use crate::sheets::{CellBox, Sheet};
use crate::Result;

/// Draw the first `max_rows` rows of `sheet` with `truth`, `cnn` and `heuristic` boxes.
pub fn draw_example(
    path: &Path,
    sheet: &Sheet,
    truth: &[CellBox],
    cnn: &[CellBox],
    heuristic: &[CellBox],
    max_rows: usize,
) -> Result<()> {
    let rows = sheet.rows().min(max_rows).max(1);
    let cols = sheet.cols().max(1);
    let title = format!(
        "{} — true tables (green), CNN (red), heuristic (blue dashed)",
        sheet.name.chars().take(40).collect::<String>()
    );
    render_png(path, (900, 900), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(&title, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..cols as f64, rows as f64..0f64)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc("column (0-based)")
            .y_desc("row (0-based CSV line)")
            .draw()?;
        let cells = (0..rows).flat_map(|r| (0..cols).map(move |c| (r, c)));
        chart.draw_series(cells.filter(|&(r, c)| sheet.filled(r, c)).map(|(r, c)| {
            Rectangle::new(
                [(c as f64, r as f64), (c as f64 + 1.0, r as f64 + 1.0)],
                RGBColor(200, 200, 200).filled(),
            )
        }))?;
        let outline = |b: &CellBox, inset: f64| {
            let (t, l) = (b.top as f64 + inset, b.left as f64 + inset);
            let (bt, rt) = (b.bottom as f64 + 1.0 - inset, b.right as f64 + 1.0 - inset);
            vec![(l, t), (rt, t), (rt, bt), (l, bt), (l, t)]
        };
        let visible = |b: &&CellBox| b.top < rows;
        chart
            .draw_series(
                truth
                    .iter()
                    .filter(visible)
                    .map(|b| PathElement::new(outline(b, 0.0), GREEN.stroke_width(5))),
            )?
            .label("true table")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], GREEN.stroke_width(5)));
        chart
            .draw_series(
                cnn.iter()
                    .filter(visible)
                    .map(|b| PathElement::new(outline(b, 0.15), RED.stroke_width(3))),
            )?
            .label("CNN")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.stroke_width(3)));
        for b in heuristic.iter().filter(visible) {
            let pts = outline(b, 0.3);
            chart.draw_series(pts.windows(2).flat_map(|w| {
                let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                (0..20).step_by(2).map(move |i| {
                    let (a, z) = (i as f64 / 20.0, (i + 1) as f64 / 20.0);
                    PathElement::new(
                        vec![
                            (x0 + (x1 - x0) * a, y0 + (y1 - y0) * a),
                            (x0 + (x1 - x0) * z, y0 + (y1 - y0) * z),
                        ],
                        BLUE.stroke_width(2),
                    )
                })
            }))?;
        }
        chart
            .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
            .label("heuristic")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.stroke_width(2)));
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .position(SeriesLabelPosition::LowerRight)
            .draw()?;
        Ok(())
    })?;
    Ok(())
}
