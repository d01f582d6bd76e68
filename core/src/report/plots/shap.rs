//! SHAP summary plots: [`shap_beeswarm`] (every sample's SHAP value per feature, coloured by
//! the feature's value) and [`shap_bars`] (one signed or unsigned value per feature: the global
//! mean |SHAP| importance, or one sample's local explanation).

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::axis::Axis;
use super::colorbar::colorbar;
use super::layout::{build_chart, clip_label, fit_desc, min_max, padded, styled_mesh, titled};
use super::layout::{draw_label, widest_text};
use super::layout::{BoxResult, Chart};
use super::render::{check, plot_error, render_png, Area, DrawResult};
use super::style::{colormap, font, COOLWARM, LABEL_PX, LINE_SIZE};
use crate::Result;

/// Colour of a positive bar (pushes the prediction up) and of a negative one.
const UP: RGBColor = RGBColor(214, 39, 40);
const DOWN: RGBColor = RGBColor(31, 119, 180);

fn check_matrix(path: &Path, rows: &[Vec<f64>], m: usize, what: &str) -> Result<()> {
    check(path, !rows.is_empty(), || format!("no {what} rows"))?;
    for (i, r) in rows.iter().enumerate() {
        if r.len() != m {
            return Err(plot_error(
                path,
                format!("{what} row {i} has {} values for {m} features", r.len()),
            ));
        }
        if let Some(j) = r.iter().position(|v| !v.is_finite()) {
            return Err(plot_error(path, format!("{what} [{i}][{j}] is {}", r[j])));
        }
    }
    Ok(())
}

/// Beeswarm summary of SHAP values: one row per feature, most important (largest mean |SHAP|)
/// at the top; each sample is a dot at its SHAP value (x, in the model output's unit given by
/// `x_label`), jittered vertically, coloured blue (low) to red (high) by the sample's value of
/// that feature scaled to the feature's range over the samples, with a colour bar.
pub fn shap_beeswarm(
    path: &Path,
    title: &str,
    features: &[String],
    shap: &[Vec<f64>],
    values: &[Vec<f64>],
    x_label: impl Into<Axis>,
) -> Result<()> {
    let m = features.len();
    check(path, m > 0, || "no features".into())?;
    check_matrix(path, shap, m, "SHAP")?;
    check_matrix(path, values, m, "feature value")?;
    check(path, shap.len() == values.len(), || {
        format!(
            "{} SHAP rows but {} feature-value rows",
            shap.len(),
            values.len()
        )
    })?;
    let x_label = x_label.into();
    render_png(path, (1100, 120 + 60 * m.max(4) as u32), |root| {
        draw_beeswarm(root, title, features, shap, values, &x_label)
    })
}

/// Feature indices by decreasing mean |SHAP|.
fn by_importance(shap: &[Vec<f64>], m: usize) -> Vec<usize> {
    let imp: Vec<f64> = (0..m)
        .map(|j| shap.iter().map(|r| r[j].abs()).sum::<f64>())
        .collect();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| imp[b].total_cmp(&imp[a]));
    order
}

/// A chart with one row per feature over `x`: row r (feature `order[r]`, r = 0 at the top) is
/// centred on y = M − 1 − r and labelled with the feature's name.
fn feature_rows<'a, 'b>(
    area: &'a Area<'b>,
    features: &[String],
    order: &[usize],
    x: std::ops::Range<f64>,
    x_label: &Axis,
) -> BoxResult<Chart<'a, 'b>> {
    let m = features.len();
    let names: Vec<String> = features.iter().map(|f| clip_label(f, 28)).collect();
    let y_area = widest_text(area, &names, LABEL_PX)? + 24;
    let x_desc = fit_desc(area, &x_label.title(), area.dim_in_pixel().0 as i32 - 110)?;
    let mut chart = build_chart(area, (56, y_area), x, -0.5..m as f64 - 0.5)?;
    let label_of = |v: &f64| {
        let r = m as f64 - 1.0 - v.round();
        if (v - v.round()).abs() < 1e-6 && r >= 0.0 && (r as usize) < m {
            names[order[r as usize]].clone()
        } else {
            String::new()
        }
    };
    styled_mesh(&mut chart)
        .disable_y_mesh()
        .x_desc(x_desc)
        .y_labels(m)
        .y_label_formatter(&label_of)
        .draw()?;
    Ok(chart)
}

fn draw_beeswarm(
    root: &Area,
    title: &str,
    features: &[String],
    shap: &[Vec<f64>],
    values: &[Vec<f64>],
    x_label: &Axis,
) -> DrawResult {
    let m = features.len();
    let order = by_importance(shap, m);
    let (lo, hi) = min_max(shap.iter().flatten().copied()).ok_or("no values")?;
    let (lo, hi) = padded(lo.min(0.0), hi.max(0.0), 0.05);
    let (w, _) = root.dim_in_pixel();
    let bar_w = 150;
    let (body, _) = titled(root, title, None)?;
    let (main, _) = body.split_horizontally(w - bar_w);
    let mut chart = feature_rows(&main, features, &order, lo..hi, x_label)?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, -0.5), (0.0, m as f64 - 0.5)],
        RGBColor(120, 120, 120).stroke_width(1),
    )))?;
    for (r, &j) in order.iter().enumerate() {
        let (vlo, vhi) = min_max(values.iter().map(|row| row[j])).ok_or("no values")?;
        let span = if vhi > vlo { vhi - vlo } else { 1.0 };
        let y0 = (m - 1 - r) as f64;
        let dots = shap.iter().zip(values).enumerate().map(|(i, (s, v))| {
            // Deterministic jitter (golden-ratio sequence) within ±0.3 of the row.
            let jitter = ((i as f64 * 0.618_033_988_75).fract() - 0.5) * 0.6;
            let color = colormap(&COOLWARM, (v[j] - vlo) / span);
            Circle::new((s[j], y0 + jitter), 3, color.filled())
        });
        chart.draw_series(dots)?;
    }
    let (_, yr) = chart.plotting_area().get_pixel_range();
    let (top, bottom) = (yr.start, yr.end);
    let x = (w - bar_w) as i32 + 10;
    colorbar(root, x, (top, bottom), (0.0, 1.0), |t| {
        colormap(&COOLWARM, t)
    })?;
    // 0 is the feature's lowest value among the samples, 1 its highest.
    draw_label(
        root,
        "feature value",
        (x + 11, top - 8),
        LABEL_PX,
        (HPos::Center, VPos::Bottom),
    )?;
    Ok(())
}

/// Horizontal bars of one value per feature, largest |value| at the top: the global importance
/// (mean |SHAP|, all ≥ 0) or one sample's SHAP values (red pushes the prediction up, blue
/// down). `x_label` names the quantity and its unit.
pub fn shap_bars(
    path: &Path,
    title: &str,
    features: &[String],
    values: &[f64],
    x_label: impl Into<Axis>,
) -> Result<()> {
    let m = features.len();
    check(path, m > 0 && values.len() == m, || {
        format!("{} values for {m} features", values.len())
    })?;
    check_matrix(path, &[values.to_vec()], m, "SHAP")?;
    let x_label = x_label.into();
    render_png(path, (LINE_SIZE.0, 120 + 50 * m.max(4) as u32), |root| {
        draw_bars(root, title, features, values, &x_label)
    })
}

fn draw_bars(
    root: &Area,
    title: &str,
    features: &[String],
    values: &[f64],
    x_label: &Axis,
) -> DrawResult {
    let m = features.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| values[b].abs().total_cmp(&values[a].abs()));
    let (lo, hi) = min_max(values.iter().copied()).ok_or("no values")?;
    let (lo, hi) = padded(lo.min(0.0), hi.max(0.0), 0.08);
    let (body, _) = titled(root, title, None)?;
    let mut chart = feature_rows(&body, features, &order, lo..hi, x_label)?;
    let bars = order.iter().enumerate().map(|(r, &j)| {
        let y = (m - 1 - r) as f64;
        let color = if values[j] >= 0.0 { UP } else { DOWN };
        Rectangle::new([(0.0, y - 0.35), (values[j], y + 0.35)], color.filled())
    });
    chart.draw_series(bars)?;
    let labels = order.iter().enumerate().map(|(r, &j)| {
        let y = (m - 1 - r) as f64;
        let pos = if values[j] < 0.0 {
            HPos::Right
        } else {
            HPos::Left
        };
        let style = font(LABEL_PX).pos(Pos::new(pos, VPos::Center));
        let text = format!(" {} ", crate::report::fmt_num(values[j]));
        Text::new(text, (values[j], y), style)
    });
    chart.draw_series(labels)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::plots::testutil::*;

    #[test]
    fn shap_plots_render_and_reject_bad_shapes() {
        let names: Vec<String> = ["a", "bb", "ccc"].iter().map(|s| s.to_string()).collect();
        let shap: Vec<Vec<f64>> = (0..30)
            .map(|i| {
                vec![
                    i as f64 / 10.0 - 1.5,
                    0.1 * (i % 3) as f64,
                    -0.02 * i as f64,
                ]
            })
            .collect();
        let vals: Vec<Vec<f64>> = (0..30).map(|i| vec![i as f64, 1.0, -(i as f64)]).collect();
        assert_renders((1100, 120 + 60 * 4), |p| {
            shap_beeswarm(p, "SHAP", &names, &shap, &vals, "SHAP value (MPa)")
        });
        assert_renders((LINE_SIZE.0, 120 + 50 * 4), |p| {
            shap_bars(p, "local", &names, &[0.5, -1.0, 0.2], "SHAP value (MPa)")
        });
        assert_rejects("short row", |p| {
            shap_bars(p, "x", &names, &[0.5, -1.0], "SHAP")
        });
        assert_rejects("nan", |p| {
            shap_beeswarm(
                p,
                "x",
                &names,
                &[vec![0.0, f64::NAN, 1.0]],
                &[vec![0.0; 3]],
                "SHAP",
            )
        });
    }
}
