//! A stack of graph layers (GCN, GraphSAGE, GAT or GIN) with dropout, optional batch norm and a
//! non-linearity between layers: the encoder of every supervised and self-supervised model here.

use deepfield_core::tch::{nn, Tensor};
use serde::{Deserialize, Serialize};

use crate::adjacency::MessageGraph;
use crate::error::{ensure_cfg, Result};
use crate::layers::{
    dropout, Act, Activation, GatConfig, GatInit, GcnConfig, GinConfig, GraphLayer, SageConfig,
};

/// Which layer the encoder stacks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LayerKind {
    Gcn,
    Sage,
    Gat,
    Gin,
}

impl std::str::FromStr for LayerKind {
    type Err = crate::GraphError;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "gcn" => Ok(LayerKind::Gcn),
            "sage" | "graphsage" => Ok(LayerKind::Sage),
            "gat" => Ok(LayerKind::Gat),
            "gin" => Ok(LayerKind::Gin),
            other => Err(crate::GraphError::config(format!(
                "unknown layer `{other}` (gcn, sage, gat, gin)"
            ))),
        }
    }
}

/// Encoder configuration. Parameters live under `layers.{i}`, `norms.{i}`, `acts.{i}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncoderConfig {
    pub kind: LayerKind,
    /// Input features.
    pub input: i64,
    /// Output width of every layer (for GAT: per head times heads, see `heads`).
    pub dims: Vec<i64>,
    /// GAT heads per layer (ignored by the other layers); a layer's width must divide by it.
    /// The last GAT layer averages its heads when `last_concat` is false.
    pub heads: Vec<i64>,
    pub last_concat: bool,
    pub activation: Act,
    /// Apply the activation (and norm) after the last layer too.
    pub last_activation: bool,
    /// Dropout on the input of every layer.
    pub dropout: f64,
    /// Dropout on the input of the first layer only, when different (GraphMAE's `in_drop`).
    pub input_dropout: Option<f64>,
    /// GAT attention dropout.
    pub attn_dropout: f64,
    /// Batch norm after every hidden layer (BGRL).
    pub batch_norm: bool,
    /// GAT weight initialisation.
    pub gat_init: GatInit,
}

impl Default for EncoderConfig {
    fn default() -> Self {
        EncoderConfig {
            kind: LayerKind::Gcn,
            input: 1,
            dims: vec![16, 7],
            heads: vec![],
            last_concat: true,
            activation: Act::Relu,
            last_activation: false,
            dropout: 0.5,
            input_dropout: None,
            attn_dropout: 0.0,
            batch_norm: false,
            gat_init: GatInit::Pyg,
        }
    }
}

impl EncoderConfig {
    /// A `kind` encoder `input → dims…` with the defaults otherwise.
    pub fn new(kind: LayerKind, input: i64, dims: impl Into<Vec<i64>>) -> Self {
        EncoderConfig {
            kind,
            input,
            dims: dims.into(),
            ..Default::default()
        }
    }

    /// Output width.
    pub fn out_dim(&self) -> i64 {
        self.dims.last().copied().unwrap_or(self.input)
    }

    fn heads_of(&self, i: usize) -> i64 {
        self.heads.get(i).copied().unwrap_or(1)
    }

    /// Build the encoder under `p`.
    pub fn init(&self, p: &nn::Path) -> Result<Encoder> {
        ensure_cfg!(!self.dims.is_empty(), "encoder: at least one layer needed");
        ensure_cfg!(
            (0.0..1.0).contains(&self.dropout),
            "encoder: dropout {} not in [0, 1)",
            self.dropout
        );
        let mut layers: Vec<Box<dyn GraphLayer>> = Vec::new();
        let mut norms = Vec::new();
        let mut acts = Vec::new();
        let mut inp = self.input;
        let last = self.dims.len() - 1;
        for (i, &d) in self.dims.iter().enumerate() {
            let lp = p / "layers" / i;
            let layer: Box<dyn GraphLayer> = match self.kind {
                LayerKind::Gcn => Box::new(GcnConfig::new(inp, d).init(&lp)?),
                LayerKind::Sage => Box::new(SageConfig::new(inp, d).init(&lp)?),
                LayerKind::Gin => Box::new(GinConfig::new(inp, d).init(&lp)?),
                LayerKind::Gat => {
                    let h = self.heads_of(i);
                    let concat = i < last || self.last_concat;
                    ensure_cfg!(
                        !concat || d % h == 0,
                        "encoder: GAT layer {i} width {d} does not divide by {h} heads"
                    );
                    let mut c = GatConfig::new(inp, if concat { d / h } else { d }, h);
                    c.concat = concat;
                    c.attn_dropout = self.attn_dropout;
                    c.init = self.gat_init;
                    Box::new(c.init(&lp)?)
                }
            };
            let out = layer.out_dim();
            if i < last || self.last_activation {
                norms.push(
                    self.batch_norm
                        .then(|| nn::batch_norm1d(p / "norms" / i, out, Default::default())),
                );
                acts.push(Some(Activation::new(
                    &(p / "acts" / i),
                    self.activation,
                    out,
                )));
            } else {
                norms.push(None);
                acts.push(None);
            }
            layers.push(layer);
            inp = out;
        }
        Ok(Encoder {
            layers,
            norms,
            acts,
            cfg: self.clone(),
        })
    }
}

/// A built encoder.
#[derive(Debug)]
pub struct Encoder {
    layers: Vec<Box<dyn GraphLayer>>,
    norms: Vec<Option<nn::BatchNorm>>,
    acts: Vec<Option<Activation>>,
    cfg: EncoderConfig,
}

impl Encoder {
    /// # Shapes
    /// `x` `[N, input]` dense or sparse → `[N, out_dim]`.
    pub fn forward(&self, x: &Tensor, g: &MessageGraph, train: bool) -> Tensor {
        let mut h = x.shallow_clone();
        for (i, layer) in self.layers.iter().enumerate() {
            let p = match (i, self.cfg.input_dropout) {
                (0, Some(p)) => p,
                _ => self.cfg.dropout,
            };
            h = layer.forward(&dropout(&h, p, train), g, train);
            if let Some(bn) = &self.norms[i] {
                h = h.apply_t(bn, train);
            }
            if let Some(a) = &self.acts[i] {
                h = a.apply(&h);
            }
        }
        h
    }

    /// The configuration.
    pub fn config(&self) -> &EncoderConfig {
        &self.cfg
    }
}
