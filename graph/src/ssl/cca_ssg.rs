//! CCA-SSG. Paper: Hengrui Zhang, Qitian Wu, Junchi Yan, David Wipf & Philip S. Yu, "From
//! Canonical Correlation Analysis to Self-supervised Graph Neural Networks", NeurIPS 2021. Two
//! augmented views through a shared GCN; embeddings standardised per dimension; the loss pulls
//! the views together (invariance) and decorrelates the dimensions of each view:
//! `-tr(Z1ᵀZ2)/N + λ (‖Z1ᵀZ1/N - I‖² + ‖Z2ᵀZ2/N - I‖²)`. Cora defaults: 2-layer GCN 512-512,
//! λ = 1e-3, feature mask 0.1, edge drop 0.4, Adam 1e-3, no weight decay, 50 epochs.

use deepfield_core::tch::{nn, Kind, Tensor};
use serde::{Deserialize, Serialize};

use super::augment::{drop_edges, mask_features};
use super::{SslMethod, SslTrainConfig};
use crate::adjacency::MessageGraph;
use crate::encoder::{Encoder, EncoderConfig, LayerKind};
use crate::Result;

/// CCA-SSG configuration. Parameters: `encoder.*`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CcaSsgConfig {
    pub encoder: EncoderConfig,
    pub lambda: f64,
    pub drop_feature: f64,
    pub drop_edge: f64,
    pub train: SslTrainConfig,
}

impl CcaSsgConfig {
    /// The paper's Cora setting.
    pub fn paper(input: i64) -> Self {
        let mut encoder = EncoderConfig::new(LayerKind::Gcn, input, [512, 512]);
        encoder.dropout = 0.0;
        CcaSsgConfig {
            encoder,
            lambda: 1e-3,
            drop_feature: 0.1,
            drop_edge: 0.4,
            train: SslTrainConfig::adam(50, 1e-3, 0.0),
        }
    }

    /// Build under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<CcaSsg> {
        Ok(CcaSsg {
            encoder: self.encoder.init(&(p / "encoder"))?,
            cfg: self.clone(),
        })
    }
}

/// A CCA-SSG model.
pub struct CcaSsg {
    encoder: Encoder,
    cfg: CcaSsgConfig,
}

fn standardise(h: &Tensor) -> Tensor {
    let mean = h.mean_dim(0, true, Kind::Float);
    let std = h.std_dim(0, true, true).clamp_min(1e-8);
    (h - mean) / std
}

impl SslMethod for CcaSsg {
    fn loss(&self, x: &Tensor, g: &MessageGraph) -> Result<Tensor> {
        let c = &self.cfg;
        let n = g.n as f64;
        let view = |x: &Tensor| -> Result<Tensor> {
            let gv = drop_edges(g, c.drop_edge)?;
            Ok(standardise(&self.encoder.forward(
                &mask_features(x, c.drop_feature),
                &gv,
                true,
            )))
        };
        let (z1, z2) = (view(x)?, view(x)?);
        let d = z1.size()[1];
        let eye = Tensor::eye(d, (Kind::Float, x.device()));
        let inv = -(z1.tr().mm(&z2) / n).trace();
        let dec1 = (&eye - z1.tr().mm(&z1) / n).square().sum(Kind::Float);
        let dec2 = (&eye - z2.tr().mm(&z2) / n).square().sum(Kind::Float);
        Ok(inv + (dec1 + dec2) * c.lambda)
    }

    fn embed(&self, x: &Tensor, g: &MessageGraph) -> Tensor {
        self.encoder.forward(x, g, false)
    }
}
