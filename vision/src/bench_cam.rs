//! `deepfield-vision bench --task gradcam++`: Grad-CAM++ of one image at a time (the interactive
//! use: one map per request) on ResNet-20's last stage (`layer3`) and LeNet-5's second
//! convolution, through `core::explain`, against torchcam's `GradCAMpp` on the same PyTorch
//! model with the same weights (`vision/bench/bench_gradcam.py`, loading our safetensors file).
//! Both sides compute the map at the layer's resolution, normalised, for the predicted class.
//! Rounds alternate; the best round of each side counts; the ratio printed is torchcam's time
//! per image over ours (≥ 1.0: we are at least as fast).
//!
//! torchcam's `GradCAMpp` weighs α slightly differently from the paper's formula that
//! `CamMethod::GradCamPlusPlus` follows (`core/tests/explain_torchcam.rs` checks ours against
//! torchcam's paper-formula variant); the work per image is the same, and the bench times the
//! maps, it does not compare them. For LeNet-5 torchcam hooks the `conv2` module (before its
//! ReLU) where our tap is after it: the same work, a slightly different map.

use std::path::Path;
use std::time::Instant;

use deepfield_core::explain::{class_activation_map, CamMethod, Inputs, Target};
use deepfield_core::nn::Forward;
use deepfield_core::tch::{nn, Device, Kind, Tensor};

use crate::bench::BenchSettings;
use crate::data::mnist::{self, Dataset, Split};
use crate::models::lenet::{LeNet5, LeNet5Config};
use crate::models::resnet::{ResNet, ResNetConfig};
use crate::{Error, Result};

/// The layer whose maps are timed, per bench model: our tap name, which is also the PyTorch
/// module whose output torchcam hooks.
pub fn layer_of(model: &str) -> Result<&'static str> {
    match model {
        "resnet20" => Ok("layer3"),
        "lenet5" => Ok("conv2"),
        other => Err(Error::config(format!(
            "bench --task gradcam++: no model `{other}` (one of: lenet5, resnet20)"
        ))),
    }
}

fn build(name: &str, vs: &nn::VarStore) -> Result<Box<dyn Forward>> {
    Ok(match name {
        "lenet5" => Box::new(LeNet5::new(&vs.root(), &LeNet5Config::default())?),
        _ => Box::new(ResNet::new(&vs.root(), &ResNetConfig::default())?),
    })
}

/// Our side, one round: ms per image over `images` (one call per image), after one untimed call.
fn ours(model: &dyn Forward, layer: &str, images: &Tensor) -> Result<f64> {
    let n = images.size()[0];
    let one = |i: i64| -> Result<Tensor> {
        let x = images.narrow(0, i, 1);
        Ok(class_activation_map(
            model,
            Inputs::new(&x),
            layer,
            &Target::Predicted,
            &CamMethod::GradCamPlusPlus,
            true,
        )?)
    };
    let _warm = one(0)?;
    let t = Instant::now();
    let mut last = None;
    for i in 0..n {
        last = Some(one(i)?);
    }
    // The maps are read once at the end (as a caller writing them out would), not per image.
    if let Some(m) = last {
        let _ = m.sum(Kind::Float).double_value(&[]);
    }
    Ok(t.elapsed().as_secs_f64() * 1000.0 / n as f64)
}

/// torchcam's side, one round: ms per image, or why it did not run.
fn theirs(
    py: &Path,
    weights: &Path,
    images: &Path,
    name: &str,
    threads: usize,
) -> std::result::Result<f64, String> {
    let args = [
        "--weights".to_string(),
        weights.to_string_lossy().into_owned(),
        "--images".into(),
        images.to_string_lossy().into_owned(),
        "--model".into(),
        name.into(),
        "--threads".into(),
        threads.to_string(),
    ];
    crate::bench::python_side(py, "bench_gradcam.py", &args, "ms_per_image")
}

/// Time Grad-CAM++ per image on `s.models` over `s.steps` MNIST test images, both sides.
pub fn run(s: &BenchSettings) -> Result<()> {
    if s.steps == 0 || s.rounds == 0 {
        return Err(Error::config(
            "bench: --steps (images) and --rounds must be at least 1",
        ));
    }
    deepfield_core::device::set_threads(s.threads);
    let digits = mnist::load_default(Dataset::Mnist, Split::Test)?;
    let n = (s.steps as i64).min(digits.len() as i64);
    let images = digits.images.narrow(0, 0, n).to_kind(Kind::Float);
    let py = s
        .python
        .clone()
        .or_else(deepfield_core::python::interpreter);
    let dir = tempfile::tempdir().map_err(|e| deepfield_core::Error::io("temporary folder", e))?;
    let images_file = dir.path().join("images.safetensors");
    Tensor::write_safetensors(&[("images", &images)], &images_file)?;
    for name in &s.models {
        let layer = layer_of(name)?;
        deepfield_core::seed(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let model = build(name, &vs)?;
        let weights = dir.path().join(format!("{name}.safetensors"));
        deepfield_core::checkpoint::save_weights(&weights, &vs)?;
        let (mut best_ours, mut best_theirs) = (f64::INFINITY, None::<f64>);
        for round in 1..=s.rounds {
            let ms = ours(&*model, layer, &images)?;
            best_ours = best_ours.min(ms);
            println!(
                "bench gradcam++ {name} deepfield round={round} threads={} images={n} ms_per_image={ms:.3}",
                s.threads
            );
            if let Some(py) = &py {
                match theirs(py, &weights, &images_file, name, s.threads) {
                    Ok(p) => {
                        best_theirs = Some(best_theirs.map_or(p, |b: f64| b.min(p)));
                        println!(
                            "bench gradcam++ {name} torchcam round={round} threads={} images={n} ms_per_image={p:.3}",
                            s.threads
                        );
                    }
                    Err(e) => println!("bench gradcam++ {name} torchcam failed: {e}"),
                }
            }
        }
        match best_theirs {
            Some(p) => println!(
                "ratio gradcam++ {name} torchcam_ms/deepfield_ms={:.2} (best of {} rounds: deepfield {best_ours:.3} ms, torchcam {p:.3} ms per image)",
                p / best_ours,
                s.rounds
            ),
            None => println!(
                "ratio gradcam++ {name} unavailable: no Python side (pass --python or set DEEPFIELD_PYTHON); deepfield {best_ours:.3} ms per image"
            ),
        }
    }
    Ok(())
}
