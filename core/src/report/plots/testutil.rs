//! Checks shared by the plot tests (a PNG's size, that something was drawn, that a failed plot
//! left nothing behind) and the example data that several tests draw.

use std::path::Path;

use super::render_png;
use crate::{Error, Result, Rng};

/// Width and height from a PNG's IHDR chunk, after checking the signature.
pub(super) fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 24,
        "{} is too short for a PNG",
        path.display()
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Size in bytes of an all-white PNG of `size`: a drawn plot compresses far worse.
pub(super) fn blank_png_len(dir: &Path, size: (u32, u32)) -> u64 {
    let p = dir.join(format!("blank_{}x{}.png", size.0, size.1));
    render_png(&p, size, |_| Ok(())).unwrap();
    std::fs::metadata(&p).unwrap().len()
}

/// The plot at `path` is a PNG of `size`, has real content, and nothing else is in its folder.
pub(super) fn assert_plot(path: &Path, size: (u32, u32)) {
    assert_eq!(png_size(path), size);
    let dir = path.parent().unwrap();
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 1, "temporary files left: {names:?}");
    let scratch = tempfile::tempdir().unwrap();
    let blank = blank_png_len(scratch.path(), size);
    let len = std::fs::metadata(path).unwrap().len();
    assert!(
        2 * len > 3 * blank,
        "{} has {len} bytes, a blank image {blank}: nothing drawn?",
        path.display()
    );
}

/// Draws `plot` into a fresh folder and checks the result with [`assert_plot`]; returns the
/// PNG's bytes.
pub(super) fn assert_renders(size: (u32, u32), plot: impl FnOnce(&Path) -> Result<()>) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plot.png");
    plot(&p).unwrap();
    assert_plot(&p, size);
    std::fs::read(&p).unwrap()
}

/// Drawing `plot` to `bad.png` in a fresh folder fails as [`assert_fails_cleanly`] expects.
pub(super) fn assert_rejects(what: &str, plot: impl FnOnce(&Path) -> Result<()>) {
    let dir = tempfile::tempdir().unwrap();
    let result = plot(&dir.path().join("bad.png"));
    assert_fails_cleanly(dir.path(), result, what);
}

pub(super) fn assert_fails_cleanly(dir: &Path, result: Result<()>, what: &str) {
    match result {
        Err(Error::Plot { path, message }) => {
            assert!(
                path.starts_with(dir),
                "{what}: error names {}",
                path.display()
            );
            assert!(!message.is_empty());
        }
        other => panic!("{what}: expected a plot error, got {other:?}"),
    }
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(left.is_empty(), "{what}: files left behind: {left:?}");
}

pub(super) fn names(n: usize) -> Vec<String> {
    ["cat", "dog", "bird", "fish", "horse"]
        .iter()
        .take(n)
        .map(|s| s.to_string())
        .collect()
}

type Points = Vec<(f64, f64)>;

/// `n` points in `k` noisy clusters on a circle of `radius`, and each point's cluster.
pub(super) fn clusters(rng: &mut Rng, n: usize, k: usize, radius: f64) -> (Points, Vec<usize>) {
    let labels: Vec<usize> = (0..n).map(|i| i % k).collect();
    let points = labels
        .iter()
        .map(|&l| {
            let x = radius * (l as f64).cos() + rng.normal();
            (x, radius * (l as f64).sin() + rng.normal())
        })
        .collect();
    (points, labels)
}

/// 300 true values in [0, 80) and noisy predictions of them.
pub(super) fn regression(rng: &mut Rng) -> (Vec<f64>, Vec<f64>) {
    let t: Vec<f64> = (0..300).map(|_| rng.uniform() * 80.0).collect();
    let y = t.iter().map(|&v| v + 5.0 * rng.normal()).collect();
    (t, y)
}

/// 200 observed points of a rising wave, and a forecast of its last 50.
pub(super) fn wave_forecast() -> (Points, Points) {
    let obs: Points = (0..200)
        .map(|i| (i as f64, (i as f64 / 12.0).sin() * 10.0 + i as f64 * 0.05))
        .collect();
    let pred = obs[150..]
        .iter()
        .map(|&(x, y)| (x, y + 1.5 * (x / 7.0).cos()))
        .collect();
    (obs, pred)
}

/// The decoded RGB pixels of a PNG, to check what was drawn where.
pub(super) struct Pixels {
    pub(super) width: usize,
    pub(super) height: usize,
    rgb: Vec<(u8, u8, u8)>,
}

impl Pixels {
    pub(super) fn read(path: &Path) -> Self {
        let file = std::fs::File::open(path).unwrap();
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let px = info.color_type.samples();
        assert!(px >= 3, "{:?}", info.color_type);
        let mut rgb = vec![];
        for row in buf[..info.buffer_size()].chunks(info.line_size) {
            for p in row[..info.width as usize * px].chunks_exact(px) {
                rgb.push((p[0], p[1], p[2]));
            }
        }
        Self {
            width: info.width as usize,
            height: info.height as usize,
            rgb,
        }
    }

    pub(super) fn at(&self, x: usize, y: usize) -> (u8, u8, u8) {
        self.rgb[y * self.width + x]
    }

    /// How many pixels in `cols` × `rows` have exactly `color`.
    pub(super) fn count(
        &self,
        color: plotters::style::RGBColor,
        cols: std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
    ) -> usize {
        let c = (color.0, color.1, color.2);
        rows.flat_map(|y| cols.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| self.at(x, y) == c)
            .count()
    }

    /// How many pixels in `cols` × `rows` are clearly red (the note under a title, whose
    /// anti-aliased text has few pixels of its exact colour).
    pub(super) fn reddish(
        &self,
        cols: std::ops::Range<usize>,
        rows: std::ops::Range<usize>,
    ) -> usize {
        rows.flat_map(|y| cols.clone().map(move |x| (x, y)))
            .filter(|&(x, y)| {
                let (r, g, b) = self.at(x, y);
                r > 150 && g < 110 && b < 110 && g.abs_diff(b) < 15
            })
            .count()
    }

    /// The rows in which at least `min` pixels have exactly `color`.
    pub(super) fn rows_with(&self, color: plotters::style::RGBColor, min: usize) -> Vec<usize> {
        (0..self.height)
            .filter(|&y| self.count(color, 0..self.width, y..y + 1) >= min)
            .collect()
    }

    /// Whether every pixel in `cols` × `rows` is white.
    pub(super) fn blank(&self, cols: std::ops::Range<usize>, rows: std::ops::Range<usize>) -> bool {
        self.count(plotters::style::WHITE, cols.clone(), rows.clone()) == cols.len() * rows.len()
    }
}

/// Render `plot` into a fresh folder and decode it.
pub(super) fn render_pixels(plot: impl FnOnce(&Path) -> Result<()>) -> Pixels {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("plot.png");
    plot(&p).unwrap();
    // To look at them: PLOT_DEBUG_DIR=/tmp/plots cargo test … (files named by a counter).
    if let Ok(debug) = std::env::var("PLOT_DEBUG_DIR") {
        static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let k = COUNT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::fs::create_dir_all(&debug).unwrap();
        std::fs::copy(&p, Path::new(&debug).join(format!("{k:03}.png"))).unwrap();
    }
    Pixels::read(&p)
}
