//! core::explain::rsa against rsatoolbox 0.3.2 on the same measurements (fixture
//! `tests/fixtures/explain/rsa_reference.safetensors`, written by `gen_rsa.py`): squared
//! Euclidean, correlation and crossnobis RDMs, five comparators, the geo-topological and
//! geodesic transforms, to 1e-9 (all in f64); plus the properties rsatoolbox does not check.

use std::collections::BTreeMap;
use std::path::Path;

use deepfield_core::explain::rsa::compare::compare;
use deepfield_core::explain::rsa::rdm::{crossnobis, rdm};
use deepfield_core::explain::rsa::topology::{binarize, geodesic, geotopological};
use deepfield_core::explain::rsa::{Comparator, Distance, Rdm};
use deepfield_core::tch::{Device, Kind, Tensor};
use deepfield_core::testing::read_safetensors;

const TOL: f64 = 1e-9;

fn fixture() -> BTreeMap<String, Tensor> {
    read_safetensors(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/explain/rsa_reference.safetensors"),
    )
}

fn vec(t: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(t.to_kind(Kind::Double).flatten(0, -1)).unwrap()
}

fn close(a: &[f64], b: &[f64], what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let both_inf = x.is_infinite() && y.is_infinite();
        assert!(both_inf || (x - y).abs() < TOL, "{what}[{i}]: {x} vs {y}");
    }
}

#[test]
fn rdms_match_rsatoolbox() {
    let fx = fixture();
    let rx = rdm(&fx["x"], Distance::SquaredEuclidean).unwrap();
    assert_eq!(rx.n, 8);
    // squared Euclidean / channels
    close(&rx.values, &vec(&fx["x.euclidean"]), "euclidean");
    let rc = rdm(&fx["x"], Distance::Correlation).unwrap();
    // 1 − Pearson correlation
    close(&rc.values, &vec(&fx["x.correlation"]), "correlation");
    let cond: Vec<usize> = vec(&fx["cond"]).iter().map(|&c| c as usize).collect();
    let folds: Vec<usize> = vec(&fx["fold"]).iter().map(|&c| c as usize).collect();
    let cn = crossnobis(&fx["z"], &cond, &folds, Some(&fx["prec"])).unwrap();
    // leave-one-fold-out crossnobis with a noise precision
    close(&cn.values, &vec(&fx["z.crossnobis"]), "crossnobis");
    // Round trip through the square form.
    assert_eq!(Rdm::from_square(&rx.to_square()).unwrap(), rx);
}

#[test]
fn comparators_and_transforms_match_rsatoolbox() {
    let fx = fixture();
    let rx = rdm(&fx["x"], Distance::SquaredEuclidean).unwrap();
    let ry = rdm(&fx["y"], Distance::SquaredEuclidean).unwrap();
    for (how, key) in [
        (Comparator::Pearson, "corr"),
        (Comparator::Cosine, "cosine"),
        (Comparator::Spearman, "spearman"),
        (Comparator::KendallTauA, "tau-a"),
        (Comparator::WhitenedCosine, "cosine_cov"),
    ] {
        let ours = compare(&rx, &ry, how).unwrap();
        close(&[ours], &vec(&fx[&format!("compare.{key}")]), key);
        // An RDM compared with itself scores 1.
        assert!(
            (compare(&rx, &rx, how).unwrap() - 1.0).abs() < 1e-12,
            "{key}"
        );
    }
    // geo-topological (0.2, 0.8)
    close(
        &geotopological(&rx, 0.2, 0.8).unwrap().values,
        &vec(&fx["x.gt"]),
        "geo-topological",
    );
    // geodesic
    close(&geodesic(&rx).values, &vec(&fx["x.geodesic"]), "geodesic");
}

#[test]
fn properties_and_bad_input() {
    // Crossnobis is unbiased: pure noise around equal conditions gives distances near 0 on
    // average, where the plain Euclidean RDM of the same data is positive.
    deepfield_core::seed(4);
    let (n, reps, p) = (6usize, 4usize, 40i64);
    let z = Tensor::randn([(n * reps) as i64, p], (Kind::Double, Device::Cpu));
    let cond: Vec<usize> = (0..n * reps).map(|r| r % n).collect();
    let folds: Vec<usize> = (0..n * reps).map(|r| r / n).collect();
    let cn = crossnobis(&z, &cond, &folds, None).unwrap();
    let mean_cn = cn.values.iter().sum::<f64>() / cn.values.len() as f64;
    let eu = rdm(&z, Distance::SquaredEuclidean).unwrap();
    let mean_eu = eu.values.iter().sum::<f64>() / eu.values.len() as f64;
    assert!(
        mean_cn.abs() < 0.15 && mean_eu > 1.5,
        "crossnobis {mean_cn}, euclidean {mean_eu}"
    );
    // Geo-topological values lie in [0, 1] with both ends reached.
    let gt = geotopological(&eu, 0.1, 0.9).unwrap();
    assert!(gt.values.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(gt.values.contains(&0.0) && gt.values.contains(&1.0));

    assert!(rdm(
        &Tensor::zeros([1, 3], (Kind::Float, Device::Cpu)),
        Distance::Cosine
    )
    .is_err());
    assert!(geotopological(&eu, 0.8, 0.2).is_err());
    // Binarised at the median: half the pairs are neighbours (0), half are not (1).
    let b = binarize(&eu, 0.5).unwrap();
    let ones = b.values.iter().filter(|&&v| v == 1.0).count();
    assert!(b.values.iter().all(|&v| v == 0.0 || v == 1.0));
    assert!(
        ones.abs_diff(b.values.len() / 2) <= 1,
        "{ones} of {}",
        b.values.len()
    );
    assert!(binarize(&eu, 1.5).is_err());
    let small = rdm(
        &Tensor::randn([3, 4], (Kind::Float, Device::Cpu)),
        Distance::Cosine,
    )
    .unwrap();
    assert!(compare(&small, &eu, Comparator::Spearman).is_err());
    let e = crossnobis(&z, &cond[1..], &folds, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("labels"), "{e}");
    let lonely: Vec<usize> = (0..n * reps)
        .map(|r| if r == 0 { 1 } else { r / n })
        .collect();
    let e = crossnobis(&z, &cond, &lonely, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing"), "{e}");
}
