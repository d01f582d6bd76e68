//! Set-up shared by the audio test binaries (each includes it with `mod common;` and uses
//! part of it).
#![allow(dead_code)]

use std::path::Path;

use deepfield_audio::data::LabelRule;
use deepfield_audio::features::{FeatureConfig, FrameScaler};
use deepfield_audio::model::{MfccClassifierConfig, ModelConfig};
use deepfield_core::models::save_model;
use deepfield_core::tch::{nn::VarStore, Device};

/// An untrained (seeded) cough classifier saved in `dir`.
pub fn save_cough_model(dir: &Path) {
    deepfield_core::seed(3);
    let features = FeatureConfig::speech(16_000);
    let f = features.n_features();
    let config = MfccClassifierConfig {
        id: "test".into(),
        features,
        label_rule: LabelRule::CoughEtiquette,
        class_names: LabelRule::CoughEtiquette.class_names(),
        scaler: FrameScaler {
            mean: vec![0.0; f],
            std: vec![10.0; f],
        },
        model: ModelConfig::mlp(f as i64, 3),
    };
    let vs = VarStore::new(Device::Cpu);
    let _ = config.model.init(&vs.root()).unwrap();
    save_model::<_, ()>(dir, &vs, &config, None).unwrap();
}

/// The columns of `eval --out` for a cough classifier: the file, the answer, its
/// probability, the true label and the probability of each class.
pub const PREDICTION_COLUMNS: [&str; 7] = [
    "file",
    "predicted",
    "confidence",
    "label",
    "p_none",
    "p_hand",
    "p_elbow",
];
