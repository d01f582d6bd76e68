//! The hybrid quantum layers: the Pauli generator against explicit Kronecker products, unitarity,
//! the quanvolution's convolution against direct expectations, measurement ranges, gradients
//! against central finite differences (complex128), parameter counts and a registry round trip.

use deepfield_core::models::{self, ModelConfig};
use deepfield_core::Forward;
use deepfield_vision::quantum::net::QuantumCreepConfig;
use deepfield_vision::quantum::pauli;
use deepfield_vision::quantum::quanv::FlippedQuanv;
use deepfield_vision::quantum::reupload::ReUploadingLinear;
use deepfield_vision::quantum::spectral::expi_symmetric;
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

fn max_abs(t: &Tensor) -> f64 {
    t.abs().max().double_value(&[])
}

fn double_store() -> VarStore {
    let mut vs = VarStore::new(Device::Cpu);
    vs.set_kind(Kind::Double);
    vs
}

#[test]
fn pauli_strings_are_in_product_order() {
    let s = pauli::strings(2);
    assert_eq!(s.len(), 15);
    assert_eq!(&s[..5], ["IX", "IY", "IZ", "XI", "XX"]);
    assert_eq!(s[14], "ZZ");
    assert_eq!(pauli::n_generators(7), 16383);
}

#[test]
fn fast_generator_equals_the_explicit_pauli_sum() {
    tch::manual_seed(1);
    for n in [1usize, 2, 3] {
        let theta = Tensor::randn([pauli::n_generators(n)], (Kind::Double, Device::Cpu));
        let fast = pauli::hermitian(&theta, n).unwrap();
        let d = 1i64 << n;
        let mut explicit = Tensor::zeros([d, d], (Kind::ComplexDouble, Device::Cpu));
        for (k, s) in pauli::strings(n).iter().enumerate() {
            let p = pauli::matrix(s, Kind::ComplexDouble, Device::Cpu).unwrap();
            explicit += p * theta.double_value(&[k as i64]);
        }
        let err = max_abs(&(&fast - &explicit));
        assert!(err < 1e-12, "{n} qubits: |fast - explicit| = {err}");
        // Hermitian and traceless.
        assert!(max_abs(&(&fast - fast.conj().tr())) < 1e-12);
        assert!(
            fast.diagonal(0, 0, 1)
                .sum(Kind::ComplexDouble)
                .abs()
                .double_value(&[])
                < 1e-12
        );
    }
}

#[test]
fn gates_are_unitary() {
    tch::manual_seed(2);
    // complex64, as trained: U†U = I within 1e-5.
    for n in [2usize, 3] {
        let theta = Tensor::randn([4, pauli::n_generators(n)], (Kind::Float, Device::Cpu));
        let u = pauli::su_gate(&theta, n).unwrap();
        assert_eq!(u.kind(), Kind::ComplexFloat);
        let eye = Tensor::eye(1 << n, (Kind::ComplexFloat, Device::Cpu));
        let err = max_abs(&(u.conj().transpose(-1, -2).matmul(&u) - eye));
        assert!(err < 1e-5, "{n} qubits complex64: |U†U - I| = {err}");
    }
    // The 7-qubit head's gate with N(0, 1) coefficients (a large generator), in complex128.
    let theta = Tensor::randn([pauli::n_generators(7)], (Kind::Double, Device::Cpu));
    let u = pauli::su_gate(&theta, 7).unwrap();
    let eye = Tensor::eye(128, (Kind::ComplexDouble, Device::Cpu));
    let err = max_abs(&(u.conj().tr().matmul(&u) - eye));
    assert!(err < 1e-5, "7 qubits complex128: |U†U - I| = {err}");
}

#[test]
fn quanvolution_is_the_exact_expectation_of_every_patch() {
    tch::manual_seed(3);
    let vs = double_store();
    let q = FlippedQuanv::new(&vs.root(), 2, 3, 1, 0).unwrap();
    let x = Tensor::rand([2, 2, 5, 6], (Kind::Double, Device::Cpu)) * 2.0 - 1.0;
    let y = q.forward(&x).unwrap();
    assert_eq!(y.size(), [2, 3, 3, 4]);
    // Every output pixel against ψ† H ψ of its patch.
    for (b, i, j) in [(0i64, 0i64, 0i64), (1, 2, 3), (0, 1, 2)] {
        let patch = x.get(b).narrow(1, i, 3).narrow(2, j, 3).unsqueeze(0);
        let direct = q.expectation(&patch).unwrap().squeeze_dim(0);
        let conv = y.get(b).select(1, i).select(1, j);
        let err = max_abs(&(direct - conv));
        assert!(err < 1e-12, "pixel ({b}, {i}, {j}): {err}");
    }
    // Measurement range: a state's expectation lies within the observable's spectrum, and the
    // observable of a patch with |x| <= 1 has spectral radius <= 3, so |y - bias| <= 3.
    let centred = &y - q.bias.view([1, 3, 1, 1]);
    assert!(max_abs(&centred) <= 3.0 + 1e-9);
    // The kernel states are normalised.
    let norms = q
        .states()
        .unwrap()
        .abs()
        .square()
        .sum_dim_intlist(-1, false, Kind::Double);
    assert!(max_abs(&(norms - 1.0)) < 1e-12);
}

#[test]
fn reuploading_outputs_are_probabilities() {
    tch::manual_seed(4);
    let vs = VarStore::new(Device::Cpu);
    let layer = ReUploadingLinear::new(&vs.root(), 50, 6, 3, 4).unwrap();
    let x = Tensor::randn([5, 50], (Kind::Float, Device::Cpu));
    let y = layer.forward(&x).unwrap();
    assert_eq!(y.size(), [5, 6]);
    let p = y - layer.bias.unsqueeze(0);
    assert!(p.min().double_value(&[]) >= 0.0);
    assert!(p.max().double_value(&[]) <= 1.0 + 1e-6);
    let total = p.sum_dim_intlist(1, false, Kind::Float);
    assert!(total.max().double_value(&[]) <= 1.0 + 1e-5);
    // All 8 basis states of the final state sum to 1.
    let psi = layer.states(&x).unwrap();
    let norm = psi.abs().square().sum_dim_intlist(1, false, Kind::Float);
    assert!(max_abs(&(norm - 1.0)) < 1e-5);
}

/// Central differences of `f` with respect to every entry of `param` (f64), against autograd.
fn check_gradient(param: &Tensor, f: &dyn Fn() -> Tensor, what: &str) {
    let loss = f();
    let grad = Tensor::run_backward(&[&loss], &[param], false, false)
        .pop()
        .unwrap();
    let n = param.numel() as i64;
    let flat = param.view([-1]);
    let g = grad.reshape([-1]);
    let eps = 1e-6;
    let mut worst: f64 = 0.0;
    for k in (0..n).step_by(((n / 40).max(1)) as usize) {
        let orig = flat.double_value(&[k]);
        let (plus, minus) = tch::no_grad(|| {
            let _ = flat.get(k).fill_(orig + eps);
            let plus = f().double_value(&[]);
            let _ = flat.get(k).fill_(orig - eps);
            let minus = f().double_value(&[]);
            let _ = flat.get(k).fill_(orig);
            (plus, minus)
        });
        let numeric = (plus - minus) / (2.0 * eps);
        let analytic = g.double_value(&[k]);
        let err = (numeric - analytic).abs() / analytic.abs().max(1.0);
        worst = worst.max(err);
    }
    // f64 central differences with eps 1e-6 are exact to ~1e-9; 1e-6 leaves a wide margin.
    assert!(
        worst < 1e-6,
        "{what}: worst relative gradient error {worst:e}"
    );
}

#[test]
fn quantum_layer_gradients_match_finite_differences() {
    tch::manual_seed(5);
    let vs = double_store();
    let q = FlippedQuanv::new(&(vs.root() / "q"), 2, 3, 1, 1).unwrap();
    let x = (Tensor::rand([2, 2, 4, 4], (Kind::Double, Device::Cpu)) * 2.0 - 1.0)
        .set_requires_grad(true);
    let w = Tensor::randn([2, 3, 4, 4], (Kind::Double, Device::Cpu));
    let f = || (q.forward(&x).unwrap() * &w).sum(Kind::Double);
    check_gradient(&q.weight, &f, "quanvolution θ");
    check_gradient(&q.bias, &f, "quanvolution bias");
    check_gradient(&x, &f, "quanvolution input");

    let r = ReUploadingLinear::new(&(vs.root() / "r"), 12, 3, 2, 3).unwrap();
    let xr = Tensor::randn([3, 12], (Kind::Double, Device::Cpu)).set_requires_grad(true);
    let wr = Tensor::randn([3, 3], (Kind::Double, Device::Cpu));
    let fr = || (r.forward(&xr).unwrap() * &wr).sum(Kind::Double);
    check_gradient(&r.params, &fr, "re-uploading θ");
    check_gradient(&xr, &fr, "re-uploading input");
}

#[test]
fn network_levels_have_the_repository_shapes_and_parameter_counts() {
    // Counted by hand from the repository's HybridNet (no torch needed):
    // level 0: conv 32·1·9+32 = 320, conv 16·32·9+16 = 4624, linear 12544·10+10 = 125450;
    // level 1: quanv 32·1·15+32 = 512, quanv 16·32·15+16 = 7696, the same linear;
    // level 2: the two quanvs and 10·(4^7 − 1)+10 = 163840.
    for (level, want) in [(0u8, 130_394i64), (1, 133_658), (2, 172_048)] {
        tch::manual_seed(6);
        let vs = VarStore::new(Device::Cpu);
        let net = QuantumCreepConfig::level(level).build(&vs.root()).unwrap();
        let count: i64 = vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(count, want, "level {level}");
        let x = Tensor::rand([2, 1, 28, 28], (Kind::Float, Device::Cpu));
        let y = net.forward_t(&x, None, false);
        assert_eq!(y.size(), [2, 10], "level {level}");
        let bad = Tensor::rand([2, 1, 32, 32], (Kind::Float, Device::Cpu));
        let e = net
            .try_forward_t(&bad, None, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("expected images [N, 1, 28, 28]"), "{e}");
    }
    let mut names: Vec<String> = {
        let vs = VarStore::new(Device::Cpu);
        let _ = QuantumCreepConfig::level(2).build(&vs.root()).unwrap();
        vs.variables().into_keys().collect()
    };
    names.sort();
    assert_eq!(
        names,
        [
            "layers.0.bias",
            "layers.0.weight",
            "layers.1.bias",
            "layers.1.weight",
            "layers.3.bias",
            "layers.3.params"
        ]
    );
    assert!(QuantumCreepConfig {
        qubits: 6,
        ..QuantumCreepConfig::level(2)
    }
    .validate()
    .is_err());
    assert!(QuantumCreepConfig::level(3).validate().is_err());
}

#[test]
fn registry_round_trip_keeps_the_quantum_parameters() {
    let reg = deepfield_vision::models().unwrap();
    for level in [1u8, 2] {
        tch::manual_seed(7);
        let dir = tempfile::tempdir().unwrap();
        let config = QuantumCreepConfig::level(level);
        let vs = VarStore::new(Device::Cpu);
        let net = config.build(&vs.root()).unwrap();
        models::save_model::<_, ()>(dir.path(), &vs, &config, None).unwrap();
        let restored = reg.restore(dir.path(), Device::Cpu).unwrap();
        assert_eq!(restored.kind, "vision.quantum_creep");
        let x = Tensor::rand([3, 1, 28, 28], (Kind::Float, Device::Cpu));
        let a = net.predict(&x, None);
        let b = restored.model.predict(&x, None);
        assert!(a.equal(&b), "level {level}: restored outputs differ");
        let (c2, _, _) =
            models::restore_model::<QuantumCreepConfig>(dir.path(), Device::Cpu).unwrap();
        assert_eq!(c2, config);
    }
}

/// A symmetric `[2, d, d]` batch: one generic, one with a 3-fold zero eigenvalue block and
/// repeated entries (degenerate spectrum, as zero-padded images give).
fn symmetric_batch(d: i64, kind: Kind) -> Tensor {
    let a = Tensor::randn([d, d], (kind, Device::Cpu));
    let generic = (&a + a.tr()) / 2.0;
    let b = Tensor::ones([d, d], (kind, Device::Cpu));
    let _ = b.narrow(0, d - 3, 3).fill_(0.0);
    let _ = b.narrow(1, d - 3, 3).fill_(0.0);
    Tensor::stack(&[generic, b], 0)
}

#[test]
fn spectral_exponential_equals_matrix_exp() {
    tch::manual_seed(8);
    let t = 0.1;
    let reference = |s: &Tensor| {
        let s = s.to_kind(Kind::Double);
        Tensor::complex(&s.zeros_like(), &(&s * t)).linalg_matrix_exp()
    };
    // complex128: the two agree to 1e-12.
    let s = symmetric_batch(8, Kind::Double) * 3.0;
    let err = max_abs(&(expi_symmetric(&s, t).unwrap() - reference(&s)));
    assert!(err < 1e-12, "complex128: |spectral - matrix_exp| = {err}");
    // complex64 at the layer's size (phases up to t·λ_max ≈ 37 rad here): against the complex128
    // reference the decomposition is as accurate as complex64 matrix_exp itself.
    let s = symmetric_batch(128, Kind::Float) * 3.0;
    let a = Tensor::complex(&s.zeros_like(), &(&s * t));
    let spectral =
        max_abs(&(expi_symmetric(&s, t).unwrap().to_kind(Kind::ComplexDouble) - reference(&s)));
    let expm = max_abs(&(a.linalg_matrix_exp().to_kind(Kind::ComplexDouble) - reference(&s)));
    // Measured: spectral 1.1e-5, matrix_exp 9.4e-5.
    assert!(
        spectral < 5e-5 && spectral < 3.0 * expm.max(1e-6),
        "complex64: spectral {spectral}, matrix_exp {expm}"
    );
    eprintln!("complex64 error vs complex128: spectral {spectral:e}, matrix_exp {expm:e}");
}

#[test]
fn spectral_exponential_gradient_matches_finite_differences_at_degenerate_spectra() {
    tch::manual_seed(9);
    let d = 6;
    let base = symmetric_batch(d, Kind::Double);
    let wr = Tensor::randn([2, d, d], (Kind::Double, Device::Cpu));
    let wi = Tensor::randn([2, d, d], (Kind::Double, Device::Cpu));
    // Parameters enter through a symmetrisation, as the re-uploading layer's data does.
    let m = base.copy().set_requires_grad(true);
    let f = || {
        let s = (&m + m.transpose(-1, -2)) / 2.0;
        let u = expi_symmetric(&s, 0.7).unwrap();
        (u.real() * &wr + u.imag() * &wi).sum(Kind::Double)
    };
    check_gradient(&m, &f, "exp(itS) at a degenerate spectrum");
}
