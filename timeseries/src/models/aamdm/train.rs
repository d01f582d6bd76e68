//! Training objectives of AAMDM's parts and of the trajectory baselines. Every objective augments
//! a batch by one random rotation per window about the last observed position (the usual
//! ETH/UCY augmentation: each scene has its own axes).
//!
//! * [`ReconObjective`]: the autoencoder's reconstruction MSE.
//! * [`EpsObjective`]: the ε-prediction loss of the polishing module and of the DDPM.
//! * [`train_gan`]: the denoising diffusion GAN (Xiao et al. 2022): real pairs
//!   `(x_{t−1}, x_t)` from the forward chain, fake `x_{t−1}` from the posterior given the
//!   generator's `x_0`; non-saturating losses, R1 penalty on real `x_{t−1}`, Adam (0.5, 0.9).
//! * [`LstmObjective`]: the deterministic LSTM encoder–decoder baseline.

use std::collections::BTreeMap;
use std::time::Instant;

use deepfield_core::data::{Batch, TensorDataset};
use deepfield_core::nn::seq2seq::Seq2Seq;
use deepfield_core::train::{EpochRecord, History, LossModel, OptimizerConfig};
use deepfield_core::Rng;
use tch::nn::VarStore;
use tch::{Kind, Tensor};

use super::nets::{context_input, rotate, Autoencoder, Denoiser, Discriminator};
use super::schedule::NoiseSchedule;
use crate::{Error, Result};

/// Rotate observed and future offsets of a batch by one random angle per window.
pub fn augment(x: &Tensor, y: &Tensor) -> (Tensor, Tensor) {
    let theta =
        Tensor::rand([x.size()[0]], (Kind::Float, x.device())) * (2.0 * std::f64::consts::PI);
    (rotate(x, &theta), rotate(y, &theta))
}

/// The autoencoder's objective: batches of `x` = observed, `y` = future offsets (scaled).
pub struct ReconObjective<'a>(pub &'a Autoencoder);

impl LossModel for ReconObjective<'_> {
    fn batch_loss(&self, batch: &Batch, _train: bool) -> deepfield_core::Result<Tensor> {
        let (_, y) = augment(&batch.x, &batch.y);
        let y = y.flatten(1, -1);
        let z = self.0.encode(&y).map_err(Error::into_core)?;
        let r = self.0.decode(&z).map_err(Error::into_core)?;
        Ok((r - y).square().mean(Kind::Float))
    }
}

/// A trained autoencoder with the statistics that standardise its codes.
pub struct Latents<'a> {
    pub ae: &'a Autoencoder,
    pub mean: Tensor,
    pub std: Tensor,
}

impl<'a> Latents<'a> {
    /// Statistics of the codes of `fut` `[N, T, 2]` (scaled offsets) under `passes` random
    /// rotations: `(mean, std)` per latent dimension.
    pub fn fit(
        ae: &'a Autoencoder,
        fut: &Tensor,
        passes: usize,
    ) -> Result<(Self, Vec<f64>, Vec<f64>)> {
        let _g = tch::no_grad_guard();
        let mut codes = Vec::new();
        for _ in 0..passes.max(1) {
            let (_, y) = augment(fut, fut);
            codes.push(ae.encode(&y.flatten(1, -1))?);
        }
        let z = Tensor::cat(&codes, 0).to_kind(Kind::Double);
        let mean = z.mean_dim([0i64].as_slice(), false, Kind::Double);
        let std = z.std_dim([0i64].as_slice(), false, false).clamp_min(1e-6);
        let (m, s) = (Vec::<f64>::try_from(&mean)?, Vec::<f64>::try_from(&std)?);
        let to = |t: Tensor| t.to_kind(Kind::Float).unsqueeze(0);
        Ok((
            Latents {
                ae,
                mean: to(mean),
                std: to(std),
            },
            m,
            s,
        ))
    }

    /// Standardised codes of future offsets `[B, T, 2]`, without gradients.
    pub fn encode(&self, y: &Tensor) -> Result<Tensor> {
        let _g = tch::no_grad_guard();
        Ok((self.ae.encode(&y.flatten(1, -1))? - &self.mean) / &self.std)
    }
}

/// The ε-prediction loss on steps `1..=T` of `sched`.
pub struct EpsObjective<'a> {
    pub latents: &'a Latents<'a>,
    pub net: &'a Denoiser,
    pub sched: &'a NoiseSchedule,
}

impl LossModel for EpsObjective<'_> {
    fn batch_loss(&self, batch: &Batch, _train: bool) -> deepfield_core::Result<Tensor> {
        let f = || -> Result<Tensor> {
            let (x, y) = augment(&batch.x, &batch.y);
            let z0 = self.latents.encode(&y)?;
            let b = z0.size()[0];
            let t = Tensor::randint_low(
                1,
                self.sched.steps() as i64 + 1,
                [b],
                (Kind::Int64, z0.device()),
            );
            let noise = z0.randn_like();
            let xt = self.sched.q_sample(&z0, &t, &noise);
            let c = self.net.context(&context_input(&x))?;
            let pred = self.net.forward(&xt, &t.to_kind(Kind::Float), &c, None)?;
            Ok((pred - noise).square().mean(Kind::Float))
        };
        f().map_err(Error::into_core)
    }
}

/// Settings of [`train_gan`].
#[derive(Debug, Clone)]
pub struct GanSettings {
    pub epochs: usize,
    pub batch_size: usize,
    pub lr_g: f64,
    pub lr_d: f64,
    /// Weight γ of the R1 penalty `γ/2 · E‖∇_{x_{t−1}} D‖²`.
    pub r1_gamma: f64,
    pub seed: u64,
}

/// Train the generation module `gen` (weights in `gen_vs`) against `disc` (in `disc_vs`) on
/// the windows of `data` (`x` observed, `y` future offsets, scaled). The history's training
/// loss is the generator's; `val_metrics["d_loss"]` the discriminator's (R1 included).
#[allow(clippy::too_many_arguments)]
pub fn train_gan(
    gen: &Denoiser,
    gen_vs: &VarStore,
    disc: &Discriminator,
    disc_vs: &VarStore,
    latents: &Latents,
    sched: &NoiseSchedule,
    data: &TensorDataset,
    s: &GanSettings,
) -> Result<History> {
    let adam = |lr| OptimizerConfig::Adam {
        lr,
        beta1: 0.5,
        beta2: 0.9,
        eps: 1e-8,
        weight_decay: 0.0,
    };
    let mut opt_g = adam(s.lr_g).build(gen_vs)?;
    let mut opt_d = adam(s.lr_d).build(disc_vs)?;
    let mut rng = Rng::new(s.seed);
    let mut history = History::default();
    let steps = sched.steps() as i64;
    for epoch in 0..s.epochs {
        let start = Instant::now();
        // Loss sums stay on the device; one host read per epoch, not two per step.
        let mut sums: Option<Tensor> = None;
        let mut n = 0usize;
        for batch in data.batches(s.batch_size, Some(&mut rng)) {
            let (x, y) = augment(&batch.x, &batch.y);
            let z0 = latents.encode(&y)?;
            let ctx_in = context_input(&x);
            let b = z0.size()[0];
            let dev = z0.device();
            let t = Tensor::randint_low(1, steps + 1, [b], (Kind::Int64, dev));
            let tf = t.to_kind(Kind::Float);
            let x_prev = sched.q_sample(&z0, &(&t - 1), &z0.randn_like());
            let xt = sched.q_step(&x_prev, &t, &z0.randn_like());

            // Discriminator: real pairs up, fake pairs down, R1 on the real x_{t-1}.
            let x_prev_r = x_prev.detach().set_requires_grad(true);
            let d_real = disc.forward(&x_prev_r, &xt, &tf, &ctx_in)?;
            let grad = Tensor::run_backward(&[d_real.sum(Kind::Float)], &[&x_prev_r], true, true);
            let r1 = grad[0]
                .square()
                .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
                .mean(Kind::Float);
            let fake_prev = {
                let _g = tch::no_grad_guard();
                let c = gen.context(&ctx_in)?;
                let x0 = gen.forward(
                    &xt,
                    &tf,
                    &c,
                    Some(&Tensor::randn([b, gen.noise_dim()], (Kind::Float, dev))),
                )?;
                sched.posterior_sample(&x0, &xt, &t, &z0.randn_like())
            };
            let d_fake = disc.forward(&fake_prev, &xt, &tf, &ctx_in)?;
            let d_loss = (-&d_real).softplus().mean(Kind::Float)
                + d_fake.softplus().mean(Kind::Float)
                + r1 * (0.5 * s.r1_gamma);
            opt_d.zero_grad();
            d_loss.f_backward()?;
            opt_d.step();

            // Generator: non-saturating loss through the posterior sample.
            let c = gen.context(&ctx_in)?;
            let x0 = gen.forward(
                &xt,
                &tf,
                &c,
                Some(&Tensor::randn([b, gen.noise_dim()], (Kind::Float, dev))),
            )?;
            let fake_prev = sched.posterior_sample(&x0, &xt, &t, &z0.randn_like());
            let g_loss = (-disc.forward(&fake_prev, &xt, &tf, &ctx_in)?)
                .softplus()
                .mean(Kind::Float);
            opt_g.zero_grad();
            g_loss.f_backward()?;
            opt_g.step();

            let step = Tensor::stack(&[g_loss.detach(), d_loss.detach()], 0).to_kind(Kind::Double)
                * b as f64;
            sums = Some(match sums {
                Some(acc) => acc + step,
                None => step,
            });
            n += b as usize;
        }
        let Some(sums) = sums.filter(|_| n > 0) else {
            return Err(Error::input(
                "aamdm: no training windows for the diffusion GAN",
            ));
        };
        let sums = Vec::<f64>::try_from(sums)?;
        let (g, d) = (sums[0] / n as f64, sums[1] / n as f64);
        if !g.is_finite() || !d.is_finite() {
            return Err(Error::input(format!(
                "aamdm: GAN losses became {g} / {d} in epoch {}; lower the learning rates",
                epoch + 1
            )));
        }
        history.epochs.push(EpochRecord {
            epoch: epoch + 1,
            train_loss: g,
            val_loss: None,
            val_metrics: BTreeMap::from([("d_loss".to_string(), d)]),
            lr: s.lr_g,
            seconds: start.elapsed().as_secs_f64(),
        });
    }
    Ok(history)
}

/// Copy every variable of `src` into the variable of the same name in `dst` (a part trained in
/// its own store into the whole model's).
pub fn copy_weights(dst: &VarStore, src: &VarStore) -> Result<()> {
    let to = dst.variables();
    let _g = tch::no_grad_guard();
    for (name, t) in src.variables() {
        let mut d = to
            .get(&name)
            .ok_or_else(|| Error::input(format!("aamdm: no variable `{name}` in the model")))?
            .shallow_clone();
        d.f_copy_(&t)?;
    }
    Ok(())
}

/// LSTM encoder–decoder input `[B, T, 4]`: relative positions and velocities (0 at the first
/// step).
pub fn lstm_features(rel: &Tensor) -> Tensor {
    let t = rel.size()[1];
    let vel = rel.narrow(1, 1, t - 1) - rel.narrow(1, 0, t - 1);
    let vel = Tensor::cat(&[rel.narrow(1, 0, 1).zeros_like(), vel], 1);
    Tensor::cat(&[rel.shallow_clone(), vel], 2)
}

/// The LSTM baseline's objective: MSE of the predicted future offsets.
pub struct LstmObjective<'a>(pub &'a Seq2Seq);

impl LossModel for LstmObjective<'_> {
    fn batch_loss(&self, batch: &Batch, train: bool) -> deepfield_core::Result<Tensor> {
        let (x, y) = augment(&batch.x, &batch.y);
        let out = self.0.try_forward(&lstm_features(&x), None, train)?;
        Ok((out - y).square().mean(Kind::Float))
    }
}

/// The LSTM's future `[B, 1, T, 2]` (metres) for observed tracks `obs` `[B, T_obs, 2]`.
pub fn lstm_predict(s2s: &Seq2Seq, obs: &Tensor, scale: f64) -> Result<Tensor> {
    let _g = tch::no_grad_guard();
    let last = obs.select(1, -1).unsqueeze(1);
    let rel = (obs - &last) / scale;
    let out = s2s.try_forward(&lstm_features(&rel), None, false)?;
    Ok((out * scale + last).unsqueeze(1))
}

/// Constant velocity: the last observed step repeated, `[B, 1, pred_len, 2]`.
pub fn constant_velocity(obs: &Tensor, pred_len: i64) -> Tensor {
    let t = obs.size()[1];
    let last = obs.select(1, t - 1).unsqueeze(1);
    let v = (obs.select(1, t - 1) - obs.select(1, t - 2)).unsqueeze(1);
    let k = Tensor::arange_start(1, pred_len + 1, (Kind::Float, obs.device())).view([1, -1, 1]);
    (last + v * k).unsqueeze(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_velocity_extrapolates_the_last_step() {
        let obs = Tensor::from_slice(&[0.0f32, 0.0, 1.0, 0.5, 2.0, 1.0]).reshape([1, 3, 2]);
        let p = constant_velocity(&obs, 2);
        assert_eq!(p.size(), [1, 1, 2, 2]);
        let v = Vec::<f32>::try_from(p.flatten(0, -1)).unwrap();
        assert_eq!(v, vec![3.0, 1.5, 4.0, 2.0]);
        let f = lstm_features(&obs);
        assert_eq!(f.size(), [1, 3, 4]);
        assert_eq!(f.double_value(&[0, 0, 2]), 0.0);
        assert_eq!(f.double_value(&[0, 2, 2]), 1.0);
    }
}
