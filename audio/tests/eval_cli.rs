//! `deepfield-audio eval` as a user runs it, with a small untrained model saved here (the
//! trained models are scored in `repro_cough.rs`): the real cough data set's folder layout
//! (subfolders) and its own labels file (`--label-column etiquette`), file names with commas,
//! quotes and spaces round-tripping through `--out`, the hidden `--dir` and `classify` aliases.

use std::path::{Path, PathBuf};

use deepfield_audio::data::COUGH;
use deepfield_core::testing::{assert_csv, run_line, BinOutput};

mod common;
use common::{save_cough_model, PREDICTION_COLUMNS};

/// Run the binary with the command line `line`, each `{}` one of `paths` (see `run_line`).
fn run(line: &str, paths: &[&dyn AsRef<Path>]) -> BinOutput {
    run_line(env!("CARGO_BIN_EXE_deepfield-audio"), line, paths)
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
    let line = "eval --model {} {} --labels {} --label-column etiquette --out {} --threads 1";
    let run1 = run(line, &[&model, &data, &labels, &preds]);
    let out = run1.assert_ok();
    assert!(
        out.contains("190 labelled recordings") && out.contains("over the 3 classes present"),
        "{out}"
    );
    let rows = assert_csv(&preds, &PREDICTION_COLUMNS, 190);
    let row = rows.iter().find(|r| r[0] == "elbow_short/1-m-e-01.wav");
    assert_eq!(row.unwrap()[3], "elbow");
    // Without --label-column the error says which columns there are and what to give.
    run("eval --model {} {} --labels {}", &[&model, &data, &labels]).assert_fails_with(&[
        "labels.csv: no `label` column",
        "--label-column",
        "etiquette",
    ]);
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
    let run1 = run(
        "eval --model {} --dir {} --labels {} --out {}",
        &[&model, &user, &labels, &preds],
    );
    let out = run1.assert_ok();
    assert!(out.contains("1 labelled recordings"), "{out}");
    let rows = assert_csv(&preds, &PREDICTION_COLUMNS, 2);
    let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(ids, names);
    assert_eq!((rows[0][3].as_str(), rows[1][3].as_str()), ("hand", ""));
    // The same recording under both names gets the same answer.
    assert_eq!((&rows[0][1], &rows[0][2]), (&rows[1][1], &rows[1][2]));

    // `classify` is `eval` on one file; a results folder means its model/.
    let one = user.join(names[0]);
    let run2 = run("classify --model {} {}", &[&model, &one]);
    let out = run2.assert_ok();
    let line = out.lines().next().unwrap();
    assert!(
        line.starts_with(&format!("{}\t{}\t", one.display(), &rows[0][1])),
        "{out}"
    );
    let results = tmp.path().join("results");
    let run3 = run("eval --model {} {}", &[&results, &one]);
    let out2 = run3.assert_ok();
    assert_eq!(out2.lines().next(), Some(line));
    // Neither INPUT nor --dir.
    run("eval --model {}", &[&model]).assert_fails_with(&["no input"]);
}

/// `explain-recordings` on a folder with two good recordings and one broken file: the good
/// ones are explained through the model's own front end (rows in `ids.txt` order,
/// attributions over frames × 13 coefficients), the broken one is listed, and integrated
/// gradients are complete (sum of attributions = f(x) − f(0) within 1e-2).
#[test]
fn explain_recordings_explains_good_files_and_lists_bad_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model");
    save_cough_model(&model);
    let data = deepfield_core::data::dataset(&COUGH).unwrap();
    let user = tmp.path().join("mine");
    std::fs::create_dir_all(&user).unwrap();
    let mut wavs: Vec<_> = std::fs::read_dir(data.join("none_short"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wav"))
        .collect();
    wavs.sort();
    std::fs::copy(&wavs[0], user.join("a.wav")).unwrap();
    std::fs::copy(&wavs[1], user.join("b.wav")).unwrap();
    std::fs::write(user.join("broken.wav"), b"RIFF....not a wave").unwrap();
    let out = tmp.path().join("ig");
    let line = "explain-recordings --model {} --input {} --method integrated-gradients --steps 32 --out {}";
    let r = run(line, &[&model, &user, &out]);
    let text = r.assert_ok();
    assert!(
        text.contains("2 recordings explained") && text.contains("(1 skipped)"),
        "{text}"
    );
    assert!(r.stderr.contains("broken.wav"), "{}", r.stderr);
    let ids = std::fs::read_to_string(out.join("ids.txt")).unwrap();
    assert_eq!(ids.lines().collect::<Vec<_>>(), ["a.wav", "b.wav"]);
    let a =
        deepfield_core::checkpoint::read_tensors(&out.join("attributions.safetensors")).unwrap();
    let (_, attributions) = a.iter().find(|(n, _)| n == "attributions").unwrap();
    let size = attributions.size();
    let f = deepfield_audio::features::FeatureConfig::speech(16_000).n_features() as i64;
    assert_eq!((size.len(), size[0], size[2]), (3, 2, f), "{size:?}");
    let csv = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{csv}");
    for row in rows {
        let delta: f64 = row.split(',').nth(3).unwrap().parse().unwrap();
        assert!(delta.abs() < 1e-2, "completeness delta {delta} in {row}");
    }
    // A folder with no readable recording is an error naming it.
    let empty = tmp.path().join("none");
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("x.wav"), b"nope").unwrap();
    run(
        "explain-recordings --model {} --input {} --method saliency --out {}",
        &[&model, &empty, &tmp.path().join("o2")],
    )
    .assert_fails_with(&["none"]);
    assert!(!tmp.path().join("o2").exists());
}
