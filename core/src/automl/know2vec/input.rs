//! A user's labelled query data for `deepfield-core know2vec rank`: an IDX image file with its
//! IDX label file (MNIST layout, gzip or not), or a CSV with a `label` column and one column
//! per pixel (values 0–255, or 0–1 when none exceeds 1).

use std::path::Path;

use tch::Tensor;

use crate::data::mnist;
use crate::{fsutil, Error, Result};

/// Images `f32 [N, 1, H, W]` (IDX) or `[N, P]` (CSV) in `[0, 1]`, and labels `i64 [N]`.
pub fn read_idx(images: &Path, labels: &Path) -> Result<(Tensor, Tensor)> {
    let d = mnist::load_files(images, labels)?;
    Ok((d.images, d.labels))
}

/// Read a CSV of labelled examples: a `label` column (integers ≥ 0) and pixel columns.
pub fn read_csv(path: &Path) -> Result<(Tensor, Tensor)> {
    let recs = fsutil::read_csv_records(path)?;
    let label_col = recs
        .header
        .iter()
        .position(|h| h.eq_ignore_ascii_case("label"))
        .ok_or_else(|| {
            Error::input(format!(
                "{}: no `label` column (header: {})",
                path.display(),
                crate::error::clip(&recs.header.join(","))
            ))
        })?;
    let width = recs.header.len();
    if width < 2 {
        return Err(Error::input(format!(
            "{}: needs a `label` column and pixel columns",
            path.display()
        )));
    }
    if recs.rows.is_empty() {
        return Err(Error::input(format!("{}: no examples", path.display())));
    }
    let mut pixels = Vec::with_capacity(recs.rows.len() * (width - 1));
    let mut labels = Vec::with_capacity(recs.rows.len());
    for row in &recs.rows {
        if row.fields.len() != width {
            return Err(Error::parse(
                path,
                row.line as usize,
                format!("{} fields, the header has {width}", row.fields.len()),
            ));
        }
        for (j, f) in row.fields.iter().enumerate() {
            if j == label_col {
                let l: i64 = f.parse().map_err(|_| {
                    Error::parse(
                        path,
                        row.line as usize,
                        format!("label `{f}` is not an integer"),
                    )
                })?;
                if l < 0 {
                    return Err(Error::parse(
                        path,
                        row.line as usize,
                        format!("label {l} is negative"),
                    ));
                }
                labels.push(l);
            } else {
                let v: f32 = f
                    .parse()
                    .ok()
                    .filter(|v: &f32| v.is_finite())
                    .ok_or_else(|| {
                        Error::parse(
                            path,
                            row.line as usize,
                            format!("column `{}`: `{f}` is not a number", recs.header[j]),
                        )
                    })?;
                pixels.push(v);
            }
        }
    }
    let max = pixels.iter().cloned().fold(0.0f32, f32::max);
    let min = pixels.iter().cloned().fold(0.0f32, f32::min);
    if min < 0.0 || max > 255.0 {
        return Err(Error::input(format!(
            "{}: pixel values must be in 0..255 (or 0..1), found {min}..{max}",
            path.display()
        )));
    }
    let scale = if max > 1.0 { 255.0 } else { 1.0 };
    let n = labels.len() as i64;
    let x = Tensor::from_slice(&pixels).f_view([n, width as i64 - 1])? / scale as f64;
    Ok((x, Tensor::from_slice(&labels)))
}
