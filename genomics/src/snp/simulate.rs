//! A simulator of SNP-array profiles with known copy-number segments and breakpoints (the clinical
//! profiles of Deep SNP are private; this stands in for them, for training and for truth).
//!
//! Model, per sample:
//! * probes along chromosomes with exponential spacing (mean 3 kb, HumanHap550-like density);
//!   each probe has a population B-allele frequency `p ~ U(0.02, 0.98)` and a germline genotype
//!   drawn under Hardy–Weinberg (`AA (1−p)²`, `AB 2p(1−p)`, `BB p²`);
//! * copy-number segments: normal (2 copies) with inserted events — homozygous deletion (0),
//!   heterozygous deletion (1), duplication (3), amplification (4), copy-neutral LOH (2, one
//!   haplotype) — each in a fraction `f` of cells (mosaic events `f ~ U(0.3, 0.9)`, else 1);
//! * LRR: the PennCNV HMM state means (`hhall.hmm`: −3.53, −0.66, 0, 0.40, 0.68 for 0…4 copies,
//!   0 for LOH) mixed in linear intensity with normal cells, `log2(f·2^μ + 1 − f)`, plus a GC wave
//!   (two sinusoids of 0.7–3 Mb wavelength, amplitude `U(0, 0.08)`), Gaussian noise of a
//!   per-sample s.d. `U(0.12, 0.25)` and 0.1 % outliers;
//! * BAF: B copies over total copies in the mixture of aberrant and normal cells,
//!   `(f·b + (1−f)·b₀) / (f·c + (1−f)·2)`, where a heterozygous probe in a deletion keeps A or B
//!   at random (unphased), in a duplication becomes AAB or ABB, etc.; homozygous deletions carry
//!   no allele signal (uniform BAF where `f = 1`); Gaussian noise s.d. `U(0.02, 0.04)`, clipped to
//!   [0, 1]; 0.05 % of probes NaN in both channels (failed calls).
//!
//! Breakpoints are the first probe of every segment after the first of a chromosome.

use serde::{Deserialize, Serialize};

use deepfield_core::Rng;

use super::signal::SnpSignal;
use crate::{Error, Result};

/// Copy-number state of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CopyState {
    HomDel,
    Del,
    Normal,
    Dup,
    Amp,
    CnLoh,
}

impl CopyState {
    /// Copies in the aberrant cells.
    pub fn copies(self) -> u8 {
        match self {
            CopyState::HomDel => 0,
            CopyState::Del => 1,
            CopyState::Normal | CopyState::CnLoh => 2,
            CopyState::Dup => 3,
            CopyState::Amp => 4,
        }
    }

    /// Mean LRR of a pure (f = 1) segment: PennCNV's `hhall.hmm` state means.
    pub fn lrr_mean(self) -> f64 {
        match self {
            CopyState::HomDel => -3.527,
            CopyState::Del => -0.664,
            CopyState::Normal | CopyState::CnLoh => 0.0,
            CopyState::Dup => 0.396,
            CopyState::Amp => 0.678,
        }
    }

    /// B copies in aberrant cells for a germline genotype with `b0` B alleles (0, 1, 2);
    /// `coin` picks the haplotype affected at heterozygous probes.
    pub fn b_copies(self, b0: u8, coin: bool) -> u8 {
        let c = self.copies();
        match (b0, self) {
            (_, CopyState::HomDel) => 0,
            (0, _) => 0,
            (2, _) => c,
            // Heterozygous.
            (_, CopyState::Normal) => 1,
            (_, CopyState::Del) => u8::from(coin),
            (_, CopyState::CnLoh) => 2 * u8::from(coin),
            (_, CopyState::Dup) => 1 + u8::from(coin),
            (_, CopyState::Amp) => 1 + 2 * u8::from(coin),
        }
    }
}

/// Simulator settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimConfig {
    /// Probes per chromosome.
    pub probes_per_chromosome: usize,
    /// Mean spacing of probes (bp).
    pub mean_spacing_bp: f64,
    /// Mean number of events per chromosome (Poisson).
    pub events_per_chromosome: f64,
    /// Event length range in probes (log-uniform).
    pub min_event_probes: usize,
    pub max_event_probes: usize,
    /// Probability that an event is mosaic.
    pub mosaic_prob: f64,
    /// Relative frequencies of HomDel, Del, Dup, Amp, CnLoh.
    pub state_weights: [f64; 5],
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            probes_per_chromosome: 160_000,
            mean_spacing_bp: 3_000.0,
            events_per_chromosome: 1.5,
            min_event_probes: 150,
            max_event_probes: 30_000,
            mosaic_prob: 0.25,
            state_weights: [0.05, 0.35, 0.3, 0.1, 0.2],
        }
    }
}

impl SimConfig {
    /// Check ranges.
    pub fn validate(&self) -> Result<()> {
        if self.probes_per_chromosome < 10
            || self.min_event_probes == 0
            || self.min_event_probes > self.max_event_probes
            || self.max_event_probes >= self.probes_per_chromosome
            || !(0.0..=1.0).contains(&self.mosaic_prob)
            || self.mean_spacing_bp <= 0.0
            || self.events_per_chromosome < 0.0
            || self.state_weights.iter().any(|&w| w < 0.0)
            || self.state_weights.iter().sum::<f64>() <= 0.0
        {
            return Err(Error::config(format!(
                "invalid simulator settings: {self:?}"
            )));
        }
        Ok(())
    }
}

/// One copy-number segment `[start, end)` of probe indices (global).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub chrom: String,
    pub start: usize,
    pub end: usize,
    pub state: CopyState,
    /// Fraction of cells carrying the state.
    pub cell_fraction: f64,
}

/// A simulated sample with its truth.
#[derive(Debug, Clone)]
pub struct SimulatedSample {
    pub signal: SnpSignal,
    /// Germline B-allele count per probe (0, 1, 2).
    pub genotype: Vec<u8>,
    pub segments: Vec<Segment>,
    /// Global probe indices where a new segment starts (within a chromosome).
    pub breakpoints: Vec<usize>,
}

/// Simulate `chromosomes` chromosomes of one sample.
pub fn simulate(
    cfg: &SimConfig,
    chromosomes: usize,
    sample: &str,
    rng: &mut Rng,
) -> Result<SimulatedSample> {
    cfg.validate()?;
    let n = cfg.probes_per_chromosome;
    let lrr_sd = 0.12 + 0.13 * rng.uniform();
    let baf_sd = 0.02 + 0.02 * rng.uniform();
    let gc_amp = 0.08 * rng.uniform();
    let (l1, l2) = (0.7e6 + 2.3e6 * rng.uniform(), 0.7e6 + 2.3e6 * rng.uniform());
    let mut out = SimulatedSample {
        signal: SnpSignal {
            sample: sample.to_string(),
            ..Default::default()
        },
        genotype: Vec::with_capacity(n * chromosomes),
        segments: Vec::new(),
        breakpoints: Vec::new(),
    };
    for c in 0..chromosomes {
        let chrom = format!("sim{}", c + 1);
        let base = c * n;
        let (p1, p2) = (
            rng.uniform() * std::f64::consts::TAU,
            rng.uniform() * std::f64::consts::TAU,
        );
        // Events: non-overlapping, at least one probe of normal between them.
        let k = poisson(cfg.events_per_chromosome, rng);
        let mut events: Vec<(usize, usize, CopyState, f64)> = Vec::new();
        for _ in 0..k {
            for _attempt in 0..20 {
                let state = pick_state(&cfg.state_weights, rng);
                let max_len = if state == CopyState::HomDel {
                    cfg.max_event_probes.min(2_000)
                } else {
                    cfg.max_event_probes
                };
                let min_len = cfg.min_event_probes.min(max_len);
                let len = log_uniform(min_len, max_len, rng);
                if len + 2 >= n {
                    continue;
                }
                let start = 1 + rng.below(n - len - 1);
                let end = start + len;
                if events.iter().any(|&(s, e, _, _)| start <= e && s <= end) {
                    continue;
                }
                let f = if rng.uniform() < cfg.mosaic_prob {
                    0.3 + 0.6 * rng.uniform()
                } else {
                    1.0
                };
                events.push((start, end, state, f));
                break;
            }
        }
        events.sort_by_key(|e| e.0);
        // Segments covering the chromosome.
        let mut segs: Vec<(usize, usize, CopyState, f64)> = Vec::new();
        let mut at = 0;
        for &(s, e, st, f) in &events {
            if s > at {
                segs.push((at, s, CopyState::Normal, 1.0));
            }
            segs.push((s, e, st, f));
            at = e;
        }
        if at < n {
            segs.push((at, n, CopyState::Normal, 1.0));
        }
        let mut pos = 0f64;
        for (si, &(s, e, state, f)) in segs.iter().enumerate() {
            if si > 0 {
                out.breakpoints.push(base + s);
            }
            out.segments.push(Segment {
                chrom: chrom.clone(),
                start: base + s,
                end: base + e,
                state,
                cell_fraction: f,
            });
            let mu = (f * 2f64.powf(state.lrr_mean()) + (1.0 - f)).log2();
            let c_mix = f * state.copies() as f64 + (1.0 - f) * 2.0;
            for i in s..e {
                pos += -cfg.mean_spacing_bp * (1.0 - rng.uniform()).max(1e-12).ln();
                let p = 0.02 + 0.96 * rng.uniform();
                let b0 = u8::from(rng.uniform() < p) + u8::from(rng.uniform() < p);
                let coin = rng.uniform() < 0.5;
                let gc = gc_amp
                    * ((std::f64::consts::TAU * pos / l1 + p1).sin()
                        + 0.5 * (std::f64::consts::TAU * pos / l2 + p2).sin());
                let mut lrr = mu + gc + lrr_sd * rng.normal();
                if rng.uniform() < 0.001 {
                    lrr += if rng.uniform() < 0.5 { -1.0 } else { 1.0 };
                }
                let baf = if c_mix < 1e-9 {
                    rng.uniform()
                } else {
                    let b = f * state.b_copies(b0, coin) as f64 + (1.0 - f) * b0 as f64;
                    (b / c_mix + baf_sd * rng.normal()).clamp(0.0, 1.0)
                };
                let missing = rng.uniform() < 0.0005;
                let sig = &mut out.signal;
                sig.names.push(format!("{chrom}_p{i}"));
                sig.chrom.push(chrom.clone());
                sig.pos.push(pos as u64 + 1);
                sig.lrr.push(if missing { f32::NAN } else { lrr as f32 });
                sig.baf.push(if missing { f32::NAN } else { baf as f32 });
                out.genotype.push(b0);
            }
        }
    }
    Ok(out)
}

fn poisson(lambda: f64, rng: &mut Rng) -> usize {
    let l = (-lambda).exp();
    let (mut k, mut p) = (0usize, 1.0);
    loop {
        p *= rng.uniform();
        if p <= l || k > 1000 {
            return k;
        }
        k += 1;
    }
}

fn log_uniform(lo: usize, hi: usize, rng: &mut Rng) -> usize {
    let (a, b) = ((lo as f64).ln(), (hi as f64).ln());
    ((a + (b - a) * rng.uniform()).exp().round() as usize).clamp(lo, hi)
}

fn pick_state(w: &[f64; 5], rng: &mut Rng) -> CopyState {
    let states = [
        CopyState::HomDel,
        CopyState::Del,
        CopyState::Dup,
        CopyState::Amp,
        CopyState::CnLoh,
    ];
    let total: f64 = w.iter().sum();
    let mut u = rng.uniform() * total;
    for (s, &x) in states.iter().zip(w) {
        if u < x {
            return *s;
        }
        u -= x;
    }
    CopyState::Del
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b_copies_per_state() {
        assert_eq!(CopyState::Dup.b_copies(1, false), 1);
        assert_eq!(CopyState::Dup.b_copies(1, true), 2);
        assert_eq!(CopyState::Amp.b_copies(2, true), 4);
        assert_eq!(CopyState::CnLoh.b_copies(1, true), 2);
        assert_eq!(CopyState::Del.b_copies(0, true), 0);
    }

    fn no_events() -> SimConfig {
        SimConfig {
            probes_per_chromosome: 5_000,
            events_per_chromosome: 0.0,
            min_event_probes: 100,
            max_event_probes: 1_000,
            ..Default::default()
        }
    }

    #[test]
    fn a_sample_without_events_is_normal_everywhere() {
        let mut rng = Rng::new(3);
        let s = simulate(&no_events(), 2, "n", &mut rng).unwrap();
        assert!(s.breakpoints.is_empty());
        assert_eq!(s.segments.len(), 2);
        assert_eq!((s.segments[1].start, s.segments[1].end), (5_000, 10_000));
        assert!(s.segments.iter().all(|g| g.state == CopyState::Normal));
        let sig = &s.signal;
        sig.validate().unwrap();
        assert_eq!(
            sig.chromosomes(),
            vec![
                ("sim1".to_string(), 0..5_000),
                ("sim2".to_string(), 5_000..10_000)
            ]
        );
        // Positions increase within a chromosome, with the configured mean spacing (3 kb ± 5 %).
        let span = (sig.pos[4_999] - sig.pos[0]) as f64 / 4_999.0;
        assert!((span - 3_000.0).abs() < 150.0, "mean spacing {span}");
        assert!(sig.pos[..5_000].windows(2).all(|p| p[0] <= p[1]));
        // LRR centred on 0 (GC wave ≤ 0.08, noise s.d. ≤ 0.25), heterozygous BAF at 1/2,
        // homozygous at 0 and 1; genotype frequencies near Hardy–Weinberg for p ~ U(0.02, 0.98):
        // E[2p(1−p)] = 2(E p − E p²) = 2(0.5 − 0.0768 − 0.25) = 0.3464.
        let finite: Vec<usize> = (0..sig.len()).filter(|&i| sig.lrr[i].is_finite()).collect();
        let mean_lrr = finite.iter().map(|&i| sig.lrr[i] as f64).sum::<f64>() / finite.len() as f64;
        assert!(mean_lrr.abs() < 0.03, "mean LRR {mean_lrr}");
        let mean_baf = |g: u8| {
            let v: Vec<f64> = finite
                .iter()
                .filter(|&&i| s.genotype[i] == g)
                .map(|&i| sig.baf[i] as f64)
                .collect();
            (v.iter().sum::<f64>() / v.len() as f64, v.len())
        };
        let ((aa, _), (ab, n_ab), (bb, _)) = (mean_baf(0), mean_baf(1), mean_baf(2));
        assert!(
            aa < 0.03 && (ab - 0.5).abs() < 0.01 && bb > 0.97,
            "{aa} {ab} {bb}"
        );
        let het = n_ab as f64 / finite.len() as f64;
        assert!((het - 0.3464).abs() < 0.02, "heterozygosity {het}");
    }

    #[test]
    fn same_seed_same_sample_and_segments_tile_the_genome() {
        let cfg = SimConfig {
            probes_per_chromosome: 8_000,
            events_per_chromosome: 3.0,
            min_event_probes: 100,
            max_event_probes: 2_000,
            ..Default::default()
        };
        let a = simulate(&cfg, 3, "x", &mut Rng::new(9)).unwrap();
        let b = simulate(&cfg, 3, "x", &mut Rng::new(9)).unwrap();
        assert_eq!(a.signal.pos, b.signal.pos);
        assert_eq!(a.segments, b.segments);
        assert!(a
            .signal
            .lrr
            .iter()
            .zip(&b.signal.lrr)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())));
        // Segments tile 0..24,000 without gaps; events lie inside [min, max] probes and never
        // touch each other (a normal segment between two events).
        assert_eq!(a.segments.first().unwrap().start, 0);
        assert_eq!(a.segments.last().unwrap().end, 24_000);
        for w in a.segments.windows(2) {
            assert_eq!(w[0].end, w[1].start);
            if w[0].chrom == w[1].chrom {
                assert!(w[0].state == CopyState::Normal || w[1].state == CopyState::Normal);
            }
        }
        let events: Vec<&Segment> = a
            .segments
            .iter()
            .filter(|g| g.state != CopyState::Normal)
            .collect();
        assert!(!events.is_empty());
        for e in events {
            let len = e.end - e.start;
            assert!((100..=2_000).contains(&len), "{e:?}");
            assert!(e.cell_fraction == 1.0 || (0.3..0.9).contains(&e.cell_fraction));
        }
        // Another seed gives another sample.
        let c = simulate(&cfg, 3, "x", &mut Rng::new(10)).unwrap();
        assert_ne!(a.signal.pos, c.signal.pos);
    }

    #[test]
    fn draws_follow_their_distributions_and_bad_settings_are_rejected() {
        let mut rng = Rng::new(1);
        let n = 20_000;
        let mean = (0..n).map(|_| poisson(1.5, &mut rng)).sum::<usize>() as f64 / n as f64;
        assert!((mean - 1.5).abs() < 0.05, "Poisson mean {mean}");
        for _ in 0..1_000 {
            let l = log_uniform(60, 3_000, &mut rng);
            assert!((60..=3_000).contains(&l));
        }
        // Log-uniform: the median is the geometric mean √(60·3000) ≈ 424.
        let mut v: Vec<usize> = (0..n).map(|_| log_uniform(60, 3_000, &mut rng)).collect();
        v.sort_unstable();
        assert!(
            (v[n / 2] as f64 - 424.3).abs() < 25.0,
            "median {}",
            v[n / 2]
        );
        let only_dup = [0.0, 0.0, 1.0, 0.0, 0.0];
        assert!((0..100).all(|_| pick_state(&only_dup, &mut rng) == CopyState::Dup));
        let dups = (0..n)
            .filter(|_| pick_state(&[1.0, 0.0, 3.0, 0.0, 0.0], &mut rng) == CopyState::Dup)
            .count() as f64
            / n as f64;
        assert!((dups - 0.75).abs() < 0.02, "{dups}");
        for bad in [
            SimConfig {
                probes_per_chromosome: 5,
                ..no_events()
            },
            SimConfig {
                min_event_probes: 2_000,
                ..no_events()
            },
            SimConfig {
                max_event_probes: 5_000,
                ..no_events()
            },
            SimConfig {
                mosaic_prob: 1.5,
                ..no_events()
            },
            SimConfig {
                state_weights: [0.0; 5],
                ..no_events()
            },
        ] {
            assert!(simulate(&bad, 1, "b", &mut rng).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn lrr_and_baf_of_pure_states() {
        // Expected BAF = B copies / copies for every germline genotype of a clonal event.
        let cases = [
            (CopyState::Del, 1, true, 1.0),
            (CopyState::Dup, 1, false, 1.0 / 3.0),
            (CopyState::Amp, 1, true, 0.75),
            (CopyState::CnLoh, 1, false, 0.0),
            (CopyState::Dup, 2, false, 1.0),
        ];
        for (state, b0, coin, baf) in cases {
            let got = state.b_copies(b0, coin) as f64 / state.copies() as f64;
            assert!((got - baf).abs() < 1e-12, "{state:?} {b0} {coin}: {got}");
        }
        assert_eq!(CopyState::HomDel.b_copies(2, true), 0);
        // LRR means rise with the copy number; copy-neutral LOH sits at 0.
        let states = [
            CopyState::HomDel,
            CopyState::Del,
            CopyState::Normal,
            CopyState::Dup,
            CopyState::Amp,
        ];
        assert!(states.windows(2).all(|w| w[0].lrr_mean() < w[1].lrr_mean()));
        assert_eq!(CopyState::CnLoh.lrr_mean(), 0.0);
        assert_eq!(states.map(|s| s.copies()), [0, 1, 2, 3, 4]);
    }
}
