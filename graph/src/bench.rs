//! `deepfield-graph bench`: time per training epoch of a 2-layer GCN (16 hidden, dropout 0.5,
//! Adam 0.01, weight decay 5e-4, 200 epochs) on Cora — ours with sparse features and sparse
//! adjacency — and the same model in PyTorch Geometric (`graph/bench/bench_gcn.py`, dense
//! features as in PyG's example), run in the same command; prints both and the ratio.

use std::path::{Path, PathBuf};
use std::time::Instant;

use deepfield_core::tch::{nn, nn::OptimizerConfig, Device, Tensor};

use crate::io::{read_planetoid, CORA};
use crate::supervised::{accuracy, index, SupervisedConfig};
use crate::train::Prepared;
use crate::{GraphError, Result};

/// Our side: (ms per epoch, test accuracy).
pub fn ours(data_dir: &Path, epochs: usize, seed: u64) -> Result<(f64, f64)> {
    let mut g = read_planetoid(data_dir)?;
    g.features.row_normalize();
    let split = g
        .split
        .clone()
        .ok_or_else(|| GraphError::invalid("bench: Cora has no split"))?;
    let data = Prepared::new(g, Device::Cpu)?;
    let cfg = SupervisedConfig::gcn(
        data.graph.n_features() as i64,
        data.graph.n_classes() as i64,
    );
    deepfield_core::seed(seed);
    let vs = nn::VarStore::new(Device::Cpu);
    let model = cfg.encoder.init(&vs.root())?;
    let mut opt = nn::Adam {
        wd: cfg.weight_decay,
        ..Default::default()
    }
    .build(&vs, cfg.lr)?;
    let y = Tensor::from_slice(&data.graph.labels);
    let (tr, te) = (
        index(&split.train, Device::Cpu),
        index(&split.test, Device::Cpu),
    );
    let ytr = y.index_select(0, &tr);
    let t = Instant::now();
    for _ in 0..epochs {
        let out = model.forward(&data.x, &data.mg, true);
        let loss = out.index_select(0, &tr).cross_entropy_for_logits(&ytr);
        opt.backward_step(&loss);
    }
    let ms = t.elapsed().as_secs_f64() * 1000.0 / epochs as f64;
    let logits = deepfield_core::tch::no_grad(|| model.forward(&data.x, &data.mg, false));
    Ok((ms, accuracy(&logits, &y, &te)))
}

/// Run both sides and print them with the ratio.
pub fn run(
    threads: usize,
    python: Option<PathBuf>,
    data: Option<PathBuf>,
    epochs: usize,
) -> Result<()> {
    deepfield_core::device::set_threads(threads);
    let dir = match data {
        Some(root) => deepfield_core::data::dir::dataset_in(&root, &CORA)?,
        None => deepfield_core::data::dataset(&CORA)?,
    };
    // Warm-up run, then the timed one.
    ours(&dir, 5, 0)?;
    let (ms, acc) = ours(&dir, epochs, 0)?;
    println!("bench gcn-cora deepfield threads={threads} epochs={epochs} ms_per_epoch={ms:.3} test_acc={acc:.4}");
    let py = python.or_else(deepfield_core::python::interpreter);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/bench_gcn.py");
    let Some(py) = py else {
        println!("bench gcn-cora pyg skipped: no python (pass --python or set DEEPFIELD_PYTHON)");
        return Ok(());
    };
    let out = deepfield_core::allocator::configure_child(&mut std::process::Command::new(&py))
        .arg(&script)
        .args([
            "--data",
            &dir.to_string_lossy(),
            "--threads",
            &threads.to_string(),
            "--epochs",
            &epochs.to_string(),
        ])
        .output()
        .map_err(|e| deepfield_core::Error::io(&py, e))?;
    let text = String::from_utf8_lossy(&out.stdout);
    print!("{text}");
    if !out.status.success() {
        println!(
            "bench gcn-cora pyg failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return Ok(());
    }
    let pyg_ms = text
        .lines()
        .find(|l| l.starts_with("bench gcn-cora pyg"))
        .and_then(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("ms_per_epoch="))
        })
        .and_then(|v| v.parse::<f64>().ok());
    match pyg_ms {
        Some(p) => println!(
            "ratio gcn-cora pyg_ms/deepfield_ms={:.2} (deepfield {:.1}× faster per epoch)",
            p / ms,
            p / ms
        ),
        None => println!("ratio gcn-cora unavailable: the PyG output had no ms_per_epoch"),
    }
    Ok(())
}
