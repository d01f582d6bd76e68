//! IR metrics with `trec_eval`'s definitions (checked against `pytrec_eval`, trec_eval 9.0.8's
//! code, on a fixture: `text/tests/fixtures/trec_metrics.json`).
//!
//! Per query, with the ranking ordered as trec_eval orders it (score descending, ties by docid
//! descending), `R` = judged documents with grade ≥ 1, `N` = judged documents with grade ≤ 0:
//! * `map` — average precision: Σ over relevant retrieved documents of the precision at their
//!   rank, divided by `R`;
//! * `P_k` — relevant documents in the top `k` over `k` (a shorter ranking still divides by `k`);
//! * `recall_k` — relevant documents in the top `k` over `R`;
//! * `bpref` — (1/R) Σ over relevant retrieved `r` of `1 − min(n_r, R) / min(R, N)`, `n_r` the
//!   judged non-relevant documents ranked above `r` (a relevant document with `n_r = 0` counts 1);
//!   unjudged documents are skipped;
//! * `ndcg_cut_k` — DCG of the top `k` with gain = grade and discount `log2(rank + 1)`, over the
//!   DCG of the ideal ordering of the judged grades;
//! * `recip_rank` — 1 / rank of the first relevant document;
//! * `F2_k` — COLIEE's F2 of the top-`k` set: `P = rel_k / k`, `Rc = rel_k / R`,
//!   `F2 = 5·P·Rc / (4·P + Rc)` (0 when both are 0), averaged over queries (COLIEE's macro
//!   average since 2020; not in trec_eval).
//!
//! The mean over queries is taken over the queries that are both in the run and in the qrels
//! (trec_eval's default; a query without a relevant document scores 0).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::read::trec::{Qrels, Run};

/// One query's (or the mean's) measures by trec_eval name (`map`, `P_10`, `recall_20`, …).
pub type Measures = BTreeMap<String, f64>;

/// The measures of a whole run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Each evaluated query's measures.
    pub per_query: BTreeMap<String, Measures>,
    /// The mean over the evaluated queries.
    pub mean: Measures,
}

/// The measure names [`measures`] computes for cut-offs `ks`.
pub fn names(ks: &[usize]) -> Vec<String> {
    let mut v = vec!["map".to_string(), "bpref".into(), "recip_rank".into()];
    for k in ks {
        for m in ["P", "recall", "ndcg_cut", "F2"] {
            v.push(format!("{m}_{k}"));
        }
    }
    v
}

/// One query's measures: `ranking` best first, `judged` its judgements.
pub fn measures(ranking: &[&str], judged: &BTreeMap<String, i32>, ks: &[usize]) -> Measures {
    let r = judged.values().filter(|g| **g >= 1).count();
    let n = judged.values().filter(|g| **g <= 0).count();
    let grade = |d: &str| judged.get(d).copied();
    let mut out = Measures::new();

    let (mut hits, mut ap, mut bpref, mut nonrel, mut rr) = (0usize, 0.0, 0.0, 0usize, 0.0);
    for (i, d) in ranking.iter().enumerate() {
        match grade(d) {
            Some(g) if g >= 1 => {
                hits += 1;
                ap += hits as f64 / (i + 1) as f64;
                if rr == 0.0 {
                    rr = 1.0 / (i + 1) as f64;
                }
                bpref += if nonrel > 0 {
                    1.0 - nonrel.min(r) as f64 / r.min(n) as f64
                } else {
                    1.0
                };
            }
            Some(_) => nonrel += 1,
            None => {}
        }
    }
    let per_rel = |x: f64| if r == 0 { 0.0 } else { x / r as f64 };
    out.insert("map".into(), per_rel(ap));
    out.insert("bpref".into(), per_rel(bpref));
    out.insert("recip_rank".into(), rr);

    let mut ideal: Vec<i32> = judged.values().copied().filter(|g| *g > 0).collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let dcg = |gains: &mut dyn Iterator<Item = i32>, k: usize| -> f64 {
        gains
            .take(k)
            .enumerate()
            .map(|(i, g)| g.max(0) as f64 / ((i + 2) as f64).log2())
            .sum()
    };
    for &k in ks {
        let rel_k = ranking
            .iter()
            .take(k)
            .filter(|d| grade(d).is_some_and(|g| g >= 1))
            .count() as f64;
        let p = rel_k / k as f64;
        let rec = per_rel(rel_k);
        let f2 = if p + rec > 0.0 {
            5.0 * p * rec / (4.0 * p + rec)
        } else {
            0.0
        };
        let got = dcg(&mut ranking.iter().map(|d| grade(d).unwrap_or(0)), k);
        let best = dcg(&mut ideal.iter().copied(), k);
        out.insert(format!("P_{k}"), p);
        out.insert(format!("recall_{k}"), rec);
        out.insert(
            format!("ndcg_cut_{k}"),
            if best > 0.0 { got / best } else { 0.0 },
        );
        out.insert(format!("F2_{k}"), f2);
    }
    out
}

/// Every query of `run` that `qrels` judges, and their mean.
pub fn evaluate(run: &Run, qrels: &Qrels, ks: &[usize]) -> Evaluation {
    let mut per_query = BTreeMap::new();
    for q in run.queries() {
        let (Some(judged), Some(ranked)) = (qrels.judged(q), run.ranking(q)) else {
            continue;
        };
        let ranking: Vec<&str> = ranked.iter().map(|(d, _)| d.as_str()).collect();
        per_query.insert(q.to_string(), measures(&ranking, judged, ks));
    }
    let mean = mean_of(per_query.values());
    Evaluation { per_query, mean }
}

/// The mean of each measure over `rows` (empty when `rows` is).
pub fn mean_of<'a>(rows: impl Iterator<Item = &'a Measures>) -> Measures {
    let mut sum = Measures::new();
    let mut count = 0usize;
    for m in rows {
        count += 1;
        for (k, v) in m {
            *sum.entry(k.clone()).or_insert(0.0) += v;
        }
    }
    for v in sum.values_mut() {
        *v /= count.max(1) as f64;
    }
    sum
}
