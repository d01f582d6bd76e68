//! Bad input at core's readers: hand-made cases with the error each must give (naming the file
//! and the problem), and seeded mutation runs (a few hundred damaged files per format) that must
//! never panic and never produce a long or empty message.

use std::path::Path;

use deepfield_core::checkpoint;
use deepfield_core::data::table::{numeric_matrix, read_table, Table};
use deepfield_core::fsutil::read_csv_records;
use deepfield_core::nn::mlp::MlpConfig;
use deepfield_core::tch::{nn::VarStore, Device};
use deepfield_core::testing::{
    assert_cases, assert_mutants_refused, assert_reader_survives_mutants, case_table,
};

const TABLE: &str = "id,x,y,target\nA,1.5,2,3.25\n\"B, c\",0.5,-1,2\nD,4,1e-3,0.5\n";

fn table_xy(p: &Path) -> deepfield_core::Result<(usize, usize)> {
    let (x, y) = Table::load_xy(p, &["x", "y"], &["target"])?;
    Ok((x.size()[0] as usize, y.size()[0] as usize))
}

#[test]
fn hand_made_table_cases_give_clear_errors() {
    // (file name, contents, what the error names besides the file)
    let cases = case_table(
        r"
        empty.csv          |
        header_only.csv    | id,x,y,target\n
        missing_col.csv    | id,x,target\nA,1,2\n        | y
        text_in_number.csv | id,x,y,target\nA,1,two,3\n  | y
        nan.csv            | id,x,y,target\nA,1,NaN,3\n  | y
        empty_cell.csv     | id,x,y,target\nA,1,,3\n     | y
        ragged.csv         | id,x,y,target\nA,1,2,3,4,5\n
        ",
    );
    assert_cases(cases, table_xy);
    let dir = tempfile::tempdir().unwrap();
    // A trailing blank line is not a data row; TSV by extension; a folder is not a table.
    let ok = dir.path().join("ok.tsv");
    std::fs::write(
        &ok,
        TABLE.replace(',', "\t").replace("\"B\tc\"", "B c") + "\n\n",
    )
    .unwrap();
    assert_eq!(table_xy(&ok).unwrap(), (3, 3));
    let err = read_table(dir.path()).unwrap_err().to_string();
    assert!(err.contains("not a file"), "{err}");
}

#[test]
fn mutated_tables_never_panic() {
    assert_mutants_refused("t.csv", TABLE.as_bytes(), (1, 300), 100, table_xy);
    assert_reader_survives_mutants("r.csv", TABLE.as_bytes(), 2, 300, read_csv_records);
    assert_reader_survives_mutants("t.tsv", TABLE.replace(',', "\t").as_bytes(), 3, 200, |p| {
        read_table(p).and_then(|df| numeric_matrix(&df, &["x"]).map(|t| t.size()))
    });
}

/// A saved MLP checkpoint folder's files.
fn saved_mlp() -> (tempfile::TempDir, Vec<u8>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let vs = VarStore::new(Device::Cpu);
    let config = MlpConfig::new(3, [4], 2);
    config.init(&vs.root()).unwrap();
    deepfield_core::models::save_model(dir.path(), &vs, &config, None::<&()>).unwrap();
    let weights = std::fs::read(checkpoint::weights_path(dir.path())).unwrap();
    let cfg = std::fs::read(dir.path().join(checkpoint::CONFIG_FILE)).unwrap();
    (dir, weights, cfg)
}

fn load_into_mlp(p: &Path) -> deepfield_core::Result<()> {
    let vs = VarStore::new(Device::Cpu);
    MlpConfig::new(3, [4], 2).init(&vs.root())?;
    let mut vs = vs;
    checkpoint::load_weights(p, &mut vs)
}

#[test]
fn mutated_checkpoints_never_panic() {
    let (_dir, weights, cfg) = saved_mlp();
    assert_mutants_refused("w.safetensors", &weights, (4, 300), 200, load_into_mlp);
    // A damaged config.json beside intact weights: restore refuses or restores, never panics.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(checkpoint::weights_path(dir.path()), &weights).unwrap();
    let registry = deepfield_core::models::ModelRegistry::with_core();
    let cfg_path = dir.path().join(checkpoint::CONFIG_FILE);
    for (i, m) in deepfield_core::testing::mutants(5, &cfg, 200)
        .into_iter()
        .enumerate()
    {
        std::fs::write(&cfg_path, &m).unwrap();
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            registry.restore(dir.path(), Device::Cpu).map(|_| ())
        }));
        assert!(
            r.is_ok(),
            "config mutant {i} panicked: {}",
            String::from_utf8_lossy(&m)
        );
    }
}

#[test]
fn hand_made_checkpoint_cases_give_clear_errors() {
    let (dir, weights, _) = saved_mlp();
    let registry = deepfield_core::models::ModelRegistry::with_core();
    // No config, no weights, weights of another shape.
    let empty = tempfile::tempdir().unwrap();
    let err = registry
        .restore(empty.path(), Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains(&empty.path().display().to_string()), "{err}");
    let truncated = dir.path().join("truncated.safetensors");
    std::fs::write(&truncated, &weights[..weights.len() / 2]).unwrap();
    let err = load_into_mlp(&truncated).unwrap_err().to_string();
    assert!(
        err.contains("truncated.safetensors") && err.contains("not a safetensors file"),
        "{err}"
    );
    let other = tempfile::tempdir().unwrap();
    let vs = VarStore::new(Device::Cpu);
    MlpConfig::new(5, [4], 2).init(&vs.root()).unwrap();
    checkpoint::save_weights(&checkpoint::weights_path(other.path()), &vs).unwrap();
    let err = load_into_mlp(&checkpoint::weights_path(other.path()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("shape mismatch for `hidden.0.weight`: model [4, 3], file [4, 5]"),
        "{err}"
    );
}
