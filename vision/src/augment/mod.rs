//! Augmentations as tensor operations on image batches `[N, C, H, W]`, on whatever device the
//! batch lives (CPU or CUDA): every geometric map goes through `affine_grid` + `grid_sample`
//! ([`geometry`]); flips are exact index reversals. Random ones draw their parameters from a
//! seeded [`deepfield_core::Rng`], so the same seed gives the same batch on any device.
//!
//! Angle convention (as torchvision): degrees, **counter-clockwise** as the image is displayed
//! (row 0 at the top), about the image centre. Translations are in pixels, `+x` to the right,
//! `+y` down. Shear is a factor: `x' = x + shear · y`.

pub mod geometry;
pub mod random;

pub use geometry::{affine, centre_crop, hflip, rotate, vflip, Affine, Interpolation, Padding};
pub use random::{RandomAffine, RandomFlips};
