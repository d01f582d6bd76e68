//! The typed `metrics.json` of `movie-affect` and its headline comparisons.

use deepfield_core::repro::MetricRow;
use serde::{Deserialize, Serialize};

use super::config::Part;
use super::run::ModelMetrics;
use crate::avmnist::pairing::SpeakerSplit;

/// What data the run used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSummary {
    pub n_train: usize,
    pub n_val: usize,
    pub n_test: usize,
    pub speakers: SpeakerSplit,
    pub unreadable_recordings: usize,
}

/// One condition's comparison: the best fusion model against the single-modality baselines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// `clean`, `audio_noise_<σ>`, `image_noise_<σ>`.
    pub name: String,
    /// Key of the most accurate fusion model (A–D, late) under this condition.
    pub best_fusion: String,
    pub best_fusion_accuracy: f64,
    pub audio_only: f64,
    pub image_only: f64,
    /// `best_fusion_accuracy − max(audio_only, image_only)`.
    pub margin: f64,
}

/// The run's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectMetrics {
    pub data: DataSummary,
    pub noise_levels: Vec<f64>,
    pub models: Vec<ModelMetrics>,
    /// (a) per condition: best fusion vs single modalities.
    pub conditions: Vec<Condition>,
    /// The fusion model with the best validation accuracy: saved as `model/`.
    pub default_model: String,
}

fn get<'a>(models: &'a [ModelMetrics], key: &str) -> Option<&'a ModelMetrics> {
    models.iter().find(|m| m.key == key)
}

impl AffectMetrics {
    /// The comparisons of (a) from the per-model numbers.
    pub fn conditions(models: &[ModelMetrics], levels: &[f64]) -> Vec<Condition> {
        let mut out = Vec::new();
        let single =
            |key: &str, f: &dyn Fn(&ModelMetrics) -> f64| get(models, key).map_or(f64::NAN, f);
        let mut push = |name: String, f: &dyn Fn(&ModelMetrics) -> f64| {
            let best = models
                .iter()
                .filter(|m| m.part == Part::Fusion)
                .max_by(|a, b| f(a).total_cmp(&f(b)));
            let (audio_only, image_only) = (single("audio_only", f), single("image_only", f));
            if let Some(b) = best {
                out.push(Condition {
                    name,
                    best_fusion: b.key.clone(),
                    best_fusion_accuracy: f(b),
                    audio_only,
                    image_only,
                    margin: f(b) - audio_only.max(image_only),
                });
            }
        };
        push("clean".into(), &|m| m.test_accuracy);
        for (k, s) in levels.iter().enumerate() {
            if *s > 0.0 {
                push(format!("audio_noise_{s}"), &|m| m.audio_noise[k]);
                push(format!("image_noise_{s}"), &|m| m.image_noise[k]);
            }
        }
        out
    }

    /// `metrics.csv` rows: every model under every condition.
    pub fn rows(&self) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for m in &self.models {
            rows.push(MetricRow::new(&m.key, "val", "accuracy", m.val_accuracy));
            rows.push(MetricRow::new(&m.key, "clean", "accuracy", m.test_accuracy));
            for (k, s) in self.noise_levels.iter().enumerate() {
                rows.push(MetricRow::new(
                    &m.key,
                    format!("audio_noise_{s}"),
                    "accuracy",
                    m.audio_noise[k],
                ));
                rows.push(MetricRow::new(
                    &m.key,
                    format!("image_noise_{s}"),
                    "accuracy",
                    m.image_noise[k],
                ));
            }
            if let Some(a) = m.missing_audio {
                rows.push(MetricRow::new(&m.key, "missing_audio", "accuracy", a));
            }
            if let Some(a) = m.missing_image {
                rows.push(MetricRow::new(&m.key, "missing_image", "accuracy", a));
            }
        }
        for c in &self.conditions {
            rows.push(MetricRow::new(
                "best_fusion",
                &c.name,
                "margin_over_best_single",
                c.margin,
            ));
        }
        rows
    }

    /// The end-of-run summary: clean accuracy of every model and the fusion margins.
    pub fn summary(&self) -> Vec<MetricRow> {
        let mut rows: Vec<MetricRow> = self
            .models
            .iter()
            .map(|m| MetricRow::new(&m.key, "clean", "accuracy", m.test_accuracy))
            .collect();
        rows.extend(
            self.conditions
                .iter()
                .filter(|c| c.name.starts_with("image_noise"))
                .map(|c| {
                    MetricRow::new(&c.best_fusion, &c.name, "margin_over_best_single", c.margin)
                }),
        );
        rows
    }
}
