//! `deepfield-vision bench`: one training step (forward, cross-entropy, backward, Adam) of
//! LeNet-5 and of ResNet-20 on MNIST batches of 64, through core's Trainer, against the same
//! models and step in PyTorch eager (`vision/bench/bench_cnn.py`), on the same thread count in
//! the same command. The sides alternate round by round and the best round of each counts (the
//! least noisy estimate on a shared machine); the ratio printed is PyTorch's time per step over
//! ours.

use std::path::{Path, PathBuf};
use std::time::Instant;

use deepfield_core::data::TensorDataset;
use deepfield_core::nn::Forward;
use deepfield_core::tch::{nn, Device, Kind, Tensor};
use deepfield_core::train::{OptimizerConfig, Task, TrainConfig, Trainer};

use crate::data::mnist::{self, Dataset, Split};
use crate::models::lenet::{LeNet5, LeNet5Config};
use crate::models::resnet::{ResNet, ResNetConfig};
use crate::{Error, Result};

/// The models the bench times.
pub const MODELS: [&str; 2] = ["lenet5", "resnet20"];

/// Settings of one bench run.
#[derive(Debug, Clone)]
pub struct BenchSettings {
    pub threads: usize,
    pub python: Option<PathBuf>,
    /// Models to time (`lenet5`, `resnet20`).
    pub models: Vec<String>,
    /// Timed steps per round.
    pub steps: usize,
    /// Untimed steps before each round.
    pub warmup: usize,
    /// Rounds per side (alternating).
    pub rounds: usize,
    pub batch: usize,
}

fn build(name: &str, vs: &nn::VarStore) -> Result<Box<dyn Forward>> {
    Ok(match name {
        "lenet5" => Box::new(LeNet5::new(&vs.root(), &LeNet5Config::default())?),
        "resnet20" => Box::new(ResNet::new(&vs.root(), &ResNetConfig::default())?),
        other => {
            return Err(Error::config(format!(
                "bench: no model `{other}` (one of: {})",
                MODELS.join(", ")
            )))
        }
    })
}

/// Our side, one round: ms per training step through the Trainer, and the last epoch's loss.
pub fn ours(name: &str, x: &Tensor, y: &Tensor, s: &BenchSettings) -> Result<(f64, f64)> {
    deepfield_core::seed(0);
    let mut vs = nn::VarStore::new(Device::Cpu);
    let model = build(name, &vs)?;
    let trainer = |epochs| {
        Trainer::new(
            TrainConfig {
                epochs,
                batch_size: s.batch,
                optimizer: OptimizerConfig::adam(1e-3),
                shuffle: false,
                progress: false,
                ..TrainConfig::default()
            },
            Task::classification(10),
        )
    };
    let part = |from: usize, n: usize| -> Result<TensorDataset> {
        let (a, n) = ((from * s.batch) as i64, (n * s.batch) as i64);
        Ok(TensorDataset::new(x.narrow(0, a, n), y.narrow(0, a, n))?)
    };
    trainer(1)?.fit(&*model, &mut vs, &part(0, s.warmup.max(1))?, None)?;
    let timed = part(s.warmup.max(1), s.steps)?;
    let t = Instant::now();
    let history = trainer(1)?.fit(&*model, &mut vs, &timed, None)?;
    let ms = t.elapsed().as_secs_f64() * 1000.0 / s.steps as f64;
    let loss = history.train_losses().last().copied().unwrap_or(f64::NAN);
    Ok((ms, loss))
}

/// Run the Python side `bench/<script>` of a bench with `args` and read the number printed as
/// `<key>=<value>`, or say why it did not run.
pub(crate) fn python_side(
    py: &Path,
    script: &str,
    args: &[String],
    key: &str,
) -> std::result::Result<f64, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("bench")
        .join(script);
    let out = deepfield_core::allocator::configure_child(&mut std::process::Command::new(py))
        .arg(&script)
        .args(args)
        .output()
        .map_err(|e| format!("could not start {}: {e}", py.display()))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(err.lines().last().unwrap_or("failed").to_string());
    }
    let prefix = format!("{key}=");
    text.split_whitespace()
        .find_map(|w| w.strip_prefix(prefix.as_str()))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no {key} in its output: {}", text.trim()))
}

/// The PyTorch side, one round: ms per step, or why it did not run.
fn theirs(
    py: &Path,
    data: &Path,
    name: &str,
    s: &BenchSettings,
) -> std::result::Result<f64, String> {
    let args = [
        "--data".to_string(),
        data.to_string_lossy().into_owned(),
        "--model".into(),
        name.into(),
        "--threads".into(),
        s.threads.to_string(),
        "--steps".into(),
        s.steps.to_string(),
        "--warmup".into(),
        s.warmup.max(1).to_string(),
        "--batch".into(),
        s.batch.to_string(),
    ];
    python_side(py, "bench_cnn.py", &args, "ms_per_step")
}

/// Run both sides for every model and print the rounds, the best of each side and the ratio.
pub fn run(s: &BenchSettings) -> Result<()> {
    if s.steps == 0 || s.rounds == 0 || s.batch == 0 {
        return Err(Error::config(
            "bench: --steps, --rounds and --batch must be at least 1",
        ));
    }
    deepfield_core::device::set_threads(s.threads);
    let dir = deepfield_core::data::dataset(&Dataset::Mnist.spec())?;
    let n = s.batch * (s.warmup.max(1) + s.steps);
    let (images, labels) = mnist::files(&dir, Split::Train);
    let digits = mnist::load_files(&images, &labels)?;
    if digits.len() < n {
        return Err(Error::config(format!(
            "bench: {n} images needed ({} steps of {} after {} warm-up), MNIST has {}",
            s.steps,
            s.batch,
            s.warmup.max(1),
            digits.len()
        )));
    }
    let x = digits.images.narrow(0, 0, n as i64).to_kind(Kind::Float);
    let y = digits.labels.narrow(0, 0, n as i64);
    let py = s
        .python
        .clone()
        .or_else(deepfield_core::python::interpreter);
    for name in &s.models {
        let (mut best_ours, mut best_theirs) = (f64::INFINITY, None::<f64>);
        for round in 1..=s.rounds {
            let (ms, loss) = ours(name, &x, &y, s)?;
            best_ours = best_ours.min(ms);
            println!(
                "bench {name} deepfield round={round} threads={} batch={} steps={} ms_per_step={ms:.3} loss={loss:.4}",
                s.threads, s.batch, s.steps
            );
            match &py {
                None => {}
                Some(py) => match theirs(py, &dir, name, s) {
                    Ok(p) => {
                        best_theirs = Some(best_theirs.map_or(p, |b: f64| b.min(p)));
                        println!("bench {name} pytorch round={round} threads={} batch={} steps={} ms_per_step={p:.3}", s.threads, s.batch, s.steps);
                    }
                    Err(e) => println!("bench {name} pytorch failed: {e}"),
                },
            }
        }
        match best_theirs {
            Some(p) => println!(
                "ratio {name} pytorch_ms/deepfield_ms={:.2} (best of {} rounds: deepfield {best_ours:.2} ms, pytorch eager {p:.2} ms per step)",
                p / best_ours,
                s.rounds
            ),
            None => println!(
                "ratio {name} unavailable: no PyTorch side (pass --python or set DEEPFIELD_PYTHON); deepfield {best_ours:.2} ms per step"
            ),
        }
    }
    Ok(())
}
