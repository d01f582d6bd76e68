//! `deepfield-audio explain-recordings`: explain a saved audio classifier's predictions on a
//! user's WAV files. The recordings go through the model's own front end (the MFCC settings and
//! frame scaler saved with it), padded into one batch with its validity mask, as `eval` reads
//! them; core's shared implementation
//! ([`deepfield_core::explain::run::explain_batch`]) then computes the attributions over
//! frames × coefficients (gradients, integrated gradients, SmoothGrad) or a class activation
//! map of a captured layer, and writes them with their heat maps.

use std::path::{Path, PathBuf};

use deepfield_core::explain::run::{explain_batch, ExplainOutput, ExplainRequest};
use deepfield_core::models::ModelRegistry;

use super::eval::recordings;
use super::{load, resolve_model_dir, Classifier};
use crate::data::padded_dataset;
use crate::features::FeatureMatrix;
use crate::{Error, Result};

/// What `explain-recordings` did: the shared output, the ids of the explained recordings (the
/// row order of the outputs) and the files that could not be read, with why.
#[derive(Debug)]
pub struct ExplainedRecordings {
    pub output: ExplainOutput,
    pub ids: Vec<String>,
    pub skipped: Vec<(PathBuf, String)>,
}

/// Explain the model of `req.model` on `req.input` (a WAV file or a folder, searched
/// recursively). A folder's unreadable files are skipped and listed; a single unreadable file
/// is an error.
pub fn explain_recordings(
    models: &ModelRegistry,
    req: &ExplainRequest,
) -> Result<ExplainedRecordings> {
    let model_dir = resolve_model_dir(&req.model);
    let Classifier { config, front, .. } = load(&model_dir, deepfield_core::device())?;
    let single = req.input.is_file();
    let mut ids = Vec::new();
    let mut feats: Vec<FeatureMatrix> = Vec::new();
    let mut paths = Vec::new();
    let mut skipped = Vec::new();
    for (id, f) in recordings(&req.input)? {
        match front.from_file(&f) {
            Ok(m) => {
                ids.push(id);
                feats.push(m);
                paths.push(f);
            }
            Err(e) if single => return Err(e),
            Err(e) => skipped.push((f, e.to_string())),
        }
    }
    if feats.is_empty() {
        return Err(Error::input(format!(
            "{}: none of the WAV files could be read ({} skipped)",
            req.input.display(),
            skipped.len()
        )));
    }
    let files: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let feats = super::normalise_speakers(&config, &files, feats)?;
    let refs: Vec<&FeatureMatrix> = feats.iter().collect();
    let ds = padded_dataset(&refs, &vec![0; refs.len()], &config.scaler)?;
    let mut req = req.clone();
    req.model = model_dir;
    let output = explain_batch(models, &req, &ds.x, ds.mask.as_ref(), Some(&ids))?;
    Ok(ExplainedRecordings {
        output,
        ids,
        skipped,
    })
}
