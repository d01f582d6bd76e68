//! The reproductions xtask knows: id → the crate and binary that run it.
//!
//! xtask cannot depend on the domain crates (they need libtorch to build), so the table lives here;
//! each crate's binary answers `repro <id>` for its own ids.

pub struct Repro {
    pub id: &'static str,
    pub package: &'static str,
    pub binary: &'static str,
    pub description: &'static str,
}

pub const REPROS: &[Repro] = &[
    repro(
        "concrete-mlp",
        "core",
        "MLP regressor vs linear baseline on UCI concrete compressive strength (Yeh 1998): MAE, RMSE, R²",
    ),
    repro(
        "cough-bilstm",
        "audio",
        "MFCC → BiLSTM cough classification, participant-independent, cough- and group-level decisions",
    ),
    repro(
        "spoken-digits",
        "audio",
        "MFCC → BiLSTM on the Free Spoken Digit Dataset with a speaker-independent split",
    ),
    repro(
        "graphfm",
        "graph",
        "GraphFM on Cora: supervised GNNs and self-supervised methods × node classification, link prediction, clustering",
    ),
    repro(
        "gmna",
        "genomics",
        "GMNA: k-mer Naive Bayes and CNN location classifiers on SARS-CoV-2 genomes → misclassification network",
    ),
    repro(
        "deep-snp",
        "genomics",
        "Deep SNP: CNN + attention breakpoint detection in 40k-probe SNP-array windows vs binary segmentation",
    ),
    repro(
        "amd-kinetic",
        "timeseries",
        "Acid mine drainage kinetic-test forecasting (simulator): ANN, LSTM, encoder-decoder LSTM, NSE per parameter",
    ),
    repro(
        "stock-cnn-lstm",
        "timeseries",
        "CNN-LSTM vs LSTM vs MLP vs persistence on real daily prices: RMSE, MAE, direction accuracy",
    ),
    repro(
        "stackvae-g",
        "timeseries",
        "StackVAE-G anomaly detection on NAB series vs VAE and LSTM autoencoder, point-adjusted F1",
    ),
];

const fn repro(id: &'static str, krate: &'static str, description: &'static str) -> Repro {
    let (package, binary) = match krate.as_bytes() {
        b"core" => ("deepfield-core", "deepfield-core"),
        b"audio" => ("deepfield-audio", "deepfield-audio"),
        b"graph" => ("deepfield-graph", "deepfield-graph"),
        b"genomics" => ("deepfield-genomics", "deepfield-genomics"),
        b"timeseries" => ("deepfield-timeseries", "deepfield-timeseries"),
        b"vision" => ("deepfield-vision", "deepfield-vision"),
        _ => ("deepfield-text", "deepfield-text"),
    };
    Repro {
        id,
        package,
        binary,
        description,
    }
}

pub fn find(id: &str) -> Option<&'static Repro> {
    REPROS.iter().find(|r| r.id == id)
}

pub fn print_list() {
    println!("{:<16} {:<18} description", "id", "crate");
    for r in REPROS {
        println!("{:<16} {:<18} {}", r.id, r.package, r.description);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_binaries_exist() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (i, r) in REPROS.iter().enumerate() {
            assert!(
                REPROS[i + 1..].iter().all(|o| o.id != r.id),
                "duplicate id {}",
                r.id
            );
            let dir = r.package.trim_start_matches("deepfield-");
            let bin = root.join(dir).join("src/bin");
            let file = bin.join(format!("{}.rs", r.binary));
            let folder = bin.join(r.binary).join("main.rs");
            assert!(
                file.exists() || folder.exists(),
                "{} names missing binary {}",
                r.id,
                file.display()
            );
        }
    }
}
