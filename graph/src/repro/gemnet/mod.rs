//! `gemnet-oc`: SchNet against a GemNet-OC-style directional potential on rMD17 ethanol and
//! acetylacetone (300 K training, 300 K and 600 K tests). Paper: Johannes Gasteiger, Muhammed
//! Shuaibi, Anuroop Sriram, Stephan Günnemann, Zachary Ulissi, C. Lawrence Zitnick & Abhishek
//! Das, "GemNet-OC: Developing Graph Neural Networks for Large and Diverse Molecular
//! Simulation Datasets", TMLR 2022. Energies are predicted, forces are their negative gradient
//! by autograd, and both are trained on; errors are energy MAE (meV) and force MAE (meV/Å).
//!
//! Reading order: [`config`] → [`data`] (the `molecules_forces` folder and the splits) →
//! `runner` (training and scoring, the mean-force baseline) → [`metrics`] → `report`.

pub mod config;
pub mod data;
pub mod metrics;
mod report;
mod runner;

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::train::write_histories_csv;

pub use config::GemNetOcConfig;
pub use metrics::GemNetOcMetrics;

/// The reproduction.
#[derive(Debug, Clone, Copy, Default)]
pub struct GemNetOc;

impl Experiment for GemNetOc {
    type Config = GemNetOcConfig;
    type Metrics = GemNetOcMetrics;

    fn id(&self) -> &'static str {
        "gemnet-oc"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<GemNetOcConfig> {
        let mut c = if opts.quick {
            GemNetOcConfig::quick(opts.seed)
        } else {
            GemNetOcConfig {
                seed: opts.seed,
                ..Default::default()
            }
        };
        c.fit.seed = opts.seed;
        c.validate()?;
        Ok(c)
    }

    fn validate(&self, cfg: &GemNetOcConfig) -> deepfield_core::Result<()> {
        cfg.validate()
    }

    fn execute(
        &self,
        cfg: &GemNetOcConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<GemNetOcMetrics> {
        let dir = opts.dataset(&data::MOLECULES_FORCES)?;
        let run = || -> crate::Result<GemNetOcMetrics> {
            let molecules = data::load(cfg, &dir)?;
            let (results, extras) = runner::run_all(cfg, &molecules, &opts.out)?;
            let mut ratio = std::collections::BTreeMap::new();
            let mut m = GemNetOcMetrics {
                molecules: results,
                force_ratio_schnet_over_gemnet: Default::default(),
                device: format!("{:?}", deepfield_core::device()),
                threads: deepfield_core::device::threads(),
            };
            for mol in &m.molecules {
                let first = mol.test_frames.keys().next().cloned().unwrap_or_default();
                let set = if mol.molecule == "acac" {
                    "test 300K".to_string()
                } else {
                    first
                };
                if let (Some(s), Some(g)) = (
                    m.errors(&mol.molecule, "schnet", &set),
                    m.errors(&mol.molecule, "gemnet", &set),
                ) {
                    ratio.insert(
                        mol.molecule.clone(),
                        s.force_mae_mev_per_a / g.force_mae_mev_per_a,
                    );
                }
            }
            m.force_ratio_schnet_over_gemnet = ratio;
            let hist: Vec<(String, &deepfield_core::train::History)> = extras
                .histories
                .iter()
                .map(|(n, h)| (n.clone(), h))
                .collect();
            write_histories_csv(&opts.out.join("history.csv"), &hist)?;
            let plots = report::write_plots(&opts.out, &m, &extras)?;
            report::write_report(&opts.out, cfg, &m, &dir, &plots)?;
            Ok(m)
        };
        run().map_err(crate::GraphError::into_core)
    }

    fn metric_rows(&self, m: &GemNetOcMetrics) -> Vec<MetricRow> {
        metrics::rows(m)
    }

    fn summary(&self, m: &GemNetOcMetrics) -> Vec<MetricRow> {
        metrics::summary(m)
    }
}
