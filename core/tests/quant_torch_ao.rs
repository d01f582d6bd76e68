//! core::quant against torch.ao.quantization on the same tensors (fixture written by
//! fixtures/quant/gen_torch_ao.py): observers' scales and zero points, and dynamic int8 Linear and
//! LSTM outputs.

use deepfield_core::quant::int8::{Int8Linear, Int8Lstm};
use deepfield_core::quant::{Calibration, Observer, QScheme};
use deepfield_core::tch::{Kind, Tensor};

fn fixture() -> Vec<(String, Tensor)> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/quant/torch_ao_reference.safetensors");
    deepfield_core::checkpoint::read_tensors(&p).unwrap()
}

fn get(f: &[(String, Tensor)], name: &str) -> Tensor {
    f.iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} in the fixture"))
        .1
        .shallow_clone()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    (a - b).abs().max().double_value(&[])
}

#[test]
fn observers_match_torch_ao() {
    let f = fixture();
    let batches: Vec<Tensor> = (0..3).map(|i| get(&f, &format!("obs.batch{i}"))).collect();
    let sym = QScheme {
        signed: true,
        symmetric: true,
        ..QScheme::activations(8)
    };
    let cases = [
        (
            "minmax_affine",
            Calibration::MinMax,
            QScheme::activations(8),
            &batches[..],
        ),
        ("minmax_symmetric", Calibration::MinMax, sym, &batches[..]),
        (
            "moving_average",
            Calibration::MovingAverage { constant: 0.01 },
            QScheme::activations(8),
            &batches[..],
        ),
    ];
    for (name, method, scheme, data) in cases {
        let mut o = Observer::new(method, scheme).unwrap();
        for b in data {
            o.observe(b).unwrap();
        }
        let p = o.qparams().unwrap();
        let want_s = get(&f, &format!("{name}.scale"));
        let want_z = get(&f, &format!("{name}.zero_point"));
        let ds = max_diff(&p.scale.reshape([-1]), &want_s);
        assert!(ds < 1e-7, "{name}: scale {p:?} vs {want_s:?}");
        assert!(
            p.zero_point.reshape([-1]).equal(&want_z),
            "{name}: zero point {p:?} vs {want_z:?}"
        );
    }
    let w = get(&f, "obs.weight");
    let mut o = Observer::new(Calibration::MinMax, sym.per_channel()).unwrap();
    o.observe(&w).unwrap();
    let p = o.qparams().unwrap();
    assert_eq!(p.scale.size(), [8]);
    assert!(max_diff(&p.scale, &get(&f, "per_channel.scale")) < 1e-7);
    assert!(p.zero_point.equal(&get(&f, "per_channel.zero_point")));
}

#[test]
fn dynamic_int8_linear_matches_torch_ao() {
    let f = fixture();
    let (w, b, x) = (
        get(&f, "linear.weight"),
        get(&f, "linear.bias"),
        get(&f, "linear.input"),
    );
    let ao = get(&f, "linear.ao");
    let float = get(&f, "linear.float");
    // fbgemm quantizes activations with reduce_range (0..127), as we do here.
    let q = Int8Linear::new(&w, Some(&b), true).unwrap();
    let ours = q.forward(&x).unwrap();
    let d_ao = max_diff(&ours, &ao);
    let d_float = max_diff(&ao, &float);
    // Same quantization grid: the two int8 results agree far closer than either to f32.
    assert!(d_float > 1e-3, "torch.ao equals f32: {d_float}");
    assert!(
        d_ao < 1e-4 || d_ao < 0.1 * d_float,
        "ours vs torch.ao {d_ao}, torch.ao vs f32 {d_float}"
    );
    assert_eq!(ours.kind(), Kind::Float);
}

#[test]
fn dynamic_int8_lstm_matches_torch_ao() {
    let f = fixture();
    let g = |n: &str| get(&f, &format!("lstm.{n}"));
    let q = Int8Lstm::new(
        &g("weight_ih_l0"),
        &g("weight_hh_l0"),
        Some(&g("bias_ih_l0")),
        Some(&g("bias_hh_l0")),
    )
    .unwrap();
    let (ours, _) = q.forward(&g("input")).unwrap();
    let d_ao = max_diff(&ours, &g("ao"));
    let d_float = max_diff(&g("ao"), &g("float"));
    assert!(d_float > 1e-4, "torch.ao equals f32: {d_float}");
    assert!(
        d_ao < 0.02,
        "ours vs torch.ao {d_ao} (torch.ao vs f32 {d_float})"
    );
}
