//! Vision models on core's builders, each file opening with its paper.

use deepfield_core::models::ModelRegistry;

/// Registers this crate's model kinds (one line per kind).
pub fn register(_reg: &mut ModelRegistry) -> deepfield_core::Result<()> {
    Ok(())
}
