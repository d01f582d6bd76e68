//! Checks shared by the plot tests: a PNG's size, that something was drawn, that a failed
//! plot left nothing behind.

use std::path::Path;

use super::render_png;
use crate::{Error, Result};

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
