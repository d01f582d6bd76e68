"""Reference values for the clustering and link-prediction metrics of deepfield-graph, from
scikit-learn. Run: target/deepfield-venv/bin/python graph/scripts/metrics_reference.py
(writes graph/tests/fixtures/metrics_sklearn.json)."""
import json
import pathlib

import numpy as np
from sklearn.metrics import adjusted_rand_score, average_precision_score, normalized_mutual_info_score

rng = np.random.default_rng(0)
a = rng.integers(0, 4, 60).tolist()
b = [(x if rng.random() < 0.6 else int(rng.integers(0, 5))) for x in a]
y = rng.integers(0, 2, 80).tolist()
s = np.round(rng.random(80) + 0.4 * np.array(y), 2).tolist()  # rounded: ties included
out = {
    "a": a, "b": b, "nmi": normalized_mutual_info_score(a, b), "ari": adjusted_rand_score(a, b),
    "y": y, "scores": s, "ap": average_precision_score(y, s),
}
path = pathlib.Path(__file__).resolve().parent.parent / "tests/fixtures/metrics_sklearn.json"
path.write_text(json.dumps(out, indent=1))
print(path, out["nmi"], out["ari"], out["ap"])
