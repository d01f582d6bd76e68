//! AAMDM on ETH/UCY: schedule algebra and metrics against a Python reference, loader errors on
//! a corrupted copy of a real scene file, and a quick reproduction run that must beat constant
//! velocity and sample faster than the DDPM; then the saved model on a user's tracks.

use std::path::{Path, PathBuf};

use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_repro_results;
use deepfield_timeseries::models::aamdm::predict::predict_file;
use deepfield_timeseries::models::aamdm::{NoiseSchedule, Sampler};
use deepfield_timeseries::repro::aamdm::AamdmRepro;
use deepfield_timeseries::traj::{best_of_k, collision_rate, diversity, read_tracks};
use serde_json::Value;
use tch::Tensor;

fn fixture() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aamdm_reference.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn data_dir() -> PathBuf {
    deepfield_core::data::dir::dataset(&deepfield_timeseries::traj::scenes::DATASET).unwrap()
}

/// ᾱ, posterior coefficients and variances of four schedules against torch float64 (1e-9).
#[test]
fn schedules_match_the_python_reference() {
    let f = fixture();
    for s in f["schedules"].as_array().unwrap() {
        let name = s["name"].as_str().unwrap();
        let ours = match name {
            "linear(100, 1e-3, 0.2)" => NoiseSchedule::linear(100, 1e-3, 0.2),
            "vp(2, 0.1, 20)" => NoiseSchedule::vp(2, 0.1, 20.0),
            "vp(4, 0.1, 20)" => NoiseSchedule::vp(4, 0.1, 20.0),
            "linear(2, 0.02, 0.08)" => NoiseSchedule::linear(2, 0.02, 0.08),
            other => panic!("unknown schedule {other}"),
        }
        .unwrap();
        let (b, ab) = (floats(&s["betas"]), floats(&s["alpha_bar"]));
        let (c0, ct, var) = (
            floats(&s["posterior_c0"]),
            floats(&s["posterior_ct"]),
            floats(&s["posterior_var"]),
        );
        assert_eq!(ours.steps(), b.len(), "{name}");
        for t in 1..=ours.steps() {
            let close = |a: f64, e: f64, what: &str| {
                assert!(
                    (a - e).abs() <= 1e-9 * e.abs().max(1.0),
                    "{name} t={t} {what}: {a} vs {e}"
                )
            };
            close(ours.beta(t), b[t - 1], "beta");
            close(ours.alpha_bar(t), ab[t - 1], "alpha_bar");
            let (p0, pt, pv) = ours.posterior(t);
            close(p0, c0[t - 1], "c0");
            close(pt, ct[t - 1], "ct");
            close(pv, var[t - 1], "variance");
        }
    }
}

/// Best-of-K ADE/FDE, diversity and collisions of seeded random trajectories against numpy.
#[test]
fn metrics_match_the_python_reference() {
    let m = &fixture()["metrics"];
    let shape: Vec<i64> = m["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect();
    let (n, k, t) = (shape[0], shape[1], shape[2]);
    let pred = Tensor::from_slice(&floats(&m["pred"])).reshape([n, k, t, 2]);
    let gt = Tensor::from_slice(&floats(&m["gt"])).reshape([n, t, 2]);
    let (ade, fde) = best_of_k(&pred, &gt).unwrap();
    assert!((ade - m["ade"].as_f64().unwrap()).abs() < 1e-9, "{ade}");
    assert!((fde - m["fde"].as_f64().unwrap()).abs() < 1e-9, "{fde}");
    let d = diversity(&pred).unwrap();
    assert!((d - m["diversity"].as_f64().unwrap()).abs() < 1e-9, "{d}");
    let groups: Vec<Vec<usize>> = m["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            g.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_u64().unwrap() as usize)
                .collect()
        })
        .collect();
    let c = collision_rate(&pred, &groups, m["threshold"].as_f64().unwrap()).unwrap();
    assert_eq!(c.colliding as u64, m["colliding"].as_u64().unwrap());
    assert_eq!(c.total as u64, m["total"].as_u64().unwrap());
}

/// A corrupted copy of a real scene file fails with the file, the line and the problem; a
/// missing data folder names the folder, the files and where they come from.
#[test]
fn loader_errors_name_file_line_and_problem() {
    let src = std::fs::read_to_string(data_dir().join("biwi_hotel.txt")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("hotel.txt");
    std::fs::write(&good, &src).unwrap();
    assert_eq!(read_tracks(&good).unwrap().len(), 6543);
    let mut lines: Vec<String> = src.lines().map(String::from).collect();
    let mut cells: Vec<String> = lines[99].split('\t').map(String::from).collect();
    cells[2] = "abc".into();
    lines[99] = cells.join("\t");
    let bad = tmp.path().join("hotel_bad.txt");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let e = read_tracks(&bad).unwrap_err().to_string();
    assert!(
        e.contains("hotel_bad.txt") && e.contains("line 100") && e.contains("\"abc\""),
        "{e}"
    );
    lines[99] = "123.0\t4.0".into();
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let e = read_tracks(&bad).unwrap_err().to_string();
    assert!(e.contains("line 100") && e.contains("4 columns"), "{e}");
    let e = read_tracks(&tmp.path().join("none.txt"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("none.txt"), "{e}");

    let mut opts = ReproOptions::quick("aamdm", tmp.path().join("out"));
    opts.data = Some(tmp.path().to_path_buf());
    let e = Typed(AamdmRepro).run_typed(&opts).unwrap_err().to_string();
    assert!(
        e.contains("pedestrian_trajectories_ethucy")
            && e.contains("biwi_hotel.txt")
            && e.contains("Trajectron"),
        "{e}"
    );
}

/// The quick run (Zara1 fold, subsets): AAMDM and the DDPM beat constant velocity on best-of-20
/// ADE by a margin, AAMDM samples several times faster than the 100-step DDPM, files are
/// written, and the saved model forecasts a user's CSV.
#[test]
fn quick_run_beats_constant_velocity_and_samples_faster() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("aamdm", out.path().join("aamdm"));
    let m = Typed(AamdmRepro).run_typed(&opts).unwrap();
    assert_eq!(m.folds.len(), 1);
    let f = &m.folds[0];
    let get = |name: &str| f.get(name).unwrap();
    let (a, d, cv) = (get("aamdm"), get("ddpm"), get("constant_velocity"));
    eprintln!("quick aamdm: {:?}", f.scores);
    assert!(
        a.ade < 0.85 * cv.ade,
        "AAMDM ADE {} vs constant velocity {}",
        a.ade,
        cv.ade
    );
    assert!(
        d.ade < 0.85 * cv.ade,
        "DDPM ADE {} vs constant velocity {}",
        d.ade,
        cv.ade
    );
    assert!(
        a.ms_per_trajectory * 4.0 < d.ms_per_trajectory,
        "AAMDM {} ms vs DDPM {} ms",
        a.ms_per_trajectory,
        d.ms_per_trajectory
    );
    assert!(a.diversity > 0.05 && get("lstm_ed").diversity == 0.0);
    assert!((0.0..=1.0).contains(&a.collision_rate));
    assert_repro_results(
        &opts.out,
        &[
            "ade.png",
            "fde.png",
            "sampling_time.png",
            "trajectories.png",
            "training_loss.png",
            "history.csv",
            "model/model.safetensors",
            "model/config.json",
        ],
    );
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(
        report.contains("0.58") && report.contains("biwi_eth"),
        "{report}"
    );

    // The saved model on a user's CSV: the first 8 frames of Zara1's pedestrians.
    let rows = read_tracks(&data_dir().join("crowds_zara01.txt")).unwrap();
    let mut csv = String::from("frame,ped,x,y\n");
    for r in rows.iter().filter(|r| r.frame <= 70) {
        csv.push_str(&format!("{},{},{},{}\n", r.frame, r.ped, r.x, r.y));
    }
    let input = out.path().join("tracks.csv");
    std::fs::write(&input, csv).unwrap();
    let pred = out.path().join("futures.csv");
    let r = predict_file(
        &opts.out.join("model"),
        &input,
        5,
        Some(Sampler::Aamdm),
        0,
        Some(&pred),
    )
    .unwrap();
    assert!(!r.forecast.is_empty());
    assert_eq!(r.futures.size(), [r.forecast.len() as i64, 5, 12, 2]);
    let text = std::fs::read_to_string(&pred).unwrap();
    assert_eq!(text.lines().count(), 1 + r.forecast.len() * 5 * 12);
    assert!(text.starts_with("ped,sample,step,frame,x,y\n"));
    // Too short tracks: a clear error naming the file.
    std::fs::write(&input, "frame,ped,x,y\n0,1,0,0\n10,1,0.1,0\n").unwrap();
    let e = predict_file(&opts.out.join("model"), &input, 5, None, 0, None)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("tracks.csv") && e.contains("8 consecutive"),
        "{e}"
    );
}

/// The full reproduction into `results/aamdm` of the workspace (not part of the suite: about
/// half an hour on one thread): `cargo test --workspace --test aamdm -- --ignored full_run`.
#[test]
#[ignore]
fn full_run() {
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../results/aamdm");
    let mut opts = ReproOptions::new("aamdm");
    opts.out = out;
    opts.threads = 1;
    deepfield_core::device::set_threads(1);
    let m = Typed(AamdmRepro).run_typed(&opts).unwrap();
    eprintln!("{}", serde_json::to_string_pretty(&m.average).unwrap());
    eprintln!("{:?}", m.goals);
}
