//! The real recordings of the data directory and their conversion to padded, masked tensors.
//!
//! * `cough_etiquette` — 190 single-cough clips of 8 participants, labelled by cough etiquette
//!   (none / hand / elbow); group = participant.
//! * `fsdd` — the Free Spoken Digit Dataset, 2,500 recordings of 5 speakers; label = digit,
//!   group = speaker.
//!
//! Labels and groups also come from file names ([`LabelRule`]), so a trained model can score a
//! user's folder named like its training set.

use std::path::{Path, PathBuf};

use deepfield_core::data::{DatasetSpec, TensorDataset};
use deepfield_core::tch::{Kind, Tensor};
use serde::{Deserialize, Serialize};

use crate::features::{FeatureMatrix, FrameScaler, FrontEnd};
use crate::{Error, Result};

/// The cough clips in the data directory.
pub const COUGH: DatasetSpec = DatasetSpec {
    name: "cough_etiquette",
    files: &["labels.csv", "none_short", "hand_short", "elbow_short"],
    source: "github.com/paulleamy/Cough-Etiquette (ISSC 2021), ISSC2021_audio/*_short",
};

/// The spoken-digit recordings in the data directory.
pub const FSDD: DatasetSpec = DatasetSpec {
    name: "fsdd",
    files: &["recordings", "speakers.csv"],
    source: "github.com/Jakobovski/free-spoken-digit-dataset (CC BY-SA 4.0), recordings/*.wav",
};

/// Cough etiquette classes, in label order.
pub const COUGH_CLASSES: [&str; 3] = ["none", "hand", "elbow"];

/// One labelled recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clip {
    pub path: PathBuf,
    pub label: i64,
    /// Participant or speaker.
    pub group: String,
}

/// How labels (and groups) are read from file names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelRule {
    /// `<participant>-<gender>-<n|h|e>-<number>.wav` (cough_etiquette).
    CoughEtiquette,
    /// `<digit>_<speaker>_<index>.wav` (FSDD).
    FsddDigit,
}

impl LabelRule {
    /// Class names in label order.
    pub fn class_names(self) -> Vec<String> {
        match self {
            LabelRule::CoughEtiquette => COUGH_CLASSES.iter().map(|s| s.to_string()).collect(),
            LabelRule::FsddDigit => (0..10).map(|d| d.to_string()).collect(),
        }
    }

    /// `(label, group)` from a file name, or `None` if it does not follow the pattern.
    pub fn parse(self, path: &Path) -> Option<(i64, String)> {
        let stem = path.file_stem()?.to_str()?;
        match self {
            LabelRule::CoughEtiquette => {
                let parts: Vec<&str> = stem.split('-').collect();
                if parts.len() != 4 || parts[0].is_empty() {
                    return None;
                }
                let label = match parts[2] {
                    "n" => 0,
                    "h" => 1,
                    "e" => 2,
                    _ => return None,
                };
                Some((label, parts[0].to_string()))
            }
            LabelRule::FsddDigit => {
                let parts: Vec<&str> = stem.split('_').collect();
                if parts.len() != 3 {
                    return None;
                }
                let d: i64 = parts[0].parse().ok().filter(|d| (0..10).contains(d))?;
                Some((d, parts[1].to_string()))
            }
        }
    }
}

/// The cough clips listed in `labels.csv` of the `cough_etiquette` folder `dir`.
pub fn cough_clips(dir: &Path) -> Result<Vec<Clip>> {
    let csv = dir.join("labels.csv");
    let table = deepfield_core::fsutil::read_csv_records(&csv)?;
    let header = &table.header;
    let col = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            Error::input(format!(
                "{}: no `{name}` column (header {header:?})",
                csv.display()
            ))
        })
    };
    let (fc, pc, ec) = (col("file")?, col("participant_id")?, col("etiquette")?);
    let mut clips = Vec::new();
    for row in &table.rows {
        let get = |c: usize| {
            row.fields.get(c).map(String::as_str).ok_or_else(|| {
                Error::input(format!(
                    "{} line {}: too few fields",
                    csv.display(),
                    row.line
                ))
            })
        };
        let etiquette = get(ec)?;
        let label = COUGH_CLASSES
            .iter()
            .position(|c| *c == etiquette)
            .ok_or_else(|| {
                Error::input(format!(
                    "{} line {}: unknown etiquette {etiquette:?}",
                    csv.display(),
                    row.line,
                ))
            })? as i64;
        clips.push(Clip {
            path: dir.join(get(fc)?),
            label,
            group: get(pc)?.to_string(),
        });
    }
    if clips.is_empty() {
        return Err(Error::input(format!("{}: no clips listed", csv.display())));
    }
    Ok(clips)
}

/// Every recording of the `fsdd` folder `dir`, sorted by file name.
pub fn fsdd_clips(dir: &Path) -> Result<Vec<Clip>> {
    let files = crate::wav::wav_files(&dir.join("recordings"))?;
    let clips: Vec<Clip> = files
        .into_iter()
        .filter_map(|p| {
            let (label, group) = LabelRule::FsddDigit.parse(&p)?;
            Some(Clip {
                path: p,
                label,
                group,
            })
        })
        .collect();
    if clips.is_empty() {
        return Err(Error::input(format!(
            "{}: no recordings named <digit>_<speaker>_<index>.wav",
            dir.join("recordings").display()
        )));
    }
    Ok(clips)
}

/// Features of labelled clips, in clip order; unreadable files are listed in `bad`.
#[derive(Debug, Default)]
pub struct Featurised {
    pub clips: Vec<Clip>,
    pub features: Vec<FeatureMatrix>,
    /// Files that could not be read, with the reason.
    pub bad: Vec<(PathBuf, String)>,
}

/// Run the front end on every clip, keeping the good ones and listing the bad ones.
pub fn featurise(front: &FrontEnd, clips: &[Clip]) -> Featurised {
    let mut out = Featurised::default();
    for c in clips {
        match front.from_file(&c.path) {
            Ok(f) => {
                out.clips.push(c.clone());
                out.features.push(f);
            }
            Err(e) => out.bad.push((c.path.clone(), e.to_string())),
        }
    }
    out
}

/// Right-padded `x [N, T, F]` (zeros after each sequence), `mask [N, T]` and `y [N]`, every matrix
/// standardised by `scaler` first. `T` is the longest sequence.
pub fn padded_dataset(
    feats: &[&FeatureMatrix],
    labels: &[i64],
    scaler: &FrameScaler,
) -> Result<TensorDataset> {
    if feats.is_empty() || feats.len() != labels.len() {
        return Err(Error::input(format!(
            "dataset: {} feature matrices and {} labels",
            feats.len(),
            labels.len()
        )));
    }
    let f = scaler.mean.len();
    let t = feats.iter().map(|m| m.rows).max().unwrap_or(1).max(1);
    let n = feats.len();
    let mut x = vec![0f32; n * t * f];
    let mut mask = vec![false; n * t];
    for (i, m) in feats.iter().enumerate() {
        let s = scaler.transform(m)?;
        x[i * t * f..i * t * f + s.data.len()].copy_from_slice(&s.data);
        mask[i * t..i * t + m.rows].fill(true);
    }
    let x = Tensor::from_slice(&x).view([n as i64, t as i64, f as i64]);
    let mask = Tensor::from_slice(&mask).view([n as i64, t as i64]);
    let y = Tensor::from_slice(labels).to_kind(Kind::Int64);
    Ok(TensorDataset::new(x, y)?.with_mask(mask)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cough_clips_read_quoted_fields_and_name_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("labels.csv");
        std::fs::write(
            &csv,
            "file,participant_id,etiquette\n\"hand_short/a,b \"\"c\"\".wav\",7, hand\n\nnone_short/x.wav,8,none\n",
        )
        .unwrap();
        let clips = cough_clips(dir.path()).unwrap();
        assert_eq!(clips.len(), 2);
        assert_eq!(clips[0].path, dir.path().join("hand_short/a,b \"c\".wav"));
        assert_eq!((clips[0].label, clips[0].group.as_str()), (1, "7"));
        assert_eq!(clips[1].label, 0);

        std::fs::write(
            &csv,
            "file,participant_id,etiquette\nx.wav,1,none\ny.wav,2,sneeze\n",
        )
        .unwrap();
        let e = cough_clips(dir.path()).unwrap_err().to_string();
        assert!(
            e.contains("labels.csv line 3") && e.contains("sneeze"),
            "{e}"
        );
        std::fs::write(&csv, "file,participant_id,etiquette\nx.wav,1\n").unwrap();
        let e = cough_clips(dir.path()).unwrap_err().to_string();
        assert!(e.contains("labels.csv line 2: too few fields"), "{e}");
    }

    #[test]
    fn file_name_rules() {
        let r = LabelRule::CoughEtiquette;
        assert_eq!(
            r.parse(Path::new("x/97-f-h-12.wav")),
            Some((1, "97".into()))
        );
        assert_eq!(r.parse(Path::new("1-m-x-01.wav")), None);
        let d = LabelRule::FsddDigit;
        assert_eq!(d.parse(Path::new("7_theo_3.wav")), Some((7, "theo".into())));
        assert_eq!(d.parse(Path::new("12_theo_3.wav")), None);
        assert_eq!(d.parse(Path::new("hello.wav")), None);
        assert_eq!(d.class_names().len(), 10);
    }

    #[test]
    fn padding_and_mask() {
        let a = FeatureMatrix {
            rows: 2,
            cols: 1,
            data: vec![1.0, 3.0],
        };
        let b = FeatureMatrix {
            rows: 1,
            cols: 1,
            data: vec![2.0],
        };
        let s = FrameScaler::fit([&a, &b]).unwrap();
        let ds = padded_dataset(&[&a, &b], &[0, 1], &s).unwrap();
        assert_eq!(ds.x.size(), [2, 2, 1]);
        let m = Vec::<bool>::try_from(ds.mask.unwrap().view([-1])).unwrap();
        assert_eq!(m, vec![true, true, true, false]);
        let x = Vec::<f32>::try_from(ds.x.view([-1])).unwrap();
        assert_eq!(x[3], 0.0);
        assert!(padded_dataset(&[&a], &[0, 1], &s).is_err());
    }
}
