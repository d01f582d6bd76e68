use deepfield_audio::data::*;
use deepfield_audio::features::FeatureConfig;
use deepfield_audio::model::ModelConfig;
use deepfield_audio::repro::experiment::*;
use deepfield_core::nn::rnn::Pooling;
fn main() {
    deepfield_core::device::set_threads(1);
    let v = std::env::args().nth(1).unwrap();
    let dir = deepfield_core::data::dataset(&FSDD).unwrap();
    let clips = fsdd_clips(&dir).unwrap();
    let mut features = FeatureConfig::speech(8000);
    if v.contains("cmvn") { features.cmvn = true; }
    let mut m = ModelConfig::bilstm(39, 10);
    if v.contains("mean") { if let ModelConfig::Bilstm(c) = &mut m { c.pooling = Pooling::Mean; } }
    let cfg = ExperimentConfig { models: vec![m], features, label_rule: LabelRule::FsddDigit,
        train: train_config(40, 0), folds: FoldPlan::GroupHoldout { test_frac: 0.2 }, val_frac: 0.15,
        max_per_group_label: None, seed: 0 };
    let out = run(&cfg, &clips).unwrap();
    let r = &out.results[0];
    println!("{v}: acc {:.4} combined {:.3} epochs {:?}", r.epoch.accuracy, r.combined.mean_log_prob_accuracy, r.epochs_run);
}
