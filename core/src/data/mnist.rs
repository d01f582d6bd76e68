//! MNIST and Fashion-MNIST from their four original IDX files (gzip), as
//! `$DEEPFIELD_DATA/{mnist,fashion_mnist}/` holds them (see each folder's SOURCE.md).
//!
//! [`load`] gives images `f32 [N, 1, 28, 28]` scaled to `[0, 1]` (pixel / 255, 0 = background) and
//! labels `i64 [N]` in `0..10`.

use std::path::{Path, PathBuf};

use crate::data::dir::{dataset_in, DatasetSpec};
use tch::{Kind, Tensor};

use super::idx::read_idx;
use crate::{Error, Result};

/// Which of the two IDX datasets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    Mnist,
    FashionMnist,
}

/// The training (60,000 images) or test (10,000 images) half.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Split {
    Train,
    Test,
}

const FILES: &[&str] = &[
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

impl Dataset {
    /// The dataset's folder, its files and its origin.
    pub fn spec(self) -> DatasetSpec {
        match self {
            Dataset::Mnist => DatasetSpec {
                name: "mnist",
                files: FILES,
                source: "the original MNIST files of LeCun, Cortes & Burges, mirrored by GitHub \
                         fgnt/mnist (see mnist/SOURCE.md)",
            },
            Dataset::FashionMnist => DatasetSpec {
                name: "fashion_mnist",
                files: FILES,
                source: "GitHub zalandoresearch/fashion-mnist, data/fashion/ (see \
                         fashion_mnist/SOURCE.md)",
            },
        }
    }

    /// Class names, index = label.
    pub fn class_names(self) -> Vec<String> {
        let names: &[&str] = match self {
            Dataset::Mnist => &["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
            Dataset::FashionMnist => &[
                "T-shirt/top",
                "Trouser",
                "Pullover",
                "Dress",
                "Coat",
                "Sandal",
                "Shirt",
                "Sneaker",
                "Bag",
                "Ankle boot",
            ],
        };
        names.iter().map(|s| s.to_string()).collect()
    }
}

/// Images and labels of one split.
#[derive(Debug)]
pub struct Digits {
    /// `f32 [N, 1, 28, 28]` in `[0, 1]`.
    pub images: Tensor,
    /// `i64 [N]`.
    pub labels: Tensor,
}

impl Digits {
    /// Number of examples.
    pub fn len(&self) -> usize {
        self.labels.size()[0] as usize
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The image and label file of a split in `dir`.
pub fn files(dir: &Path, split: Split) -> (PathBuf, PathBuf) {
    let stem = match split {
        Split::Train => "train",
        Split::Test => "t10k",
    };
    (
        dir.join(format!("{stem}-images-idx3-ubyte.gz")),
        dir.join(format!("{stem}-labels-idx1-ubyte.gz")),
    )
}

/// Load one split of `dataset` from the data directory `data_dir` (the folder holding `mnist/`
/// and `fashion_mnist/`). A missing folder or file is an error naming the folder, the four
/// files and their source.
pub fn load(data_dir: &Path, dataset: Dataset, split: Split) -> Result<Digits> {
    let dir = dataset_in(data_dir, &dataset.spec())?;
    let (images, labels) = files(&dir, split);
    load_files(&images, &labels)
}

/// [`load`] from the default data directory (`DEEPFIELD_DATA`, else `../shared/datasets`).
pub fn load_default(dataset: Dataset, split: Split) -> Result<Digits> {
    load(&crate::data::data_dir()?, dataset, split)
}

/// An IDX image file (`u8 [N, H, W]`) and its label file (`u8 [N]`): images scaled to
/// `f32 [N, 1, H, W]` in `[0, 1]`, labels as `i64`.
pub fn load_files(images: &Path, labels: &Path) -> Result<Digits> {
    let x = read_idx(images)?;
    if x.kind() != Kind::Uint8 || x.dim() != 3 {
        return Err(Error::parse(
            images,
            0,
            format!(
                "expected an IDX image file of u8 [N, rows, cols], found {:?} {:?}",
                x.kind(),
                x.size()
            ),
        ));
    }
    let y = read_idx(labels)?;
    if y.kind() != Kind::Uint8 || y.dim() != 1 {
        return Err(Error::parse(
            labels,
            0,
            format!(
                "expected an IDX label file of u8 [N], found {:?} {:?}",
                y.kind(),
                y.size()
            ),
        ));
    }
    let (n, m) = (x.size()[0], y.size()[0]);
    if n != m {
        return Err(Error::parse(
            labels,
            0,
            format!(
                "count mismatch: {} holds {n} images, this label file {m} labels",
                images.display()
            ),
        ));
    }
    Ok(Digits {
        images: x.unsqueeze(1).to_kind(Kind::Float) / 255.0,
        labels: y.to_kind(Kind::Int64),
    })
}
