//! The typed metrics of an audio reproduction (`metrics.json`), built from the experiment's
//! output, and their rows for `metrics.csv` and the end-of-run summary.

use deepfield_core::repro::MetricRow;
use serde::{Deserialize, Serialize};

use super::experiment::{ExperimentOutput, ModelResult};

/// One model's out-of-fold numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetrics {
    /// Display name (`BiLSTM`, `CNN`, `MLP (pooled)`).
    pub name: String,
    /// Key of `metrics.csv` and of its saved folder `model-<key>/` (`bilstm`, `cnn`, `mlp`).
    pub key: String,
    /// Epoch-level (one clip) accuracy over all out-of-fold test clips.
    pub accuracy: f64,
    pub balanced_accuracy: f64,
    pub f1_macro: f64,
    /// F1 of each class, in class order.
    pub per_class_f1: Vec<f64>,
    /// `confusion[true][predicted]` over all out-of-fold test clips.
    pub confusion: Vec<Vec<u64>>,
    /// Accuracy of the combined decision (highest mean log-probability) per group of test clips.
    pub combined_mean_log_prob_accuracy: f64,
    /// Accuracy of the combined decision by majority vote.
    pub combined_majority_vote_accuracy: f64,
    /// Number of combined groups.
    pub combined_groups: usize,
    /// Test accuracy of each fold.
    pub fold_accuracy: Vec<f64>,
    /// Epochs trained in each fold (early stopping).
    pub epochs_run: Vec<usize>,
}

impl ModelMetrics {
    fn of(r: &ModelResult) -> Self {
        ModelMetrics {
            name: r.name.clone(),
            key: r.key.clone(),
            accuracy: r.epoch.accuracy,
            balanced_accuracy: r.epoch.balanced_accuracy,
            f1_macro: r.epoch.f1_macro,
            per_class_f1: r.epoch.per_class.f1.clone(),
            confusion: r.epoch.confusion.clone(),
            combined_mean_log_prob_accuracy: r.combined.mean_log_prob_accuracy,
            combined_majority_vote_accuracy: r.combined.majority_vote_accuracy,
            combined_groups: r.combined.groups.len(),
            fold_accuracy: r.fold_accuracy.clone(),
            epochs_run: r.epochs_run.clone(),
        }
    }

    /// Number of test clips (the confusion matrix's total).
    pub fn n(&self) -> u64 {
        self.confusion.iter().flatten().sum()
    }
}

/// Everything `metrics.json` holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioMetrics {
    /// The reproduction.
    pub id: String,
    /// The data set folder's name in the data directory (`cough_etiquette`, `fsdd`).
    pub dataset: String,
    /// Clips used (after the quick limit and unreadable files).
    pub clips: usize,
    /// Participants or speakers.
    pub groups: usize,
    pub folds: usize,
    /// The groups of each fold's test part.
    pub test_groups: Vec<Vec<String>>,
    /// Class names in label order.
    pub classes: Vec<String>,
    /// The results table, in config order (the paper's model first).
    pub models: Vec<ModelMetrics>,
    /// Key of the model saved as `model/` (what `eval --model results/<id>/model` runs): the
    /// best out-of-fold epoch accuracy, the first of the table on a tie.
    pub default_model: String,
    /// The paper's epoch-level accuracy, when it has one.
    pub paper_epoch_accuracy: Option<f64>,
    /// The paper's subject-level accuracy, when it has one.
    pub paper_subject_accuracy: Option<f64>,
    /// Unreadable files, with the reason.
    pub skipped_files: Vec<String>,
}

/// The paper's numbers this run is compared with.
#[derive(Debug, Clone, Copy)]
pub struct Anchors {
    /// Epoch-level accuracy.
    pub epoch: Option<f64>,
    /// Subject-level (combined) accuracy.
    pub subject: Option<f64>,
    pub source: &'static str,
    pub note: &'static str,
}

impl AudioMetrics {
    /// The metrics of `out`.
    pub fn of(
        id: &str,
        dataset: &str,
        classes: Vec<String>,
        out: &ExperimentOutput,
        anchors: &Anchors,
    ) -> Self {
        let models: Vec<ModelMetrics> = out.results.iter().map(ModelMetrics::of).collect();
        AudioMetrics {
            id: id.to_string(),
            dataset: dataset.to_string(),
            clips: out.n_clips,
            groups: out.n_groups,
            folds: out.test_groups.len(),
            test_groups: out.test_groups.clone(),
            classes,
            default_model: best_model(&models).to_string(),
            models,
            paper_epoch_accuracy: anchors.epoch,
            paper_subject_accuracy: anchors.subject,
            skipped_files: out
                .bad_files
                .iter()
                .map(|(p, e)| format!("{}: {e}", p.display()))
                .collect(),
        }
    }

    /// The model of [`AudioMetrics::default_model`].
    pub fn default(&self) -> Option<&ModelMetrics> {
        self.models.iter().find(|m| m.key == self.default_model)
    }

    /// `metrics.csv`: per model (`bilstm`, `cnn`, `mlp`) its overall numbers (fold empty:
    /// accuracy, balanced accuracy, macro F1, F1 of each class, combined accuracies), then each
    /// fold's test accuracy and epochs (`fold_1`, …).
    pub fn rows(&self) -> Vec<MetricRow> {
        let mut rows = Vec::new();
        for m in &self.models {
            let k = m.key.as_str();
            rows.push(MetricRow::new(k, "", "accuracy", m.accuracy));
            rows.push(MetricRow::new(
                k,
                "",
                "balanced_accuracy",
                m.balanced_accuracy,
            ));
            rows.push(MetricRow::new(k, "", "f1_macro", m.f1_macro));
            for (c, f1) in self.classes.iter().zip(&m.per_class_f1) {
                rows.push(MetricRow::new(k, "", format!("f1_{c}"), *f1));
            }
            rows.push(MetricRow::new(
                k,
                "",
                "combined_mean_log_prob_accuracy",
                m.combined_mean_log_prob_accuracy,
            ));
            rows.push(MetricRow::new(
                k,
                "",
                "combined_majority_vote_accuracy",
                m.combined_majority_vote_accuracy,
            ));
            for (i, (acc, epochs)) in m.fold_accuracy.iter().zip(&m.epochs_run).enumerate() {
                let fold = format!("fold_{}", i + 1);
                rows.push(MetricRow::new(k, fold.clone(), "accuracy", *acc));
                rows.push(MetricRow::new(k, fold, "epochs_run", *epochs as f64));
            }
        }
        rows
    }

    /// The end-of-run table: each model's accuracy, macro F1 and combined accuracy.
    pub fn summary(&self) -> Vec<MetricRow> {
        let keep = ["accuracy", "f1_macro", "combined_mean_log_prob_accuracy"];
        self.rows()
            .into_iter()
            .filter(|r| r.fold.is_empty() && keep.contains(&r.metric.as_str()))
            .collect()
    }
}

/// Key of the best model by out-of-fold epoch accuracy (the first on a tie; `""` for none).
pub fn best_model(models: &[ModelMetrics]) -> &str {
    let mut best: Option<&ModelMetrics> = None;
    for m in models {
        if best.is_none_or(|b| m.accuracy > b.accuracy) {
            best = Some(m);
        }
    }
    best.map_or("", |m| m.key.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(key: &str, acc: f64) -> ModelMetrics {
        ModelMetrics {
            name: key.to_uppercase(),
            key: key.into(),
            accuracy: acc,
            balanced_accuracy: acc - 0.125,
            f1_macro: acc - 0.25,
            per_class_f1: vec![0.5, 0.25],
            confusion: vec![vec![3, 1], vec![0, 4]],
            combined_mean_log_prob_accuracy: 1.0,
            combined_majority_vote_accuracy: 0.5,
            combined_groups: 2,
            fold_accuracy: vec![0.75, 1.0],
            epochs_run: vec![12, 9],
        }
    }

    #[test]
    fn rows_name_model_fold_and_metric_and_the_best_model_is_the_default() {
        let models = vec![
            model("bilstm", 0.5),
            model("cnn", 0.875),
            model("mlp", 0.875),
        ];
        assert_eq!(best_model(&models), "cnn", "best accuracy, first on a tie");
        assert_eq!(best_model(&models[..1]), "bilstm");
        let m = AudioMetrics {
            id: "x".into(),
            dataset: "fsdd".into(),
            clips: 8,
            groups: 2,
            folds: 2,
            test_groups: vec![vec!["a".into()], vec!["b".into()]],
            classes: vec!["none".into(), "hand".into()],
            default_model: best_model(&models).into(),
            models,
            paper_epoch_accuracy: None,
            paper_subject_accuracy: None,
            skipped_files: vec![],
        };
        assert_eq!(m.default().unwrap().name, "CNN");
        let rows = m.rows();
        assert_eq!(rows.len(), 3 * (7 + 4));
        assert_eq!(rows[0], MetricRow::new("bilstm", "", "accuracy", 0.5));
        assert!(rows.contains(&MetricRow::new("cnn", "", "f1_hand", 0.25)));
        assert!(rows.contains(&MetricRow::new("mlp", "fold_2", "accuracy", 1.0)));
        assert!(rows.contains(&MetricRow::new("mlp", "fold_1", "epochs_run", 12.0)));
        let s = m.summary();
        assert_eq!(s.len(), 9);
        assert_eq!(s[1], MetricRow::new("bilstm", "", "f1_macro", 0.25));
        assert_eq!(m.models[0].n(), 8);
    }
}
