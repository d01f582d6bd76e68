//! The generic loop: custom batch types, callbacks, and the restore of every variable.

use super::*;
use tch::nn::{self, Module, ModuleT};

/// Linear → batch norm → linear: a model with running statistics, trained through its own step.
struct BnNet {
    fc: nn::Linear,
    bn: nn::BatchNorm,
    out: nn::Linear,
}

impl BnNet {
    fn new(p: &nn::Path) -> Self {
        BnNet {
            fc: nn::linear(p / "fc", 4, 8, Default::default()),
            bn: nn::batch_norm1d(p / "bn", 8, Default::default()),
            out: nn::linear(p / "out", 8, 2, Default::default()),
        }
    }

    fn logits(&self, x: &Tensor, train: bool) -> Tensor {
        self.out
            .forward(&self.bn.forward_t(&self.fc.forward(x), train).relu())
    }

    fn val_loss(&self, v: &TensorDataset) -> f64 {
        tch::no_grad(|| {
            self.logits(&v.x, false)
                .cross_entropy_for_logits(&v.y)
                .double_value(&[])
        })
    }
}

impl TrainStep<Batch> for BnNet {
    fn step(&self, b: &Batch, train: bool) -> Result<StepOutput> {
        let out = self.logits(&b.x, train);
        Ok(StepOutput::new(
            out.cross_entropy_for_logits(&b.y),
            b.x.size()[0],
        ))
    }
}

/// From the second epoch on: learning rate 0 (weights frozen) and inputs shifted by +5, so only
/// the batch-norm running statistics move, and they move away from the validation data.
struct FreezeAfterFirst;

impl Callback<BnNet, Batch> for FreezeAfterFirst {
    fn before_epoch(&mut self, ctx: &mut Context<'_, BnNet>) -> Result<()> {
        if ctx.epoch > 0 {
            ctx.lr = 0.0;
        }
        Ok(())
    }
    fn before_forward(&mut self, ctx: &mut Context<'_, BnNet>, batch: &mut Batch) -> Result<()> {
        if ctx.epoch > 0 {
            batch.x = &batch.x + 5.0;
        }
        Ok(())
    }
}

#[test]
fn restore_best_puts_back_batch_norm_running_statistics() {
    crate::seed(0);
    let mut vs = VarStore::new(Device::Cpu);
    let mut net = BnNet::new(&vs.root());
    let (train, val) = (blobs(200, 1), blobs(100, 2));
    let cfg = TrainConfig {
        epochs: 6,
        early_stopping: Some(EarlyStopping::new("val_loss", 10)),
        ..quick()
    };
    let tr = Trainer::new(cfg, Task::classification(2)).unwrap();
    let mut source = DatasetSource::new(&train, 16, Some(0), false);
    let mut validate = |m: &BnNet| {
        Ok(Validation {
            loss: Some(m.val_loss(&val)),
            metrics: BTreeMap::new(),
        })
    };
    let mut freeze = FreezeAfterFirst;
    let h = tr
        .fit_steps(
            &mut net,
            &mut vs,
            &mut source,
            Some(&mut validate),
            &mut [&mut freeze],
        )
        .unwrap();
    let losses = h.val_losses();
    assert_eq!(h.best_epoch, Some(1), "val losses {losses:?}");
    assert!(
        losses[5] > losses[0] + 0.05,
        "the shifted statistics must hurt: {losses:?}"
    );
    assert!(h.epochs[1..].iter().all(|e| e.lr == 0.0));
    // Weights never changed after epoch 1, so the validation loss now equals epoch 1's only if
    // the running statistics were restored too.
    let now = net.val_loss(&val);
    assert!(
        (now - losses[0]).abs() < 1e-6,
        "restored model {now}, best epoch {}, last epoch {}",
        losses[0],
        losses[5]
    );
}

/// Counts every hook, adds an L2 penalty, and stops after three epochs.
#[derive(Default)]
struct Recorder {
    begin: usize,
    epochs: usize,
    forwards: usize,
    backwards: usize,
    steps: usize,
    grad_seen: bool,
    end: usize,
    penalty: f64,
    /// Stop after this epoch (0: never).
    stop_at: usize,
}

impl<M: ?Sized> Callback<M, Batch> for Recorder {
    fn on_train_begin(&mut self, _: &mut Context<'_, M>) -> Result<()> {
        self.begin += 1;
        Ok(())
    }
    fn before_forward(&mut self, _: &mut Context<'_, M>, _: &mut Batch) -> Result<()> {
        self.forwards += 1;
        Ok(())
    }
    fn penalty(&mut self, ctx: &mut Context<'_, M>, _: &Batch) -> Result<Option<Tensor>> {
        if self.penalty == 0.0 {
            return Ok(None);
        }
        let sq: Vec<Tensor> = ctx
            .vs
            .trainable_variables()
            .iter()
            .map(|v| v.square().sum(Kind::Float))
            .collect();
        Ok(Some(Tensor::stack(&sq, 0).sum(Kind::Float) * self.penalty))
    }
    fn after_backward(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        self.backwards += 1;
        self.grad_seen |= ctx
            .vs
            .trainable_variables()
            .iter()
            .all(|v| v.grad().defined());
        Ok(())
    }
    fn after_optimizer_step(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        self.steps += 1;
        assert_eq!(ctx.step, self.steps);
        Ok(())
    }
    fn after_epoch(&mut self, _: &mut Context<'_, M>, rec: &EpochRecord) -> Result<Control> {
        self.epochs += 1;
        Ok(if rec.epoch == self.stop_at {
            Control::Stop
        } else {
            Control::Continue
        })
    }
    fn on_train_end(&mut self, _: &mut Context<'_, M>, h: &History) -> Result<()> {
        self.end += h.epochs.len();
        Ok(())
    }
}

#[test]
fn callbacks_run_at_every_point_and_can_stop() {
    crate::seed(1);
    let mut vs = VarStore::new(Device::Cpu);
    let model = MlpConfig::new(4, [8], 2).init(&vs.root()).unwrap();
    let tr = Trainer::new(quick_epochs(10), Task::classification(2)).unwrap();
    let mut rec = Recorder {
        stop_at: 3,
        ..Default::default()
    };
    let loss_fn = tr.task.loss_fn(Device::Cpu);
    let h = tr
        .fit_callbacks(
            &model,
            &mut vs,
            &blobs(64, 1),
            None,
            |o: &Tensor, b: &Batch| loss_fn.compute(o, &b.y, None),
            &mut [&mut rec],
        )
        .unwrap();
    // 64 samples / batch 16 = 4 steps per epoch, stopped after epoch 3
    assert_eq!(h.epochs.len(), 3);
    assert!(h.stopped_early);
    assert_eq!(
        (
            rec.begin,
            rec.epochs,
            rec.forwards,
            rec.backwards,
            rec.steps,
            rec.end
        ),
        (1, 3, 12, 12, 12, 3)
    );
    assert!(rec.grad_seen);
}

fn quick_epochs(epochs: usize) -> TrainConfig {
    TrainConfig { epochs, ..quick() }
}

fn weight_norm(vs: &VarStore) -> f64 {
    vs.trainable_variables()
        .iter()
        .map(|v| v.square().sum(Kind::Double).double_value(&[]))
        .sum()
}

#[test]
fn a_penalty_callback_changes_the_objective() {
    let run = |penalty: f64| {
        crate::seed(2);
        let mut vs = VarStore::new(Device::Cpu);
        let model = MlpConfig::new(4, [8], 2).init(&vs.root()).unwrap();
        let tr = Trainer::new(quick_epochs(20), Task::classification(2)).unwrap();
        let loss_fn = tr.task.loss_fn(Device::Cpu);
        let mut rec = Recorder {
            penalty,
            ..Default::default()
        };
        let mut cfg_stop_never =
            AfterEpoch(|_: &mut Context<'_, _>, _: &EpochRecord| Ok(Control::Continue));
        tr.fit_callbacks(
            &model,
            &mut vs,
            &blobs(64, 1),
            None,
            |o: &Tensor, b: &Batch| loss_fn.compute(o, &b.y, None),
            &mut [&mut rec, &mut cfg_stop_never],
        )
        .unwrap();
        weight_norm(&vs)
    };
    let (free, shrunk) = (run(0.0), run(0.05));
    assert!(shrunk < 0.5 * free, "L2 penalty: {free} -> {shrunk}");
}

/// A full-batch "graph-like" step: the batch is a pair of tensors of the model's own type.
struct PairStep {
    w: Tensor,
}

struct Pair {
    a: Tensor,
    b: Tensor,
}

impl TrainStep<&Pair> for PairStep {
    fn step(&self, p: &&Pair, _train: bool) -> Result<StepOutput> {
        let loss = (p.a.matmul(&self.w) - &p.b).square().mean(Kind::Float);
        Ok(StepOutput::new(loss, 1))
    }
}

#[test]
fn full_batch_custom_type_trains_and_matches_a_hand_written_loop() {
    // No draws from libtorch's process-global generator: lib tests run in parallel threads, so
    // a re-seeded draw here could interleave with another test's and differ between the runs.
    let make = || {
        let vs = VarStore::new(Device::Cpu);
        let w0 = Tensor::from_slice(&[0.3f32, -0.7, 1.1]).view([3, 1]);
        let w = vs.root().var_copy("w", &w0);
        let a = (Tensor::arange(96, (Kind::Float, Device::Cpu)) * 0.37)
            .sin()
            .view([32, 3]);
        let b = a.matmul(&Tensor::from_slice(&[1.0f32, -2.0, 0.5]).view([3, 1]));
        (vs, PairStep { w }, Pair { a, b })
    };
    let cfg = TrainConfig {
        epochs: 200,
        optimizer: OptimizerConfig::adam(0.05),
        progress: false,
        ..Default::default()
    };
    let (mut vs, mut step, pair) = make();
    let tr = Trainer::new(cfg, Task::regression()).unwrap();
    let h = tr
        .fit_steps(&mut step, &mut vs, &mut FullBatch(&pair), None, &mut [])
        .unwrap();
    let (first, last) = (h.epochs[0].train_loss, h.epochs[199].train_loss);
    assert!(last < 1e-3 * first, "loss {first} -> {last}");

    // The same optimisation by hand gives the same weights bit for bit.
    let (vs2, step2, pair2) = make();
    let mut opt = OptimizerConfig::adam(0.05).build(&vs2).unwrap();
    for _ in 0..200 {
        let l = step2.step(&&pair2, true).unwrap().loss;
        opt.zero_grad();
        l.backward();
        opt.step();
    }
    let diff = (&step.w - &step2.w).abs().max().double_value(&[]);
    assert_eq!(diff, 0.0);
}
