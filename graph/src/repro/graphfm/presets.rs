//! Per-dataset settings: what the methods' papers (and their official code) use on CiteSeer and
//! PubMed where they differ from Cora. The methods' built-in configs are their Cora settings, so
//! the `cora` preset changes nothing. A preset is a set of per-method overrides (the same form
//! as [`super::GraphFmConfig::overrides`], which apply after it), chosen by the data folder's
//! name or `--preset NAME`, and recorded in `config.json` and the report.
//!
//! Sources (hyper-parameters only):
//! - GraphMAE (Hou et al. 2022), `configs.yml` of the official code (THUDM/GraphMAE): CiteSeer
//!   2 heads, weight decay 2e-5, 300 epochs, replace rate 0.1, α 1, probe weight decay 0.01;
//!   PubMed 1024 hidden, weight decay 1e-5, 1000 epochs, mask rate 0.75, replace rate 0.
//! - GRACE (Zhu et al. 2020), `config.yaml` of the official code (CRIPAC-DIG/GRACE): CiteSeer
//!   256 hidden (layers 512-256), shared PReLU, lr 1e-3, τ 0.9, edge drop 0.2 / 0.0, feature
//!   mask 0.3 / 0.2; PubMed 256 hidden, lr 1e-3, τ 0.7, edge drop 0.4 / 0.1, feature mask
//!   0.0 / 0.2, 1500 epochs.
//! - CCA-SSG (Zhang et al. 2021), the official README's commands (hengruizhang98/CCA-SSG):
//!   CiteSeer one layer, 20 epochs, λ 5e-4, feature drop 0.0, edge drop 0.4, probe weight decay
//!   0.01; PubMed 100 epochs, λ 1e-3, feature drop 0.3, edge drop 0.5.
//! - DGI (Veličković et al. 2019): the Cora setting on CiteSeer; 256 units on PubMed (the
//!   paper's memory-bound choice).
//! - GAT (Veličković et al. 2018): on PubMed 8 output heads (averaged), lr 0.01, weight decay
//!   0.001.
//! - GCN and BGRL: no per-dataset settings (BGRL did not report the citation graphs; its
//!   settings here are this crate's choice on every graph).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::{GraphError, Result};

/// The presets.
pub const PRESETS: [&str; 3] = ["cora", "citeseer", "pubmed"];

/// The preset a data set's name implies (`cora_planetoid` → `cora`, `CiteSeer` → `citeseer`),
/// if any.
pub fn detect(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    PRESETS.into_iter().find(|p| lower.contains(p))
}

/// The per-method overrides of `preset`.
pub fn overrides(preset: &str) -> Result<BTreeMap<String, Value>> {
    let pairs: Vec<(&str, Value)> = match preset {
        "cora" => vec![],
        "citeseer" => vec![
            (
                "graphmae",
                json!({"encoder": {"heads": [2, 2]}, "replace_rate": 0.1, "alpha": 1.0,
                       "train": {"epochs": 300, "weight_decay": 2e-5},
                       "probe": {"weight_decay": 0.01}}),
            ),
            (
                "grace",
                json!({"encoder": {"dims": [512, 256], "activation": "prelu_shared"},
                       "proj_dim": 256, "tau": 0.9, "drop_edge": [0.2, 0.0],
                       "drop_feature": [0.3, 0.2], "train": {"lr": 0.001}}),
            ),
            (
                "cca-ssg",
                json!({"encoder": {"dims": [512]}, "lambda": 5e-4, "drop_feature": 0.0,
                       "drop_edge": 0.4, "train": {"epochs": 20},
                       "probe": {"weight_decay": 0.01}}),
            ),
        ],
        "pubmed" => vec![
            (
                "graphmae",
                json!({"encoder": {"dims": [1024, 1024]}, "mask_rate": 0.75, "replace_rate": 0.0,
                       "train": {"epochs": 1000, "weight_decay": 1e-5}}),
            ),
            (
                "grace",
                json!({"encoder": {"dims": [512, 256]}, "proj_dim": 256, "tau": 0.7,
                       "drop_edge": [0.4, 0.1], "drop_feature": [0.0, 0.2],
                       "train": {"lr": 0.001, "epochs": 1500}}),
            ),
            (
                "cca-ssg",
                json!({"lambda": 1e-3, "drop_feature": 0.3, "drop_edge": 0.5,
                       "train": {"epochs": 100}}),
            ),
            ("dgi", json!({"encoder": {"dims": [256]}})),
            (
                "gat",
                json!({"encoder": {"heads": [8, 8]}, "lr": 0.01, "weight_decay": 0.001}),
            ),
        ],
        other => {
            return Err(GraphError::config(format!(
                "graphfm: unknown preset `{other}` (one of {})",
                PRESETS.join(", ")
            )))
        }
    };
    Ok(pairs.into_iter().map(|(m, v)| (m.to_string(), v)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repro::graphfm::GraphFmConfig;
    use crate::ssl::SslConfig;

    #[test]
    fn presets_apply_the_papers_settings_per_dataset() {
        assert_eq!(detect("cora_planetoid"), Some("cora"));
        assert_eq!(detect("CiteSeer"), Some("citeseer"));
        assert_eq!(detect("my_graph"), None);
        // Cora's preset is the built-in settings.
        let cora = GraphFmConfig {
            preset: Some("cora".into()),
            ..Default::default()
        };
        for m in crate::ssl::METHODS {
            assert_eq!(
                cora.ssl_config(m, 1433).unwrap(),
                SslConfig::paper(m, 1433).unwrap()
            );
        }
        let cite = GraphFmConfig {
            preset: Some("citeseer".into()),
            ..Default::default()
        };
        cite.validate().unwrap();
        let SslConfig::Graphmae(g) = cite.ssl_config("graphmae", 3703).unwrap() else {
            panic!("not graphmae")
        };
        assert_eq!(
            (g.encoder.heads.clone(), g.train.epochs, g.alpha),
            (vec![2, 2], 300, 1.0)
        );
        assert_eq!(g.train.weight_decay, 2e-5);
        assert_eq!(
            cite.probe_config("graphmae", 3703).unwrap().weight_decay,
            0.01
        );
        let SslConfig::CcaSsg(c) = cite.ssl_config("cca-ssg", 3703).unwrap() else {
            panic!("not cca-ssg")
        };
        assert_eq!((c.encoder.dims.clone(), c.train.epochs), (vec![512], 20));
        // The user's overrides apply after the preset.
        let mut mine = cite.clone();
        mine.overrides
            .insert("graphmae".into(), json!({"train": {"epochs": 7}}));
        let SslConfig::Graphmae(g) = mine.ssl_config("graphmae", 3703).unwrap() else {
            panic!("not graphmae")
        };
        assert_eq!((g.train.epochs, g.alpha), (7, 1.0));
        let pub_ = GraphFmConfig {
            preset: Some("pubmed".into()),
            ..Default::default()
        };
        pub_.validate().unwrap();
        assert_eq!(pub_.supervised_config("gat", 500, 3).unwrap().lr, 0.01);
        let bad = GraphFmConfig {
            preset: Some("reddit".into()),
            ..Default::default()
        };
        let e = bad.validate().unwrap_err().to_string();
        assert!(e.contains("unknown preset `reddit`"), "{e}");
    }
}
