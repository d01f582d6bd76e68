//! Vision models on core's builders, each file opening with its paper.

pub mod affine_conv;
pub mod gan;
pub mod glplus;
pub mod layers;
pub mod lenet;
pub mod liecnn;
pub mod p4;
pub mod resnet;
pub mod rotinv;
pub mod tablesense;
pub mod vgg;

use deepfield_core::models::ModelRegistry;

/// Registers this crate's model kinds (one line per kind).
pub fn register(reg: &mut ModelRegistry) -> deepfield_core::Result<()> {
    reg.register::<crate::quantum::net::QuantumCreepConfig>()?;
    reg.register::<lenet::LeNet5Config>()?;
    reg.register::<resnet::ResNetConfig>()?;
    reg.register::<vgg::VggConfig>()?;
    reg.register::<rotinv::RotInvCnnConfig>()?;
    reg.register::<tablesense::TableSenseConfig>()?;
    reg.register::<gan::CondGeneratorConfig>()?;
    reg.register::<gan::CondDiscriminatorConfig>()?;
    reg.register::<liecnn::LieCnnConfig>()?;
    Ok(())
}
