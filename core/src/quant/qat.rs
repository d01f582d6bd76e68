//! Quantization-aware training of weights as a Trainer callback (survey §4.1; Jacob et al.
//! 2018): the optimizer works on float master weights while every forward and backward pass
//! sees their fake-quantized values, the straight-through estimator in the form
//! BinaryConnect uses. Before training the variables are replaced by `Q(m)` (masters `m` kept);
//! after each optimizer step, which moved a variable by `Δ`, the master becomes `m + Δ` and the
//! variable `Q(m + Δ)`, the scale recalibrated from the master. At the end the variables hold the
//! quantized weights. Activations are left in floating point.

use tch::Tensor;

use super::observer::calibrate;
use super::weights::{select, WeightQuant};
use crate::train::{Callback, Context, History};
use crate::Result;

/// The callback.
#[derive(Debug)]
pub struct WeightQat {
    spec: WeightQuant,
    /// (name, variable, master, the quantized value last written).
    state: Vec<(String, Tensor, Tensor, Tensor)>,
}

impl WeightQat {
    pub fn new(spec: WeightQuant) -> Result<Self> {
        spec.scheme.validate()?;
        spec.calibration.validate(&spec.scheme)?;
        Ok(WeightQat {
            spec,
            state: Vec::new(),
        })
    }

    fn quantized(&self, name: &str, master: &Tensor) -> Result<Tensor> {
        let scheme = super::QScheme {
            bits: self
                .spec
                .bits
                .get(name)
                .copied()
                .unwrap_or(self.spec.scheme.bits),
            ..self.spec.scheme
        };
        let p = calibrate(self.spec.calibration, scheme, master)?;
        p.dequantize(&p.quantize(master)?)
    }
}

impl<M: ?Sized, B> Callback<M, B> for WeightQat {
    fn on_train_begin(&mut self, ctx: &mut Context<'_, M>) -> Result<()> {
        self.state.clear();
        for (name, var) in select(ctx.vs, &self.spec.layers)? {
            let master = var.detach().copy();
            let q = self.quantized(&name, &master)?;
            tch::no_grad(|| var.shallow_clone().f_copy_(&q))?;
            self.state.push((name, var, master, q));
        }
        Ok(())
    }

    fn after_optimizer_step(&mut self, _ctx: &mut Context<'_, M>) -> Result<()> {
        let mut state = std::mem::take(&mut self.state);
        for (name, var, master, last) in state.iter_mut() {
            let moved = var.detach() - &*last;
            *master = &*master + moved;
            let q = self.quantized(name, master)?;
            tch::no_grad(|| var.shallow_clone().f_copy_(&q))?;
            *last = q;
        }
        self.state = state;
        Ok(())
    }

    fn on_train_end(&mut self, _ctx: &mut Context<'_, M>, _history: &History) -> Result<()> {
        // A best-epoch restore may have put back any snapshot: quantize what is there.
        for (name, var, _, _) in &self.state {
            let q = self.quantized(name, &var.detach())?;
            tch::no_grad(|| var.shallow_clone().f_copy_(&q))?;
        }
        Ok(())
    }
}
