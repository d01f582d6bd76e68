//! Images in, tensors out: IDX files (MNIST, Fashion-MNIST), image folders and lists.
//!
//! - [`idx`]: the IDX reader and writer (gzip or plain, every IDX type, any rank);
//! - [`affnist`]: the affNIST-style affine test set generated from MNIST digits;
//! - [`mnist`]: MNIST and Fashion-MNIST splits as `f32 [N, 1, 28, 28]` images and `i64` labels;
//! - [`preprocess`]: the serde description of a model's input preprocessing (channels, crop,
//!   size, padding, normalisation) that vision model configs embed;
//! - [`sources`]: image folders (one subfolder per class) and CSV image lists → entries;
//! - [`images`]: parallel decoding of entries into a preprocessed batch, listing bad files,
//!   with an in-memory and an optional on-disk ([`cache`]) cache.

pub mod affnist;
pub mod cache;
pub mod clutter;
pub mod images;
pub mod preprocess;
pub mod sources;

// The IDX format and the digit sets live in core (the compression and robustness
// reproductions of core train on them); vision re-exports them at their old paths.
pub use deepfield_core::data::{idx, mnist};
pub use idx::{read_idx, write_idx, IdxType};
pub use images::{BadFile, ImageSet};
pub use preprocess::Preprocess;
pub use sources::{Entry, ListColumns};
