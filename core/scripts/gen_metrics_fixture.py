#!/usr/bin/env python3
"""Reference values of deepfield-core's metrics, computed with scikit-learn and numpy.

How to run (from the workspace root /work/main, after `cargo xtask setup` made the venv):

    target/deepfield-venv/bin/python core/scripts/gen_metrics_fixture.py

It (over)writes core/tests/fixtures/metrics_sklearn.json, which core/tests/metrics_sklearn.rs
reads and compares with the Rust implementation (core/src/metrics/) to a relative tolerance of
1e-10. Everything is seeded, so re-running gives the same file for the same numpy/scikit-learn.

Conventions mirrored from the Rust API:
* labels are 0..n_classes (passed to scikit-learn as `labels=`), zero_division=0;
* Nash-Sutcliffe efficiency (NSE) is computed in numpy from its formula
  1 - sum((o - s)^2) / sum((o - mean(o))^2); for one output it equals r2_score (asserted here);
* `null` marks a value that is undefined (the Rust function must return an error there).
"""

import json
import os

import numpy as np
import sklearn
from sklearn import metrics as skm

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "metrics_sklearn.json")
SEED = 20240531


def f(x):
    """A plain Python float (json writes repr, which round-trips exactly)."""
    return float(x)


def classification_case(name, y_true, y_pred, n_classes):
    y_true = np.asarray(y_true, dtype=np.int64)
    y_pred = np.asarray(y_pred, dtype=np.int64)
    labels = list(range(n_classes))
    p, r, f1, s = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=None, zero_division=0)
    case = {
        "name": name,
        "n_classes": n_classes,
        "y_true": y_true.tolist(),
        "y_pred": y_pred.tolist(),
        "accuracy": f(skm.accuracy_score(y_true, y_pred)),
        "balanced_accuracy": f(skm.balanced_accuracy_score(y_true, y_pred)),
        "confusion": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        "precision": [f(v) for v in p],
        "recall": [f(v) for v in r],
        "f1": [f(v) for v in f1],
        "support": [int(v) for v in s],
    }
    for avg in ("macro", "micro", "weighted"):
        prf = skm.precision_recall_fscore_support(y_true, y_pred, labels=labels, average=avg, zero_division=0)
        case[avg] = [f(prf[0]), f(prf[1]), f(prf[2])]
        # the single-metric functions agree with the tuple
        assert prf[2] == skm.f1_score(y_true, y_pred, labels=labels, average=avg, zero_division=0)
    return case


def scores_case(name, y_true, scores, key, metric):
    """Binary labels and scores, with `metric(y_true, scores)` under `key`."""
    y_true = np.asarray(y_true, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    return {
        "name": name,
        "y_true": y_true.tolist(),
        "scores": [f(v) for v in scores],
        key: f(metric(y_true, scores)),
    }


def binary_auc_case(name, y_true, scores):
    return scores_case(name, y_true, scores, "roc_auc", skm.roc_auc_score)


def ovr_auc_case(name, y_true, probs):
    y_true = np.asarray(y_true, dtype=np.int64)
    probs = np.asarray(probs, dtype=np.float64)
    n_classes = probs.shape[1]
    case = {"name": name, "y_true": y_true.tolist(), "probs": [[f(v) for v in row] for row in probs]}
    if n_classes > 2:
        for avg in ("macro", "weighted", "micro"):
            case[avg] = f(skm.roc_auc_score(y_true, probs, multi_class="ovr", average=avg, labels=list(range(n_classes))))
    else:
        # scikit-learn treats a 2-column score with binary labels as an error, so build the
        # one-vs-rest average from its binary AUC exactly as its multiclass path does.
        onehot = np.eye(n_classes, dtype=np.int64)[y_true]
        per = np.array([skm.roc_auc_score(onehot[:, k], probs[:, k]) for k in range(n_classes)])
        case["macro"] = f(per.mean())
        case["weighted"] = f(np.average(per, weights=onehot.sum(axis=0)))
        case["micro"] = f(skm.roc_auc_score(onehot.ravel(), probs.ravel()))
        # with probabilities, each column's AUC is the binary AUC of class 1
        assert np.isclose(case["macro"], skm.roc_auc_score(y_true, probs[:, 1]), rtol=0, atol=1e-12)
    return case


def clustering_case(name, a, b):
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    return {
        "name": name,
        "a": a.tolist(),
        "b": b.tolist(),
        # arithmetic normalisation is the default; spelt out so a changed default cannot move it
        "nmi": f(skm.normalized_mutual_info_score(a, b, average_method="arithmetic")),
        "ari": f(skm.adjusted_rand_score(a, b)),
    }


def average_precision_case(name, y_true, scores):
    return scores_case(name, y_true, scores, "average_precision", skm.average_precision_score)


def nse(obs, sim):
    obs = np.asarray(obs, dtype=np.float64)
    sim = np.asarray(sim, dtype=np.float64)
    den = np.sum((obs - obs.mean()) ** 2)
    if np.all(obs == obs[0]):
        return None
    return 1.0 - np.sum((obs - sim) ** 2) / den


def regression_case(name, y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    r2 = skm.r2_score(y_true, y_pred)
    e = nse(y_true, y_pred)
    if e is not None:
        assert np.isclose(e, r2, rtol=1e-12, atol=1e-12), (name, e, r2)
    return {
        "name": name,
        "y_true": [f(v) for v in y_true],
        "y_pred": [f(v) for v in y_pred],
        "mae": f(skm.mean_absolute_error(y_true, y_pred)),
        "mse": f(skm.mean_squared_error(y_true, y_pred)),
        "rmse": f(skm.root_mean_squared_error(y_true, y_pred)),
        "mape": f(skm.mean_absolute_percentage_error(y_true, y_pred)),
        "r2": f(r2),
        "nse": None if e is None else f(e),
    }


def multioutput_case(name, y_true, y_pred):
    y_true = np.asarray(y_true, dtype=np.float64)
    y_pred = np.asarray(y_pred, dtype=np.float64)
    k = y_true.shape[1]
    per = [regression_case(f"{name}[{j}]", y_true[:, j], y_pred[:, j]) for j in range(k)]
    for p in per:
        for key in ("y_true", "y_pred", "name", "mse"):
            del p[key]
    case = {
        "name": name,
        "y_true": [[f(v) for v in row] for row in y_true],
        "y_pred": [[f(v) for v in row] for row in y_pred],
        # scikit-learn's multioutput="uniform_average": the mean of the per-output scores
        "mae": f(skm.mean_absolute_error(y_true, y_pred)),
        "rmse": f(skm.root_mean_squared_error(y_true, y_pred)),
        "mape": f(skm.mean_absolute_percentage_error(y_true, y_pred)),
        "r2": f(skm.r2_score(y_true, y_pred)),
        "nse": f(np.mean([p["nse"] for p in per])),
        "per_output": per,
    }
    return case


def main():
    rng = np.random.default_rng(SEED)

    classification = []
    classification.append(classification_case("binary_hand", [0, 1, 1, 0, 1, 0, 1, 1], [0, 1, 0, 0, 1, 1, 1, 1], 2))
    classification.append(classification_case("three_class_hand", [0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], 3))
    y = rng.integers(0, 2, size=100)
    flip = rng.random(100) < 0.25
    classification.append(classification_case("binary_random_100", y, np.where(flip, 1 - y, y), 2))
    # 4 classes, class 3 present in y_true but never predicted (precision 0 by zero_division)
    y = rng.integers(0, 4, size=120)
    pred = np.where(rng.random(120) < 0.6, y, rng.integers(0, 4, size=120))
    pred = np.where(pred == 3, rng.integers(0, 3, size=120), pred)
    assert 3 in y and 3 not in pred
    classification.append(classification_case("four_class_never_predicted", y, pred, 4))
    # 5 classes: class 2 absent from y_true but predicted, class 4 absent from both
    y = rng.choice([0, 1, 3], size=80)
    pred = np.where(rng.random(80) < 0.5, y, rng.integers(0, 4, size=80))
    assert 2 not in y and 2 in pred and 4 not in y and 4 not in pred
    classification.append(classification_case("five_class_absent_labels", y, pred, 5))
    classification.append(classification_case("perfect_three_class", [2, 0, 1, 1, 0, 2, 2], [2, 0, 1, 1, 0, 2, 2], 3))
    classification.append(classification_case("all_wrong_binary", [0, 0, 1, 1], [1, 1, 0, 0], 2))

    binary_auc = []
    binary_auc.append(binary_auc_case("hand", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]))
    binary_auc.append(binary_auc_case("hand_ties", [0, 1, 0, 1, 1, 0], [0.5, 0.5, 0.2, 0.9, 0.2, 0.5]))
    binary_auc.append(binary_auc_case("all_tied", [0, 1, 1, 0, 1], [3.0, 3.0, 3.0, 3.0, 3.0]))
    binary_auc.append(binary_auc_case("perfect_inverted", [1, 1, 0, 0], [-2.0, -1.0, 1.0, 2.0]))
    y = rng.integers(0, 2, size=60)
    s = np.round(0.3 * y + rng.random(60) * 0.8, 1)  # one decimal: many ties
    binary_auc.append(binary_auc_case("ties_60", y, s))
    y = rng.integers(0, 2, size=200)
    binary_auc.append(binary_auc_case("logits_200", y, 0.8 * y + rng.normal(size=200)))

    ovr_auc = []
    ovr_auc.append(
        ovr_auc_case(
            "three_class_hand",
            [0, 1, 2, 2, 1, 0],
            [[0.7, 0.2, 0.1], [0.3, 0.4, 0.3], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.25, 0.25, 0.5], [0.6, 0.3, 0.1]],
        )
    )
    y = rng.integers(0, 3, size=90)
    logits = rng.normal(size=(90, 3)) + 1.2 * np.eye(3)[y]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    ovr_auc.append(ovr_auc_case("three_class_90", y, p / p.sum(axis=1, keepdims=True)))
    # probabilities drawn from a few fixed rows: many ties in every column, unbalanced classes
    table = np.array([[0.25, 0.25, 0.25, 0.25], [0.5, 0.25, 0.125, 0.125], [0.125, 0.5, 0.25, 0.125], [0.0, 0.25, 0.25, 0.5]])
    y = rng.choice(4, size=70, p=[0.4, 0.3, 0.2, 0.1])
    rows = np.where(rng.random(70) < 0.5, y, rng.integers(0, 4, size=70))
    ovr_auc.append(ovr_auc_case("four_class_ties_70", y, table[rows]))
    y = rng.integers(0, 2, size=50)
    p1 = 1.0 / (1.0 + np.exp(-(y + rng.normal(size=50))))
    ovr_auc.append(ovr_auc_case("two_class_50", y, np.stack([1.0 - p1, p1], axis=1)))

    regression = []
    regression.append(regression_case("sklearn_doc", [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0]))
    regression.append(regression_case("perfect", [1.0, 2.0, 3.5], [1.0, 2.0, 3.5]))
    x = np.linspace(0.0, 6.0, 200)
    yt = 3.0 + np.sin(x) + 0.1 * rng.normal(size=200)
    regression.append(regression_case("sine_200", yt, yt + 0.3 * rng.normal(size=200)))
    yt = 10.0 * rng.gamma(2.0, size=200)
    regression.append(regression_case("worse_than_mean_200", yt, yt.mean() + 2.0 * (rng.random(200) - 0.5) * yt.std() * 3))
    # a zero in y_true: MAPE divides by eps = 2.2e-16 (huge, but it is scikit-learn's value)
    regression.append(regression_case("zero_in_true", [0.0, 1.0, -2.0, 4.0], [0.5, 1.5, -2.5, 3.0]))
    # constant y_true: r2 is 1 for a perfect fit, 0 otherwise (scikit-learn's force_finite); NSE undefined
    regression.append(regression_case("constant_true_imperfect", [2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 2.5]))
    regression.append(regression_case("constant_true_perfect", [2.0, 2.0, 2.0], [2.0, 2.0, 2.0]))

    multioutput = []
    yt = rng.normal(size=(150, 3)) * np.array([1.0, 10.0, 0.1]) + np.array([5.0, -20.0, 1.0])
    yp = yt + rng.normal(size=(150, 3)) * np.array([0.5, 3.0, 0.05])
    multioutput.append(multioutput_case("three_outputs_150", yt, yp))

    # Clustering and ranking cases come from their own generator, so the cases above keep the
    # values they had before these were added.
    rng = np.random.default_rng(SEED + 1)
    clustering = []
    clustering.append(clustering_case("hand", [0, 0, 1, 1], [0, 0, 0, 1]))
    clustering.append(clustering_case("relabelled_perfect", [0, 0, 1, 1, 2, 2], [7, 7, 3, 3, -1, -1]))
    clustering.append(clustering_case("one_cluster_vs_singletons", [0, 0, 0, 0], [0, 1, 2, 3]))
    clustering.append(clustering_case("both_one_cluster", [4, 4, 4], [1, 1, 1]))
    a = rng.integers(0, 4, size=60)
    b = np.where(rng.random(60) < 0.6, a, rng.integers(0, 5, size=60))
    clustering.append(clustering_case("noisy_4_vs_5_clusters_60", a, b))
    # 7 classes against a k-means-like 7-way split that merges two and splits one
    a = rng.integers(0, 7, size=400)
    b = np.where(a == 6, 5, a)
    b = np.where((a == 2) & (rng.random(400) < 0.5), 9, b)
    b = np.where(rng.random(400) < 0.15, rng.integers(0, 10, size=400), b)
    clustering.append(clustering_case("merge_and_split_400", a, b))
    # independent labelings: NMI small, ARI about 0 (slightly negative here)
    clustering.append(clustering_case("independent_500", rng.integers(0, 10, size=500), rng.integers(0, 8, size=500)))

    average_precision = []
    average_precision.append(average_precision_case("hand_ties", [0, 1, 1, 0, 1], [0.1, 0.9, 0.4, 0.4, 0.8]))
    average_precision.append(average_precision_case("all_tied", [1, 0, 0, 1, 0], [0.5, 0.5, 0.5, 0.5, 0.5]))
    average_precision.append(average_precision_case("one_positive_last", [0, 0, 0, 1], [0.9, 0.8, 0.7, 0.1]))
    y = rng.integers(0, 2, size=80)
    average_precision.append(average_precision_case("ties_80", y, np.round(rng.random(80) + 0.4 * y, 2)))
    y = (rng.random(300) < 0.2).astype(np.int64)
    average_precision.append(average_precision_case("unbalanced_logits_300", y, 1.0 * y + rng.normal(size=300)))

    out = {
        "generator": "core/scripts/gen_metrics_fixture.py",
        "seed": SEED,
        "numpy_version": np.__version__,
        "sklearn_version": sklearn.__version__,
        "relative_tolerance": 1e-10,
        "classification": classification,
        "binary_auc": binary_auc,
        "ovr_auc": ovr_auc,
        "regression": regression,
        "multioutput_regression": multioutput,
        "clustering": clustering,
        "average_precision": average_precision,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")
    print(f"wrote {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
