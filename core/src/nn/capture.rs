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
}
