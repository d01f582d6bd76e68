//! Quantization-aware training on real MNIST digits (a 2 000-image subset): with 2-bit weights,
//! post-training quantization of the float model collapses while QAT recovers most of the
//! accuracy; the trained weights lie on the 2-bit grid.

use deepfield_core::data::mnist::{load_default, Dataset, Split};
use deepfield_core::data::TensorDataset;
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::quant::qat::WeightQat;
use deepfield_core::quant::weights::{quantize_weights, WeightQuant};
use deepfield_core::quant::QScheme;
use deepfield_core::tch::{nn::VarStore, Device, Kind};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};
use deepfield_core::Forward;

fn accuracy(model: &dyn Forward, ds: &TensorDataset) -> f64 {
    let y = model.predict(&ds.x, None).argmax(-1, false);
    y.eq_tensor(&ds.y).to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
}

#[test]
fn qat_recovers_what_ptq_loses_at_two_bits() {
    let train = load_default(Dataset::Mnist, Split::Train).unwrap();
    let test = load_default(Dataset::Mnist, Split::Test).unwrap();
    let flat = |d: &deepfield_core::data::mnist::Digits, n: i64| {
        TensorDataset::new(d.images.narrow(0, 0, n).flatten(1, -1), d.labels.narrow(0, 0, n))
            .unwrap()
    };
    let (tr, te) = (flat(&train, 2000), flat(&test, 1000));
    let config = MlpConfig::new(784, [64], 10);
    let trainer = Trainer::new(
        TrainConfig {
            epochs: 6,
            batch_size: 64,
            optimizer: OptimizerConfig::adam(2e-3),
            progress: false,
            ..Default::default()
        },
        Task::classification(10),
    )
    .unwrap();
    let spec = WeightQuant {
        scheme: QScheme::weights(2).per_channel(),
        ..Default::default()
    };

    deepfield_core::seed(0);
    let mut vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    trainer.fit(&model, &mut vs, &tr, None).unwrap();
    let float = accuracy(&model, &te);
    quantize_weights(&vs, &spec).unwrap();
    let ptq = accuracy(&model, &te);

    deepfield_core::seed(0);
    let mut vs = VarStore::new(Device::Cpu);
    let model = config.init(&vs.root()).unwrap();
    let mut qat = WeightQat::new(spec.clone()).unwrap();
    let loss = Task::classification(10).loss_fn(Device::Cpu);
    trainer
        .fit_callbacks(&model, &mut vs, &tr, None, |o, b| loss.compute(o, &b.y, None), &mut [&mut qat])
        .unwrap();
    let qat_acc = accuracy(&model, &te);
    eprintln!("float {float:.3}, 2-bit PTQ {ptq:.3}, 2-bit QAT {qat_acc:.3}");
    assert!(float > 0.85, "{float}");
    assert!(qat_acc > ptq + 0.05, "QAT {qat_acc} vs PTQ {ptq}");
    assert!(qat_acc > float - 0.1, "QAT {qat_acc} vs float {float}");
    // Every row holds at most 4 distinct values (2 bits).
    let w = vs.variables()["hidden.0.weight"].shallow_clone();
    for row in [0, 31, 63] {
        let distinct = w.get(row).unique_dim(0, false, false, false).0.size()[0];
        assert!(distinct <= 4, "row {row}: {distinct}");
    }
}
