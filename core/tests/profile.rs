//! The cost counter (core::profile): hand-computed counts for a convolution, a grouped
//! convolution, an MLP and an LSTM; the recorder does nothing outside a session; the roofline
//! probe measures a positive peak; every core kind with an example profiles to non-zero counts;
//! the efficiency arithmetic; and a quick `convnet-efficiency` run writes its results.

use deepfield_core::models::ModelRegistry;
use deepfield_core::nn::cnn::{ConvBlockConfig, ConvStackConfig};
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
use deepfield_core::profile::{self, counter, LatencyOptions, Recorder};
use deepfield_core::repro::{efficiency::ConvnetEfficiency, ReproOptions, Typed};
use deepfield_core::tch::{nn::VarStore, Device, Kind, Tensor};
use deepfield_core::Forward;

fn quick() -> LatencyOptions {
    LatencyOptions::once()
}

fn cpu(shape: &[i64]) -> Tensor {
    Tensor::randn(shape, (Kind::Float, Device::Cpu))
}

#[test]
fn convolutions_count_outputs_times_fan_in() {
    let vs = VarStore::new(Device::Cpu);
    let stack = ConvStackConfig {
        dims: 2,
        input: 3,
        blocks: vec![ConvBlockConfig::new(8, 3)],
    }
    .init(&vs.root())
    .unwrap();
    let x = cpu(&[2, 3, 10, 12]);
    let rec = Recorder::new();
    let y = rec.run(|| stack.f_forward_t(&x, false)).unwrap();
    let conv = rec
        .layers()
        .into_iter()
        .find(|l| l.op == "conv2d")
        .expect("the convolution reported");
    let outputs: i64 = y.size().iter().product();
    assert_eq!(conv.macs, outputs as u64 * 3 * 3 * 3);
    assert_eq!(conv.params, 8 * 3 * 3 * 3 + 8);
    assert_eq!(conv.flops, 2 * conv.macs + outputs as u64);
    assert_eq!(conv.bytes_written, outputs as u64 * 4);
    assert_eq!(conv.bytes_read, (2 * 3 * 10 * 12 + 8 * 27 + 8) * 4);

    // A grouped 1-D convolution: [2, 4, 10] with weight [6, 2, 3] (2 groups) → [2, 6, 8].
    let (x, w) = (cpu(&[2, 4, 10]), cpu(&[6, 2, 3]));
    let y = x.conv1d(&w, None::<Tensor>, [1], [0], [1], 2);
    let rec = Recorder::new();
    rec.run(|| counter::conv("g", &x, &w, None, &y));
    let l = &rec.layers()[0];
    assert_eq!(
        (l.op.as_str(), l.macs, l.params),
        ("conv1d", 2 * 6 * 8 * 2 * 3, 36)
    );
}

#[test]
fn linear_layers_and_lstms_match_hand_counts() {
    let vs = VarStore::new(Device::Cpu);
    let mlp = MlpConfig::new(8, [16], 3).init(&vs.root()).unwrap();
    let p = profile::profile_forward("mlp", &mlp, &vs, &cpu(&[4, 8]), &quick()).unwrap();
    assert_eq!(p.macs, 4 * (8 * 16 + 16 * 3));
    assert_eq!(p.params, 8 * 16 + 16 + 16 * 3 + 3);
    assert_eq!(p.layer_params, p.params);
    assert_eq!(p.flops, 2 * p.macs + 4 * (16 + 3));
    assert_eq!(p.activation_bytes, 4 * (16 + 3) * 4);
    assert_eq!(p.layers.len(), 2);
    assert!(p.latency.median_s > 0.0);

    // BiLSTM 5 → 7 over [2, 9, 5]: per direction and step 4·7·(5 + 7) MACs per sample.
    let vs = VarStore::new(Device::Cpu);
    let cfg = SequenceClassifierConfig {
        rnn: RnnConfig::new(Cell::Lstm, 5, 7, true),
        pooling: Pooling::Mean,
        output: 3,
        ..Default::default()
    };
    let model = cfg.init(&vs.root()).unwrap();
    let rec = Recorder::new();
    let _ = rec
        .run(|| model.try_forward_t(&cpu(&[2, 9, 5]), None, false))
        .unwrap();
    let lstm = rec.layers().into_iter().find(|l| l.op == "lstm").unwrap();
    assert_eq!(lstm.macs, 2 * 9 * 2 * 4 * 7 * (5 + 7));
    assert_eq!(lstm.params, 2 * (4 * 7 * 5 + 4 * 7 * 7 + 2 * 4 * 7));
}

#[test]
fn the_recorder_is_inert_outside_a_session() {
    assert!(!profile::is_recording());
    let (x, w) = (cpu(&[2, 3]), cpu(&[4, 3]));
    let y = x.linear(&w, None::<Tensor>);
    counter::linear("outside", &x, &w, None, &y);
    let vs = VarStore::new(Device::Cpu);
    let mlp = MlpConfig::new(3, [4], 2).init(&vs.root()).unwrap();
    let _ = mlp.try_forward_t(&x, None, false).unwrap();
    let rec = Recorder::new();
    assert!(rec.layers().is_empty());
    // Inside: recorded; sessions nest and the outer one sees only its own layers.
    let inner = Recorder::new();
    rec.run(|| {
        counter::linear("outer", &x, &w, None, &y);
        inner.run(|| counter::linear("inner", &x, &w, None, &y));
        assert!(profile::is_recording());
    });
    assert!(!profile::is_recording());
    let names = |r: &Recorder| r.layers().into_iter().map(|l| l.name).collect::<Vec<_>>();
    assert_eq!(names(&rec), ["outer"]);
    assert_eq!(names(&inner), ["inner"]);
}

#[test]
fn the_roofline_probe_measures_a_positive_peak_and_bandwidth() {
    let roof = profile::roofline::probe(Device::Cpu, &[64, 128], 4 << 20, 2).unwrap();
    assert!(roof.peak_flops > 1e6, "{roof:?}");
    assert!(roof.bandwidth > 1e6, "{roof:?}");
    assert!([64, 128].contains(&roof.peak_size));
    let ridge = roof.ridge();
    assert!(ridge.is_finite() && ridge > 0.0);
    assert!((roof.attainable(ridge * 10.0) - roof.peak_flops).abs() < 1e-6 * roof.peak_flops);
    assert!(roof.attainable(ridge / 10.0) < 0.2 * roof.peak_flops);
}

#[test]
fn every_core_kind_with_an_example_profiles_to_nonzero_counts() {
    let reg = ModelRegistry::with_core();
    let (profiles, skipped) = profile::profile_all(&reg, &[], &quick()).unwrap();
    // fusion, seq2seq and mamba have no example input for the profiler yet.
    assert_eq!(skipped, ["fusion", "mamba", "seq2seq"]);
    assert_eq!(profiles.len(), reg.kinds().len() - 3);
    for p in &profiles {
        assert!(
            p.macs > 0 && p.flops >= 2 * p.macs,
            "{}: {}",
            p.kind,
            p.macs
        );
        assert!(
            p.params > 0 && p.activation_bytes > 0 && p.intensity > 0.0,
            "{}",
            p.kind
        );
        assert!(p.layer_params <= p.params, "{}", p.kind);
    }
    // One kind only, and an unknown kind is an error naming it.
    let (one, _) = profile::profile_all(&reg, &["mlp".into()], &quick()).unwrap();
    assert_eq!(one.len(), 1);
    let e = profile::profile_all(&reg, &["nope".into()], &quick()).unwrap_err();
    assert!(e.to_string().contains("`nope`"), "{e}");
}

#[test]
fn efficiency_sets_latency_against_peak_and_waterline() {
    let vs = VarStore::new(Device::Cpu);
    let mlp = MlpConfig::new(8, [16], 3).init(&vs.root()).unwrap();
    let mut p = profile::profile_forward("mlp", &mlp, &vs, &cpu(&[4, 8]), &quick()).unwrap();
    p.latency.median_s = 1e-3;
    let roof = profile::Roofline {
        peak_flops: 1e9,
        peak_size: 0,
        bandwidth: 1e9,
        threads: 1,
        device: "cpu".into(),
    };
    let e = p.efficiency(&roof);
    assert!((e.time_at_peak_s - p.flops as f64 / 1e9).abs() < 1e-15);
    assert!((e.gap - 1e-3 / e.time_at_peak_s).abs() < 1e-6 * e.gap);
    // Ridge at 1 FLOP/byte: each layer is bound by the larger of its FLOPs and its bytes.
    let bound = |l: &profile::LayerCost| (l.flops.max(l.bytes_read + l.bytes_written)) as f64;
    let want: f64 = p.layers.iter().map(|l| bound(l) / 1e9).sum();
    assert!((e.waterline_s - want).abs() < 1e-9 * want);
    let memory: f64 = p
        .layers
        .iter()
        .filter(|l| l.bytes_read + l.bytes_written > l.flops)
        .map(|l| bound(l) / 1e9)
        .sum();
    assert!((e.memory_bound_share - memory / want).abs() < 1e-9);
    assert!(e.waterline_s >= e.time_at_peak_s);
}

#[test]
fn a_quick_convnet_efficiency_run_writes_its_results() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("eff");
    let m = Typed(ConvnetEfficiency)
        .run_typed(&ReproOptions::quick("convnet-efficiency", &out))
        .unwrap();
    // Core's six kinds with examples (and any domain profiles under core/results/profiles).
    assert!(m.models.len() >= 6, "{}", m.models.len());
    assert!(m.models.iter().all(|r| r.efficiency.gap.is_finite()
        && r.efficiency.gap > 0.0
        && r.efficiency.waterline_s > 0.0
        && r.latency_ms > 0.0));
    for f in [
        "report.md",
        "metrics.json",
        "config.json",
        "layers.csv",
        "roofline.png",
        "efficiency_gap.png",
        "waterline.png",
    ] {
        assert!(out.join(f).exists(), "{f}");
    }
}
