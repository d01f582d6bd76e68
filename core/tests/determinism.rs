//! Bit-identical training under a seed on CPU.
//!
//! libtorch's random generator is global to the process, so this check lives in its own test
//! binary with a single test: parallel tests elsewhere cannot draw from the generator between
//! `seed()` and the end of a run.

use deepfield_core::data::TensorDataset;
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use deepfield_core::tch::{nn::VarStore, Device, Tensor};
use deepfield_core::train::{History, OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::{Forward, Rng};

fn blobs(n: usize, dims: usize, seed: u64) -> (Vec<f32>, Vec<i64>) {
    let mut rng = Rng::new(seed);
    let mut x = Vec::with_capacity(n * dims);
    let mut y = Vec::with_capacity(n);
    for i in 0..n {
        let c = (i % 2) as i64;
        for _ in 0..dims {
            x.push((rng.normal() + if c == 1 { 1.0 } else { -1.0 }) as f32);
        }
        y.push(c);
    }
    (x, y)
}

fn run<M: Forward>(
    seed: u64,
    build: impl Fn(&VarStore) -> M,
    x: &Tensor,
    y: &Tensor,
) -> (VarStore, History) {
    deepfield_core::seed(seed);
    let mut vs = VarStore::new(Device::Cpu);
    let model = build(&vs);
    let cfg = TrainConfig {
        epochs: 4,
        batch_size: 16,
        optimizer: OptimizerConfig::adam(0.01),
        seed,
        progress: false,
        ..Default::default()
    };
    let data = TensorDataset::new(x.shallow_clone(), y.shallow_clone()).unwrap();
    let h = Trainer::new(cfg, Task::classification(2))
        .unwrap()
        .fit(&model, &mut vs, &data, Some(&data))
        .unwrap();
    (vs, h)
}

fn assert_identical(a: &(VarStore, History), b: &(VarStore, History), what: &str) {
    assert_eq!(
        a.1.train_losses(),
        b.1.train_losses(),
        "{what}: losses differ"
    );
    let (va, vb) = (a.0.variables(), b.0.variables());
    assert_eq!(va.len(), vb.len());
    for (name, t) in &va {
        assert!(
            t.equal(&vb[name]),
            "{what}: {name} differs between identical runs"
        );
    }
}

fn differs(a: &VarStore, b: &VarStore) -> bool {
    let vb = b.variables();
    a.variables().iter().any(|(n, t)| !t.equal(&vb[n]))
}

#[test]
fn same_seed_gives_bit_identical_weights() {
    // MLP with dropout (exercises the generator during training too)
    let (x, y) = blobs(200, 4, 1);
    let (x, y) = (
        Tensor::from_slice(&x).view([200, 4]),
        Tensor::from_slice(&y),
    );
    let mlp = |vs: &VarStore| {
        let mut c = MlpConfig::new(4, [16], 2);
        c.dropout = 0.2;
        c.init(&vs.root()).unwrap()
    };
    let a = run(42, mlp, &x, &y);
    let b = run(42, mlp, &x, &y);
    let c = run(43, mlp, &x, &y);
    assert_identical(&a, &b, "mlp");
    assert!(
        differs(&a.0, &c.0),
        "a different seed should give different weights"
    );

    // BiLSTM with inter-layer dropout
    let (xs, ys) = blobs(64, 6 * 3, 2);
    let (xs, ys) = (
        Tensor::from_slice(&xs).view([64, 6, 3]),
        Tensor::from_slice(&ys),
    );
    let lstm = |vs: &VarStore| {
        let mut rnn = RnnConfig::new(Cell::Lstm, 3, 8, true);
        rnn.layers = 2;
        rnn.dropout = 0.2;
        SequenceClassifierConfig {
            rnn,
            pooling: Pooling::Mean,
            output: 2,
            dropout: 0.1,
            ..Default::default()
        }
        .init(&vs.root())
        .unwrap()
    };
    let a = run(7, lstm, &xs, &ys);
    let b = run(7, lstm, &xs, &ys);
    assert_identical(&a, &b, "bilstm");
}
