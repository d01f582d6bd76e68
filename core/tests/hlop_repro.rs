//! `hlop --quick`: 3 permuted-MNIST tasks with a small spiking MLP. Asserts the central ordering
//! (HLOP forgets less than fine-tuning), that every strategy learns well above chance, that the
//! Hebbian subspaces after task 1 hold nearly as much of the activity's energy as the SVD's, and
//! that the results folder is complete.

use deepfield_core::repro::hlop::{HlopRepro, Strategy};
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_hlop_forgets_less_than_fine_tuning() {
    let out = tempfile::tempdir().unwrap();
    let opts = ReproOptions::quick("hlop", out.path().join("hlop"));
    let m = Typed(HlopRepro).run_typed(&opts).expect("hlop --quick");
    let get = |s: Strategy| m.results.iter().find(|r| r.strategy == s).unwrap();
    for r in &m.results {
        eprintln!(
            "{:?}: ACC {:.3} BWT {:+.3} R {:?}",
            r.strategy, r.acc, r.bwt, r.matrix.r
        );
        // every task learned well above chance (0.1) when it was trained
        for (i, row) in r.matrix.r.iter().enumerate() {
            assert!(
                row[i] > 0.6,
                "{:?}: task {i} reached only {}",
                r.strategy,
                row[i]
            );
        }
    }
    let (ft, hlop) = (get(Strategy::FineTune), get(Strategy::Hlop));
    assert!(
        hlop.bwt > ft.bwt + 0.05,
        "HLOP BWT {} vs fine-tuning {}",
        hlop.bwt,
        ft.bwt
    );
    assert!(
        hlop.acc > ft.acc,
        "HLOP ACC {} vs fine-tuning {}",
        hlop.acc,
        ft.acc
    );
    assert_eq!(hlop.subspaces.len(), 3);
    for c in &hlop.subspaces {
        eprintln!(
            "{}: k {} of {}, median angle {:.1}°, energy {:.3} vs SVD {:.3}",
            c.layer, c.k, c.dim, c.median_angle, c.energy_hebbian, c.energy_svd
        );
    }
    for c in &hlop.subspaces {
        // the SVD subspace is the optimum; after 60 batches the Hebbian one holds most of it,
        // far above what a random k-dimensional subspace holds (about k/dim of the energy)
        assert!(c.energy_hebbian <= c.energy_svd + 1e-6);
        assert!(
            c.energy_hebbian > 0.75 * c.energy_svd,
            "{}: {} vs {}",
            c.layer,
            c.energy_hebbian,
            c.energy_svd
        );
        assert!(
            c.energy_hebbian > 2.0 * c.k as f64 / c.dim as f64,
            "{}: {}",
            c.layer,
            c.energy_hebbian
        );
    }
    assert_results(&opts.out, &["acc_over_tasks.png", "matrix_hlop.png"]);
}
