//! The arguments of the shared `explain` and `profile` commands ([`super::cli::Common`]) and
//! how they turn into a request.

use std::path::PathBuf;

use crate::{Error, Result};

/// Arguments of `explain`.
#[derive(clap::Args, Debug, Clone)]
pub struct ExplainArgs {
    /// The model folder.
    #[arg(long, value_name = "DIR")]
    pub model: PathBuf,
    /// safetensors file with the input batch (`input`, batch first) and optionally `mask`.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,
    /// The method.
    #[arg(long, value_enum)]
    pub method: crate::explain::run::Method,
    /// Output index to explain [default: each example's predicted class].
    #[arg(long)]
    pub class: Option<i64>,
    /// Captured layer for CAM methods [default: the last captured feature map]; `inspect`
    /// and a failed request list the layers.
    #[arg(long)]
    pub layer: Option<String>,
    /// Integration steps (integrated gradients).
    #[arg(long, default_value_t = 50)]
    pub steps: usize,
    /// Noisy samples (SmoothGrad 50, Smooth Grad-CAM++ 4 are the usual choices).
    #[arg(long, default_value_t = 16)]
    pub samples: usize,
    /// Noise: fraction of each input's range for SmoothGrad, σ for Smooth Grad-CAM++.
    #[arg(long, default_value_t = 0.15)]
    pub noise: f64,
    /// CAM: the classifier weight variable after global pooling (e.g. `head.out.weight`).
    #[arg(long, value_name = "NAME")]
    pub fc_weight: Option<String>,
    /// At most this many heat-map PNGs.
    #[arg(long, default_value_t = 16)]
    pub max_images: usize,
    /// CAM methods: map only these feature maps of the layer (0-based, comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "K,…")]
    pub channels: Option<Vec<i64>>,
    /// SHAP methods: safetensors file with background rows shaped like the examples
    /// (`background`, `input` or its only tensor).
    #[arg(long, value_name = "FILE")]
    pub background: Option<PathBuf>,
    /// SHAP methods on images `[C, H, W]`: square patches of this side are the features.
    #[arg(long, value_name = "PIXELS")]
    pub patch: Option<usize>,
    /// SHAP methods: coalitions (kernel-shap) or orders (permutation-shap) [default: 2M + 2048
    /// coalitions, 10 orders].
    #[arg(long, default_value_t = 0)]
    pub shap_samples: usize,
    /// Seed of the sampled SHAP estimators.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Explain neurons of this captured layer (their summed activation) instead of an output.
    #[arg(long, value_name = "NAME")]
    pub neuron_layer: Option<String>,
    /// With --neuron-layer: these channels (0-based) [default: all].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "K,…",
        requires = "neuron_layer"
    )]
    pub neuron_channels: Vec<i64>,
    /// With --neuron-layer: these flat positions within each channel's map [default: all].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "P,…",
        requires = "neuron_layer"
    )]
    pub neuron_positions: Option<Vec<i64>>,
    /// Output folder (written atomically).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

impl ExplainArgs {
    /// The request these arguments describe.
    pub fn request(&self) -> crate::explain::run::ExplainRequest {
        crate::explain::run::ExplainRequest {
            model: self.model.clone(),
            input: self.input.clone(),
            out: self.out.clone(),
            method: self.method,
            class: self.class,
            layer: self.layer.clone(),
            steps: self.steps,
            samples: self.samples,
            noise: self.noise,
            fc_weight: self.fc_weight.clone(),
            max_images: self.max_images,
            channels: self.channels.clone(),
            background: self.background.clone(),
            patch: self.patch,
            shap_samples: self.shap_samples,
            seed: self.seed,
            neurons: self
                .neuron_layer
                .as_ref()
                .map(|layer| crate::explain::Neurons {
                    layer: layer.clone(),
                    channels: self.neuron_channels.clone(),
                    positions: self.neuron_positions.clone(),
                }),
        }
    }
}

/// Arguments of `profile`.
#[derive(clap::Args, Debug, Clone)]
pub struct ProfileArgs {
    /// The JSON file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// libtorch threads for the probes and the timings.
    #[arg(long, default_value_t = 1)]
    pub threads: usize,
    /// Seconds of timed forward passes per model (at least 5 runs).
    #[arg(long, default_value_t = 1.0)]
    pub seconds: f64,
    /// Only these kinds (repeatable) [default: every kind with an example].
    #[arg(long = "kind", value_name = "KIND")]
    pub kinds: Vec<String>,
}

impl ProfileArgs {
    /// Profile `models` as asked and write the JSON file; returns what was written.
    pub fn run(
        &self,
        models: &crate::models::ModelRegistry,
    ) -> Result<crate::profile::ProfileFile> {
        use crate::profile;
        if !(self.seconds.is_finite() && self.seconds >= 0.0) {
            return Err(Error::config(format!(
                "profile: --seconds must be a non-negative number, got {}",
                self.seconds
            )));
        }
        crate::device::set_threads(self.threads);
        let opts = profile::LatencyOptions {
            budget_s: self.seconds,
            ..Default::default()
        };
        let roofline = profile::roofline::measure(crate::device())?;
        let (models, skipped) = profile::profile_all(models, &self.kinds, &opts)?;
        let binary = std::env::current_exe()
            .ok()
            .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .unwrap_or_default();
        let file = profile::ProfileFile {
            binary,
            roofline,
            models,
            skipped,
        };
        crate::fsutil::write_json(&self.out, &file)?;
        Ok(file)
    }
}
