//! # AAMDM: Accelerated Auto-regressive Motion Diffusion Model
//!
//! Li, Qiao, Ren, Yin & Ha, *AAMDM: Accelerated Auto-regressive Motion Diffusion Model*,
//! CVPR 2024 (arXiv:2401.06146).
//!
//! The paper synthesises character motion frame by frame in a learned low-dimensional embedded
//! space. A **generation module**, a denoising diffusion GAN (Xiao et al. 2022) with very few
//! steps, draws a first sample; an **auto-regressive polishing module**, a diffusion model
//! conditioned on the past, refines it with a few more denoising steps. Few steps in a small
//! space make sampling much faster than a many-step motion diffusion model of similar quality.
//!
//! Reproduced here on pedestrian trajectories (no permissive motion-capture set was available,
//! see the data's SOURCE.md): the "motion" is the 12-step future of a pedestrian relative to its
//! last observed position, the "past" the 8 observed steps.
//!
//! * Embedded space: an [`Autoencoder`] maps the 12×2 future offsets (divided by
//!   [`AamdmConfig::scale`]) to [`latent`](AamdmConfig::latent) dimensions; the diffusion models
//!   work on its standardised codes.
//! * Generation module ([`Sampler::Aamdm`] first stage): a generator `G(x_t, t, c, z)` predicting
//!   `x_0`, sampled through the posterior `q(x_{t−1} | x_t, x_0)` over
//!   [`gen_steps`](AamdmConfig::gen_steps) steps of DDGAN's variance-preserving schedule, and
//!   trained against a discriminator `D(x_{t−1}, x_t, t, c)`.
//! * Polishing module: an ε-prediction diffusion model on a short low-noise schedule
//!   ([`polish_steps`](AamdmConfig::polish_steps)); the generator's sample is noised to its top
//!   step and denoised back, conditioned on the encoded past.
//! * Baseline [`Sampler::Ddpm`]: a plain DDPM with [`ddpm_steps`](AamdmConfig::ddpm_steps) (100)
//!   steps in the same latent space and with the same network shape.
//!
//! What differs from the paper: 2-D trajectories instead of poses; one whole future window per
//! step of the auto-regression (the paper predicts the next frame and rolls out); MLP
//! networks of the sizes below (the paper's are larger); the polishing module's short schedule is
//! chosen here (the paper tunes its step split on LaFAN1).

pub mod nets;
pub mod predict;
pub mod schedule;
pub mod train;

pub use nets::{Autoencoder, Denoiser, Discriminator};
pub use schedule::NoiseSchedule;

use deepfield_core::models::ModelConfig;
use deepfield_core::nn::Forward;
use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use crate::{ensure_config, ensure_input, Error, Result};

/// How futures are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Sampler {
    /// Generation module then polishing module (AAMDM).
    #[default]
    Aamdm,
    /// The generation module alone (the ablation without polishing).
    GenerationOnly,
    /// The many-step DDPM baseline.
    Ddpm,
}

impl Sampler {
    /// The name in metrics and reports.
    pub fn name(self) -> &'static str {
        match self {
            Sampler::Aamdm => "aamdm",
            Sampler::GenerationOnly => "aamdm_no_polish",
            Sampler::Ddpm => "ddpm",
        }
    }

    /// The sampler named `name` (`aamdm`, `aamdm_no_polish`, `ddpm`).
    pub fn parse(name: &str) -> Result<Self> {
        [Sampler::Aamdm, Sampler::GenerationOnly, Sampler::Ddpm]
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| {
                Error::input(format!(
                    "unknown sampler \"{name}\" (aamdm, aamdm_no_polish, ddpm)"
                ))
            })
    }
}

/// The whole trajectory model: sizes, schedules, the data scale and the latent statistics
/// (set after the autoencoder is trained). Registry kind `timeseries.aamdm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AamdmConfig {
    /// Observed steps (8 at 2.5 Hz in the benchmark).
    pub obs_len: i64,
    /// Predicted steps (12).
    pub pred_len: i64,
    /// Metres per model unit (positions relative to the last observed one are divided by it).
    pub scale: f64,
    /// Latent width of the autoencoder (the embedded space).
    pub latent: i64,
    /// Hidden width of the autoencoder's two layers.
    pub ae_hidden: i64,
    /// Hidden width of the denoisers and the discriminator.
    pub hidden: i64,
    /// Hidden layers of the denoisers and the discriminator.
    pub layers: usize,
    /// Width of the encoded past.
    pub context: i64,
    /// Width of the sinusoidal step embedding.
    pub step_embedding: i64,
    /// Width of the generator's noise input `z` (DDGAN's latent).
    pub noise_dim: i64,
    /// Steps of the generation module (DDGAN: 2–4).
    pub gen_steps: usize,
    /// DDGAN's variance-preserving schedule: β_min and β_max (0.1 and 20 in Xiao et al.).
    pub gen_beta_min: f64,
    pub gen_beta_max: f64,
    /// Steps of the polishing module.
    pub polish_steps: usize,
    /// Linear β of the polishing schedule, first and last step.
    pub polish_beta_start: f64,
    pub polish_beta_end: f64,
    /// Steps of the DDPM baseline.
    pub ddpm_steps: usize,
    /// Linear β of the DDPM (Ho et al.'s 1e-4…0.02 over 1000 steps, rescaled to 100 steps).
    pub ddpm_beta_start: f64,
    pub ddpm_beta_end: f64,
    /// Mean and standard deviation of the autoencoder's codes on the training futures.
    pub latent_mean: Vec<f64>,
    pub latent_std: Vec<f64>,
    /// The sampler of `forward` (and of the predict command unless told otherwise).
    pub sampler: Sampler,
}

impl Default for AamdmConfig {
    fn default() -> Self {
        AamdmConfig {
            obs_len: 8,
            pred_len: 12,
            scale: 1.0,
            latent: 16,
            ae_hidden: 128,
            hidden: 256,
            layers: 3,
            context: 64,
            step_embedding: 32,
            noise_dim: 16,
            gen_steps: 2,
            gen_beta_min: 0.1,
            gen_beta_max: 20.0,
            polish_steps: 3,
            polish_beta_start: 0.02,
            polish_beta_end: 0.1,
            ddpm_steps: 100,
            ddpm_beta_start: 1e-3,
            ddpm_beta_end: 0.2,
            latent_mean: Vec::new(),
            latent_std: Vec::new(),
            sampler: Sampler::Aamdm,
        }
    }
}

impl AamdmConfig {
    /// Check sizes, schedules and latent statistics.
    pub fn check(&self) -> Result<()> {
        ensure_config!(
            self.obs_len >= 2 && self.pred_len >= 1,
            "aamdm: obs_len >= 2 and pred_len >= 1"
        );
        ensure_config!(
            self.scale.is_finite() && self.scale > 0.0,
            "aamdm: scale must be > 0"
        );
        ensure_config!(
            self.latent > 0
                && self.ae_hidden > 0
                && self.hidden > 1
                && self.layers > 0
                && self.context > 0,
            "aamdm: latent, ae_hidden, hidden, layers and context must be > 0"
        );
        ensure_config!(
            self.step_embedding >= 2 && self.step_embedding % 2 == 0,
            "aamdm: step_embedding must be even and >= 2"
        );
        ensure_config!(
            self.gen_steps >= 1 && self.ddpm_steps >= 1,
            "aamdm: gen_steps and ddpm_steps must be >= 1"
        );
        for (name, v) in [
            ("latent_mean", &self.latent_mean),
            ("latent_std", &self.latent_std),
        ] {
            ensure_config!(
                v.is_empty() || v.len() == self.latent as usize,
                "aamdm: {name} has {} values for latent {}",
                v.len(),
                self.latent
            );
        }
        ensure_config!(
            self.latent_std.iter().all(|s| *s > 0.0),
            "aamdm: latent_std must be > 0"
        );
        self.schedules().map(|_| ())
    }

    /// The generation, polishing and DDPM schedules.
    pub fn schedules(&self) -> Result<(NoiseSchedule, Option<NoiseSchedule>, NoiseSchedule)> {
        let gen = NoiseSchedule::vp(self.gen_steps, self.gen_beta_min, self.gen_beta_max)?;
        let polish = (self.polish_steps > 0)
            .then(|| {
                NoiseSchedule::linear(
                    self.polish_steps,
                    self.polish_beta_start,
                    self.polish_beta_end,
                )
            })
            .transpose()?;
        let ddpm =
            NoiseSchedule::linear(self.ddpm_steps, self.ddpm_beta_start, self.ddpm_beta_end)?;
        Ok((gen, polish, ddpm))
    }

    /// Build the model under `path` (`ae`, `gen`, `polish`, `ddpm`).
    pub fn init(&self, path: &nn::Path) -> Result<Aamdm> {
        self.check()?;
        let (gen_sched, polish_sched, ddpm_sched) = self.schedules()?;
        let dev = path.device();
        let stat = |v: &[f64], fill: f64| {
            let v: Vec<f64> = if v.is_empty() {
                vec![fill; self.latent as usize]
            } else {
                v.to_vec()
            };
            Tensor::from_slice(&v)
                .to_kind(Kind::Float)
                .to_device(dev)
                .unsqueeze(0)
        };
        Ok(Aamdm {
            ae: Autoencoder::new(&(path / "ae"), self)?,
            gen: Denoiser::new(&(path / "gen"), self, self.noise_dim)?,
            polish: Denoiser::new(&(path / "polish"), self, 0)?,
            ddpm: Denoiser::new(&(path / "ddpm"), self, 0)?,
            gen_sched,
            polish_sched,
            ddpm_sched,
            mean: stat(&self.latent_mean, 0.0),
            std: stat(&self.latent_std, 1.0),
            cfg: self.clone(),
        })
    }
}

/// The built model (see the module docs).
#[derive(Debug)]
pub struct Aamdm {
    pub ae: Autoencoder,
    pub gen: Denoiser,
    pub polish: Denoiser,
    pub ddpm: Denoiser,
    gen_sched: NoiseSchedule,
    polish_sched: Option<NoiseSchedule>,
    ddpm_sched: NoiseSchedule,
    mean: Tensor,
    std: Tensor,
    cfg: AamdmConfig,
}

/// `[B]` float tensor filled with step `t`.
fn steps(b: i64, t: usize, device: Device) -> Tensor {
    Tensor::full([b], t as f64, (Kind::Float, device))
}

impl Aamdm {
    /// The config it was built from.
    pub fn config(&self) -> &AamdmConfig {
        &self.cfg
    }

    /// Observed absolute positions `[B, obs_len, 2]` → positions relative to the last observed
    /// one, divided by the scale.
    pub fn relative(&self, obs: &Tensor) -> Result<Tensor> {
        let s = obs.size();
        ensure_input!(
            s.len() == 3 && s[1] == self.cfg.obs_len && s[2] == 2,
            "aamdm: observed tracks must be [B, {}, 2] positions in metres, got {s:?}",
            self.cfg.obs_len
        );
        let last = obs.select(1, -1).unsqueeze(1);
        Ok((obs.to_kind(Kind::Float) - last) / self.cfg.scale)
    }

    /// Standardised latents `[B, latent]` for the observed features `ctx_in` `[B, ·]`.
    pub fn sample_latent(&self, sampler: Sampler, ctx_in: &Tensor) -> Result<Tensor> {
        let b = ctx_in.size()[0];
        let dev = ctx_in.device();
        let l = self.cfg.latent;
        let randn = |w: i64| Tensor::randn([b, w], (Kind::Float, dev));
        match sampler {
            Sampler::Ddpm => {
                let c = self.ddpm.context(ctx_in)?;
                let s = &self.ddpm_sched;
                let mut x = randn(l);
                for t in (1..=s.steps()).rev() {
                    let eps = self.ddpm.forward(&x, &steps(b, t, dev), &c, None)?;
                    let x0 = s.x0_from_eps(&x, &eps, t);
                    x = s.reverse_step(&x0, &x, t, &randn(l));
                }
                Ok(x)
            }
            Sampler::Aamdm | Sampler::GenerationOnly => {
                let c = self.gen.context(ctx_in)?;
                let s = &self.gen_sched;
                let mut x = randn(l);
                for t in (1..=s.steps()).rev() {
                    let z = randn(self.gen.noise_dim());
                    let x0 = self.gen.forward(&x, &steps(b, t, dev), &c, Some(&z))?;
                    x = s.reverse_step(&x0, &x, t, &randn(l));
                }
                match (&self.polish_sched, sampler) {
                    (Some(p), Sampler::Aamdm) => {
                        let c = self.polish.context(ctx_in)?;
                        let top = p.steps();
                        let ab = p.alpha_bar(top);
                        x = &x * ab.sqrt() + randn(l) * (1.0 - ab).sqrt();
                        for t in (1..=top).rev() {
                            let eps = self.polish.forward(&x, &steps(b, t, dev), &c, None)?;
                            let x0 = p.x0_from_eps(&x, &eps, t);
                            x = p.reverse_step(&x0, &x, t, &randn(l));
                        }
                        Ok(x)
                    }
                    _ => Ok(x),
                }
            }
        }
    }

    /// Standardised latents of future offsets `rel_fut` `[B, pred_len, 2]` (relative, scaled).
    pub fn encode(&self, rel_fut: &Tensor) -> Result<Tensor> {
        Ok((self.ae.encode(&rel_fut.flatten(1, -1))? - &self.mean) / &self.std)
    }

    /// Relative scaled future offsets `[B, pred_len, 2]` of standardised latents.
    pub fn decode(&self, z: &Tensor) -> Result<Tensor> {
        let y = self.ae.decode(&(z * &self.std + &self.mean))?;
        Ok(y.view([-1, self.cfg.pred_len, 2]))
    }

    /// `k` sampled futures `[B, k, pred_len, 2]` (absolute, metres) of the observed tracks
    /// `obs` `[B, obs_len, 2]` (metres).
    pub fn sample(&self, sampler: Sampler, obs: &Tensor, k: i64) -> Result<Tensor> {
        ensure_input!(k >= 1, "aamdm: at least one sample per track");
        let _guard = tch::no_grad_guard();
        let rel = self.relative(obs)?;
        let b = rel.size()[0];
        let ctx = nets::context_input(&rel).repeat_interleave_self_int(k, Some(0), None::<i64>);
        let z = self.sample_latent(sampler, &ctx)?;
        let fut = self.decode(&z)? * self.cfg.scale;
        let last = obs
            .to_kind(Kind::Float)
            .select(1, -1)
            .repeat_interleave_self_int(k, Some(0), None::<i64>);
        Ok((fut + last.unsqueeze(1)).view([b, k, self.cfg.pred_len, 2]))
    }
}

impl Forward for Aamdm {
    /// One sampled future per track with the config's sampler.
    ///
    /// # Shapes
    /// `xs` `[B, obs_len, 2]` observed positions (metres) → `[B, pred_len, 2]`.
    fn try_forward_t(
        &self,
        xs: &Tensor,
        _mask: Option<&Tensor>,
        _train: bool,
    ) -> deepfield_core::Result<Tensor> {
        self.sample(self.cfg.sampler, xs, 1)
            .map(|t| t.squeeze_dim(1))
            .map_err(Error::into_core)
    }
}

impl ModelConfig for AamdmConfig {
    const KIND: &'static str = "timeseries.aamdm";
    const DESCRIPTION: &'static str = "AAMDM trajectory sampler (latent DDGAN generation + \
         diffusion polishing, with a 100-step DDPM baseline): observed [B, 8, 2] m → one \
         sampled future [B, 12, 2] m";
    type Model = Aamdm;

    fn validate(&self) -> deepfield_core::Result<()> {
        self.check().map_err(Error::into_core)
    }

    fn build(&self, path: &nn::Path) -> deepfield_core::Result<Aamdm> {
        self.init(path).map_err(Error::into_core)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samplers_give_the_documented_shapes() {
        let cfg = AamdmConfig {
            hidden: 16,
            ae_hidden: 16,
            context: 8,
            ddpm_steps: 5,
            ..Default::default()
        };
        let vs = nn::VarStore::new(Device::Cpu);
        let m = cfg.init(&vs.root()).unwrap();
        let obs = Tensor::randn([3, 8, 2], (Kind::Float, Device::Cpu));
        for s in [Sampler::Aamdm, Sampler::GenerationOnly, Sampler::Ddpm] {
            let y = m.sample(s, &obs, 4).unwrap();
            assert_eq!(y.size(), [3, 4, 12, 2]);
        }
        assert_eq!(
            m.try_forward_t(&obs, None, false).unwrap().size(),
            [3, 12, 2]
        );
        assert!(m
            .try_forward_t(
                &Tensor::zeros([3, 7, 2], (Kind::Float, Device::Cpu)),
                None,
                false
            )
            .is_err());
        // The latent round trip keeps shapes.
        let z = m
            .encode(&obs.narrow(1, 0, 8).repeat([1, 2, 1]).narrow(1, 0, 12))
            .unwrap();
        assert_eq!(z.size(), [3, 16]);
        assert_eq!(m.decode(&z).unwrap().size(), [3, 12, 2]);
        assert!(AamdmConfig {
            latent_std: vec![1.0; 3],
            ..Default::default()
        }
        .check()
        .is_err());
        assert_eq!(Sampler::parse("ddpm").unwrap(), Sampler::Ddpm);
        assert!(Sampler::parse("x").is_err());
    }
}
