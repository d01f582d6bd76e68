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

mod images {
    use std::path::Path;

    use deepfield_vision::data::{images, sources, ListColumns, Preprocess};
    use tch::Kind;

    /// A `w × h` image whose pixel (x, y) has channel c = (x + 2y + 50c) mod 256, saved in the
    /// format of the extension.
    pub fn save(path: &Path, w: u32, h: u32, grey: bool) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if grey {
            image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x + 2 * y) % 256) as u8]))
                .save(path)
                .unwrap();
        } else {
            image::RgbImage::from_fn(w, h, |x, y| {
                let v = |c: u32| ((x + 2 * y + 50 * c) % 256) as u8;
                image::Rgb([v(0), v(1), v(2)])
            })
            .save(path)
            .unwrap();
        }
    }

    fn pre(channels: usize, size: usize) -> Preprocess {
        Preprocess {
            channels,
            height: size,
            width: size,
            ..Preprocess::default()
        }
    }

    #[test]
    fn folder_decodes_png_bmp_jpeg_grey_and_rgb_in_order() {
        let d = tempfile::tempdir().unwrap();
        save(&d.path().join("cat/a.png"), 8, 8, false);
        save(&d.path().join("cat/b.bmp"), 8, 8, true);
        save(&d.path().join("dog/c.jpg"), 16, 8, false);
        let entries = sources::folder(d.path()).unwrap();
        let ids: Vec<_> = entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["cat/a.png", "cat/b.bmp", "dog/c.jpg"]);
        let set = images::load(&entries, &pre(3, 8), None).unwrap();
        assert!(set.bad.is_empty(), "{:?}", set.bad);
        assert_eq!(set.images.size(), [3, 3, 8, 8]);
        assert_eq!(set.classes(), ["cat", "dog"]);
        let y = set.label_indices(&set.classes()).unwrap();
        assert_eq!(Vec::<i64>::try_from(&y).unwrap(), [0, 0, 1]);
        // PNG is lossless: pixel (x=3, y=2) of channel 1 is (3 + 4 + 50) / 255.
        let v = set.images.double_value(&[0, 1, 2, 3]);
        assert!((v - 57.0 / 255.0).abs() < 1e-6, "{v}");
        // The grey BMP is repeated into three equal planes.
        let g = set.images.get(1);
        assert!(g.get(0).equal(&g.get(2)));
        // Grey output of the RGB PNG: the luma of its channels.
        let grey = images::load(&entries[..1], &pre(1, 8), None).unwrap();
        let want = (0.299 * 7.0 + 0.587 * 57.0 + 0.114 * 107.0) / 255.0;
        assert!((grey.images.double_value(&[0, 0, 2, 3]) - want).abs() < 1e-5);
    }

    #[test]
    fn wrong_size_images_are_resized_cropped_and_normalised() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("flat.png");
        image::GrayImage::from_pixel(30, 20, image::Luma([204]))
            .save(&p)
            .unwrap();
        let e = sources::folder(d.path()).unwrap();
        assert_eq!(e[0].label, None);
        let pre = Preprocess {
            channels: 1,
            crop_fraction: 0.5,
            height: 7,
            width: 5,
            pad: 2,
            mean: vec![0.5],
            std: vec![0.5],
        };
        let set = images::load(&e, &pre, None).unwrap();
        assert_eq!(set.images.size(), [1, 1, 11, 9]);
        // 204/255 = 0.8 → (0.8 − 0.5) / 0.5 = 0.6 inside; padding (0 − 0.5) / 0.5 = −1.
        assert!((set.images.double_value(&[0, 0, 5, 4]) - 0.6).abs() < 1e-5);
        assert!((set.images.double_value(&[0, 0, 0, 0]) + 1.0).abs() < 1e-6);
        // The tensor path of the same preprocessing agrees on a constant image.
        let t = tch::Tensor::full([1, 1, 20, 30], 0.8, (Kind::Float, tch::Device::Cpu));
        let same = pre.apply(&t).unwrap();
        deepfield_core::testing::assert_close(&same, &set.images, 1e-5);
    }

    #[test]
    fn image_list_with_ids_and_labels_and_disk_cache() {
        let d = tempfile::tempdir().unwrap();
        for id in ["101", "102", "103"] {
            save(&d.path().join(format!("images/{id}.png")), 6, 6, false);
        }
        let csv = d.path().join("labels.csv");
        std::fs::write(&csv, "OBJID,CLASS\n101,2\n102,0\n103,2\n").unwrap();
        let entries = sources::list(&csv, &ListColumns::default()).unwrap();
        assert_eq!(entries[1].id, "102");
        assert_eq!(entries[1].label.as_deref(), Some("0"));
        let cache = d.path().join("cache");
        let first = images::load(&entries, &pre(3, 4), Some(&cache)).unwrap();
        assert_eq!(first.classes(), ["0", "2"]);
        let files: Vec<_> = std::fs::read_dir(&cache).unwrap().collect();
        assert_eq!(files.len(), 1);
        let again = images::load(&entries, &pre(3, 4), Some(&cache)).unwrap();
        assert!(first.images.equal(&again.images));
        // Another size is another cache file.
        images::load(&entries, &pre(3, 5), Some(&cache)).unwrap();
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 2);
        // A missing image in the list is an error naming the line and the id.
        std::fs::write(&csv, "OBJID,CLASS\n101,2\n999,1\n").unwrap();
        let e = sources::list(&csv, &ListColumns::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("labels.csv:3") && e.contains("`999`"), "{e}");
    }

    #[test]
    fn real_galaxy_list_first_images() {
        let root = deepfield_core::data::data_dir().unwrap();
        let csv = root.join("galaxy_zoo1_subset/labels.csv");
        let entries = sources::list(&csv, &ListColumns::default()).unwrap();
        assert_eq!(entries.len(), 1926);
        let set = images::load(&entries[..6], &pre(3, 32), None).unwrap();
        assert_eq!(set.images.size(), [6, 3, 32, 32]);
        assert!(set.bad.is_empty());
        // Galaxies are centred on a dark sky: the centre is brighter than the corners.
        let centre = set
            .images
            .narrow(2, 12, 8)
            .narrow(3, 12, 8)
            .mean(Kind::Float);
        let corner = set.images.narrow(2, 0, 6).narrow(3, 0, 6).mean(Kind::Float);
        assert!(centre.double_value(&[]) > corner.double_value(&[]) + 0.05);
    }
}
