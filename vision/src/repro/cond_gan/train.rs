//! The alternating GAN step (Goodfellow et al. 2014, Alg. 1 with k = 1 and the non-saturating
//! generator loss; AC-GAN adds the class log-likelihood to both players, Odena et al. 2017,
//! eqs. 2–3). Two optimisers over two `VarStore`s, so this is a loop of its own rather than
//! core's one-model `Trainer`; it keeps core's conventions: optimisers from
//! [`OptimizerConfig`], a progress bar, a per-epoch [`History`] (`history.csv`) and the models
//! saved through the registry by the run.

use std::collections::BTreeMap;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Kind, Reduction, Tensor};

use deepfield_core::data::dataset::index_tensor;
use deepfield_core::models::ModelConfig;
use deepfield_core::train::{EpochRecord, History};
use deepfield_core::Rng;

use super::CondGanConfig;
use crate::models::gan::{
    CondDiscriminator, CondDiscriminatorConfig, CondGenerator, CondGeneratorConfig, Conditioning,
};
use crate::{Error, Result};

/// Read summed statistics from the device as means over `k` steps; a non-finite value means
/// the losses diverged.
fn finite_means(sums: &Tensor, k: f64, what: &str, step: usize) -> Result<Vec<f64>> {
    let v: Vec<f64> = Vec::<f64>::try_from(sums.to_kind(Kind::Double))?
        .into_iter()
        .map(|x| x / k)
        .collect();
    if v.iter().any(|x| !x.is_finite()) {
        return Err(Error::input(format!(
            "cond-gan {what}: the losses diverged by step {step} ({v:?})"
        )));
    }
    Ok(v)
}

/// Loss curves: means over every `log_every` steps.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LossCurves {
    /// Step at the end of each interval.
    pub step: Vec<usize>,
    pub d_loss: Vec<f64>,
    pub g_loss: Vec<f64>,
    /// Mean D(x) on real and on generated images (probabilities).
    pub d_real: Vec<f64>,
    pub d_fake: Vec<f64>,
}

/// A trained pair.
pub struct TrainedGan {
    pub g_config: CondGeneratorConfig,
    pub d_config: CondDiscriminatorConfig,
    pub g_vs: VarStore,
    pub d_vs: VarStore,
    pub g: CondGenerator,
    pub d: CondDiscriminator,
    pub history: History,
    pub curves: LossCurves,
    pub steps: usize,
    pub seconds: f64,
}

fn bce(logits: &Tensor, target: f64) -> Result<Tensor> {
    let t = logits.f_full_like(target)?;
    Ok(logits.f_binary_cross_entropy_with_logits(
        &t,
        None::<Tensor>,
        None::<Tensor>,
        Reduction::Mean,
    )?)
}

/// Real/fake logit and (AC-GAN) class logits of the discriminator's output.
fn split_out(out: &Tensor, aux: bool) -> Result<(Tensor, Option<Tensor>)> {
    let rf = out.f_select(1, 0)?;
    let cls = if aux {
        Some(out.f_narrow(1, 1, out.size()[1] - 1)?)
    } else {
        None
    };
    Ok((rf, cls))
}

/// Train one GAN on `x` (`[N, C, S, S]` in [−1, 1]) with labels `y` (`i64 [N]`).
pub fn train_gan(
    cfg: &CondGanConfig,
    g_config: CondGeneratorConfig,
    conditioning: Conditioning,
    x: &Tensor,
    y: &Tensor,
    seed: u64,
    what: &str,
) -> Result<TrainedGan> {
    let device = deepfield_core::device();
    deepfield_core::seed(seed);
    let d_config = CondDiscriminatorConfig {
        classes: g_config.classes,
        channels: g_config.channels,
        size: g_config.size,
        width: cfg.d_width,
        conditioning,
    };
    let g_vs = VarStore::new(device);
    let g = g_config.build(&g_vs.root())?;
    let d_vs = VarStore::new(device);
    let d = d_config.build(&d_vs.root())?;
    let mut opt_g = cfg.g_optimizer.build(&g_vs)?;
    let mut opt_d = cfg.d_optimizer.build(&d_vs)?;
    let aux = conditioning == Conditioning::Auxiliary;
    let n = x.size()[0] as usize;
    let bs = cfg.batch_size;
    let per_epoch = n / bs;
    if per_epoch == 0 {
        return Err(Error::config(format!(
            "cond-gan: {n} training images are fewer than one batch of {bs}"
        )));
    }
    let x = x.to_device(device);
    let y = y.to_device(device);
    let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9).wrapping_add(11));
    let bar = deepfield_core::progress::bar((per_epoch * cfg.epochs) as u64, what.to_string());
    let mut history = History::default();
    let mut curves = LossCurves::default();
    let mut acc = Tensor::zeros([4], (Kind::Float, device));
    let mut in_interval = 0usize;
    let mut step = 0usize;
    let started = Instant::now();
    for epoch in 1..=cfg.epochs {
        let t0 = Instant::now();
        let perm = rng.permutation(n);
        let mut epoch_sum = Tensor::zeros([2], (Kind::Float, device));
        for chunk in perm.chunks_exact(bs) {
            let idx = index_tensor(chunk, device);
            let xb = x.f_index_select(0, &idx)?;
            let yb = y.f_index_select(0, &idx)?;
            let b = bs as i64;
            let z = Tensor::f_randn([b, g_config.z_dim], (Kind::Float, device))?;
            let yf = Tensor::f_randint(g_config.classes, [b], (Kind::Int64, device))?;
            let fake = g.generate(&z, &yf, true)?;

            // Discriminator: real → 1, generated → 0 (+ the class of both, AC-GAN).
            let (rr, cr) = split_out(&d.logits(&xb, &yb, true)?, aux)?;
            let (rf, cf) = split_out(&d.logits(&fake.detach(), &yf, true)?, aux)?;
            let adversarial = bce(&rr, 1.0)? + bce(&rf, 0.0)?;
            let ld = match (&cr, &cf) {
                (Some(cr), Some(cf)) => {
                    adversarial
                        + (cr.cross_entropy_for_logits(&yb) + cf.cross_entropy_for_logits(&yf))
                            * cfg.aux_weight
                }
                _ => adversarial,
            };
            opt_d.backward_step(&ld);

            // Generator: its images → 1 (non-saturating) (+ their requested class, AC-GAN).
            let (rg, cg) = split_out(&d.logits(&fake, &yf, true)?, aux)?;
            let adversarial = bce(&rg, 1.0)?;
            let lg = match &cg {
                Some(cg) => adversarial + cg.cross_entropy_for_logits(&yf) * cfg.aux_weight,
                None => adversarial,
            };
            opt_g.backward_step(&lg);

            // Losses and D's mean outputs stay on the device; they are read once per logging
            // interval and once per epoch, not at every step.
            let stats = Tensor::stack(
                &[
                    ld.detach().to_kind(Kind::Float),
                    lg.detach().to_kind(Kind::Float),
                    rr.detach().sigmoid().mean(Kind::Float),
                    rf.detach().sigmoid().mean(Kind::Float),
                ],
                0,
            );
            acc = &acc + &stats;
            epoch_sum = &epoch_sum + stats.narrow(0, 0, 2);
            in_interval += 1;
            step += 1;
            bar.inc(1);
            if in_interval == cfg.log_every {
                let k = in_interval as f64;
                let a = finite_means(&acc, k, what, step)?;
                curves.step.push(step);
                curves.d_loss.push(a[0]);
                curves.g_loss.push(a[1]);
                curves.d_real.push(a[2]);
                curves.d_fake.push(a[3]);
                acc = acc.zeros_like();
                in_interval = 0;
            }
        }
        let e = finite_means(&epoch_sum, 1.0, what, step)?;
        let (ep_d, ep_g) = (e[0], e[1]);
        let k = per_epoch as f64;
        history.epochs.push(EpochRecord {
            epoch,
            train_loss: ep_d / k,
            val_loss: None,
            val_metrics: BTreeMap::from([("g_loss".to_string(), ep_g / k)]),
            lr: cfg.d_optimizer.lr(),
            seconds: t0.elapsed().as_secs_f64(),
        });
    }
    bar.finish_and_clear();
    Ok(TrainedGan {
        g_config,
        d_config,
        g_vs,
        d_vs,
        g,
        d,
        history,
        curves,
        steps: step,
        seconds: started.elapsed().as_secs_f64(),
    })
}
