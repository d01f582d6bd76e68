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
