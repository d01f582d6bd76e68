//! Vision models on core's builders, each file opening with its paper.

use deepfield_core::models::ModelRegistry;

/// Registers this crate's model kinds (one line per kind).
pub fn register(reg: &mut ModelRegistry) -> deepfield_core::Result<()> {
    reg.register::<crate::quantum::net::QuantumCreepConfig>()?;
    Ok(())
}
