//! Self-supervised ECG representations after "Large-scale Training of Foundation Models for
//! Wearable Biosignals" (Abbaspourazad et al., ICLR 2024), on MIT-BIH records read by
//! [`crate::wfdb`].
//!
//! 1. [`beats`] — beat windows around annotated R peaks, AAMI classes.
//! 2. [`encoder`] — the residual 1-D CNN encoder and the beat classifier (registry kinds
//!    `timeseries.ecg_encoder`, `timeseries.beat_classifier`).
//! 3. [`augment`], [`loss`], [`pretrain`] — augmentations, InfoNCE + KoLeo, positive pairs
//!    from the same participant or the same record segment.
//! 4. [`probe`] — frozen embeddings, linear probes on label subsets, supervised training from
//!    scratch, macro-F1.
//! 5. [`classify`] — a saved classifier on a user's record.

pub mod augment;
pub mod beats;
pub mod classify;
pub mod encoder;
pub mod loss;
pub mod pretrain;
pub mod probe;

pub use beats::{aami_class, extract_beats, BeatConfig, Beats, Lead, AAMI_CLASSES};
pub use classify::{classify_record, RecordClassification};
pub use encoder::{BeatClassifier, BeatClassifierConfig, EcgEncoder, EcgEncoderConfig};
pub use loss::{info_nce, koleo};
pub use pretrain::{pretrain, Pairing, SslConfig};
