//! The run's settings ([`GraphFmConfig`], saved as `config.json`) and the per-method configs
//! they give: the papers' settings, then the dataset preset's changes ([`super::presets`]), then
//! the user's `overrides`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::presets;
use crate::eval::probe::ProbeConfig;
use crate::ssl::{self, SslConfig};
use crate::supervised::SupervisedConfig;
use crate::train::BatchMode;
use crate::{GraphError, Result};

/// The supervised reference methods.
pub const SUPERVISED: [&str; 2] = ["gcn", "gat"];

/// Everything a run needs; saved as `config.json`. Fields left out of a `--config` file take
/// these defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GraphFmConfig {
    /// `gcn`, `gat` (supervised) and any of [`ssl::METHODS`].
    pub methods: Vec<String>,
    pub seeds: usize,
    pub seed: u64,
    /// The dataset's published settings applied on top of the papers' Cora defaults
    /// ([`presets::PRESETS`]: `cora`, `citeseer`, `pubmed`); `None`: the Cora defaults as they are.
    pub preset: Option<String>,
    /// Scale every feature row to sum 1.
    pub normalize_features: bool,
    /// Use the split given with the data (else seeded random splits of the same sizes).
    pub given_split: bool,
    /// Override every method's epochs (None: the papers' values).
    pub ssl_epochs: Option<usize>,
    pub supervised_epochs: usize,
    pub link_prediction: bool,
    /// Link prediction (which retrains every encoder without the held-out edges) on the first
    /// this many seeds only (None: every seed).
    pub link_seeds: Option<usize>,
    pub edge_val: f64,
    pub edge_test: f64,
    /// The mini-batch mode compared with full-batch training (on the first seed).
    pub mini_batch: Option<BatchMode>,
    /// Cap on the self-supervised epochs in mini-batch mode (None: as full-batch).
    pub mini_epochs: Option<usize>,
    /// Per-method changes to the papers' (and the preset's) settings, by method name: any
    /// fields of the method's config (`SslConfig` or `SupervisedConfig`), nested objects merged,
    /// and for the self-supervised methods `probe` for the linear probe's settings, e.g.
    /// `{"bgrl": {"train": {"epochs": 2000}, "probe": {"weight_decay": 0.01}}}`. Unknown
    /// settings are errors.
    pub overrides: BTreeMap<String, Value>,
}

impl Default for GraphFmConfig {
    fn default() -> Self {
        GraphFmConfig {
            methods: ["gcn", "gat", "dgi", "grace", "cca-ssg", "bgrl", "graphmae"]
                .map(String::from)
                .to_vec(),
            seeds: 5,
            seed: 0,
            preset: None,
            normalize_features: true,
            given_split: true,
            ssl_epochs: None,
            supervised_epochs: 200,
            link_prediction: true,
            // GraphMAE's 1500 epochs make every extra link-prediction seed cost ~15 CPU minutes.
            link_seeds: Some(1),
            edge_val: 0.05,
            edge_test: 0.1,
            mini_batch: Some(BatchMode::Mini {
                batch_size: 1024,
                fanouts: vec![10, 10],
            }),
            // Cora's 2708 nodes make 3 sampled batches per epoch, each nearly the whole graph.
            mini_epochs: Some(300),
            overrides: BTreeMap::new(),
        }
    }
}

/// `patch` without its `probe` group, and the `probe` group.
fn split_probe(patch: &Value) -> (Value, Option<Value>) {
    match patch {
        Value::Object(map) => {
            let mut rest = map.clone();
            let probe = rest.remove("probe");
            (Value::Object(rest), probe)
        }
        other => (other.clone(), None),
    }
}

impl GraphFmConfig {
    /// The quick variant: one seed, short runs.
    pub fn quick(seed: u64) -> Self {
        GraphFmConfig {
            seeds: 1,
            seed,
            ssl_epochs: Some(20),
            supervised_epochs: 100,
            mini_epochs: Some(5),
            ..Default::default()
        }
    }

    /// Check the settings (methods, seeds, fractions, preset, and that every override names
    /// real settings).
    pub fn validate(&self) -> Result<()> {
        let known = |m: &str| SUPERVISED.contains(&m) || ssl::METHODS.contains(&m);
        if self.methods.is_empty() {
            return Err(GraphError::config("graphfm: no methods to run"));
        }
        for m in self.methods.iter().chain(self.overrides.keys()) {
            if !known(m) {
                return Err(GraphError::config(format!(
                    "graphfm: unknown method `{m}` (gcn, gat, {})",
                    ssl::METHODS.join(", ")
                )));
            }
        }
        if self.seeds == 0 || self.link_seeds == Some(0) {
            return Err(GraphError::config(
                "graphfm: seeds and link_seeds must be at least 1",
            ));
        }
        if self.supervised_epochs == 0 || self.ssl_epochs == Some(0) || self.mini_epochs == Some(0)
        {
            return Err(GraphError::config("graphfm: epochs must be at least 1"));
        }
        let fractions = [self.edge_val, self.edge_test];
        if fractions.iter().any(|f| !(0.0..1.0).contains(f))
            || self.edge_val + self.edge_test >= 1.0
        {
            return Err(GraphError::config(format!(
                "graphfm: edge_val {} and edge_test {} must be fractions in [0, 1) summing below 1",
                self.edge_val, self.edge_test
            )));
        }
        if let Some(p) = &self.preset {
            presets::overrides(p)?;
        }
        // Every override must apply (a tiny graph's sizes stand in for the real ones).
        for m in self.overrides.keys() {
            if SUPERVISED.contains(&m.as_str()) {
                self.supervised_config(m, 8, 2)?;
            } else {
                self.ssl_config(m, 8)?;
                self.probe_config(m, 8)?;
            }
        }
        Ok(())
    }

    /// The preset's and the user's changes for `method`, in the order they apply.
    fn patches(&self, method: &str) -> Result<Vec<(String, Value)>> {
        let mut out = Vec::new();
        if let Some(p) = &self.preset {
            if let Some(v) = presets::overrides(p)?.remove(method) {
                out.push((format!("preset `{p}`"), v));
            }
        }
        if let Some(v) = self.overrides.get(method) {
            out.push(("overrides".to_string(), v.clone()));
        }
        Ok(out)
    }

    /// `base` with `patches` applied in turn.
    fn patched<T: Serialize + serde::de::DeserializeOwned>(
        method: &str,
        mut base: T,
        patches: &[(String, Value)],
    ) -> Result<T> {
        for (what, patch) in patches {
            base = deepfield_core::overrides::apply(&base, patch)
                .map_err(|e| GraphError::config(format!("graphfm: {method} ({what}): {e}")))?;
        }
        Ok(base)
    }

    /// The settings of a self-supervised `method` on `input` features.
    pub fn ssl_config(&self, method: &str, input: i64) -> Result<SslConfig> {
        let patches: Vec<(String, Value)> = self
            .patches(method)?
            .into_iter()
            .map(|(w, p)| (w, split_probe(&p).0))
            .collect();
        let mut c = Self::patched(method, SslConfig::paper(method, input)?, &patches)?;
        if c.name() != method {
            return Err(GraphError::config(format!(
                "graphfm: the overrides of `{method}` may not change its method"
            )));
        }
        if let Some(e) = self.ssl_epochs {
            c.train_mut().epochs = e.min(c.train().epochs);
        }
        Ok(c)
    }

    /// The linear probe's settings for a self-supervised `method`: its paper's, then the
    /// preset's and the user's `probe` changes.
    pub fn probe_config(&self, method: &str, input: i64) -> Result<ProbeConfig> {
        let base = SslConfig::paper(method, input)?.probe();
        let patches: Vec<(String, Value)> = self
            .patches(method)?
            .into_iter()
            .filter_map(|(w, p)| split_probe(&p).1.map(|p| (w, p)))
            .collect();
        Self::patched(&format!("{method} probe"), base, &patches)
    }

    /// The settings of a supervised `method` (`gcn`, `gat`).
    pub fn supervised_config(
        &self,
        method: &str,
        input: i64,
        classes: i64,
    ) -> Result<SupervisedConfig> {
        let mut c = if method == "gat" {
            SupervisedConfig::gat(input, classes)
        } else {
            SupervisedConfig::gcn(input, classes)
        };
        c.epochs = self.supervised_epochs;
        let patches = self.patches(method)?;
        if patches.iter().any(|(_, p)| split_probe(p).1.is_some()) {
            return Err(GraphError::config(format!(
                "graphfm: `{method}` is trained with labels and has no linear probe (`probe`)"
            )));
        }
        Self::patched(method, c, &patches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layers::{Act, GatInit};
    use serde_json::json;

    #[test]
    fn overrides_change_the_named_settings_and_nothing_else() {
        let mut cfg = GraphFmConfig::default();
        cfg.overrides.insert(
            "graphmae".into(),
            json!({"encoder": {"gat_init": "dgl", "activation": "prelu_shared"},
                   "decoder_init": "dgl", "train": {"epochs": 300},
                   "probe": {"weight_decay": 0.5}}),
        );
        cfg.overrides.insert("gat".into(), json!({"epochs": 50}));
        let SslConfig::Graphmae(g) = cfg.ssl_config("graphmae", 1433).unwrap() else {
            panic!("not graphmae")
        };
        let paper = crate::ssl::graphmae::GraphMaeConfig::paper(1433);
        assert_eq!(g.train.epochs, 300);
        assert_eq!(g.encoder.gat_init, GatInit::Dgl);
        assert_eq!(g.encoder.activation, Act::PreluShared);
        assert_eq!(g.decoder_init, GatInit::Dgl);
        assert_eq!((g.mask_rate, g.train.lr), (paper.mask_rate, paper.train.lr));
        // The probe's settings are overridden like the rest.
        let probe = cfg.probe_config("graphmae", 1433).unwrap();
        assert_eq!(probe.weight_decay, 0.5);
        assert_eq!(probe.epochs, 300);
        assert_eq!(
            cfg.probe_config("dgi", 1433).unwrap(),
            SslConfig::paper("dgi", 1).unwrap().probe()
        );
        assert_eq!(cfg.supervised_config("gat", 1433, 7).unwrap().epochs, 50);
        assert_eq!(
            cfg.ssl_config("bgrl", 1433).unwrap(),
            SslConfig::paper("bgrl", 1433).unwrap()
        );
        // A short run's epoch cap still applies on top.
        cfg.ssl_epochs = Some(20);
        assert_eq!(cfg.ssl_config("graphmae", 1433).unwrap().train().epochs, 20);
        cfg.validate().unwrap();

        // Misspelt settings, a changed method and a probe for a supervised method are errors.
        cfg.overrides
            .insert("dgi".into(), json!({"train": {"epoch": 5}}));
        let e = cfg.ssl_config("dgi", 1433).unwrap_err().to_string();
        assert!(e.contains("dgi") && e.contains("train.epoch"), "{e}");
        assert!(cfg.validate().is_err());
        cfg.overrides
            .insert("dgi".into(), json!({"probe": {"epoch": 5}}));
        let e = cfg.validate().unwrap_err().to_string();
        assert!(e.contains("dgi probe") && e.contains("epoch"), "{e}");
        cfg.overrides
            .insert("dgi".into(), json!({"method": "grace"}));
        assert!(cfg.ssl_config("dgi", 1433).is_err());
        cfg.overrides.remove("dgi");
        cfg.overrides
            .insert("gcn".into(), json!({"probe": {"epochs": 5}}));
        let e = cfg.validate().unwrap_err().to_string();
        assert!(e.contains("no linear probe"), "{e}");
    }
}
