//! `spikegpt`: SpikeGPT (Zhu, Zhao, Li & Eshraghian 2023, "SpikeGPT: Generative Pre-trained
//! Language Model with Spiking Neural Networks") against its non-spiking RWKV twin, as
//! character language models on tiny_shakespeare (first 90 % of the characters for training,
//! last 10 % for validation).
//!
//! Both models have the same configuration and parameters and train for the same number of
//! steps on the same windows; the report gives validation bits per character of each, the gap,
//! spike rates per layer, synaptic operations against multiply-accumulates, generated samples,
//! and the time per generated character in the recurrent form against re-running the parallel
//! form on the growing context.
//!
//! [`SpikeGptReproConfig`] and [`SpikeGptMetrics`] here, the run in [`run`], the report in
//! [`report`].

pub mod report;
pub mod run;

use serde::{Deserialize, Serialize};

use deepfield_core::repro::{Experiment, MetricRow, ReproOptions};
use deepfield_core::spiking::SpikeStats;

use crate::lm::{GenerationSpeed, LmTrainConfig};
use crate::rwkv::{RwkvConfig, SpikingConfig};

/// Everything the run needs; saved as `config.json` (which `--config` reads back: the
/// `run` block the runner adds is ignored).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpikeGptReproConfig {
    /// The spiking model (the twin is the same without `spiking`; `vocab_size` is set from the
    /// data).
    pub model: RwkvConfig,
    pub train: LmTrainConfig,
    /// Validation characters of the final BPC (0: the whole validation part).
    pub eval_chars: usize,
    /// Sampling: prompt, characters, temperature.
    pub prompt: String,
    pub sample_chars: usize,
    pub temperature: f64,
    /// Greedy characters generated for the speed comparison (after `prompt`).
    pub speed_chars: usize,
    pub seed: u64,
}

impl Default for SpikeGptReproConfig {
    fn default() -> Self {
        SpikeGptReproConfig::new(false, 0)
    }
}

impl SpikeGptReproConfig {
    /// The full run (3 blocks of 128 channels, 2,000 steps of 16 windows of 64 characters;
    /// about half an hour on one CPU thread) or the quick one (2 blocks of 32 channels, 120
    /// steps of 16 × 32 characters; seconds).
    pub fn new(quick: bool, seed: u64) -> Self {
        let (n_embd, n_layer, seq_len, epochs, steps, lr) = if quick {
            (32, 2, 32, 3, 40, 1e-2)
        } else {
            (128, 3, 64, 20, 100, 6e-3)
        };
        SpikeGptReproConfig {
            model: RwkvConfig {
                vocab_size: 67,
                n_embd,
                n_layer,
                ffn_mult: 4,
                ctx_len: seq_len,
                dropout: 0.03,
                spiking: Some(SpikingConfig::default()),
            },
            train: LmTrainConfig {
                epochs,
                steps_per_epoch: steps,
                batch_size: 16,
                seq_len,
                lr,
                lr_final: lr / 20.0,
                val_chars: if quick { 3_000 } else { 20_000 },
                seed,
                ..LmTrainConfig::default()
            },
            eval_chars: if quick { 8_000 } else { 0 },
            prompt: "ROMEO:\n".to_string(),
            sample_chars: if quick { 120 } else { 400 },
            temperature: 0.8,
            speed_chars: if quick { 60 } else { 200 },
            seed,
        }
    }

    /// Check the values.
    pub fn validate(&self) -> crate::Result<()> {
        self.model.validate()?;
        self.train.validate()?;
        if self.model.spiking.is_none() {
            return Err(crate::Error::config(
                "spikegpt: `model.spiking` must be set (the twin is derived from it)",
            ));
        }
        if self.train.seq_len > self.model.ctx_len {
            return Err(crate::Error::config(format!(
                "spikegpt: train.seq_len {} exceeds model.ctx_len {}",
                self.train.seq_len, self.model.ctx_len
            )));
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) || self.speed_chars == 0 {
            return Err(crate::Error::config(
                "spikegpt: temperature must be >= 0 and speed_chars >= 1",
            ));
        }
        Ok(())
    }
}

/// One model's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResult {
    /// `spikegpt` or `rwkv`.
    pub name: String,
    pub kind: String,
    pub parameters: i64,
    pub steps: usize,
    pub train_seconds: f64,
    /// Validation bits per character at the end.
    pub val_bpc: f64,
    /// (optimizer steps, validation BPC on the first `train.val_chars` characters) per epoch.
    pub curve: Vec<(usize, f64)>,
    /// Spike rates per layer and operations per character (on the validation characters);
    /// for the twin only its multiply-accumulates are meaningful.
    pub activity: SpikeStats,
    pub generation: GenerationSpeed,
    /// Sampled text (temperature `temperature`, seeded).
    pub sample: String,
}

/// The goals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goals {
    /// SpikeGPT's validation BPC is within 0.1 of its twin's.
    pub spiking_within_0_1_bpc: bool,
    /// Recurrent generation is ≥ 5× faster per character than re-running the parallel form
    /// (both models).
    pub recurrent_5x_faster: bool,
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpikeGptMetrics {
    pub data: String,
    pub characters: usize,
    pub train_chars: usize,
    pub val_chars: usize,
    /// Characters scored for the final BPC.
    pub eval_chars: usize,
    pub vocab_size: usize,
    /// Entropy of the training characters' distribution (bits per character).
    pub unigram_entropy: f64,
    /// The unigram model's cross-entropy on the validation characters.
    pub unigram_val_bpc: f64,
    pub models: Vec<ModelResult>,
    /// SpikeGPT BPC − twin BPC.
    pub gap_bpc: f64,
    /// Synaptic operations per character of SpikeGPT and multiply-accumulates of both.
    pub spikegpt_sops_per_char: f64,
    pub spikegpt_macs_per_char: f64,
    pub twin_macs_per_char: f64,
    /// SpikeGPT 46M on enwik8 (the paper's anchor; another data set and scale).
    pub paper_enwik8_bpc: f64,
    pub goals: Goals,
    pub seed: u64,
}

impl SpikeGptMetrics {
    /// A model's results by name.
    pub fn get(&self, name: &str) -> Option<&ModelResult> {
        self.models.iter().find(|m| m.name == name)
    }
}

/// The reproduction.
pub struct SpikeGpt;

impl Experiment for SpikeGpt {
    type Config = SpikeGptReproConfig;
    type Metrics = SpikeGptMetrics;

    fn id(&self) -> &'static str {
        "spikegpt"
    }

    fn description(&self) -> &'static str {
        deepfield_core::repro::catalog::describe(crate::REPRODUCTIONS, self.id())
    }

    fn config(&self, opts: &ReproOptions) -> deepfield_core::Result<SpikeGptReproConfig> {
        Ok(SpikeGptReproConfig::new(opts.quick, opts.seed))
    }

    fn validate(&self, cfg: &SpikeGptReproConfig) -> deepfield_core::Result<()> {
        Ok(cfg.validate()?)
    }

    fn execute(
        &self,
        cfg: &SpikeGptReproConfig,
        opts: &ReproOptions,
    ) -> deepfield_core::Result<SpikeGptMetrics> {
        Ok(run::run(cfg, opts)?)
    }

    fn metric_rows(&self, m: &SpikeGptMetrics) -> Vec<MetricRow> {
        let mut rows = vec![
            MetricRow::new("unigram", "val", "bpc", m.unigram_val_bpc),
            MetricRow::new("spikegpt-rwkv", "val", "gap_bpc", m.gap_bpc),
        ];
        for r in &m.models {
            rows.push(MetricRow::new(&r.name, "val", "bpc", r.val_bpc));
            rows.push(MetricRow::new(
                &r.name,
                "generation",
                "recurrent_speedup",
                r.generation.speedup,
            ));
            rows.push(MetricRow::new(
                &r.name,
                "val",
                "spike_rate",
                r.activity.network_rate,
            ));
            for l in &r.activity.layers {
                rows.push(MetricRow::new(
                    &r.name,
                    format!("val/{}", l.name),
                    "spike_rate",
                    l.rate,
                ));
            }
        }
        rows.push(MetricRow::new(
            "spikegpt",
            "val",
            "sops_per_char",
            m.spikegpt_sops_per_char,
        ));
        rows.push(MetricRow::new(
            "spikegpt",
            "val",
            "macs_per_char",
            m.spikegpt_macs_per_char,
        ));
        rows.push(MetricRow::new(
            "rwkv",
            "val",
            "macs_per_char",
            m.twin_macs_per_char,
        ));
        rows
    }

    fn summary(&self, m: &SpikeGptMetrics) -> Vec<MetricRow> {
        self.metric_rows(m)
            .into_iter()
            .filter(|r| !r.fold.starts_with("val/"))
            .collect()
    }
}
