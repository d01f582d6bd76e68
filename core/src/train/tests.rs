use super::*;
use crate::nn::mlp::MlpConfig;
use crate::rng::Rng;
use tch::nn::VarStore;

/// Two Gaussian blobs in 4-D, classes 0/1, deterministic.
fn blobs(n: usize, seed: u64) -> TensorDataset {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(n * 4);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = (i % 2) as i64;
        for _ in 0..4 {
            x.push((rng.normal() + if c == 1 { 1.5 } else { -1.5 }) as f32);
        }
        y.push(c);
    }
    TensorDataset::new(
        Tensor::from_slice(&x).view([n as i64, 4]),
        Tensor::from_slice(&y),
    )
    .unwrap()
}

fn train_once(seed: u64, cfg: &TrainConfig) -> (VarStore, History) {
    crate::seed(seed);
    let mut vs = VarStore::new(Device::Cpu);
    let mut mc = MlpConfig::new(4, [16], 2);
    mc.dropout = 0.1;
    let model = mc.init(&vs.root()).unwrap();
    let tr = Trainer::new(cfg.clone(), Task::classification(2)).unwrap();
    let h = tr
        .fit(&model, &mut vs, &blobs(200, 1), Some(&blobs(100, 2)))
        .unwrap();
    (vs, h)
}

fn quick() -> TrainConfig {
    TrainConfig {
        epochs: 5,
        batch_size: 16,
        optimizer: OptimizerConfig::adam(0.01),
        progress: false,
        ..Default::default()
    }
}

#[test]
fn learns_separable_blobs_and_records_history() {
    let (_, h) = train_once(1, &quick());
    assert_eq!(h.epochs.len(), 5);
    let last = h.last().unwrap();
    assert!(
        last.val_metrics["accuracy"] > 0.95,
        "{:?}",
        last.val_metrics
    );
    assert!(h.epochs[4].train_loss < h.epochs[0].train_loss);
    assert!(last.val_metrics.contains_key("roc_auc"));
}

#[test]
fn early_stopping_stops_and_restores_best() {
    let mut cfg = quick();
    cfg.epochs = 60;
    // a huge learning rate with SGD makes validation loss bounce; stopping must pick the best epoch
    cfg.optimizer = OptimizerConfig::sgd(0.5, 0.9);
    cfg.early_stopping = Some(EarlyStopping::new("val_loss", 3));
    assert!(cfg
        .early_stopping
        .as_ref()
        .is_some_and(|e| e.restore_best && e.min_delta == 0.0));
    crate::seed(3);
    let mut vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(4, [16], 2).init(&vs.root()).unwrap();
    let tr = Trainer::new(cfg, Task::classification(2)).unwrap();
    let val = blobs(100, 2);
    let h = tr.fit(&model, &mut vs, &blobs(200, 1), Some(&val)).unwrap();
    let best = h.best_epoch.unwrap();
    let best_loss = h.epochs[best - 1].val_loss.unwrap();
    let min_loss = h.val_losses().into_iter().fold(f64::INFINITY, f64::min);
    assert_eq!(best_loss, min_loss);
    if h.stopped_early {
        assert_eq!(h.epochs.len(), best + 4);
    }
    let now = tr.evaluate(&model, &vs, &val).unwrap().loss;
    assert!(
        (now - best_loss).abs() < 1e-5,
        "restored {now} vs best {best_loss}"
    );
}

#[test]
fn unknown_monitor_is_a_clear_error() {
    let mut cfg = quick();
    cfg.early_stopping = Some(EarlyStopping {
        monitor: "val_nse".into(),
        ..Default::default()
    });
    crate::seed(0);
    let mut vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(4, [8], 2).init(&vs.root()).unwrap();
    let tr = Trainer::new(cfg, Task::classification(2)).unwrap();
    let e = tr
        .fit(&model, &mut vs, &blobs(40, 1), Some(&blobs(20, 2)))
        .unwrap_err();
    assert!(e.to_string().contains("val_accuracy"), "{e}");
}

#[test]
fn regression_with_clipping_and_cosine_fits_a_line() {
    let mut rng = Rng::new(5);
    let n = 256;
    let xs: Vec<f32> = (0..n).map(|_| rng.uniform() as f32 * 2.0 - 1.0).collect();
    let ys: Vec<f32> = xs.iter().map(|x| 3.0 * x + 0.5).collect();
    let ds = TensorDataset::new(
        Tensor::from_slice(&xs).view([n, 1]),
        Tensor::from_slice(&ys).view([n, 1]),
    )
    .unwrap();
    let cfg = TrainConfig {
        epochs: 40,
        batch_size: 32,
        optimizer: OptimizerConfig::adam(0.05),
        schedule: Schedule::Cosine {
            t_max: 40,
            eta_min: 0.0,
        },
        grad_clip_norm: Some(1.0),
        progress: false,
        ..Default::default()
    };
    crate::seed(0);
    let mut vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(1, Vec::<i64>::new(), 1)
        .init(&vs.root())
        .unwrap();
    let tr = Trainer::new(cfg, Task::regression()).unwrap();
    let h = tr.fit(&model, &mut vs, &ds, Some(&ds)).unwrap();
    let m = &h.last().unwrap().val_metrics;
    assert!(
        m["r2"] > 0.999 && m["nse"] > 0.999 && m["rmse"] < 0.05,
        "{m:?}"
    );
    assert!(h.epochs.last().unwrap().lr < 0.001);
}

#[test]
fn clip_grad_norm_bounds_the_global_norm() {
    let a = Tensor::from_slice(&[3.0f32, 4.0]).set_requires_grad(true);
    let b = Tensor::from_slice(&[12.0f32]).set_requires_grad(true);
    let loss = (&a * &a).sum(Kind::Float) / 2.0 + (&b * &b).sum(Kind::Float) / 2.0;
    loss.backward();
    // grads (3, 4, 12): norm 13
    clip_grad_norm(&[a.shallow_clone(), b.shallow_clone()], 1.3);
    let g: Vec<f32> = Vec::try_from(Tensor::cat(&[a.grad(), b.grad()], 0)).unwrap();
    let norm = g.iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.3).abs() < 1e-4, "{g:?}");
    assert!((g[0] - 0.3).abs() < 1e-4);
}

#[test]
fn bad_configs_and_inputs_are_errors() {
    let bad = TrainConfig {
        epochs: 0,
        ..Default::default()
    };
    assert!(Trainer::new(bad, Task::regression()).is_err());
    assert!(Trainer::new(quick(), Task::classification(1)).is_err());
    let weights = Task::Classification {
        n_classes: 2,
        class_weights: Some(vec![1.0]),
        label_smoothing: 0.0,
    };
    assert!(Trainer::new(quick(), weights).is_err());
    // regression output/target shape mismatch
    crate::seed(0);
    let mut vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(4, [8], 3).init(&vs.root()).unwrap();
    let ds = TensorDataset::new(
        Tensor::zeros([8, 4], (Kind::Float, Device::Cpu)),
        Tensor::zeros([8, 1], (Kind::Float, Device::Cpu)),
    )
    .unwrap();
    let tr = Trainer::new(quick(), Task::regression()).unwrap();
    assert!(tr.fit(&model, &mut vs, &ds, None).is_err());
}

#[test]
fn fit_loss_trains_a_vae_on_its_own_objective_with_early_stopping() {
    use crate::nn::autoencoder::AutoencoderConfig;
    crate::seed(3);
    let mut vs = VarStore::new(Device::Cpu);
    let vae = AutoencoderConfig::new(4, [16], 2)
        .variational(0.1)
        .init(&vs.root())
        .unwrap();
    let (train, val) = (blobs(200, 1), blobs(100, 2));
    let before = tch::no_grad(|| vae.loss(&val.x, false).unwrap().0.double_value(&[]));
    let cfg = TrainConfig {
        epochs: 40,
        early_stopping: Some(EarlyStopping {
            patience: 3,
            ..Default::default()
        }),
        ..quick()
    };
    let h = Trainer::new(cfg, Task::regression())
        .unwrap()
        .fit_loss(&vae, &mut vs, &train, Some(&val))
        .unwrap();
    let after = tch::no_grad(|| vae.loss(&val.x, false).unwrap().0.double_value(&[]));
    assert!(after < 0.5 * before, "val loss {before} -> {after}");
    // val_loss is the model's own loss in evaluation mode, and the best epoch's weights are back.
    let best = h.best_value.unwrap();
    assert!(
        (best - after).abs() < 1e-4,
        "best {best} vs restored {after}"
    );
    assert!(h.epochs.iter().all(|e| e.val_metrics.is_empty()));
}

mod generic_loop;
