//! Evaluate a saved `movie-affect` model on a user's own audio-visual pairs: a CSV listing WAV
//! recordings and 28×28 PNG images (`audio`, `image`, optional `label` columns; paths relative
//! to the CSV's folder; an empty cell = that modality missing for the row).

use std::path::{Path, PathBuf};

use deepfield_core::models::restore_model;
use deepfield_core::nn::fusion::{pack, FusionConfig};
use deepfield_core::tch::{Kind, Tensor};
use deepfield_core::Forward;
use serde::{Deserialize, Serialize};

use super::lld::{Lld, N_LLD};
use super::{audio_tensor, AvMnistConfig, SAMPLE_RATE};
use crate::features::FrameScaler;
use crate::{Error, Result};

/// The preprocessing file saved beside every model.
pub const PREPROCESS_FILE: &str = "avmnist.json";

/// What turns a user's WAV and PNG into the model's inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocess {
    /// Audio frames kept.
    pub frames: usize,
    /// Frames averaged per model step.
    pub frame_pool: usize,
    /// Model sample rate (Hz).
    pub sample_rate: u32,
    /// Training-set LLD scaler.
    pub scaler: FrameScaler,
    /// Image mean and std of the standardisation.
    pub image_mean: f64,
    pub image_std: f64,
}

impl Preprocess {
    /// From a run's data config and scaler.
    pub fn new(cfg: &AvMnistConfig, scaler: &FrameScaler) -> Result<Self> {
        Ok(Preprocess {
            frames: cfg.frames,
            frame_pool: cfg.frame_pool,
            sample_rate: SAMPLE_RATE,
            scaler: scaler.clone(),
            image_mean: super::MNIST_MEAN,
            image_std: super::MNIST_STD,
        })
    }
}

/// One evaluated pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairPrediction {
    /// The CSV line.
    pub line: u64,
    pub predicted: i64,
    pub confidence: f64,
    pub label: Option<i64>,
}

/// The result of [`evaluate_pairs`].
#[derive(Debug)]
pub struct PairEval {
    pub predictions: Vec<PairPrediction>,
    /// Accuracy over the labelled rows.
    pub accuracy: Option<f64>,
    pub model_dir: PathBuf,
}

/// A grayscale PNG as `[1, 28, 28]` in `[0, 1]` (colour averaged, alpha ignored; light digit on
/// dark ground as MNIST).
pub fn read_digit_png(path: &Path) -> Result<Tensor> {
    let bad = |m: String| Error::input(format!("{}: {m}", path.display()));
    let file = std::fs::File::open(path).map_err(|e| bad(format!("cannot open: {e}")))?;
    let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder
        .read_info()
        .map_err(|e| bad(format!("not a readable PNG: {e}")))?;
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader
        .next_frame(&mut buf)
        .map_err(|e| bad(format!("not a readable PNG: {e}")))?;
    if (info.width, info.height) != (28, 28) {
        return Err(bad(format!(
            "expected a 28×28 image, got {}×{}",
            info.width, info.height
        )));
    }
    let channels = info.color_type.samples();
    let colour = match info.color_type {
        png::ColorType::Rgb | png::ColorType::Rgba => 3,
        _ => 1,
    };
    let px: Vec<f32> = buf[..info.buffer_size()]
        .chunks(channels)
        .map(|c| c[..colour].iter().map(|&v| v as f32).sum::<f32>() / (255.0 * colour as f32))
        .collect();
    Ok(Tensor::from_slice(&px).view([1, 28, 28]))
}

/// Evaluate the model saved in `model_dir` (a `movie-affect` model folder, or a results folder
/// holding `model/`) on the pairs listed in `csv`.
pub fn evaluate_pairs(model_dir: &Path, csv: &Path) -> Result<PairEval> {
    let model_dir = if model_dir.join("model").join(PREPROCESS_FILE).is_file() {
        model_dir.join("model")
    } else {
        model_dir.to_path_buf()
    };
    let pre_path = model_dir.join(PREPROCESS_FILE);
    let text = std::fs::read_to_string(&pre_path).map_err(|e| {
        Error::input(format!(
            "{}: cannot read ({e}); --model must be a movie-affect model folder (results/movie-affect/model)",
            pre_path.display()
        ))
    })?;
    let pre: Preprocess = serde_json::from_str(&text)
        .map_err(|e| Error::input(format!("{}: {e}", pre_path.display())))?;
    let device = deepfield_core::device();
    let (cfg, _vs, model) = restore_model::<FusionConfig>(&model_dir, device)?;
    let records = deepfield_core::fsutil::read_csv_records(csv)?;
    let col = |name: &str| records.header.iter().position(|h| h == name);
    let (a_col, i_col, l_col) = (col("audio"), col("image"), col("label"));
    if a_col.is_none() && i_col.is_none() {
        return Err(Error::input(format!(
            "{}: needs an `audio` and/or an `image` column (found {:?})",
            csv.display(),
            records.header
        )));
    }
    let base = csv.parent().unwrap_or(Path::new("."));
    let lld = Lld::new(pre.sample_rate)?;
    if records.rows.is_empty() {
        return Err(Error::input(format!(
            "{}: no pairs to evaluate (no data rows, or every cell empty)",
            csv.display()
        )));
    }
    let mut predictions = Vec::new();
    for rec in &records.rows {
        let cell = |c: Option<usize>| {
            c.and_then(|i| rec.fields.get(i))
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
        };
        let at = |m: String| Error::input(format!("{} line {}: {m}", csv.display(), rec.line));
        let audio = match cell(a_col) {
            Some(p) => {
                let f = lld.from_file(&base.join(p))?;
                debug_assert_eq!(f.cols, N_LLD);
                Some(audio_tensor(
                    &[&f],
                    &pre.scaler,
                    pre.frames,
                    pre.frame_pool,
                )?)
            }
            None => None,
        };
        let image = match cell(i_col) {
            Some(p) => {
                let x = read_digit_png(&base.join(p))?.unsqueeze(0);
                Some(
                    x.f_sub_scalar(pre.image_mean)?
                        .f_div_scalar(pre.image_std)?,
                )
            }
            None => None,
        };
        let label = match cell(l_col) {
            Some(s) => Some(
                s.parse::<i64>()
                    .ok()
                    .filter(|l| (0..cfg.classes).contains(l))
                    .ok_or_else(|| {
                        at(format!(
                            "label `{s}` is not a class index 0..{}",
                            cfg.classes - 1
                        ))
                    })?,
            ),
            None => None,
        };
        let inputs: Vec<Option<&Tensor>> = cfg
            .modalities
            .iter()
            .map(|m| {
                if m.name == "audio" {
                    audio.as_ref()
                } else {
                    image.as_ref()
                }
            })
            .collect();
        if inputs.iter().all(Option::is_none) {
            return Err(at(
                "no input of this model's modalities (every cell empty)".into()
            ));
        }
        let x = pack(&cfg, &inputs)?.to_device(device);
        let lp = deepfield_core::tch::no_grad(|| model.try_forward_t(&x, None, false))?
            .log_softmax(-1, Kind::Float);
        let predicted = lp.argmax(-1, false).int64_value(&[0]);
        let confidence = lp.get(0).get(predicted).exp().double_value(&[]);
        predictions.push(PairPrediction {
            line: rec.line,
            predicted,
            confidence,
            label,
        });
    }
    let labelled: Vec<&PairPrediction> = predictions.iter().filter(|p| p.label.is_some()).collect();
    let accuracy = (!labelled.is_empty()).then(|| {
        labelled
            .iter()
            .filter(|p| p.label == Some(p.predicted))
            .count() as f64
            / labelled.len() as f64
    });
    Ok(PairEval {
        predictions,
        accuracy,
        model_dir,
    })
}
