//! Training and scoring of the [`AttentiveRanker`]: a listwise softmax loss over one relevant
//! statute and `negatives` non-relevant ones per query (a share drawn from BM25's top list — the
//! hard negatives of the paper — the rest uniformly from the corpus), Adam, the weights of the
//! best validation measure kept.

use serde::{Deserialize, Serialize};
use tch::nn::{OptimizerConfig, VarStore};
use tch::{Kind, Tensor};

use deepfield_core::train::Snapshot;
use deepfield_core::Rng;

use super::ranker::AttentiveRanker;
use crate::{Error, Result};

/// Training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RankerTrainConfig {
    pub steps: usize,
    /// Queries per step (each with one relevant statute and `negatives` others).
    pub batch_queries: usize,
    pub negatives: usize,
    /// Share of the negatives drawn from BM25's top `hard_depth` non-relevant statutes.
    pub hard_fraction: f64,
    pub hard_depth: usize,
    pub lr: f64,
    pub weight_decay: f64,
    /// Validate every this many steps (0: only at the end).
    pub eval_every: usize,
    pub seed: u64,
}

impl Default for RankerTrainConfig {
    fn default() -> Self {
        RankerTrainConfig {
            steps: 400,
            batch_queries: 4,
            negatives: 7,
            hard_fraction: 0.5,
            hard_depth: 30,
            lr: 1e-3,
            weight_decay: 0.0,
            eval_every: 50,
            seed: 0,
        }
    }
}

impl RankerTrainConfig {
    /// Check the values.
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 || self.batch_queries == 0 || self.negatives == 0 {
            return Err(Error::config(
                "ranker training: steps, batch_queries and negatives must be ≥ 1",
            ));
        }
        if !(0.0..=1.0).contains(&self.hard_fraction) || self.lr.is_nan() || self.lr <= 0.0 {
            return Err(Error::config(
                "ranker training: hard_fraction must be in [0, 1] and lr > 0",
            ));
        }
        Ok(())
    }
}

/// What training reads: every query's and statute's word ids and, per query, its relevant
/// statutes and BM25's ranking of the corpus (statute indices).
pub struct RankData<'a> {
    /// `[Q, S, W]`.
    pub queries: &'a Tensor,
    /// `[N, S, W]`.
    pub docs: &'a Tensor,
    /// Per query: indices into `docs` of its relevant statutes.
    pub relevant: &'a [Vec<usize>],
    /// Per query: BM25's ranking (indices into `docs`), best first.
    pub bm25: &'a [Vec<usize>],
}

/// One validation point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainPoint {
    pub step: usize,
    pub loss: f64,
    pub validation: f64,
}

/// Train `model` (weights in `vs`) on the queries `train_q`; `validate` is called every
/// `eval_every` steps and at the end, and the weights of its best value are kept.
pub fn train(
    model: &AttentiveRanker,
    vs: &mut VarStore,
    data: &RankData,
    train_q: &[usize],
    cfg: &RankerTrainConfig,
    validate: &mut dyn FnMut(&AttentiveRanker) -> Result<f64>,
) -> Result<Vec<TrainPoint>> {
    cfg.validate()?;
    let n_docs = data.docs.size()[0] as usize;
    let usable: Vec<usize> = train_q
        .iter()
        .copied()
        .filter(|q| !data.relevant[*q].is_empty())
        .collect();
    if usable.is_empty() || n_docs < cfg.negatives + 1 {
        return Err(Error::input(
            "ranker training: no training query has a relevant statute in the corpus, or the \
             corpus is smaller than negatives + 1",
        ));
    }
    let mut opt = tch::nn::AdamW {
        wd: cfg.weight_decay,
        ..Default::default()
    }
    .build(vs, cfg.lr)?;
    let mut rng = Rng::new(cfg.seed);
    let mut best_weights = Snapshot::take(vs);
    let mut best = f64::NEG_INFINITY;
    let mut history = Vec::new();
    // Losses summed on the device, read once per evaluation (no host sync per step).
    let mut running: Option<Tensor> = None;
    let group = 1 + cfg.negatives;
    for step in 1..=cfg.steps {
        let mut qs = Vec::with_capacity(cfg.batch_queries);
        let mut ds = Vec::with_capacity(cfg.batch_queries * group);
        for _ in 0..cfg.batch_queries {
            let q = usable[rng.below(usable.len())];
            let rel = &data.relevant[q];
            qs.push(q as i64);
            ds.push(rel[rng.below(rel.len())] as i64);
            let hard: Vec<usize> = data.bm25[q]
                .iter()
                .take(cfg.hard_depth)
                .copied()
                .filter(|d| !rel.contains(d))
                .collect();
            let n_hard =
                ((cfg.negatives as f64 * cfg.hard_fraction).round() as usize).min(hard.len());
            let mut picked: Vec<usize> = Vec::with_capacity(cfg.negatives);
            while picked.len() < n_hard {
                picked.push(hard[rng.below(hard.len())]);
            }
            while picked.len() < cfg.negatives {
                let d = rng.below(n_docs);
                if !rel.contains(&d) {
                    picked.push(d);
                }
            }
            ds.extend(picked.into_iter().map(|d| d as i64));
        }
        let qi = Tensor::from_slice(&qs);
        let di = Tensor::from_slice(&ds);
        let q_enc = model.encode(&data.queries.f_index_select(0, &qi)?, true)?;
        let qv = model.query_vectors(&q_enc)?; // [Bq, D]
        let qv = qv
            .f_unsqueeze(1)?
            .f_expand([-1, group as i64, -1], false)?
            .f_reshape([-1, qv.size()[1]])?;
        let d_enc = model.encode(&data.docs.f_index_select(0, &di)?, true)?;
        let scores = model.score(&qv, &d_enc)?.f_view([-1, group as i64])?;
        let target = Tensor::zeros([cfg.batch_queries as i64], (Kind::Int64, scores.device()));
        let loss = scores.f_cross_entropy_loss::<Tensor>(
            &target,
            None,
            tch::Reduction::Mean,
            -100,
            0.0,
        )?;
        opt.backward_step(&loss);
        let l = loss.detach();
        running = Some(match running.take() {
            Some(r) => r.f_add(&l)?,
            None => l,
        });
        let at_eval = (cfg.eval_every > 0 && step % cfg.eval_every == 0) || step == cfg.steps;
        if at_eval {
            let v = tch::no_grad(|| validate(model))?;
            let n = if cfg.eval_every > 0 {
                cfg.eval_every.min(step)
            } else {
                step
            };
            history.push(TrainPoint {
                step,
                loss: match running.take() {
                    Some(r) => r.f_double_value(&[])? / n as f64,
                    None => 0.0,
                },
                validation: v,
            });
            if v > best {
                best = v;
                best_weights = Snapshot::take(vs);
            }
        }
    }
    best_weights.restore(vs)?;
    Ok(history)
}

/// Ranker scores `[Q][N]` of every query against every statute (no gradients; statutes encoded
/// once, in chunks of `chunk`).
pub fn score_all(
    model: &AttentiveRanker,
    queries: &Tensor,
    docs: &Tensor,
    chunk: i64,
) -> Result<Vec<Vec<f64>>> {
    tch::no_grad(|| {
        let n = docs.size()[0];
        let mut encoded = Vec::new();
        let mut start = 0;
        while start < n {
            let len = chunk.max(1).min(n - start);
            encoded.push(model.encode(&docs.f_narrow(0, start, len)?, false)?);
            start += len;
        }
        let q_enc = model.encode(queries, false)?;
        let qv = model.query_vectors(&q_enc)?;
        let mut out = Vec::with_capacity(qv.size()[0] as usize);
        for i in 0..qv.size()[0] {
            let mut row = Vec::with_capacity(n as usize);
            for enc in &encoded {
                let m = enc.sentences.size()[0];
                let q = qv.f_get(i)?.f_unsqueeze(0)?.f_expand([m, -1], false)?;
                let s = model.score(&q, enc)?;
                row.extend(Vec::<f64>::try_from(s.f_to_kind(Kind::Double)?)?);
            }
            out.push(row);
        }
        Ok(out)
    })
}
