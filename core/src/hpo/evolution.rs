//! An evolutionary (genetic-algorithm) sampler over any [`Space`]: integers, floats (log scales
//! included) and categorical choices, conditional parameters too.
//!
//! Survival is (μ + λ): the parent pool is the best `population` complete trials seen so far, so
//! the elite is never lost. Each child comes from two parents picked by tournament (size
//! `tournament`); with probability `crossover_prob` they are recombined gene by gene (uniform
//! crossover, or BLX-α blend crossover for numbers in the internal scale), then each number is
//! mutated with probability `mutation_prob` by a Gaussian step of `mutation_sigma` × its range in
//! the internal (log-transformed) scale, and each categorical is redrawn uniformly with that
//! probability. Until `population` trials are complete, children are uniform random (the
//! initial population).
//!
//! Everything random goes through the study's [`Rng`], so a seeded study is reproducible.
//! [`Evolution::generation`] proposes a whole generation at once (e.g. many children, of which
//! a surrogate model keeps the most promising — the evo-design reproduction does that).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::space::{Distribution, Param, Params, Space};
use super::{Direction, Sampler, Trial, TrialState};
use crate::rng::Rng;
use crate::{ensure_config, Result};

/// How two parents' numbers are recombined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Crossover {
    /// Each gene from either parent with probability ½.
    Uniform,
    /// BLX-α: numbers uniform in [min − α d, max + α d] of the two parents' values (internal
    /// scale, d their distance); categoricals as in uniform crossover.
    Blend { alpha: f64 },
}

/// The sampler's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EvolutionConfig {
    /// Parent pool size μ (also the size of the random initial population).
    pub population: usize,
    /// Tournament size for picking each parent.
    pub tournament: usize,
    pub crossover: Crossover,
    pub crossover_prob: f64,
    /// Per-gene mutation probability (`None`: 1 / number of parameters, at least 0.1).
    pub mutation_prob: Option<f64>,
    /// Gaussian mutation step, as a fraction of each parameter's internal-scale range.
    pub mutation_sigma: f64,
}

impl Default for EvolutionConfig {
    fn default() -> Self {
        EvolutionConfig {
            population: 20,
            tournament: 3,
            crossover: Crossover::Blend { alpha: 0.3 },
            crossover_prob: 0.9,
            mutation_prob: None,
            mutation_sigma: 0.1,
        }
    }
}

impl EvolutionConfig {
    /// Check sizes and probabilities.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.population >= 2,
            "evolution: population must be ≥ 2, got {}",
            self.population
        );
        ensure_config!(
            (1..=self.population).contains(&self.tournament),
            "evolution: tournament must be in 1..=population, got {}",
            self.tournament
        );
        ensure_config!(
            (0.0..=1.0).contains(&self.crossover_prob),
            "evolution: crossover_prob must be in [0, 1], got {}",
            self.crossover_prob
        );
        if let Some(p) = self.mutation_prob {
            ensure_config!(
                (0.0..=1.0).contains(&p),
                "evolution: mutation_prob must be in [0, 1], got {p}"
            );
        }
        ensure_config!(
            self.mutation_sigma > 0.0 && self.mutation_sigma.is_finite(),
            "evolution: mutation_sigma must be > 0, got {}",
            self.mutation_sigma
        );
        if let Crossover::Blend { alpha } = self.crossover {
            ensure_config!(
                (0.0..=2.0).contains(&alpha),
                "evolution: blend alpha must be in [0, 2], got {alpha}"
            );
        }
        Ok(())
    }
}

/// The evolutionary sampler.
#[derive(Debug, Clone)]
pub struct Evolution {
    pub config: EvolutionConfig,
}

impl Evolution {
    /// A sampler; fails on an invalid config.
    pub fn new(config: EvolutionConfig) -> Result<Self> {
        config.validate()?;
        Ok(Evolution { config })
    }

    /// The parent pool: the best `population` complete trials (as losses, best first).
    pub fn pool<'a>(&self, history: &'a [Trial], direction: Direction) -> Vec<(&'a Params, f64)> {
        let mut done: Vec<(&Params, f64, u64)> = history
            .iter()
            .filter(|t| t.state == TrialState::Complete)
            .filter_map(|t| {
                let v = t.value.filter(|v| v.is_finite())?;
                Some((&t.params, direction.to_loss(v), t.number))
            })
            .collect();
        // Ties broken by trial number, so the pool does not depend on the history's order.
        done.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.2.cmp(&b.2)));
        done.truncate(self.config.population);
        done.into_iter().map(|(p, l, _)| (p, l)).collect()
    }

    /// `n` children of the current pool (uniform random while the pool is not full).
    pub fn generation(
        &self,
        space: &Space,
        history: &[Trial],
        direction: Direction,
        n: usize,
        rng: &mut Rng,
    ) -> Result<Vec<Params>> {
        let pool = self.pool(history, direction);
        (0..n)
            .map(|_| self.child(space, &pool, rng))
            .collect::<Result<Vec<_>>>()
    }

    fn tournament<'a>(&self, pool: &[(&'a Params, f64)], rng: &mut Rng) -> &'a Params {
        let mut best = rng.below(pool.len());
        for _ in 1..self.config.tournament {
            let c = rng.below(pool.len());
            if pool[c].1 < pool[best].1 {
                best = c;
            }
        }
        pool[best].0
    }

    /// One child of `pool` (losses; smaller is better).
    pub fn child(&self, space: &Space, pool: &[(&Params, f64)], rng: &mut Rng) -> Result<Params> {
        if pool.len() < self.config.population {
            return Ok(space.sample_uniform(rng));
        }
        let a = self.tournament(pool, rng);
        let b = self.tournament(pool, rng);
        let cross = rng.uniform() < self.config.crossover_prob;
        let active = space
            .params
            .iter()
            .filter(|p| p.condition.is_none())
            .count()
            .max(1);
        let pm = self
            .config
            .mutation_prob
            .unwrap_or((1.0 / active as f64).max(0.1));
        space.fill(|p, _chosen| Ok(self.gene(p, a, b, cross, pm, rng)))
    }

    fn gene(
        &self,
        p: &Param,
        a: &Params,
        b: &Params,
        cross: bool,
        pm: f64,
        rng: &mut Rng,
    ) -> Value {
        let d = &p.distribution;
        let (va, vb) = (a.get(&p.name), b.get(&p.name));
        // A parameter only one parent has (a condition) comes from it; none: drawn anew.
        let (va, vb) = match (va, vb) {
            (Some(x), Some(y)) => (x, y),
            (Some(x), None) | (None, Some(x)) => (x, x),
            (None, None) => return d.sample_uniform(rng),
        };
        let (ia, ib) = match (d.to_internal(va), d.to_internal(vb)) {
            (Some(x), Some(y)) => (x, y),
            _ => return d.sample_uniform(rng),
        };
        let categorical = matches!(d, Distribution::Categorical { .. });
        let pick = if rng.uniform() < 0.5 { ia } else { ib };
        let mut x = if !cross {
            ia
        } else {
            match (self.config.crossover, categorical) {
                (Crossover::Blend { alpha }, false) => {
                    let (lo, hi) = (ia.min(ib), ia.max(ib));
                    let w = hi - lo;
                    lo - alpha * w + rng.uniform() * (1.0 + 2.0 * alpha) * w
                }
                _ => pick,
            }
        };
        if rng.uniform() < pm {
            if categorical {
                return d.sample_uniform(rng);
            }
            let (lo, hi) = (d.low_internal(), d.high_internal());
            x += rng.normal() * self.config.mutation_sigma * (hi - lo);
            // Reflect into the range so the bounds are not over-sampled.
            if x < lo {
                x = (2.0 * lo - x).min(hi);
            }
            if x > hi {
                x = (2.0 * hi - x).max(lo);
            }
        }
        if categorical {
            // The internal coordinate of a choice is its index; the middle of its cell maps back.
            return d.from_internal(x.floor() + 0.5);
        }
        d.from_internal(x)
    }
}

impl Sampler for Evolution {
    fn name(&self) -> &str {
        "evolution"
    }

    fn sample(
        &mut self,
        space: &Space,
        history: &[Trial],
        direction: Direction,
        rng: &mut Rng,
    ) -> Result<Params> {
        let pool = self.pool(history, direction);
        self.child(space, &pool, rng)
    }
}

/// A trial's values as a feature vector in [0, 1] per number (internal scale, so log
/// parameters are spread evenly) and one-hot per categorical; inactive parameters are zeros.
/// The input a surrogate model of the objective learns from.
pub fn features(space: &Space, params: &Params) -> Vec<f64> {
    let mut out = Vec::new();
    for p in &space.params {
        let d = &p.distribution;
        let v = params.get(&p.name).and_then(|v| d.to_internal(v));
        match d {
            Distribution::Categorical { choices } => {
                let mut one_hot = vec![0.0; choices.len()];
                if let Some(i) = v {
                    if let Some(slot) = one_hot.get_mut(i as usize) {
                        *slot = 1.0;
                    }
                }
                out.extend(one_hot);
            }
            _ => {
                let (lo, hi) = (d.low_internal(), d.high_internal());
                out.push(v.map_or(0.0, |x| ((x - lo) / (hi - lo).max(1e-12)).clamp(0.0, 1.0)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn space() -> Space {
        Space::from_json(
            r#"{"params": [
                {"name": "x0", "type": "float", "low": -5.0, "high": 5.0},
                {"name": "x1", "type": "float", "low": -5.0, "high": 5.0},
                {"name": "x2", "type": "float", "low": -5.0, "high": 5.0},
                {"name": "x3", "type": "float", "low": -5.0, "high": 5.0},
                {"name": "lr", "type": "float", "low": 1e-4, "high": 1.0, "log": true},
                {"name": "k", "type": "int", "low": 0, "high": 20},
                {"name": "act", "type": "categorical", "choices": ["relu", "tanh", "gelu", "elu"]}
            ]}"#,
            "test",
        )
        .unwrap()
    }

    /// A shifted sphere with a log-scale, an integer and a categorical term; minimum 0.
    fn objective(p: &Params) -> f64 {
        let f = |k: &str| p[k].as_f64().unwrap();
        let mut s = 0.0;
        for (i, k) in ["x0", "x1", "x2", "x3"].iter().enumerate() {
            s += (f(k) - (i as f64 - 1.5)).powi(2);
        }
        s += (f("lr").log10() + 2.0).powi(2);
        s += ((p["k"].as_i64().unwrap() - 13) as f64).powi(2) / 10.0;
        s += if p["act"] == "gelu" { 0.0 } else { 2.0 };
        s
    }

    fn run(sampler: &mut dyn Sampler, seed: u64, budget: usize) -> (f64, Vec<Params>) {
        let s = space();
        let mut rng = Rng::new(seed);
        let mut history: Vec<Trial> = Vec::new();
        let mut best = f64::INFINITY;
        for n in 0..budget {
            let params = sampler
                .sample(&s, &history, Direction::Minimize, &mut rng)
                .unwrap();
            for (k, v) in &params {
                assert!(s.get(k).unwrap().distribution.contains(v), "{k}={v}");
            }
            let value = objective(&params);
            best = best.min(value);
            history.push(Trial {
                number: n as u64,
                params,
                state: TrialState::Complete,
                value: Some(value),
                intermediate: vec![],
            });
        }
        (best, history.into_iter().map(|t| t.params).collect())
    }

    struct Random;
    impl Sampler for Random {
        fn name(&self) -> &str {
            "random"
        }
        fn sample(
            &mut self,
            s: &Space,
            _: &[Trial],
            _: Direction,
            rng: &mut Rng,
        ) -> Result<Params> {
            Ok(s.sample_uniform(rng))
        }
    }

    #[test]
    fn beats_random_search_on_a_mixed_space() {
        let (mut ga, mut rs) = (0.0, 0.0);
        for seed in 0..5 {
            let mut e = Evolution::new(EvolutionConfig::default()).unwrap();
            ga += run(&mut e, seed, 300).0 / 5.0;
            rs += run(&mut Random, seed, 300).0 / 5.0;
        }
        // Random search's best over 300 trials stays several units away; the GA gets close.
        assert!(ga < 0.5 * rs, "evolution {ga:.3} vs random {rs:.3}");
        assert!(ga < 1.5, "evolution best {ga:.3}");
    }

    #[test]
    fn is_deterministic_under_a_seed() {
        let mut a = Evolution::new(EvolutionConfig::default()).unwrap();
        let mut b = Evolution::new(EvolutionConfig::default()).unwrap();
        let (ba, ha) = run(&mut a, 7, 80);
        let (bb, hb) = run(&mut b, 7, 80);
        assert_eq!(ha, hb);
        assert_eq!(ba, bb);
        let (_, hc) = run(&mut b, 8, 80);
        assert_ne!(ha, hc);
    }

    #[test]
    fn uniform_crossover_conditionals_and_features() {
        let s = Space::from_json(
            r#"{"params": [
                {"name": "opt", "type": "categorical", "choices": ["sgd", "adam"]},
                {"name": "momentum", "type": "float", "low": 0.0, "high": 0.99,
                 "condition": {"param": "opt", "values": ["sgd"]}},
                {"name": "n", "type": "int", "low": 1, "high": 9, "step": 2}
            ]}"#,
            "t",
        )
        .unwrap();
        let cfg = EvolutionConfig {
            crossover: Crossover::Uniform,
            population: 4,
            ..Default::default()
        };
        let e = Evolution::new(cfg).unwrap();
        let mut rng = Rng::new(1);
        let history: Vec<Trial> = (0..8)
            .map(|i| Trial {
                number: i,
                params: s.sample_uniform(&mut rng),
                state: TrialState::Complete,
                value: Some(i as f64),
                intermediate: vec![],
            })
            .collect();
        for c in e
            .generation(&s, &history, Direction::Minimize, 50, &mut rng)
            .unwrap()
        {
            assert_eq!(c.contains_key("momentum"), c["opt"] == "sgd", "{c:?}");
            let n = c["n"].as_i64().unwrap();
            assert!(n % 2 == 1 && (1..=9).contains(&n), "{n}");
            let f = features(&s, &c);
            assert_eq!(f.len(), 4);
            assert!(f.iter().all(|v| (0.0..=1.0).contains(v)));
            assert_eq!(f[0] + f[1], 1.0);
        }
        assert!(Evolution::new(EvolutionConfig {
            tournament: 0,
            ..Default::default()
        })
        .is_err());
    }
}
