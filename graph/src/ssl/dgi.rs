//! Deep Graph Infomax. Paper: Petar Veličković, William Fedus, William L. Hamilton, Pietro Liò,
//! Yoshua Bengio & R Devon Hjelm, "Deep Graph Infomax", ICLR 2019. A one-layer GCN (512, PReLU)
//! encodes the graph and a row-shuffled corruption of it; a bilinear discriminator tells node
//! embeddings of the real graph, paired with the graph summary `s = σ(mean h)`, from the
//! corrupted ones (binary cross-entropy). Cora defaults: Adam 0.001, patience 20 on the loss.

use deepfield_core::tch::{nn, Kind, Tensor};
use serde::{Deserialize, Serialize};

use super::augment::permute_rows;
use super::{SslMethod, SslTrainConfig};
use crate::adjacency::MessageGraph;
use crate::encoder::{Encoder, EncoderConfig, LayerKind};
use crate::layers::Act;
use crate::Result;

/// DGI configuration. Parameters: `encoder.*`, `disc.weight` `[d, d]`, `disc.bias`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DgiConfig {
    pub encoder: EncoderConfig,
    pub train: SslTrainConfig,
}

impl DgiConfig {
    /// The paper's transductive setting (Cora: 512 PReLU units, lr 0.001, patience 20).
    pub fn paper(input: i64) -> Self {
        let mut encoder = EncoderConfig::new(LayerKind::Gcn, input, [512]);
        encoder.activation = Act::Prelu;
        encoder.last_activation = true;
        encoder.dropout = 0.0;
        DgiConfig {
            encoder,
            train: SslTrainConfig {
                patience: Some(20),
                ..SslTrainConfig::adam(1000, 0.001, 0.0)
            },
        }
    }

    /// Build under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<Dgi> {
        let d = self.encoder.out_dim();
        let a = (6.0 / (2 * d) as f64).sqrt();
        let disc = p / "disc";
        Ok(Dgi {
            encoder: self.encoder.init(&(p / "encoder"))?,
            weight: disc.var("weight", &[d, d], nn::Init::Uniform { lo: -a, up: a }),
            bias: disc.zeros("bias", &[1]),
        })
    }
}

/// A DGI model.
pub struct Dgi {
    encoder: Encoder,
    weight: Tensor,
    bias: Tensor,
}

impl SslMethod for Dgi {
    fn loss(&self, x: &Tensor, g: &MessageGraph) -> Result<Tensor> {
        let n = g.n as i64;
        let h = self.encoder.forward(x, g, true);
        let perm = Tensor::randperm(n, (Kind::Int64, x.device()));
        let hc = self.encoder.forward(&permute_rows(x, &perm), g, true);
        let s = h.mean_dim(0, false, Kind::Float).sigmoid();
        let ws = self.weight.mv(&s);
        let pos = h.mv(&ws) + &self.bias;
        let neg = hc.mv(&ws) + &self.bias;
        let logits = Tensor::cat(&[pos, neg], 0);
        let target = Tensor::cat(
            &[
                Tensor::ones([n], (Kind::Float, x.device())),
                Tensor::zeros([n], (Kind::Float, x.device())),
            ],
            0,
        );
        Ok(logits.binary_cross_entropy_with_logits::<Tensor>(
            &target,
            None,
            None,
            deepfield_core::tch::Reduction::Mean,
        ))
    }

    fn embed(&self, x: &Tensor, g: &MessageGraph) -> Tensor {
        self.encoder.forward(x, g, false)
    }
}
