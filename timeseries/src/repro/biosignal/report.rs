//! The `biosignal-ssl` plots and report, written from the typed metrics.

use std::collections::BTreeMap;
use std::path::Path;

use tch::{Kind, Tensor};

use deepfield_core::report::plots::{self, Axis, LinePlot, RefLine, Series};
use deepfield_core::report::{fmt_num, Comparison, Report, ResultsDir};
use deepfield_core::train::History;

use super::{probe_name, BioSslConfig, BioSslMetrics, SUPERVISED};
use crate::biosignal::AAMI_CLASSES;
use crate::Result;

/// The first two principal components of the rows of `e` (`[N, D]`).
pub fn pca2(e: &Tensor) -> Result<Vec<(f64, f64)>> {
    let e = e.f_to_kind(Kind::Double)?;
    let c = e.f_sub(&e.f_mean_dim([0i64].as_slice(), true, Kind::Double)?)?;
    let (_u, _s, v) = c.f_svd(true, true)?;
    let k = v.size()[1].min(2);
    let p = c.f_matmul(&v.f_narrow(1, 0, k)?)?;
    let flat = Vec::<f64>::try_from(p.f_flatten(0, -1)?)?;
    Ok(flat
        .chunks(k as usize)
        .map(|r| (r[0], r.get(1).copied().unwrap_or(0.0)))
        .collect())
}

fn pct(f: f64) -> String {
    let p = f * 100.0;
    if p.fract() == 0.0 {
        format!("{p:.0} %")
    } else {
        format!("{p} %")
    }
}

/// Every plot: macro-F1 against the label fraction, PCA views of the test embeddings,
/// the pretraining losses, and confusion matrices at the smallest fraction.
pub(super) fn plots(
    cfg: &BioSslConfig,
    m: &BioSslMetrics,
    histories: &[(String, History)],
    views: &[(String, &Tensor)],
    test_class: &[i64],
    confusions: &BTreeMap<String, Vec<Vec<u64>>>,
    results: &ResultsDir,
) -> Result<()> {
    let names: Vec<String> = AAMI_CLASSES.iter().map(|s| s.to_string()).collect();
    let series: Vec<Series> = cfg
        .methods()
        .iter()
        .map(|meth| {
            let pts: Vec<(f64, f64)> = cfg
                .fractions
                .iter()
                .filter_map(|&f| {
                    m.get(meth, f)
                        .map(|s| ((f * 100.0).log10(), s.macro_f1_mean))
                })
                .collect();
            let sd: Vec<f64> = cfg
                .fractions
                .iter()
                .filter_map(|&f| m.get(meth, f).map(|s| s.macro_f1_std))
                .collect();
            Series::new(meth, pts).with_std(sd)
        })
        .collect();
    LinePlot::new(
        "Test macro-F1 (AAMI classes) against labelled training beats, mean ± SD over label subsets",
        Axis::new("labelled share of training beats, log10 of percent (0 = 1 %, 1 = 10 %, 2 = 100 %)"),
        Axis::new("macro-F1"),
    )
    .series(series)
    .reference(RefLine::new("majority class", m.majority.macro_f1))
    .render(&results.file("f1_vs_labels.png"))?;

    let labels: Vec<usize> = test_class.iter().map(|&c| c.max(0) as usize).collect();
    for (method, emb) in views {
        let pts = pca2(emb)?;
        plots::scatter_classes_with_axes(
            &results.file(&format!("embedding_pca_{method}.png")),
            &format!("Test-beat embeddings of the {method} encoder, first two principal components, by AAMI class"),
            ("principal component 1", "principal component 2"),
            &pts,
            &labels,
            &names,
        )?;
    }
    let pre: Vec<Series> = histories
        .iter()
        .filter(|(n, _)| n.starts_with("pretrain/"))
        .map(|(n, h)| Series::from_ys(n.trim_start_matches("pretrain/"), 1.0, &h.train_losses()))
        .collect();
    if !pre.is_empty() {
        LinePlot::new(
            "Pretraining loss (InfoNCE + λ·KoLeo) per epoch, by positive-pair source",
            Axis::new("epoch").integer(),
            Axis::new("training loss"),
        )
        .series(pre)
        .render(&results.file("pretrain_loss.png"))?;
    }
    let smallest = cfg.fractions.iter().copied().fold(f64::INFINITY, f64::min);
    for (method, conf) in confusions {
        if method == &probe_name(cfg.ssl.pairing) || method == SUPERVISED {
            plots::confusion_matrix(
                &results.file(&format!("confusion_{method}.png")),
                conf,
                &names,
                &format!(
                    "{method}, {} labels (first subset): test beats",
                    pct(smallest)
                ),
            )?;
        }
    }
    Ok(())
}

fn counts(c: &[usize; 5]) -> Vec<String> {
    c.iter().map(usize::to_string).collect()
}

fn opt(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), fmt_num)
}

/// Write `report.md`.
pub(super) fn write(
    cfg: &BioSslConfig,
    m: &BioSslMetrics,
    dir: &Path,
    results: &ResultsDir,
) -> Result<()> {
    let headline = probe_name(cfg.ssl.pairing);
    let smallest = cfg.fractions.iter().copied().fold(f64::INFINITY, f64::min);
    let mut r = Report::new(
        "biosignal-ssl — contrastive ECG pretraining and beat classification on MIT-BIH",
    );
    r.para("Reproduces the self-supervised framework of *Large-scale Training of Foundation Models for Wearable Biosignals* (Abbaspourazad, Elachqar, Miller, Emrani, Nallasamy & Shapiro, ICLR 2024): positive pairs from the same participant, a stochastic augmentation module, InfoNCE with the KoLeo regulariser, and linear probes on frozen embeddings. The paper pretrains an EfficientNet-style encoder on Apple Watch PPG/ECG of ~141 k participants (AHMS) and probes survey targets (ROC AUC); it has no MIT-BIH beat-classification number to compare with, so the anchors here are the supervised encoder trained from scratch on the same labels, a probe on a randomly initialised encoder, and the majority class.");
    r.provenance(dir);
    r.heading(2, "Data: two patients");
    r.para(&format!("**The shared data has {} records, i.e. {} patients.** The paper's participant-level positive pairs need many participants per batch; with two, every batch is one half of each patient and the `participant` pairing can only learn to tell the two apart. The `segment` pairing (two crops of the same {} s stretch of one record) is the variant that is usable here; both are run in the full mode. Any number below is about these two people and does not generalise to other patients. Split: per record, the first {} of the recording is the training span (pretraining signal and labelled beats), then a {} s gap, then the test span; beats are windows of the {} lead {} s before to {} s after the annotated R peak, averaged to {} Hz and mean-subtracted.",
        m.records.len(), m.records.len(), cfg.ssl.segment_s, pct(cfg.train_fraction), cfg.gap_s, cfg.beats.lead, cfg.beats.before_s, cfg.beats.after_s,
        m.records.first().map_or(0.0, |x| x.fs / cfg.beats.downsample as f64)));
    let mut rows = Vec::new();
    for x in &m.records {
        let mut row = vec![
            x.record.clone(),
            format!("{:.0}", x.duration_s),
            x.comments.first().cloned().unwrap_or_default(),
        ];
        row.push(counts(&x.beats).join(" / "));
        row.push(counts(&x.train).join(" / "));
        row.push(counts(&x.test).join(" / "));
        row.push(x.unused.to_string());
        rows.push(row);
    }
    rows.push(vec![
        "pooled".into(),
        String::new(),
        String::new(),
        String::new(),
        counts(&m.train_counts).join(" / "),
        counts(&m.test_counts).join(" / "),
        String::new(),
    ]);
    r.table(
        &[
            "record",
            "duration (s)",
            "header note",
            "beats N/S/V/F/Q",
            "train N/S/V/F/Q",
            "test N/S/V/F/Q",
            "unused (gap, edges)",
        ],
        &rows,
    );
    r.heading(2, "Setup");
    r.bullet(&[
        format!("Encoder: residual 1-D CNN, stem {} channels, stages {:?}, kernel {}, global average pooling → {}-d embedding (the paper: EfficientNet-style, 256-d).", cfg.encoder.stem, cfg.encoder.stages, cfg.encoder.kernel, cfg.encoder.embedding()),
        format!("Pretraining: positive pairs `{}` (headline){}; crops of {} samples from {} s segments of the training spans; augmentations: amplitude scale {:?} (p {}), Gaussian jitter σ {} mV (p {}), band-limited noise {:?} Hz σ {} mV (p {}); projection MLP {} → {}; InfoNCE τ = {}, KoLeo λ = {}; Adam lr {}, {} epochs of batches of {} pairs. No momentum encoder (the paper trains with one).",
            cfg.ssl.pairing.name(),
            if cfg.extra_pairings.is_empty() { String::new() } else { format!(", also {}", cfg.extra_pairings.iter().map(|p| format!("`{}`", p.name())).collect::<Vec<_>>().join(", ")) },
            m.records.first().map_or(0, |_| cfg.beats.window(m.records[0].fs)), cfg.ssl.segment_s,
            cfg.ssl.augment.scale, cfg.ssl.augment.p_scale, cfg.ssl.augment.jitter_std, cfg.ssl.augment.p_jitter, cfg.ssl.augment.band_hz, cfg.ssl.augment.band_noise_std, cfg.ssl.augment.p_band,
            cfg.ssl.projector_hidden, cfg.ssl.projection, cfg.ssl.temperature, cfg.ssl.koleo_weight, cfg.ssl.lr, cfg.ssl.epochs, cfg.ssl.batch_size),
        format!("Label subsets: {} of the training beats, stratified per AAMI class (at least one beat of every class present), {} seeded subsets below 100 %.", cfg.fractions.iter().map(|&f| pct(f)).collect::<Vec<_>>().join(", "), cfg.subset_seeds),
        format!("Linear probe: standardised embeddings, one linear layer, class-weighted ({:?}) cross-entropy, Adam lr {} (weight decay {}), {} epochs. Supervised: the same encoder + linear head from scratch, same labels and class weights, Adam lr {}, ~{} steps of batches of {} (no augmentation).", cfg.probe.class_weights, cfg.probe.lr, cfg.probe.weight_decay, cfg.probe.epochs, cfg.supervised.lr, cfg.supervised.steps, cfg.supervised.batch_size),
        "Macro-F1 is the mean F1 over the AAMI classes present in the test beats that also have training beats (a class with no training beat cannot be predicted by any method; Q has 2 test beats and none in training here, its F1 is listed but not averaged).".into(),
    ]);
    r.heading(2, "Results");
    let mut trows = Vec::new();
    for s in &m.summary {
        trows.push(vec![
            s.method.clone(),
            pct(s.fraction),
            s.runs.to_string(),
            format!("{} ± {}", fmt_num(s.macro_f1_mean), fmt_num(s.macro_f1_std)),
            fmt_num(s.accuracy_mean),
        ]);
    }
    trows.push(vec![
        "majority class".into(),
        "–".into(),
        "1".into(),
        fmt_num(m.majority.macro_f1),
        fmt_num(m.majority.accuracy),
    ]);
    r.table(
        &[
            "method",
            "labels",
            "subsets",
            "test macro-F1 (mean ± SD)",
            "accuracy",
        ],
        &trows,
    );
    let get = |meth: &str| m.get(meth, smallest).map_or(f64::NAN, |s| s.macro_f1_mean);
    r.comparison(&[Comparison::new(
        &format!("{headline} macro-F1 at {} labels", pct(smallest)),
        get(&headline),
    )
    .with_anchor(get(SUPERVISED), "supervised from scratch, same labels")
    .with_note(&format!(
        "goal: SSL ≥ supervised + 0.05 at 1 % labels — gap {} → {}",
        fmt_num(m.gap_smallest_fraction),
        if m.goal_met { "met" } else { "not met" }
    ))]);
    r.heading(3, "F1 per class");
    let mut prow = Vec::new();
    for s in &m.summary {
        let mut row = vec![s.method.clone(), pct(s.fraction)];
        row.extend(s.per_class_f1_mean.iter().map(|&v| opt(v)));
        prow.push(row);
    }
    r.table(&["method", "labels", "N", "S", "V", "F", "Q"], &prow);
    r.heading(3, "Pretraining");
    let pre: Vec<Vec<String>> = m
        .pretraining
        .iter()
        .map(|p| {
            vec![
                p.pairing.name().into(),
                p.segments.to_string(),
                p.epochs.to_string(),
                fmt_num(p.first_loss),
                fmt_num(p.last_loss),
                fmt_num(p.final_info_nce),
                fmt_num(p.final_koleo),
                format!("{:.0}", p.seconds),
            ]
        })
        .collect();
    r.table(
        &[
            "pairs",
            "segments",
            "epochs",
            "first loss",
            "last loss",
            "InfoNCE (fixed batch)",
            "KoLeo",
            "seconds",
        ],
        &pre,
    );
    r.para("With `participant` pairs the InfoNCE negatives of a pair are only the other patient's crops (same-patient pairs are removed from the negatives), so its loss is not comparable with the `segment` loss.");
    let mut imgs: Vec<(String, String)> = vec![
        (
            "macro-F1 against the labelled share".into(),
            "f1_vs_labels.png".into(),
        ),
        ("pretraining loss".into(), "pretrain_loss.png".into()),
        (
            format!("PCA of {headline} test embeddings"),
            format!("embedding_pca_{headline}.png"),
        ),
        (
            "PCA of the random encoder's test embeddings".into(),
            "embedding_pca_random_encoder_probe.png".into(),
        ),
        (
            format!("confusion of {headline} at the smallest fraction"),
            format!("confusion_{headline}.png"),
        ),
        (
            "confusion of the supervised encoder at the smallest fraction".into(),
            format!("confusion_{SUPERVISED}.png"),
        ),
    ];
    imgs.retain(|(_, f)| results.file(f).exists());
    let refs: Vec<(&str, &str)> = imgs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    deepfield_core::domain::plots(&mut r, &refs);
    deepfield_core::domain::usage(
        &mut r,
        "Classify the beats of your record",
        "deepfield-timeseries classify-beats --model results/biosignal-ssl/model --record path/to/100.hea --out beats.csv",
        Some("`model/` is the pretrained encoder with the linear probe trained on the most labels (registry kind `timeseries.beat_classifier`); `encoder/` is the encoder alone (`timeseries.ecg_encoder`, `forward` gives embeddings). The record must be sampled at the training rate (360 Hz) and have the training lead (MLII); beats are located by its annotation file (`<record>.atr`, or `--annotations`), since there is no QRS detector here. The CSV has one row per beat with the annotation, its AAMI class, the prediction and the class probabilities; macro-F1 against the annotations is printed."),
    );
    Ok(r.write(&results.file("report.md"))?)
}
