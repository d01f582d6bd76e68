//! Per-speaker cepstral mean and variance normalisation: every coefficient of every clip of one
//! speaker (or participant) standardised by the mean and standard deviation over all frames of
//! that speaker's clips — the speaker-level CMVN of Kaldi's `compute-cmvn-stats --spk2utt`.
//! Unlike per-utterance CMVN it keeps the differences between one speaker's utterances, and it
//! removes the speaker's (and microphone's) constant offsets. At inference it needs several
//! clips of the same speaker, without their labels.

use std::collections::BTreeMap;

use super::{FeatureMatrix, FrameScaler};
use crate::{Error, Result};

/// `feats` normalised per speaker: `groups[i]` names the speaker of `feats[i]`. Each speaker's
/// statistics come from its own clips only; a constant coefficient becomes 0.
pub fn speaker_cmvn<G: Ord>(feats: &[FeatureMatrix], groups: &[G]) -> Result<Vec<FeatureMatrix>> {
    if feats.len() != groups.len() {
        return Err(Error::input(format!(
            "speaker CMVN: {} feature matrices and {} speaker names",
            feats.len(),
            groups.len()
        )));
    }
    let mut members: BTreeMap<&G, Vec<usize>> = BTreeMap::new();
    for (i, g) in groups.iter().enumerate() {
        members.entry(g).or_default().push(i);
    }
    let mut out: Vec<Option<FeatureMatrix>> = vec![None; feats.len()];
    for idx in members.values() {
        let stats = FrameScaler::fit(idx.iter().map(|&i| &feats[i]));
        for &i in idx {
            out[i] = Some(match &stats {
                Ok(s) => s.transform(&feats[i])?,
                // A speaker without frames: nothing to normalise.
                Err(_) => feats[i].clone(),
            });
        }
    }
    Ok(out.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_speaker_gets_zero_mean_and_unit_variance() {
        let mut rng = deepfield_core::rng::Rng::new(5);
        let mut feats = Vec::new();
        let mut groups = Vec::new();
        for (s, (offset, scale)) in [(3.0, 2.0), (-1.0, 0.5), (10.0, 7.0)].iter().enumerate() {
            for k in 0..4 {
                let rows = 5 + 3 * k;
                let data = (0..rows * 4)
                    .map(|i| (offset + scale * rng.normal() + (i % 4) as f64) as f32)
                    .collect();
                feats.push(FeatureMatrix {
                    rows,
                    cols: 4,
                    data,
                });
                groups.push(format!("speaker{s}"));
            }
        }
        let norm = speaker_cmvn(&feats, &groups).unwrap();
        assert_eq!(norm.len(), feats.len());
        for s in 0..3 {
            let mine: Vec<&FeatureMatrix> = norm[4 * s..4 * s + 4].iter().collect();
            for c in 0..4 {
                let v: Vec<f64> = mine
                    .iter()
                    .flat_map(|m| (0..m.rows).map(move |t| m.row(t)[c] as f64))
                    .collect();
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / v.len() as f64;
                assert!(
                    mean.abs() < 1e-5,
                    "speaker {s} coefficient {c}: mean {mean}"
                );
                assert!(
                    (var - 1.0).abs() < 1e-4,
                    "speaker {s} coefficient {c}: var {var}"
                );
            }
        }
        assert!(speaker_cmvn(&feats, &groups[..2]).is_err());
    }
}
