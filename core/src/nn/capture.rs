//! Named capture of layer activations and of their gradients, for any model built from core
//! layers — what Grad-CAM++, LSA's per-layer errors, HLOP's subspaces and representational
//! similarity analysis need — without changing the model's code.
//!
//! Core layers mark their outputs with [`tap`] under their parameter path (`hidden.0`,
//! `stack.blocks.1`, `rnn`, …; [`Capture::run`] records the names it saw). Outside a capture
//! session a tap is one thread-local check and returns its input unchanged; inside one it
//! records the tensor, and with gradients requested it adds a zero "probe" leaf
//! (`a + 0`, the probe requiring gradients), so after `backward` the probe's gradient is
//! ∂loss/∂a — PyTorch's `register_full_backward_hook` result, without hooks. Domain models
//! built from their own layers call [`tap`] themselves at the points worth explaining.
//!
//! ```no_run
//! # use deepfield_core::{nn::{capture::Capture, mlp::MlpConfig}, Forward, tch::{nn::VarStore, Device, Tensor, Kind}};
//! # fn main() -> deepfield_core::Result<()> {
//! let vs = VarStore::new(Device::Cpu);
//! let model = MlpConfig::new(8, [16, 16], 3).init(&vs.root())?;
//! let x = Tensor::randn([4, 8], (Kind::Float, Device::Cpu));
//! let cap = Capture::all().with_gradients();
//! let logits = cap.run(|| model.try_forward_t(&x, None, false))?;
//! logits.select(1, 2).sum(Kind::Float).backward();
//! let a = cap.activation("hidden.1").expect("captured");   // [4, 16]
//! let g = cap.gradient("hidden.1").expect("captured");     // ∂ logit_2 / ∂ a
//! # Ok(()) }
//! ```
//!
//! Capture is per thread: a session started on one thread does not see taps on another.
//! Gradients need the forward pass to run with gradients enabled (not under `no_grad`); the
//! model's weights need not require them.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use tch::Tensor;

/// What one capture session records.
#[derive(Default)]
struct Store {
    /// `None`: every tap; otherwise only these names.
    wanted: Option<Vec<String>>,
    gradients: bool,
    /// Each call of a tap, in order (a layer run twice, or once per time step, appears twice).
    activations: BTreeMap<String, Vec<Tensor>>,
    probes: BTreeMap<String, Vec<Tensor>>,
    /// Every tap name seen, in first-seen order, wanted or not.
    seen: Vec<String>,
}

thread_local! {
    static ACTIVE: RefCell<Option<Rc<RefCell<Store>>>> = const { RefCell::new(None) };
}

/// A capture session's settings and results.
#[derive(Clone)]
pub struct Capture {
    store: Rc<RefCell<Store>>,
}

impl Capture {
    /// Capture every tapped layer.
    pub fn all() -> Self {
        Capture {
            store: Rc::new(RefCell::new(Store::default())),
        }
    }

    /// Capture only the named layers (other taps are still listed by [`seen`](Self::seen)).
    pub fn layers<S: Into<String>>(names: impl IntoIterator<Item = S>) -> Self {
        let c = Self::all();
        c.store.borrow_mut().wanted = Some(names.into_iter().map(Into::into).collect());
        c
    }

    /// Also make the gradients of the captured activations available after `backward`.
    pub fn with_gradients(self) -> Self {
        self.store.borrow_mut().gradients = true;
        self
    }

    /// Run `f` (usually a forward pass) with this session active on the current thread. Sessions
    /// nest: the previous one is active again afterwards. Results of earlier runs of this
    /// session are kept; [`clear`](Self::clear) drops them.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Reset(Option<Rc<RefCell<Store>>>);
        impl Drop for Reset {
            fn drop(&mut self) {
                let prev = self.0.take();
                ACTIVE.with(|a| *a.borrow_mut() = prev);
            }
        }
        let prev = ACTIVE.with(|a| a.borrow_mut().replace(Rc::clone(&self.store)));
        let _reset = Reset(prev);
        f()
    }

    /// The last recorded activation of `name`.
    pub fn activation(&self, name: &str) -> Option<Tensor> {
        let s = self.store.borrow();
        s.activations
            .get(name)
            .and_then(|v| v.last())
            .map(Tensor::shallow_clone)
    }

    /// Every recorded activation of `name`, in call order.
    pub fn activations(&self, name: &str) -> Vec<Tensor> {
        let s = self.store.borrow();
        s.activations
            .get(name)
            .map(|v| v.iter().map(Tensor::shallow_clone).collect())
            .unwrap_or_default()
    }

    /// ∂loss/∂activation of the last call of `name`, once `backward` ran; `None` when gradients
    /// were not requested, the layer was not captured, or no gradient reached it.
    pub fn gradient(&self, name: &str) -> Option<Tensor> {
        let s = self.store.borrow();
        let g = s.probes.get(name).and_then(|v| v.last())?.grad();
        g.defined().then_some(g)
    }

    /// The names of every tap the forward passes went through, in first-seen order.
    pub fn seen(&self) -> Vec<String> {
        self.store.borrow().seen.clone()
    }

    /// The names of the captured layers (sorted).
    pub fn names(&self) -> Vec<String> {
        self.store.borrow().activations.keys().cloned().collect()
    }

    /// Forget recorded tensors (the settings stay).
    pub fn clear(&self) {
        let mut s = self.store.borrow_mut();
        s.activations.clear();
        s.probes.clear();
        s.seen.clear();
    }
}

/// Whether a capture session is active on this thread.
pub fn is_active() -> bool {
    ACTIVE.with(|a| a.borrow().is_some())
}

/// Mark `xs` as the output of the layer `name`. Returns `xs` itself outside a session; inside
/// one, records it (and with gradients returns `xs + probe`, numerically equal to `xs`).
pub fn tap(name: &str, xs: Tensor) -> Tensor {
    let Some(store) = ACTIVE.with(|a| a.borrow().as_ref().map(Rc::clone)) else {
        return xs;
    };
    let mut s = store.borrow_mut();
    if !s.seen.iter().any(|n| n == name) {
        s.seen.push(name.to_string());
    }
    if s.wanted
        .as_ref()
        .is_some_and(|w| !w.iter().any(|n| n == name))
    {
        return xs;
    }
    let out = if s.gradients && xs.is_floating_point() {
        let probe = xs.zeros_like().set_requires_grad(true);
        let out = &xs + &probe;
        s.probes.entry(name.to_string()).or_default().push(probe);
        out
    } else {
        xs
    };
    s.activations
        .entry(name.to_string())
        .or_default()
        .push(out.shallow_clone());
    out
}

/// The capture name of a parameter path: its components joined by `.` (`hidden.0`), the
/// same prefix its parameters have in checkpoints.
pub fn name_of(path: &tch::nn::Path) -> String {
    path.components().collect::<Vec<_>>().join(".")
}

/// [`name_of`], or `fallback` for the root path (a layer built at the root of its store).
pub fn name_or(path: &tch::nn::Path, fallback: &str) -> String {
    let name = name_of(path);
    if name.is_empty() {
        fallback.to_string()
    } else {
        name
    }
}

/// A second capture point of the layer `name`: `name.suffix` (`suffix` alone for an empty name).
pub fn child(name: &str, suffix: &str) -> String {
    if name.is_empty() {
        suffix.to_string()
    } else {
        format!("{name}.{suffix}")
    }
}

/// Whether a tap of `name` would record now (a session is active and wants it). Lets a layer
/// skip computing a value it only taps (attention weights a fused kernel does not return).
pub fn wants(name: &str) -> bool {
    ACTIVE.with(|a| {
        a.borrow().as_ref().is_some_and(|s| {
            s.borrow()
                .wanted
                .as_ref()
                .is_none_or(|w| w.iter().any(|n| n == name))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn outside_a_session_tap_is_the_identity_and_records_nothing() {
        let x = Tensor::ones([2, 3], (Kind::Float, Device::Cpu));
        let y = tap("a", x.shallow_clone());
        assert!(!is_active());
        assert_eq!(y.data_ptr(), x.data_ptr());
    }

    #[test]
    fn gradients_of_an_intermediate_activation_match_the_chain_rule() {
        // y = sum((w * x)^2) with a = w * x captured: dy/da = 2a.
        let x = Tensor::from_slice(&[1.0f32, -2.0, 3.0]);
        let w = Tensor::from_slice(&[0.5f32, 1.5, -1.0]).set_requires_grad(true);
        let cap = Capture::layers(["a"]).with_gradients();
        let y = cap.run(|| {
            let a = tap("a", &w * &x);
            let b = tap("b", a.square());
            b.sum(Kind::Float)
        });
        y.backward();
        let a = cap.activation("a").unwrap();
        let g = cap.gradient("a").unwrap();
        let diff = (g - a.detach() * 2.0).abs().max().double_value(&[]);
        assert!(diff < 1e-6);
        // only the wanted layer is recorded, but both were seen
        assert_eq!(cap.names(), vec!["a".to_string()]);
        assert_eq!(cap.seen(), vec!["a".to_string(), "b".to_string()]);
        assert!(!is_active());
    }

    #[test]
    fn sessions_nest_and_repeated_taps_are_kept_in_order() {
        let outer = Capture::all();
        let inner = Capture::all();
        outer.run(|| {
            let _ = tap("x", Tensor::from(1.0f32));
            let _ = inner.run(|| tap("x", Tensor::from(2.0f32)));
            let _ = tap("x", Tensor::from(3.0f32));
        });
        let vals = |c: &Capture| -> Vec<f64> {
            c.activations("x")
                .iter()
                .map(|t| t.double_value(&[]))
                .collect()
        };
        assert_eq!(vals(&outer), vec![1.0, 3.0]);
        assert_eq!(vals(&inner), vec![2.0]);
        assert!(outer.gradient("x").is_none());
    }

    /// Capture on the core model builders: names, hand-checked activations and gradients, and
    /// outputs identical with and without a session.
    mod models {
        use super::*;
        use crate::nn::cnn::{CnnClassifierConfig, ConvStackConfig, Layout, PoolConfig};
        use crate::nn::mlp::MlpConfig;
        use crate::nn::rnn::{Cell, Pooling, RnnConfig, SequenceClassifierConfig};
        use crate::nn::transformer::TransformerEncoderConfig;
        use crate::Forward;
        use tch::nn::VarStore;

        use crate::nn::test_util::{cpu, mask_from_lengths};

        fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
            assert_eq!(a.size(), b.size());
            (a - b).abs().max().double_value(&[])
        }

        fn names(v: &[&str]) -> Vec<String> {
            v.iter().map(|s| s.to_string()).collect()
        }

        /// `model(xs)` outside a session, inside `Capture::all()` and inside
        /// `Capture::all().with_gradients()`: bit-identical.
        fn same_with_and_without<M: Forward>(m: &M, xs: &Tensor, mask: Option<&Tensor>) {
            let plain = m.forward_t(xs, mask, false);
            let rec = Capture::all().run(|| m.forward_t(xs, mask, false));
            let grads = Capture::all()
                .with_gradients()
                .run(|| m.forward_t(xs, mask, false));
            assert!(plain.equal(&rec), "output changed inside a session");
            assert!(plain.equal(&grads), "output changed with gradient probes");
        }

        #[test]
        fn mlp_names_and_last_hidden_through_the_output_layer() {
            tch::manual_seed(0);
            let vs = VarStore::new(Device::Cpu);
            let m = MlpConfig::new(8, [16, 12], 3).init(&vs.root()).unwrap();
            let xs = Tensor::randn([5, 8], cpu());
            let cap = Capture::all();
            let logits = cap.run(|| m.forward_t(&xs, None, false));
            assert_eq!(cap.seen(), names(&["hidden.0", "hidden.1", "out"]));
            let h = cap.activation("hidden.1").unwrap();
            assert_eq!(h.size(), [5, 12]);
            assert!(h.min().double_value(&[]) >= 0.0, "after the ReLU");
            let v = vs.variables();
            let by_hand = h.linear(&v["out.weight"], Some(&v["out.bias"]));
            assert!(by_hand.equal(&logits));
            assert!(cap.activation("out").unwrap().equal(&logits));
            same_with_and_without(&m, &xs, None);
            // Only the asked-for layer is kept.
            let one = Capture::layers(["hidden.0"]);
            let _ = one.run(|| m.forward_t(&xs, None, false));
            assert_eq!(one.names(), names(&["hidden.0"]));
        }

        fn cnn(layout: Layout) -> (VarStore, crate::nn::cnn::CnnClassifier) {
            tch::manual_seed(1);
            let vs = VarStore::new(Device::Cpu);
            let mut stack = ConvStackConfig::new(1, 3, [8, 6], 3);
            stack.blocks[0].pool = Some(PoolConfig::max(2));
            let m = CnnClassifierConfig {
                stack,
                layout,
                output: 4,
                ..Default::default()
            }
            .init(&vs.root())
            .unwrap();
            (vs, m)
        }

        #[test]
        fn cnn_names_grad_cam_gradient_and_both_layouts() {
            let (vs, m) = cnn(Layout::ChannelsFirst);
            let xs = Tensor::randn([2, 3, 20], cpu());
            let cap = Capture::all().with_gradients();
            let logits = cap.run(|| m.forward_t(&xs, None, false));
            assert_eq!(
                cap.seen(),
                names(&["blocks.0", "blocks.1", "pool", "head.out"])
            );
            let feats = cap.activation("blocks.1").unwrap();
            assert_eq!(feats.size(), [2, 6, 10]);
            assert!(max_diff(&feats, &m.features(&xs, false)) == 0.0);
            // Class 2's score: global average pooling then a linear head, so
            // ∂ score / ∂ feature[b, c, t] = w_out[2, c] / L for every sample and position.
            logits.select(1, 2).sum(Kind::Float).backward();
            let g = cap.gradient("blocks.1").unwrap();
            let w = vs.variables()["head.out.weight"].get(2) / 10.0;
            let expected = w.view([1, 6, 1]).expand([2, 6, 10], false);
            assert!(max_diff(&g, &expected) < 1e-7, "{g}");
            // The pooled vector's gradient is the weight row itself.
            let gp = cap.gradient("pool").unwrap();
            let w = vs.variables()["head.out.weight"].get(2);
            assert!(max_diff(&gp, &w.view([1, 6]).expand([2, 6], false)) < 1e-7);
            // An earlier block's gradient against finite differences of the score in its output:
            // perturb one entry of blocks.0's output through the rest of the network by hand.
            let a0 = cap.activation("blocks.0").unwrap().detach();
            let g0 = cap.gradient("blocks.0").unwrap();
            let rest = |a: &Tensor| -> f64 {
                let cfg = ConvStackConfig::new(1, 8, [6], 3);
                let vs2 = VarStore::new(Device::Cpu);
                let s2 = cfg.init(&(vs2.root())).unwrap();
                tch::no_grad(|| {
                    let v = vs.variables();
                    let v2 = vs2.variables();
                    v2["blocks.0.conv.weight"]
                        .shallow_clone()
                        .copy_(&v["blocks.1.conv.weight"]);
                    v2["blocks.0.conv.bias"]
                        .shallow_clone()
                        .copy_(&v["blocks.1.conv.bias"]);
                    let f = s2.f_forward_t(a, false).unwrap();
                    m.classify_features(&f, false)
                        .select(1, 2)
                        .sum(Kind::Float)
                        .double_value(&[])
                })
            };
            let eps = 1e-2;
            for (b, c, t) in [(0i64, 3i64, 4i64), (1, 7, 0), (1, 0, 9)] {
                let bump = |d: f64| {
                    let a = a0.copy();
                    let _ = a
                        .get(b)
                        .get(c)
                        .get(t)
                        .fill_(a0.double_value(&[b, c, t]) + d);
                    rest(&a)
                };
                let fd = (bump(eps) - bump(-eps)) / (2.0 * eps);
                let an = g0.double_value(&[b, c, t]);
                assert!((fd - an).abs() < 1e-3, "({b},{c},{t}): fd {fd} vs {an}");
            }
            same_with_and_without(&m, &xs, None);

            // Channels last (the im2col path) records the same maps, channels first.
            // Same weights, copied (not re-seeded: tests in this binary share libtorch's RNG).
            let (mut vs2, m2) = cnn(Layout::ChannelsLast);
            vs2.copy(&vs).unwrap();
            let xt = xs.transpose(1, 2).contiguous();
            let cap2 = Capture::all();
            let logits2 = cap2.run(|| m2.forward_t(&xt, None, false));
            assert_eq!(cap2.seen(), cap.seen());
            for n in ["blocks.0", "blocks.1"] {
                let d = max_diff(&cap2.activation(n).unwrap(), &cap.activation(n).unwrap());
                assert!(d < 1e-5, "{n}: {d}");
            }
            assert!(max_diff(&logits2, &logits) < 1e-5);
            same_with_and_without(&m2, &xt, None);
        }

        #[test]
        fn bilstm_names_layers_and_head() {
            tch::manual_seed(2);
            let vs = VarStore::new(Device::Cpu);
            let mut rnn = RnnConfig::new(Cell::Lstm, 4, 6, true);
            rnn.layers = 2;
            let m = SequenceClassifierConfig {
                rnn,
                pooling: Pooling::Last,
                head_hidden: vec![5],
                output: 3,
                ..Default::default()
            }
            .init(&vs.root())
            .unwrap();
            let xs = Tensor::randn([3, 7, 4], cpu());
            let mask = mask_from_lengths(&[7, 4, 2], 7);
            for mask in [None, Some(&mask)] {
                let cap = Capture::all();
                let logits = cap.run(|| m.forward_t(&xs, mask, false));
                assert_eq!(
                    cap.seen(),
                    names(&[
                        "rnn.l0",
                        "rnn",
                        "rnn.last",
                        "pool",
                        "head.hidden.0",
                        "head.out"
                    ])
                );
                assert_eq!(cap.activation("rnn.l0").unwrap().size(), [3, 7, 12]);
                assert_eq!(cap.activation("rnn").unwrap().size(), [3, 7, 12]);
                let h = cap.activation("head.hidden.0").unwrap();
                let v = vs.variables();
                let by_hand = h.linear(&v["head.out.weight"], Some(&v["head.out.bias"]));
                assert!(by_hand.equal(&logits));
                // Layer 0's outputs are a one-layer BiLSTM's with layer 0's weights.
                let vs1 = VarStore::new(Device::Cpu);
                let l0 = RnnConfig::new(Cell::Lstm, 4, 6, true)
                    .init(&vs1.root())
                    .unwrap();
                tch::no_grad(|| {
                    for (k, mut t) in vs1.variables() {
                        t.copy_(&v[&format!("rnn.{k}")]);
                    }
                });
                let (out0, _) = l0.forward_seq(&xs, mask, false);
                let d = max_diff(&out0, &cap.activation("rnn.l0").unwrap());
                assert!(d < 1e-6, "layer 0 differs by {d}");
                same_with_and_without(&m, &xs, mask);
            }
            // Training mode with dropout: core/tests/capture_seeded.rs (its own binary, as it
            // re-seeds libtorch's process-global generator).
        }

        #[test]
        fn attention_pooling_and_transformer_points() {
            tch::manual_seed(4);
            let vs = VarStore::new(Device::Cpu);
            let m = SequenceClassifierConfig {
                rnn: RnnConfig::new(Cell::Gru, 3, 4, false),
                pooling: Pooling::Attention,
                attention_hidden: 5,
                output: 2,
                ..Default::default()
            }
            .init(&vs.root())
            .unwrap();
            let xs = Tensor::randn([2, 6, 3], cpu());
            let mask = mask_from_lengths(&[6, 3], 6);
            let cap = Capture::all();
            let _ = cap.run(|| m.forward_t(&xs, Some(&mask), false));
            assert_eq!(
                cap.seen(),
                names(&["rnn", "rnn.last", "pool.weights", "pool", "head.out"])
            );
            let w = cap.activation("pool.weights").unwrap();
            assert_eq!(w.size(), [2, 6]);
            assert_eq!(w.get(1).narrow(0, 3, 3).abs().max().double_value(&[]), 0.0);
            same_with_and_without(&m, &xs, Some(&mask));

            let vs = VarStore::new(Device::Cpu);
            let cfg = TransformerEncoderConfig::new(Some(3), 8, 2, 2, Some(2));
            let tr = cfg.init(&vs.root()).unwrap();
            let cap = Capture::all();
            let y = cap.run(|| tr.forward_t(&xs, Some(&mask), false));
            assert_eq!(
                cap.seen(),
                names(&[
                    "layers.0.self_attn.weights",
                    "layers.0",
                    "layers.1.self_attn.weights",
                    "layers.1",
                    "pool",
                    "head"
                ])
            );
            let a = cap.activation("layers.1.self_attn.weights").unwrap();
            assert_eq!(a.size(), [2, 2, 6, 6]);
            let rows = a.sum_dim_intlist(-1, false, Kind::Float);
            assert!((rows - 1.0).abs().max().double_value(&[]) < 1e-5);
            // Padded keys get no weight.
            assert_eq!(a.get(1).narrow(2, 3, 3).abs().max().double_value(&[]), 0.0);
            assert!(cap.activation("head").unwrap().equal(&y));
            same_with_and_without(&tr, &xs, Some(&mask));
            // Weights are only computed when asked for.
            let only = Capture::layers(["layers.0"]);
            let _ = only.run(|| tr.forward_t(&xs, Some(&mask), false));
            assert_eq!(only.names(), names(&["layers.0"]));
        }
    }
}
