use super::*;
use crate::nn::{Forward, LinearInit};
use serde_json::Value;
use std::collections::HashMap;
use tch::{nn, Device, Kind, Tensor};

use crate::nn::test_util::{self, cpu, mask_from_lengths};

use crate::testing::max_abs_diff as max_diff;

#[test]
fn shapes_and_pytorch_parameter_names() {
    let vs = nn::VarStore::new(Device::Cpu);
    let mut cfg = RnnConfig::new(Cell::Lstm, 5, 7, true);
    cfg.layers = 2;
    let rnn = cfg.init(&vs.root()).unwrap();
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    // sorted(torch.nn.LSTM(5, 7, num_layers=2, bidirectional=True).state_dict())
    let mut expected: Vec<String> = Vec::new();
    for l in 0..2 {
        for sfx in ["", "_reverse"] {
            for w in ["weight_ih", "weight_hh", "bias_ih", "bias_hh"] {
                expected.push(format!("{w}_l{l}{sfx}"));
            }
        }
    }
    expected.sort();
    assert_eq!(names, expected);
    let vars = vs.variables();
    assert_eq!(vars["weight_ih_l0"].size(), [28, 5]);
    assert_eq!(vars["weight_ih_l1_reverse"].size(), [28, 14]);
    assert_eq!(vars["weight_hh_l1"].size(), [28, 7]);
    assert_eq!(vars["bias_hh_l0_reverse"].size(), [28]);

    let xs = Tensor::randn([3, 6, 5], cpu());
    let (out, last) = rnn.forward_seq(&xs, None, false);
    assert_eq!(out.size(), [3, 6, 14]);
    assert_eq!(last.size(), [3, 14]);
    // Unpadded: `last` is the forward output at T-1 and the backward output at 0.
    assert!(max_diff(&last, &last_step(&out, None, true).unwrap()) < 1e-6);

    let vs = nn::VarStore::new(Device::Cpu);
    let gru = RnnConfig::new(Cell::Gru, 5, 4, false)
        .init(&(vs.root() / "enc"))
        .unwrap();
    assert_eq!(vs.variables()["enc.weight_hh_l0"].size(), [12, 4]);
    let (out, last) = gru.forward_seq(&xs, None, false);
    assert_eq!(out.size(), [3, 6, 4]);
    assert!(max_diff(&last, &out.select(1, 5)) < 1e-6);
}

/// PyTorch's `nn.LSTM`/`nn.GRU` init: every weight and bias U(±1/√hidden).
#[test]
fn init_is_pytorchs() {
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let mut cfg = RnnConfig::new(Cell::Lstm, 300, 100, true);
    cfg.layers = 2;
    cfg.init(&vs.root()).unwrap();
    let bound = 0.1;
    let all: Vec<Tensor> = vs.variables().values().map(|t| t.flatten(0, -1)).collect();
    let all = Tensor::cat(&all, 0);
    let max = all.abs().max().double_value(&[]);
    assert!(max <= bound && max > 0.99 * bound, "max {max}");
    let std = all.std(true).double_value(&[]);
    assert!((std * 3f64.sqrt() / bound - 1.0).abs() < 0.03, "std {std}");
}

/// A padded batch gives, at real steps and in `last`, exactly what each sequence gives alone.
#[test]
fn padding_never_leaks() {
    for cell in [Cell::Lstm, Cell::Gru] {
        tch::manual_seed(7);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut cfg = RnnConfig::new(cell, 3, 5, true);
        cfg.layers = 2;
        cfg.dropout = 0.3; // inactive in eval mode
        let rnn = cfg.init(&vs.root()).unwrap();
        let lengths = [4i64, 7, 1, 5];
        let t = 7;
        // Padding filled with large garbage, so any leak shows.
        let xs = Tensor::randn([4, t, 3], cpu()) * 10.0;
        let mask = mask_from_lengths(&lengths, t);
        let (out, last) = rnn.forward_seq(&xs, Some(&mask), false);
        assert_eq!(out.size(), [4, t, 10]);
        for (i, &len) in lengths.iter().enumerate() {
            let alone = xs.narrow(0, i as i64, 1).narrow(1, 0, len);
            let (out1, last1) = rnn.forward_seq(&alone, None, false);
            let real = out.narrow(0, i as i64, 1).narrow(1, 0, len);
            assert!(
                max_diff(&real, &out1) < 1e-5,
                "{cell:?} row {i}: outputs differ"
            );
            assert!(
                max_diff(&last.narrow(0, i as i64, 1), &last1) < 1e-5,
                "{cell:?} row {i}: last differs"
            );
            if len < t {
                let pad = out.narrow(0, i as i64, 1).narrow(1, len, t - len);
                assert_eq!(
                    pad.abs().max().double_value(&[]),
                    0.0,
                    "{cell:?} row {i}: padding not zero"
                );
            }
        }
        // last_step() over the outputs agrees with the returned `last`.
        assert!(max_diff(&last, &last_step(&out, Some(&mask), true).unwrap()) < 1e-6);
    }
}

/// The packed path trains: gradients reach the weights, and padded inputs get none.
#[test]
fn packed_path_backward() {
    tch::manual_seed(11);
    let vs = nn::VarStore::new(Device::Cpu);
    let mut cfg = RnnConfig::new(Cell::Gru, 3, 4, true);
    cfg.layers = 2;
    let rnn = cfg.init(&vs.root()).unwrap();
    let xs = Tensor::randn([3, 5, 3], cpu()).set_requires_grad(true);
    let mask = mask_from_lengths(&[2, 5, 3], 5);
    let (out, last) = rnn.forward_seq(&xs, Some(&mask), true);
    (out.sum(Kind::Float) + last.sum(Kind::Float)).backward();
    let g = xs.grad();
    let pad = g.masked_select(&mask.logical_not().unsqueeze(-1).expand([3, 5, 3], false));
    assert_eq!(pad.numel(), 5 * 3);
    assert_eq!(pad.abs().max().double_value(&[]), 0.0);
    assert!(g.abs().sum(Kind::Float).double_value(&[]) > 0.0);
    for (name, var) in vs.variables() {
        let gn = var.grad().abs().sum(Kind::Float).double_value(&[]);
        assert!(gn.is_finite() && gn > 0.0, "{name}: gradient {gn}");
    }
}

#[test]
fn empty_rows_and_bad_masks() {
    let vs = nn::VarStore::new(Device::Cpu);
    let rnn = RnnConfig::new(Cell::Lstm, 2, 3, true)
        .init(&vs.root())
        .unwrap();
    let xs = Tensor::randn([2, 4, 2], cpu());
    let mask = mask_from_lengths(&[3, 0], 4);
    let (out, last) = rnn.f_forward_seq(&xs, Some(&mask), false).unwrap();
    assert_eq!(out.get(1).abs().max().double_value(&[]), 0.0);
    assert_eq!(last.get(1).abs().max().double_value(&[]), 0.0);
    assert!(last.get(0).abs().max().double_value(&[]) > 0.0);
    // A 0/1 float mask works like a bool one.
    let (out_f, _) = rnn
        .f_forward_seq(&xs, Some(&mask.to_kind(Kind::Float)), false)
        .unwrap();
    assert!(max_diff(&out, &out_f) < 1e-7);
    // Left padding, wrong shapes, wrong feature count: errors, not panics.
    let left = mask_from_lengths(&[3, 4], 4).flip([1]);
    assert!(rnn.f_forward_seq(&xs, Some(&left), false).is_err());
    assert!(rnn
        .f_forward_seq(&xs, Some(&mask.narrow(1, 0, 3)), false)
        .is_err());
    assert!(rnn
        .f_forward_seq(&Tensor::randn([2, 4, 3], cpu()), None, false)
        .is_err());
    assert!(rnn
        .f_forward_seq(&Tensor::randn([2, 4], cpu()), None, false)
        .is_err());
    assert!(RnnConfig::new(Cell::Gru, 0, 3, false)
        .init(&vs.root())
        .is_err());
    let c = RnnConfig {
        dropout: 1.0,
        ..Default::default()
    };
    assert!(c.validate().is_err());
}

#[test]
fn pooling_helpers() {
    // outputs [1, 3, 2]: steps (1, -1), (3, 5), (100, 100) with the last one padded.
    let out = Tensor::from_slice(&[1.0f32, -1.0, 3.0, 5.0, 100.0, 100.0]).view([1, 3, 2]);
    let mask = mask_from_lengths(&[2], 3);
    let v = |t: Tensor| Vec::<f32>::try_from(t.view([-1])).unwrap();
    assert_eq!(v(mean_pool(&out, Some(&mask)).unwrap()), [2.0, 2.0]);
    assert_eq!(v(max_pool(&out, Some(&mask)).unwrap()), [3.0, 5.0]);
    assert_eq!(v(last_step(&out, Some(&mask), false).unwrap()), [3.0, 5.0]);
    // bidirectional: forward half at the last real step, backward half at step 0.
    assert_eq!(v(last_step(&out, Some(&mask), true).unwrap()), [3.0, -1.0]);
    assert_eq!(
        v(mean_pool(&out, None).unwrap()),
        [104.0 / 3.0, 104.0 / 3.0]
    );
    assert_eq!(v(max_pool(&out, None).unwrap()), [100.0, 100.0]);
    assert_eq!(v(last_step(&out, None, false).unwrap()), [100.0, 100.0]);
    let empty = mask_from_lengths(&[0], 3);
    assert_eq!(v(mean_pool(&out, Some(&empty)).unwrap()), [0.0, 0.0]);
    assert_eq!(v(max_pool(&out, Some(&empty)).unwrap()), [0.0, 0.0]);
    assert_eq!(v(last_step(&out, Some(&empty), true).unwrap()), [0.0, 0.0]);
    assert!(mean_pool(&out, Some(&mask_from_lengths(&[2, 2], 3))).is_err());
}

#[test]
fn sequence_classifier_shapes_names_and_padding_invariance() {
    for pooling in [
        Pooling::Last,
        Pooling::Mean,
        Pooling::Max,
        Pooling::Attention,
    ] {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let cfg = SequenceClassifierConfig {
            rnn: RnnConfig::new(Cell::Lstm, 4, 6, true),
            pooling,
            attention_hidden: 5,
            head_hidden: vec![8],
            output: 3,
            dropout: 0.2,
            init: LinearInit::Glorot,
        };
        let model = cfg.init(&vs.root()).unwrap();
        let names: Vec<String> = vs.variables().into_keys().collect();
        assert!(names.contains(&"rnn.weight_ih_l0_reverse".to_string()));
        assert!(names.contains(&"head.hidden.0.weight".to_string()));
        assert!(names.contains(&"head.out.bias".to_string()));
        assert_eq!(
            names.iter().any(|n| n.starts_with("pool.")),
            pooling == Pooling::Attention,
            "{names:?}"
        );

        let xs = Tensor::randn([3, 5, 4], cpu());
        let mask = mask_from_lengths(&[5, 2, 3], 5);
        let y = model.forward_t(&xs, Some(&mask), true);
        assert_eq!(y.size(), [3, 3]);
        let y = model.predict(&xs, Some(&mask));
        let y1 = model.predict(&xs.narrow(0, 1, 1).narrow(1, 0, 2), None);
        assert!(max_diff(&y.narrow(0, 1, 1), &y1) < 1e-5, "{pooling:?}");
    }
    let default = SequenceClassifierConfig::default();
    assert!(default.rnn.bidirectional && default.rnn.cell == Cell::Lstm);
    let cfg: SequenceClassifierConfig =
        serde_json::from_str(r#"{"rnn": {"input": 2}, "pooling": "attention"}"#).unwrap();
    assert_eq!(cfg.pooling, Pooling::Attention);
    assert!(cfg.rnn.bidirectional);
    assert!(SequenceClassifierConfig {
        output: 0,
        ..Default::default()
    }
    .validate()
    .is_err());
}

fn tensor_from_json(v: &Value) -> Tensor {
    test_util::tensor_from_json(v, "data")
}

/// Outputs and final states against PyTorch (`core/scripts/gen_rnn_fixture.py`).
#[test]
fn matches_pytorch_reference() {
    let fixture: Value = crate::testing::read_json(&crate::fixture!("rnn_reference.json"));
    let xs = tensor_from_json(&fixture["input"]);
    let lengths: Vec<i64> = fixture["lengths"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    let mask = mask_from_lengths(&lengths, xs.size()[1]);
    for (name, cell) in [("lstm", Cell::Lstm), ("gru", Cell::Gru)] {
        let case = &fixture[name];
        let cfg = RnnConfig {
            cell,
            input: case["input_size"].as_i64().unwrap(),
            hidden: case["hidden_size"].as_i64().unwrap(),
            layers: case["num_layers"].as_i64().unwrap(),
            bidirectional: case["bidirectional"].as_bool().unwrap(),
            dropout: 0.0,
        };
        let vs = nn::VarStore::new(Device::Cpu);
        let rnn = cfg.init(&vs.root()).unwrap();
        let torch_names: Vec<String> = case["state_dict_keys"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap().to_string())
            .collect();
        let mut ours: Vec<String> = vs.variables().into_keys().collect();
        let mut theirs = torch_names.clone();
        ours.sort();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}: parameter names");
        let weights: HashMap<String, Tensor> = torch_names
            .iter()
            .map(|k| (k.clone(), tensor_from_json(&case["weights"][k.as_str()])))
            .collect();
        tch::no_grad(|| {
            for (k, mut var) in vs.variables() {
                var.copy_(&weights[&k]);
            }
        });
        for (key, m) in [("full", None), ("packed", Some(&mask))] {
            let expected = &case[key];
            let (out, last) = rnn.forward_seq(&xs, m, false);
            let d_out = max_diff(&out, &tensor_from_json(&expected["output"]));
            let d_last = max_diff(&last, &tensor_from_json(&expected["last"]));
            assert!(d_out < 1e-5, "{name} {key}: outputs differ by {d_out}");
            assert!(d_last < 1e-5, "{name} {key}: last differs by {d_last}");
        }
    }
}
