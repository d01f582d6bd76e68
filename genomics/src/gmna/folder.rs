//! A trained GMNA model folder: save and load both classifiers. Nothing here depends on the
//! `gmna` reproduction, which trains the models and saves them through [`save`].
//!
//! A model folder holds two classifiers:
//! * the CNN, a registered model ([`deepfield_core::models`]) of kind `genomics.gmna_cnn`
//!   ([`GmnaCnnConfig`]): `model.safetensors` (weights, with the kind and the config in its
//!   metadata), `config.json` (`{"kind", "config"}`) and `metrics.json`.
//!   `deepfield-genomics inspect DIR` describes it and [`crate::models`] restores it;
//! * beside it, the multinomial Naive Bayes on k-mer profiles, [`NB_FILE`]
//!   (`naive_bayes.json`, a [`GmnaNaiveBayes`]: the profile settings, the class names and the
//!   fitted model). It is not a torch model — no parameters, no forward pass over tensors — so it
//!   is not in the registry, and a folder's `kind` is the CNN's.
//!
//! Folders written before the registry (`config.json` holding the run config and the labels, no
//! kind; the Naive Bayes in `naive_bayes.safetensors`) still load through [`load`].

use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::models;
use deepfield_core::nn::cnn::CnnClassifier;
use serde::{Deserialize, Serialize};
use tch::nn::VarStore;
use tch::{Device, Kind};

use super::cnn::{CnnSettings, GmnaCnnConfig};
use super::naive_bayes::MultinomialNb;
use crate::seq::ProfileConfig;
use crate::{Error, Result};

/// File name of the Naive Bayes classifier inside a model folder.
pub const NB_FILE: &str = "naive_bayes.json";

/// The Naive Bayes file of folders written before the registry (its tensors in safetensors).
pub const OLDER_NB_FILE: &str = "naive_bayes.safetensors";

/// The Naive Bayes classifier of a GMNA model folder, as saved in [`NB_FILE`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GmnaNaiveBayes {
    /// How a genome becomes the k-mer profile the model reads.
    pub profile: ProfileConfig,
    /// Class names, in the order of the model's classes.
    pub labels: Vec<String>,
    /// The fitted model.
    pub model: MultinomialNb,
}

impl GmnaNaiveBayes {
    /// Check that the parts agree: one class per label, the profile's dimension, and a
    /// `classes × dimension` table of log probabilities.
    pub fn validate(&self) -> Result<()> {
        self.profile.validate()?;
        let (c, d) = (self.model.n_classes(), self.model.dim);
        let labels = self.labels.len();
        if c != labels {
            return Err(Error::input(format!(
                "the Naive Bayes has {c} classes (class_log_prior) but {labels} labels; they \
                 must match one to one"
            )));
        }
        if d != self.profile.dim() {
            return Err(Error::input(format!(
                "the Naive Bayes was fitted on {d}-dimensional profiles but its profile settings \
                 give {}",
                self.profile.dim()
            )));
        }
        if self.model.feature_log_prob.len() != c * d {
            return Err(Error::input(format!(
                "the Naive Bayes holds {} log probabilities, not {c} classes × {d} = {}",
                self.model.feature_log_prob.len(),
                c * d
            )));
        }
        Ok(())
    }

    /// Class probabilities of one genome.
    pub fn predict_proba(&self, seq: &[u8]) -> Result<Vec<f64>> {
        self.model.predict_proba(&self.profile.sparse(seq)?)
    }
}

/// A loaded GMNA model folder: both classifiers.
pub struct GmnaModel {
    /// The CNN's config (input length, class names, network).
    pub cnn_config: GmnaCnnConfig,
    /// The CNN's parameters.
    pub vs: VarStore,
    pub cnn: CnnClassifier,
    pub naive_bayes: GmnaNaiveBayes,
}

/// Save a trained GMNA model into the folder `dir`: the CNN through
/// [`deepfield_core::models::save_model`] and the Naive Bayes as [`NB_FILE`] beside it. The
/// two must predict the same labels.
pub fn save<M: Serialize>(
    dir: &Path,
    vs: &VarStore,
    cnn_config: &GmnaCnnConfig,
    naive_bayes: &GmnaNaiveBayes,
    metrics: Option<&M>,
) -> Result<()> {
    naive_bayes.validate()?;
    if naive_bayes.labels != cnn_config.labels {
        return Err(Error::input(
            "gmna: the Naive Bayes and the CNN predict different labels",
        ));
    }
    // JSON has no infinities: a class without training genomes has log prior −∞.
    if !naive_bayes
        .model
        .class_log_prior
        .iter()
        .all(|v| v.is_finite())
    {
        return Err(Error::input(
            "gmna: every class needs training genomes before the Naive Bayes is saved",
        ));
    }
    models::save_model(dir, vs, cnn_config, metrics)?;
    // Compact JSON: the model holds classes × 4^k log probabilities.
    let path = dir.join(NB_FILE);
    let text = serde_json::to_vec(naive_bayes).map_err(|source| deepfield_core::Error::Json {
        context: format!("serializing {}", path.display()),
        source,
    })?;
    deepfield_core::fsutil::write_atomic(&path, &text)?;
    Ok(())
}

/// Load the GMNA model folder `dir` on `device`. Reads folders written by [`save`] and older
/// ones.
pub fn load(dir: &Path, device: Device) -> Result<GmnaModel> {
    let (cnn_config, vs, cnn, naive_bayes) = match crate::older::older_config::<OlderFolder>(dir)? {
        None => {
            let (c, vs, m) = models::restore_model::<GmnaCnnConfig>(dir, device)?;
            let nb: GmnaNaiveBayes = deepfield_core::fsutil::read_json(&dir.join(NB_FILE))?;
            (c, vs, m, nb)
        }
        Some(older) => {
            let (config, vs, m) = models::restore_with_config(dir, device, older.cnn_config())?;
            let nb = GmnaNaiveBayes {
                profile: older.config.profile,
                labels: older.labels,
                model: load_older_nb(&dir.join(OLDER_NB_FILE))?,
            };
            (config, vs, m, nb)
        }
    };
    let nb_file = dir.join(if dir.join(NB_FILE).is_file() {
        NB_FILE
    } else {
        OLDER_NB_FILE
    });
    naive_bayes.validate().map_err(|e| {
        Error::input(format!(
            "model folder {}: {}: {e}",
            dir.display(),
            nb_file.display()
        ))
    })?;
    if naive_bayes.labels != cnn_config.labels {
        return Err(Error::input(format!(
            "model folder {}: the Naive Bayes predicts {} labels ({}) but the CNN {} ({})",
            dir.display(),
            naive_bayes.labels.len(),
            naive_bayes.labels.join(", "),
            cnn_config.labels.len(),
            cnn_config.labels.join(", ")
        )));
    }
    Ok(GmnaModel {
        cnn_config,
        vs,
        cnn,
        naive_bayes,
    })
}

/// `config.json` of a folder saved before the registry: the `gmna` run config (of which
/// prediction reads the label column, the k-mer profile and the CNN settings) and the labels.
#[derive(Deserialize)]
struct OlderFolder {
    config: OlderRun,
    labels: Vec<String>,
}

/// The fields of the run config that prediction reads (defaults: the run config's).
#[derive(Deserialize)]
#[serde(default)]
struct OlderRun {
    label_column: String,
    profile: ProfileConfig,
    cnn: CnnSettings,
}

impl Default for OlderRun {
    fn default() -> Self {
        OlderRun {
            label_column: "country".into(),
            profile: ProfileConfig::default(),
            cnn: CnnSettings::default(),
        }
    }
}

impl OlderFolder {
    fn cnn_config(&self) -> GmnaCnnConfig {
        let mut network = self.config.cnn.model.clone();
        network.output = self.labels.len() as i64;
        GmnaCnnConfig {
            length: self.config.cnn.length,
            label_column: self.config.label_column.clone(),
            labels: self.labels.clone(),
            network,
        }
    }
}

/// The Naive Bayes of an older folder: `feature_log_prob`, `class_log_prior` and `alpha` tensors.
fn load_older_nb(path: &Path) -> Result<MultinomialNb> {
    let tensors = checkpoint::read_tensors(path)?;
    let get = |name: &str| {
        tensors
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.shallow_clone())
            .ok_or_else(|| Error::input(format!("{}: no tensor `{name}`", path.display())))
    };
    let flp = get("feature_log_prob")?;
    let size = flp.size();
    if size.len() != 2 {
        return Err(Error::input(format!(
            "{}: feature_log_prob must be 2-D",
            path.display()
        )));
    }
    Ok(MultinomialNb {
        alpha: f64::try_from(get("alpha")?.get(0))?,
        dim: size[1] as usize,
        class_log_prior: Vec::<f64>::try_from(get("class_log_prior")?.to_kind(Kind::Double))?,
        feature_log_prob: Vec::<f32>::try_from(flp.to_kind(Kind::Float).flatten(0, -1))?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gmna::cnn;
    use crate::gmna::predict::evaluate_fasta;
    use crate::seq::{Record, SparseProfile};
    use deepfield_core::models::ModelConfig as _;
    use deepfield_core::nn::cnn::{
        CnnClassifierConfig, ConvBlockConfig, ConvStackConfig, GlobalPool, PoolConfig,
    };
    use deepfield_core::Forward;
    use deepfield_core::Rng;
    use tch::Tensor;

    const LABELS: [&str; 3] = ["Asia", "Europe", "North America"];

    fn cnn_config() -> GmnaCnnConfig {
        GmnaCnnConfig {
            length: 300,
            label_column: "region".into(),
            labels: LABELS.map(String::from).to_vec(),
            network: CnnClassifierConfig {
                stack: ConvStackConfig {
                    dims: 1,
                    input: 4,
                    blocks: vec![ConvBlockConfig::new(4, 5).with_pool(PoolConfig::max(4))],
                },
                global_pool: GlobalPool::Max,
                head_hidden: vec![6],
                output: 3,
                ..Default::default()
            },
        }
    }

    fn genomes(n: usize, rng: &mut Rng) -> Vec<Record> {
        (0..n)
            .map(|i| Record {
                id: format!("g{i}"),
                description: String::new(),
                seq: (0..250 + 20 * i).map(|_| b"ACGT"[rng.below(4)]).collect(),
                qual: None,
            })
            .collect()
    }

    fn naive_bayes(records: &[Record]) -> GmnaNaiveBayes {
        let profile = ProfileConfig {
            k: 3,
            ..Default::default()
        };
        let ps: Vec<SparseProfile> = records
            .iter()
            .map(|r| profile.sparse(&r.seq).unwrap())
            .collect();
        let refs: Vec<&SparseProfile> = ps.iter().collect();
        let y: Vec<usize> = (0..records.len()).map(|i| i % 3).collect();
        GmnaNaiveBayes {
            profile,
            labels: LABELS.map(String::from).to_vec(),
            model: MultinomialNb::fit(&refs, &y, 3, 0.5).unwrap(),
        }
    }

    fn write_fasta(path: &Path, records: &[Record]) {
        let text: String = records
            .iter()
            .map(|r| format!(">{}\n{}\n", r.id, String::from_utf8_lossy(&r.seq)))
            .collect();
        std::fs::write(path, text).unwrap();
    }

    fn predictions(model: &Path, fasta: &Path, out: &Path) -> String {
        let e = evaluate_fasta(model, fasta, None, Some(out)).unwrap();
        assert_eq!(e.genomes, 6);
        std::fs::read_to_string(out).unwrap()
    }

    #[test]
    fn saved_model_restores_through_the_registry_and_predicts_alike() {
        tch::manual_seed(0);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("model");
        let mut rng = Rng::new(5);
        let records = genomes(6, &mut rng);
        let config = cnn_config();
        let nb = naive_bayes(&records);
        let vs = VarStore::new(device);
        let model = config.build(&vs.root()).unwrap();
        save(
            &dir,
            &vs,
            &config,
            &nb,
            Some(&serde_json::json!({"accuracy": 0.5})),
        )
        .unwrap();
        assert!(dir.join(NB_FILE).is_file());

        let refs: Vec<&Record> = records.iter().collect();
        let x = cnn::one_hot_tensor(&refs, config.length).to_device(device);
        let want = model.forward_t(&x, None, false);
        let restored = crate::models().unwrap().restore(&dir, device).unwrap();
        assert_eq!(restored.kind, "genomics.gmna_cnn");
        assert!(restored.model.forward_t(&x, None, false).equal(&want));

        let m = load(&dir, device).unwrap();
        assert_eq!(m.cnn_config, config);
        assert_eq!(m.naive_bayes, nb);
        assert!(m.cnn.forward_t(&x, None, false).equal(&want));

        // Labels that disagree between the two classifiers are refused.
        let mut other = nb.clone();
        other.labels.swap(0, 1);
        assert!(save(&dir, &vs, &config, &other, None::<&()>).is_err());
    }

    #[test]
    fn folders_saved_before_the_registry_still_predict() {
        tch::manual_seed(1);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let mut rng = Rng::new(6);
        let records = genomes(6, &mut rng);
        let fasta = tmp.path().join("g.fa");
        write_fasta(&fasta, &records);
        let config = cnn_config();
        let nb = naive_bayes(&records);
        let vs = VarStore::new(device);
        let _model = config.build(&vs.root()).unwrap();

        let new = tmp.path().join("new");
        save(&new, &vs, &config, &nb, None::<&()>).unwrap();

        // The layout `gmna` wrote before: the run config (the network's `output` left at its
        // default) and the labels in config.json, weights without metadata, the Naive Bayes as
        // tensors.
        let old = tmp.path().join("old");
        let mut settings = CnnSettings {
            length: config.length,
            model: config.network.clone(),
            ..Default::default()
        };
        settings.model.output = 2;
        let older = serde_json::json!({
            "config": {
                "id_column": "strain",
                "label_column": "region",
                "min_class_size": 5,
                "folds": 5,
                "profile": nb.profile,
                "nb_alpha": 0.5,
                "cnn": settings,
                "seed": 0
            },
            "labels": LABELS,
        });
        checkpoint::save::<_, ()>(&old, &vs, &older, None).unwrap();
        let m = &nb.model;
        let flp = Tensor::from_slice(&m.feature_log_prob).view([3, m.dim as i64]);
        checkpoint::write_tensors(
            &old.join(OLDER_NB_FILE),
            &[
                ("feature_log_prob", &flp),
                ("class_log_prior", &Tensor::from_slice(&m.class_log_prior)),
                ("alpha", &Tensor::from_slice(&[m.alpha])),
            ],
        )
        .unwrap();

        let loaded = load(&old, device).unwrap();
        assert_eq!(loaded.cnn_config, config);
        assert_eq!(loaded.naive_bayes, nb);
        assert_eq!(
            predictions(&old, &fasta, &tmp.path().join("old.csv")),
            predictions(&new, &fasta, &tmp.path().join("new.csv"))
        );
    }

    /// Issue 5: a Naive Bayes file with more classes than labels is refused with the model
    /// folder and both counts named (no panic, no predictions written).
    #[test]
    fn a_naive_bayes_with_more_classes_than_labels_is_refused() {
        tch::manual_seed(3);
        let device = deepfield_core::device();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("my model");
        let mut rng = Rng::new(7);
        let records = genomes(6, &mut rng);
        let fasta = tmp.path().join("g.fa");
        write_fasta(&fasta, &records);
        let config = cnn_config();
        let vs = VarStore::new(device);
        let _model = config.build(&vs.root()).unwrap();
        save(&dir, &vs, &config, &naive_bayes(&records), None::<&()>).unwrap();

        // A fourth class in the model, the labels left at three.
        let path = dir.join(NB_FILE);
        let mut nb: GmnaNaiveBayes =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        nb.model.class_log_prior.push((0.25f64).ln());
        let row = nb.model.feature_log_prob[..nb.model.dim].to_vec();
        nb.model.feature_log_prob.extend(row);
        std::fs::write(&path, serde_json::to_string(&nb).unwrap()).unwrap();

        let e = load(&dir, device).err().unwrap().to_string();
        assert!(
            e.contains("my model") && e.contains("4 classes") && e.contains("3 labels"),
            "{e}"
        );
        let out = tmp.path().join("p.csv");
        let e = evaluate_fasta(&dir, &fasta, None, Some(&out))
            .unwrap_err()
            .to_string();
        assert!(e.contains("4 classes") && e.contains("3 labels"), "{e}");
        assert!(!out.exists());
    }
}
