//! A simulator of a long-term laboratory kinetic (humidity-cell / column leach) test of
//! sulfidic mine waste, standing in for the private data of "The Application of Artificial
//! Neural Network Model to Predicting the Acid Mine Drainage from Long-Term Lab Scale Kinetic
//! Test" (83 weekly leachate samples; pH, ORP, conductivity, TDS, sulfate, Fe, Mn).
//!
//! # Model (one step per week, `volume` litres of leachate collected weekly)
//!
//! * **Pyrite oxidation** `FeS₂ + 15/4 O₂ + 7/2 H₂O → Fe(OH)₃ + 2 SO₄²⁻ + 4 H⁺`: the rate is
//!   `k_py · (P/P₀)^{2/3}` (shrinking-core surface) times `1 + catalysis · σ((4 − pH)/0.35)`,
//!   the acceleration by ferric iron / iron-oxidising bacteria once the leachate turns acidic.
//!   Each mmol oxidised releases 2 mmol sulfate, 4 mmol H⁺ and 1 mmol Fe.
//! * **Neutralisation** by carbonate `CaCO₃ + 2 H⁺ → Ca²⁺ + H₂O + CO₂`: up to
//!   `k_nc · (C/C₀)^{2/3}` mmol H⁺ per week, limited by the acid produced; carbonate is consumed,
//!   so the neutralisation potential runs out after a lag — the characteristic delayed
//!   acidification of kinetic tests.
//! * **Silicate weathering** neutralises up to `k_silicate` mmol H⁺/week of what carbonate
//!   leaves; the rest is stored in the pore water, of which 12 % is flushed out each week.
//! * **pH** follows the waste's empirical titration curve
//!   `pH = pH_buf − (pH_buf − 2.3) · (1 − exp(−a / 1.2))` of the flushed acidity `a` (mmol/L),
//!   with the carbonate buffer `pH_buf = 8.0 − 1.3 · (1 − C/C₀)`.
//! * **Fe** dissolved: the released iron times the ferric solubility `1 / (1 + 10^{1.1 (pH − 3.6)})`,
//!   plus a trace; **Mn** from carbonate impurities (0.8 % of Ca released) and acid leaching of
//!   Mn oxides at low pH.
//! * **ORP** (mV) `= 780 − 59 · pH + 25 · log₁₀(1 + Fe)` (Nernst-like pH and Fe³⁺ dependence).
//! * **EC** (µS/cm) from the ionic load (sulfate, Ca, H⁺, Fe, Mn); **TDS** (mg/L) `≈ 0.67 · EC`
//!   plus a small independent term (they are measured separately in the lab).
//!
//! # Sampling noise
//! pH ± `ph_noise` (additive Gaussian), ORP ± `orp_noise` mV, every concentration and EC
//! multiplied by `exp(N(0, rel_noise))`; with probability `outlier_rate` a reading is replaced
//! by a gross laboratory error (×2–3 for concentrations, ±1.5 pH units, ±200 mV), which the
//! pipeline's outlier removal is meant to catch. Everything is deterministic under the seed.

use serde::{Deserialize, Serialize};

use deepfield_core::Rng;

use crate::data::Series;
use crate::{ensure_config, Result};

/// The seven measured parameters, in column order (units in the names).
pub const PARAMETERS: [&str; 7] = [
    "pH", "ORP_mV", "EC_uS_cm", "TDS_mg_L", "SO4_mg_L", "Fe_mg_L", "Mn_mg_L",
];

/// Simulator parameters; the defaults give a test that turns acidic around week 35–45.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct KineticTestConfig {
    /// Weekly samples (the paper: 83).
    pub weeks: usize,
    /// Initial pyrite (mmol) and its base oxidation rate (mmol/week).
    pub pyrite0: f64,
    pub k_pyrite: f64,
    /// Maximum relative acceleration of oxidation at low pH.
    pub catalysis: f64,
    /// Initial carbonate (mmol) and its neutralisation capacity (mmol H⁺/week).
    pub carbonate0: f64,
    pub k_neutral: f64,
    /// Slow silicate weathering: neutralisation capacity left after carbonate (mmol H⁺/week).
    pub k_silicate: f64,
    /// Leachate collected per week (L).
    pub volume: f64,
    /// Sampling noise: pH (units), ORP (mV), relative (log-normal) for the rest.
    pub ph_noise: f64,
    pub orp_noise: f64,
    pub rel_noise: f64,
    /// Probability that one reading is a gross error.
    pub outlier_rate: f64,
    pub seed: u64,
}

impl Default for KineticTestConfig {
    fn default() -> Self {
        KineticTestConfig {
            weeks: 83,
            pyrite0: 2000.0,
            k_pyrite: 1.5,
            catalysis: 1.2,
            carbonate0: 150.0,
            k_neutral: 12.0,
            k_silicate: 1.5,
            volume: 2.0,
            ph_noise: 0.04,
            orp_noise: 6.0,
            rel_noise: 0.02,
            outlier_rate: 0.01,
            seed: 0,
        }
    }
}

impl KineticTestConfig {
    /// Check every field.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.weeks >= 2, "kinetic test: weeks must be >= 2");
        for (n, v) in [
            ("pyrite0", self.pyrite0),
            ("k_pyrite", self.k_pyrite),
            ("carbonate0", self.carbonate0),
            ("k_neutral", self.k_neutral),
            ("volume", self.volume),
        ] {
            ensure_config!(
                v > 0.0 && v.is_finite(),
                "kinetic test: {n} must be > 0, got {v}"
            );
        }
        for (n, v) in [
            ("catalysis", self.catalysis),
            ("k_silicate", self.k_silicate),
            ("ph_noise", self.ph_noise),
            ("orp_noise", self.orp_noise),
            ("rel_noise", self.rel_noise),
        ] {
            ensure_config!(
                v >= 0.0 && v.is_finite(),
                "kinetic test: {n} must be >= 0, got {v}"
            );
        }
        ensure_config!(
            (0.0..1.0).contains(&self.outlier_rate),
            "kinetic test: outlier_rate must be in [0, 1)"
        );
        Ok(())
    }
}

/// A simulated test: the noiseless states and the sampled readings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KineticTest {
    /// Week numbers 1..=weeks.
    pub week: Vec<i64>,
    /// Noiseless values, `[parameter][week]` in [`PARAMETERS`] order.
    pub clean: Vec<Vec<f64>>,
    /// Sampled readings (noise and gross errors), same layout.
    pub observed: Vec<Vec<f64>>,
    /// `(parameter, week index)` of every injected gross error.
    pub outliers: Vec<(usize, usize)>,
    /// Pyrite and carbonate left after each week (mmol), and cumulative pyrite oxidised.
    pub pyrite: Vec<f64>,
    pub carbonate: Vec<f64>,
    pub oxidised: Vec<f64>,
    /// Sulfate released each week (mmol).
    pub sulfate_mmol: Vec<f64>,
}

impl KineticTest {
    /// The observed readings as a [`Series`] (time = week number).
    pub fn series(&self) -> Result<Series> {
        Series::new(
            self.week.clone(),
            PARAMETERS.iter().map(|s| s.to_string()).collect(),
            self.observed.clone(),
        )
    }

    /// CSV text `week,pH,…` of the observed readings.
    pub fn to_csv(&self) -> Result<String> {
        let header = std::iter::once("week").chain(PARAMETERS);
        let rows = self.week.iter().enumerate().map(|(i, w)| {
            std::iter::once(w.to_string())
                .chain(self.observed.iter().map(|p| format!("{:.6}", p[i])))
                .collect::<Vec<_>>()
        });
        Ok(deepfield_core::fsutil::csv_string(header, rows)?)
    }
}

/// Fraction of the pore-water acid store flushed out each week.
const FLUSH: f64 = 0.12;
/// Lowest pH of the waste's titration curve, and its acidity scale (mmol/L).
const PH_FLOOR: f64 = 2.3;
const TITRATION_K: f64 = 1.2;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Run the simulator.
pub fn simulate(cfg: &KineticTestConfig) -> Result<KineticTest> {
    cfg.validate()?;
    let mut rng = Rng::new(cfg.seed ^ 0xA3D_5EED);
    let (mut p, mut c) = (cfg.pyrite0, cfg.carbonate0);
    let mut ph_prev = 8.0;
    let mut t = KineticTest {
        week: (1..=cfg.weeks as i64).collect(),
        clean: vec![Vec::new(); 7],
        observed: vec![Vec::new(); 7],
        outliers: Vec::new(),
        pyrite: Vec::new(),
        carbonate: Vec::new(),
        oxidised: Vec::new(),
        sulfate_mmol: Vec::new(),
    };
    let mut cum = 0.0;
    let mut store = 0.0;
    for _ in 0..cfg.weeks {
        let accel = 1.0 + cfg.catalysis * sigmoid((4.0 - ph_prev) / 0.35);
        let ox = (cfg.k_pyrite * (p / cfg.pyrite0).powf(2.0 / 3.0) * accel).min(p);
        p -= ox;
        cum += ox;
        let (h, so4, fe_rel) = (4.0 * ox, 2.0 * ox, ox);
        let cap = cfg.k_neutral * (c / cfg.carbonate0).max(0.0).powf(2.0 / 3.0);
        let neutral = h.min(cap).min(2.0 * c);
        c -= neutral / 2.0;
        let excess = (h - neutral - cfg.k_silicate).max(0.0);
        let v = cfg.volume;
        let ph_buf = 8.0 - 1.3 * (1.0 - c / cfg.carbonate0);
        store += excess;
        let flushed = FLUSH * store;
        store -= flushed;
        let acidity = flushed / v; // mmol/L H⁺ in the leachate
        let ph = ph_buf - (ph_buf - PH_FLOOR) * (1.0 - (-acidity / TITRATION_K).exp());
        let ca = (neutral / 2.0 + (h - neutral).min(cfg.k_silicate) / 4.0) / v + 0.3; // mmol/L
        let fe = fe_rel / v / (1.0 + 10f64.powf(1.1 * (ph - 3.6))) + 0.002;
        let mn = 0.008 * ca + 0.06 * sigmoid((4.2 - ph) / 0.4) * (p / cfg.pyrite0);
        let (so4_mg, fe_mg, mn_mg) = (so4 / v * 96.06, fe * 55.85, mn * 54.94);
        let orp = 780.0 - 59.0 * ph + 25.0 * (1.0 + fe_mg).log10();
        let ec =
            160.0 + 1.45 * so4_mg + 2.6 * ca * 40.08 + 350.0 * acidity + 2.0 * fe_mg + 2.0 * mn_mg;
        let tds = 0.67 * ec + 0.05 * so4_mg;
        let clean = [ph, orp, ec, tds, so4_mg, fe_mg, mn_mg];
        for (k, &v) in clean.iter().enumerate() {
            t.clean[k].push(v);
            let noisy = match k {
                0 => v + cfg.ph_noise * rng.normal(),
                1 => v + cfg.orp_noise * rng.normal(),
                _ => v * (cfg.rel_noise * rng.normal()).exp(),
            };
            let obs = if rng.uniform() < cfg.outlier_rate {
                t.outliers.push((k, t.clean[k].len() - 1));
                let sign = if rng.uniform() < 0.5 { -1.0 } else { 1.0 };
                match k {
                    0 => noisy + sign * 1.5,
                    1 => noisy + sign * 200.0,
                    _ => noisy * (2.0 + rng.uniform()),
                }
            } else {
                noisy
            };
            t.observed[k].push(obs);
        }
        t.pyrite.push(p);
        t.carbonate.push(c);
        t.oxidised.push(cum);
        t.sulfate_mmol.push(so4);
        ph_prev = ph;
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulator_invariants() {
        let cfg = KineticTestConfig::default();
        let t = simulate(&cfg).unwrap();
        assert_eq!(t.week.len(), 83);
        let csv = t.to_csv().unwrap();
        assert_eq!(csv.lines().count(), 84);
        assert_eq!(
            csv.lines().next().unwrap(),
            format!("week,{}", PARAMETERS.join(","))
        );
        assert!(t
            .observed
            .iter()
            .chain(&t.clean)
            .all(|p| p.len() == 83 && p.iter().all(|v| v.is_finite())));
        // Mass balance: pyrite left + oxidised = initial; sulfate released = 2 × oxidised.
        for i in 0..83 {
            assert!((t.pyrite[i] + t.oxidised[i] - cfg.pyrite0).abs() < 1e-9);
        }
        let so4: f64 = t.sulfate_mmol.iter().sum();
        assert!((so4 - 2.0 * t.oxidised[82]).abs() < 1e-9);
        // Stocks never grow and never go negative.
        assert!(t.pyrite.windows(2).all(|w| w[1] <= w[0]) && t.pyrite.iter().all(|&p| p >= 0.0));
        assert!(
            t.carbonate.windows(2).all(|w| w[1] <= w[0]) && t.carbonate.iter().all(|&c| c >= 0.0)
        );
        // Delayed acidification: neutral at first, acidic once carbonate is spent.
        let ph = &t.clean[0];
        assert!(
            ph[..30].iter().all(|&p| p > 7.0) && ph[75..].iter().all(|&p| p < 3.0),
            "{ph:?}"
        );
        assert!(
            ph.windows(2).all(|w| w[1] <= w[0] + 1e-12),
            "pH never rises in this run"
        );
        // Acid drainage brings sulfate and iron up, and ORP with them.
        assert!(t.clean[4][82] > 1.8 * t.clean[4][0]);
        assert!(t.clean[5][82] > 100.0 * t.clean[5][0]);
        assert!(t.clean[1][82] > t.clean[1][0] + 250.0);
        // Deterministic under the seed; noise-free when asked.
        assert_eq!(simulate(&cfg).unwrap(), t);
        let quiet = KineticTestConfig {
            ph_noise: 0.0,
            orp_noise: 0.0,
            rel_noise: 0.0,
            outlier_rate: 0.0,
            ..cfg.clone()
        };
        let q = simulate(&quiet).unwrap();
        assert_eq!(q.observed, q.clean);
        assert!(simulate(&KineticTestConfig { weeks: 1, ..cfg }).is_err());
    }

    #[test]
    fn outlier_removal_recovers_injected_errors() {
        let cfg = KineticTestConfig {
            outlier_rate: 0.03,
            seed: 3,
            ..Default::default()
        };
        let t = simulate(&cfg).unwrap();
        assert!(t.outliers.len() >= 8, "{}", t.outliers.len());
        let mut s = t.series().unwrap();
        let flagged = crate::data::clean::remove_outliers(&mut s, Default::default()).unwrap();
        let caught = t.outliers.iter().filter(|o| flagged.contains(o)).count();
        assert!(
            caught * 10 >= t.outliers.len() * 8,
            "caught {caught} of {}",
            t.outliers.len()
        );
        assert!(
            flagged.len() <= t.outliers.len() + 6,
            "{} flagged for {} injected",
            flagged.len(),
            t.outliers.len()
        );
    }
}
