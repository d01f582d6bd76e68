//! The `biosignal-ssl` run: load and split, pretrain per pairing, embed, probe and train from
//! scratch per label subset, save the headline classifier, plot and report.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use deepfield_core::data::TensorDataset;
use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::model_dir;
use deepfield_core::train::{predict, write_histories_csv, History};

use super::data::{load, pooled};
use super::{
    probe_name, BioSslConfig, BioSslMetrics, MethodSummary, PretrainSummary, RunScore, RANDOM,
    SUPERVISED,
};
use crate::biosignal::encoder::{BeatClassifierConfig, EcgEncoder};
use crate::biosignal::pretrain::{pretrain, Pairing, Segments};
use crate::biosignal::probe::{
    argmax, embed, fit_probe, label_subset, score, train_supervised, LinearProbe,
};
use crate::biosignal::AAMI_CLASSES;
use crate::repro::Steps;
use crate::{ensure_input, Result};

/// The folder of the pretrained encoder alone.
pub const ENCODER_DIR: &str = "encoder";

/// Copy every variable of `dst` that `src` has under the same name; returns how many.
pub fn copy_matching(dst: &VarStore, src: &VarStore) -> Result<usize> {
    let from = src.variables();
    let mut n = 0;
    tch::no_grad(|| -> Result<()> {
        for (name, mut t) in dst.variables() {
            if let Some(s) = from.get(&name) {
                t.f_copy_(&s.to_device(t.device()))?;
                n += 1;
            }
        }
        Ok(())
    })?;
    Ok(n)
}

/// A pretrained encoder (or the random one) with its embeddings.
struct Embedded {
    method: String,
    pairing: Option<Pairing>,
    vs: VarStore,
    train: Tensor,
    test: Tensor,
}

/// Run on the MIT-BIH folder `dir`, writing into `out` (config.json and metrics.json are the
/// caller's).
pub fn run(cfg: &BioSslConfig, dir: &Path, out: &Path) -> Result<BioSslMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(out)?;
    let device = deepfield_core::device();
    let records = load(cfg, dir)?;
    let fs = records[0].lead.fs;
    ensure_input!(
        records.iter().all(|r| (r.lead.fs - fs).abs() < 1e-9),
        "biosignal-ssl: the records have different sampling rates"
    );
    let train = pooled(&records, false);
    let test = pooled(&records, true);
    ensure_input!(
        train.count() > 0 && test.count() > 0,
        "biosignal-ssl: no beats in the training or test span"
    );
    let crop = train.len;
    let n_classes = AAMI_CLASSES.len();
    let xtr = train.tensor()?;
    let xte = test.tensor()?;

    let mut pairings = vec![cfg.ssl.pairing];
    pairings.extend(cfg.extra_pairings.iter().filter(|&&p| p != cfg.ssl.pairing));
    let subsets: usize = cfg
        .fractions
        .iter()
        .map(|&f| if f < 1.0 { cfg.subset_seeds } else { 1 })
        .sum();
    let mut steps = Steps::new("biosignal-ssl", pairings.len() + subsets);
    let mut histories: Vec<(String, History)> = Vec::new();

    // 1. Pretraining, one encoder per pairing, on the training spans only.
    let mut encoders: Vec<Embedded> = Vec::new();
    let mut pretraining = Vec::new();
    let seg_len = (cfg.ssl.segment_s * fs).round() as usize;
    for (k, &p) in pairings.iter().enumerate() {
        let leads: Vec<_> = records.iter().map(|r| (&r.lead, r.boundary)).collect();
        let segments = Segments::new(&leads, seg_len.max(crop), crop, device)?;
        let n_seg = segments.count;
        let mut scfg = cfg.ssl.clone();
        scfg.pairing = p;
        let t0 = Instant::now();
        let (vs, model, hist) = pretrain(
            &cfg.encoder,
            &scfg,
            segments,
            crop,
            fs,
            cfg.seed.wrapping_add(k as u64),
            device,
        )?;
        let seconds = t0.elapsed().as_secs_f64();
        deepfield_core::seed(cfg.seed ^ 0xF1A1);
        let ids = Tensor::f_arange(n_seg.min(64) as i64, (Kind::Int64, device))?;
        let (_, nce, ko) = tch::no_grad(|| model.loss_parts(&ids, false))?;
        steps.done(&format!("pretrain ({} pairs)", p.name()), &hist);
        let losses = hist.train_losses();
        pretraining.push(PretrainSummary {
            pairing: p,
            segments: n_seg,
            epochs: losses.len(),
            first_loss: losses.first().copied().unwrap_or(f64::NAN),
            last_loss: losses.last().copied().unwrap_or(f64::NAN),
            final_info_nce: f64::try_from(&nce)?,
            final_koleo: f64::try_from(&ko)?,
            seconds,
        });
        histories.push((format!("pretrain/{}", p.name()), hist));
        let (etr, ete) = (
            embed(&model.encoder, &xtr, device)?,
            embed(&model.encoder, &xte, device)?,
        );
        encoders.push(Embedded {
            method: probe_name(p),
            pairing: Some(p),
            vs,
            train: etr,
            test: ete,
        });
    }
    // A randomly initialised encoder: how much the architecture alone gives a linear probe.
    deepfield_core::seed(cfg.seed ^ 0xAA55);
    let rvs = VarStore::new(device);
    let random: EcgEncoder = cfg.encoder.init(&rvs.root())?;
    let (rtr, rte) = (embed(&random, &xtr, device)?, embed(&random, &xte, device)?);
    encoders.push(Embedded {
        method: RANDOM.into(),
        pairing: None,
        vs: rvs,
        train: rtr,
        test: rte,
    });

    // 2. The majority class of the training beats.
    let mut counts = [0usize; 5];
    for &c in &train.class {
        counts[c as usize] += 1;
    }
    let majority_class = (0..5).max_by_key(|&k| counts[k]).unwrap_or(0) as i64;
    // Macro-F1 counts the classes with training beats (a class never seen in training, such as
    // Q here, cannot be predicted by any method; its F1 is still listed).
    let include: Vec<bool> = train.class_counts().iter().map(|&c| c > 0).collect();
    let majority = score(
        &test.class,
        &vec![majority_class; test.count()],
        n_classes,
        Some(&include),
    )?;

    // 3. Probes and supervised training per label subset.
    let clf_cfg = BeatClassifierConfig {
        encoder: cfg.encoder.clone(),
        beats: cfg.beats.clone(),
        fs: records[0].lead.fs_original,
        ..Default::default()
    };
    let test_ds =
        TensorDataset::new(xte.shallow_clone(), Tensor::from_slice(&test.class))?.to_device(device);
    let mut runs: Vec<RunScore> = Vec::new();
    let mut saved_probe: Option<(f64, LinearProbe)> = None;
    let headline = probe_name(cfg.ssl.pairing);
    let mut confusions: BTreeMap<String, Vec<Vec<u64>>> = BTreeMap::new();
    let smallest = cfg.fractions.iter().copied().fold(f64::INFINITY, f64::min);
    for &f in &cfg.fractions {
        let seeds = if f < 1.0 { cfg.subset_seeds } else { 1 };
        for s in 0..seeds {
            let sub_seed = cfg.seed.wrapping_mul(1000).wrapping_add(s as u64);
            let idx: Vec<usize> = if f >= 1.0 {
                (0..train.count()).collect()
            } else {
                label_subset(&train.class, f, sub_seed)
            };
            let y: Vec<i64> = idx.iter().map(|&i| train.class[i]).collect();
            let it = Tensor::from_slice(&idx.iter().map(|&i| i as i64).collect::<Vec<_>>());
            for e in &encoders {
                let (probe, _) = fit_probe(
                    &e.train.f_index_select(0, &it)?,
                    &y,
                    n_classes,
                    &cfg.probe,
                    sub_seed,
                )?;
                let pred = argmax(&probe.logits(&e.test)?)?;
                let sc = score(&test.class, &pred, n_classes, Some(&include))?;
                if s == 0 && (f - smallest).abs() < 1e-12 {
                    confusions.insert(e.method.clone(), sc.confusion.clone());
                }
                runs.push(RunScore {
                    method: e.method.clone(),
                    fraction: f,
                    subset_seed: sub_seed,
                    labelled: y.len(),
                    scores: sc,
                });
                if e.method == headline
                    && s == 0
                    && saved_probe.as_ref().is_none_or(|(g, _)| f > *g)
                {
                    saved_probe = Some((f, probe));
                }
            }
            let xs = xtr.f_index_select(0, &it)?.to_device(device);
            let (_vs, model, hist) = train_supervised(
                &clf_cfg,
                &xs,
                &y,
                &cfg.supervised,
                cfg.probe.class_weights,
                sub_seed,
                device,
            )?;
            let pred = argmax(&predict(&model, &test_ds, 512)?)?;
            let sc = score(&test.class, &pred, n_classes, Some(&include))?;
            if s == 0 && (f - smallest).abs() < 1e-12 {
                confusions.insert(SUPERVISED.into(), sc.confusion.clone());
            }
            steps.done(
                &format!("{}% labels, subset {s}: supervised", f * 100.0),
                &hist,
            );
            histories.push((format!("supervised/{}pct/subset{s}", f * 100.0), hist));
            runs.push(RunScore {
                method: SUPERVISED.into(),
                fraction: f,
                subset_seed: sub_seed,
                labelled: y.len(),
                scores: sc,
            });
        }
    }
    steps.finish();

    // 4. Summaries.
    let mut summary = Vec::new();
    for m in cfg.methods() {
        for &f in &cfg.fractions {
            let rs: Vec<&RunScore> = runs
                .iter()
                .filter(|r| r.method == m && (r.fraction - f).abs() < 1e-12)
                .collect();
            if rs.is_empty() {
                continue;
            }
            let n = rs.len() as f64;
            let mf: Vec<f64> = rs.iter().map(|r| r.scores.macro_f1).collect();
            let mean = mf.iter().sum::<f64>() / n;
            let sd = if rs.len() > 1 {
                (mf.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
            } else {
                0.0
            };
            let per_class = (0..n_classes)
                .map(|k| {
                    let v: Vec<f64> = rs.iter().filter_map(|r| r.scores.per_class_f1[k]).collect();
                    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
                })
                .collect();
            summary.push(MethodSummary {
                method: m.clone(),
                fraction: f,
                runs: rs.len(),
                macro_f1_mean: mean,
                macro_f1_std: sd,
                accuracy_mean: rs.iter().map(|r| r.scores.accuracy).sum::<f64>() / n,
                per_class_f1_mean: per_class,
            });
        }
    }
    let get = |m: &str| {
        summary
            .iter()
            .find(|s| s.method == m && (s.fraction - smallest).abs() < 1e-12)
            .map_or(f64::NAN, |s| s.macro_f1_mean)
    };
    let gap = get(&headline) - get(SUPERVISED);
    let metrics = BioSslMetrics {
        data: format!(
            "{}: records {} (MIT-BIH Arrhythmia Database; lead {})",
            dir.display(),
            cfg.records.join(", "),
            cfg.beats.lead
        ),
        records: records.iter().map(|r| r.summary.clone()).collect(),
        classes: AAMI_CLASSES.iter().map(|s| s.to_string()).collect(),
        test_counts: test.class_counts(),
        train_counts: train.class_counts(),
        majority,
        pretraining,
        summary,
        runs,
        gap_smallest_fraction: gap,
        goal_met: (smallest - 0.01).abs() < 1e-9 && gap >= 0.05,
        seed: cfg.seed,
    };

    // 5. The headline classifier (headline encoder + its probe on the most labels) and the
    //    encoder alone.
    let head_enc = &encoders[0];
    let cvs = VarStore::new(Device::Cpu);
    let clf = deepfield_core::models::ModelConfig::build(&clf_cfg, &cvs.root())?;
    copy_matching(&cvs, &head_enc.vs)?;
    if let Some((f, probe)) = &saved_probe {
        tch::no_grad(|| -> Result<()> {
            let mut w = clf.head.ws.shallow_clone();
            w.f_copy_(&probe.weight)?;
            if let Some(b) = &clf.head.bs {
                let mut b = b.shallow_clone();
                b.f_copy_(&probe.bias)?;
            }
            Ok(())
        })?;
        let m = serde_json::json!({
            "encoder": head_enc.method,
            "probe_label_fraction": f,
            "test_macro_f1": metrics.get(&headline, *f).map(|s| s.macro_f1_mean),
        });
        save_model(&model_dir(out), &cvs, &clf_cfg, Some(&m))?;
    }
    let evs = VarStore::new(Device::Cpu);
    let _enc = cfg.encoder.init(&evs.root())?;
    copy_matching(&evs, &head_enc.vs)?;
    save_model(&out.join(ENCODER_DIR), &evs, &cfg.encoder, None::<&()>)?;

    let runs_h: Vec<(String, &History)> = histories.iter().map(|(n, h)| (n.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &runs_h)?;
    let views: Vec<(String, &Tensor)> = encoders
        .iter()
        .filter(|e| e.pairing == Some(cfg.ssl.pairing) || e.method == RANDOM)
        .map(|e| (e.method.clone(), &e.test))
        .collect();
    super::report::plots(
        cfg,
        &metrics,
        &histories,
        &views,
        &test.class,
        &confusions,
        &results,
    )?;
    super::report::write(cfg, &metrics, dir, &results)?;
    Ok(metrics)
}
