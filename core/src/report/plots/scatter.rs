//! [`scatter_classes`] and [`scatter_classes_with_axes`]: 2-D points coloured by class.

use std::path::Path;

use plotters::prelude::*;

use super::layout::{clip_label, legend_box, min_max, padded, quiet_corner, y_area_width};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::{
    category_color, DESC_PX, FONT, GRID_BOLD, GRID_LIGHT, LABEL_PX, SCATTER_SIZE, TITLE_PX,
};
use crate::report::fmt_num;
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
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, TITLE_PX))
        .margin(18)
        .x_label_area_size(56)
        .y_label_area_size(y_area_width(root, y0, y1)?)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .label_style((FONT, LABEL_PX))
        .axis_desc_style((FONT, DESC_PX))
        .bold_line_style(GRID_BOLD)
        .light_line_style(GRID_LIGHT)
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
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("emb.png");
        let mut rng = crate::Rng::new(1);
        let labels: Vec<usize> = (0..400).map(|i| i % 4).collect();
        let pts: Vec<(f64, f64)> = labels
            .iter()
            .map(|&l| {
                (
                    3.0 * (l as f64).cos() + rng.normal(),
                    3.0 * (l as f64).sin() + rng.normal(),
                )
            })
            .collect();
        scatter_classes(&p, "Embedding", &pts, &labels, &names(5)).unwrap();
        assert_plot(&p, SCATTER_SIZE);
        // Named axes are drawn: the same points with other axis text give another image.
        let other = tempfile::tempdir().unwrap();
        let named = other.path().join("named.png");
        scatter_classes_with_axes(
            &named,
            "Embedding",
            ("speed", "accuracy"),
            &pts,
            &labels,
            &names(5),
        )
        .unwrap();
        assert_plot(&named, SCATTER_SIZE);
        assert_ne!(std::fs::read(&p).unwrap(), std::fs::read(&named).unwrap());

        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.png");
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &[], &[], &names(2)),
            "empty",
        );
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &[(0.0, 0.0)], &[2], &names(2)),
            "label",
        );
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &[(0.0, 0.0)], &[], &names(2)),
            "lengths",
        );
        let nan = [(f64::NAN, 0.0)];
        assert_fails_cleanly(
            dir.path(),
            scatter_classes(&p, "t", &nan, &[0], &names(2)),
            "NaN",
        );
    }
}
