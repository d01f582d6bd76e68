//! Random search: every active parameter drawn uniformly (on the log scale for log parameters),
//! independently of the history — the baseline every other sampler must beat.

use super::{Direction, Params, Sampler, Space, Trial};
use crate::rng::Rng;
use crate::Result;

/// Uniform random search.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomSampler;

impl Sampler for RandomSampler {
    fn name(&self) -> &str {
        "random"
    }

    fn sample(
        &mut self,
        space: &Space,
        _history: &[Trial],
        _direction: Direction,
        rng: &mut Rng,
    ) -> Result<Params> {
        Ok(space.sample_uniform(rng))
    }
}
