//! Images in, tensors out: IDX files (MNIST, Fashion-MNIST), image folders and lists.
//!
//! - [`idx`]: the IDX reader and writer (gzip or plain, every IDX type, any rank);
//! - [`mnist`]: MNIST and Fashion-MNIST splits as `f32 [N, 1, 28, 28]` images and `i64` labels;
//! - [`preprocess`]: the serde description of a model's input preprocessing (channels, crop,
//!   size, padding, normalisation) that vision model configs embed.

pub mod idx;
pub mod mnist;
pub mod preprocess;

pub use idx::{read_idx, write_idx, IdxType};
pub use preprocess::Preprocess;
