//! `quantization --quick` on real MNIST and tiny Shakespeare: 8-bit weights keep the accuracy,
//! int8 folders are ≥ 3.5× smaller, QAT at 4 bits does at least as well as PTQ at 4 bits, and
//! the int8 runs follow the f32 models.

use deepfield_core::quant::repro::Quantization;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_quantization_repro_keeps_accuracy_and_shrinks_files() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("quantization", out.path().join("q"));
    let m = Typed(Quantization)
        .run_typed(&opts)
        .expect("quantization --quick");
    assert_eq!(m.tasks.len(), 3);
    for t in &m.tasks {
        eprintln!("{t:?}");
    }
    for t in &m.tasks {
        assert!(
            t.majority_accuracy > 0.05 && t.majority_accuracy < 0.2,
            "{t:?}"
        );
        // The digit models are far above the most frequent class; the quick LSTM (190 steps)
        // is not past the most frequent character yet, and checks the mechanics only.
        if t.task.starts_with("mnist") {
            assert!(t.fp32_accuracy > 0.8, "{}: {}", t.task, t.fp32_accuracy);
        }
        assert!((t.fp32_accuracy - t.ptq8_accuracy).abs() < 0.01, "{t:?}");
        assert!(t.qat4_accuracy >= t.ptq4_accuracy - 0.01, "{t:?}");
        let ratio = t.fp32_bytes as f64 / t.int8_bytes as f64;
        assert!(ratio > 3.5, "{}: {ratio}", t.task);
        assert!(t.int4_bytes < t.int8_bytes);
        if let Some(a) = t.int8_accuracy {
            assert!((t.fp32_accuracy - a).abs() < 0.02, "{t:?}");
        }
    }
    assert!(m.tasks[0].int8_latency_s.is_none() && m.tasks[1].int8_latency_s.is_some());
    assert_eq!(m.goals.len(), 4);
    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "accuracy.png",
            "latency.png",
            "model/model.safetensors",
            "models/mnist-cnn-int4/model.safetensors",
        ],
    );
}
