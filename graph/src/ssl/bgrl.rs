//! BGRL. Paper: Shantanu Thakoor, Corentin Tallec, Mohammad Gheshlaghi Azar, Mehdi Azabou, Eva L.
//! Dyer, Rémi Munos, Petar Veličković & Michal Valko, "Large-Scale Representation Learning on
//! Graphs via Bootstrapping", ICLR 2022. An online encoder plus predictor regresses the output of
//! a target encoder (an exponential moving average of the online one, τ rising from 0.99 to 1 on
//! a cosine schedule) on the other augmented view; loss `2 - 2 cos(p, t)` summed over both
//! directions. Encoder: GCN layers each followed by batch norm and PReLU; predictor: MLP with
//! 512 hidden units. BGRL did not report Cora: the sizes and augmentation rates used here (GCN
//! 512-256, edge drop 0.3 / 0.2, feature mask 0.3 / 0.2, Adam 1e-3, weight decay 1e-5) are this
//! crate's choice, stated in the report.

use deepfield_core::nn::init::{linear, LinearInit};
use deepfield_core::tch::{nn, Kind, Tensor};
use serde::{Deserialize, Serialize};

use super::augment::TwoViews;
use super::{SslMethod, SslTrainConfig};
use crate::adjacency::MessageGraph;
use crate::encoder::{Encoder, EncoderConfig, LayerKind};
use crate::layers::{Act, Activation};
use crate::Result;

/// BGRL configuration. Parameters: `encoder.*`, `predictor.0|2.weight|bias`, `predictor.1`
/// (PReLU); the target encoder lives in its own store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgrlConfig {
    pub encoder: EncoderConfig,
    pub predictor_hidden: i64,
    pub tau: f64,
    /// Edge drop and feature mask rates of the two views.
    #[serde(flatten)]
    pub views: TwoViews,
    pub train: SslTrainConfig,
    /// Initialisation of the predictor's linear layers (default: PyTorch's `nn.Linear`, as the
    /// paper's code).
    #[serde(default)]
    pub init: LinearInit,
}

impl BgrlConfig {
    /// Defaults (see the module docs for which come from the paper).
    pub fn paper(input: i64) -> Self {
        let mut encoder = EncoderConfig::new(LayerKind::Gcn, input, [512, 256]);
        encoder.activation = Act::Prelu;
        encoder.last_activation = true;
        encoder.batch_norm = true;
        encoder.dropout = 0.0;
        BgrlConfig {
            encoder,
            predictor_hidden: 512,
            tau: 0.99,
            views: TwoViews::new([0.3, 0.2], [0.3, 0.2]),
            train: SslTrainConfig::adam(500, 1e-3, 1e-5),
            init: LinearInit::Torch,
        }
    }

    /// Build the online network in `vs` and a target copy in its own store.
    pub fn init(&self, vs: &nn::VarStore) -> Result<Bgrl> {
        let p = vs.root();
        let encoder = self.encoder.init(&(&p / "encoder"))?;
        let d = self.encoder.out_dim();
        let pp = &p / "predictor";
        let fc1 = linear(&(&pp / "0"), d, self.predictor_hidden, self.init)?;
        let act = Activation::new(&(&pp / "1"), Act::Prelu, 1);
        let fc2 = linear(&(&pp / "2"), self.predictor_hidden, d, self.init)?;
        let mut target_vs = nn::VarStore::new(vs.device());
        let target = self.encoder.init(&(target_vs.root() / "encoder"))?;
        target_vs.freeze();
        let online = vs.variables();
        let mut pairs = Vec::new();
        deepfield_core::tch::no_grad(|| {
            for (name, mut t) in target_vs.variables() {
                if let Some(o) = online.get(&name) {
                    t.copy_(o);
                    pairs.push((t, o.shallow_clone()));
                }
            }
        });
        Ok(Bgrl {
            encoder,
            target,
            _target_vs: target_vs,
            pairs,
            fc1,
            act,
            fc2,
            cfg: self.clone(),
        })
    }
}

/// A BGRL model.
pub struct Bgrl {
    encoder: Encoder,
    target: Encoder,
    _target_vs: nn::VarStore,
    pairs: Vec<(Tensor, Tensor)>,
    fc1: nn::Linear,
    act: Activation,
    fc2: nn::Linear,
    cfg: BgrlConfig,
}

fn cosine(a: &Tensor, b: &Tensor) -> Tensor {
    let na = a.norm_scalaropt_dim(2, [1], false).clamp_min(1e-12);
    let nb = b.norm_scalaropt_dim(2, [1], false).clamp_min(1e-12);
    (a * b).sum_dim_intlist(1, false, Kind::Float) / (na * nb)
}

impl SslMethod for Bgrl {
    fn loss(&self, x: &Tensor, g: &MessageGraph) -> Result<Tensor> {
        let [(x1, g1), (x2, g2)] = self.cfg.views.draw(x, g)?;
        let predict = |h: Tensor| self.act.apply(&h.apply(&self.fc1)).apply(&self.fc2);
        let p1 = predict(self.encoder.forward(&x1, &g1, true));
        let p2 = predict(self.encoder.forward(&x2, &g2, true));
        let (t1, t2) = deepfield_core::tch::no_grad(|| {
            (
                self.target.forward(&x1, &g1, true),
                self.target.forward(&x2, &g2, true),
            )
        });
        let l = -(cosine(&p1, &t2) + cosine(&p2, &t1)) * 2.0 + 4.0;
        Ok(l.mean(Kind::Float))
    }

    fn embed(&self, x: &Tensor, g: &MessageGraph) -> Tensor {
        self.encoder.forward(x, g, false)
    }

    fn after_step(&mut self, progress: f64) {
        let tau =
            1.0 - (1.0 - self.cfg.tau) * ((std::f64::consts::PI * progress).cos() + 1.0) / 2.0;
        deepfield_core::tch::no_grad(|| {
            for (t, o) in self.pairs.iter_mut() {
                let new = &*t * tau + o.detach() * (1.0 - tau);
                t.copy_(&new);
            }
        });
    }
}
