//! Set-up shared by the genomics test binaries (each includes it with `mod common;`).

use std::path::{Path, PathBuf};

use deepfield_core::models::ModelConfig as _;
use deepfield_genomics::snp::window::WindowConfig;
use deepfield_genomics::snp::{self, DeepSnpConfig, DeepSnpDetectorConfig};
use tch::nn::VarStore;

/// An untrained Deep SNP detector (seed 1, windows of 1,024 probes) saved as `dir/model`;
/// returns that folder.
pub fn save_deep_snp_model(dir: &Path) -> PathBuf {
    tch::manual_seed(1);
    let config = DeepSnpDetectorConfig {
        model: DeepSnpConfig::default(),
        windows: WindowConfig {
            length: 1024,
            stride: 512,
            margin: 10,
        },
        decision_threshold: 0.4,
        baseline_min_segment: 20,
        baseline_threshold: 1.0,
    };
    let vs = VarStore::new(deepfield_core::device());
    let _m = config.build(&vs.root()).unwrap();
    let model = dir.join("model");
    snp::predict::save(&model, &vs, &config, None::<&()>).unwrap();
    model
}
