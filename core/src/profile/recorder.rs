//! The recording session of the cost counter: a thread-local list of [`LayerCost`]s that
//! core's layers (and any layer that calls [`record`]) append to while a [`Recorder`] runs,
//! the same mechanism as [`crate::nn::capture`]'s taps. Outside a session recording is one
//! thread-local check and nothing is computed.

use std::cell::RefCell;
use std::rc::Rc;

use super::counter::LayerCost;

thread_local! {
    static ACTIVE: RefCell<Option<Rc<RefCell<Vec<LayerCost>>>>> = const { RefCell::new(None) };
}

/// A cost-recording session; see the [module docs](super).
#[derive(Clone, Default)]
pub struct Recorder {
    layers: Rc<RefCell<Vec<LayerCost>>>,
}

impl Recorder {
    /// An empty session.
    pub fn new() -> Self {
        Self::default()
    }

    /// Run `f` (usually one forward pass) with this session recording on the current thread.
    /// Sessions nest: the previous one records again afterwards.
    pub fn run<R>(&self, f: impl FnOnce() -> R) -> R {
        struct Reset(Option<Rc<RefCell<Vec<LayerCost>>>>);
        impl Drop for Reset {
            fn drop(&mut self) {
                let prev = self.0.take();
                ACTIVE.with(|a| *a.borrow_mut() = prev);
            }
        }
        let prev = ACTIVE.with(|a| a.borrow_mut().replace(Rc::clone(&self.layers)));
        let _reset = Reset(prev);
        f()
    }

    /// The layers recorded so far, in call order (a layer run twice appears twice).
    pub fn layers(&self) -> Vec<LayerCost> {
        self.layers.borrow().clone()
    }
}

/// Whether a recording session is active on this thread.
pub fn is_recording() -> bool {
    ACTIVE.with(|a| a.borrow().is_some())
}

/// Append `cost` to the active session (nothing outside one). Layers a domain crate builds
/// itself report through this, or through the op helpers of [`super::counter`].
pub fn record(cost: LayerCost) {
    ACTIVE.with(|a| {
        if let Some(layers) = a.borrow().as_ref() {
            layers.borrow_mut().push(cost);
        }
    });
}
