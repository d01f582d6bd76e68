//! The ETH/UCY benchmark's scene files and its leave-one-scene-out folds.
//!
//! The classic five test scenes are ETH, Hotel, Univ, Zara1 and Zara2. The data folder
//! `pedestrian_trajectories_ethucy` (see its SOURCE.md) holds 7 of Trajectron++'s 8 raw files:
//! ETH's `biwi_eth.txt` is not there (it was moved to a held-out set), so the ETH fold cannot be
//! run and is reported as missing. Univ is tested on `students001` + `students003` (as in
//! Social-GAN); `crowds_zara03` and `uni_examples` are training-only files, as in the benchmark.
//! A fold trains on every file that is not its test file.

use std::path::Path;

use deepfield_core::data::DatasetSpec;

use super::load::{read_tracks, Observation};
use crate::{Error, Result};

/// The data set folder and its files.
pub const DATASET: DatasetSpec = DatasetSpec {
    name: "pedestrian_trajectories_ethucy",
    files: &FILES,
    source: "StanfordASL/Trajectron-plus-plus experiments/pedestrians/raw/raw/all_data/*.txt \
             (ETH/BIWI, Pellegrini et al. 2009; UCY, Lerner et al. 2007), see SOURCE.md",
};

/// The scene files of the data folder.
pub const FILES: [&str; 7] = [
    "biwi_hotel.txt",
    "crowds_zara01.txt",
    "crowds_zara02.txt",
    "crowds_zara03.txt",
    "students001.txt",
    "students003.txt",
    "uni_examples.txt",
];

/// One test scene of the benchmark and the files it is tested on (empty: missing here).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fold {
    pub name: &'static str,
    pub test_files: &'static [&'static str],
}

/// The five classic folds; ETH has no file here.
pub const FOLDS: [Fold; 5] = [
    Fold {
        name: "eth",
        test_files: &[],
    },
    Fold {
        name: "hotel",
        test_files: &["biwi_hotel.txt"],
    },
    Fold {
        name: "univ",
        test_files: &["students001.txt", "students003.txt"],
    },
    Fold {
        name: "zara1",
        test_files: &["crowds_zara01.txt"],
    },
    Fold {
        name: "zara2",
        test_files: &["crowds_zara02.txt"],
    },
];

/// The fold named `name`.
pub fn fold(name: &str) -> Result<Fold> {
    FOLDS
        .iter()
        .copied()
        .find(|f| f.name == name)
        .ok_or_else(|| {
            Error::Config(format!(
                "unknown ETH/UCY fold \"{name}\" (known: eth, hotel, univ, zara1, zara2)"
            ))
        })
}

/// Every scene file of `dir`, read: `(file name, rows)` in [`FILES`] order.
pub fn read_all(dir: &Path) -> Result<Vec<(&'static str, Vec<Observation>)>> {
    FILES
        .iter()
        .map(|f| Ok((*f, read_tracks(&dir.join(f))?)))
        .collect()
}
