//! Autoencoder and variational autoencoder (VAE; Kingma & Welling 2014, "Auto-Encoding
//! Variational Bayes"; β-VAE: Higgins et al. 2017) over feature vectors, with reconstruction
//! error as an anomaly score.
//!
//! The encoder is an MLP `input → hidden[0] → … → hidden[n-1]`; the decoder mirrors it
//! `latent → hidden[n-1] → … → hidden[0] → input` (linear output, for standardised features).
//! A plain autoencoder has a linear bottleneck layer to `latent`; a VAE has two heads, `mu` and
//! `logvar`, of a diagonal Gaussian posterior q(z|x), samples `z = mu + exp(logvar / 2) · ε`
//! in training (the reparameterisation trick) and uses `z = mu` in evaluation.
//!
//! Loss ([`Autoencoder::loss`]): squared error summed over features and averaged over the batch
//! (the Gaussian-likelihood reconstruction term up to constants), plus `beta` times the KL
//! divergence KL(q(z|x) ‖ N(0, I)) averaged over the batch.

use serde::{Deserialize, Serialize};
use tch::nn::Linear;
use tch::{nn, Tensor};

use super::capture::{child, name_of, tap};
use super::init::{linear, LinearInit};
use super::{check_dropout, dropout, forward_by, Activation};
use crate::{ensure_config, ensure_input, Result};

/// Autoencoder configuration.
///
/// Parameters (PyTorch names, `nn.ModuleList`s of `nn.Linear`): `encoder.{i}.weight|bias` for
/// the hidden layers (and, for a plain autoencoder, `encoder.{n}` for the bottleneck to `latent`),
/// `mu.*` and `logvar.*` (VAE), `decoder.{i}.*` for the mirrored hidden layers and `out.*`.
///
/// Capture point ([`super::capture`]): the latent code `z` `[B, latent]` the decoder receives
/// (a VAE's sample in training, `mu` in evaluation), under `latent`.
///
/// Defaults: a small tabular model (`hidden` [64, 32], `latent` 8, ReLU, no dropout); `beta` 1
/// is the ELBO of Kingma & Welling (β-VAE uses `beta > 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AutoencoderConfig {
    /// Input (and reconstructed) features.
    pub input: i64,
    /// Encoder hidden widths, in order; the decoder uses them reversed. May be empty.
    pub hidden: Vec<i64>,
    /// Latent (code) dimension.
    pub latent: i64,
    /// Non-linearity after each hidden layer.
    pub activation: Activation,
    /// Variational autoencoder (Gaussian latent, KL term) instead of a plain one.
    pub variational: bool,
    /// Weight of the KL term in the loss (VAE only).
    pub beta: f64,
    /// Dropout after each hidden activation.
    pub dropout: f64,
    /// Initialisation of every linear layer (default: PyTorch's `nn.Linear`).
    pub init: LinearInit,
}

impl Default for AutoencoderConfig {
    fn default() -> Self {
        AutoencoderConfig {
            input: 1,
            hidden: vec![64, 32],
            latent: 8,
            activation: Activation::Relu,
            variational: false,
            beta: 1.0,
            dropout: 0.0,
            init: LinearInit::Torch,
        }
    }
}

impl AutoencoderConfig {
    /// A plain autoencoder with the given sizes, the other fields at their defaults.
    pub fn new(input: i64, hidden: impl Into<Vec<i64>>, latent: i64) -> Self {
        AutoencoderConfig {
            input,
            hidden: hidden.into(),
            latent,
            ..Default::default()
        }
    }

    /// The same sizes as a variational autoencoder with KL weight `beta`.
    pub fn variational(mut self, beta: f64) -> Self {
        self.variational = true;
        self.beta = beta;
        self
    }

    /// Check sizes, `beta` and dropout.
    pub fn validate(&self) -> Result<()> {
        let name = "autoencoder";
        super::check_stateless(name, self.activation)?;
        ensure_config!(
            self.input > 0,
            "{name}: input must be > 0, got {}",
            self.input
        );
        ensure_config!(
            self.latent > 0,
            "{name}: latent must be > 0, got {}",
            self.latent
        );
        ensure_config!(
            self.hidden.iter().all(|&h| h > 0),
            "{name}: hidden sizes must be > 0, got {:?}",
            self.hidden
        );
        ensure_config!(
            self.beta.is_finite() && self.beta >= 0.0,
            "{name}: beta must be finite and >= 0, got {}",
            self.beta
        );
        check_dropout(name, self.dropout)
    }

    /// Create the parameters under `path`.
    pub fn init(&self, path: &nn::Path) -> Result<Autoencoder> {
        self.validate()?;
        let ep = path / "encoder";
        let mut encoder = Vec::with_capacity(self.hidden.len());
        let mut d = self.input;
        for (i, &h) in self.hidden.iter().enumerate() {
            encoder.push(linear(&(&ep / i), d, h, self.init)?);
            d = h;
        }
        let bottleneck = if self.variational {
            Bottleneck::Gaussian {
                mu: linear(&(path / "mu"), d, self.latent, self.init)?,
                logvar: linear(&(path / "logvar"), d, self.latent, self.init)?,
            }
        } else {
            Bottleneck::Linear(linear(
                &(&ep / self.hidden.len()),
                d,
                self.latent,
                self.init,
            )?)
        };
        let dp = path / "decoder";
        let mut decoder = Vec::with_capacity(self.hidden.len());
        let mut d = self.latent;
        for (i, &h) in self.hidden.iter().rev().enumerate() {
            decoder.push(linear(&(&dp / i), d, h, self.init)?);
            d = h;
        }
        let out = linear(&(path / "out"), d, self.input, self.init)?;
        Ok(Autoencoder {
            encoder,
            bottleneck,
            decoder,
            out,
            latent_name: child(&name_of(path), "latent"),
            config: self.clone(),
        })
    }
}

#[derive(Debug)]
enum Bottleneck {
    Linear(Linear),
    Gaussian { mu: Linear, logvar: Linear },
}

/// An autoencoder or VAE; see [`AutoencoderConfig`].
#[derive(Debug)]
pub struct Autoencoder {
    encoder: Vec<Linear>,
    bottleneck: Bottleneck,
    decoder: Vec<Linear>,
    out: Linear,
    /// Capture name of the latent code.
    latent_name: String,
    config: AutoencoderConfig,
}

fn apply_linear(xs: &Tensor, layer: &Linear) -> Result<Tensor> {
    let y = xs.f_linear(&layer.ws, layer.bs.as_ref())?;
    // The layers carry no names; a profile lists them in call order as `linear`.
    crate::profile::counter::linear("linear", xs, &layer.ws, layer.bs.as_ref(), &y);
    Ok(y)
}

impl Autoencoder {
    /// The config this model was built from.
    pub fn config(&self) -> &AutoencoderConfig {
        &self.config
    }

    fn hidden_stack(&self, layers: &[Linear], xs: &Tensor, train: bool) -> Result<Tensor> {
        let c = &self.config;
        let mut h = xs.shallow_clone();
        for layer in layers {
            h = dropout(
                c.activation.apply(&apply_linear(&h, layer)?),
                c.dropout,
                train,
            );
        }
        Ok(h)
    }

    /// Encode: the code `mu` and, for a VAE, the posterior log-variance `logvar`.
    ///
    /// # Shapes
    /// * `xs`: `[B, input]`
    /// * returns `mu` `[B, latent]` and `Some(logvar)` `[B, latent]` (VAE) or `None`
    pub fn encode(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Option<Tensor>)> {
        let size = xs.size();
        ensure_input!(
            size.len() == 2 && size[1] == self.config.input,
            "autoencoder: expected input [B, {}], got {size:?}",
            self.config.input
        );
        let h = self.hidden_stack(&self.encoder, xs, train)?;
        match &self.bottleneck {
            Bottleneck::Linear(layer) => Ok((apply_linear(&h, layer)?, None)),
            Bottleneck::Gaussian { mu, logvar } => {
                Ok((apply_linear(&h, mu)?, Some(apply_linear(&h, logvar)?)))
            }
        }
    }

    /// Decode latent codes.
    ///
    /// # Shapes
    /// * `z`: `[B, latent]`
    /// * returns `[B, input]`
    pub fn decode(&self, z: &Tensor, train: bool) -> Result<Tensor> {
        let size = z.size();
        ensure_input!(
            size.len() == 2 && size[1] == self.config.latent,
            "autoencoder: expected codes [B, {}], got {size:?}",
            self.config.latent
        );
        let h = self.hidden_stack(&self.decoder, z, train)?;
        apply_linear(&h, &self.out)
    }

    /// Encode, sample (VAE in training) and decode: the reconstruction and the posterior
    /// `(mu, logvar)`.
    fn run(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Tensor, Option<Tensor>)> {
        let (mu, logvar) = self.encode(xs, train)?;
        let z = match &logvar {
            Some(logvar) => reparameterize(&mu, logvar, train)?,
            None => mu.shallow_clone(),
        };
        let z = tap(&self.latent_name, z);
        Ok((self.decode(&z, train)?, mu, logvar))
    }

    /// The reconstruction of `xs` (`[B, input]` -> `[B, input]`); a VAE samples its code in
    /// training and uses the posterior mean in evaluation.
    pub fn try_forward(&self, xs: &Tensor, train: bool) -> Result<Tensor> {
        Ok(self.run(xs, train)?.0)
    }

    /// The training loss `(total, recon, kl)`, all scalars: `recon` is the squared error summed
    /// over features and averaged over the batch, `kl` the mean [`gaussian_kl`] (0 for a plain
    /// autoencoder), `total = recon + beta · kl`.
    ///
    /// # Shapes
    /// * `xs`: `[B, input]`
    pub fn loss(&self, xs: &Tensor, train: bool) -> Result<(Tensor, Tensor, Tensor)> {
        let (recon_xs, mu, logvar) = self.run(xs, train)?;
        let recon = squared_error(&recon_xs, xs)?.f_mean(None)?;
        let kl = match &logvar {
            Some(logvar) => gaussian_kl(&mu, logvar)?.f_mean(None)?,
            None => Tensor::f_zeros([], (recon.kind(), recon.device()))?,
        };
        let total = recon.f_add(&kl.f_mul_scalar(self.config.beta)?)?;
        Ok((total, recon, kl))
    }

    /// Anomaly score: the reconstruction error of each sample (squared error summed over
    /// features), in evaluation mode and without gradients.
    ///
    /// # Shapes
    /// * `xs`: `[B, input]`
    /// * returns `[B]`
    pub fn anomaly_score(&self, xs: &Tensor) -> Result<Tensor> {
        tch::no_grad(|| squared_error(&self.try_forward(xs, false)?, xs))
    }
}

/// Per-sample squared error summed over features: `[B, F]`, `[B, F]` -> `[B]`.
fn squared_error(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    Ok(a.f_sub(b)?.f_square()?.f_sum_dim_intlist(-1, false, None)?)
}

/// `z = mu + exp(logvar / 2) · ε`, ε ~ N(0, I), in training; `mu` in evaluation
/// (Kingma & Welling 2014, section 2.4).
///
/// # Shapes
/// * `mu`, `logvar`: `[B, latent]`; returns `[B, latent]`
pub fn reparameterize(mu: &Tensor, logvar: &Tensor, train: bool) -> Result<Tensor> {
    ensure_input!(
        mu.size() == logvar.size(),
        "reparameterize: mu {:?} and logvar {:?} differ in shape",
        mu.size(),
        logvar.size()
    );
    if !train {
        return Ok(mu.shallow_clone());
    }
    let eps = mu.f_randn_like()?;
    Ok(mu.f_add(&logvar.f_mul_scalar(0.5)?.f_exp()?.f_mul(&eps)?)?)
}

/// KL divergence of the diagonal Gaussian N(mu, exp(logvar)) from N(0, I), per sample:
/// `-½ Σ_j (1 + logvar_j − mu_j² − exp(logvar_j))` (Kingma & Welling 2014, appendix B).
///
/// # Shapes
/// * `mu`, `logvar`: `[B, latent]`; returns `[B]`
pub fn gaussian_kl(mu: &Tensor, logvar: &Tensor) -> Result<Tensor> {
    ensure_input!(
        mu.size() == logvar.size() && mu.dim() >= 1,
        "gaussian_kl: mu {:?} and logvar {:?} must have the same shape [B, latent]",
        mu.size(),
        logvar.size()
    );
    let terms = logvar
        .f_add_scalar(1.0)?
        .f_sub(&mu.f_square()?)?
        .f_sub(&logvar.f_exp()?)?;
    Ok(terms
        .f_sum_dim_intlist(-1, false, None)?
        .f_mul_scalar(-0.5)?)
}

forward_by! {
    /// The reconstruction (see [`Autoencoder::try_forward`]); train a VAE with
    /// [`Autoencoder::loss`], which adds the KL term.
    ///
    /// # Shapes
    /// * `xs`: `[B, input]`; `mask` is ignored
    /// * returns `[B, input]`
    Autoencoder => try_forward(xs, train)
}

impl crate::train::LossModel for Autoencoder {
    /// [`Autoencoder::loss`]'s total on `batch.x` (the targets are ignored: the input is its own
    /// target), so `Trainer::fit_loss` trains an AE/VAE with its KL term.
    fn batch_loss(&self, batch: &crate::data::Batch, train: bool) -> Result<Tensor> {
        Ok(self.loss(&batch.x, train)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Forward;
    use tch::nn::{OptimizerConfig, VarStore};
    use tch::{Device, Kind};

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn shapes_and_parameter_names() {
        let vs = VarStore::new(Device::Cpu);
        let ae = AutoencoderConfig::new(5, [6, 4], 2)
            .init(&vs.root())
            .unwrap();
        let xs = Tensor::randn([3, 5], (Kind::Float, Device::Cpu));
        assert_eq!(ae.predict(&xs, None).size(), vec![3, 5]);
        let (mu, logvar) = ae.encode(&xs, false).unwrap();
        assert_eq!(mu.size(), vec![3, 2]);
        assert!(logvar.is_none());
        assert_eq!(ae.anomaly_score(&xs).unwrap().size(), vec![3]);
        let vars = vs.variables();
        let mut names: Vec<String> = vars.keys().cloned().collect();
        names.sort();
        let expected = [
            "decoder.0.bias",
            "decoder.0.weight",
            "decoder.1.bias",
            "decoder.1.weight",
            "encoder.0.bias",
            "encoder.0.weight",
            "encoder.1.bias",
            "encoder.1.weight",
            "encoder.2.bias",
            "encoder.2.weight",
            "out.bias",
            "out.weight",
        ];
        assert_eq!(names, expected);
        assert_eq!(vars["encoder.2.weight"].size(), vec![2, 4]);
        assert_eq!(vars["decoder.0.weight"].size(), vec![4, 2]);
        assert_eq!(vars["decoder.1.weight"].size(), vec![6, 4]);
        assert_eq!(vars["out.weight"].size(), vec![5, 6]);

        let vs = VarStore::new(Device::Cpu);
        let vae = AutoencoderConfig::new(5, [6], 3)
            .variational(1.0)
            .init(&vs.root())
            .unwrap();
        let (mu, logvar) = vae.encode(&xs, false).unwrap();
        assert_eq!(mu.size(), vec![3, 3]);
        assert_eq!(logvar.unwrap().size(), vec![3, 3]);
        assert_eq!(vae.decode(&mu, false).unwrap().size(), vec![3, 5]);
        let mut names: Vec<String> = vs.variables().into_keys().collect();
        names.sort();
        let expected = [
            "decoder.0.bias",
            "decoder.0.weight",
            "encoder.0.bias",
            "encoder.0.weight",
            "logvar.bias",
            "logvar.weight",
            "mu.bias",
            "mu.weight",
            "out.bias",
            "out.weight",
        ];
        assert_eq!(names, expected);
    }

    #[test]
    fn gaussian_kl_hand_values() {
        let zeros = Tensor::zeros([4, 3], (Kind::Float, Device::Cpu));
        let kl = gaussian_kl(&zeros, &zeros).unwrap();
        assert_eq!(kl.size(), vec![4]);
        assert_eq!(kl.abs().max().double_value(&[]), 0.0);
        // Row 0: mu = [1, 2], logvar = [0, ln 2]:
        //   -½[(1 + 0 − 1 − 1) + (1 + ln 2 − 4 − 2)] = 3 − ln(2)/2 = 2.653426…
        // Row 1: mu = [0, 0], logvar = [ln 4, −ln 4]: -½[(1 + ln4 − 4) + (1 − ln4 − ¼)] = 1.125
        let ln2 = std::f64::consts::LN_2;
        let mu = Tensor::from_slice(&[1.0f64, 2.0, 0.0, 0.0]).view([2, 2]);
        let logvar = Tensor::from_slice(&[0.0, ln2, 2.0 * ln2, -2.0 * ln2]).view([2, 2]);
        let kl = gaussian_kl(&mu, &logvar).unwrap();
        assert!(close(kl.double_value(&[0]), 3.0 - ln2 / 2.0, 1e-12));
        assert!(close(kl.double_value(&[1]), 1.125, 1e-12));
        assert!(gaussian_kl(&mu, &Tensor::zeros([2, 3], (Kind::Double, Device::Cpu))).is_err());
    }

    #[test]
    fn reparameterize_samples_in_training_only() {
        tch::manual_seed(0);
        let mu = Tensor::full([20000, 1], 1.5, (Kind::Float, Device::Cpu));
        let logvar = Tensor::full([20000, 1], 4f64.ln(), (Kind::Float, Device::Cpu));
        let eval = reparameterize(&mu, &logvar, false).unwrap();
        assert_eq!((&eval - &mu).abs().max().double_value(&[]), 0.0);
        let z = reparameterize(&mu, &logvar, true).unwrap();
        // std = exp(ln 4 / 2) = 2; the sample mean is within ~4 standard errors (0.014) of 1.5.
        assert!(close(z.mean(Kind::Float).double_value(&[]), 1.5, 0.06));
        assert!(close(z.std(true).double_value(&[]), 2.0, 0.06));
    }

    #[test]
    fn loss_parts_and_anomaly_score() {
        tch::manual_seed(1);
        let xs = Tensor::randn([6, 4], (Kind::Float, Device::Cpu));
        for variational in [false, true] {
            let vs = VarStore::new(Device::Cpu);
            let mut c = AutoencoderConfig::new(4, [8], 2);
            c.variational = variational;
            c.beta = 0.5;
            let m = c.init(&vs.root()).unwrap();
            let recon_xs = m.predict(&xs, None);
            let per_sample = (&recon_xs - &xs)
                .square()
                .sum_dim_intlist(1, false, Kind::Float);
            let (total, recon, kl) = m.loss(&xs, false).unwrap();
            assert!(close(
                recon.double_value(&[]),
                per_sample.mean(Kind::Float).double_value(&[]),
                1e-6
            ));
            let expected_kl = match m.encode(&xs, false).unwrap() {
                (mu, Some(logvar)) => gaussian_kl(&mu, &logvar)
                    .unwrap()
                    .mean(Kind::Float)
                    .double_value(&[]),
                (_, None) => 0.0,
            };
            assert!(close(kl.double_value(&[]), expected_kl, 1e-6));
            assert_eq!(variational, expected_kl > 0.0);
            let want_total = recon.double_value(&[]) + 0.5 * kl.double_value(&[]);
            assert!(close(total.double_value(&[]), want_total, 1e-5));
            let score = m.anomaly_score(&xs).unwrap();
            assert_eq!(score.size(), vec![6]);
            assert!((&score - &per_sample).abs().max().double_value(&[]) < 1e-6);
            // Evaluation is deterministic; a VAE samples in training.
            assert_eq!(
                (&m.predict(&xs, None) - &recon_xs)
                    .abs()
                    .max()
                    .double_value(&[]),
                0.0
            );
            let a = m.forward_t(&xs, None, true);
            let b = m.forward_t(&xs, None, true);
            assert_eq!((a - b).abs().max().double_value(&[]) > 0.0, variational);
        }
    }

    /// Points on a line in 4-D (plus small noise): after training, points off the line score over
    /// 100× higher than fresh points on it (about 1000× is reached), for both the plain
    /// autoencoder and the VAE.
    #[test]
    fn trained_models_flag_off_manifold_points() {
        let direction = Tensor::from_slice(&[1.0f32, 2.0, -1.0, 0.5]).view([1, 4]);
        let off_direction = Tensor::from_slice(&[1.0f32, -0.5, 1.0, 2.0]).view([1, 4]);
        for variational in [false, true] {
            tch::manual_seed(5);
            let line = |n: i64| Tensor::randn([n, 1], (Kind::Float, Device::Cpu)) * &direction;
            let train = line(256) + Tensor::randn([256, 4], (Kind::Float, Device::Cpu)) * 0.05;
            let on = line(64);
            let off = Tensor::randn([64, 1], (Kind::Float, Device::Cpu)) * &off_direction;
            let vs = VarStore::new(Device::Cpu);
            let mut c = AutoencoderConfig::new(4, [16], 1);
            c.activation = Activation::Tanh;
            c.variational = variational;
            c.beta = 0.1;
            let m = c.init(&vs.root()).unwrap();
            let mut opt = nn::Adam::default().build(&vs, 0.01).unwrap();
            let (start, _, _) = m.loss(&train, false).unwrap();
            for _ in 0..300 {
                let (total, _, _) = m.loss(&train, true).unwrap();
                opt.backward_step(&total);
            }
            let (end, _, _) = m.loss(&train, false).unwrap();
            let on_score = m
                .anomaly_score(&on)
                .unwrap()
                .mean(Kind::Float)
                .double_value(&[]);
            let off_score = m
                .anomaly_score(&off)
                .unwrap()
                .mean(Kind::Float)
                .double_value(&[]);
            let (start, end) = (start.double_value(&[]), end.double_value(&[]));
            assert!(
                end < 0.1 * start,
                "variational={variational}: loss {start} -> {end}"
            );
            assert!(
                off_score > 100.0 * on_score,
                "variational={variational}: on-line score {on_score}, off-line {off_score}"
            );
        }
    }

    #[test]
    fn bad_config_and_input_are_errors() {
        let vs = VarStore::new(Device::Cpu);
        let root = vs.root();
        assert!(AutoencoderConfig::new(0, [4], 2).init(&root).is_err());
        assert!(AutoencoderConfig::new(4, [4], 0).init(&root).is_err());
        assert!(AutoencoderConfig::new(4, [0], 2).init(&root).is_err());
        assert!(AutoencoderConfig::new(4, [4], 2)
            .variational(-1.0)
            .init(&root)
            .is_err());
        assert!(AutoencoderConfig::new(4, [4], 2)
            .variational(f64::NAN)
            .validate()
            .is_err());
        let mut c = AutoencoderConfig::new(4, [], 2);
        assert!(c.validate().is_ok());
        c.dropout = 1.0;
        assert!(c.validate().is_err());
        let m = AutoencoderConfig::new(4, [], 2).init(&root).unwrap();
        assert!(m
            .try_forward(&Tensor::zeros([3, 5], (Kind::Float, Device::Cpu)), false)
            .is_err());
        assert!(m
            .anomaly_score(&Tensor::zeros([3, 2, 4], (Kind::Float, Device::Cpu)))
            .is_err());
        assert!(m
            .decode(&Tensor::zeros([3, 3], (Kind::Float, Device::Cpu)), false)
            .is_err());
        let parsed: AutoencoderConfig =
            serde_json::from_str(r#"{"input": 7, "variational": true}"#).unwrap();
        assert_eq!((parsed.input, parsed.latent, parsed.beta), (7, 8, 1.0));
    }
}
