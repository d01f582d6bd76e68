//! The `die-dat` run: read and split the corpus, build the examples and the vocabulary, score
//! the baselines, train every variant, save the models, plot and write the report.

use deepfield_core::metrics::classification_report;
use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::{variant_dir, ReproOptions};
use deepfield_core::train::write_histories_csv;
use deepfield_core::Rng;

use super::{DieDatMetrics, DieDatReproConfig, VariantResult};
use crate::diedat::bigram::BigramLm;
use crate::diedat::data::{
    article_examples_of, examples_of, load_corpus, Example, Fold, ALPINO, ART_MASK, DUTCH_TEXT,
    MASK, NO_CONTEXT,
};
use crate::diedat::model::DieDatConfig;
use crate::diedat::train::{predict, train};
use crate::vocab::Vocab;
use crate::Result;

/// Sources in report order.
pub const SOURCES: [&str; 3] = ["tatoeba", "ntrex", "alpino"];

fn subsample(mut ex: Vec<Example>, max: Option<usize>, seed: u64) -> Vec<Example> {
    if let Some(m) = max.filter(|&m| m < ex.len()) {
        Rng::new(seed).shuffle(&mut ex);
        ex.truncate(m);
    }
    ex
}

fn vocab_of(train: &[Example], aux: &[Example], cfg: &DieDatReproConfig) -> Result<Vocab> {
    let words = train
        .iter()
        .chain(aux)
        .flat_map(|e| e.tokens.iter().chain(&e.context))
        .map(String::as_str);
    let built = Vocab::build(words, &cfg.vocab)?;
    let mut list = built.tokens().to_vec();
    for t in [MASK, NO_CONTEXT, ART_MASK] {
        if built.get(t).is_none() {
            list.push(t.to_string());
        }
    }
    Vocab::from_list(list, true)
}

fn accuracy_of(pred: &[i64], ex: &[Example]) -> f64 {
    let ok = pred.iter().zip(ex).filter(|(p, e)| **p == e.label).count();
    ok as f64 / ex.len().max(1) as f64
}

fn by_source(pred: &[i64], ex: &[Example]) -> Vec<(String, f64)> {
    SOURCES
        .iter()
        .filter_map(|s| {
            let (p, e): (Vec<i64>, Vec<Example>) = pred
                .iter()
                .zip(ex)
                .filter(|(_, e)| e.source == *s)
                .map(|(p, e)| (*p, e.clone()))
                .unzip();
            (!e.is_empty()).then(|| (s.to_string(), accuracy_of(&p, &e)))
        })
        .collect()
}

/// Run the whole reproduction into `opts.out`.
pub fn run(cfg: &DieDatReproConfig, opts: &ReproOptions) -> Result<DieDatMetrics> {
    cfg.validate()?;
    let results = ResultsDir::at(&opts.out)?;
    let text_dir = opts.dataset(&DUTCH_TEXT)?;
    let ud_dir = opts.dataset(&ALPINO)?;
    let corpus = load_corpus(&text_dir, &ud_dir)?;
    let part = |f: Fold| -> Vec<Example> {
        corpus
            .iter()
            .filter(|s| s.fold == f)
            .flat_map(examples_of)
            .collect()
    };
    let train_ex = subsample(part(Fold::Train), cfg.max_train, cfg.seed);
    let val_ex = subsample(part(Fold::Val), cfg.max_test, cfg.seed + 1);
    let test_ex = subsample(part(Fold::Test), cfg.max_test, cfg.seed + 2);

    // The auxiliary article examples: every de/het of the training sentences.
    let aux: Vec<Example> = if cfg.variants.iter().any(|v| v.article) {
        corpus
            .iter()
            .filter(|s| s.fold == Fold::Train)
            .flat_map(article_examples_of)
            .collect()
    } else {
        Vec::new()
    };
    // Vocabularies: from the training examples (sentences and contexts); the article variants'
    // also from the auxiliary examples.
    let vocab = vocab_of(&train_ex, &[], cfg)?;
    let vocab_aux = vocab_of(&train_ex, &aux, cfg)?;

    // Baselines.
    let dat_share =
        |ex: &[Example]| ex.iter().filter(|e| e.label == 1).count() as f64 / ex.len().max(1) as f64;
    let majority = (dat_share(&train_ex) >= 0.5) as i64;
    let majority_rate = accuracy_of(&vec![majority; test_ex.len()], &test_ex);
    let train_sentences: Vec<Vec<String>> = corpus
        .iter()
        .filter(|s| s.fold == Fold::Train)
        .map(|s| s.tokens.clone())
        .collect();
    let lm = BigramLm::train(&train_sentences, cfg.bigram_k);
    let bigram_pred: Vec<i64> = test_ex
        .iter()
        .map(|e| lm.predict(&e.tokens, e.target, majority))
        .collect();
    let bigram_accuracy = accuracy_of(&bigram_pred, &test_ex);
    eprintln!(
        "die-dat: {} train / {} validation / {} test examples; majority {:.3}, bigram LM {:.3}",
        train_ex.len(),
        val_ex.len(),
        test_ex.len(),
        majority_rate,
        bigram_accuracy
    );

    let mut variants = Vec::new();
    let mut histories = Vec::new();
    for (k, v) in cfg.variants.iter().enumerate() {
        let vocab = if v.article { &vocab_aux } else { &vocab };
        let mcfg = DieDatConfig {
            vocab: vocab.tokens().to_vec(),
            embed_dim: cfg.embed_dim,
            hidden: cfg.hidden,
            layers: cfg.layers,
            context: v.context,
            multitask: v.multitask,
            article: v.article,
            dropout: cfg.dropout,
        };
        let mut tc = cfg.train.clone();
        tc.seed = cfg.seed.wrapping_add(k as u64);
        let t = train(
            &mcfg,
            &tc,
            cfg.pos_weight,
            &train_ex,
            &val_ex,
            &aux,
            cfg.aux_per_epoch,
        )?;
        let (p, pos) = predict(&t.model, &test_ex, vocab, 512)?;
        let pred: Vec<i64> = p.iter().map(|&x| (x >= 0.5) as i64).collect();
        let y: Vec<i64> = test_ex.iter().map(|e| e.label).collect();
        let rep = classification_report(&y, &pred, 2)?;
        let pos_accuracy = pos.map(|pp| {
            let known: Vec<(i64, i64)> = pp
                .iter()
                .zip(&test_ex)
                .filter_map(|(p, e)| e.pos.map(|t| (*p, t)))
                .collect();
            known.iter().filter(|(p, t)| p == t).count() as f64 / known.len().max(1) as f64
        });
        let result = VariantResult {
            key: v.key.clone(),
            name: v.name(),
            parameters: t.vs.trainable_variables().iter().map(|x| x.numel()).sum(),
            epochs_run: t.history.epochs.len(),
            train_seconds: t.seconds,
            accuracy: rep.accuracy,
            f1_macro: rep.f1_macro,
            confusion: rep.confusion,
            accuracy_by_source: by_source(&pred, &test_ex),
            pos_accuracy,
            val_accuracy: t.history.val_metric("accuracy"),
        };
        eprintln!(
            "die-dat: {} — accuracy {:.4}{} ({} epochs, {:.0} s)",
            v.key,
            result.accuracy,
            result
                .pos_accuracy
                .map_or(String::new(), |p| format!(", POS {p:.4}")),
            result.epochs_run,
            result.train_seconds
        );
        // The last variant (the multitask model with the article task) is the headline `model/`.
        let headline = k + 1 == cfg.variants.len();
        save_model(
            &variant_dir(&opts.out, &v.key, headline),
            &t.vs,
            &mcfg,
            Some(&result),
        )?;
        histories.push((v.key.clone(), t.history));
        variants.push(result);
    }
    let runs: Vec<(String, &deepfield_core::train::History)> =
        histories.iter().map(|(k, h)| (k.clone(), h)).collect();
    write_histories_csv(&results.file("history.csv"), &runs)?;

    let metrics = DieDatMetrics {
        data: vec![text_dir.display().to_string(), ud_dir.display().to_string()],
        sentences: corpus.len(),
        train: train_ex.len(),
        validation: val_ex.len(),
        test: test_ex.len(),
        test_by_source: SOURCES
            .iter()
            .map(|s| {
                (
                    s.to_string(),
                    test_ex.iter().filter(|e| e.source == *s).count(),
                )
            })
            .collect(),
        train_dat_share: dat_share(&train_ex),
        test_dat_share: dat_share(&test_ex),
        test_with_pos: test_ex.iter().filter(|e| e.pos.is_some()).count(),
        vocab_size: vocab.len(),
        vocab_size_article: vocab_aux.len(),
        article_examples: aux.len(),
        majority_rate,
        bigram_accuracy,
        variants,
        paper_binary: 0.8456,
        paper_multitask: 0.8863,
        paper_multitask_pos: 0.8773,
        quick: opts.quick,
        seed: cfg.seed,
    };
    super::report::write_plots(&metrics, &results)?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
