//! `deepfield-audio eval` as a user runs it, with a small untrained model saved here (the
//! trained models are scored in `repro_cough.rs`): the real cough data set's folder layout
//! (subfolders) and its own labels file (`--label-column etiquette`), file names with commas,
//! quotes and spaces round-tripping through `--out`, the hidden `--dir` and `classify` aliases.

use std::path::{Path, PathBuf};

use deepfield_audio::data::{LabelRule, COUGH};
use deepfield_audio::features::{FeatureConfig, FrameScaler};
use deepfield_audio::model::{MfccClassifierConfig, ModelConfig};
use deepfield_core::models::save_model;
use deepfield_core::tch::{nn::VarStore, Device};
use deepfield_core::testing::run_bin;

/// An untrained (seeded) cough classifier saved in `dir`.
fn save_cough_model(dir: &Path) {
    deepfield_core::seed(3);
    let features = FeatureConfig::speech(16_000);
    let f = features.n_features();
    let config = MfccClassifierConfig {
        id: "test".into(),
        features,
        label_rule: LabelRule::CoughEtiquette,
        class_names: LabelRule::CoughEtiquette.class_names(),
        scaler: FrameScaler {
            mean: vec![0.0; f],
            std: vec![10.0; f],
        },
        model: ModelConfig::mlp(f as i64, 3),
    };
    let vs = VarStore::new(Device::Cpu);
    let _ = config.model.init(&vs.root()).unwrap();
    save_model::<_, ()>(dir, &vs, &config, None).unwrap();
}

/// Run the binary; (success, stdout, stderr).
fn run(args: &[&str]) -> (bool, String, String) {
    run_bin(env!("CARGO_BIN_EXE_deepfield-audio"), args).parts()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn eval_reads_the_cough_data_set_as_laid_out_with_its_own_labels_file() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    save_cough_model(&model);
    let data: PathBuf = deepfield_core::data::dataset(&COUGH).unwrap();
    let labels = data.join("labels.csv");
    let preds = tmp.path().join("preds.csv");
    // Issue 12: none_short/ hand_short/ elbow_short/ are searched, and the data set's own
    // labels.csv names its label column `etiquette`.
    let (ok, out, err) = run(&[
        "eval",
        "--model",
        s(&model),
        s(&data),
        "--labels",
        s(&labels),
        "--label-column",
        "etiquette",
        "--out",
        s(&preds),
        "--threads",
        "1",
    ]);
    assert!(ok, "{err}");
    assert!(
        out.contains("190 labelled recordings") && out.contains("over the 3 classes present"),
        "{out}"
    );
    let mut r = csv::Reader::from_path(&preds).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "file",
            "predicted",
            "confidence",
            "label",
            "p_none",
            "p_hand",
            "p_elbow"
        ]
    );
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), 190);
    let row = rows
        .iter()
        .find(|r| &r[0] == "elbow_short/1-m-e-01.wav")
        .unwrap();
    assert_eq!(&row[3], "elbow");
    // Without --label-column the error says which columns there are and what to give.
    let (ok, _, err) = run(&[
        "eval",
        "--model",
        s(&model),
        s(&data),
        "--labels",
        s(&labels),
    ]);
    assert!(!ok);
    assert!(
        err.contains("labels.csv: no `label` column")
            && err.contains("--label-column")
            && err.contains("etiquette"),
        "{err}"
    );
}

#[test]
fn awkward_file_names_round_trip_and_old_command_forms_still_work() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("results").join("model");
    save_cough_model(&model);
    let data = deepfield_core::data::dataset(&COUGH).unwrap();
    let user = tmp.path().join("my recordings");
    let names = ["a, \"b\" c.wav", "sub dir/97-m-n-01.wav"];
    for n in names {
        std::fs::create_dir_all(user.join(n).parent().unwrap()).unwrap();
        std::fs::copy(data.join("none_short/97-m-n-01.wav"), user.join(n)).unwrap();
    }
    let labels = tmp.path().join("labels.csv");
    std::fs::write(&labels, "file,label\n\"a, \"\"b\"\" c.wav\",hand\n").unwrap();
    let preds = tmp.path().join("out, \"odd\".csv");
    // The old --dir flag (hidden) still names the folder.
    let (ok, out, err) = run(&[
        "eval",
        "--model",
        s(&model),
        "--dir",
        s(&user),
        "--labels",
        s(&labels),
        "--out",
        s(&preds),
    ]);
    assert!(ok, "{err}");
    assert!(out.contains("1 labelled recordings"), "{out}");
    let mut r = csv::Reader::from_path(&preds).unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(|x| x.unwrap()).collect();
    let ids: Vec<&str> = rows.iter().map(|r| &r[0]).collect();
    assert_eq!(ids, names);
    assert_eq!((&rows[0][3], &rows[1][3]), ("hand", ""));
    // The same recording under both names gets the same answer.
    assert_eq!((&rows[0][1], &rows[0][2]), (&rows[1][1], &rows[1][2]));

    // `classify` is `eval` on one file; a results folder means its model/.
    let one = user.join(names[0]);
    let (ok, out, err) = run(&["classify", "--model", s(&model), s(&one)]);
    assert!(ok, "{err}");
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("{}\t{}\t", one.display(), &rows[0][1])),
        "{out}"
    );
    let results = tmp.path().join("results");
    let (ok, out2, err) = run(&["eval", "--model", s(&results), s(&one)]);
    assert!(ok, "{err}");
    assert_eq!(out2.lines().next(), Some(line));
    // Neither INPUT nor --dir.
    let (ok, _, err) = run(&["eval", "--model", s(&model)]);
    assert!(!ok && err.contains("no input"), "{err}");
}
