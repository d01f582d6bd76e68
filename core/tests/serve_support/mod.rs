//! Shared by the serve tests: a model folder in the `pile-xai` format (an untrained but seeded
//! concrete MLP with scalers fitted on the real data, its feature ranges and a background),
//! and a server on an ephemeral loopback port.
#![allow(dead_code)]

use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::data::scale::StandardScaler;
use deepfield_core::data::table::Table;
use deepfield_core::repro::concrete::{ConcreteConfig, SavedModel, FEATURES, TARGET};
use deepfield_core::tabular::{TabularInfo, TabularModel};

/// The concrete table of the data directory.
pub fn concrete_csv() -> std::path::PathBuf {
    deepfield_core::data::dir::dataset(&deepfield_core::repro::concrete::DATASET)
        .expect("concrete_strength in the data directory")
        .join("concrete_data.csv")
}

/// Write a model folder into `dir`; returns the raw feature rows of the table.
pub fn write_model(dir: &Path) -> Vec<Vec<f64>> {
    let (x, y) = Table::load_xy(concrete_csv(), &FEATURES, &[TARGET]).unwrap();
    let cfg = ConcreteConfig {
        log_age: true,
        ..Default::default()
    };
    let xin = x.copy();
    let age = xin.narrow(1, 7, 1).log1p();
    xin.narrow(1, 7, 1).copy_(&age);
    deepfield_core::seed(3);
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let _mlp = cfg.model.init(&vs.root()).unwrap();
    let saved = SavedModel {
        config: cfg,
        x_scaler: StandardScaler::fit(&xin).unwrap(),
        y_scaler: StandardScaler::fit(&y).unwrap(),
    };
    checkpoint::save(dir, &vs, &saved, None::<&()>).unwrap();
    let n = x.size()[0];
    let rows: Vec<Vec<f64>> = (0..n)
        .map(|i| Vec::<f64>::try_from(x.get(i).to_kind(tch::Kind::Double)).unwrap())
        .collect();
    let names: Vec<String> = FEATURES.iter().map(|s| s.to_string()).collect();
    TabularInfo {
        features: TabularInfo::ranges(&names, &rows),
        target: TARGET.into(),
        unit: "MPa".into(),
        background: rows[..20].to_vec(),
    }
    .save(dir)
    .unwrap();
    rows
}

/// Serve the model folder `dir` on 127.0.0.1 (an ephemeral port) in a background runtime;
/// returns the base URL.
pub fn start_server(dir: &Path) -> String {
    let model = TabularModel::load(dir).unwrap();
    let app = deepfield_core::serve::router(model);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    let addr = rx.recv().unwrap();
    format!("http://{addr}")
}

/// `deepfield-core eval` (the binary) on `rows` of raw features: its predictions as printed
/// into its CSV.
pub fn cli_predictions(dir: &Path, model: &Path, rows: &[Vec<f64>]) -> Vec<String> {
    let input = dir.join("cli_input.csv");
    let mut text = FEATURES.join(",") + "\n";
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| format!("{v}")).collect();
        text += &(cells.join(",") + "\n");
    }
    std::fs::write(&input, text).unwrap();
    let out = dir.join("cli_out.csv");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_deepfield-core"))
        .args(["eval", "--model"])
        .arg(model)
        .arg(&input)
        .arg("--out")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "deepfield-core eval failed");
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = header.iter().position(|h| *h == "prediction").unwrap();
    lines
        .map(|l| l.split(',').nth(col).unwrap().to_string())
        .collect()
}
