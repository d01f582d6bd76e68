//! The text model kinds that `deepfield-text` can rebuild from a checkpoint (taggers, the
//! die/dat classifier, language models, rankers), registered beside core's kinds.

use deepfield_core::models::ModelRegistry;

/// Adds this crate's model kinds to `reg`.
pub fn register(reg: &mut ModelRegistry) -> deepfield_core::Result<()> {
    reg.register::<crate::lm::SpikeGptConfig>()?;
    reg.register::<crate::lm::RwkvLmConfig>()?;
    reg.register::<crate::retrieval::ranker::AttentiveRankerConfig>()?;
    reg.register::<crate::tagger::model::NeuroNerConfig>()?;
    reg.register::<crate::diedat::model::DieDatConfig>()?;
    Ok(())
}
