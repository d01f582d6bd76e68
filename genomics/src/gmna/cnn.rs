//! The GMNA CNN location classifier: a core 1-D [`CnnClassifier`] over one-hot genomes
//! (`[B, 4, L]`, see [`crate::seq::onehot`]). A strided first convolution and three max-pool
//! stages bring a 30 kb genome down to ~120 positions before global max pooling, so the network
//! detects the presence of short sequence signatures (the mutations that mark lineages) wherever
//! they are.
//!
//! A trained one is saved as a [`GmnaCnnConfig`] (registered kind `genomics.gmna_cnn`): the
//! network with the input length and the class names it predicts.

use deepfield_core::data::TensorDataset;
use deepfield_core::models::ModelConfig;
use deepfield_core::nn::cnn::{
    CnnClassifier, CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, GlobalPool, PoolConfig,
};
use deepfield_core::train::{OptimizerConfig, TrainConfig};
use serde::{Deserialize, Serialize};
use tch::{nn, Kind, Tensor};

use crate::seq::{onehot, Record};
use crate::Result;

/// CNN settings of a GMNA run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CnnSettings {
    /// Genome length after padding/truncation (SARS-CoV-2 reference: 29,903 nt).
    pub length: usize,
    pub model: CnnClassifierConfig,
    pub train: TrainConfig,
}

impl Default for CnnSettings {
    fn default() -> Self {
        let mut b1 = ConvBlockConfig::new(16, 12).with_pool(PoolConfig::max(4));
        b1.stride = 4;
        let model = CnnClassifierConfig {
            stack: ConvStackConfig {
                dims: 1,
                input: 4,
                blocks: vec![
                    b1,
                    ConvBlockConfig::new(32, 8).with_pool(PoolConfig::max(4)),
                    ConvBlockConfig::new(32, 8).with_pool(PoolConfig::max(4)),
                ],
            },
            global_pool: GlobalPool::Max,
            head_hidden: vec![32],
            output: 2,
            dropout: 0.2,
            ..Default::default()
        };
        CnnSettings {
            length: 30_000,
            model,
            train: TrainConfig {
                epochs: 12,
                batch_size: 16,
                optimizer: OptimizerConfig::adam(1e-3),
                progress: false,
                ..Default::default()
            },
        }
    }
}

/// A trained GMNA CNN as saved: the network and what its inputs and outputs mean. Registered as
/// `genomics.gmna_cnn`; [`build`](ModelConfig::build) makes the network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GmnaCnnConfig {
    /// Genomes are one-hot encoded and padded/truncated to this many nucleotides
    /// ([`one_hot_tensor`]).
    pub length: usize,
    /// The metadata column the classes come from (`region`, `country`, …).
    pub label_column: String,
    /// Class names, in the order of the network's outputs.
    pub labels: Vec<String>,
    /// The network over `[B, 4, length]`; its `output` is the number of labels.
    pub network: CnnClassifierConfig,
}

impl ModelConfig for GmnaCnnConfig {
    const KIND: &'static str = "genomics.gmna_cnn";
    const DESCRIPTION: &'static str =
        "GMNA location classifier: 1-D CNN over one-hot genomes [B, 4, L] -> class logits";
    type Model = CnnClassifier;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.network.validate()?;
        deepfield_core::ensure_config!(
            self.network.stack.dims == 1 && self.network.stack.input == 4,
            "gmna cnn: the network takes one-hot genomes [B, 4, L] (dims 1, input 4), got dims {} \
             and input {}",
            self.network.stack.dims,
            self.network.stack.input
        );
        deepfield_core::ensure_config!(
            self.labels.len() >= 2 && self.network.output == self.labels.len() as i64,
            "gmna cnn: {} labels but {} network outputs (need ≥ 2, one per label)",
            self.labels.len(),
            self.network.output
        );
        deepfield_core::ensure_config!(self.length > 0, "gmna cnn: length must be > 0");
        Ok(())
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<CnnClassifier> {
        self.network.init(path)
    }

    /// The GMNA run's default CNN (six regions) on one one-hot genome of the default length.
    fn example() -> Option<deepfield_core::profile::Example<Self>> {
        let s = CnnSettings::default();
        let labels: Vec<String> = (0..6).map(|i| format!("region_{i}")).collect();
        let mut network = s.model;
        network.output = labels.len() as i64;
        let length = s.length as i64;
        let dev = deepfield_core::device();
        let bases = Tensor::randint(4, [1, length], (Kind::Int64, dev));
        let x = bases
            .one_hot(4)
            .permute([0, 2, 1])
            .to_kind(Kind::Float)
            .contiguous();
        let config = GmnaCnnConfig {
            length: s.length,
            label_column: "region".into(),
            labels,
            network,
        };
        Some(deepfield_core::profile::Example::tensor(config, x))
    }
}

/// One-hot inputs `[N, 4, length]` of `records`.
pub fn one_hot_tensor(records: &[&Record], length: usize) -> Tensor {
    let mut buf = Vec::with_capacity(records.len() * 4 * length);
    for r in records {
        onehot::one_hot_into(&r.seq, length, &mut buf);
    }
    Tensor::from_slice(&buf).view([records.len() as i64, 4, length as i64])
}

/// Dataset of one-hot genomes and class ids.
pub fn dataset(records: &[&Record], y: &[usize], length: usize) -> Result<TensorDataset> {
    let ys: Vec<i64> = y.iter().map(|&c| c as i64).collect();
    Ok(TensorDataset::new(
        one_hot_tensor(records, length),
        Tensor::from_slice(&ys).to_kind(Kind::Int64),
    )?)
}

/// Softmax probabilities of the model on `x` (rows of class probabilities).
pub fn predict_proba(model: &CnnClassifier, x: &Tensor) -> Result<Vec<Vec<f64>>> {
    let ds = TensorDataset::new(
        x.shallow_clone(),
        Tensor::zeros([x.size()[0]], (Kind::Int64, x.device())),
    )?;
    let logits = deepfield_core::train::predict(model, &ds, 32)?;
    let p = logits.softmax(-1, Kind::Double).to_device(tch::Device::Cpu);
    Ok(Vec::<Vec<f64>>::try_from(&p)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: &[u8]) -> Record {
        Record {
            id: "r".into(),
            description: String::new(),
            seq: seq.to_vec(),
            qual: None,
        }
    }

    #[test]
    fn one_hot_inputs_pad_truncate_and_spread_ambiguity() {
        let (a, b) = (record(b"ACGTN"), record(b"GGR"));
        let x = one_hot_tensor(&[&a, &b], 4);
        assert_eq!(x.size(), [2, 4, 4]);
        let v = |i: i64, c: i64, p: i64| x.double_value(&[i, c, p]);
        // Genome 0 truncated to ACGT: channel c is hot at position c.
        for c in 0..4 {
            for p in 0..4 {
                assert_eq!(v(0, c, p), f64::from(u8::from(c == p)), "{c} {p}");
            }
        }
        // Genome 1: G, G, R = ½ A + ½ G, then padding (all zero).
        assert_eq!((v(1, 2, 0), v(1, 2, 1)), (1.0, 1.0));
        assert_eq!((v(1, 0, 2), v(1, 2, 2), v(1, 1, 2)), (0.5, 0.5, 0.0));
        assert_eq!((0..4).map(|c| v(1, c, 3)).sum::<f64>(), 0.0);

        let ds = dataset(&[&a, &b], &[1, 0], 4).unwrap();
        assert_eq!(ds.len(), 2);
        // The default network maps a 30 kb genome to 2 logits.
        let s = CnnSettings::default();
        assert_eq!(
            (s.length, s.model.output, s.model.stack.input),
            (30_000, 2, 4)
        );
    }
}
