use super::*;
use crate::nn::Activation;
use crate::nn::Forward;
use serde_json::Value;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::testing::max_abs_diff;

#[test]
fn positional_encoding_matches_the_formula() {
    let d = 6;
    let pe = PositionalEncoding::new(d, 50, Device::Cpu).unwrap();
    assert_eq!(pe.table().size(), vec![50, 6]);
    // Position 0: sin(0) = 0, cos(0) = 1.
    let row0: Vec<f32> = Vec::try_from(pe.table().get(0)).unwrap();
    assert_eq!(row0, vec![0.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
    for pos in [1i64, 7, 49] {
        for i in 0..d / 2 {
            let angle = pos as f64 / 10000f64.powf(2.0 * i as f64 / d as f64);
            let s = pe.table().double_value(&[pos, 2 * i]);
            let c = pe.table().double_value(&[pos, 2 * i + 1]);
            assert!((s - angle.sin()).abs() < 1e-6, "pos {pos} col {}", 2 * i);
            assert!(
                (c - angle.cos()).abs() < 1e-6,
                "pos {pos} col {}",
                2 * i + 1
            );
        }
    }
    // A hand value: PE(1, 2) = sin(1 / 10000^(2/6)) = sin(1 / 21.544...) = 0.046399...
    assert!((pe.table().double_value(&[1, 2]) - 0.046_399_3).abs() < 1e-6);
    // Adding to a sequence of zeros returns the table's first rows.
    let xs = Tensor::zeros([2, 4, 6], (Kind::Float, Device::Cpu));
    let ys = pe.forward(&xs).unwrap();
    assert_eq!(max_abs_diff(&ys.get(1), &pe.table().narrow(0, 0, 4)), 0.0);
    // Odd width works; too long a sequence is an error.
    assert_eq!(
        PositionalEncoding::new(5, 3, Device::Cpu)
            .unwrap()
            .table()
            .size(),
        vec![3, 5]
    );
    let long = Tensor::zeros([1, 51, 6], (Kind::Float, Device::Cpu));
    assert!(pe.forward(&long).is_err());
}

#[test]
fn shapes_and_parameter_names() {
    let vs = VarStore::new(Device::Cpu);
    let mut c = TransformerEncoderConfig::new(Some(3), 8, 2, 1, Some(2));
    c.pooling = Pooling::Cls;
    c.norm_first = true;
    let m = c.init(&vs.root()).unwrap();
    let xs = Tensor::randn([4, 5, 3], (Kind::Float, Device::Cpu));
    assert_eq!(m.predict(&xs, None).size(), vec![4, 2]);
    assert_eq!(m.forward_t(&xs, None, true).size(), vec![4, 2]);
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    let expected = [
        "cls_token",
        "head.bias",
        "head.weight",
        "input_proj.bias",
        "input_proj.weight",
        "layers.0.linear1.bias",
        "layers.0.linear1.weight",
        "layers.0.linear2.bias",
        "layers.0.linear2.weight",
        "layers.0.norm1.bias",
        "layers.0.norm1.weight",
        "layers.0.norm2.bias",
        "layers.0.norm2.weight",
        "layers.0.self_attn.in_proj_bias",
        "layers.0.self_attn.in_proj_weight",
        "layers.0.self_attn.out_proj.bias",
        "layers.0.self_attn.out_proj.weight",
        "norm.bias",
        "norm.weight",
    ];
    assert_eq!(names, expected);
    assert_eq!(
        vs.variables()["layers.0.self_attn.in_proj_weight"].size(),
        vec![24, 8]
    );

    // No pooling, no head, no projection: [B, T, d_model].
    let vs = VarStore::new(Device::Cpu);
    let mut c = TransformerEncoderConfig::new(None, 8, 4, 2, None);
    c.pooling = Pooling::None;
    let m = c.init(&vs.root()).unwrap();
    let xs = Tensor::randn([2, 7, 8], (Kind::Float, Device::Cpu));
    assert_eq!(m.predict(&xs, None).size(), vec![2, 7, 8]);
    assert!(!vs
        .variables()
        .keys()
        .any(|k| k.starts_with("head") || k.starts_with("input_proj")));
}

#[test]
fn padding_does_not_change_real_steps() {
    tch::manual_seed(7);
    for pooling in [Pooling::None, Pooling::Mean, Pooling::Cls, Pooling::First] {
        for norm_first in [false, true] {
            let vs = VarStore::new(Device::Cpu);
            let mut c = TransformerEncoderConfig::new(Some(3), 8, 2, 2, Some(2));
            c.pooling = pooling;
            c.norm_first = norm_first;
            c.max_len = 16;
            let m = c.init(&vs.root()).unwrap();
            let alone = Tensor::randn([1, 5, 3], (Kind::Float, Device::Cpu));
            let other = Tensor::randn([1, 8, 3], (Kind::Float, Device::Cpu));
            // Pad with NaN: it must not reach the real steps.
            let pad = Tensor::full([1, 3, 3], f64::NAN, (Kind::Float, Device::Cpu));
            let batch = Tensor::cat(&[&Tensor::cat(&[&alone, &pad], 1), &other], 0);
            let mask = Tensor::ones([2, 8], (Kind::Bool, Device::Cpu));
            let _ = mask.get(0).narrow(0, 5, 3).fill_(0);
            let y_alone = m.predict(&alone, None);
            let y_batch = m.predict(&batch, Some(&mask));
            let y_other = m.predict(&other, None);
            let (got, got_other) = match pooling {
                Pooling::None => (
                    y_batch.narrow(0, 0, 1).narrow(1, 0, 5),
                    y_batch.narrow(0, 1, 1),
                ),
                _ => (y_batch.narrow(0, 0, 1), y_batch.narrow(0, 1, 1)),
            };
            let diff = max_abs_diff(&got, &y_alone);
            assert!(
                diff < 1e-5,
                "{pooling:?} norm_first={norm_first}: diff {diff}"
            );
            assert!(max_abs_diff(&got_other, &y_other) < 1e-5);
        }
    }
    // Positions are absolute, so padding belongs at the end; with padding at the front,
    // pooling `first` still picks the first real step (compare with per-step outputs).
    let vs = VarStore::new(Device::Cpu);
    let mut c = TransformerEncoderConfig::new(Some(2), 8, 2, 1, Some(1));
    c.pooling = Pooling::First;
    let first = c.init(&vs.root()).unwrap();
    let mut vs_steps = VarStore::new(Device::Cpu);
    c.pooling = Pooling::None;
    let steps = c.init(&vs_steps.root()).unwrap();
    vs_steps.copy(&vs).unwrap();
    let xs = Tensor::randn([2, 6, 2], (Kind::Float, Device::Cpu));
    let mask = Tensor::from_slice(&[
        false, false, true, true, true, true, true, true, true, true, true, false,
    ])
    .view([2, 6]);
    let got = first.predict(&xs, Some(&mask));
    let per_step = steps.predict(&xs, Some(&mask));
    assert_eq!(got.size(), vec![2, 1]);
    assert!(max_abs_diff(&got.get(0), &per_step.get(0).get(2)) < 1e-6);
    assert!(max_abs_diff(&got.get(1), &per_step.get(1).get(0)) < 1e-6);
}

#[test]
fn invalid_inputs_are_errors() {
    let vs = VarStore::new(Device::Cpu);
    let mut c = TransformerEncoderConfig::new(Some(3), 8, 2, 1, Some(1));
    c.max_len = 6;
    let m = c.init(&vs.root()).unwrap();
    let xs = Tensor::randn([2, 5, 3], (Kind::Float, Device::Cpu));
    assert!(m.try_forward(&xs, None, false).is_ok());
    // Wrong feature count, wrong rank, too long, bad mask shape, an all-padding row.
    assert!(m
        .try_forward(
            &Tensor::randn([2, 5, 4], (Kind::Float, Device::Cpu)),
            None,
            false
        )
        .is_err());
    assert!(m
        .try_forward(
            &Tensor::randn([2, 3], (Kind::Float, Device::Cpu)),
            None,
            false
        )
        .is_err());
    assert!(m
        .try_forward(
            &Tensor::randn([2, 7, 3], (Kind::Float, Device::Cpu)),
            None,
            false
        )
        .is_err());
    let bad_shape = Tensor::ones([2, 4], (Kind::Bool, Device::Cpu));
    assert!(m.try_forward(&xs, Some(&bad_shape), false).is_err());
    let empty_row = Tensor::from_slice(&[1i64, 1, 1, 0, 0, 0, 0, 0, 0, 0]).view([2, 5]);
    assert!(m.try_forward(&xs, Some(&empty_row), false).is_err());
    // A 0/1 integer mask is accepted.
    let int_mask = Tensor::from_slice(&[1i64, 1, 1, 0, 0, 1, 1, 1, 1, 1]).view([2, 5]);
    assert_eq!(
        m.try_forward(&xs, Some(&int_mask), false).unwrap().size(),
        vec![2, 1]
    );
}

#[test]
fn bad_config_is_an_error() {
    let vs = VarStore::new(Device::Cpu);
    let root = vs.root();
    assert!(TransformerEncoderConfig::new(Some(3), 10, 4, 1, Some(1))
        .init(&root)
        .is_err());
    assert!(TransformerEncoderConfig::new(Some(-1), 8, 2, 1, Some(1))
        .init(&root)
        .is_err());
    // input 0 means no projection, like null.
    let vs0 = VarStore::new(Device::Cpu);
    let m = TransformerEncoderConfig::new(Some(0), 8, 2, 1, Some(1))
        .init(&vs0.root())
        .unwrap();
    assert!(!vs0.variables().keys().any(|k| k.starts_with("input_proj")));
    let xs = Tensor::randn([2, 3, 8], (Kind::Float, Device::Cpu));
    assert_eq!(m.try_forward(&xs, None, false).unwrap().size(), vec![2, 1]);
    assert!(TransformerEncoderConfig::new(Some(3), 8, 2, 0, Some(1))
        .init(&root)
        .is_err());
    assert!(TransformerEncoderConfig::new(Some(3), 8, 2, 1, Some(0))
        .init(&root)
        .is_err());
    let c = TransformerEncoderConfig {
        dropout: 1.0,
        ..Default::default()
    };
    assert!(c.validate().is_err());
    let c = TransformerEncoderConfig {
        pooling: Pooling::Cls,
        max_len: 1,
        ..Default::default()
    };
    assert!(c.validate().is_err());
    assert!(TransformerEncoderConfig::default().validate().is_ok());
}

#[test]
fn config_serde_round_trip() {
    let mut c = TransformerEncoderConfig::new(None, 16, 4, 3, None);
    c.pooling = Pooling::Cls;
    c.activation = Activation::Gelu;
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"pooling\":\"cls\"") && json.contains("\"input\":null"));
    assert_eq!(
        serde_json::from_str::<TransformerEncoderConfig>(&json).unwrap(),
        c
    );
    let partial: TransformerEncoderConfig = serde_json::from_str(r#"{"d_model": 32}"#).unwrap();
    assert_eq!(partial.heads, 4);
    assert_eq!(partial.d_model, 32);
}

fn tensor_from_json(v: &Value) -> Tensor {
    crate::nn::test_util::tensor_from_json(v, "values")
}

/// Weights, inputs and outputs of `torch.nn.TransformerEncoder` (plus input projection,
/// positional encoding, pooling and head) from `core/scripts/gen_transformer_fixture.py`.
#[test]
fn matches_pytorch_reference() {
    let fixture: Value = crate::testing::read_json(&crate::fixture!("transformer_reference.json"));
    let cases = fixture["cases"].as_array().unwrap();
    assert!(cases.len() >= 3);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let config: TransformerEncoderConfig =
            serde_json::from_value(case["config"].clone()).unwrap();
        let mut vs = VarStore::new(Device::Cpu);
        let m = config.init(&vs.root()).unwrap();
        let state = case["state_dict"].as_object().unwrap();
        let mut ours: Vec<String> = vs.variables().into_keys().collect();
        let mut theirs: Vec<String> = state.keys().cloned().collect();
        ours.sort();
        theirs.sort();
        assert_eq!(
            ours, theirs,
            "{name}: parameter names differ from PyTorch's"
        );
        let vars = vs.variables();
        tch::no_grad(|| {
            for (key, value) in state {
                let src = tensor_from_json(value);
                assert_eq!(vars[key].size(), src.size(), "{name}: {key}");
                vars[key].shallow_clone().copy_(&src);
            }
        });
        vs.freeze();
        let xs = tensor_from_json(&case["input"]);
        let mask_rows: Vec<Vec<bool>> = serde_json::from_value(case["mask"].clone()).unwrap();
        let t = mask_rows[0].len() as i64;
        let flat: Vec<bool> = mask_rows.concat();
        let mask = Tensor::from_slice(&flat).view([-1, t]);
        let expected = tensor_from_json(&case["output"]);
        let got = m.try_forward(&xs, Some(&mask), false).unwrap();
        assert_eq!(got.size(), expected.size(), "{name}");
        let diff = max_abs_diff(&got, &expected);
        assert!(diff < 1e-5, "{name}: max |ours - pytorch| = {diff}");
    }
}
