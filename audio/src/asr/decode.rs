//! CTC decoding: greedy (best class per frame, repeats merged, blanks removed) and prefix beam
//! search (Hannun et al. 2014, "First-Pass Large Vocabulary Continuous Speech Recognition using
//! Bi-Directional Recurrent DNNs") with an optional n-gram LM over the same units.
//!
//! Posteriors are natural-log probabilities `[T][1 + units]`, class 0 the blank, class `u + 1`
//! unit `u`. With an LM, each unit added to a prefix scores `α · ln P_LM(u | prefix) + β`
//! (β: insertion bonus), and the end of the sentence `α · ln P_LM(</s> | prefix)`.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::lm::NGram;

/// Beam-search settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BeamConfig {
    /// Prefixes kept per frame.
    pub width: usize,
    /// Classes tried per frame (the most probable ones).
    pub per_frame: usize,
    /// LM weight α.
    pub lm_weight: f64,
    /// Insertion bonus β per unit.
    pub bonus: f64,
}

impl Default for BeamConfig {
    fn default() -> Self {
        BeamConfig {
            width: 8,
            per_frame: 8,
            lm_weight: 0.5,
            bonus: 1.0,
        }
    }
}

/// Best path: argmax per frame, repeats merged, blanks dropped; unit indices.
pub fn greedy(logp: &[Vec<f32>]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut prev = 0usize;
    for row in logp {
        let best = row
            .iter()
            .enumerate()
            .fold(
                (0, f32::NEG_INFINITY),
                |b, (i, &v)| if v > b.1 { (i, v) } else { b },
            )
            .0;
        if best != 0 && best != prev {
            out.push(best - 1);
        }
        prev = best;
    }
    out
}

fn lse(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

/// Probabilities of a prefix ending in blank / in its last unit, and its LM score so far.
#[derive(Debug, Clone, Copy)]
struct Entry {
    blank: f64,
    unit: f64,
    lm: f64,
}

impl Entry {
    fn new(lm: f64) -> Self {
        Entry {
            blank: f64::NEG_INFINITY,
            unit: f64::NEG_INFINITY,
            lm,
        }
    }
    fn score(&self) -> f64 {
        lse(self.blank, self.unit) + self.lm
    }
}

/// Prefix beam search; `lm` with the weight and bonus of `cfg`. Returns unit indices.
pub fn beam_search(logp: &[Vec<f32>], lm: Option<&NGram>, cfg: &BeamConfig) -> Vec<usize> {
    let unit_score = |prefix: &[usize], u: usize| match lm {
        Some(m) => cfg.lm_weight * m.log_prob(prefix, u) + cfg.bonus,
        None => cfg.bonus,
    };
    let mut beams: HashMap<Vec<usize>, Entry> = HashMap::new();
    beams.insert(
        Vec::new(),
        Entry {
            blank: 0.0,
            unit: f64::NEG_INFINITY,
            lm: 0.0,
        },
    );
    for row in logp {
        let mut cand: Vec<usize> = (1..row.len()).collect();
        cand.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
        cand.truncate(cfg.per_frame.max(1));
        let blank = row.first().copied().unwrap_or(f32::NEG_INFINITY) as f64;
        let mut next: HashMap<Vec<usize>, Entry> = HashMap::new();
        for (prefix, e) in &beams {
            let cur = next.entry(prefix.clone()).or_insert(Entry::new(e.lm));
            cur.blank = lse(cur.blank, lse(e.blank, e.unit) + blank);
            for &c in &cand {
                let u = c - 1;
                let p = row[c] as f64;
                if prefix.last() == Some(&u) {
                    // Repeat without a blank between: the same prefix.
                    let cur = next.entry(prefix.clone()).or_insert(Entry::new(e.lm));
                    cur.unit = lse(cur.unit, e.unit + p);
                    // After a blank: the unit once more.
                    let mut ext = prefix.clone();
                    ext.push(u);
                    let lm_ext = e.lm + unit_score(prefix, u);
                    let n = next.entry(ext).or_insert(Entry::new(lm_ext));
                    n.unit = lse(n.unit, e.blank + p);
                } else {
                    let mut ext = prefix.clone();
                    ext.push(u);
                    let lm_ext = e.lm + unit_score(prefix, u);
                    let n = next.entry(ext).or_insert(Entry::new(lm_ext));
                    n.unit = lse(n.unit, lse(e.blank, e.unit) + p);
                }
            }
        }
        let mut all: Vec<(Vec<usize>, Entry)> = next.into_iter().collect();
        all.sort_by(|a, b| {
            b.1.score()
                .total_cmp(&a.1.score())
                .then_with(|| a.0.cmp(&b.0))
        });
        all.truncate(cfg.width.max(1));
        beams = all.into_iter().collect();
    }
    let end = |prefix: &[usize]| match lm {
        Some(m) => cfg.lm_weight * m.log_prob(prefix, m.vocab),
        None => 0.0,
    };
    beams
        .into_iter()
        .map(|(p, e)| {
            let s = e.score() + end(&p);
            (p, s)
        })
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|x| x.0)
        .unwrap_or_default()
}
