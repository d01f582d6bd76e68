//! Data: in-memory tensor datasets, batching, splits, scalers, class weights, tables and the
//! data directory.

pub mod dataset;
pub mod dir;
pub mod scale;
pub mod split;
pub mod table;
pub mod weights;

pub use dataset::{Batch, BatchIter, TensorDataset};
pub use dir::{data_dir, dataset, DatasetSpec};
