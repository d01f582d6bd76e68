//! Pedestrian trajectories (ETH/UCY layout): reading `frame, pedestrian, x, y` files
//! ([`load`]), cutting observed/future windows per pedestrian ([`window`]), the leave-one-scene-out
//! folds of the benchmark ([`scenes`]), and the metrics of trajectory forecasting ([`metrics`]):
//! best-of-K ADE/FDE, sample diversity and the collision rate between pedestrians.

pub mod load;
pub mod metrics;
pub mod scenes;
pub mod window;

pub use load::{parse_tracks, read_tracks, Observation};
pub use metrics::{best_of_k, collision_rate, diversity, Collisions};
pub use window::{frame_step, windows, Window, OBS_LEN, PRED_LEN};
