use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use super::*;
use crate::nn::cnn::{CnnClassifierConfig, ConvStackConfig};
use crate::nn::mlp::MlpConfig;
use crate::nn::spec::ModelSpec;
use crate::nn::test_util::cpu;
use crate::nn::transformer::{Pooling, TransformerEncoderConfig};
use crate::Forward;

/// An image (CNN → vector), a frame sequence (transformer → tokens) and a feature vector (MLP).
fn modalities(n: usize) -> Vec<ModalityConfig> {
    let mut cnn = CnnClassifierConfig {
        stack: ConvStackConfig::new(2, 1, [4], 3),
        output: 12,
        ..Default::default()
    };
    cnn.head_hidden = vec![];
    let mut seq = TransformerEncoderConfig::new(Some(5), 8, 2, 1, Some(6));
    seq.pooling = Pooling::None;
    seq.dropout = 0.0;
    let all = vec![
        ModalityConfig::new("image", [1, 8, 8], ModelSpec::Cnn(cnn), 12),
        ModalityConfig::new("audio", [7, 5], ModelSpec::Transformer(seq), 6),
        ModalityConfig::new("meta", [3], ModelSpec::Mlp(MlpConfig::new(3, [4], 4)), 4),
    ];
    all.into_iter().take(n).collect()
}

fn kinds() -> Vec<FusionKind> {
    vec![
        FusionKind::CrossAttention(CrossAttentionConfig {
            heads: 2,
            layers: 2,
            feedforward: 16,
        }),
        FusionKind::Gated,
        FusionKind::Film { primary: 0 },
        FusionKind::Early(EarlyConfig::default()),
        FusionKind::Early(EarlyConfig {
            trunk: Trunk::Lstm,
            hidden: vec![10],
        }),
        FusionKind::Tokens(TokenFusionConfig {
            heads: 2,
            layers: 1,
            feedforward: 16,
            max_len: 64,
        }),
        FusionKind::Late,
    ]
}

fn config(n: usize, kind: FusionKind, missing: MissingPolicy) -> FusionConfig {
    FusionConfig {
        d_model: 8,
        head_hidden: vec![6],
        dropout: 0.0,
        missing,
        ..FusionConfig::new(modalities(n), kind, 3)
    }
}

fn inputs(b: i64, n: usize) -> Vec<Tensor> {
    let all = vec![
        Tensor::randn([b, 1, 8, 8], cpu()),
        Tensor::randn([b, 7, 5], cpu()),
        Tensor::randn([b, 3], cpu()),
    ];
    all.into_iter().take(n).collect()
}

#[test]
fn every_type_gives_logits_for_two_and_three_modalities() {
    tch::manual_seed(0);
    for n in [2, 3] {
        for kind in kinds() {
            let vs = VarStore::new(Device::Cpu);
            let c = config(n, kind.clone(), MissingPolicy::Placeholder);
            let model = c.init(&vs.root()).unwrap();
            let xs = inputs(4, n);
            let packed = pack(&c, &xs.iter().map(Some).collect::<Vec<_>>()).unwrap();
            assert_eq!(packed.size(), [4, c.packed_width()]);
            let y = model.forward_t(&packed, None, true);
            assert_eq!(y.size(), [4, 3], "{} with {n}", kind.name());
            assert!(bool::try_from(y.isfinite().all()).unwrap());
            // Parameter names are stable and namespaced.
            let names: Vec<String> = vs.variables().into_keys().collect();
            assert!(names
                .iter()
                .any(|k| k.starts_with("modalities.image.encoder.")));
            assert!(names.iter().any(|k| k == "modalities.audio.placeholder"));
            assert!(names.iter().all(|k| !k.contains("__")), "{names:?}");
        }
    }
}

#[test]
fn missing_modality_uses_the_placeholder_and_changes_the_output() {
    tch::manual_seed(1);
    for policy in [MissingPolicy::Placeholder, MissingPolicy::Mask] {
        for kind in kinds() {
            let vs = VarStore::new(Device::Cpu);
            let c = config(2, kind.clone(), policy);
            let model = c.init(&vs.root()).unwrap();
            let xs = inputs(3, 2);
            let full = pack(&c, &[Some(&xs[0]), Some(&xs[1])]).unwrap();
            let no_audio = pack(&c, &[Some(&xs[0]), None]).unwrap();
            let y_full = model.predict(&full, None);
            let y_missing = model.predict(&no_audio, None);
            assert!(bool::try_from(y_missing.isfinite().all()).unwrap());
            let diff = (&y_full - &y_missing).abs().max().double_value(&[]);
            assert!(diff > 1e-6, "{} {policy:?}: output unchanged", kind.name());
            // Whatever the audio values, a missing audio gives the same output.
            let other = pack(&c, &[Some(&xs[0]), None]).unwrap();
            assert!(model
                .predict(&other, None)
                .allclose(&y_missing, 1e-6, 1e-6, false));
        }
    }
    // The placeholder is what the missing modality's tokens become.
    let vs = VarStore::new(Device::Cpu);
    let c = config(2, FusionKind::Late, MissingPolicy::Placeholder);
    let model = c.init(&vs.root()).unwrap();
    let xs = inputs(2, 2);
    let packed = pack(&c, &[Some(&xs[0]), None]).unwrap();
    let tokens = model.tokens(&packed).unwrap();
    let p = model.modalities()[1].placeholder().view([1, 1, -1]);
    assert!((&tokens[1].x - p).abs().max().double_value(&[]) < 1e-7);
    // Late fusion with one modality missing is exactly that modality's own head.
    let y = model.predict(&packed, None);
    let sums = y.exp().sum_dim_intlist(1, false, Kind::Float);
    assert!((sums - 1.0).abs().max().double_value(&[]) < 1e-5);
}

#[test]
fn gradients_reach_every_modality_encoder() {
    tch::manual_seed(2);
    for kind in kinds() {
        let vs = VarStore::new(Device::Cpu);
        let c = config(3, kind.clone(), MissingPolicy::Placeholder);
        let model = c.init(&vs.root()).unwrap();
        let xs = inputs(4, 3);
        let packed = pack(&c, &xs.iter().map(Some).collect::<Vec<_>>()).unwrap();
        let y = model.forward_t(&packed, None, true);
        y.cross_entropy_for_logits(&Tensor::from_slice(&[0i64, 1, 2, 1]))
            .backward();
        for name in ["image", "audio", "meta"] {
            let prefix = format!("modalities.{name}.encoder.");
            let g: f64 = vs
                .variables()
                .iter()
                .filter(|(k, _)| k.starts_with(&prefix))
                .map(|(_, v)| {
                    let g = v.grad();
                    if g.defined() {
                        g.abs().sum(Kind::Float).double_value(&[])
                    } else {
                        0.0
                    }
                })
                .sum();
            assert!(g > 0.0, "{}: no gradient reaches {name}", kind.name());
        }
    }
}

#[test]
fn bad_configs_and_inputs_are_errors() {
    let vs = VarStore::new(Device::Cpu);
    let one = |k: FusionKind| config(1, k, MissingPolicy::Placeholder);
    let err = |c: FusionConfig| c.init(&vs.root()).unwrap_err().to_string();
    assert!(err(one(kinds()[0].clone())).contains("type A"));
    assert!(err(one(FusionKind::Gated)).contains("two modalities"));
    assert!(err(config(
        2,
        FusionKind::Film { primary: 5 },
        MissingPolicy::Mask
    ))
    .contains("primary"));
    let mut c = config(2, FusionKind::Late, MissingPolicy::Mask);
    c.modalities[1].name = "image".into();
    assert!(err(c).contains("twice"));
    let mut c = config(2, FusionKind::Late, MissingPolicy::Mask);
    c.modality_dropout = 1.0;
    assert!(err(c).contains("modality_dropout"));
    let mut c = config(2, FusionKind::Late, MissingPolicy::Mask);
    c.classes = 1;
    assert!(err(c).contains("classes"));
    let c = config(
        2,
        FusionKind::CrossAttention(CrossAttentionConfig {
            heads: 3,
            ..Default::default()
        }),
        MissingPolicy::Mask,
    );
    assert!(err(c).contains("divide"));
    let mut c = config(2, FusionKind::Late, MissingPolicy::Mask);
    c.modalities[0].input_shape = vec![0];
    assert!(err(c).contains("input_shape"));
    // JSON round trip through the tagged enum.
    let c = config(2, kinds()[5].clone(), MissingPolicy::Mask);
    let back: FusionConfig = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
    assert_eq!(back, c);

    let c = config(2, FusionKind::Gated, MissingPolicy::Mask);
    let model = c.init(&vs.root()).unwrap();
    // Wrong width, a partly NaN slice, a row with nothing present.
    assert!(model
        .f_forward_err(&Tensor::zeros([2, 5], cpu()))
        .contains("packed input"));
    let xs = inputs(2, 2);
    let packed = pack(&c, &[Some(&xs[0]), Some(&xs[1])]).unwrap();
    let _ = packed.get(0).get(0).fill_(f64::NAN);
    assert!(model.f_forward_err(&packed).contains("partly NaN"));
    let none = Tensor::full([2, c.packed_width()], f64::NAN, cpu());
    assert!(model
        .f_forward_err(&none)
        .contains("every modality missing"));
    assert!(pack(&c, &[None, None]).is_err());
    assert!(pack(&c, &[Some(&xs[1]), Some(&xs[0])]).is_err());
}

impl FusionModel {
    fn f_forward_err(&self, xs: &Tensor) -> String {
        self.try_forward(xs, false).unwrap_err().to_string()
    }
}
