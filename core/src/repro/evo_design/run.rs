//! The three searches over the same design space and evaluation budget: random search,
//! evolution (GA), and evolution whose children are pre-screened by the neural surrogate.
//! Every call of the flow solver counts as one evaluation; designs that fail the geometry
//! checks (crossing surfaces, too thin) are redrawn before the solver and do not count, for
//! every method alike.

use serde::{Deserialize, Serialize};

use super::design::{self, Scored};
use super::surrogate::Surrogate;
use super::EvoDesignConfig;
use crate::hpo::evolution::Evolution;
use crate::hpo::{Direction, Params, Space, Trial, TrialState};
use crate::rng::Rng;
use crate::{Error, Result};

/// The search methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Random,
    Evolution,
    EvolutionSurrogate,
}

impl Method {
    pub const ALL: [Method; 3] = [
        Method::Random,
        Method::Evolution,
        Method::EvolutionSurrogate,
    ];

    /// The name in tables and plots.
    pub fn label(self) -> &'static str {
        match self {
            Method::Random => "random search",
            Method::Evolution => "evolution (GA)",
            Method::EvolutionSurrogate => "evolution + surrogate",
        }
    }
}

/// One run: every evaluation in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunLog {
    pub method: Method,
    pub seed: u64,
    pub evaluations: Vec<Scored>,
    /// Designs redrawn because their geometry failed the checks (not evaluations).
    pub geometry_rejections: usize,
    /// Seconds of wall time.
    pub seconds: f64,
    /// Surrogate quality on the next generation it screened (Spearman rank correlation of
    /// predicted vs solver L/D over the evaluated children, averaged over generations).
    #[serde(default)]
    pub surrogate_rank_corr: Option<f64>,
}

impl RunLog {
    /// Best L/D after each evaluation (0 until the first feasible one).
    pub fn best_so_far(&self) -> Vec<f64> {
        let mut best = 0.0f64;
        self.evaluations
            .iter()
            .map(|e| {
                if let Some(v) = e.ld {
                    best = best.max(v);
                }
                best
            })
            .collect()
    }

    /// The best evaluation.
    pub fn best(&self) -> Option<&Scored> {
        self.evaluations
            .iter()
            .filter(|e| e.ld.is_some())
            .max_by(|a, b| a.ld.unwrap_or(0.0).total_cmp(&b.ld.unwrap_or(0.0)))
    }

    /// The first evaluation count (1-based) at which the best L/D reaches `target`.
    pub fn evals_to_reach(&self, target: f64) -> Option<usize> {
        self.best_so_far()
            .iter()
            .position(|&b| b >= target)
            .map(|i| i + 1)
    }
}

/// Draw a design that passes the geometry checks (at most 10 000 tries).
fn feasible_uniform(
    cfg: &EvoDesignConfig,
    space: &Space,
    rng: &mut Rng,
    rejected: &mut usize,
) -> Result<Params> {
    for _ in 0..10_000 {
        let p = space.sample_uniform(rng);
        if design::feasible(cfg, &p) {
            return Ok(p);
        }
        *rejected += 1;
    }
    Err(Error::config(
        "evo-design: no geometrically feasible design in 10 000 random draws; widen the weight ranges or lower min_thickness",
    ))
}

fn history(evals: &[Scored]) -> Vec<Trial> {
    evals
        .iter()
        .enumerate()
        .map(|(i, e)| Trial {
            number: i as u64,
            params: e.params.clone(),
            state: if e.ld.is_some() {
                TrialState::Complete
            } else {
                TrialState::Failed
            },
            value: e.ld,
            intermediate: vec![],
        })
        .collect()
}

/// Children of the current population that pass the geometry checks (`n` of them).
fn feasible_children(
    cfg: &EvoDesignConfig,
    evo: &Evolution,
    space: &Space,
    evals: &[Scored],
    n: usize,
    rng: &mut Rng,
    rejected: &mut usize,
) -> Result<Vec<Params>> {
    let hist = history(evals);
    let mut out = Vec::with_capacity(n);
    let mut tries = 0;
    while out.len() < n {
        tries += 1;
        if tries > 100 * n + 10_000 {
            return Err(Error::config(
                "evo-design: the population produces no geometrically feasible children",
            ));
        }
        let c = evo
            .generation(space, &hist, Direction::Maximize, 1, rng)?
            .pop()
            .ok_or_else(|| Error::input("evo-design: empty generation"))?;
        if design::feasible(cfg, &c) {
            out.push(c);
        } else {
            *rejected += 1;
        }
    }
    Ok(out)
}

fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|&i, &j| v[i].total_cmp(&v[j]));
        let mut r = vec![0.0; v.len()];
        for (k, &i) in idx.iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let m = (n - 1.0) / 2.0;
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - m) * (y - m)).sum();
    let var: f64 = ra.iter().map(|x| (x - m).powi(2)).sum();
    if var > 0.0 {
        cov / var
    } else {
        0.0
    }
}

/// One method, one seed, `cfg.budget` solver evaluations.
pub fn run(cfg: &EvoDesignConfig, method: Method, seed: u64) -> Result<RunLog> {
    let start = std::time::Instant::now();
    let space = design::space(cfg)?;
    // The same stream for the initial population of every method.
    let mut rng = Rng::new(seed);
    let evo = Evolution::new(cfg.evolution.clone())?;
    let mut evals: Vec<Scored> = Vec::with_capacity(cfg.budget);
    let mut rejected = 0;
    let mut corr = Vec::new();
    let evaluate = |p: &Params, evals: &mut Vec<Scored>| -> Result<()> {
        evals.push(design::score(cfg, p)?.0);
        Ok(())
    };
    let init = cfg.evolution.population.min(cfg.budget);
    for _ in 0..init {
        let p = feasible_uniform(cfg, &space, &mut rng, &mut rejected)?;
        evaluate(&p, &mut evals)?;
    }
    let mut generation = 0u64;
    while evals.len() < cfg.budget {
        let k = cfg.children_per_generation.min(cfg.budget - evals.len());
        generation += 1;
        let batch: Vec<Params> = match method {
            Method::Random => (0..k)
                .map(|_| feasible_uniform(cfg, &space, &mut rng, &mut rejected))
                .collect::<Result<_>>()?,
            Method::Evolution => {
                feasible_children(cfg, &evo, &space, &evals, k, &mut rng, &mut rejected)?
            }
            Method::EvolutionSurrogate => {
                let n = cfg.surrogate.candidates.max(k);
                let cands =
                    feasible_children(cfg, &evo, &space, &evals, n, &mut rng, &mut rejected)?;
                let data: Vec<(&Params, Option<f64>)> =
                    evals.iter().map(|e| (&e.params, e.ld)).collect();
                if data.iter().filter(|d| d.1.is_some()).count() < 2 {
                    // Too few feasible designs to learn from yet: plain evolution this time.
                    cands.into_iter().take(k).collect()
                } else {
                    let s = Surrogate::fit(
                        &cfg.surrogate,
                        &space,
                        &data,
                        seed.wrapping_mul(1000) + generation,
                    )?;
                    let refs: Vec<&Params> = cands.iter().collect();
                    let pred = s.predict(&space, &refs)?;
                    let mut order: Vec<usize> = (0..cands.len()).collect();
                    order.sort_by(|&a, &b| pred[b].total_cmp(&pred[a]));
                    let chosen: Vec<usize> = order.into_iter().take(k).collect();
                    let before = evals.len();
                    for &i in &chosen {
                        evaluate(&cands[i], &mut evals)?;
                    }
                    let got: Vec<(f64, f64)> = chosen
                        .iter()
                        .zip(&evals[before..])
                        .filter_map(|(&i, e)| e.ld.map(|v| (pred[i], v)))
                        .collect();
                    if got.len() >= 3 {
                        let (p, t): (Vec<f64>, Vec<f64>) = got.into_iter().unzip();
                        corr.push(spearman(&p, &t));
                    }
                    continue;
                }
            }
        };
        for p in &batch {
            evaluate(p, &mut evals)?;
        }
    }
    Ok(RunLog {
        method,
        seed,
        evaluations: evals,
        geometry_rejections: rejected,
        seconds: start.elapsed().as_secs_f64(),
        surrogate_rank_corr: (!corr.is_empty())
            .then(|| corr.iter().sum::<f64>() / corr.len() as f64),
    })
}
