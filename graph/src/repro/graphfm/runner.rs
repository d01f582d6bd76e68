//! The benchmark loop: for every seed, every method, full-batch (and on the first seed
//! mini-batch) training, the downstream evaluations, and the trained models saved.

use std::path::Path;

use deepfield_core::tch::{Device, Tensor};
use deepfield_core::train::History;

use super::metrics::RunRecord;
use super::progress::StoredRun;
use super::GraphFmConfig;
use crate::classifier::NodeClassifierConfig;
use crate::eval::{cluster, linkpred, probe};
use crate::split::{edge_split, same_size_split, EdgeSplit, NodeSplit};
use crate::ssl::{self, SslConfig};
use crate::supervised;
use crate::train::{BatchMode, Prepared};
use crate::{Graph, Result};

/// The embeddings drawn in the PCA plot: the first seed's, of the method whose probe scored best.
pub struct BestEmbedding {
    pub accuracy: f64,
    pub method: String,
    pub embeddings: Tensor,
}

/// What one seed shares across methods.
struct SeedData<'a> {
    seed: u64,
    split: &'a NodeSplit,
    link: Option<&'a (EdgeSplit, Prepared)>,
}

/// Run every (seed, method, mode) of `cfg` not in `done` on `data` (`graph` prepared), saving
/// the models into `work` and calling `save` with every finished run after each one.
pub fn run_all(
    cfg: &GraphFmConfig,
    data: &Prepared,
    work: &Path,
    mut runs: Vec<StoredRun>,
    mut save: impl FnMut(&[StoredRun]) -> Result<()>,
) -> Result<(Vec<StoredRun>, Option<BestEmbedding>)> {
    let graph = &data.graph;
    let device = data.device;
    let (nf, nc) = (graph.n_features() as i64, graph.n_classes() as i64);
    let mut best: Option<BestEmbedding> = None;
    let total =
        cfg.seeds * cfg.methods.len() + cfg.mini_batch.as_ref().map_or(0, |_| cfg.methods.len());
    for s in 0..cfg.seeds {
        let seed = cfg.seed + s as u64;
        let split = match (&graph.split, cfg.given_split) {
            (Some(sp), true) => sp.clone(),
            (given, _) => same_size_split(&graph.labels, nc as usize, given.as_ref(), seed)?,
        };
        let link = if cfg.link_prediction && s < cfg.link_seeds.unwrap_or(cfg.seeds) {
            let es = edge_split(
                graph.n_nodes(),
                &graph.edges,
                cfg.edge_val,
                cfg.edge_test,
                seed,
            )?;
            let lp_data = Prepared::new(graph.with_edges(es.train.clone())?, device)?;
            Some((es, lp_data))
        } else {
            None
        };
        let sd = SeedData {
            seed,
            split: &split,
            link: link.as_ref(),
        };
        for method in &cfg.methods {
            let mut modes = vec![BatchMode::Full];
            if s == 0 {
                modes.extend(cfg.mini_batch.clone());
            }
            for mode in modes {
                let done = runs.iter().any(|r| {
                    r.record.method == *method
                        && r.record.seed == seed
                        && r.record.mode == mode.label()
                });
                let label = format!("{method} {} seed {seed}", mode.label());
                if done {
                    eprintln!("graphfm: {label}: finished before");
                    continue;
                }
                eprintln!("graphfm: [{}/{total}] {label}", runs.len() + 1);
                let run = if method == "gcn" || method == "gat" {
                    supervised_run(cfg, method, data, &sd, &mode, nf, nc, work, &label)?
                } else {
                    ssl_run(cfg, method, data, &sd, &mode, work, &mut best, &label)?
                };
                eprintln!(
                    "graphfm: {label}: accuracy {:.4} in {:.1} s",
                    run.record.accuracy, run.record.stats.seconds
                );
                runs.push(run);
                save(&runs)?;
            }
        }
    }
    if best.is_none() {
        best = saved_best_embedding(cfg, &runs, data, work)?;
    }
    Ok((runs, best))
}

fn history_name(method: &str, mode: &BatchMode, seed: u64, part: &str) -> String {
    format!("{method}/{}/seed {seed}{part}", mode.label())
}

#[allow(clippy::too_many_arguments)]
fn supervised_run(
    cfg: &GraphFmConfig,
    method: &str,
    data: &Prepared,
    sd: &SeedData<'_>,
    mode: &BatchMode,
    nf: i64,
    nc: i64,
    work: &Path,
    label: &str,
) -> Result<StoredRun> {
    let mut sc = cfg.supervised_config(method, nf, nc)?;
    sc.seed = sd.seed;
    sc.mode = mode.clone();
    let r = supervised::train_logged(data, sd.split, &sc, Some(label))?;
    if method == "gcn" && sd.seed == cfg.seed && *mode == BatchMode::Full {
        let saved = NodeClassifierConfig {
            encoder: sc.encoder.clone(),
            features: data.graph.n_features(),
            normalize_features: cfg.normalize_features,
            class_names: data.graph.class_names.clone(),
        };
        deepfield_core::models::save_model(
            &deepfield_core::repro::model_dir(work),
            &r.vs,
            &saved,
            Some(&serde_json::json!({"test_accuracy": r.test_acc})),
        )?;
    }
    Ok(StoredRun {
        record: RunRecord {
            method: method.into(),
            seed: sd.seed,
            mode: mode.label().into(),
            accuracy: r.test_acc,
            nmi: None,
            ari: None,
            link_auc: None,
            link_ap: None,
            stats: r.stats,
        },
        histories: vec![(history_name(method, mode, sd.seed, ""), r.history)],
    })
}

#[allow(clippy::too_many_arguments)]
fn ssl_run(
    cfg: &GraphFmConfig,
    method: &str,
    data: &Prepared,
    sd: &SeedData<'_>,
    mode: &BatchMode,
    work: &Path,
    best: &mut Option<BestEmbedding>,
    label: &str,
) -> Result<StoredRun> {
    let graph: &Graph = &data.graph;
    let (seed, k) = (sd.seed, graph.n_classes());
    let input = graph.n_features() as i64;
    let mut sc = cfg.ssl_config(method, input)?;
    if let (BatchMode::Mini { .. }, Some(e)) = (mode, cfg.mini_epochs) {
        sc.train_mut().epochs = e.min(sc.train().epochs);
    }
    let r = ssl::train_logged(data, &sc, mode, seed, Some(label))?;
    let emb = r.embed(data);
    let p = probe::linear_probe(
        &emb,
        &graph.labels,
        k,
        sd.split,
        &cfg.probe_config(method, input)?,
        seed,
    )?;
    let mut histories: Vec<(String, History)> = vec![
        (history_name(method, mode, seed, ""), r.history.clone()),
        (
            history_name(method, mode, seed, "/probe"),
            p.history.clone(),
        ),
    ];
    let full = *mode == BatchMode::Full;
    let (mut nmi, mut ari, mut auc, mut ap) = (None, None, None, None);
    if full {
        let c = cluster::evaluate(&emb, &graph.labels, k, seed)?;
        nmi = Some(c.nmi);
        ari = Some(c.ari);
        if let Some((es, lp_data)) = sd.link {
            let lr =
                ssl::train_logged(lp_data, &sc, mode, seed, Some(&format!("{label} (links)")))?;
            let s = linkpred::evaluate(&lr.embed(lp_data), &es.test_pos, &es.test_neg)?;
            auc = Some(s.auc);
            ap = Some(s.ap);
            histories.push((
                history_name(method, mode, seed, "/link-prediction"),
                lr.history,
            ));
        }
        if seed == cfg.seed {
            deepfield_core::checkpoint::save(
                &work.join("encoders").join(method),
                &r.vs,
                &sc,
                Some(&serde_json::json!({"probe_test_accuracy": p.test_acc})),
            )?;
            if best.as_ref().is_none_or(|b| p.test_acc > b.accuracy) {
                *best = Some(BestEmbedding {
                    accuracy: p.test_acc,
                    method: method.to_string(),
                    embeddings: emb.to_device(Device::Cpu),
                });
            }
        }
    }
    Ok(StoredRun {
        record: RunRecord {
            method: method.into(),
            seed,
            mode: mode.label().into(),
            accuracy: p.test_acc,
            nmi,
            ari,
            link_auc: auc,
            link_ap: ap,
            stats: r.stats,
        },
        histories,
    })
}

/// For a resumed run whose first-seed self-supervised runs all finished before: the embeddings
/// of the method with the best probe accuracy, from its saved encoder.
fn saved_best_embedding(
    cfg: &GraphFmConfig,
    runs: &[StoredRun],
    data: &Prepared,
    work: &Path,
) -> Result<Option<BestEmbedding>> {
    let best = runs
        .iter()
        .map(|r| &r.record)
        .filter(|r| r.seed == cfg.seed && r.mode == BatchMode::Full.label())
        .filter(|r| work.join("encoders").join(&r.method).is_dir())
        .max_by(|a, b| a.accuracy.total_cmp(&b.accuracy));
    let Some(r) = best else {
        return Ok(None);
    };
    let dir = work.join("encoders").join(&r.method);
    let sc: SslConfig = deepfield_core::checkpoint::load(&dir)?;
    let mut vs = deepfield_core::tch::nn::VarStore::new(data.device);
    let method = sc.build(&vs)?;
    deepfield_core::checkpoint::load_weights(
        &deepfield_core::checkpoint::weights_path(&dir),
        &mut vs,
    )?;
    let emb = deepfield_core::tch::no_grad(|| method.embed(&data.x, &data.mg));
    Ok(Some(BestEmbedding {
        accuracy: r.accuracy,
        method: r.method.clone(),
        embeddings: emb.to_device(Device::Cpu),
    }))
}
