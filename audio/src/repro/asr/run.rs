//! One language of `subword-asr`: corpus → features → for every unit kind: units, acoustic
//! model, LM, decoding settings chosen on validation, test error rates, saved model.

use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

use deepfield_core::models::save_model;
use deepfield_core::tch::nn::VarStore;
use deepfield_core::train::History;
use serde::{Deserialize, Serialize};

use super::config::SubwordAsrConfig;
use crate::asr::corpus::{build, Corpus, Split};
use crate::asr::decode::BeamConfig;
use crate::asr::lm::NGram;
use crate::asr::logmel::LogMel;
use crate::asr::saved::{AsrModelConfig, LM_FILE};
use crate::asr::text::Language;
use crate::asr::train::{beam_rates, fit, greedy_rates, items, posteriors, Item};
use crate::asr::units::{UnitKind, Units};
use crate::asr::wer::ErrorRates;
use crate::features::{FeatureMatrix, FrameScaler};
use crate::{Error, Result};

/// WER and CER of one decoding.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    pub wer: f64,
    pub cer: f64,
}

impl From<&ErrorRates> for Rates {
    fn from(e: &ErrorRates) -> Self {
        Rates {
            wer: e.wer(),
            cer: e.cer(),
        }
    }
}

/// One recogniser's numbers on the test utterances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitResult {
    /// `<language>/<unit>`.
    pub model: String,
    pub language: Language,
    pub unit: UnitKind,
    /// Units in the inventory (without the blank).
    pub vocab: usize,
    /// Mean units per word of the training text.
    pub units_per_word: f64,
    /// LM perplexity per unit on the validation text.
    pub lm_val_perplexity: f64,
    /// Chosen on validation.
    pub lm_weight: f64,
    pub bonus: f64,
    pub val_beam_wer: f64,
    pub epochs: usize,
    pub train_seconds: f64,
    pub greedy: Rates,
    pub beam: Rates,
    /// First test utterances: (reference, beam hypothesis).
    pub examples: Vec<(String, String)>,
}

/// The corpus of one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusStats {
    pub language: Language,
    pub train_utterances: usize,
    pub val_utterances: usize,
    pub test_utterances: usize,
    pub hours: f64,
    pub train_sentences: usize,
    pub test_sentences: usize,
    /// Test words never seen in training text: what a word recogniser cannot output.
    pub test_oov_rate: f64,
    pub cached: bool,
    pub cache_dir: String,
}

/// What one language produced.
pub struct LanguageRun {
    pub corpus: CorpusStats,
    pub results: Vec<UnitResult>,
    pub histories: Vec<(String, History)>,
}

fn unique<'a>(xs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen = HashSet::new();
    xs.into_iter()
        .filter(|t| seen.insert(*t))
        .map(str::to_string)
        .collect()
}

fn stats(c: &Corpus) -> CorpusStats {
    let part = |s: Split| c.indices(s);
    let sentences = |s: Split| {
        part(s)
            .iter()
            .map(|&i| c.utterances[i].sentence.as_str())
            .collect::<HashSet<_>>()
            .len()
    };
    let train_words: HashSet<&str> = part(Split::Train)
        .iter()
        .flat_map(|&i| c.utterances[i].text.split(' '))
        .collect();
    let test_words: Vec<&str> = part(Split::Test)
        .iter()
        .flat_map(|&i| c.utterances[i].text.split(' '))
        .collect();
    let oov = test_words
        .iter()
        .filter(|w| !train_words.contains(*w))
        .count();
    CorpusStats {
        language: c.lang,
        train_utterances: part(Split::Train).len(),
        val_utterances: part(Split::Val).len(),
        test_utterances: part(Split::Test).len(),
        hours: c.hours(),
        train_sentences: sentences(Split::Train),
        test_sentences: sentences(Split::Test),
        test_oov_rate: oov as f64 / test_words.len().max(1) as f64,
        cached: c.cached,
        cache_dir: c.dir.display().to_string(),
    }
}

/// Everything one language needs, shared by its unit kinds.
struct Prepared<'a> {
    cfg: &'a SubwordAsrConfig,
    lang: Language,
    feats: Vec<FeatureMatrix>,
    texts: Vec<String>,
    split: [Vec<usize>; 3],
    scaler: FrameScaler,
}

impl Prepared<'_> {
    fn part(&self, k: usize, units: Option<&Units>) -> Result<Vec<Item>> {
        let f: Vec<&FeatureMatrix> = self.split[k].iter().map(|&i| &self.feats[i]).collect();
        let t: Vec<&str> = self.split[k]
            .iter()
            .map(|&i| self.texts[i].as_str())
            .collect();
        items(&f, &t, &self.scaler, units)
    }
}

/// Train and evaluate every unit kind of `lang`; models are saved under `out`.
pub fn run_language(
    cfg: &SubwordAsrConfig,
    lang: Language,
    data: &Path,
    threads: usize,
    out: &Path,
) -> Result<LanguageRun> {
    let t0 = Instant::now();
    let corpus = build(lang, data, &cfg.corpus, cfg.seed, threads)?;
    let cs = stats(&corpus);
    eprintln!(
        "[subword-asr] {}: {} utterances, {:.2} h of audio ({} in {:.0} s; {})",
        lang.name(),
        corpus.utterances.len(),
        cs.hours,
        if corpus.cached {
            "read from the cache"
        } else {
            "synthesised"
        },
        t0.elapsed().as_secs_f64(),
        corpus.dir.display()
    );
    let front = LogMel::new(&cfg.logmel)?;
    let feats = corpus
        .audio
        .iter()
        .map(|a| front.compute(a))
        .collect::<Result<Vec<_>>>()?;
    let split = [Split::Train, Split::Val, Split::Test].map(|s| corpus.indices(s));
    let scaler = FrameScaler::fit(split[0].iter().map(|&i| &feats[i]))?;
    let prep = Prepared {
        cfg,
        lang,
        texts: corpus.utterances.iter().map(|u| u.text.clone()).collect(),
        feats,
        split,
        scaler,
    };
    let mut results = Vec::new();
    let mut histories = Vec::new();
    for (k, &kind) in cfg.units.iter().enumerate() {
        let (r, h) = run_unit(&prep, kind, k, out)?;
        eprintln!(
            "[subword-asr] {}/{}: {} units, {} epochs in {:.0} s, test WER greedy {:.3} beam {:.3}, CER beam {:.3}",
            lang.name(),
            kind.key(),
            r.vocab,
            r.epochs,
            r.train_seconds,
            r.greedy.wer,
            r.beam.wer,
            r.beam.cer
        );
        histories.push((r.model.clone(), h));
        results.push(r);
    }
    Ok(LanguageRun {
        corpus: cs,
        results,
        histories,
    })
}

fn run_unit(
    p: &Prepared<'_>,
    kind: UnitKind,
    k: usize,
    out: &Path,
) -> Result<(UnitResult, History)> {
    let cfg = p.cfg;
    let train_texts = unique(p.split[0].iter().map(|&i| p.texts[i].as_str()));
    let units = Units::train(kind, p.lang, &train_texts, cfg.subword_vocab)?;
    let train = p.part(0, Some(&units))?;
    let val = p.part(1, Some(&units))?;
    let test = p.part(2, None)?;
    let mut net = cfg.net.clone();
    net.n_classes = units.len() as i64 + 1;
    let seed = cfg.seed.wrapping_mul(97).wrapping_add(k as u64 + 1);
    deepfield_core::seed(seed);
    let mut vs = VarStore::new(deepfield_core::device());
    let mut model = net.init(&vs.root())?;
    let mut tc = cfg.train.clone();
    tc.seed = seed;
    let t0 = Instant::now();
    let history = fit(&mut model, &mut vs, &train, &val, &units, &tc)?;
    let train_seconds = t0.elapsed().as_secs_f64();
    let device = vs.device();
    let bs = cfg.train.batch_size;
    // The LM over the units of the training text.
    let seqs: Vec<Vec<usize>> = train_texts
        .iter()
        .map(|t| units.encode(t))
        .collect::<Result<_>>()?;
    let lm = NGram::train(cfg.lm_order, units.len(), &seqs)?;
    let val_seqs: Vec<Vec<usize>> = val
        .iter()
        .map(|i| i.target.iter().map(|&c| c as usize - 1).collect())
        .collect();
    let val_post = posteriors(&model, &val, bs, device)?;
    let mut best: Option<(f64, BeamConfig)> = None;
    for &w in &cfg.lm_weights {
        for &b in &cfg.bonuses {
            let bc = BeamConfig {
                lm_weight: w,
                bonus: b,
                ..cfg.beam
            };
            let (_, r) = beam_rates(&units, &val_post, &val, Some(&lm), &bc);
            if best.as_ref().is_none_or(|x| r.wer() < x.0) {
                best = Some((r.wer(), bc));
            }
        }
    }
    let (val_beam_wer, beam) = best.ok_or_else(|| Error::input("no beam setting tried"))?;
    let test_post = posteriors(&model, &test, bs, device)?;
    let (_, greedy) = greedy_rates(&units, &test_post, &test);
    let (hyps, beam_r) = beam_rates(&units, &test_post, &test, Some(&lm), &beam);
    let key = format!("{}/{}", p.lang.name(), kind.key());
    let words: usize = train_texts.iter().map(|t| t.split(' ').count()).sum();
    let n_units: usize = seqs.iter().map(Vec::len).sum();
    let result = UnitResult {
        model: key,
        language: p.lang,
        unit: kind,
        vocab: units.len(),
        units_per_word: n_units as f64 / words.max(1) as f64,
        lm_val_perplexity: lm.perplexity(&val_seqs),
        lm_weight: beam.lm_weight,
        bonus: beam.bonus,
        val_beam_wer,
        epochs: history.epochs.len(),
        train_seconds,
        greedy: (&greedy).into(),
        beam: (&beam_r).into(),
        examples: test
            .iter()
            .zip(&hyps)
            .take(3)
            .map(|(i, h)| (i.text.clone(), h.clone()))
            .collect(),
    };
    let saved = AsrModelConfig {
        id: "subword-asr".into(),
        language: p.lang,
        unit_kind: kind,
        units: units.vocab.clone(),
        logmel: cfg.logmel.clone(),
        scaler: p.scaler.clone(),
        net,
        beam,
    };
    let dir = model_folder(out, p.lang, kind);
    save_model(&dir, &vs, &saved, Some(&result))?;
    deepfield_core::fsutil::write_json(&dir.join(LM_FILE), &lm)?;
    Ok((result, history))
}

/// `out/model-<language>-<unit>`.
pub fn model_folder(out: &Path, lang: Language, kind: UnitKind) -> std::path::PathBuf {
    out.join(format!("model-{}-{}", lang.name(), kind.key()))
}
