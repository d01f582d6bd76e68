//! Reading PhysioNet WFDB records: headers ([`header`]), signal files in formats 212 and 16
//! ([`signal`]) and MIT-format annotation files ([`annotation`]).
//!
//! ```no_run
//! # fn main() -> deepfield_timeseries::Result<()> {
//! use deepfield_timeseries::wfdb::{read_annotations, Record};
//! let rec = Record::read("../shared/datasets/ecg_mitbih/100.hea".as_ref())?;
//! let mlii = rec.physical(rec.header.signal_index("MLII")?)?; // mV
//! let beats = read_annotations("../shared/datasets/ecg_mitbih/100.atr".as_ref())?;
//! # Ok(()) }
//! ```
//!
//! Malformed input (a bad header field, a truncated or padded `.dat`, a wrong sample count, an
//! unknown format, a truncated `.atr`) is an error naming the file and the problem.

pub mod annotation;
pub mod header;
pub mod signal;

pub use annotation::{parse_annotations, read_annotations, symbol, Annotation};
pub use header::{Header, SignalSpec};
pub use signal::Record;

use deepfield_core::data::DatasetSpec;

/// The shared MIT-BIH Arrhythmia Database records (100 and 208).
pub const MITBIH: DatasetSpec = DatasetSpec {
    name: "ecg_mitbih",
    files: &["100.hea", "100.dat", "100.atr", "208.hea", "208.dat", "208.atr"],
    source: "MIT-BIH Arrhythmia Database records 100 and 208 (Moody & Mark 2001), physionet.org/content/mitdb (WFDB .hea/.dat/.atr; ODC-By 1.0)",
};

/// The records of [`MITBIH`].
pub const MITBIH_RECORDS: [&str; 2] = ["100", "208"];
