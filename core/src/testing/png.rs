//! PNG plots: decoded and measured, to tell a drawn plot from a blank or broken image.

#[cfg(feature = "plots")]
use std::path::Path;

/// Decoded facts about a PNG: size and how much of it is not background.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PngStats {
    pub width: u32,
    pub height: u32,
    /// Distinct pixel values.
    pub colours: usize,
    /// Fraction of pixels that differ from the most common value (the background).
    pub drawn: f64,
}

/// Decode the PNG at `path` (signature, chunks, checksums and pixel data are all checked by the
/// decoder) and measure it.
#[cfg(feature = "plots")]
#[track_caller]
pub fn png_stats(path: &Path) -> PngStats {
    let file =
        std::fs::File::open(path).unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .unwrap_or_else(|e| panic!("{}: broken PNG data: {e}", path.display()));
    let bytes_per_sample = if info.bit_depth == png::BitDepth::Sixteen {
        2
    } else {
        1
    };
    let px = info.color_type.samples() * bytes_per_sample;
    let data = &buf[..info.buffer_size()];
    let mut counts: std::collections::HashMap<&[u8], usize> = std::collections::HashMap::new();
    for row in data.chunks(info.line_size) {
        for p in row[..info.width as usize * px].chunks_exact(px) {
            *counts.entry(p).or_default() += 1;
        }
    }
    let total = info.width as usize * info.height as usize;
    let background = counts.values().copied().max().unwrap_or(0);
    PngStats {
        width: info.width,
        height: info.height,
        colours: counts.len(),
        drawn: if total == 0 {
            0.0
        } else {
            1.0 - background as f64 / total as f64
        },
    }
}

/// Assert that `path` is a valid PNG of at least `min_size` (width, height) pixels with
/// something drawn on it: at least 3 distinct colours and at least 0.2 % of the pixels differing
/// from the background (an axis frame alone on a 640×480 plot is ≈ 0.4 %). Returns its stats.
#[cfg(feature = "plots")]
#[track_caller]
pub fn assert_png(path: &Path, min_size: (u32, u32)) -> PngStats {
    let s = png_stats(path);
    assert!(
        s.width >= min_size.0 && s.height >= min_size.1,
        "{}: {}×{} pixels, expected at least {}×{}",
        path.display(),
        s.width,
        s.height,
        min_size.0,
        min_size.1
    );
    assert!(
        s.colours >= 3 && s.drawn >= 0.002,
        "{}: nearly blank ({} colours, {:.3} % of pixels off the background)",
        path.display(),
        s.colours,
        100.0 * s.drawn
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fails;
    use crate::testing::{assert_json_close, assert_results, MIN_PLOT_SIZE};

    #[test]
    fn png_checks_tell_a_plot_from_a_blank_image() {
        use plotters::prelude::*;
        let draw = |path: &Path, lines: bool| {
            let root = BitMapBackend::new(path, (320, 240)).into_drawing_area();
            root.fill(&WHITE).unwrap();
            if lines {
                root.draw(&Rectangle::new(
                    [(20, 20), (300, 220)],
                    BLACK.stroke_width(2),
                ))
                .unwrap();
                let sine =
                    (0..280).map(|x| (20 + x, 120 + (50.0 * (x as f64 / 20.0).sin()) as i32));
                root.draw(&PathElement::new(
                    sine.collect::<Vec<_>>(),
                    RED.stroke_width(2),
                ))
                .unwrap();
            }
            root.present().unwrap();
        };
        let dir = tempfile::tempdir().unwrap();
        let blank = dir.path().join("blank.png");
        draw(&blank, false);
        let s = png_stats(&blank);
        assert_eq!((s.width, s.height, s.colours), (320, 240, 1));
        assert_eq!(s.drawn, 0.0);
        assert!(fails(|| assert_png(&blank, (100, 100))).is_err());

        let plot = dir.path().join("plot.png");
        draw(&plot, true);
        let s = assert_png(&plot, MIN_PLOT_SIZE);
        assert!(s.drawn > 0.01, "{s:?}");
        assert!(fails(|| assert_png(&plot, (5000, 10))).is_err());

        std::fs::write(dir.path().join("fake.png"), "not a png").unwrap();
        assert!(fails(|| png_stats(&dir.path().join("fake.png"))).is_err());
        std::fs::write(dir.path().join("metrics.json"), r#"{"acc": 0.5}"#).unwrap();
        let m = assert_results(dir.path(), &["metrics.json", "plot.png"]);
        assert_eq!(m["acc"], 0.5);
        let close = serde_json::json!({"acc": 0.5 + 1e-13, "n": [1, "a", null]});
        let far = serde_json::json!({"acc": 0.5 + 1e-13, "n": [1, "b", null]});
        assert_json_close(
            &close,
            &serde_json::json!({"acc": 0.5, "n": [1, "a", null]}),
            1e-12,
        );
        let msg = fails(|| assert_json_close(&far, &close, 1e-12)).unwrap_err();
        assert!(msg.contains("$.n[1]"), "{msg}");
        assert!(fails(|| assert_json_close(&m, &close, 1e-12)).is_err());
        assert!(fails(|| assert_results(dir.path(), &["blank.png"])).is_err());
        assert!(fails(|| assert_results(dir.path(), &["model/"])).is_err());
    }
}
