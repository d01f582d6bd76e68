use super::conv_block::max_pool1d_disjoint;
use super::*;
use crate::nn::test_util::cpu;
use crate::nn::{Activation, Forward};
use tch::{nn, Tensor};
use tch::{Device, Kind};

fn values(t: &Tensor) -> Vec<f32> {
    Vec::try_from(t.reshape([-1])).unwrap()
}

#[test]
fn channels_last_1d_path_matches_the_convolution_path() {
    let vs = nn::VarStore::new(Device::Cpu);
    let cases = [
        (3, Padding::Same, Some(PoolConfig::max(2)), Activation::Relu),
        (2, Padding::Same, None, Activation::Tanh),
        (
            5,
            Padding::Valid,
            Some(PoolConfig::max(3)),
            Activation::Relu,
        ),
        (1, Padding::Explicit(1), None, Activation::Identity),
        // Activations that are not monotone are applied before the pool.
        (3, Padding::Same, Some(PoolConfig::max(2)), Activation::Gelu),
        (
            2,
            Padding::Valid,
            Some(PoolConfig::max(2)),
            Activation::Silu,
        ),
        (
            3,
            Padding::Same,
            Some(PoolConfig::max(4)),
            Activation::Sigmoid,
        ),
        (
            3,
            Padding::Same,
            Some(PoolConfig::max(3)),
            Activation::LeakyRelu(0.1),
        ),
        (
            2,
            Padding::Same,
            Some(PoolConfig::max(2)),
            Activation::LeakyRelu(-0.5),
        ),
    ];
    for (i, (kernel, padding, pool, activation)) in cases.into_iter().enumerate() {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut cfg = ConvStackConfig::new(1, 4, [6, 5], kernel);
        cfg.blocks[0].padding = padding;
        cfg.blocks[0].pool = pool;
        cfg.blocks[0].activation = activation;
        let stack = cfg.init(&(vs.root() / i)).unwrap();
        let x = Tensor::randn([3, 13, 4], cpu());
        let fast = stack.f_forward_channels_last(&x, false).unwrap().unwrap();
        let slow = stack
            .f_forward_t(&x.transpose(1, 2), false)
            .unwrap()
            .transpose(1, 2);
        assert_eq!(fast.size(), slow.size(), "case {i}");
        let diff = (&fast - &slow).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "case {i}: {diff}");
        // Same gradients for the shared parameters.
        let w = Tensor::randn(fast.size(), cpu());
        let params = vs.trainable_variables();
        let gf = Tensor::run_backward(&[(&fast * &w).sum(Kind::Float)], &params, false, false);
        let gs = Tensor::run_backward(&[(&slow * &w).sum(Kind::Float)], &params, false, false);
        for (a, b) in gf.iter().zip(&gs) {
            let d = (a - b).abs().max().double_value(&[]);
            assert!(d < 1e-4, "case {i}: gradient difference {d}");
        }
    }
    // Batch norm (or stride, or average pooling) takes the general path.
    let mut cfg = ConvStackConfig::new(1, 4, [6], 3);
    cfg.blocks[0].batch_norm = true;
    let stack = cfg.init(&(vs.root() / "bn")).unwrap();
    let x = Tensor::randn([2, 8, 4], cpu());
    assert!(stack.f_forward_channels_last(&x, false).unwrap().is_none());
    // Too short for the pool: an error, as on the general path.
    let mut cfg = ConvStackConfig::new(1, 4, [6], 3);
    cfg.blocks[0].pool = Some(PoolConfig::max(2));
    let stack = cfg.init(&(vs.root() / "short")).unwrap();
    assert!(stack
        .f_forward_channels_last(&Tensor::randn([2, 1, 4], cpu()), false)
        .is_err());
}

#[test]
fn disjoint_max_pool_matches_libtorch_values_and_gradients() {
    for (k, t) in [(2, 10), (2, 11), (3, 11), (4, 4)] {
        let x = Tensor::randn([3, 5, t], cpu()).set_requires_grad(true);
        let w = Tensor::randn([3, 5, t / k], cpu());
        let ours = max_pool1d_disjoint(&x, k).unwrap();
        let g_ours = Tensor::run_backward(&[(&ours * &w).sum(Kind::Float)], &[&x], false, false);
        let theirs = x.max_pool1d([k], [k], [0], [1], false);
        let g_theirs =
            Tensor::run_backward(&[(&theirs * &w).sum(Kind::Float)], &[&x], false, false);
        assert_eq!(ours.size(), theirs.size(), "k {k}, t {t}");
        assert_eq!(values(&ours), values(&theirs), "k {k}, t {t}");
        assert_eq!(values(&g_ours[0]), values(&g_theirs[0]), "k {k}, t {t}");
    }
    assert!(max_pool1d_disjoint(&Tensor::randn([1, 2, 1], cpu()), 2).is_err());
}

#[test]
fn same_padding_keeps_length_and_max_pool_halves_it() {
    let vs = nn::VarStore::new(Device::Cpu);
    for kernel in [1, 2, 3, 4, 5] {
        let stack = ConvStackConfig::new(1, 3, [4], kernel)
            .init(&(vs.root() / kernel))
            .unwrap();
        let y = stack
            .f_forward_t(&Tensor::randn([2, 3, 11], cpu()), false)
            .unwrap();
        assert_eq!(y.size(), [2, 4, 11], "kernel {kernel}");
    }
    let mut cfg = ConvStackConfig::new(1, 3, [4, 6], 3);
    cfg.blocks[0].pool = Some(PoolConfig::max(2));
    let stack = cfg.init(&(vs.root() / "pooled")).unwrap();
    let y = stack
        .f_forward_t(&Tensor::randn([2, 3, 10], cpu()), false)
        .unwrap();
    assert_eq!(y.size(), [2, 6, 5]);
    assert_eq!(cfg.output_shape(&[10]).unwrap(), [6, 5]);
    assert_eq!(cfg.output_shape(&[11]).unwrap(), [6, 5]);
    // Stride 2, "same": ⌊(n − 1) / 2⌋ + 1; valid kernel 3: n − 2; average pool 3: ⌊n / 3⌋.
    let mut cfg = ConvStackConfig::new(1, 1, [2, 2, 2], 3);
    cfg.blocks[0].stride = 2;
    cfg.blocks[1].padding = Padding::Valid;
    cfg.blocks[2].pool = Some(PoolConfig::avg(3));
    let stack = cfg.init(&(vs.root() / "mixed")).unwrap();
    let y = stack
        .f_forward_t(&Tensor::randn([1, 1, 21], cpu()), false)
        .unwrap();
    assert_eq!(y.size(), [1, 2, 3]); // 21 → 11 → 9 → 3
    assert_eq!(cfg.output_shape(&[21]).unwrap(), [2, 3]);
    assert!(cfg.output_shape(&[3]).is_err());
    assert!(stack
        .f_forward_t(&Tensor::randn([1, 1, 3], cpu()), false)
        .is_err());
}

#[test]
fn conv_values_match_hand_computation() {
    // Cross-correlation with "same" zero padding; identity activation.
    let x = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([1, 1, 4]);
    for (kernel, w, expected) in [
        (3, vec![1.0f32, 2.0, 3.0], vec![8.0f32, 14.0, 20.0, 11.0]),
        // Even kernel: the extra zero goes on the right, as PyTorch's padding="same".
        (2, vec![1.0, 1.0], vec![3.0, 5.0, 7.0, 4.0]),
    ] {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut cfg = ConvStackConfig::new(1, 1, [1], kernel);
        cfg.blocks[0].activation = Activation::Identity;
        let stack = cfg.init(&vs.root()).unwrap();
        tch::no_grad(|| {
            let vars = vs.variables();
            vars["blocks.0.conv.weight"]
                .shallow_clone()
                .copy_(&Tensor::from_slice(&w).view([1, 1, kernel]));
            let _ = vars["blocks.0.conv.bias"].shallow_clone().fill_(0.0);
        });
        assert_eq!(values(&stack.f_forward_t(&x, false).unwrap()), expected);
    }
}

#[test]
fn classifier_names_layouts_and_2d() {
    let vs = nn::VarStore::new(Device::Cpu);
    let mut stack = ConvStackConfig::new(1, 5, [8, 16], 3);
    stack.blocks[0].batch_norm = true;
    stack.blocks[0].pool = Some(PoolConfig::max(2));
    let cfg = CnnClassifierConfig {
        stack,
        layout: Layout::ChannelsLast,
        head_hidden: vec![4],
        output: 3,
        ..Default::default()
    };
    let model = cfg.init(&vs.root()).unwrap();
    let mut names: Vec<String> = vs.variables().into_keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "blocks.0.bn.bias",
            "blocks.0.bn.running_mean",
            "blocks.0.bn.running_var",
            "blocks.0.bn.weight",
            "blocks.0.conv.weight",
            "blocks.1.conv.bias",
            "blocks.1.conv.weight",
            "head.hidden.0.bias",
            "head.hidden.0.weight",
            "head.out.bias",
            "head.out.weight",
        ]
    );
    assert_eq!(vs.variables()["blocks.1.conv.weight"].size(), [16, 8, 3]);
    // Time series [B, T, F] in, channels last.
    let xs = Tensor::randn([4, 12, 5], cpu());
    assert_eq!(model.features(&xs, false).size(), [4, 16, 6]);
    assert_eq!(model.forward_t(&xs, None, true).size(), [4, 3]);
    // Channels-last equals channels-first on the transposed input.
    let first = CnnClassifierConfig {
        layout: Layout::ChannelsFirst,
        ..cfg.clone()
    };
    let vs2 = nn::VarStore::new(Device::Cpu);
    let model2 = first.init(&vs2.root()).unwrap();
    let mut vs2 = vs2;
    vs2.copy(&vs).unwrap();
    let a = model.predict(&xs, None);
    let b = model2.predict(&xs.transpose(1, 2), None);
    assert!((a - b).abs().max().double_value(&[]) < 1e-6);
    assert!(model
        .f_forward_t(&Tensor::randn([4, 12, 6], cpu()), false)
        .is_err());

    // 2-D, max global pooling.
    let vs = nn::VarStore::new(Device::Cpu);
    let mut stack = ConvStackConfig::new(2, 3, [4, 8], 3);
    stack.blocks[0].pool = Some(PoolConfig::max(2));
    let cfg = CnnClassifierConfig {
        stack,
        global_pool: GlobalPool::Max,
        output: 10,
        ..Default::default()
    };
    let model = cfg.init(&vs.root()).unwrap();
    assert_eq!(vs.variables()["blocks.0.conv.weight"].size(), [4, 3, 3, 3]);
    let xs = Tensor::randn([2, 3, 16, 12], cpu());
    assert_eq!(model.features(&xs, false).size(), [2, 8, 8, 6]);
    assert_eq!(model.predict(&xs, None).size(), [2, 10]);
}

#[test]
fn grad_cam_gradient_reaches_the_feature_map() {
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = CnnClassifierConfig {
        stack: ConvStackConfig::new(2, 1, [4], 3),
        output: 3,
        ..Default::default()
    }
    .init(&vs.root())
    .unwrap();
    let xs = Tensor::randn([1, 1, 6, 6], cpu());
    let features = model.features(&xs, false);
    let logits = model.classify_features(&features, false);
    assert!(
        (&logits - model.predict(&xs, None))
            .abs()
            .max()
            .double_value(&[])
            < 1e-6
    );
    let grads = Tensor::run_backward(&[logits.get(0).get(1)], &[&features], false, false);
    assert_eq!(grads[0].size(), [1, 4, 6, 6]);
    // Global average pooling + linear head: d score / d feature = w_out[class, c] / (H·W).
    let w = vs.variables()["head.out.weight"].get(1) / 36.0;
    let g = grads[0].mean_dim(&[2i64, 3][..], false, Kind::Float).get(0);
    assert!((g - w).abs().max().double_value(&[]) < 1e-6);
}

/// PyTorch's `nn.Conv1d/2d` init: weight and bias U(±1/√fan_in), fan_in = C_in · k^dims
/// (U(±b) has standard deviation b/√3).
#[test]
fn conv_init_is_pytorchs() {
    tch::manual_seed(0);
    for (dims, c_in, k) in [(1i64, 16i64, 8i64), (2, 8, 3)] {
        let vs = nn::VarStore::new(Device::Cpu);
        ConvStackConfig::new(dims, c_in, [512], k)
            .init(&vs.root())
            .unwrap();
        let bound = 1.0 / ((c_in * k.pow(dims as u32)) as f64).sqrt();
        let v = vs.variables();
        let w = &v["blocks.0.conv.weight"];
        let max = w.abs().max().double_value(&[]);
        assert!(max <= bound && max > 0.99 * bound, "{dims}-D: max {max}");
        let std = w.std(true).double_value(&[]);
        assert!(
            (std * 3f64.sqrt() / bound - 1.0).abs() < 0.03,
            "{dims}-D: std {std}"
        );
        assert!(v["blocks.0.conv.bias"].abs().max().double_value(&[]) <= bound);
    }
}

#[test]
fn bad_configs_are_errors() {
    let vs = nn::VarStore::new(Device::Cpu);
    assert!(ConvStackConfig::new(3, 1, [4], 3).init(&vs.root()).is_err());
    assert!(ConvStackConfig::new(1, 0, [4], 3).init(&vs.root()).is_err());
    assert!(ConvStackConfig::new(1, 1, Vec::<i64>::new(), 3)
        .init(&vs.root())
        .is_err());
    assert!(ConvStackConfig::new(1, 1, [4], 0).init(&vs.root()).is_err());
    let mut c = ConvStackConfig::default();
    c.blocks[1].pool = Some(PoolConfig::max(0));
    assert!(c.validate().is_err());
    let c = CnnClassifierConfig {
        dropout: 1.0,
        ..Default::default()
    };
    assert!(c.validate().is_err());
    let c: CnnClassifierConfig = serde_json::from_str(
        r#"{"stack": {"dims": 1, "input": 13, "blocks": [{"out_channels": 8, "pool": {"kind": "avg"}}]},
            "layout": "channels_last", "global_pool": "max"}"#,
    )
    .unwrap();
    assert_eq!(c.stack.blocks[0].kernel, 3);
    assert_eq!(c.stack.blocks[0].pool, Some(PoolConfig::avg(2)));
    assert_eq!(c.layout, Layout::ChannelsLast);
}
