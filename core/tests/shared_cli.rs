//! The shared CLI commands: `forward` runs any registered saved model on a tensor file, and
//! `inspect` describes a model folder.

use deepfield_core::checkpoint;
use deepfield_core::models::{save_model, ModelConfig, ModelRegistry};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::repro::cli::{forward_file, inspect};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::Forward;

#[test]
fn forward_runs_a_saved_model_on_a_tensor_file_and_writes_csv_and_safetensors() {
    let dir = tempfile::tempdir().unwrap();
    let model_dir = dir.path().join("model");
    deepfield_core::seed(3);
    let vs = VarStore::new(Device::Cpu);
    let cfg = MlpConfig::new(5, [8], 3);
    let model = cfg.build(&vs.root()).unwrap();
    save_model(&model_dir, &vs, &cfg, None::<&()>).unwrap();

    let x = Tensor::randn([7, 5], (Kind::Float, Device::Cpu));
    let want = model.predict(&x, None);
    let input = dir.path().join("x.safetensors");
    checkpoint::write_tensors(&input, &[("input", &x)]).unwrap();
    let reg = ModelRegistry::with_core();

    let out = dir.path().join("y.safetensors");
    assert_eq!(forward_file(&reg, &model_dir, &input, &out).unwrap(), 7);
    let got = &checkpoint::read_tensors(&out).unwrap()[0].1;
    assert_eq!((got - &want).abs().max().double_value(&[]), 0.0);

    let csv = dir.path().join("y.csv");
    forward_file(&reg, &model_dir, &input, &csv).unwrap();
    let text = std::fs::read_to_string(&csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,output_0,output_1,output_2");
    assert_eq!(lines.len(), 8);
    let row3: Vec<f64> = lines[4]
        .split(',')
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    let w3 = Vec::<f64>::try_from(want.get(3).to_kind(Kind::Double)).unwrap();
    for (a, b) in row3.iter().zip(&w3) {
        assert!((a - b).abs() < 1e-6, "{row3:?} vs {w3:?}");
    }

    // A file without `input` and with several tensors is a clear error naming the file.
    let two = dir.path().join("two.safetensors");
    checkpoint::write_tensors(&two, &[("a", &x), ("b", &x)]).unwrap();
    let e = forward_file(&reg, &model_dir, &two, &out)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("two.safetensors") && e.contains("`input`"),
        "{e}"
    );

    // An input of the wrong width is an error, not a panic.
    let narrow = dir.path().join("narrow.safetensors");
    let xn = Tensor::randn([2, 4], (Kind::Float, Device::Cpu));
    checkpoint::write_tensors(&narrow, &[("input", &xn)]).unwrap();
    assert!(forward_file(&reg, &model_dir, &narrow, &out).is_err());

    let text = inspect(&reg, &model_dir).unwrap();
    assert!(text.contains("model      mlp"), "{text}");
    assert!(text.contains("registered yes"), "{text}");
    assert!(text.contains("hidden.0.weight"), "{text}");
    // 5*8+8 + 8*3+3 parameters
    assert!(text.contains("(75 values)"), "{text}");
}

/// `explain` on a saved MLP (tabular) and a saved 2-D CNN (images): the attributions equal the
/// library's, the CSV has one row per example, heat maps are written, and bad requests leave
/// no output folder.
#[test]
fn explain_writes_attributions_scores_and_heat_maps() {
    use deepfield_core::explain::run::{explain, Method};
    use deepfield_core::explain::{saliency, Inputs, Target};
    use deepfield_core::nn::cnn::{CnnClassifierConfig, ConvStackConfig};
    let dir = tempfile::tempdir().unwrap();
    let reg = ModelRegistry::with_core();
    deepfield_core::seed(5);
    let vs = VarStore::new(Device::Cpu);
    let cfg = MlpConfig::new(4, [8], 3);
    let mlp = cfg.build(&vs.root()).unwrap();
    save_model(&dir.path().join("mlp"), &vs, &cfg, None::<&()>).unwrap();
    let x = Tensor::randn([6, 4], (Kind::Float, Device::Cpu));
    let input = dir.path().join("x.safetensors");
    checkpoint::write_tensors(&input, &[("input", &x)]).unwrap();
    let request = |model: &str, input: &std::path::Path, method, out: &str| {
        explain_request(dir.path(), model, input, method, out)
    };
    let r = explain(&reg, &request("mlp", &input, Method::Saliency, "sal")).unwrap();
    assert_eq!(r.examples, 6);
    let got = checkpoint::read_tensors(&dir.path().join("sal/attributions.safetensors")).unwrap();
    let want = saliency(&mlp, Inputs::new(&x), &Target::Predicted, true).unwrap();
    assert_eq!((&got[0].1 - &want).abs().max().double_value(&[]), 0.0);
    let csv = std::fs::read_to_string(dir.path().join("sal/scores.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7);
    assert!(csv.starts_with("row,target,score,feature_0,feature_1,feature_2,feature_3"));
    assert!(dir.path().join("sal/heatmap.png").exists());
    let ig = explain(
        &reg,
        &request("mlp", &input, Method::IntegratedGradients, "ig"),
    )
    .unwrap();
    assert!(ig.files.iter().any(|f| f.ends_with("scores.csv")));
    let csv = std::fs::read_to_string(dir.path().join("ig/scores.csv")).unwrap();
    assert!(csv.starts_with("row,target,score,delta,"));

    // A 2-D CNN: Grad-CAM++ picks the last captured feature map and draws one map per image.
    let vs = VarStore::new(Device::Cpu);
    let cnn = CnnClassifierConfig {
        stack: ConvStackConfig::new(2, 1, [4, 6], 3),
        output: 3,
        ..Default::default()
    };
    let _model = cnn.build(&vs.root()).unwrap();
    save_model(&dir.path().join("cnn"), &vs, &cnn, None::<&()>).unwrap();
    let images = dir.path().join("img.safetensors");
    let img = Tensor::randn([3, 1, 12, 12], (Kind::Float, Device::Cpu));
    checkpoint::write_tensors(&images, &[("input", &img)]).unwrap();
    let r = explain(
        &reg,
        &request("cnn", &images, Method::GradcamPlusPlus, "cam"),
    )
    .unwrap();
    assert_eq!(r.layer.as_deref(), Some("blocks.1"));
    let pngs: Vec<_> = r
        .files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "png"))
        .collect();
    assert_eq!(pngs.len(), 2, "max_images = 2");
    let maps = checkpoint::read_tensors(&dir.path().join("cam/attributions.safetensors")).unwrap();
    assert_eq!(maps[0].1.size()[0], 3);

    // Neurons instead of a class: channel 2 of blocks.1 mapped at blocks.0; --class with
    // neurons is refused.
    let mut neurons = request("cnn", &images, Method::Gradcam, "neurons");
    neurons.layer = Some("blocks.0".into());
    neurons.neurons = Some(deepfield_core::explain::Neurons {
        layer: "blocks.1".into(),
        channels: vec![2],
        positions: None,
    });
    let r = explain(&reg, &neurons).unwrap();
    assert_eq!(r.layer.as_deref(), Some("blocks.0"));
    let csv = std::fs::read_to_string(dir.path().join("neurons/scores.csv")).unwrap();
    assert!(
        csv.lines()
            .skip(1)
            .all(|l| l.split(',').nth(1) == Some("0")),
        "{csv}"
    );
    neurons.class = Some(1);
    neurons.out = dir.path().join("bad");
    let e = explain(&reg, &neurons).unwrap_err().to_string();
    assert!(e.contains("--neuron-layer"), "{e}");

    // Bad requests: an unknown layer and a CAM without its classifier weight; no folder left.
    let mut bad = request("cnn", &images, Method::Gradcam, "bad");
    bad.layer = Some("nope".into());
    let e = explain(&reg, &bad).unwrap_err().to_string();
    assert!(e.contains("nope") && e.contains("blocks.0"), "{e}");
    let e = explain(&reg, &request("cnn", &images, Method::Cam, "bad"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--fc-weight"), "{e}");
    let e = explain(&reg, &request("mlp", &images, Method::Saliency, "bad")).unwrap_err();
    assert!(!e.to_string().is_empty());
    assert!(!dir.path().join("bad").exists());
}

/// `explain` with the SHAP methods on a saved MLP and a saved CNN: exact, kernel (whose default
/// budget enumerates every coalition of 4 features) and permutation SHAP agree with the
/// library's exact values and satisfy efficiency (base + Σ attributions = the explained score);
/// image patches share one value per patch; a missing background and exact SHAP over too
/// many features are clear errors.
#[test]
fn explain_shap_methods_are_efficient_and_agree() {
    use deepfield_core::explain::run::{explain, ExplainRequest, Method};
    use deepfield_core::explain::shap::{exact::exact, Masker};
    use deepfield_core::nn::cnn::{CnnClassifierConfig, ConvStackConfig};
    let dir = tempfile::tempdir().unwrap();
    let reg = ModelRegistry::with_core();
    deepfield_core::seed(11);
    let vs = VarStore::new(Device::Cpu);
    let cfg = MlpConfig::new(4, [8], 3);
    let mlp = cfg.build(&vs.root()).unwrap();
    save_model(&dir.path().join("mlp"), &vs, &cfg, None::<&()>).unwrap();
    let x = Tensor::randn([5, 4], (Kind::Float, Device::Cpu));
    let bg = Tensor::randn([10, 4], (Kind::Float, Device::Cpu));
    let input = dir.path().join("x.safetensors");
    let background = dir.path().join("bg.safetensors");
    checkpoint::write_tensors(&input, &[("input", &x)]).unwrap();
    checkpoint::write_tensors(&background, &[("background", &bg)]).unwrap();
    let request = |model: &str, input: &std::path::Path, method, out: &str| ExplainRequest {
        class: Some(2),
        background: Some(background.clone()),
        seed: 3,
        ..explain_request(dir.path(), model, input, method, out)
    };
    let read = |out: &str| {
        let t = checkpoint::read_tensors(&dir.path().join(out).join("attributions.safetensors"))
            .unwrap();
        let csv = std::fs::read_to_string(dir.path().join(out).join("scores.csv")).unwrap();
        let rows: Vec<Vec<f64>> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
            .collect();
        (t[0].1.shallow_clone(), csv, rows)
    };
    explain(&reg, &request("mlp", &input, Method::ExactShap, "exact")).unwrap();
    let (exact_a, csv, rows) = read("exact");
    assert!(csv.starts_with("row,target,score,base,feature_0"), "{csv}");
    assert_eq!(rows.len(), 5);
    for (i, r) in rows.iter().enumerate() {
        let sum = exact_a.get(i as i64).sum(Kind::Double).double_value(&[]);
        assert!(
            (r[3] + sum - r[2]).abs() < 1e-4,
            "efficiency row {i}: {r:?} Σ {sum}"
        );
    }
    // The library's exact values for example 0, output 2.
    let f = |rows: &Tensor| {
        Ok(deepfield_core::tch::no_grad(|| mlp.forward_t(rows, None, false)).select(1, 2))
    };
    let want = exact(&f, &Masker::new(&bg).unwrap(), &x.get(0)).unwrap();
    let got = Vec::<f32>::try_from(exact_a.get(0)).unwrap();
    for (g, w) in got.iter().zip(&want.values) {
        assert!((*g as f64 - w).abs() < 1e-5, "{got:?} vs {:?}", want.values);
    }
    explain(&reg, &request("mlp", &input, Method::KernelShap, "kernel")).unwrap();
    let d = (&read("kernel").0 - &exact_a).abs().max().double_value(&[]);
    assert!(
        d < 1e-4,
        "kernel with every coalition differs from exact by {d}"
    );
    explain(
        &reg,
        &request("mlp", &input, Method::PermutationShap, "perm"),
    )
    .unwrap();
    let (perm, _, rows) = read("perm");
    for (i, r) in rows.iter().enumerate() {
        let sum = perm.get(i as i64).sum(Kind::Double).double_value(&[]);
        assert!(
            (r[3] + sum - r[2]).abs() < 1e-4,
            "permutation efficiency row {i}"
        );
    }

    // Images: 3×3 patches of 4×4 pixels are the features; each patch holds one value.
    let vs = VarStore::new(Device::Cpu);
    let cnn = CnnClassifierConfig {
        stack: ConvStackConfig::new(2, 1, [4, 6], 3),
        output: 3,
        ..Default::default()
    };
    let _model = cnn.build(&vs.root()).unwrap();
    save_model(&dir.path().join("cnn"), &vs, &cnn, None::<&()>).unwrap();
    let images = dir.path().join("img.safetensors");
    let img = Tensor::randn([2, 1, 12, 12], (Kind::Float, Device::Cpu));
    let img_bg = dir.path().join("img_bg.safetensors");
    checkpoint::write_tensors(&images, &[("input", &img)]).unwrap();
    checkpoint::write_tensors(
        &img_bg,
        &[(
            "input",
            &Tensor::zeros([3, 1, 12, 12], (Kind::Float, Device::Cpu)),
        )],
    )
    .unwrap();
    let mut r = request("cnn", &images, Method::ExactShap, "img");
    r.background = Some(img_bg.clone());
    r.patch = Some(4);
    explain(&reg, &r).unwrap();
    let (a, _, rows) = read("img");
    assert_eq!(a.size(), [2, 1, 12, 12]);
    let tile = a.get(0).get(0).narrow(0, 4, 4).narrow(1, 8, 4);
    let spread = (tile.max() - tile.min()).double_value(&[]);
    assert!(spread < 1e-7, "one value per patch, spread {spread}");
    let sum = a.get(1).sum(Kind::Double).double_value(&[]);
    assert!((rows[1][3] + sum - rows[1][2]).abs() < 1e-4);

    // Errors: no background; exact SHAP over 144 pixels; no folder left behind.
    let mut bad = request("mlp", &input, Method::KernelShap, "bad");
    bad.background = None;
    let e = explain(&reg, &bad).unwrap_err().to_string();
    assert!(e.contains("--background"), "{e}");
    let mut bad = request("cnn", &images, Method::ExactShap, "bad");
    bad.background = Some(img_bg);
    let e = explain(&reg, &bad).unwrap_err().to_string();
    assert!(e.contains("--patch") && e.contains("144"), "{e}");
    assert!(!dir.path().join("bad").exists());
}

/// An `explain` request in `dir` with small settings for tests.
fn explain_request(
    dir: &std::path::Path,
    model: &str,
    input: &std::path::Path,
    method: deepfield_core::explain::run::Method,
    out: &str,
) -> deepfield_core::explain::run::ExplainRequest {
    deepfield_core::explain::run::ExplainRequest {
        model: dir.join(model),
        input: input.to_path_buf(),
        out: dir.join(out),
        method,
        class: None,
        layer: None,
        steps: 20,
        samples: 4,
        noise: 0.1,
        fc_weight: None,
        max_images: 2,
        channels: None,
        background: None,
        patch: None,
        shap_samples: 0,
        seed: 0,
        neurons: None,
    }
}
