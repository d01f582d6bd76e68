//! `deepfield-graph`: list / run the reproductions, run the GraphFM pipeline on your own graph,
//! predict node classes with a trained model, and the GCN benchmark against PyTorch Geometric.
// No panics on user input: library and binary code may not unwrap or expect (tests may).
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use deepfield_core::repro::cli::{App, Common};
use deepfield_graph::io::GraphSource;
use deepfield_graph::repro::graphfm::{self, GraphFmConfig};
use deepfield_graph::{GraphError, Result};

#[derive(Parser)]
#[command(
    name = "deepfield-graph",
    version,
    about = "deepfield graph: GNN layers, self-supervised GNNs (GraphFM) on Cora or your graph"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
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
        /// libtorch threads (0: default).
        #[arg(long, default_value_t = 0)]
        threads: usize,
        /// Start from this JSON config (any `GraphFmConfig` fields; the flags above override it).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Link prediction on the first N seeds only (it retrains every encoder).
        #[arg(long)]
        link_seeds: Option<usize>,
        /// Keep the runs an interrupted run with the same config left in --out.
        #[arg(long)]
        resume: bool,
    },
    /// Predict node classes of a graph with a trained classifier (results/graphfm/model).
    Predict {
        #[arg(long)]
        model: PathBuf,
        #[command(flatten)]
        graph: GraphArgs,
        /// Write node,predicted,probability,label to this CSV.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Per-epoch time of a 2-layer GCN on Cora, ours vs PyTorch Geometric, with the ratio.
    Bench {
        #[arg(long, default_value_t = 1)]
        threads: usize,
        /// Python with torch and torch_geometric [default: DEEPFIELD_PYTHON or the workspace venv].
        #[arg(long)]
        python: Option<PathBuf>,
        /// Data directory [default: DEEPFIELD_DATA or ../shared/datasets].
        #[arg(long)]
        data: Option<PathBuf>,
        #[arg(long, default_value_t = 200)]
        epochs: usize,
    },
}

fn main() -> ExitCode {
    deepfield_core::repro::cli::run_main(|| run(Cli::parse().command))
}

fn app() -> Result<App> {
    Ok(App {
        repros: deepfield_graph::repro::all(),
        models: deepfield_graph::models()?,
    })
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
            threads,
            config,
            link_seeds,
            resume,
        } => {
            deepfield_core::device::set_threads(threads);
            let mut cfg = if let Some(path) = config {
                deepfield_core::fsutil::read_json::<GraphFmConfig>(&path)?
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
            cfg.given_split = !random_split;
            if let Some(n) = seeds {
                cfg.seeds = n.max(1);
            }
            if link_seeds.is_some() {
                cfg.link_seeds = link_seeds;
            }
            let m = graphfm::run_resumable(&cfg, &graph.source()?, &out, resume)?;
            for (name, v) in m["methods"].as_object().into_iter().flatten() {
                if let Some(a) = v["full-batch"]["accuracy"].as_f64() {
                    println!("{name:<10} accuracy {:.4}", a);
                }
            }
            println!("results written to {}", out.display());
            Ok(())
        }
        Command::Predict { model, graph, out } => {
            let p = deepfield_graph::predict::predict(&model, &graph.source()?, out.as_deref())?;
            println!("{} nodes predicted", p.ids.len());
            if let Some(a) = p.accuracy {
                println!("accuracy {a:.4} on {} labelled nodes", p.scored_nodes);
            }
            if let Some(o) = out {
                println!("predictions written to {}", o.display());
            }
            Ok(())
        }
        Command::Bench {
            threads,
            python,
            data,
            epochs,
        } => deepfield_graph::bench::run(threads, python, data, epochs),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn predict_takes_a_graph_and_forward_a_tensor_batch() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|c| c.command);
        let cmd = parse(&["g", "predict", "--model", "m", "--graph", "cora"]).unwrap();
        assert!(matches!(
            cmd,
            Command::Predict {
                graph: GraphArgs { graph: Some(_), .. },
                ..
            }
        ));
        let cmd = parse(&[
            "g", "predict", "--model", "m", "--nodes", "n.csv", "--edges", "e.csv", "--out",
            "p.csv",
        ])
        .unwrap();
        assert!(matches!(cmd, Command::Predict { out: Some(_), .. }));
        let cmd = parse(&[
            "g",
            "forward",
            "--model",
            "m",
            "--input",
            "x.safetensors",
            "--out",
            "y.csv",
        ])
        .unwrap();
        assert!(matches!(cmd, Command::Common(Common::Forward { .. })));
        // The tensor form needs --out.
        assert!(parse(&["g", "forward", "--model", "m", "--input", "x.safetensors"]).is_err());
    }
}
