//! The run of `legal-retrieval`: BM25 over every statute, then per fold: vocabulary, ranker
//! training with validation, the mixing weight, the test runs; pooled evaluation, runs, the
//! model, plots and the report.

use std::collections::HashMap;
use std::time::Instant;

use tch::nn::VarStore;
use tch::Tensor;

use deepfield_core::models::save_model;
use deepfield_core::report::ResultsDir;
use deepfield_core::repro::ReproOptions;
use deepfield_core::Rng;

use super::data::{self, Aila, AILA};
use super::{Anchor, FoldResult, Goals, LegalRetrievalConfig, LegalRetrievalMetrics, MethodResult};
use crate::read::trec::Run;
use crate::retrieval::bm25::Bm25Index;
use crate::retrieval::metrics::{self, mean_of, Measures};
use crate::retrieval::mix;
use crate::retrieval::ranker::{AttentiveRanker, AttentiveRankerConfig};
use crate::retrieval::sentences;
use crate::retrieval::train::{score_all, train, RankData};
use crate::vocab::{Vocab, VocabConfig};
use crate::Result;

/// The three methods: key and name.
pub const METHODS: [(&str, &str); 4] = [
    ("bm25", "BM25 (tantivy)"),
    (
        "prior",
        "statute prior (times relevant in the fold's training queries)",
    ),
    ("ranker", "attentive ranker"),
    ("mix", "BM25 + ranker mix"),
];

/// BM25 over the corpus for every query: scores (0 where no term matches) and the ranking.
pub struct Bm25Runs {
    pub scores: Vec<Vec<f64>>,
    pub ranking: Vec<Vec<usize>>,
}

/// Statute id → index.
fn positions(data: &Aila) -> HashMap<&str, usize> {
    data.statutes
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect()
}

/// BM25 scores of every query against every statute.
pub fn bm25_all(data: &Aila) -> Result<Bm25Runs> {
    let index = Bm25Index::in_ram(&data.statutes)?;
    let n = data.statutes.len();
    let pos = positions(data);
    let mut scores = Vec::new();
    let mut ranking = Vec::new();
    for (_, text) in &data.queries {
        let mut s = vec![0.0; n];
        let mut r = Vec::with_capacity(n);
        for (id, score) in index.search(text, n)? {
            if let Some(&i) = pos.get(id.as_str()) {
                s[i] = score;
                r.push(i);
            }
        }
        for i in 0..n {
            if !r.contains(&i) {
                r.push(i);
            }
        }
        scores.push(s);
        ranking.push(r);
    }
    Ok(Bm25Runs { scores, ranking })
}

/// `(doc id, score)` pairs of one query.
fn scored(data: &Aila, scores: &[f64]) -> Vec<(String, f64)> {
    data.statutes
        .iter()
        .zip(scores)
        .map(|(d, s)| (d.id.clone(), *s))
        .collect()
}

/// Mean MAP of `scores[i]` for the queries `qs` (`scores` indexed like `qs`).
fn map_of(data: &Aila, qs: &[usize], scores: &[Vec<f64>]) -> f64 {
    let mut run = Run::new();
    for (q, s) in qs.iter().zip(scores) {
        run.set(&data.queries[*q].0, scored(data, s));
    }
    metrics::evaluate(&run, &data.qrels, &[10])
        .mean
        .get("map")
        .copied()
        .unwrap_or(0.0)
}

/// The fold split: (train, validation, test) query indices of each fold.
pub fn folds(nq: usize, cfg: &LegalRetrievalConfig) -> Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> {
    let mut rng = Rng::new(cfg.seed);
    let perm = rng.permutation(nq);
    (0..cfg.folds)
        .map(|f| {
            let test: Vec<usize> = perm
                .iter()
                .enumerate()
                .filter(|(i, _)| i % cfg.folds == f)
                .map(|(_, q)| *q)
                .collect();
            let mut rest: Vec<usize> = perm.iter().copied().filter(|q| !test.contains(q)).collect();
            rng.shuffle(&mut rest);
            let n_val = ((rest.len() as f64 * cfg.val_fraction).round() as usize)
                .clamp(1, rest.len().saturating_sub(1).max(1));
            let val = rest.split_off(rest.len() - n_val);
            (rest, val, test)
        })
        .collect()
}

/// The ranker's word vocabulary: statutes plus the given queries.
pub fn vocabulary(data: &Aila, qs: &[usize], cfg: &LegalRetrievalConfig) -> Result<Vocab> {
    let texts = data
        .statutes
        .iter()
        .map(|d| d.text.as_str())
        .chain(qs.iter().map(|q| data.queries[*q].1.as_str()));
    let words: Vec<String> = texts
        .flat_map(|t| sentences::split(t).into_iter().flatten())
        .collect();
    Vocab::build(
        words,
        &VocabConfig {
            min_freq: cfg.vocab_min_freq,
            max_size: Some(cfg.vocab_max),
            lowercase: false,
        },
    )
}

fn ids(vocab: &Vocab, texts: &[&str], rc: &AttentiveRankerConfig) -> Result<Tensor> {
    let (s, w) = (rc.max_sentences as usize, rc.max_words as usize);
    let docs: Vec<Vec<Vec<i64>>> = texts
        .iter()
        .map(|t| sentences::encode(vocab, t, s, w))
        .collect();
    sentences::pack(&docs, s, w)
}

fn index_tensor(qs: &[usize]) -> Tensor {
    Tensor::from_slice(&qs.iter().map(|q| *q as i64).collect::<Vec<_>>())
}

/// One test query's scores over every statute.
struct TestScores {
    query: usize,
    bm25: Vec<f64>,
    ranker: Vec<f64>,
    mix: Vec<f64>,
    prior: Vec<f64>,
}

/// Everything one fold hands back.
struct Fold {
    result: FoldResult,
    test: Vec<TestScores>,
    model: (VarStore, AttentiveRankerConfig, Vocab),
}

fn run_fold(
    data: &Aila,
    bm25: &Bm25Runs,
    relevant: &[Vec<usize>],
    k: usize,
    (tr, val, test): &(Vec<usize>, Vec<usize>, Vec<usize>),
    cfg: &LegalRetrievalConfig,
) -> Result<Fold> {
    let mut seen: Vec<usize> = tr.clone();
    seen.extend(val);
    // the query-independent baseline: how often each statute is relevant in the fold's
    // training and validation queries
    let mut prior = vec![0.0; data.statutes.len()];
    for q in &seen {
        for d in &relevant[*q] {
            prior[*d] += 1.0;
        }
    }
    let vocab = vocabulary(data, &seen, cfg)?;
    let rc = AttentiveRankerConfig {
        vocab_size: vocab.len() as i64,
        ..cfg.ranker.clone()
    };
    let qtexts: Vec<&str> = data.queries.iter().map(|(_, t)| t.as_str()).collect();
    let dtexts: Vec<&str> = data.statutes.iter().map(|d| d.text.as_str()).collect();
    let q_ids = ids(&vocab, &qtexts, &rc)?;
    let d_ids = ids(&vocab, &dtexts, &rc)?;
    deepfield_core::seed(cfg.seed.wrapping_add(k as u64));
    let mut vs = VarStore::new(deepfield_core::device());
    let model = AttentiveRanker::new(&vs.root(), &rc)?;
    let rd = RankData {
        queries: &q_ids,
        docs: &d_ids,
        relevant,
        bm25: &bm25.ranking,
    };
    let val_ids = q_ids.f_index_select(0, &index_tensor(val))?;
    let mut validate = |m: &AttentiveRanker| -> Result<f64> {
        let s = score_all(m, &val_ids, &d_ids, 64)?;
        Ok(map_of(data, val, &s))
    };
    let mut tcfg = cfg.train.clone();
    tcfg.seed = cfg.seed.wrapping_add(k as u64);
    let start = Instant::now();
    let history = train(&model, &mut vs, &rd, tr, &tcfg, &mut validate)?;
    let train_seconds = start.elapsed().as_secs_f64();

    let val_neural = score_all(&model, &val_ids, &d_ids, 64)?;
    let val_bm25: Vec<Vec<f64>> = val.iter().map(|q| bm25.scores[*q].clone()).collect();
    let mixed = |w: f64, b: &[Vec<f64>], n: &[Vec<f64>]| -> Vec<Vec<f64>> {
        b.iter().zip(n).map(|(b, n)| mix::mix(b, n, w)).collect()
    };
    let (w, val_map_mix) = mix::choose_weight(&mix::grid(cfg.mix_grid), |w| {
        map_of(data, val, &mixed(w, &val_bm25, &val_neural))
    });
    let test_ids = q_ids.f_index_select(0, &index_tensor(test))?;
    let test_neural = score_all(&model, &test_ids, &d_ids, 64)?;
    let test_rows = test
        .iter()
        .zip(test_neural)
        .map(|(q, n)| {
            let b = bm25.scores[*q].clone();
            TestScores {
                query: *q,
                mix: mix::mix(&b, &n, w),
                bm25: b,
                ranker: n,
                prior: prior.clone(),
            }
        })
        .collect();
    let result = FoldResult {
        fold: k,
        train_queries: tr.len(),
        val_queries: val.len(),
        test_queries: test.iter().map(|q| data.queries[*q].0.clone()).collect(),
        vocab_size: vocab.len(),
        bm25_weight: w,
        val_map_bm25: map_of(data, val, &val_bm25),
        val_map_ranker: map_of(data, val, &val_neural),
        val_map_mix,
        history,
        train_seconds,
    };
    let saved = AttentiveRankerConfig {
        bm25_weight: w,
        ..rc
    };
    Ok(Fold {
        result,
        test: test_rows,
        model: (vs, saved, vocab),
    })
}

/// The published AILA 2019 runs (none could be verified here; see the report).
pub fn anchors() -> Vec<Anchor> {
    Vec::new()
}

/// Pooled measures of `run` plus the recall curve.
fn method_result(
    key: &str,
    name: &str,
    run: &Run,
    fold_runs: &[Run],
    data: &Aila,
    cfg: &LegalRetrievalConfig,
) -> MethodResult {
    let mut ks: Vec<usize> = (1..=cfg.curve_depth).collect();
    ks.extend(cfg.ks.iter().copied());
    ks.sort_unstable();
    ks.dedup();
    let all = metrics::evaluate(run, &data.qrels, &ks);
    let keep = metrics::names(&cfg.ks);
    let mean: Measures = all
        .mean
        .iter()
        .filter(|(k, _)| keep.contains(k))
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    let recall_curve = (1..=cfg.curve_depth)
        .map(|k| all.mean.get(&format!("recall_{k}")).copied().unwrap_or(0.0))
        .collect();
    let fold_map = fold_runs
        .iter()
        .map(|r| {
            let e = metrics::evaluate(r, &data.qrels, &[10]);
            mean_of(e.per_query.values())
                .get("map")
                .copied()
                .unwrap_or(0.0)
        })
        .collect();
    MethodResult {
        key: key.to_string(),
        name: name.to_string(),
        mean,
        fold_map,
        recall_curve,
    }
}

/// The whole reproduction.
pub fn run(cfg: &LegalRetrievalConfig, opts: &ReproOptions) -> Result<LegalRetrievalMetrics> {
    cfg.validate()?;
    let dir = opts.dataset(&AILA)?;
    let data = data::load(&dir)?;
    let bm25 = bm25_all(&data)?;
    let pos = positions(&data);
    let relevant: Vec<Vec<usize>> = data
        .queries
        .iter()
        .map(|(q, _)| {
            data.qrels
                .relevant(q)
                .into_iter()
                .filter_map(|d| pos.get(d).copied())
                .collect()
        })
        .collect();
    let splits = folds(data.queries.len(), cfg);
    let mut pooled: Vec<Run> = METHODS.iter().map(|_| Run::new()).collect();
    let mut per_fold: Vec<Vec<Run>> = METHODS.iter().map(|_| Vec::new()).collect();
    let mut fold_results = Vec::new();
    let mut first_model = None;
    for (k, split) in splits.iter().enumerate().take(cfg.run_folds) {
        let fold = run_fold(&data, &bm25, &relevant, k, split, cfg)?;
        let mut runs: Vec<Run> = METHODS.iter().map(|_| Run::new()).collect();
        for t in &fold.test {
            let qid = &data.queries[t.query].0;
            for (r, s) in runs.iter_mut().zip([&t.bm25, &t.prior, &t.ranker, &t.mix]) {
                r.set(qid, scored(&data, s));
            }
        }
        for (i, r) in runs.into_iter().enumerate() {
            pooled[i].extend(r.clone());
            per_fold[i].push(r);
        }
        fold_results.push(fold.result);
        if first_model.is_none() {
            first_model = Some(fold.model);
        }
    }
    let results = ResultsDir::at(&opts.out)?;
    for ((key, _), run) in METHODS.iter().zip(&pooled) {
        run.write(&results.file(&format!("runs/{key}.txt")), key)?;
    }
    let methods: Vec<MethodResult> = METHODS
        .iter()
        .zip(pooled.iter().zip(&per_fold))
        .map(|((key, name), (run, folds))| method_result(key, name, run, folds, &data, cfg))
        .collect();
    let get = |key: &str, m: &str| -> f64 {
        methods
            .iter()
            .find(|x| x.key == key)
            .and_then(|x| x.mean.get(m).copied())
            .unwrap_or(0.0)
    };
    let goals = Goals {
        mix_beats_bm25_map: get("mix", "map") > get("bm25", "map"),
        mix_beats_bm25_recall_10: get("mix", "recall_10") > get("bm25", "recall_10"),
    };
    let metrics = LegalRetrievalMetrics {
        data: dir.display().to_string(),
        queries: data.queries.len(),
        statutes: data.statutes.len(),
        relevant_pairs: data
            .queries
            .iter()
            .map(|(q, _)| data.qrels.relevant(q).len())
            .sum(),
        tested_queries: pooled[0].len(),
        methods,
        folds: fold_results,
        anchors: anchors(),
        goals,
        seed: cfg.seed,
    };
    if let Some((vs, rc, vocab)) = first_model {
        let model_dir = results.file("model");
        save_model(&model_dir, &vs, &rc, metrics.folds.first())?;
        vocab.save(&model_dir.join("vocab.json"))?;
    }
    super::report::write_plots(&metrics, &results)?;
    super::report::write(cfg, &metrics, &results)?;
    Ok(metrics)
}
