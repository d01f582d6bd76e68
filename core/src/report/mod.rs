//! Result reports: the `results/<id>/` folder every reproduction writes, a small markdown
//! builder for its `report.md`, and PNG plots ([`plots`]).
//!
//! A reproduction's folder holds `metrics.json` ([`ResultsDir::write_metrics`]), `report.md`
//! ([`ResultsDir::write_report`]: what ran, where the data came from, our numbers next to the
//! paper's), PNG plots and the trained model. Everything is written atomically
//! ([`crate::fsutil`]), so an interrupted run never leaves half a file.
//!
//! ```no_run
//! use std::path::Path;
//! use deepfield_core::report::{plots, Comparison, Report, ResultsDir};
//!
//! # fn main() -> deepfield_core::Result<()> {
//! let out = ResultsDir::create(Path::new("results"), "gcn-cora")?;
//! plots::training_curves(&out.file("curves.png"), &[1.9, 1.2, 0.8], Some(&[1.8, 1.3, 1.0]), None)?;
//! let mut report = Report::new("GCN on Cora (Kipf & Welling 2017)");
//! report
//!     .para("Two-layer GCN, 200 epochs, seed 0.")
//!     .provenance(Path::new("/work/shared/datasets/cora_planetoid"))
//!     .heading(2, "Results")
//!     .comparison(&[Comparison::new("test accuracy", 0.803).with_anchor(0.815, "paper, Table 2")])
//!     .image("Training curves", "curves.png");
//! out.write_report(&report)?;
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "plots")]
pub mod plots;

mod format;
mod markdown;
mod results_dir;
mod source;
#[cfg(test)]
mod tests;

pub use format::{fmt_num, fmt_signed};
pub use markdown::{Comparison, Report};
pub use results_dir::ResultsDir;

/// File name of the metrics written by [`ResultsDir::write_metrics`].
pub const METRICS_FILE: &str = "metrics.json";
/// File name of the report written by [`ResultsDir::write_report`].
pub const REPORT_FILE: &str = "report.md";
/// File name [`Report::provenance`] reads inside a data set folder.
pub const SOURCE_FILE: &str = "SOURCE.md";
