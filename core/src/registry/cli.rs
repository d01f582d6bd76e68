//! `deepfield-core registry list|show|best|export|plot`: the run registry from the shell.

use std::path::PathBuf;

use super::{Filter, Registry};
use crate::hpo::{Direction, TrialState};
use crate::{Error, Result};

/// Arguments of `registry`.
#[derive(clap::Args, Debug, Clone)]
pub struct RegistryArgs {
    /// The storage: a SQLite file, sqlite://PATH or postgres://user:pass@host/db
    /// [default: $DEEPFIELD_REGISTRY, else results/registry.sqlite].
    #[arg(long, global = true, value_name = "URL")]
    pub storage: Option<String>,
    #[command(subcommand)]
    pub command: RegistryCommand,
}

/// Which runs (shared by list, best, export and plot).
#[derive(clap::Args, Debug, Clone, Default)]
pub struct FilterArgs {
    /// Only this study's trials.
    #[arg(long)]
    pub study: Option<String>,
    /// Only this model kind or reproduction id.
    #[arg(long)]
    pub kind: Option<String>,
    /// Only this source (`hpo`, `train`, `repro:<id>`; `repro:*` for all reproductions).
    #[arg(long)]
    pub source: Option<String>,
    /// Only this data set.
    #[arg(long)]
    pub dataset: Option<String>,
    /// Only runs in this state (running, complete, pruned, failed).
    #[arg(long)]
    pub state: Option<String>,
    /// Only runs whose final METRIC is at least --min and at most --max.
    #[arg(long, value_name = "METRIC")]
    pub metric: Option<String>,
    #[arg(long)]
    pub min: Option<f64>,
    #[arg(long)]
    pub max: Option<f64>,
    /// Only the newest N runs.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
}

/// The registry's subcommands.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum RegistryCommand {
    /// One line per run: id, study/trial, kind, data set, state, objective, duration.
    List(FilterArgs),
    /// Every field of one run, its final metrics and its per-step metrics, as JSON.
    Show { id: i64 },
    /// The run with the best final METRIC (`value` is the objective) among the selected.
    Best {
        #[arg(long, value_name = "METRIC", default_value = "value")]
        by: String,
        /// Larger is better (default: smaller).
        #[arg(long)]
        maximize: bool,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// Write the selected runs as a table: .csv/.tsv, or .parquet for pandas/polars.
    Export {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// A PNG chart of final METRIC against a config field or trial parameter.
    #[cfg(feature = "plots")]
    Plot {
        #[arg(long, value_name = "METRIC")]
        y: String,
        /// A dotted config path (`train.lr`) or trial parameter name.
        #[arg(long, value_name = "FIELD")]
        x: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        filter: FilterArgs,
    },
    /// The studies: name, direction, trials by state, best value.
    Studies,
    /// The model zoo: completed runs whose checkpoint still holds a model, with the command
    /// that evaluates each on your own data.
    Zoo(FilterArgs),
}

impl FilterArgs {
    fn filter(&self) -> Result<Filter> {
        let state = match &self.state {
            Some(s) => Some(TrialState::parse(s).ok_or_else(|| {
                Error::config(format!(
                    "--state {s}: use running, complete, pruned or failed"
                ))
            })?),
            None => None,
        };
        Ok(Filter {
            study: self.study.clone(),
            kind: self.kind.clone(),
            source: self.source.clone(),
            dataset: self.dataset.clone(),
            state,
            metric: self.metric.clone(),
            min: self.min,
            max: self.max,
            limit: self.limit,
        })
    }
}

/// `println!` that stops quietly when the reader has gone (`registry list | head`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        match writeln!(std::io::stdout().lock(), $($arg)*) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(Error::input(format!("registry: writing the output: {e}"))),
            Ok(()) => {}
        }
    }};
}

fn show_value(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.6}")).unwrap_or_else(|| "-".into())
}

fn json(v: &impl serde::Serialize) -> Result<String> {
    serde_json::to_string_pretty(v).map_err(|source| Error::Json {
        context: "registry output".into(),
        source,
    })
}

/// Run `registry …`.
pub fn run(args: &RegistryArgs) -> Result<()> {
    let location = args.storage.clone().unwrap_or_else(super::default_location);
    let mut reg = Registry::open(&location)?;
    match &args.command {
        RegistryCommand::List(f) => {
            let runs = reg.runs(&f.filter()?)?;
            out!(
                "{:>6}  {:<24} {:<28} {:<14} {:<9} {:>12} {:>9}",
                "id",
                "study/trial",
                "kind",
                "dataset",
                "state",
                "value",
                "seconds"
            );
            for r in &runs {
                let st = match (&r.study, r.trial) {
                    (Some(s), Some(t)) => format!("{s}/{t}"),
                    _ => r.source.clone(),
                };
                out!(
                    "{:>6}  {:<24} {:<28} {:<14} {:<9} {:>12} {:>9}",
                    r.id,
                    st,
                    r.kind,
                    r.dataset.as_deref().unwrap_or("-"),
                    r.state.as_str(),
                    show_value(r.value),
                    r.duration_s
                        .map(|d| format!("{d:.1}"))
                        .unwrap_or("-".into())
                );
            }
            eprintln!("{} runs in {}", runs.len(), reg.describe());
        }
        RegistryCommand::Show { id } => {
            let run = reg.run(*id)?;
            let steps = reg.metrics(*id)?;
            let mut v = serde_json::to_value(&run).map_err(|source| Error::Json {
                context: format!("run {id}"),
                source,
            })?;
            v["steps"] = serde_json::json!(steps
                .iter()
                .map(|(s, n, x)| serde_json::json!({"step": s, "name": n, "value": x}))
                .collect::<Vec<_>>());
            out!("{}", json(&v)?);
        }
        RegistryCommand::Best {
            by,
            maximize,
            filter,
        } => {
            let dir = if *maximize {
                Direction::Maximize
            } else {
                Direction::Minimize
            };
            match reg.best(&filter.filter()?, by, dir)? {
                Some(run) => out!("{}", json(&run)?),
                None => {
                    return Err(Error::input(format!(
                        "registry {}: no selected run has metric `{by}`",
                        reg.describe()
                    )))
                }
            }
        }
        RegistryCommand::Export { out, filter } => {
            let runs = reg.runs(&filter.filter()?)?;
            super::export::write(out, &runs)?;
            eprintln!("{} runs written to {}", runs.len(), out.display());
        }
        #[cfg(feature = "plots")]
        RegistryCommand::Plot { y, x, out, filter } => {
            let runs = reg.runs(&filter.filter()?)?;
            let n = super::export::plot(out, &runs, y, x)?;
            eprintln!("{n} runs plotted to {}", out.display());
        }
        RegistryCommand::Zoo(f) => {
            let entries = super::zoo::zoo(&mut reg, &f.filter()?)?;
            for e in &entries {
                out!(
                    "{:>6}  {:<28} {:<20} {:>12}  {} eval --model {}",
                    e.run.id,
                    e.model_kind,
                    e.run.dataset.as_deref().unwrap_or("-"),
                    show_value(e.run.value),
                    e.binary(),
                    e.path.display()
                );
            }
            eprintln!("{} models in the zoo of {}", entries.len(), reg.describe());
        }
        RegistryCommand::Studies => {
            for s in reg.studies()? {
                let trials = reg.trials(&s, "objective")?;
                let count = |st: TrialState| trials.iter().filter(|t| t.state == st).count();
                let best = trials.iter().filter_map(|t| t.value).reduce(|a, b| {
                    if s.direction.better(b, a) {
                        b
                    } else {
                        a
                    }
                });
                out!(
                    "{:<32} {:<9} complete {:>4}  pruned {:>4}  failed {:>4}  running {:>4}  best {}",
                    s.name,
                    format!("{:?}", s.direction).to_lowercase(),
                    count(TrialState::Complete),
                    count(TrialState::Pruned),
                    count(TrialState::Failed),
                    count(TrialState::Running),
                    show_value(best)
                );
            }
        }
    }
    Ok(())
}
