//! GRACE. Paper: Yanqiao Zhu, Yichen Xu, Feng Yu, Qiang Liu, Shu Wu & Liang Wang, "Deep Graph
//! Contrastive Representation Learning", ICML GRL+ workshop 2020. Two views (edge dropping,
//! feature masking) through a shared 2-layer GCN and a projection head; an InfoNCE loss with
//! inter- and intra-view negatives at temperature τ. Cora defaults: 128 units, τ = 0.4, edge drop
//! 0.2 / 0.4, feature mask 0.3 / 0.4, Adam 5e-4, weight decay 1e-5, 200 epochs.

use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::tch::{nn, Kind, Tensor};
use serde::{Deserialize, Serialize};

use super::augment::TwoViews;
use super::{SslMethod, SslTrainConfig};
use crate::adjacency::MessageGraph;
use crate::encoder::{Encoder, EncoderConfig, LayerKind};
use crate::Result;

/// GRACE configuration. Parameters: `encoder.*`, `proj.fc1|fc2.weight|bias`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GraceConfig {
    pub encoder: EncoderConfig,
    pub proj_dim: i64,
    pub tau: f64,
    /// Edge drop and feature mask rates of the two views.
    #[serde(flatten)]
    pub views: TwoViews,
    pub train: SslTrainConfig,
    /// Initialisation of the projection head (default: PyTorch's `nn.Linear`, as the paper's
    /// code).
    #[serde(default)]
    pub init: LinearInit,
}

impl GraceConfig {
    /// The paper's Cora setting.
    pub fn paper(input: i64) -> Self {
        let mut encoder = EncoderConfig::new(LayerKind::Gcn, input, [256, 128]);
        encoder.last_activation = true;
        encoder.dropout = 0.0;
        GraceConfig {
            encoder,
            proj_dim: 128,
            tau: 0.4,
            views: TwoViews::new([0.2, 0.4], [0.3, 0.4]),
            train: SslTrainConfig::adam(200, 5e-4, 1e-5),
            init: LinearInit::Torch,
        }
    }

    /// Build under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<Grace> {
        let d = self.encoder.out_dim();
        let proj = p / "proj";
        Ok(Grace {
            encoder: self.encoder.init(&(p / "encoder"))?,
            fc1: linear(&(&proj / "fc1"), d, self.proj_dim, self.init)?,
            fc2: linear(&(&proj / "fc2"), self.proj_dim, d, self.init)?,
            cfg: self.clone(),
        })
    }
}

/// A GRACE model.
pub struct Grace {
    encoder: Encoder,
    fc1: nn::Linear,
    fc2: nn::Linear,
    cfg: GraceConfig,
}

fn semi_loss(z1: &Tensor, z2: &Tensor, tau: f64) -> Tensor {
    let refl = (z1.mm(&z1.tr()) / tau).exp();
    let between = (z1.mm(&z2.tr()) / tau).exp();
    let denom = refl.sum_dim_intlist(1, false, Kind::Float)
        + between.sum_dim_intlist(1, false, Kind::Float)
        - refl.diag(0);
    -(between.diag(0) / denom).log()
}

impl SslMethod for Grace {
    fn loss(&self, x: &Tensor, g: &MessageGraph) -> Result<Tensor> {
        let c = &self.cfg;
        // Both masks are drawn before the forward passes, which draw nothing at GRACE's
        // dropout 0 (so the random stream is the one of drawing them in between).
        let [(x1, g1), (x2, g2)] = c.views.draw(x, g)?;
        let h1 = self.encoder.forward(&x1, &g1, true);
        let h2 = self.encoder.forward(&x2, &g2, true);
        let proj = |h: &Tensor| h.apply(&self.fc1).elu().apply(&self.fc2);
        let norm = |z: Tensor| {
            let n = z.norm_scalaropt_dim(2, [1], true).clamp_min(1e-12);
            z / n
        };
        let (z1, z2) = (norm(proj(&h1)), norm(proj(&h2)));
        let l = (semi_loss(&z1, &z2, c.tau) + semi_loss(&z2, &z1, c.tau)) * 0.5;
        Ok(l.mean(Kind::Float))
    }

    fn embed(&self, x: &Tensor, g: &MessageGraph) -> Tensor {
        self.encoder.forward(x, g, false)
    }
}
