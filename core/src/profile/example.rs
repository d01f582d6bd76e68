//! A registered kind's profiling example: a representative config and an example input, run
//! through the model as the kind's [`Interface`](crate::models::Interface) runs it (a tensor
//! batch for `dyn Forward`; a domain builds its own input, e.g. a graph, in the closure).

use tch::Tensor;

use crate::models::ModelConfig;
use crate::{Forward, Result};

/// One forward pass of a model on an example input.
pub type RunFn<M> = Box<dyn Fn(&M) -> Result<Tensor>>;

/// The example of one model kind ([`ModelConfig::example`]).
pub struct Example<C: ModelConfig> {
    /// A representative config (usually the paper's default).
    pub config: C,
    /// The input, in words (`[1, 1, 28, 28] image batch`).
    pub input: String,
    /// One forward pass on the example input, in evaluation mode.
    pub run: RunFn<C::Model>,
}

impl<C: ModelConfig> Example<C> {
    /// An example of a tensor-in model: `config` run on the batch `x`.
    pub fn tensor(config: C, x: Tensor) -> Self
    where
        C::Model: Forward,
    {
        let input = format!("{:?} {:?}", x.size(), x.kind());
        Example {
            config,
            input,
            run: Box::new(move |m: &C::Model| m.try_forward_t(&x, None, false)),
        }
    }

    /// An example whose input is built and run by `run` (models of other interfaces).
    pub fn with(
        config: C,
        input: impl Into<String>,
        run: impl Fn(&C::Model) -> Result<Tensor> + 'static,
    ) -> Self {
        Example {
            config,
            input: input.into(),
            run: Box::new(run),
        }
    }
}
