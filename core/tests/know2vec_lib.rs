//! The Know2Vec library pieces: features on known cases (CKA of identical and unrelated
//! representations, LEEP and nearest-centroid on separable outputs), the ranking fit recovers
//! a known order, task transforms keep shapes, the zoo description round-trips and refuses bad
//! files with clear errors.

use deepfield_core::automl::know2vec::score::{cka, features, ncc_loo, one_hot, order, Scorer};
use deepfield_core::automl::know2vec::task::{data_stats, Op};
use deepfield_core::automl::know2vec::{input, Zoo, ZooEntry};
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::Rng;

fn entry(id: &str) -> ZooEntry {
    ZooEntry {
        id: id.into(),
        kind: "cnn".into(),
        dir: id.into(),
        input_shape: vec![1, 28, 28],
        outputs: 10,
        source: "test".into(),
        source_accuracy: 90.0,
        source_stats: vec![0.1, 0.2],
    }
}

#[test]
fn features_on_known_cases() {
    let labels: Vec<i64> = (0..40).map(|i| i % 4).collect();
    let y = one_hot(&labels, 4);
    assert!((cka(&y, &y) - 1.0).abs() < 1e-9);
    // Logits that name the label: CKA near 1, nearest centroid perfect, LEEP near 0.
    let good: Vec<Vec<f64>> = labels
        .iter()
        .map(|&l| (0..4).map(|c| if c == l { 8.0 } else { 0.0 }).collect())
        .collect();
    // Logits unrelated to the label.
    let mut rng = Rng::new(3);
    let bad: Vec<Vec<f64>> = (0..40)
        .map(|_| (0..4).map(|_| rng.normal()).collect())
        .collect();
    let (g, b) = (features(&good, &labels, 4), features(&bad, &labels, 4));
    assert!(g.cka_prob > 0.95, "{g:?}");
    assert!(b.cka_prob < 0.3, "{b:?}");
    assert_eq!(ncc_loo(&good, &labels, 4), 1.0);
    assert!(g.leep > -0.1 && b.leep < (0.5f64).ln(), "{g:?} {b:?}");
    assert!(g.ncc_loo > b.ncc_loo + 0.4);
    // Default scorer (CKA) puts the good model first.
    assert_eq!(order(&Scorer::default().scores(&[b, g])), vec![1, 0]);
}

#[test]
fn ranking_fit_learns_the_informative_feature() {
    // Accuracy follows `leep` only; the fit must give it the largest weight.
    let mut rng = Rng::new(7);
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let mut f = Vec::new();
        let mut acc = Vec::new();
        for _ in 0..8 {
            let leep = rng.normal();
            f.push(deepfield_core::automl::know2vec::Features {
                cka_prob: rng.normal(),
                cka_logprob: rng.normal(),
                leep,
                ncc_loo: rng.normal(),
            });
            acc.push(80.0 + 5.0 * leep);
        }
        tasks.push((f, acc));
    }
    let s = Scorer::fit(&tasks, 0.5, 0.01);
    let w = &s.weights;
    assert!(w[2] > 1.0 && w[2] > 3.0 * w[0].abs(), "{w:?}");
    s.validate().unwrap();
}

#[test]
fn transforms_keep_shapes_and_change_images() {
    let x = Tensor::rand([4, 1, 28, 28], (Kind::Float, Device::Cpu));
    let mut rng = Rng::new(0);
    for op in [
        Op::Rotate { degrees: 90.0 },
        Op::Shear { shear: 0.5 },
        Op::Invert,
        Op::Noise { std: 0.3 },
    ] {
        let y = op.apply(&x, &mut rng).unwrap();
        assert_eq!(y.size(), x.size(), "{op:?}");
        let d = (&y - &x).abs().mean(Kind::Float).double_value(&[]);
        assert!(d > 0.05, "{op:?}: mean change {d}");
    }
    // A 90° rotation of a vertical bar is a horizontal bar.
    let bar = Tensor::zeros([1, 1, 28, 28], (Kind::Float, Device::Cpu));
    let _ = bar.narrow(3, 13, 2).fill_(1.0);
    let r = Op::Rotate { degrees: 90.0 }.apply(&bar, &mut rng).unwrap();
    let rows = r.sum_dim_intlist(3, false, Kind::Float).squeeze();
    let cols = r.sum_dim_intlist(2, false, Kind::Float).squeeze();
    assert!(rows.max().double_value(&[]) > 20.0 && cols.max().double_value(&[]) < 5.0);
    assert_eq!(data_stats(&x).unwrap().len(), 65);
}

#[test]
fn zoo_description_round_trips_and_refuses_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let zoo = Zoo {
        models: vec![entry("a"), entry("b")],
        scorer: Scorer::default(),
    };
    zoo.save(tmp.path()).unwrap();
    assert_eq!(Zoo::load_description(tmp.path()).unwrap(), zoo);
    // No weights: load names the model and the file it looked for.
    let e = Zoo::load(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("model a has no weights"), "{e}");
    // Duplicate ids are refused before anything is written.
    let dup = Zoo {
        models: vec![entry("a"), entry("a")],
        scorer: Scorer::default(),
    };
    let other = tmp.path().join("dup");
    let e = dup.save(&other).unwrap_err().to_string();
    assert!(e.contains("unique"), "{e}");
    assert!(!other.join("zoo.json").exists());
    // A missing zoo says how to build one.
    let e = Zoo::load(&tmp.path().join("none")).unwrap_err().to_string();
    assert!(e.contains("no zoo description"), "{e}");
    // A broken zoo.json names the file.
    std::fs::write(tmp.path().join("zoo.json"), "{\"models\": 3}").unwrap();
    let e = Zoo::load(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("zoo.json"), "{e}");
}

#[test]
fn csv_input_is_read_and_bad_csv_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("d.csv");
    std::fs::write(&p, "label,p0,p1\n1,0,255\n0,255,0\n").unwrap();
    let (x, y) = input::read_csv(&p).unwrap();
    assert_eq!(x.size(), vec![2, 2]);
    assert_eq!(Vec::<i64>::try_from(&y).unwrap(), vec![1, 0]);
    assert!((x.double_value(&[0, 1]) - 1.0).abs() < 1e-6);
    for (text, want) in [
        ("p0,p1\n0,1\n", "no `label` column"),
        ("label,p0\nx,1\n", "not an integer"),
        ("label,p0\n1,abc\n", "not a number"),
        ("label,p0\n1,300\n", "0..255"),
        ("label,p0\n1\n", "fields"),
        ("label,p0\n", "no examples"),
    ] {
        std::fs::write(&p, text).unwrap();
        let e = input::read_csv(&p).unwrap_err().to_string();
        assert!(e.contains(want) && e.contains("d.csv"), "{text:?}: {e}");
    }
}
