//! Bad files: every reader refuses damaged input with an error naming the file and the
//! problem, and never panics on seeded mutants of valid files.

use std::io::Write;

use deepfield_core::testing::{assert_cases, assert_reader_survives_mutants};
use deepfield_vision::data::idx::{encode_idx, read_idx};
use deepfield_vision::data::mnist;
use tch::Tensor;

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn images(n: i64) -> Vec<u8> {
    encode_idx(&Tensor::arange(n * 4, (tch::Kind::Uint8, tch::Device::Cpu)).reshape([n, 2, 2]))
        .unwrap()
}

#[test]
fn idx_bad_files_name_the_file_and_the_problem() {
    let good = images(3);
    let mut truncated_gzip = gz(&good);
    truncated_gzip.truncate(truncated_gzip.len() - 10);
    let mut long = good.clone();
    long.extend_from_slice(&[1, 2, 3]);
    assert_cases(
        vec![
            (
                "empty.idx",
                vec![],
                vec!["empty.idx", "magic", "found 0 bytes"],
            ),
            (
                "magic.idx",
                b"PK\x03\x04rest".to_vec(),
                vec!["magic.idx", "not an IDX file", "two zero bytes"],
            ),
            (
                "dtype.idx",
                vec![0, 0, 0x0A, 1, 0, 0, 0, 1, 5],
                vec!["dtype.idx", "unknown IDX data type 0x0a", "0x08 (u8)"],
            ),
            (
                "header.idx",
                vec![0, 0, 8, 3, 0, 0, 0, 1],
                vec!["header.idx", "truncated IDX header", "rank 3 needs 16"],
            ),
            (
                "short.idx",
                good[..good.len() - 1].to_vec(),
                vec![
                    "short.idx",
                    "truncated",
                    "[3, 2, 2]",
                    "12 data bytes",
                    "found 11",
                ],
            ),
            (
                "long.idx",
                long,
                vec!["long.idx", "size mismatch", "found 15 data bytes"],
            ),
            (
                "cut.idx.gz",
                truncated_gzip,
                vec!["cut.idx.gz", "gzip data is damaged or truncated"],
            ),
        ],
        read_idx,
    );
}

#[test]
fn idx_reader_survives_mutants() {
    let good = images(4);
    let refused = assert_reader_survives_mutants("m.idx", &good, 13, 300, read_idx);
    assert!(refused > 250, "only {refused} of 300 mutants refused");
    let refused = assert_reader_survives_mutants("m.idx.gz", &gz(&good), 14, 200, read_idx);
    assert!(refused > 150, "only {refused} of 200 gzip mutants refused");
}

#[test]
fn mnist_pairs_must_match() {
    let dir = tempfile::tempdir().unwrap();
    let img = dir.path().join("img.idx");
    let lab = dir.path().join("lab.idx");
    std::fs::write(&img, images(3)).unwrap();
    std::fs::write(&lab, encode_idx(&Tensor::from_slice(&[1u8, 2])).unwrap()).unwrap();
    let e = mnist::load_files(&img, &lab).unwrap_err().to_string();
    for f in ["lab.idx", "count mismatch", "3 images", "2 labels"] {
        assert!(e.contains(f), "`{e}` lacks `{f}`");
    }
    // Images given as labels and the other way round.
    let e = mnist::load_files(&lab, &img).unwrap_err().to_string();
    assert!(
        e.contains("lab.idx") && e.contains("[N, rows, cols]"),
        "{e}"
    );
    std::fs::write(
        &lab,
        encode_idx(&Tensor::from_slice(&[1.0f32, 2.0, 3.0])).unwrap(),
    )
    .unwrap();
    let e = mnist::load_files(&img, &lab).unwrap_err().to_string();
    assert!(
        e.contains("lab.idx") && e.contains("u8 [N]") && e.contains("Float"),
        "{e}"
    );
}

fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8 * 9, y as u8 * 7, 100]))
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

#[test]
fn folder_with_bad_files_decodes_the_good_ones_and_lists_the_bad() {
    use deepfield_vision::data::{images, sources, Preprocess};
    let d = tempfile::tempdir().unwrap();
    let good = png(10, 12);
    std::fs::create_dir_all(d.path().join("a")).unwrap();
    std::fs::create_dir_all(d.path().join("b")).unwrap();
    std::fs::write(d.path().join("a/ok1.png"), &good).unwrap();
    std::fs::write(d.path().join("a/cut.png"), &good[..good.len() / 2]).unwrap();
    std::fs::write(d.path().join("b/ok2.png"), &good).unwrap();
    std::fs::write(d.path().join("b/notes.txt"), b"not an image\n").unwrap();
    std::fs::write(d.path().join("b/empty.jpg"), b"").unwrap();
    let entries = sources::folder(d.path()).unwrap();
    assert_eq!(entries.len(), 5);
    let pre = Preprocess {
        channels: 3,
        ..Preprocess::default()
    };
    let set = images::load(&entries, &pre, None).unwrap();
    let ids: Vec<_> = set.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["a/ok1.png", "b/ok2.png"]);
    assert_eq!(set.images.size(), [2, 3, 28, 28]);
    let mut bad: Vec<_> = set
        .bad
        .iter()
        .map(|b| b.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    bad.sort();
    assert_eq!(bad, ["cut.png", "empty.jpg", "notes.txt"]);
    for b in &set.bad {
        assert!(!b.reason.is_empty());
    }
    // Only bad files: an error naming them.
    let e = images::load(&entries[..1], &pre, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("cut.png") && e.contains("none of the 1"), "{e}");
}

#[test]
fn image_decoder_survives_mutants() {
    use deepfield_vision::data::{images, Preprocess};
    let pre = Preprocess::default();
    let read = |p: &std::path::Path| images::decode_file(p, &pre);
    let refused = assert_reader_survives_mutants("m.png", &png(9, 9), 3, 120, read);
    assert!(refused > 60, "only {refused} of 120 PNG mutants refused");
}

#[test]
fn bad_image_lists_name_the_line() {
    use deepfield_vision::data::{sources, ListColumns};
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("x.png"), png(4, 4)).unwrap();
    assert_cases(
        vec![
            (
                "empty.csv",
                b"path,label\n".to_vec(),
                vec!["empty.csv", "no rows"],
            ),
            (
                "blank.csv",
                b"path,label\nx.png,\n".to_vec(),
                vec!["blank.csv:2", "empty `label`"],
            ),
            (
                "missing.csv",
                b"path,label\nx.png,1\ny.png,2\n".to_vec(),
                vec!["missing.csv:3", "no image file for `y.png`"],
            ),
        ],
        |p| {
            // assert_cases writes into its own folder: put the image beside the list.
            std::fs::copy(d.path().join("x.png"), p.with_file_name("x.png")).unwrap();
            sources::list(p, &ListColumns::default())
        },
    );
}
