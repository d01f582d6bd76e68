//! `deepfield-graph`: list / run the reproductions, run the GraphFM pipeline on your own graph,
//! predict node classes with a trained model, and the GCN benchmark against PyTorch Geometric.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;

use clap::{Args, Subcommand};
use deepfield_core::repro::cli::{App, BenchArgs, Common, EvalArgs};
use deepfield_core::repro::typed::summary_table;
use deepfield_core::repro::Experiment;
use deepfield_graph::io::GraphSource;
use deepfield_graph::potential;
use deepfield_graph::repro::graphfm::{self, presets, GraphFmConfig};
use deepfield_graph::{GraphError, Result};

deepfield_core::domain_cli! {
    name: "deepfield-graph",
    about: "deepfield graph: GNN layers, self-supervised GNNs (GraphFM) on Cora or your graph",
    commands: Command,
    run: run,
}

/// A graph given on the command line: a Planetoid-layout folder, or a node file plus an edge list.
#[derive(Args, Debug, Clone)]
struct GraphArgs {
    /// Folder in the Planetoid text layout (nodes.tsv, features.txt, edges.txt).
    #[arg(long, conflicts_with_all = ["nodes", "edges"])]
    graph: Option<PathBuf>,
    /// Node CSV/TSV: id column, optional label and split columns, numeric feature columns.
    #[arg(long, requires = "edges")]
    nodes: Option<PathBuf>,
    /// Edge list (CSV/TSV/whitespace), first two columns node ids.
    #[arg(long, requires = "nodes")]
    edges: Option<PathBuf>,
}

impl GraphArgs {
    fn source(&self) -> Result<GraphSource> {
        match (&self.graph, &self.nodes, &self.edges) {
            (Some(g), _, _) => Ok(GraphSource::Planetoid(g.clone())),
            (None, Some(n), Some(e)) => Ok(GraphSource::CsvPair {
                nodes: n.clone(),
                edges: e.clone(),
            }),
            _ => Err(GraphError::config(
                "give --graph DIR or --nodes FILE --edges FILE",
            )),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    #[command(flatten)]
    Common(Common),
    /// Run the GraphFM benchmark pipeline on another graph.
    ///
    /// The results folder (--out) is written as one unit when the run succeeds; finished runs
    /// wait in `.<name>.progress/` beside it, which --resume continues from (same settings and
    /// data only) and which is removed once the results are in place.
    Run {
        #[command(flatten)]
        graph: GraphArgs,
        /// Output folder.
        #[arg(long)]
        out: PathBuf,
        /// Comma-separated methods (gcn, gat, dgi, grace, cca-ssg, bgrl, graphmae).
        #[arg(long)]
        methods: Option<String>,
        /// Short run: one seed, few epochs (a preset, like `--config`; the two do not combine).
        #[arg(long, conflicts_with = "config")]
        quick: bool,
        /// First seed [default: 0, or the config's].
        #[arg(long)]
        seed: Option<u64>,
        /// Number of seeds [default: 5, quick: 1].
        #[arg(long)]
        seeds: Option<usize>,
        /// Use seeded random splits even when the data gives one.
        #[arg(long)]
        random_split: bool,
        /// The methods' published settings for a dataset: cora, citeseer, pubmed, or none
        /// [default: from the data's folder or file name, else none].
        #[arg(long, value_name = "NAME")]
        preset: Option<String>,
        /// libtorch threads (0: default).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Start from this JSON config (any `GraphFmConfig` fields; the flags above override it).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Link prediction on the first N seeds only (it retrains every encoder).
        #[arg(long)]
        link_seeds: Option<usize>,
        /// Continue the unfinished run of the same settings and data (refused when they differ).
        #[arg(long)]
        resume: bool,
        /// Let a quick run replace a full run's results in --out.
        #[arg(long)]
        force: bool,
    },
    /// Predict node classes of a graph with a trained classifier (results/graphfm/model), and
    /// score them against labels: the graph's own (test nodes when it has a split) or --labels.
    /// With an extended XYZ file as INPUT (`.xyz`/`.extxyz`) and a potential as --model
    /// (results/gemnet-oc/model): energies and forces of every frame, written to --out as
    /// extended XYZ (or CSV when it ends in .csv), scored when the file has energies and forces.
    ///
    /// INPUT is a folder in the Planetoid text layout, or a node CSV/TSV given with --edges
    /// (or --nodes FILE --edges FILE). The graph must have the model's feature columns and
    /// classes.
    #[command(alias = "predict")]
    Eval {
        #[command(flatten)]
        eval: EvalArgs,
        /// Older form of INPUT (a Planetoid-layout folder).
        #[arg(long, hide = true, conflicts_with_all = ["nodes", "edges"])]
        graph: Option<PathBuf>,
        /// Node CSV/TSV: id column, optional label and split columns, numeric feature columns.
        #[arg(long, requires = "edges")]
        nodes: Option<PathBuf>,
        /// Edge list (CSV/TSV/whitespace), first two columns node ids; INPUT (or --nodes) is
        /// then the node file.
        #[arg(long)]
        edges: Option<PathBuf>,
    },
    /// Explain a trained node classifier's prediction for one node: attributions of every
    /// node's features (saliency, input × gradient, integrated gradients), written as
    /// `attributions.safetensors` `[N, F]`, `nodes.csv` (nodes ranked by Σ |attribution|) and
    /// `explain.json`. INPUT as for `eval`.
    ExplainNode {
        #[command(flatten)]
        eval: EvalArgs,
        /// Node CSV/TSV (with --edges), as for `eval`.
        #[arg(long, requires = "edges")]
        nodes: Option<PathBuf>,
        /// Edge list, as for `eval`.
        #[arg(long)]
        edges: Option<PathBuf>,
        /// The id of the node to explain.
        #[arg(long)]
        node: String,
        /// Output index [default: the predicted class].
        #[arg(long)]
        class: Option<i64>,
        #[arg(long, value_enum, default_value = "integrated-gradients")]
        method: deepfield_graph::explain::NodeMethod,
        /// Integration steps.
        #[arg(long, default_value_t = 50)]
        steps: usize,
    },
    /// Per-epoch time of a 2-layer GCN on Cora, ours vs PyTorch Geometric, with the ratio.
    Bench {
        #[command(flatten)]
        bench: BenchArgs,
        /// Data directory [default: DEEPFIELD_DATA or ../shared/datasets].
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value_t = 200)]
        epochs: usize,
    },
}

fn app() -> Result<App> {
    Ok(App {
        repros: deepfield_graph::repro::all(),
        models: deepfield_graph::models()?,
    })
}

/// The graph an `eval` names: INPUT (or --graph) as a Planetoid folder, or a node file (INPUT or
/// --nodes) with --edges.
fn eval_source(
    eval: &EvalArgs,
    graph: &Option<PathBuf>,
    nodes: &Option<PathBuf>,
    edges: &Option<PathBuf>,
) -> Result<GraphSource> {
    match edges {
        Some(e) => Ok(GraphSource::CsvPair {
            nodes: eval.input_or(&[("nodes", nodes)])?,
            edges: e.clone(),
        }),
        None => Ok(GraphSource::Planetoid(eval.input_or(&[("graph", graph)])?)),
    }
}

/// The data's name as the presets read it (folder name, or the node file's stem).
fn data_name(source: &GraphSource) -> String {
    let p = match source {
        GraphSource::Planetoid(dir) => dir.as_path(),
        GraphSource::CsvPair { nodes, .. } => nodes.as_path(),
    };
    let p = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let name = match source {
        GraphSource::Planetoid(_) => p.file_name(),
        GraphSource::CsvPair { .. } => p.file_stem(),
    };
    name.map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `predict --model DIR FILE.xyz [--out FILE]`: energies and forces of every frame by a saved
/// potential (`graph.schnet`, `graph.gemnet`), scored when the file has DFT labels.
fn predict_molecules(eval: &EvalArgs, xyz: &std::path::Path) -> Result<()> {
    let s = potential::predict::predict_file(&eval.model, xyz, eval.out.as_deref())?;
    println!("{} frames predicted by a `{}` model", s.frames, s.kind);
    for (i, e) in s.energies.iter().enumerate().take(10) {
        println!("frame {}: energy {e:.6} eV", i + 1);
    }
    if s.frames > 10 {
        println!("… {} more frames", s.frames - 10);
    }
    if let Some(e) = &s.errors {
        println!(
            "against the file's energies and forces: energy MAE {:.2} meV, force MAE {:.2} meV/Å",
            e.energy_mae_mev, e.force_mae_mev_per_a
        );
    }
    if let Some(out) = &eval.out {
        println!("energies and forces written to {}", out.display());
    }
    Ok(())
}

fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Common(c) => Ok(c.run(&app()?)?),
        Command::Run {
            graph,
            out,
            methods,
            quick,
            seed,
            seeds,
            random_split,
            preset,
            threads,
            config,
            link_seeds,
            resume,
            force,
        } => {
            deepfield_core::device::set_threads(threads);
            let source = graph.source()?;
            let mut cfg = if let Some(path) = &config {
                deepfield_core::fsutil::read_json::<GraphFmConfig>(path).map_err(|e| {
                    GraphError::config(format!(
                        "--config {}: not a graphfm config: {e}",
                        path.display()
                    ))
                })?
            } else if quick {
                GraphFmConfig::quick(0)
            } else {
                GraphFmConfig::default()
            };
            if let Some(s) = seed {
                cfg.seed = s;
            }
            if let Some(m) = methods {
                cfg.methods = m
                    .split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect();
            }
            if random_split {
                cfg.given_split = false;
            }
            if let Some(n) = seeds {
                cfg.seeds = n.max(1);
            }
            if link_seeds.is_some() {
                cfg.link_seeds = link_seeds;
            }
            match preset.as_deref() {
                Some("none") => cfg.preset = None,
                Some(p) => cfg.preset = Some(p.to_ascii_lowercase()),
                None if config.is_none() || cfg.preset.is_none() => {
                    cfg.preset = presets::detect(&data_name(&source)).map(String::from);
                }
                None => {}
            }
            if let Some(p) = &cfg.preset {
                eprintln!("graphfm: settings preset `{p}` (--preset none for the Cora defaults)");
            }
            let opts = graphfm::RunOptions {
                out: out.clone(),
                resume,
                quick,
                force,
                threads,
            };
            let m = graphfm::run_on(&source, &cfg, &opts)?;
            let exp = graphfm::GraphFm::default();
            print!("{}", summary_table(&exp.summary(&m), 20));
            println!(
                "results written to {} (all numbers: metrics.json, metrics.csv)",
                out.display()
            );
            Ok(())
        }
        Command::ExplainNode {
            eval,
            nodes,
            edges,
            node,
            class,
            method,
            steps,
        } => {
            eval.apply_threads();
            let source = eval_source(&eval, &None, &nodes, &edges)?;
            let out = eval.out.clone().ok_or_else(|| {
                deepfield_graph::GraphError::invalid("explain-node needs --out DIR")
            })?;
            let e = deepfield_graph::explain::explain_node(
                &deepfield_graph::models()?,
                &eval.model,
                &source,
                &deepfield_graph::explain::NodeRequest {
                    node,
                    class,
                    method,
                    steps,
                },
                &out,
            )?;
            println!(
                "node {} explained for class {}{}; {} nodes carry attribution; written to {}",
                e.node,
                e.class,
                e.delta
                    .map(|d| format!(" (completeness delta {d:.2e})"))
                    .unwrap_or_default(),
                e.ranking.len(),
                out.display()
            );
            Ok(())
        }
        Command::Eval {
            eval,
            graph,
            nodes,
            edges,
        } => {
            eval.apply_threads();
            if let Some(xyz) = eval
                .input
                .as_deref()
                .filter(|p| potential::predict::is_xyz(p))
            {
                return predict_molecules(&eval, xyz);
            }
            let source = eval_source(&eval, &graph, &nodes, &edges)?;
            let p = deepfield_graph::predict::evaluate(
                &eval.model,
                &source,
                eval.labels.as_deref(),
                eval.out.as_deref(),
            )?;
            println!("{} nodes predicted", p.ids.len());
            if let Some(r) = &p.report {
                let f = deepfield_core::metrics::show;
                println!(
                    "accuracy {}, macro F1 {}, balanced accuracy {} on {} labelled nodes",
                    f(r.accuracy),
                    f(r.f1_macro),
                    f(r.balanced_accuracy),
                    p.scored_nodes
                );
            }
            eval.print_written();
            Ok(())
        }
        Command::Bench {
            bench: BenchArgs { threads, python },
            data,
            epochs,
        } => deepfield_graph::bench::run(threads, python, data, epochs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn eval_takes_a_graph_and_predict_is_its_alias() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.command);
        let source = |cmd: Command| match cmd {
            Command::Eval {
                eval,
                graph,
                nodes,
                edges,
            } => eval_source(&eval, &graph, &nodes, &edges).map(|s| (s, eval)),
            _ => panic!("not eval"),
        };
        let (s, e) = source(
            parse(&[
                "g",
                "eval",
                "--model",
                "m",
                "cora",
                "--labels",
                "l.csv",
                "--threads",
                "2",
            ])
            .unwrap(),
        )
        .unwrap();
        assert_eq!(s, GraphSource::Planetoid("cora".into()));
        assert_eq!((e.labels, e.threads), (Some("l.csv".into()), 2));
        // The older command and flags still work.
        let (s, _) =
            source(parse(&["g", "predict", "--model", "m", "--graph", "cora"]).unwrap()).unwrap();
        assert_eq!(s, GraphSource::Planetoid("cora".into()));
        let (s, e) = source(
            parse(&[
                "g", "predict", "--model", "m", "--nodes", "n.csv", "--edges", "e.csv", "--out",
                "p.csv",
            ])
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            s,
            GraphSource::CsvPair {
                nodes: "n.csv".into(),
                edges: "e.csv".into()
            }
        );
        assert_eq!(e.out, Some("p.csv".into()));
        let (s, _) =
            source(parse(&["g", "eval", "--model", "m", "n.csv", "--edges", "e.csv"]).unwrap())
                .unwrap();
        assert!(matches!(s, GraphSource::CsvPair { .. }));
        // No input, or two, is a clear error.
        let e = source(parse(&["g", "eval", "--model", "m"]).unwrap()).unwrap_err();
        assert!(e.to_string().contains("no input"), "{e}");
        let e = source(parse(&["g", "eval", "--model", "m", "a", "--graph", "b"]).unwrap())
            .unwrap_err();
        assert!(e.to_string().contains("more than one input"), "{e}");
    }
}
