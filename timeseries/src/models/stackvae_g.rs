//! StackVAE-G (Li, Hu, Chen, Chen & Feng, "StackVAE-G: An efficient and interpretable model for
//! time series anomaly detection", AI Open 3, 2022).
//!
//! A window `[W, N]` of `N` channels is cut into `N` blocks, one per channel. Every block goes
//! through **the same** VAE encoder (weights shared across channels, "stacked" along the batch),
//! giving a Gaussian posterior per channel. A **graph learning module** learns a sparse adjacency
//! between channels from two node-embedding tables, `A = topk_row(ReLU(tanh(α E₁ E₂ᵀ)))` with the
//! diagonal removed and rows normalised; a **graph layer** mixes the channel latents,
//! `z' = z + (A z) W_g`, and the shared decoder reconstructs each channel's block from its mixed
//! code. Training minimises the ELBO (squared reconstruction error + β·KL) plus an L1 penalty on
//! `A`; the anomaly score of a time step is the reconstruction error of the last step of the
//! window that ends there, summed over channels.
//!
//! Reading of the paper used here: "block-wise" = per channel; one encoder/decoder stack with
//! MLP layers; reconstruction error (not the full likelihood) as score. With one channel the
//! graph has no edge and the model is a window VAE with shared weights.

use serde::{Deserialize, Serialize};
use tch::nn::{Init, Linear};
use tch::{nn, Kind, Tensor};

use deepfield_core::nn::autoencoder::{gaussian_kl, reparameterize};
use deepfield_core::nn::capture::{child, name_of, tap};
use deepfield_core::nn::init::{linear, LinearInit};

use crate::{ensure_config, ensure_input, Result};

/// StackVAE-G configuration.
///
/// Capture points ([`deepfield_core::nn::capture`]): the per-channel latent sample
/// `[B, N, latent]` under `latent` and the graph-mixed latent `z'` under `graph`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StackVaeGConfig {
    /// Window length `W` (block length).
    pub window: i64,
    /// Channels `N`.
    pub channels: i64,
    /// Hidden widths of the shared encoder (the decoder mirrors them).
    pub hidden: Vec<i64>,
    /// Latent size per channel.
    pub latent: i64,
    /// Node-embedding size of the graph learning module.
    pub embed: i64,
    /// Neighbours kept per channel.
    pub top_k: i64,
    /// Saturation of `tanh(α E₁ E₂ᵀ)`.
    pub alpha: f64,
    /// KL weight.
    pub beta: f64,
    /// L1 weight on the adjacency.
    pub sparsity: f64,
    /// Initialisation of every linear layer (default: PyTorch's `nn.Linear`; the paper's code is
    /// PyTorch).
    pub init: LinearInit,
}

impl Default for StackVaeGConfig {
    fn default() -> Self {
        StackVaeGConfig {
            window: 32,
            channels: 1,
            hidden: vec![64],
            latent: 8,
            embed: 8,
            top_k: 2,
            alpha: 3.0,
            beta: 0.5,
            sparsity: 1e-3,
            init: LinearInit::Torch,
        }
    }
}

impl StackVaeGConfig {
    /// Check sizes.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(
            self.window > 1,
            "stackvae-g: window must be > 1, got {}",
            self.window
        );
        ensure_config!(self.channels > 0, "stackvae-g: channels must be > 0");
        ensure_config!(
            self.latent > 0 && self.embed > 0 && self.top_k > 0,
            "stackvae-g: latent, embed and top_k must be > 0"
        );
        ensure_config!(
            self.hidden.iter().all(|&h| h > 0),
            "stackvae-g: hidden sizes must be > 0"
        );
        ensure_config!(
            self.beta >= 0.0 && self.sparsity >= 0.0 && self.alpha > 0.0,
            "stackvae-g: beta, sparsity >= 0 and alpha > 0"
        );
        Ok(())
    }

    /// Create the parameters under `path`: `encoder.{i}`, `mu`, `logvar`, `graph`, `node_emb1`,
    /// `node_emb2`, `decoder.{i}`, `out`.
    pub fn init(&self, path: &nn::Path) -> Result<StackVaeG> {
        self.validate()?;
        let mut d = self.window;
        let mut encoder = Vec::new();
        for (i, &h) in self.hidden.iter().enumerate() {
            encoder.push(linear(&(path / "encoder" / i), d, h, self.init)?);
            d = h;
        }
        let mu = linear(&(path / "mu"), d, self.latent, self.init)?;
        let logvar = linear(&(path / "logvar"), d, self.latent, self.init)?;
        let graph = linear(&(path / "graph"), self.latent, self.latent, self.init)?;
        let emb = Init::Randn {
            mean: 0.0,
            stdev: 1.0,
        };
        let node_emb1 = path.f_var("node_emb1", &[self.channels, self.embed], emb)?;
        let node_emb2 = path.f_var("node_emb2", &[self.channels, self.embed], emb)?;
        let mut decoder = Vec::new();
        let mut d = self.latent;
        for (i, &h) in self.hidden.iter().rev().enumerate() {
            decoder.push(linear(&(path / "decoder" / i), d, h, self.init)?);
            d = h;
        }
        let out = linear(&(path / "out"), d, self.window, self.init)?;
        Ok(StackVaeG {
            encoder,
            mu,
            logvar,
            graph,
            node_emb1,
            node_emb2,
            decoder,
            out,
            names: [
                child(&name_of(path), "latent"),
                child(&name_of(path), "graph"),
            ],
            config: self.clone(),
        })
    }
}

/// A StackVAE-G model; see the module documentation.
#[derive(Debug)]
pub struct StackVaeG {
    encoder: Vec<Linear>,
    mu: Linear,
    logvar: Linear,
    graph: Linear,
    node_emb1: Tensor,
    node_emb2: Tensor,
    decoder: Vec<Linear>,
    out: Linear,
    /// Capture names of the latent sample and the graph-mixed latent.
    names: [String; 2],
    config: StackVaeGConfig,
}

fn lin(x: &Tensor, l: &Linear) -> Result<Tensor> {
    Ok(x.f_linear(&l.ws, l.bs.as_ref())?)
}

impl StackVaeG {
    /// The config this model was built from.
    pub fn config(&self) -> &StackVaeGConfig {
        &self.config
    }

    /// The learned sparse adjacency `[N, N]` (row `i`: how much channel `i` reads from each other
    /// channel; zero diagonal, at most `top_k` non-zeros per row, rows sum to 1 or 0).
    pub fn adjacency(&self) -> Result<Tensor> {
        let n = self.config.channels;
        let dev = self.node_emb1.device();
        if n == 1 {
            return Ok(Tensor::f_zeros([1, 1], (Kind::Float, dev))?);
        }
        let m = self
            .node_emb1
            .f_matmul(&self.node_emb2.f_transpose(0, 1)?)?
            .f_mul_scalar(self.config.alpha)?
            .f_tanh()?
            .f_relu()?;
        let m = m.f_mul(
            &Tensor::f_eye(n, (Kind::Float, dev))?
                .f_neg()?
                .f_add_scalar(1.0)?,
        )?;
        let k = self.config.top_k.min(n - 1);
        let (_, idx) = m.f_topk(k, -1, true, false)?;
        let mask = m.f_zeros_like()?.f_scatter_value(1, &idx, 1.0)?;
        let a = m.f_mul(&mask)?;
        Ok(a.f_div(&a.f_sum_dim_intlist(-1, true, None)?.f_add_scalar(1e-8)?)?)
    }

    /// Reconstruction `[B, W, N]`, posterior `mu`, `logvar` `[B, N, latent]`, and the adjacency.
    pub fn run(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Tensor, Tensor, Tensor)> {
        let c = &self.config;
        let s = xs.size();
        ensure_input!(
            s.len() == 3 && s[1] == c.window && s[2] == c.channels,
            "stackvae-g: expected windows [B, {}, {}], got {s:?}",
            c.window,
            c.channels
        );
        let mut h = xs.f_transpose(1, 2)?; // [B, N, W]: one block per channel
        for l in &self.encoder {
            h = lin(&h, l)?.f_relu()?;
        }
        let (mu, logvar) = (
            lin(&h, &self.mu)?,
            lin(&h, &self.logvar)?.f_clamp(-10.0, 10.0)?,
        );
        let z = tap(&self.names[0], reparameterize(&mu, &logvar, train)?);
        let a = self.adjacency()?;
        let z = tap(
            &self.names[1],
            z.f_add(&lin(&a.f_matmul(&z)?, &self.graph)?)?,
        );
        let mut h = z;
        for l in &self.decoder {
            h = lin(&h, l)?.f_relu()?;
        }
        let recon = lin(&h, &self.out)?.f_transpose(1, 2)?;
        Ok((recon, mu, logvar, a))
    }

    /// Training loss `(total, recon, kl)`: squared error summed over the window and channels and
    /// averaged over the batch, `β·KL` summed over channels, and `sparsity·Σ|A|`.
    pub fn loss(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Tensor, Tensor)> {
        let (recon, mu, logvar, a) = self.run(xs, train)?;
        let b = xs.size()[0];
        let rec = recon
            .f_sub(xs)?
            .f_square()?
            .f_sum(Kind::Float)?
            .f_div_scalar(b as f64)?;
        let kl = gaussian_kl(
            &mu.f_reshape([-1, self.config.latent])?,
            &logvar.f_reshape([-1, self.config.latent])?,
        )?
        .f_sum(Kind::Float)?
        .f_div_scalar(b as f64)?;
        let total = rec.f_add(&kl.f_mul_scalar(self.config.beta)?)?.f_add(
            &a.f_abs()?
                .f_sum(Kind::Float)?
                .f_mul_scalar(self.config.sparsity)?,
        )?;
        Ok((total, rec, kl))
    }
}

deepfield_core::forward_unmasked! {
    /// The reconstruction `[B, W, N]` of windows `[B, W, N]` (posterior mean in evaluation).
    StackVaeG, |m, xs, train| m.run(xs, train).map(|r| r.0).map_err(crate::Error::into_core)
}

#[cfg(test)]
mod tests {
    use super::*;
    use deepfield_core::Forward;
    use tch::Device;

    #[test]
    fn shapes_sparsity_and_shared_weights() {
        tch::manual_seed(1);
        let vs = nn::VarStore::new(Device::Cpu);
        let cfg = StackVaeGConfig {
            window: 10,
            channels: 5,
            top_k: 2,
            ..Default::default()
        };
        let m = cfg.init(&vs.root()).unwrap();
        let x = Tensor::randn([4, 10, 5], (Kind::Float, Device::Cpu));
        let (r, mu, _, a) = m.run(&x, true).unwrap();
        assert_eq!(r.size(), [4, 10, 5]);
        assert_eq!(mu.size(), [4, 5, 8]);
        assert_eq!(a.size(), [5, 5]);
        let av = Vec::<f32>::try_from(a.flatten(0, -1)).unwrap();
        for i in 0..5 {
            let row = &av[i * 5..i * 5 + 5];
            assert_eq!(row[i], 0.0);
            assert!(row.iter().filter(|&&v| v > 0.0).count() <= 2);
            let s: f32 = row.iter().sum();
            assert!(s.abs() < 1e-6 || (s - 1.0).abs() < 1e-5, "{row:?}");
        }
        // Weights are shared across channels: the encoder does not grow with N.
        let cap = deepfield_core::nn::capture::Capture::all();
        let r2 = cap.run(|| m.predict(&x, None));
        assert!(r2.equal(&m.predict(&x, None)));
        assert_eq!(cap.seen(), ["latent", "graph"]);
        assert_eq!(cap.activation("latent").unwrap().size(), [4, 5, 8]);
        let w = vs.variables()["encoder.0.weight"].size();
        assert_eq!(w, [64, 10]);
        let (total, rec, kl) = m.loss(&x, true).unwrap();
        assert!(total.double_value(&[]) >= rec.double_value(&[]) && kl.double_value(&[]) >= 0.0);
        total.backward();
        assert!(vs.variables()["node_emb1"].grad().defined());
        assert!(m
            .run(&Tensor::zeros([2, 9, 5], (Kind::Float, Device::Cpu)), false)
            .is_err());
        let one = StackVaeGConfig {
            window: 10,
            channels: 1,
            ..Default::default()
        }
        .init(&nn::VarStore::new(Device::Cpu).root())
        .unwrap();
        assert_eq!(
            one.predict(&Tensor::zeros([2, 10, 1], (Kind::Float, Device::Cpu)), None)
                .size(),
            [2, 10, 1]
        );
    }
}
