//! IDX round trips (every type, ranks 1–4, gzip and plain) and the real MNIST files.

use deepfield_vision::data::idx::{encode_idx, read_idx, write_idx, IdxType};
use deepfield_vision::data::mnist::{self, Dataset, Split};
use tch::{Device, Kind, Tensor};

fn sample(t: IdxType, shape: &[i64]) -> Tensor {
    let n: i64 = shape.iter().product();
    // Values spanning the type's sign and magnitude: exact in every kind.
    let base = Tensor::arange(n, (Kind::Double, Device::Cpu));
    let v = match t {
        IdxType::U8 => (base * 7.0).remainder(256.0),
        IdxType::I8 => (base * 7.0).remainder(256.0) - 128.0,
        IdxType::I16 => (base * 997.0).remainder(65536.0) - 32768.0,
        IdxType::I32 => (base * 123_457.0 - 1.0e6) * 3.0,
        IdxType::F32 | IdxType::F64 => (base - 5.0) * 0.1234567,
    };
    v.to_kind(t.kind()).reshape(shape)
}

#[test]
fn idx_round_trip_every_type_rank_and_compression() {
    let dir = tempfile::tempdir().unwrap();
    let shapes: [&[i64]; 4] = [&[7], &[3, 5], &[2, 3, 4], &[2, 1, 3, 5]];
    for t in IdxType::ALL {
        for shape in shapes {
            for gzip in [false, true] {
                let p = dir.path().join(format!("{t:?}-{}-{gzip}.idx", shape.len()));
                let x = sample(t, shape);
                write_idx(&p, &x, gzip).unwrap();
                let raw = std::fs::read(&p).unwrap();
                assert_eq!(raw.starts_with(&[0x1f, 0x8b]), gzip, "{}", p.display());
                let y = read_idx(&p).unwrap();
                assert_eq!(y.kind(), t.kind(), "{t:?}");
                assert_eq!(y.size(), shape, "{t:?}");
                assert!(x.equal(&y), "{t:?} {shape:?} gzip={gzip} differs");
            }
        }
    }
    // The header layout itself: type byte, rank, big-endian sizes, big-endian data.
    let b = encode_idx(&Tensor::from_slice(&[1i32, -2]).reshape([1, 2])).unwrap();
    assert_eq!(
        b,
        [0, 0, 0x0C, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe]
    );
}

fn histogram(labels: &Tensor) -> Vec<i64> {
    Vec::<i64>::try_from(labels.bincount(None::<Tensor>, 10)).unwrap()
}

#[test]
fn real_mnist_counts_shapes_and_label_histogram() {
    let root = deepfield_core::data::data_dir().unwrap();
    let train = mnist::load(&root, Dataset::Mnist, Split::Train).unwrap();
    let test = mnist::load(&root, Dataset::Mnist, Split::Test).unwrap();
    assert_eq!(train.images.size(), [60000, 1, 28, 28]);
    assert_eq!(test.images.size(), [10000, 1, 28, 28]);
    assert_eq!(train.images.kind(), Kind::Float);
    assert_eq!(test.labels.kind(), Kind::Int64);
    // The published MNIST class counts.
    assert_eq!(
        histogram(&train.labels),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        histogram(&test.labels),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    let (lo, hi) = (
        test.images.min().double_value(&[]),
        test.images.max().double_value(&[]),
    );
    assert_eq!((lo, hi), (0.0, 1.0));
    // The first test digit is a 7, the first training digit a 5.
    assert_eq!(test.labels.int64_value(&[0]), 7);
    assert_eq!(train.labels.int64_value(&[0]), 5);
}

#[test]
fn real_fashion_mnist_is_balanced() {
    let root = deepfield_core::data::data_dir().unwrap();
    let test = mnist::load(&root, Dataset::FashionMnist, Split::Test).unwrap();
    assert_eq!(test.images.size(), [10000, 1, 28, 28]);
    assert_eq!(histogram(&test.labels), [1000; 10]);
}

#[test]
fn missing_dataset_names_folder_files_and_source() {
    let root = tempfile::tempdir().unwrap();
    let e = mnist::load(root.path(), Dataset::FashionMnist, Split::Train)
        .unwrap_err()
        .to_string();
    for f in [
        "fashion_mnist",
        "train-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz",
        "zalandoresearch",
    ] {
        assert!(e.contains(f), "`{e}` lacks `{f}`");
    }
}
