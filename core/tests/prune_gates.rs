//! Binary gates with the polarization regulariser on a tiny problem under a fixed seed: the gate
//! probabilities end polarized near 0 or 1, the thresholded masks reach the requested
//! sparsity, the network still learns the task, and the masks zero exactly what they say.

use deepfield_core::data::{Batch, TensorDataset};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::prune::gates::{GateCallback, GateConfig, GateMode, Granularity};
use deepfield_core::train::{Callback, ForwardStep, OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::{Forward, Result};
use tch::nn::VarStore;
use tch::{Kind, Tensor};

type LossFn = fn(&Tensor, &Batch) -> Result<Tensor>;

/// Two informative inputs of eight: y = 1[x0 + x1 > 0].
fn data() -> TensorDataset {
    let x = Tensor::randn([1024, 8], (Kind::Float, tch::Device::Cpu));
    let y = (x.select(1, 0) + x.select(1, 1))
        .gt(0.0)
        .to_kind(Kind::Int64);
    TensorDataset::new(x, y).unwrap()
}

fn accuracy(model: &dyn Forward, d: &TensorDataset) -> f64 {
    let out = tch::no_grad(|| model.try_forward_t(&d.x, None, false).unwrap());
    100.0
        * out
            .argmax(-1, false)
            .eq_tensor(&d.y)
            .to_kind(Kind::Double)
            .mean(Kind::Double)
            .double_value(&[])
}

fn run(cfg: GateConfig) -> (GateCallback, f64, VarStore) {
    tch::manual_seed(7);
    let d = data();
    let mut vs = VarStore::new(tch::Device::Cpu);
    let model = MlpConfig::new(8, [32, 32], 2).init(&vs.root()).unwrap();
    let mut gates = GateCallback::new(&vs, cfg).unwrap();
    let tcfg = TrainConfig {
        epochs: 12,
        batch_size: 32,
        seed: 7,
        progress: false,
        optimizer: OptimizerConfig::adam(3e-3),
        ..Default::default()
    };
    let trainer = Trainer::new(tcfg, Task::classification(2)).unwrap();
    let loss: LossFn = |o, b| Ok(o.cross_entropy_for_logits(&b.y));
    {
        let mut cbs: Vec<&mut dyn Callback<ForwardStep<'_, _, LossFn>, Batch>> = vec![&mut gates];
        trainer
            .fit_callbacks(&model, &mut vs, &d, None, loss, &mut cbs)
            .unwrap();
    }
    let acc = accuracy(&model, &d);
    (gates, acc, vs)
}

#[test]
fn gates_polarize_and_reach_the_requested_sparsity() {
    // Channel gates take a 100× smaller learning rate: a channel's share nᵢ/N of its layer is
    // 1/32 here, a connection's 1/1024 (the regulariser's gradient per gate scales with it).
    for (granularity, layers, gate_lr) in [
        (Granularity::Channel, "hidden.*", 1.0),
        (Granularity::Connection, "hidden.*,out.weight", 100.0),
    ] {
        let cfg = GateConfig {
            sparsity: 0.5,
            granularity,
            mode: GateMode::Ste,
            layers: Some(layers.into()),
            gate_lr,
            ..Default::default()
        };
        let (gates, acc, vs) = run(cfg);
        let p = gates.probabilities().unwrap();
        let polar = p.iter().filter(|v| **v < 0.1 || **v > 0.9).count() as f64 / p.len() as f64;
        let s = gates.sparsity().unwrap();
        eprintln!("{granularity:?}: polarized {polar:.3}, sparsity {s:.3}, accuracy {acc:.1}");
        // At the start every gate sits at σ(1) = 0.73: none polarized.
        assert!(
            polar > 0.8,
            "{granularity:?}: only {polar} of the gates polarized"
        );
        assert!((s - 0.5).abs() < 0.08, "{granularity:?}: sparsity {s}");
        // A constant predictor scores ~50 %.
        assert!(acc > 90.0, "{granularity:?}: accuracy {acc}");
        // The masks zero exactly the pruned values of the trained variables.
        let masks = gates.masks().unwrap();
        let c = masks.counts();
        assert!(c.kept > 0 && c.kept < c.total);
        let vars = vs.variables();
        for (name, m) in masks.iter() {
            let kept: Tensor = m.ones_like() - m;
            let pruned: Tensor = vars[name].abs() * kept;
            let pruned = pruned.sum(Kind::Double).double_value(&[]);
            assert_eq!(pruned, 0.0, "{name}");
        }
    }
}
