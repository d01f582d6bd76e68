//! The `deid-rnn` run: read WNUT 2017 and simulate notes, train a NeuroNER tagger on each,
//! score it and the memorising baseline on the test split, save the taggers, plot, report.

use std::collections::HashMap;

use deepfield_core::nn::crf::TagScheme;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{model_dir, others_dir, ReproOptions};

use super::{DeidRnnConfig, DeidRnnMetrics, Goals, PartResult};
use crate::phi::{generate, TemplateSplit};
use crate::read::conll_ner::{self, WNUT17};
use crate::seqeval::{evaluate, retag, token_level, Mode, Report};
use crate::tagged::Tagged;
use crate::tagger::encode::normalize_word;
use crate::tagger::train::{train, TrainSettings};
use crate::tagger::Tagger;
use crate::Result;

/// Tags of the memorising baseline: each word's most frequent training tag, `O` for words
/// never seen, repaired into valid BIO.
pub fn memorising_baseline(train: &[Tagged], test: &[Tagged]) -> Vec<Vec<String>> {
    let mut counts: HashMap<String, HashMap<&str, usize>> = HashMap::new();
    for s in train {
        for (w, t) in s.tokens.iter().zip(&s.tags) {
            *counts
                .entry(normalize_word(w))
                .or_default()
                .entry(t.as_str())
                .or_default() += 1;
        }
    }
    test.iter()
        .map(|s| {
            let tags: Vec<&str> = s
                .tokens
                .iter()
                .map(|w| {
                    counts.get(&normalize_word(w)).map_or("O", |c| {
                        c.iter()
                            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                            .map_or("O", |(t, _)| t)
                    })
                })
                .collect();
            retag(&tags, TagScheme::Bio)
        })
        .collect()
}

fn gold(sentences: &[Tagged]) -> Vec<Vec<String>> {
    sentences.iter().map(|s| s.tags.clone()).collect()
}

/// The splits of one part.
struct Splits {
    name: &'static str,
    dir: Option<std::path::PathBuf>,
    train: Vec<Tagged>,
    dev: Vec<Tagged>,
    test: Vec<Tagged>,
    repaired: usize,
}

fn train_part(
    cfg: &DeidRnnConfig,
    splits: &Splits,
    settings: &TrainSettings,
) -> Result<(Tagger, PartResult)> {
    let name = splits.name;
    let (tagger, log) = train(&cfg.model, &splits.train, &splits.dev, settings, |e| {
        eprintln!(
            "deid-rnn [{name}]: epoch {} — train loss {:.3}, dev entity F1 {:.4} ({:.0} s)",
            e.epoch, e.train_loss, e.dev_f1, e.seconds
        )
    })?;
    let pred: Vec<Vec<String>> = tagger
        .tag_sentences(&splits.test, TagScheme::Bio)?
        .into_iter()
        .map(|s| s.tags)
        .collect();
    let g = gold(&splits.test);
    let test: Report = evaluate(&g, &pred, Mode::Default)?;
    let strict = evaluate(&g, &pred, Mode::Strict(TagScheme::Bio))?;
    let tokens = token_level(&g, &pred)?;
    let baseline = evaluate(
        &g,
        &memorising_baseline(&splits.train, &splits.test),
        Mode::Default,
    )?;
    let parameters = tagger
        .vs
        .trainable_variables()
        .iter()
        .map(|t| t.numel())
        .sum();
    let result = PartResult {
        name: name.to_string(),
        train_sentences: splits.train.len(),
        dev_sentences: splits.dev.len(),
        test_sentences: splits.test.len(),
        test_tokens: splits.test.iter().map(Tagged::len).sum(),
        test_word_coverage: tagger.encoder.coverage(&splits.test),
        repaired_tags: splits.repaired,
        parameters,
        epochs: log.epochs,
        best_epoch: log.best_epoch,
        train_seconds: log.seconds,
        test_strict_f1: strict.micro.f1,
        test_tokens_scores: tokens,
        test,
        baseline,
    };
    eprintln!(
        "deid-rnn [{name}]: test entity F1 {:.4} (memorising baseline {:.4}), best epoch {}",
        result.test.micro.f1, result.baseline.micro.f1, result.best_epoch
    );
    Ok((tagger, result))
}

fn wnut_splits(cfg: &DeidRnnConfig, opts: &ReproOptions) -> Result<Splits> {
    let dir = opts.dataset(&WNUT17)?;
    let mut parts = Vec::new();
    let mut repaired = 0;
    for file in WNUT17.files {
        let data = conll_ner::read(&dir.join(file), TagScheme::Bio)?;
        repaired += data.repairs.len();
        parts.push(data.sentences);
    }
    let test = parts.pop().unwrap_or_default();
    let mut dev = parts.pop().unwrap_or_default();
    let mut train = parts.pop().unwrap_or_default();
    if let Some(n) = cfg.wnut.max_train {
        train.truncate(n);
    }
    if let Some(n) = cfg.wnut.max_dev {
        dev.truncate(n);
    }
    Ok(Splits {
        name: "wnut17",
        dir: Some(dir),
        train,
        dev,
        test,
        repaired,
    })
}

fn phi_splits(cfg: &DeidRnnConfig) -> Result<Splits> {
    let p = &cfg.phi;
    let seed = cfg.seed;
    Ok(Splits {
        name: "phi_notes",
        dir: None,
        train: generate(&p.notes, TemplateSplit::Train, p.train_notes, seed)?,
        dev: generate(
            &p.notes,
            TemplateSplit::Train,
            p.dev_notes,
            seed.wrapping_add(1),
        )?,
        test: generate(
            &p.notes,
            TemplateSplit::Test,
            p.test_notes,
            seed.wrapping_add(2),
        )?,
        repaired: 0,
    })
}

/// Run the whole reproduction into `opts.out`.
pub fn run(cfg: &DeidRnnConfig, opts: &ReproOptions) -> Result<DeidRnnMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(&opts.out)?;
    let (wnut, wnut_data) = if cfg.wnut.run {
        let splits = wnut_splits(cfg, opts)?;
        let (tagger, result) = train_part(cfg, &splits, &cfg.wnut.train)?;
        tagger.save(&others_dir(&opts.out, "wnut17"), Some(&result.test))?;
        (Some(result), splits.dir.map(|d| d.display().to_string()))
    } else {
        (None, None)
    };
    let splits = phi_splits(cfg)?;
    let (tagger, phi) = train_part(cfg, &splits, &cfg.phi.train)?;
    tagger.save(&model_dir(&opts.out), Some(&phi.test))?;
    let metrics = DeidRnnMetrics {
        goals: Goals {
            wnut_f1_ge_40: wnut.as_ref().map(|w| w.test.micro.f1 >= 0.40),
            phi_f1_ge_95: phi.test.micro.f1 >= 0.95,
        },
        wnut,
        wnut_data,
        phi,
        seed: cfg.seed,
    };
    super::report::write_plots(&metrics, &results)?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
