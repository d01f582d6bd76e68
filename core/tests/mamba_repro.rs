//! `mamba --quick`: Mamba, GRU, LSTM and a Transformer at about equal parameter counts on
//! 196-step pixel MNIST (400 training images), permuted MNIST and NAB windows, plus the length
//! sweep. Asserts what holds robustly in quick mode: the results folder is complete, the
//! parameter counts are matched within 15 %, Mamba learns sequential MNIST far above chance, its
//! forward+backward time grows about linearly with length and more slowly than attention's.

use deepfield_core::repro::mamba::MambaRepro;
use deepfield_core::testing::{assert_repro_results, run_quick};

#[test]
fn quick_mamba_learns_and_scales_linearly() {
    let run = run_quick(MambaRepro);
    let m = &run.metrics;
    for r in &m.results {
        eprintln!(
            "{} {}: acc {:?} rmse {:?} ({} params, {:.2} s/epoch)",
            r.task, r.model, r.accuracy, r.rmse, r.params, r.seconds_per_epoch
        );
    }
    for s in &m.slopes {
        eprintln!("slope {}: time {:.2}, memory {:?}", s.model, s.time, s.memory);
    }
    assert_eq!(m.sequence_length, 196);
    assert_eq!(m.results.len(), 12, "4 models × (smnist, psmnist, nab)");
    let mamba = m.params["mamba"] as f64;
    for (k, &v) in &m.params {
        assert!(
            (v as f64 - mamba).abs() / mamba < 0.15,
            "{k}: {v} params vs mamba's {mamba}"
        );
    }
    // Chance is 10 %; 400 images and 2 epochs give Mamba well above it.
    let acc = m.result("smnist", "mamba").and_then(|r| r.accuracy).unwrap();
    assert!(acc > 0.30, "quick sMNIST accuracy of mamba {acc}");
    let pacc = m.result("psmnist", "mamba").and_then(|r| r.accuracy).unwrap();
    assert!(pacc > 0.20, "quick psMNIST accuracy of mamba {pacc}");
    // Forecasting: finite and not worse than predicting the mean (RMSE 1 in standardised units
    // would be about the series' spread).
    let rmse = m.result("nab", "mamba").and_then(|r| r.rmse).unwrap();
    assert!(rmse.is_finite() && rmse < 1.5, "nab rmse {rmse}");
    // Cost: Mamba about linear, attention steeper.
    let ms = m.slope("mamba").unwrap().time;
    let ts = m.slope("transformer").unwrap().time;
    assert!(ms < 1.35, "mamba time slope {ms}");
    assert!(ts > ms + 0.15, "transformer slope {ts} vs mamba {ms}");
    assert_repro_results(
        &run.out,
        &[
            "accuracy.png",
            "epoch_time.png",
            "nab_rmse.png",
            "scaling_time.png",
            "training_loss.png",
            "model/model.safetensors",
            "models/psmnist-gru/model.safetensors",
            "models/nab-transformer/model.safetensors",
        ],
    );
}
