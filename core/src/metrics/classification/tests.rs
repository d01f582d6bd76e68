use super::*;
use crate::rng::Rng;
use crate::Error;
use tch::{Kind, Tensor};

fn is_input_err<T: std::fmt::Debug>(r: Result<T>) -> bool {
    matches!(r, Err(Error::Input(_)))
}

#[test]
fn hand_computed_three_class() {
    // scikit-learn documentation example
    let (t, p) = ([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]);
    assert_eq!(
        confusion_matrix(&t, &p, 3).unwrap(),
        vec![vec![2, 0, 0], vec![1, 0, 1], vec![0, 2, 0]]
    );
    let s = per_class(&t, &p, 3).unwrap();
    assert_eq!(s.precision, vec![2.0 / 3.0, 0.0, 0.0]);
    assert_eq!(s.recall, vec![1.0, 0.0, 0.0]);
    assert_eq!(s.f1, vec![0.8, 0.0, 0.0]);
    assert_eq!(s.support, vec![2, 2, 2]);
    let (pm, rm, fm) = precision_recall_f1(&t, &p, 3, Average::Macro).unwrap();
    assert!((pm - 2.0 / 9.0).abs() < 1e-15 && (rm - 1.0 / 3.0).abs() < 1e-15);
    assert!((fm - 0.8 / 3.0).abs() < 1e-15);
    assert_eq!(accuracy(&t, &p).unwrap(), 1.0 / 3.0);
    assert_eq!(balanced_accuracy(&t, &p).unwrap(), 1.0 / 3.0);
}

#[test]
fn unpredicted_and_absent_classes() {
    // class 2 never predicted, class 3 never occurs: macro averages over all 4 classes,
    // balanced accuracy only over the classes of y_true.
    let (t, p) = ([0, 0, 1, 2], [0, 1, 1, 3]);
    let r = classification_report(&t, &p, 4).unwrap();
    assert_eq!(r.per_class.precision, vec![1.0, 0.5, 0.0, 0.0]);
    assert_eq!(r.per_class.recall, vec![0.5, 1.0, 0.0, 0.0]);
    assert_eq!(r.recall_macro, 1.5 / 4.0);
    assert_eq!(r.balanced_accuracy, 1.5 / 3.0);
    assert_eq!(r.f1_micro, 0.5);
    assert_eq!(balanced_accuracy(&t, &p).unwrap(), 0.5);
}

#[test]
fn auc_hand_and_ties() {
    assert_eq!(
        roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
        0.75
    );
    assert_eq!(roc_auc(&[0, 1, 0, 1], &[1.0; 4]).unwrap(), 0.5);
    // pairs (pos, neg): (0.5 vs 0.5) = 1/2, (0.5 vs 0.2) = 1, (0.9, ·) = 1 + 1 -> 3.5 / 4
    assert_eq!(
        roc_auc(&[0, 1, 0, 1], &[0.5, 0.5, 0.2, 0.9]).unwrap(),
        0.875
    );
    let probs = vec![
        vec![0.8, 0.1, 0.1],
        vec![0.1, 0.8, 0.1],
        vec![0.1, 0.1, 0.8],
        vec![0.4, 0.3, 0.3],
    ];
    // each class is separated from the rest, so macro and weighted are 1; micro pools the
    // pairs: the positive 0.3 of sample 3 loses to its own 0.4 and ties its other 0.3,
    // beating the six 0.1s: (3 * 8 + 6 + 0.5) / (4 * 8)
    let y = [0, 1, 2, 1];
    assert_eq!(roc_auc_ovr(&y, &probs, Average::Macro).unwrap(), 1.0);
    assert_eq!(roc_auc_ovr(&y, &probs, Average::Weighted).unwrap(), 1.0);
    assert_eq!(
        roc_auc_ovr(&y, &probs, Average::Micro).unwrap(),
        30.5 / 32.0
    );
}

#[test]
fn average_precision_hand_and_ties() {
    // Ranked 0.9 (+), 0.8 (+), 0.4 (+, −) tied, 0.1 (−): recall steps 1/3, 1/3, 1/3 at
    // precisions 1, 1, 3/4 -> 11/12 (scikit-learn: 0.9166666666666665).
    let ap = average_precision(&[0, 1, 1, 0, 1], &[0.1, 0.9, 0.4, 0.4, 0.8]).unwrap();
    assert!((ap - 11.0 / 12.0).abs() < 1e-15, "{ap}");
    assert_eq!(
        average_precision(&[1, 0, 1], &[3.0, 1.0, 2.0]).unwrap(),
        1.0
    );
    // All tied: the precision is the positive rate.
    assert_eq!(average_precision(&[1, 0, 0, 0], &[0.5; 4]).unwrap(), 0.25);
    assert!(is_input_err(average_precision(&[0, 0], &[0.1, 0.2])));
    assert!(is_input_err(average_precision(&[0, 2], &[0.1, 0.2])));
    assert!(is_input_err(average_precision(&[1, 0], &[f64::NAN, 0.2])));
    assert!(is_input_err(average_precision(&[1], &[0.1, 0.2])));
}

#[test]
fn error_cases() {
    assert!(is_input_err(accuracy(&[], &[])));
    assert!(is_input_err(accuracy(&[0, 1], &[0])));
    assert!(is_input_err(accuracy(&[0, -1], &[0, 1])));
    assert!(is_input_err(balanced_accuracy(&[], &[])));
    assert!(is_input_err(balanced_accuracy(&[0], &[0, 1])));
    assert!(is_input_err(confusion_matrix(&[0, 3], &[0, 1], 3)));
    assert!(is_input_err(confusion_matrix(&[0, 1], &[0, -1], 3)));
    assert!(is_input_err(confusion_matrix(&[0], &[0], 0)));
    assert!(is_input_err(per_class(&[], &[], 2)));
    assert!(is_input_err(precision_recall_f1(
        &[0, 2],
        &[0, 1],
        2,
        Average::Macro
    )));
    assert!(is_input_err(classification_report(&[0, 1], &[0], 2)));
    // roc_auc: empty, mismatch, non-binary labels, NaN / infinite scores, one class only
    assert!(is_input_err(roc_auc(&[], &[])));
    assert!(is_input_err(roc_auc(&[0, 1], &[0.5])));
    assert!(is_input_err(roc_auc(&[0, 2], &[0.1, 0.5])));
    assert!(is_input_err(roc_auc(&[0, 1], &[0.1, f64::NAN])));
    assert!(is_input_err(roc_auc(&[0, 1], &[f64::INFINITY, 0.5])));
    assert!(is_input_err(roc_auc(&[1, 1, 1], &[0.1, 0.2, 0.3])));
    // roc_auc_ovr: ragged rows, not probabilities, an absent class, NaN, out-of-range label
    let p = vec![
        vec![0.5, 0.25, 0.25],
        vec![0.2, 0.5, 0.3],
        vec![0.1, 0.1, 0.8],
    ];
    assert!(roc_auc_ovr(&[0, 1, 2], &p, Average::Macro).is_ok());
    let ragged = vec![vec![0.5, 0.5], vec![0.2, 0.5, 0.3], vec![0.1, 0.1, 0.8]];
    assert!(is_input_err(roc_auc_ovr(
        &[0, 1, 2],
        &ragged,
        Average::Macro
    )));
    let logits = vec![
        vec![2.0, 0.5, 0.5],
        vec![0.2, 0.5, 0.3],
        vec![0.1, 0.1, 0.8],
    ];
    assert!(is_input_err(roc_auc_ovr(
        &[0, 1, 2],
        &logits,
        Average::Macro
    )));
    assert!(is_input_err(roc_auc_ovr(&[0, 1, 1], &p, Average::Macro)));
    assert!(is_input_err(roc_auc_ovr(&[0, 1, 3], &p, Average::Macro)));
    let nan = vec![vec![f64::NAN, 0.5, 0.5], p[1].clone(), p[2].clone()];
    assert!(is_input_err(roc_auc_ovr(&[0, 1, 2], &nan, Average::Macro)));
    assert!(is_input_err(roc_auc_ovr(&[], &[], Average::Macro)));
}

/// Seeded logits and targets of `n` samples over `c` classes.
fn batch(seed: u64, n: usize, c: usize) -> (Tensor, Tensor, Vec<i64>) {
    let mut rng = Rng::new(seed);
    let y: Vec<i64> = (0..n).map(|_| rng.below(c) as i64).collect();
    let logits: Vec<f64> = (0..n * c)
        .map(|i| rng.normal() + if (i % c) as i64 == y[i / c] { 1.0 } else { 0.0 })
        .collect();
    let x = Tensor::from_slice(&logits)
        .reshape([n as i64, c as i64])
        .to_kind(Kind::Float);
    (x, Tensor::from_slice(&y), y)
}

#[test]
fn accumulator_three_batches_equal_one() {
    for c in [2usize, 4] {
        let (x, t, y) = batch(7 + c as u64, 40, c);
        let mut all = ClassificationMetrics::new(c);
        all.update(&x, &t).unwrap();
        let mut parts = ClassificationMetrics::new(c);
        for (start, len) in [(0, 13), (13, 20), (33, 7)] {
            parts
                .update(&x.narrow(0, start, len), &t.narrow(0, start, len))
                .unwrap();
        }
        assert_eq!(parts.len(), 40);
        assert_eq!(parts.compute().unwrap(), all.compute().unwrap());
        assert_eq!(parts.roc_auc().unwrap(), all.roc_auc().unwrap());

        // same as the slice functions on argmax labels and softmax probabilities
        let pred = Vec::<i64>::try_from(&x.argmax(1, false)).unwrap();
        assert_eq!(
            all.compute().unwrap(),
            classification_report(&y, &pred, c).unwrap()
        );
        let probs =
            Vec::<Vec<f64>>::try_from(&x.to_kind(Kind::Double).softmax(1, Kind::Double)).unwrap();
        let expect = if c == 2 {
            roc_auc(&y, &probs.iter().map(|r| r[1]).collect::<Vec<_>>()).unwrap()
        } else {
            roc_auc_ovr(&y, &probs, Average::Macro).unwrap()
        };
        assert!((all.roc_auc().unwrap() - expect).abs() < 1e-12);

        // labels in three batches give the same report too
        let mut lab = ClassificationMetrics::new(c);
        lab.update_labels(&y[..5], &pred[..5]).unwrap();
        lab.update_labels(&y[5..30], &pred[5..30]).unwrap();
        lab.update_labels(&y[30..], &pred[30..]).unwrap();
        assert_eq!(lab.compute().unwrap(), all.compute().unwrap());
        assert!(is_input_err(lab.roc_auc()));

        parts.reset();
        assert!(parts.is_empty());
        assert!(is_input_err(parts.compute()));
        assert!(is_input_err(parts.roc_auc()));
    }
}

#[test]
fn accumulator_keeps_probabilities_and_checks_input() {
    // rows that are already distributions are kept as they are (not softmaxed again)
    let p = [0.7, 0.2, 0.1, 0.2, 0.3, 0.5, 0.3, 0.4, 0.3, 0.1, 0.1, 0.8];
    let probs = Tensor::from_slice(&p).reshape([4, 3]);
    let y = [0i64, 2, 1, 2];
    let mut m = ClassificationMetrics::new(3);
    m.update(&probs, &Tensor::from_slice(&y).reshape([4, 1]))
        .unwrap();
    let rows: Vec<Vec<f64>> = p.chunks(3).map(|r| r.to_vec()).collect();
    assert_eq!(
        m.roc_auc().unwrap(),
        roc_auc_ovr(&y, &rows, Average::Macro).unwrap()
    );
    assert_eq!(
        m.compute().unwrap().confusion,
        vec![vec![1, 0, 0], vec![0, 1, 0], vec![0, 0, 2]]
    );
    // float targets holding whole numbers are accepted
    m.update(&probs, &Tensor::from_slice(&[0.0f32, 2.0, 1.0, 2.0]))
        .unwrap();
    assert_eq!(m.len(), 8);

    let t = Tensor::from_slice(&[0i64, 1, 2, 1]);
    assert!(is_input_err(m.update(
        &Tensor::zeros([4, 2], (Kind::Float, tch::Device::Cpu)),
        &t
    )));
    assert!(is_input_err(
        m.update(&probs, &Tensor::from_slice(&[0i64, 1]))
    ));
    assert!(is_input_err(
        m.update(&probs, &Tensor::from_slice(&[0i64, 1, 3, 1]))
    ));
    assert!(is_input_err(
        m.update(&probs, &Tensor::from_slice(&[0.0, 1.5, 2.0, 1.0]))
    ));
    let nan = Tensor::from_slice(&[f64::NAN; 12]).reshape([4, 3]);
    assert!(is_input_err(m.update(&nan, &t)));
    assert!(is_input_err(m.update_labels(&[0, 1], &[0])));
    assert!(is_input_err(m.update_labels(&[0, 3], &[0, 1])));
    // failed updates added nothing; empty batches are no-ops
    assert_eq!(m.len(), 8);
    m.update(
        &Tensor::zeros([0, 3], (Kind::Float, tch::Device::Cpu)),
        &Tensor::zeros([0], (Kind::Int64, tch::Device::Cpu)),
    )
    .unwrap();
    m.update_labels(&[], &[]).unwrap();
    assert_eq!(m.len(), 8);
    assert!(m.roc_auc().is_ok());
    // one class: no AUC
    let mut one = ClassificationMetrics::new(1);
    one.update_labels(&[0, 0], &[0, 0]).unwrap();
    assert_eq!(one.compute().unwrap().accuracy, 1.0);
}

#[test]
fn average_serde_names() {
    assert_eq!(
        serde_json::to_string(&Average::Weighted).unwrap(),
        "\"weighted\""
    );
    let a: Average = serde_json::from_str("\"micro\"").unwrap();
    assert_eq!(a, Average::Micro);
}

/// Macro averages over the classes present only (scikit-learn's `labels=None`), for class
/// indices and names alike: a model of 5 classes, 0 and 1 in the truth, 3 only predicted.
#[test]
fn report_over_the_classes_present() {
    let (present, r) = classification_report_present(&[0, 0, 1, 1], &[0, 3, 1, 1]).unwrap();
    assert_eq!(present, [0, 1, 3]);
    // precision [1, 1, 0], recall [0.5, 1, 0], F1 [2/3, 1, 0] over three classes, not five.
    assert!((r.precision_macro - 2.0 / 3.0).abs() < 1e-12);
    assert!((r.recall_macro - 0.5).abs() < 1e-12);
    assert!((r.f1_macro - 5.0 / 9.0).abs() < 1e-12);
    assert!((r.balanced_accuracy - 0.75).abs() < 1e-12);
    assert_eq!(r.confusion, [[1, 0, 1], [0, 2, 0], [0, 0, 0]]);
    let (names, s) =
        classification_report_present(&["b", "b", "c", "c"], &["b", "z", "c", "c"]).unwrap();
    assert_eq!(names, ["b", "c", "z"]);
    assert_eq!(s, r);
    assert!(classification_report_present::<i64>(&[], &[]).is_err());
}
