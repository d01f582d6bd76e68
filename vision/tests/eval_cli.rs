//! `deepfield-vision eval classify` on IDX files, image folders and image lists, with a saved
//! (small, seeded) `vision.rotinv_cnn`; predictions CSV, metrics, bad files and user errors.

use std::path::Path;

use deepfield_core::models::{save_model, ModelConfig};
use deepfield_core::testing::{assert_csv, run_bin, BinOutput};
use deepfield_vision::data::idx::write_idx;
use deepfield_vision::data::Preprocess;
use deepfield_vision::models::rotinv::RotInvCnnConfig;
use tch::{nn::VarStore, Device, Kind, Tensor};

/// `deepfield-vision eval classify --model MODEL ARGS…`.
fn classify(model: &Path, args: &[&std::ffi::OsStr]) -> BinOutput {
    let mut all: Vec<&std::ffi::OsStr> = vec!["eval".as_ref(), "classify".as_ref()];
    all.extend(["--model".as_ref(), model.as_os_str()]);
    all.extend(args);
    run_bin(env!("CARGO_BIN_EXE_deepfield-vision"), all)
}

/// A grey 28×28 three-class model (untrained: only the plumbing is under test).
fn save_small_model(dir: &Path) {
    tch::manual_seed(0);
    let cfg = RotInvCnnConfig {
        input: 28,
        part: 20,
        filters: [4, 4, 4, 4],
        hidden: 8,
        classes: 3,
        class_names: vec!["cat".into(), "dog".into(), "fox".into()],
        preprocess: Preprocess {
            channels: 1,
            mean: vec![0.5],
            std: vec![0.25],
            ..Preprocess::default()
        },
        ..RotInvCnnConfig::default()
    };
    let vs = VarStore::new(Device::Cpu);
    cfg.build(&vs.root()).unwrap();
    save_model(dir, &vs, &cfg, None::<&()>).unwrap();
}

fn s(p: &Path) -> &std::ffi::OsStr {
    p.as_os_str()
}

#[test]
fn classify_idx_folder_and_list_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    save_small_model(&model);

    // IDX images with IDX labels: 5 predictions, metrics printed.
    let images = tmp.path().join("x.idx.gz");
    let labels = tmp.path().join("y.idx");
    write_idx(
        &images,
        &(Tensor::rand([5, 28, 28], (Kind::Float, Device::Cpu)) * 255.0).to_kind(Kind::Uint8),
        true,
    )
    .unwrap();
    write_idx(&labels, &Tensor::from_slice(&[0u8, 1, 2, 1, 0]), false).unwrap();
    let pred = tmp.path().join("p.csv");
    let r = classify(
        &model,
        &[
            s(&images),
            "--labels".as_ref(),
            s(&labels),
            "--out".as_ref(),
            s(&pred),
        ],
    );
    assert!(r.success, "{}", r.stderr);
    assert!(
        r.stdout.contains("5 images classified") && r.stdout.contains("accuracy"),
        "{}",
        r.stdout
    );
    let rows = assert_csv(
        &pred,
        &["id", "predicted", "label", "p_cat", "p_dog", "p_fox"],
        5,
    );
    assert_eq!(rows[2][0], "2");
    assert_eq!(rows[2][2], "fox");
    for row in &rows {
        let total: f64 = row[3..].iter().map(|v| v.parse::<f64>().unwrap()).sum();
        assert!((total - 1.0).abs() < 1e-4, "{row:?}");
        assert!(["cat", "dog", "fox"].contains(&row[1].as_str()));
    }

    // An image folder with class subfolders (RGB and odd sizes: converted and resized) and
    // one corrupt file, listed and skipped.
    let folder = tmp.path().join("imgs");
    for (class, name, w, h) in [
        ("cat", "a.png", 40, 30),
        ("dog", "b.jpg", 28, 28),
        ("fox", "c.bmp", 10, 50),
    ] {
        std::fs::create_dir_all(folder.join(class)).unwrap();
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 5) as u8, (y * 3) as u8, 90]))
            .save(folder.join(class).join(name))
            .unwrap();
    }
    std::fs::write(
        folder.join("dog/broken.png"),
        b"\x89PNG\r\n\x1a\nnot really",
    )
    .unwrap();
    let r = classify(&model, &[s(&folder), "--out".as_ref(), s(&pred)]);
    assert!(r.success, "{}", r.stderr);
    assert!(r.stderr.contains("broken.png"), "{}", r.stderr);
    assert!(
        r.stdout.contains("3 images classified (1 skipped)"),
        "{}",
        r.stdout
    );
    let rows = assert_csv(
        &pred,
        &["id", "predicted", "label", "p_cat", "p_dog", "p_fox"],
        3,
    );
    assert_eq!(rows[0][0], "cat/a.png");

    // An image list without labels, predictions on stdout.
    let list = folder.join("list.csv");
    std::fs::write(&list, "path\ncat/a.png\nfox/c.bmp\n").unwrap();
    let r = classify(&model, &[s(&list)]);
    assert!(r.success, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("id,predicted,p_cat,p_dog,p_fox\ncat/a.png,"),
        "{}",
        r.stdout
    );
}

#[test]
fn classify_refuses_bad_input_with_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    save_small_model(&model);
    let fail = |model: &Path, args: &[&std::ffi::OsStr], want: &[&str]| {
        let r = classify(model, args);
        assert!(!r.success, "{args:?} succeeded");
        for w in want {
            assert!(r.stderr.contains(w), "{args:?}: `{}` lacks `{w}`", r.stderr);
        }
    };
    let missing = tmp.path().join("nothing.idx");
    fail(&model, &[s(&missing)], &["nothing.idx", "does not exist"]);
    let junk = tmp.path().join("junk.idx");
    std::fs::write(&junk, b"hello world").unwrap();
    fail(&model, &[s(&junk)], &["junk.idx", "not an IDX file"]);
    // Labels that are not the model's classes.
    let images = tmp.path().join("x.idx");
    write_idx(
        &images,
        &Tensor::zeros([2, 28, 28], (Kind::Uint8, Device::Cpu)),
        false,
    )
    .unwrap();
    let labels = tmp.path().join("y.idx");
    write_idx(&labels, &Tensor::from_slice(&[0u8, 7]), false).unwrap();
    fail(
        &model,
        &[s(&images), "--labels".as_ref(), s(&labels)],
        &["label `7`", "cat, dog, fox"],
    );
    // A labels CSV that labels one image twice, or lacks the column asked for.
    let twice = tmp.path().join("twice.csv");
    std::fs::write(&twice, "id,label\n0,cat\n1,dog\n0,fox\n").unwrap();
    fail(
        &model,
        &[s(&images), "--labels".as_ref(), s(&twice)],
        &["twice.csv:4", "`0` is labelled twice (first on line 2)"],
    );
    fail(
        &model,
        &[
            s(&images),
            "--labels".as_ref(),
            s(&twice),
            "--id-column".as_ref(),
            "file".as_ref(),
        ],
        &["twice.csv:1", "no id column `file`"],
    );
    // A model folder that does not exist.
    let nomodel = tmp.path().join("none");
    fail(&nomodel, &[s(&images)], &["none"]);
}

/// `eval explain` on IDX images: the model's preprocessing, core's Grad-CAM++ through the
/// binary, one map per image, ids in order, and a missing input refused without output.
#[test]
fn explain_images_through_the_models_preprocessing() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    save_small_model(&model);
    let images = tmp.path().join("x.idx");
    write_idx(
        &images,
        &(Tensor::rand([3, 28, 28], (Kind::Float, Device::Cpu)) * 255.0).to_kind(Kind::Uint8),
        false,
    )
    .unwrap();
    let out = tmp.path().join("maps");
    let args = |input: &Path, out: &Path, method: &str| {
        run_bin(
            env!("CARGO_BIN_EXE_deepfield-vision"),
            [
                "eval".as_ref(),
                "explain".as_ref(),
                "--model".as_ref(),
                s(&model),
                "--input".as_ref(),
                s(input),
                "--method".as_ref(),
                method.as_ref(),
                "--out".as_ref(),
                s(out),
            ],
        )
    };
    let r = args(&images, &out, "saliency");
    assert!(r.success, "{}", r.stderr);
    assert!(r.stdout.contains("3 images explained"), "{}", r.stdout);
    let t =
        deepfield_core::checkpoint::read_tensors(&out.join("attributions.safetensors")).unwrap();
    // Saliency has the shape of the preprocessed input (grey 28×28).
    assert_eq!(t[0].1.size(), vec![3, 1, 28, 28]);
    assert_eq!(
        std::fs::read_to_string(out.join("ids.txt")).unwrap(),
        "0\n1\n2\n"
    );
    assert!(out.join("heatmap_000.png").exists());

    let missing = tmp.path().join("nope.idx");
    let bad_out = tmp.path().join("bad");
    let r = args(&missing, &bad_out, "gradcam++");
    assert!(!r.success);
    assert!(r.stderr.contains("nope.idx"), "{}", r.stderr);
    assert!(!bad_out.exists());
}
