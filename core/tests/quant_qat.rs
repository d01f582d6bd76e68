//! Quantization-aware training on real MNIST digits (a 2 000-image subset) with 2-bit weights
//! (one scale per matrix): the model trained through fake-quantized weights keeps the float
//! model's accuracy within 3 points, and its weights lie on the 2-bit grid.

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
    y.eq_tensor(&ds.y)
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[])
}

#[test]
fn qat_at_two_bits_keeps_the_accuracy_on_the_grid() {
    let train = load_default(Dataset::Mnist, Split::Train).unwrap();
    let test = load_default(Dataset::Mnist, Split::Test).unwrap();
    let flat = |d: &deepfield_core::data::mnist::Digits, n: i64| {
        TensorDataset::new(
            d.images.narrow(0, 0, n).flatten(1, -1),
            d.labels.narrow(0, 0, n),
        )
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
        scheme: QScheme::weights(2),
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
        .fit_callbacks(
            &model,
            &mut vs,
            &tr,
            None,
            |o, b| loss.compute(o, &b.y, None),
            &mut [&mut qat],
        )
        .unwrap();
    let qat_acc = accuracy(&model, &te);
    eprintln!("float {float:.3}, 2-bit PTQ {ptq:.3}, 2-bit QAT {qat_acc:.3}");
    assert!(float > 0.85, "{float}");
    // Trained through 2-bit weights it stays within 3 points of the float model (far above the
    // 11% of a constant prediction) and no worse than quantizing after training.
    assert!(qat_acc > float - 0.03, "QAT {qat_acc} vs float {float}");
    assert!(qat_acc > ptq - 0.02, "QAT {qat_acc} vs PTQ {ptq}");
    // The whole matrix holds at most 4 distinct values (2 bits, one scale).
    let w = vs.variables()["hidden.0.weight"].flatten(0, -1);
    let distinct = w.unique_dim(0, false, false, false).0.size()[0];
    assert!(distinct <= 4, "{distinct} values");
}
