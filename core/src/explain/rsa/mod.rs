//! Representational similarity analysis: representational dissimilarity matrices (RDMs) of a
//! model's activations (or any measurements), their comparison, and the geo-topological
//! transforms of topological RSA (Lin & Kriegeskorte 2023, "The Topology and Geometry of Neural
//! Representations"). Definitions follow `rsatoolbox` 0.3 (and agree with it on the same data:
//! `core/tests/explain_rsa.rs`):
//!
//! * [`rdm`] — squared Euclidean (divided by the number of channels), correlation and cosine
//!   distances, and crossnobis (leave-one-fold-out cross-validated Mahalanobis with a noise
//!   precision, unbiased);
//! * [`compare`] — Pearson, cosine, Spearman, Kendall's τa and whitened cosine of RDM vectors;
//! * [`topology`] — the geo-topological transform (quantile thresholds) and the geodesic one.
//!
//! An RDM is stored as its upper triangle, row by row (`rsatoolbox`'s vector form): for n
//! conditions, n(n − 1)/2 values.

pub mod compare;
pub mod rdm;
pub mod topology;

pub use compare::Comparator;
pub use rdm::{Distance, Rdm};
