//! Rendering a PNG atomically, and the input checks every plot runs first.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{fsutil, Error, Result};

/// The white bitmap a [`render_png`] closure draws on.
pub type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// What a drawing closure returns (plotters' errors boxed).
pub type DrawResult = std::result::Result<(), Box<dyn std::error::Error>>;

pub(super) fn plot_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Plot {
        path: path.to_path_buf(),
        message: message.into(),
    }
}

pub(super) fn check(path: &Path, ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(plot_error(path, message()))
    }
}

pub(super) fn check_finite(path: &Path, what: &str, xs: &[f64]) -> Result<()> {
    match xs.iter().position(|x| !x.is_finite()) {
        Some(i) => Err(plot_error(path, format!("{what}[{i}] is {}", xs[i]))),
        None => Ok(()),
    }
}

/// Draw onto a white `size` bitmap and write it to `path` (must end in `.png`) atomically:
/// the image goes to a temporary `.png` beside the target, then is renamed into place. The way
/// to write a custom plot (a network drawing, a map) with the same guarantees as the plots here.
pub fn render_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area) -> DrawResult,
) -> Result<()> {
    let is_png = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    check(path, is_png, || {
        "plots are PNG files: the name must end in .png".into()
    })?;
    fsutil::write_atomic_with(path, |tmp| {
        // The bitmap encoder picks the format from the extension, so the temporary file must
        // end in .png too; fsutil's own temporary name is where it goes before the final rename.
        let png_tmp = tmp.with_extension("png");
        let drawn = draw_bitmap(&png_tmp, size, draw).map_err(|e| plot_error(path, e.to_string()));
        let result =
            drawn.and_then(|()| std::fs::rename(&png_tmp, tmp).map_err(|e| Error::io(tmp, e)));
        if result.is_err() {
            let _ = std::fs::remove_file(&png_tmp);
        }
        result
    })
}

fn draw_bitmap(png: &Path, size: (u32, u32), draw: impl FnOnce(&Area) -> DrawResult) -> DrawResult {
    let root = BitMapBackend::new(png, size).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root)?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::report::plots::testutil::assert_rejects;
    use crate::report::plots::{confusion_matrix, line_plot, Series};

    #[test]
    fn failed_plot_keeps_the_previous_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("keep.png");
        line_plot(
            &p,
            "t",
            "x",
            "y",
            &[Series::from_ys("a", 0.0, &[1.0, 2.0, 0.5])],
        )
        .unwrap();
        let before = std::fs::read(&p).unwrap();
        let nan = Series::from_ys("a", 0.0, &[f64::NAN]);
        assert!(line_plot(&p, "t", "x", "y", &[nan]).is_err());
        assert_eq!(std::fs::read(&p).unwrap(), before);
    }

    #[test]
    fn failure_during_drawing_leaves_no_file() {
        // 1000 classes cannot fit 900 px: the error comes from inside the drawing, after the
        // temporary bitmap was created.
        let n = 1000;
        let m = vec![vec![1u64; n]; n];
        let names: Vec<String> = (0..n).map(|i| format!("c{i}")).collect();
        assert_rejects("too many classes", |p| {
            confusion_matrix(p, &m, &names, "big")
        });
    }
}
