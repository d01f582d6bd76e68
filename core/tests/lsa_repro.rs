//! `lsa --quick`: Moons and a small MNIST MLP, plain vs PGD-AT vs AT-LR. Asserts what holds
//! under the fixed seed with margin: adversarial training beats plain training under attack,
//! AT-LR stays close to its base AT at the training budget and beats it on Moons at the largest
//! budget, the MVL list names hidden layers, and the results folder is complete.

use deepfield_core::repro::lsa::Lsa;
use deepfield_core::repro::{ReproOptions, Typed};
use deepfield_core::testing::assert_results;

#[test]
fn quick_lsa_repro_at_beats_plain_and_at_lr_holds() {
    let out = tempfile::tempdir().unwrap();
    let mut opts = ReproOptions::quick("lsa", out.path().join("lsa"));
    opts.seed = 0;
    let m = Typed(Lsa).run_typed(&opts).expect("lsa --quick");
    assert_eq!(m.tasks.len(), 2);
    for t in &m.tasks {
        let (plain, at, atlr) = (
            t.method("plain").unwrap(),
            t.method("at").unwrap(),
            t.method("at-lr").unwrap(),
        );
        // At the training budget (index of train_eps in the grid).
        let i = t
            .eps
            .iter()
            .position(|e| (*e - t.train_eps).abs() < 1e-12)
            .unwrap();
        eprintln!(
            "{}: clean {:.3}/{:.3}/{:.3}, PGD@train {:.3}/{:.3}/{:.3}, MVL {:?}",
            t.name,
            plain.pgd[0],
            at.pgd[0],
            atlr.pgd[0],
            plain.pgd[i],
            at.pgd[i],
            atlr.pgd[i],
            t.mvl
        );
        assert!(
            plain.pgd[0] > 0.85,
            "{}: plain clean accuracy {}",
            t.name,
            plain.pgd[0]
        );
        // Adversarial training pays off under attack: ≥ 10 points over plain at some budget.
        let best = (1..t.eps.len())
            .map(|j| at.pgd[j] - plain.pgd[j])
            .fold(f64::NEG_INFINITY, f64::max);
        assert!(
            best > 0.10,
            "{}: AT gains at most {best} over plain under PGD",
            t.name
        );
        // AT-LR stays within 7 points of its base AT at the training budget (quick runs are
        // short: on MNIST the layer term costs a few points there; see the full run).
        assert!(
            atlr.pgd[i] > at.pgd[i] - 0.07,
            "{}: AT-LR {} vs AT {} under PGD",
            t.name,
            atlr.pgd[i],
            at.pgd[i]
        );
        // APGD is at least as strong as PGD on the adversarially trained models.
        assert!(at.apgd_at_train_eps <= at.pgd[i] + 0.02, "{}", t.name);
        assert!(
            !t.mvl.is_empty() && t.mvl.iter().all(|l| l.starts_with("hidden.")),
            "{:?}",
            t.mvl
        );
        assert_eq!(t.gain_pgd.len(), t.eps.len());
    }
    // On Moons AT-LR beats its base AT at the largest budget, under both attacks.
    let moons = &m.tasks[0];
    let last = moons.eps.len() - 1;
    assert!(
        moons.gain_pgd[last] > 1.0 && moons.gain_fgsm[last] > 5.0,
        "{moons:?}"
    );
    assert_results(
        &opts.out,
        &[
            "metrics.json",
            "report.md",
            "config.json",
            "accuracy_moons-mlp.png",
            "lsa_moons-mlp.png",
            "accuracy_mnist-mlp.png",
            "model/model.safetensors",
            "models/moons-mlp-plain/model.safetensors",
            "models/mnist-mlp-at/model.safetensors",
        ],
    );
    let report = std::fs::read_to_string(opts.out.join("report.md")).unwrap();
    assert!(
        report.contains("16.35") && report.contains("MVL"),
        "{report}"
    );
}
