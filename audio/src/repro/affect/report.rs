//! What a `movie-affect` run leaves in its folder besides `config.json`/`metrics.json`: every
//! model (core's registry format plus the AV-MNIST preprocessing), `history.csv`, the plots and
//! `report.md`.

use std::path::Path;

use deepfield_core::models::save_model;
use deepfield_core::report::plots::{Axis, BarChart, LinePlot, Series};
use deepfield_core::report::{fmt_num, Report};
use deepfield_core::train::write_histories_csv;

use super::config::{AffectConfig, Part};
use super::metrics::AffectMetrics;
use super::run::{ModelMetrics, Trained};
use crate::avmnist::eval::{Preprocess, PREPROCESS_FILE};
use crate::avmnist::AvMnist;
use crate::Result;

/// Save every model: the default one (best validation accuracy among the fusion models) in
/// `model/`, every model in `models/<key>/`, each with its preprocessing; and `history.csv`.
pub fn save_models(
    cfg: &AffectConfig,
    trained: &[Trained],
    metrics: &AffectMetrics,
    data: &AvMnist,
    dir: &Path,
) -> Result<()> {
    let pre = Preprocess::new(&cfg.data, &data.scaler)?;
    for t in trained {
        let mut dirs = vec![deepfield_core::repro::others_dir(dir, &t.entry.key)];
        if t.entry.key == metrics.default_model {
            dirs.push(deepfield_core::repro::model_dir(dir));
        }
        for d in dirs {
            save_model(&d, &t.vs, &t.entry.model, Some(&t.metrics))?;
            deepfield_core::fsutil::write_json(&d.join(PREPROCESS_FILE), &pre)?;
        }
    }
    let runs: Vec<(String, &deepfield_core::train::History)> = trained
        .iter()
        .map(|t| (t.entry.key.clone(), &t.history))
        .collect();
    write_histories_csv(&dir.join("history.csv"), &runs)?;
    Ok(())
}

fn noise_series(models: &[ModelMetrics], levels: &[f64], image: bool) -> Vec<Series> {
    models
        .iter()
        .filter(|m| m.part != Part::Seed)
        .map(|m| {
            let ys = if image {
                &m.image_noise
            } else {
                &m.audio_noise
            };
            Series::new(
                &m.name,
                levels.iter().copied().zip(ys.iter().copied()).collect(),
            )
        })
        .collect()
}

/// `accuracy_vs_audio_noise.png`, `accuracy_vs_image_noise.png`, `accuracy_by_model.png`,
/// `missing_modality.png`, `seed_comparison.png`.
pub fn write_plots(m: &AffectMetrics, dir: &Path) -> Result<()> {
    let x = Axis::new("Gaussian noise σ").unit("standard deviations of the standardised input");
    for (image, file, what) in [
        (false, "accuracy_vs_audio_noise.png", "audio"),
        (true, "accuracy_vs_image_noise.png", "image"),
    ] {
        LinePlot::new(
            &format!("AV-MNIST test accuracy with noise on the {what} (test speaker)"),
            x.clone(),
            Axis::new("accuracy"),
        )
        .series(noise_series(&m.models, &m.noise_levels, image))
        .render(&dir.join(file))?;
    }
    let labels: Vec<String> = m.models.iter().map(|x| x.key.clone()).collect();
    let clean: Vec<f64> = m.models.iter().map(|x| x.test_accuracy).collect();
    BarChart::new(
        "AV-MNIST clean test accuracy per model",
        Axis::new("accuracy"),
    )
    .x_axis(Axis::new("model"))
    .bars(&labels, &clean)
    .render(&dir.join("accuracy_by_model.png"))?;
    let fused: Vec<&ModelMetrics> = m
        .models
        .iter()
        .filter(|x| x.modalities.len() >= 2)
        .collect();
    let names: Vec<String> = fused.iter().map(|x| x.key.clone()).collect();
    let nan = f64::NAN;
    BarChart::new(
        "AV-MNIST test accuracy with one modality missing at inference",
        Axis::new("accuracy"),
    )
    .x_axis(Axis::new("model"))
    .groups(&names)
    .series(
        "both present",
        &fused.iter().map(|x| x.test_accuracy).collect::<Vec<_>>(),
    )
    .series(
        "audio missing",
        &fused
            .iter()
            .map(|x| x.missing_audio.unwrap_or(nan))
            .collect::<Vec<_>>(),
    )
    .series(
        "image missing",
        &fused
            .iter()
            .map(|x| x.missing_image.unwrap_or(nan))
            .collect::<Vec<_>>(),
    )
    .render(&dir.join("missing_modality.png"))?;
    let seed: Vec<&ModelMetrics> = m.models.iter().filter(|x| x.part == Part::Seed).collect();
    BarChart::new(
        "Seed comparison on AV-MNIST: FC vs LSTM fusion, audio vs video",
        Axis::new("accuracy"),
    )
    .x_axis(Axis::new("model"))
    .bars(
        &seed.iter().map(|x| x.key.clone()).collect::<Vec<_>>(),
        &seed.iter().map(|x| x.test_accuracy).collect::<Vec<_>>(),
    )
    .render(&dir.join("seed_comparison.png"))?;
    Ok(())
}

fn opt(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), fmt_num)
}

/// `report.md`.
pub fn write_report(
    cfg: &AffectConfig,
    m: &AffectMetrics,
    data: &AvMnist,
    progress: &[String],
    quick: bool,
    dir: &Path,
) -> Result<()> {
    let mut r =
        Report::new("movie-affect — multimodal fusion (types A–D, late, FC vs LSTM) on AV-MNIST");
    r.para(
        "**Substitution.** The seed (Thao, Herremans & Roig 2019, \"Multimodal deep models for predicting \
         affective responses evoked by movies\", ICCV workshops) predicts viewers' affect from movie clips of \
         LIRIS-ACCEDE. That data set cannot be obtained here (its licence requires a signed agreement), and \
         the data directory holds no other audio-visual affect data. Its comparison is therefore reproduced on \
         **AV-MNIST**: spoken digits (FSDD) paired with MNIST images of the same digit. The classes are the ten \
         digits, not affect; the seed's findings are quoted only as context.",
    );
    if quick {
        r.para(
            "**Quick run**: few recordings and epochs; the numbers are a smoke test, not results.",
        );
    }
    r.heading(2, "What ran");
    r.bullet(&[
        format!(
            "AV-MNIST: {} training, {} validation, {} test pairs; speakers train {:?}, validation {:?}, test {:?} \
             (disjoint); training/validation images from MNIST's training half, test images from its test half, \
             each image used once, pairing seeded (seed {}).",
            m.data.n_train, m.data.n_val, m.data.n_test, m.data.speakers.train, m.data.speakers.val,
            m.data.speakers.test, cfg.seed
        ),
        format!(
            "Audio: 40 low-level descriptors per 10 ms frame (13 MFCC with log-energy c0, Δ, ΔΔ, zero-crossing \
             rate), standardised on the training speakers, first {} frames kept, every {} averaged into one \
             model step. Images: 28×28, standardised.",
            cfg.data.frames, cfg.data.frame_pool
        ),
        "Every model is a core `FusionConfig` (core::nn::fusion): image encoder a 3-block CNN with batch norm (64 features), \
         audio encoder one Transformer layer over the frames (one token per frame) for the fusion study, a \
         per-frame fully connected layer for the seed's models; projection to 32; head MLP (64)."
            .into(),
        format!(
            "Training: Adam 2e-3, batch {}, ≤ {} epochs, early stopping on validation loss (patience {}, best \
             weights restored); fusion models A–D/late with modality dropout 0.3 (one modality dropped at random \
             per training example, never both); missing modalities replaced by a learned placeholder.",
            cfg.train.batch_size,
            cfg.train.epochs,
            cfg.train
                .early_stopping
                .as_ref()
                .map_or_else(|| "none".to_string(), |e| e.patience.to_string())
        ),
        format!(
            "Noise: Gaussian, σ ∈ {:?} standard deviations of the standardised input, added to one modality of \
             the test pairs at a time (seeded, the same draws for every model). Missing: one modality given as NaN \
             (the packed input's missing marker).",
            cfg.noise_levels
        ),
    ]);
    r.heading(2, "(a) Fusion types against single modalities");
    let mut rows = Vec::new();
    for x in m.models.iter().filter(|x| x.part != Part::Seed) {
        let mut row = vec![
            x.name.clone(),
            x.fusion_type.clone(),
            fmt_num(x.test_accuracy),
        ];
        let last = m.noise_levels.len().saturating_sub(1);
        let mid = m
            .noise_levels
            .iter()
            .position(|&s| s >= 1.0)
            .unwrap_or(last);
        for k in [mid, last] {
            row.push(fmt_num(x.audio_noise.get(k).copied().unwrap_or(f64::NAN)));
            row.push(fmt_num(x.image_noise.get(k).copied().unwrap_or(f64::NAN)));
        }
        row.push(opt(x.missing_audio));
        row.push(opt(x.missing_image));
        row.push(x.epochs_run.to_string());
        row.push(x.parameters.to_string());
        rows.push(row);
    }
    let sig = |k: Option<usize>| {
        k.and_then(|k| m.noise_levels.get(k))
            .map_or("?".into(), |s| s.to_string())
    };
    let last = m.noise_levels.len().checked_sub(1);
    let mid = m.noise_levels.iter().position(|&s| s >= 1.0).or(last);
    let (a_mid, i_mid) = (
        format!("audio σ={}", sig(mid)),
        format!("image σ={}", sig(mid)),
    );
    let (a_last, i_last) = (
        format!("audio σ={}", sig(last)),
        format!("image σ={}", sig(last)),
    );
    r.table(
        &[
            "model",
            "type",
            "clean",
            a_mid.as_str(),
            i_mid.as_str(),
            a_last.as_str(),
            i_last.as_str(),
            "audio missing",
            "image missing",
            "epochs",
            "parameters",
        ],
        &rows,
    );
    r.image(
        "Accuracy vs noise on the audio",
        "accuracy_vs_audio_noise.png",
    );
    r.image(
        "Accuracy vs noise on the image",
        "accuracy_vs_image_noise.png",
    );
    r.image("Clean accuracy per model", "accuracy_by_model.png");
    let cond_rows: Vec<Vec<String>> = m
        .conditions
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                c.best_fusion.clone(),
                fmt_num(c.best_fusion_accuracy),
                fmt_num(c.audio_only),
                fmt_num(c.image_only),
                fmt_num(c.margin),
            ]
        })
        .collect();
    r.para(
        "Best fusion model per condition (the maximum over A–D and late on the test pairs, so it is an \
         optimistic pick; the default model below is chosen on validation instead):",
    );
    r.table(
        &[
            "condition",
            "best fusion",
            "accuracy",
            "audio only",
            "image only",
            "margin",
        ],
        &cond_rows,
    );
    r.heading(
        2,
        "(b) The seed's comparison: FC vs LSTM fusion, audio vs video",
    );
    let seed_rows: Vec<Vec<String>> = m
        .models
        .iter()
        .filter(|x| x.part == Part::Seed)
        .map(|x| {
            vec![
                x.name.clone(),
                x.modalities.join(" + "),
                fmt_num(x.test_accuracy),
                fmt_num(x.val_accuracy),
            ]
        })
        .collect();
    r.table(
        &["model", "inputs", "test accuracy", "validation accuracy"],
        &seed_rows,
    );
    r.para(
        "Seed's findings (LIRIS-ACCEDE, affect, context only): predicting at each time step with fully connected \
         layers was slightly more accurate than the LSTM, and audio features were more informative than video \
         features. Here the LSTM reads the per-frame LLDs concatenated with the (static) CNN image features at \
         every step, the FC model their frame-averaged embedding; a static MNIST image is a far easier cue than \
         a movie frame's affect, so \"video only\" is expected to win here, unlike in the seed. The seed's own \
         accuracies are on another task and are not comparable numbers.",
    );
    r.image("Seed comparison", "seed_comparison.png");
    r.heading(2, "(c) Missing modality at inference");
    r.para(
        "Each two-modality model evaluated with one modality absent (learned placeholder; late fusion averages \
         the present modality only). Compare with the single-modality rows of (a).",
    );
    r.image("Missing modality", "missing_modality.png");
    r.heading(2, "Model");
    r.para(&format!(
        "`model/` holds `{}` (best validation accuracy among the fusion models); every model is under \
         `models/<key>/`. Evaluate one on your own pairs: `deepfield-audio eval-av --model results/movie-affect/model \
         pairs.csv` (CSV columns `audio`, `image`, optional `label`; WAV files and 28×28 PNG images, paths \
         relative to the CSV; an empty cell marks a missing modality).",
        m.default_model
    ));
    r.heading(2, "Progress");
    r.code("text", &progress.join("\n"));
    r.provenance(&data.fsdd_dir);
    r.provenance(&data.mnist_dir);
    r.write(&dir.join("report.md"))?;
    Ok(())
}
