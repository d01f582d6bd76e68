//! Data: in-memory tensor datasets, batching, splits, scalers, class weights, tables and the
//! data directory; the IDX format and the MNIST / Fashion-MNIST splits stored in it.

pub mod chars;
pub mod dataset;
pub mod dir;
pub mod idx;
pub mod mnist;
pub mod moons;
pub mod scale;
pub mod split;
#[cfg(feature = "tables")]
pub mod table;
pub mod weights;

pub use dataset::{Batch, BatchIter, TensorDataset};
pub use dir::{data_dir, dataset, DatasetSpec};
pub use scale::{FittedScaler, MinMaxScaler, Scaler, StandardScaler};
pub use split::{
    chronological_split, group_kfold, group_split, kfold, leave_one_group_out, random_split,
    stratified_kfold, stratified_split, Fold, Split,
};
#[cfg(feature = "tables")]
pub use table::{numeric_matrix, read_csv, read_table, Table, TableFormat};
#[cfg(feature = "parquet")]
pub use table::{read_parquet, write_parquet};
pub use weights::{class_weights, sample_weights, ClassWeightMode};
