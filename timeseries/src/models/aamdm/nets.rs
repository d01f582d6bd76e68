//! The networks of AAMDM in trajectory form: the future-window autoencoder, the denoisers
//! (generator, polishing and DDPM networks share one shape: latent, step embedding, past
//! context and, for the generator, a noise vector → a latent) and the discriminator of the
//! denoising diffusion GAN. Each network owns its context encoder of the observed steps.

use deepfield_core::nn::mlp::{Mlp, MlpConfig};
use deepfield_core::nn::{Activation, Forward};
use tch::{nn, Kind, Tensor};

use super::AamdmConfig;
use crate::Result;

/// Features of the observed window: relative positions `[B, T, 2]` (already relative to the
/// last observed position and scaled) flattened, then their step differences (velocities):
/// `[B, 2T + 2(T − 1)]`.
pub fn context_input(rel_obs: &Tensor) -> Tensor {
    let t = rel_obs.size()[1];
    let vel = rel_obs.narrow(1, 1, t - 1) - rel_obs.narrow(1, 0, t - 1);
    Tensor::cat(&[rel_obs.flatten(1, -1), vel.flatten(1, -1)], 1)
}

/// Width of [`context_input`] for `obs_len` observed steps.
pub fn context_width(obs_len: i64) -> i64 {
    2 * obs_len + 2 * (obs_len - 1)
}

/// Rotate `[B, T, 2]` points about the origin by the angles `theta` `[B]` (radians).
pub fn rotate(x: &Tensor, theta: &Tensor) -> Tensor {
    let (c, s) = (theta.cos().view([-1, 1]), theta.sin().view([-1, 1]));
    let (px, py) = (x.select(2, 0), x.select(2, 1));
    Tensor::stack(&[&px * &c - &py * &s, &px * &s + &py * &c], 2)
}

/// Sinusoidal embedding `[B, dim]` of the (float) steps `t` `[B]` (Transformer / DDPM style).
pub fn step_embedding(t: &Tensor, dim: i64) -> Tensor {
    let half = dim / 2;
    let freqs =
        (Tensor::arange(half, (Kind::Float, t.device())) * (-(10000f64.ln()) / half as f64)).exp();
    let args = t.to_kind(Kind::Float).unsqueeze(-1) * freqs.unsqueeze(0);
    Tensor::cat(&[args.sin(), args.cos()], 1)
}

fn mlp(path: &nn::Path, input: i64, hidden: Vec<i64>, output: i64, act: Activation) -> Result<Mlp> {
    Ok(MlpConfig {
        activation: act,
        ..MlpConfig::new(input, hidden, output)
    }
    .init(path)?)
}

/// Autoencoder of future windows: `[B, 2·pred_len]` ↔ `[B, latent]` (the paper's embedded
/// space, here for 12×2 future offsets).
#[derive(Debug)]
pub struct Autoencoder {
    enc: Mlp,
    dec: Mlp,
}

impl Autoencoder {
    /// Encoder and decoder under `path / "enc"` and `path / "dec"`.
    pub fn new(path: &nn::Path, cfg: &AamdmConfig) -> Result<Self> {
        let d = 2 * cfg.pred_len;
        let h = vec![cfg.ae_hidden, cfg.ae_hidden];
        Ok(Autoencoder {
            enc: mlp(&(path / "enc"), d, h.clone(), cfg.latent, Activation::Silu)?,
            dec: mlp(&(path / "dec"), cfg.latent, h, d, Activation::Silu)?,
        })
    }

    /// `[B, 2·pred_len]` → `[B, latent]`.
    pub fn encode(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.enc.try_forward_t(x, None, false)?)
    }

    /// `[B, latent]` → `[B, 2·pred_len]`.
    pub fn decode(&self, z: &Tensor) -> Result<Tensor> {
        Ok(self.dec.try_forward_t(z, None, false)?)
    }
}

/// A conditional denoiser: `(x_t, t, context[, noise]) → latent` (the generator predicts
/// `x_0`, the polishing and DDPM networks predict the noise ε).
#[derive(Debug)]
pub struct Denoiser {
    ctx: Mlp,
    net: Mlp,
    step_dim: i64,
    noise_dim: i64,
}

impl Denoiser {
    /// A denoiser of `cfg.latent`-dimensional latents with a `noise_dim` noise input (0: none).
    pub fn new(path: &nn::Path, cfg: &AamdmConfig, noise_dim: i64) -> Result<Self> {
        let cw = context_width(cfg.obs_len);
        let input = cfg.latent + cfg.step_embedding + cfg.context + noise_dim;
        Ok(Denoiser {
            ctx: mlp(
                &(path / "ctx"),
                cw,
                vec![cfg.hidden / 2],
                cfg.context,
                Activation::Silu,
            )?,
            net: mlp(
                &(path / "net"),
                input,
                vec![cfg.hidden; cfg.layers],
                cfg.latent,
                Activation::Silu,
            )?,
            step_dim: cfg.step_embedding,
            noise_dim,
        })
    }

    /// Encode the observed window's features ([`context_input`]) once: `[B, context]`.
    pub fn context(&self, ctx_in: &Tensor) -> Result<Tensor> {
        Ok(self.ctx.try_forward_t(ctx_in, None, false)?)
    }

    /// Width of the noise input (0 for an ε network).
    pub fn noise_dim(&self) -> i64 {
        self.noise_dim
    }

    /// `x` `[B, latent]` at steps `t` `[B]` (float) with encoded context `c` `[B, context]`
    /// and, for a generator, `noise` `[B, noise_dim]`.
    pub fn forward(
        &self,
        x: &Tensor,
        t: &Tensor,
        c: &Tensor,
        noise: Option<&Tensor>,
    ) -> Result<Tensor> {
        let mut parts = vec![
            x.shallow_clone(),
            step_embedding(t, self.step_dim),
            c.shallow_clone(),
        ];
        if let Some(z) = noise {
            parts.push(z.shallow_clone());
        }
        Ok(self
            .net
            .try_forward_t(&Tensor::cat(&parts, 1), None, false)?)
    }
}

/// The diffusion GAN's discriminator `D(x_{t−1}, x_t, t, context)` → a logit per sample.
#[derive(Debug)]
pub struct Discriminator {
    ctx: Mlp,
    net: Mlp,
    step_dim: i64,
}

impl Discriminator {
    /// A discriminator for `cfg`'s latents (LeakyReLU 0.2, as in DDGAN).
    pub fn new(path: &nn::Path, cfg: &AamdmConfig) -> Result<Self> {
        let cw = context_width(cfg.obs_len);
        let input = 2 * cfg.latent + cfg.step_embedding + cfg.context;
        let act = Activation::LeakyRelu(0.2);
        Ok(Discriminator {
            ctx: mlp(&(path / "ctx"), cw, vec![cfg.hidden / 2], cfg.context, act)?,
            net: mlp(&(path / "net"), input, vec![cfg.hidden; cfg.layers], 1, act)?,
            step_dim: cfg.step_embedding,
        })
    }

    /// Logits `[B]` of the pairs `(x_prev, x_t)` at steps `t` given the observed features.
    pub fn forward(
        &self,
        x_prev: &Tensor,
        xt: &Tensor,
        t: &Tensor,
        ctx_in: &Tensor,
    ) -> Result<Tensor> {
        let c = self.ctx.try_forward_t(ctx_in, None, false)?;
        let h = Tensor::cat(
            &[
                x_prev.shallow_clone(),
                xt.shallow_clone(),
                step_embedding(t, self.step_dim),
                c,
            ],
            1,
        );
        Ok(self.net.try_forward_t(&h, None, false)?.squeeze_dim(-1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_and_features_have_the_expected_values() {
        let x = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 2.0]).reshape([1, 2, 2]);
        let r = rotate(&x, &Tensor::from_slice(&[std::f32::consts::FRAC_PI_2]));
        let v = Vec::<f32>::try_from(r.flatten(0, -1)).unwrap();
        let want = [0.0f32, 1.0, -2.0, 0.0];
        assert!(
            v.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
            "{v:?}"
        );
        let f = context_input(&x);
        assert_eq!(f.size(), [1, context_width(2)]);
        let v = Vec::<f32>::try_from(f.flatten(0, -1)).unwrap();
        assert_eq!(v, vec![1.0, 0.0, 0.0, 2.0, -1.0, 2.0]);
        let e = step_embedding(&Tensor::from_slice(&[0.0f32, 3.0]), 8);
        assert_eq!(e.size(), [2, 8]);
        assert!((e.double_value(&[0, 4]) - 1.0).abs() < 1e-6); // cos(0)
    }
}
