//! The `molecules_forces` data: rMD17 ethanol and acetylacetone frames with DFT energies and
//! forces, their isolated-atom energies, and the seeded splits.

use std::path::Path;

use deepfield_core::data::DatasetSpec;
use deepfield_core::rng::Rng;

use super::config::{GemNetOcConfig, SplitSizes};
use crate::molecule::xyz::{read_xyz, Frame, XyzOptions};
use crate::molecule::{ReferenceEnergies, Structure};
use crate::{GraphError, Result};

/// The folder and files the reproduction reads.
pub const MOLECULES_FORCES: DatasetSpec = DatasetSpec {
    name: "molecules_forces",
    files: &[
        "ethanol_rmd17/train.xyz",
        "ethanol_rmd17/isolated_atoms.xyz",
        "acac/train_300K.xyz",
        "acac/train_600K.xyz",
        "acac/isolated_atoms.xyz",
    ],
    source: "github.com/davkovacs/BOTNet-datasets (dataset_ethanol/train.xyz from rMD17, \
             dataset_acac/train_300K.xyz and train_600K.xyz, and each isolated_atoms.xyz); see \
             molecules_forces/SOURCE.md",
};

/// One molecule's frames, split.
pub struct MoleculeData {
    /// `ethanol` or `acac`.
    pub name: String,
    /// Isolated-atom energies.
    pub reference: ReferenceEnergies,
    pub train: Vec<Frame>,
    pub val: Vec<Frame>,
    /// Named test sets (`test`, or `test 300K` and `600K`).
    pub tests: Vec<(String, Vec<Frame>)>,
    /// Where the frames come from, for the report.
    pub files: Vec<String>,
}

fn take(frames: &[Frame], idx: &[usize]) -> Vec<Frame> {
    idx.iter().map(|&i| frames[i].clone()).collect()
}

/// Split `frames` by a seeded permutation into train/val/test of `s`.
fn split(frames: &[Frame], s: SplitSizes, seed: u64) -> (Vec<Frame>, Vec<Frame>, Vec<Frame>) {
    let perm = Rng::new(seed).permutation(frames.len());
    let (a, rest) = perm.split_at(s.train.min(perm.len()));
    let (b, rest) = rest.split_at(s.val.min(rest.len()));
    let c = &rest[..s.test.min(rest.len())];
    (take(frames, a), take(frames, b), take(frames, c))
}

fn read_labelled(path: &Path, expect: usize) -> Result<Vec<Frame>> {
    let frames = read_xyz(path, &XyzOptions::labelled())?;
    if frames.len() < expect {
        return Err(GraphError::invalid(format!(
            "{}: {} frames, the split needs {expect}",
            path.display(),
            frames.len()
        )));
    }
    Ok(frames)
}

/// Read and split the molecules `cfg` selects from the dataset folder `dir`.
pub fn load(cfg: &GemNetOcConfig, dir: &Path) -> Result<Vec<MoleculeData>> {
    let mut out = Vec::new();
    if let Some(s) = cfg.ethanol {
        let file = dir.join("ethanol_rmd17/train.xyz");
        let frames = read_labelled(&file, s.train + s.val + s.test)?;
        let (train, val, test) = split(&frames, s, cfg.seed);
        out.push(MoleculeData {
            name: "ethanol".into(),
            reference: ReferenceEnergies::read(&dir.join("ethanol_rmd17/isolated_atoms.xyz"))?,
            train,
            val,
            tests: vec![("test".into(), test)],
            files: vec!["ethanol_rmd17/train.xyz".into()],
        });
    }
    if let Some(s) = cfg.acac {
        let f300 = dir.join("acac/train_300K.xyz");
        let frames = read_labelled(&f300, s.train + s.val + s.test)?;
        let (train, val, test) = split(&frames, s, cfg.seed.wrapping_add(1));
        let mut hot = read_labelled(&dir.join("acac/train_600K.xyz"), 1)?;
        if let Some(n) = cfg.acac_600k_limit {
            let perm = Rng::new(cfg.seed.wrapping_add(2)).permutation(hot.len());
            hot = take(&hot, &perm[..n.min(perm.len())]);
        }
        out.push(MoleculeData {
            name: "acac".into(),
            reference: ReferenceEnergies::read(&dir.join("acac/isolated_atoms.xyz"))?,
            train,
            val,
            tests: vec![("test 300K".into(), test), ("600K".into(), hot)],
            files: vec!["acac/train_300K.xyz".into(), "acac/train_600K.xyz".into()],
        });
    }
    Ok(out)
}

/// Neighbour lists (and triplets) of `frames` for a model with `cutoff`.
pub fn structures(
    frames: &[Frame],
    cutoff: f64,
    triplets: bool,
    reference: &ReferenceEnergies,
) -> Result<Vec<Structure>> {
    frames
        .iter()
        .map(|f| Structure::new(f.clone(), cutoff, triplets, reference))
        .collect()
}
