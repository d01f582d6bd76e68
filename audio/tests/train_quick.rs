//! A short BiLSTM training run on a small real subset of the spoken digits (variable lengths,
//! masked), speaker-independent: accuracy must beat chance (0.1) by a clear margin.

use deepfield_audio::data::{fsdd_clips, LabelRule, FSDD};
use deepfield_audio::features::FeatureConfig;
use deepfield_audio::model::ModelConfig;
use deepfield_audio::repro::experiment::{run, train_config, ExperimentConfig, FoldPlan, ValSplit};

#[test]
fn bilstm_learns_spoken_digits_of_an_unseen_speaker() {
    // One libtorch thread: tiny recurrent steps only lose time to thread hand-offs.
    deepfield_core::device::set_threads(1);
    let dir = deepfield_core::data::dataset(&FSDD).expect("fsdd data");
    let clips = fsdd_clips(&dir).unwrap();
    assert_eq!(clips.len(), 2500);
    let features = FeatureConfig::speech(8000);
    let cfg = ExperimentConfig {
        models: vec![ModelConfig::bilstm(features.n_features() as i64, 10)],
        recipes: Vec::new(),
        features,
        label_rule: LabelRule::FsddDigit,
        train: train_config(12, 3),
        folds: FoldPlan::GroupHoldout { test_frac: 0.2 },
        val_frac: 0.15,
        val_split: ValSplit::Stratified,
        max_per_group_label: Some(6),
        seed: 3,
    };
    let t = std::time::Instant::now();
    let out = run("digits-test", &cfg, &clips).unwrap();
    eprintln!("quick run: {:.1} s", t.elapsed().as_secs_f64());
    assert_eq!(out.n_clips, 300);
    assert_eq!(out.n_groups, 5);
    assert_eq!(out.test_groups.len(), 1);
    assert_eq!(out.test_groups[0].len(), 1, "one whole speaker in test");
    let r = &out.results[0];
    assert_eq!(r.epoch.n, 60);
    eprintln!(
        "BiLSTM accuracy {:.3}, combined {:.3}",
        r.epoch.accuracy, r.combined.mean_log_prob_accuracy
    );
    assert!(
        r.epoch.accuracy > 0.5,
        "accuracy {} (chance 0.1)",
        r.epoch.accuracy
    );
    assert_eq!(r.combined.groups.len(), 10);
    // Issue 15: one progress line per fold and model, saying where the run is.
    assert_eq!(out.progress.len(), 1, "{:?}", out.progress);
    let line = &out.progress[0];
    assert!(
        line.starts_with("digits-test: [1/1] fold 1/1 BiLSTM:")
            && line.contains(&format!("test accuracy {:.3}", r.fold_accuracy[0])),
        "{line}"
    );
    // Issue 5: the history of the training, named by model and fold.
    assert_eq!(out.histories.len(), 1);
    assert_eq!(out.histories[0].0, "bilstm/fold_1");
    assert_eq!(out.histories[0].1.epochs.len(), r.epochs_run[0]);
}
