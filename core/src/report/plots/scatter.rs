//! [`scatter_classes`] and [`scatter_classes_with_axes`]: 2-D points coloured by class.

use std::path::Path;

use plotters::prelude::*;

use super::layout::{
    build_chart, clip_label, fit_desc, legend_box, min_max, padded, quiet_corner, styled_mesh,
    titled, y_area_width,
};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::{category_color, SCATTER_SIZE};
use crate::Result;

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
    let (body, _) = titled(root, title, None)?;
    let y_area = y_area_width(&body, y0, y1)?;
    let mut chart = build_chart(&body, (56, y_area), x0..x1, y0..y1)?;
    let (w, h) = body.dim_in_pixel();
    let x_desc = fit_desc(&body, x_desc, w as i32 - y_area as i32 - 40)?;
    let y_desc = fit_desc(&body, y_desc, h as i32 - 100)?;
    styled_mesh(&mut chart)
        .x_desc(x_desc)
        .y_desc(y_desc)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn scatter_classes_writes_png_and_checks_labels() {
        let (pts, labels) = clusters(&mut crate::Rng::new(1), 400, 4, 3.0);
        let plain = assert_renders(SCATTER_SIZE, |p| {
            scatter_classes(p, "Embedding", &pts, &labels, &names(5))
        });
        // Named axes are drawn: the same points with other axis text give another image.
        let axes = ("speed", "accuracy");
        let named = assert_renders(SCATTER_SIZE, |p| {
            scatter_classes_with_axes(p, "Embedding", axes, &pts, &labels, &names(5))
        });
        assert_ne!(plain, named);

        let origin = [(0.0, 0.0)];
        assert_rejects("empty", |p| scatter_classes(p, "t", &[], &[], &names(2)));
        assert_rejects("label", |p| {
            scatter_classes(p, "t", &origin, &[2], &names(2))
        });
        assert_rejects("lengths", |p| {
            scatter_classes(p, "t", &origin, &[], &names(2))
        });
        let nan = [(f64::NAN, 0.0)];
        assert_rejects("NaN", |p| scatter_classes(p, "t", &nan, &[0], &names(2)));
    }
}
