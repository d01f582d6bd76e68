//! Spreadsheets as grids of cell values, for table detection (TableSense, Dong et al. 2019).
//!
//! A sheet comes in as CSV ([`reader`]: RFC 4180 quoting, ragged rows, blank lines kept as rows
//! so row numbers match the file, UTF-8 / UTF-16 / Latin-1), its table boxes from annotation
//! files ([`annotations`]). [`features`] turns a sheet into the per-cell feature tensor
//! (`channels × rows × cols`) a fully convolutional network reads, [`labels`] the boxes into
//! per-cell target maps; [`extract`] turns predicted maps back into boxes, [`heuristic`] is the
//! connected-region baseline, [`eob`] the paper's error-of-boundary metric and [`detect`] the
//! end-user entry point (`deepfield-vision eval tables`).
//!
//! **CSV holds values only.** The paper's cell features include formatting (fonts, fills,
//! borders, merged cells, number formats) and formulas; a CSV export has none of that, so every
//! feature here is computed from the cell's text and its neighbours.

pub mod annotations;
pub mod boxes;
pub mod compose;
pub mod detect;
pub mod eob;
pub mod extract;
pub mod features;
pub mod heuristic;
pub mod labels;
pub mod reader;
pub mod regions;

pub use boxes::CellBox;
pub use reader::{read_folder, read_sheet, Sheet, SheetSet};
