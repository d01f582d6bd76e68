//! `cough-bilstm`: MFCC → BiLSTM classification of real cough clips, participant-independent.
//!
//! Paper: Balamurali et al., "Deep Neural Network-Based Respiratory Pathology Classification
//! Using Cough Sounds", *Sensors* 21(16):5555, 2021 — MFCC sequences of individual cough epochs
//! into a BiLSTM; > 84% accuracy per cough epoch and > 91% per subject when several coughs are
//! combined. Its clinical recordings are private, so this reproduction runs the same pipeline on
//! the public cough_etiquette clips (8 participants, none / hand / elbow), evaluated
//! leave-one-participant-out.

use super::config::{ExperimentConfig, FoldPlan, ValSplit};
use super::metrics::Anchors;
use super::recipe::crnn_ablation;
use super::report::ReportText;
use super::speech::{speech_experiment, Speech};
use crate::data::{cough_clips, LabelRule, COUGH};

/// Model rate of the cough front end (the clips are 44.1 kHz; coughs carry little above 8 kHz).
pub const SAMPLE_RATE: u32 = 16_000;

/// The run's configuration: full (leave-one-participant-out, ≤ 60 epochs) or quick (2 grouped
/// folds, ≤ 5 clips per participant and label, 12 epochs); in each fold one training
/// participant is held apart for validation. Rows: the paper's BiLSTM, CNN and MLP, then the
/// CRNN ablation ([`crnn_ablation`]).
pub fn config(quick: bool, seed: u64) -> ExperimentConfig {
    let mut cfg = ExperimentConfig::speech(
        SAMPLE_RATE,
        3,
        LabelRule::CoughEtiquette,
        if quick { 12 } else { 60 },
        if quick {
            FoldPlan::GroupKFold { k: 2 }
        } else {
            FoldPlan::LeaveOneGroupOut
        },
        quick.then_some(5),
        seed,
    );
    let f = cfg.features.n_features() as i64;
    cfg.recipes = crnn_ablation(f, 3);
    cfg.val_split = ValSplit::Groups;
    cfg.val_frac = 0.1;
    cfg
}

/// The reproduction (run it as `Typed(CoughBilstm)`).
pub struct CoughBilstm;

speech_experiment!(CoughBilstm);

impl CoughBilstm {
    /// Its data, configs, paper numbers and report text.
    pub fn speech() -> Speech {
        Speech {
            id: "cough-bilstm",
            dataset: &COUGH,
            config,
            clips: cough_clips,
            anchors: Anchors {
                epoch: Some(0.84),
                subject: Some(0.91),
                source: "Balamurali et al. 2021, Sensors 21:5555",
                note: "different task and data: pathology classes on private clinical coughs",
            },
            text: ReportText {
                title: "cough-bilstm — MFCC → BiLSTM cough classification, participant-independent",
                intro: "Reproduces the pipeline of Balamurali et al., *Deep Neural Network-Based Respiratory \
                        Pathology Classification Using Cough Sounds* (Sensors 2021): MFCC sequences of single \
                        cough epochs into a bidirectional LSTM, epoch-level posteriors combined over several \
                        coughs of a subject. The paper's clinical recordings are private; here the same \
                        pipeline classifies the cough etiquette (uncovered / into the hand / into the elbow) \
                        of real public cough clips, and no participant is ever in both training and test.",
                differences: &[
                    "Data and task: 190 public single-cough clips of 8 participants labelled none / hand / elbow, \
                     instead of private clinical coughs labelled by respiratory pathology; chance is 1/3, not 1/2–1/4.",
                    "Evaluation: leave-one-participant-out over 8 participants; the paper's \"subject\" decision \
                     combines a subject's coughs, here each (participant, etiquette) group of test coughs is combined, \
                     since every participant contributes all three classes.",
                    "Clips are fixed 0.464 s windows (the upstream *_short set), so every sequence has 45 frames; \
                     the masked (variable-length) path of the BiLSTM matters for spoken-digits.",
                    "Front end and sizes (13 MFCC + Δ + ΔΔ at 16 kHz, BiLSTM 64 units per direction, Adam) are \
                     our choices where the paper's exact values were not used.",
                    "Model selection (issue 20): early stopping watches the loss on one whole participant held apart \
                     from training (6 train, 1 validation, 1 test participant per fold; before issue 20 a stratified 15% \
                     of the 7 training participants' clips).",
                    "The CRNN rows add SpecAugment, speed/pitch-perturbed training copies and per-participant CMVN; every \
                     participant recorded all three etiquettes, so per-participant CMVN removes the participant's voice \
                     and microphone and keeps the differences between etiquettes — at inference it needs a set of one \
                     participant's coughs, not a single cough.",
                ],
                group_unit: "participant × etiquette",
                labels_hint: "labels come from file names like the training set's \
                              (`<participant>-<gender>-<n|h|e>-<k>.wav`) or from `--labels file.csv` \
                              (columns `file` and `label`, or `--label-column etiquette` for the data set's \
                              own `labels.csv`).",
            },
        }
    }
}
