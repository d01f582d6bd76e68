//! `deepfield-genomics eval explain-gmna`: explain a saved GMNA CNN's location predictions on a
//! user's FASTA. Each genome is one-hot encoded `[4, length]` (A, C, G, T rows; cut or padded
//! to the model's input length) as `eval gmna` does, then core's shared implementation
//! ([`deepfield_core::explain::run::explain_batch`]) computes attributions per base and
//! position (gradients, integrated gradients, SmoothGrad, SHAP with patches) or a class
//! activation map along the genome, and writes them with heat maps.

use deepfield_core::explain::run::{explain_batch, ExplainOutput, ExplainRequest};
use deepfield_core::models::ModelRegistry;

use super::cnn::one_hot_tensor;
use crate::seq::Record;
use crate::{Error, Result};

/// Explain the GMNA CNN of `req.model` on the genomes of the FASTA/FASTQ `req.input`; returns
/// the shared output and the record ids (the row order of the outputs).
pub fn explain_fasta(
    models: &ModelRegistry,
    req: &ExplainRequest,
) -> Result<(ExplainOutput, Vec<String>)> {
    let m = super::folder::load(&req.model, deepfield_core::device())?;
    let (records, _) = crate::seq::read_all(&req.input)?;
    if records.is_empty() {
        return Err(Error::input(format!(
            "{}: no sequence records",
            req.input.display()
        )));
    }
    let refs: Vec<&Record> = records.iter().collect();
    let x = one_hot_tensor(&refs, m.cnn_config.length);
    let ids: Vec<String> = records.into_iter().map(|r| r.id).collect();
    let out = explain_batch(models, req, &x, None, Some(&ids))?;
    Ok((out, ids))
}
