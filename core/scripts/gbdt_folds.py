"""Gradient-boosted tree baselines of the `pile-xai` reproduction on deepfield's folds.

Called by `deepfield-core repro pile-xai` (core/src/repro/pile/gbdt.rs), which writes into one
folder: `data.csv` (the feature columns, then the target as the last column), `folds.json`
({"folds": [{"train": [row, ...], "test": [row, ...]}, ...]}, 0-based data rows) and
`settings.json` ({"models": ["lightgbm", "xgboost", "catboost"], "seed": 0, "trees": 600,
"learning_rate": 0.05, "threads": 1, "install": true}). Writes `predictions.json`:
{"models": {"lightgbm": {"version": "4.x", "folds": [[test prediction, ...], ...]}, ...}}.

Missing packages are pip-installed into this interpreter when `install` is true; when that is
impossible the script exits with status 3 and a message naming the packages.
"""

import importlib
import json
import subprocess
import sys
from pathlib import Path

PIP_NAMES = {
    "lightgbm": "lightgbm",
    "xgboost": "xgboost",
    "catboost": "catboost",
    "sklearn": "scikit-learn",
}


def ensure(models, install):
    missing = []
    # The scikit-learn wrappers of lightgbm and xgboost (LGBMRegressor, XGBRegressor) need
    # scikit-learn, which neither package installs by itself.
    if any(m in ("lightgbm", "xgboost") for m in models):
        models = [*models, "sklearn"]
    for m in models:
        try:
            importlib.import_module(m)
        except ImportError:
            missing.append(m)
    if not missing:
        return
    specs = [PIP_NAMES[m] for m in missing]
    if not install:
        sys.exit(f"gbdt_folds: missing Python packages {specs} in {sys.executable}")
    print(f"gbdt_folds: installing {' '.join(specs)} into {sys.executable}", file=sys.stderr)
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", *specs]
    )
    if r.returncode != 0:
        print(
            f"gbdt_folds: could not pip-install {' '.join(specs)} into {sys.executable} "
            f"(no network or no pip?). Install them into that environment and rerun.",
            file=sys.stderr,
        )
        sys.exit(3)
    importlib.invalidate_caches()


def make(name, s):
    seed, trees, lr, threads = s["seed"], s["trees"], s["learning_rate"], s["threads"]
    if name == "lightgbm":
        import lightgbm

        return lightgbm.LGBMRegressor(
            n_estimators=trees, learning_rate=lr, num_leaves=31, subsample=0.8, subsample_freq=1,
            colsample_bytree=0.9, random_state=seed, n_jobs=threads, verbose=-1,
        ), lightgbm.__version__
    if name == "xgboost":
        import xgboost

        return xgboost.XGBRegressor(
            n_estimators=trees, learning_rate=lr, max_depth=6, subsample=0.8, colsample_bytree=0.9,
            random_state=seed, n_jobs=threads, tree_method="hist",
        ), xgboost.__version__
    if name == "catboost":
        import catboost

        return catboost.CatBoostRegressor(
            iterations=trees, learning_rate=lr, depth=6, random_seed=seed, thread_count=threads,
            verbose=False, allow_writing_files=False,
        ), catboost.__version__
    sys.exit(f"gbdt_folds: unknown model {name!r} (lightgbm, xgboost, catboost)")


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: gbdt_folds.py <folder with data.csv, folds.json, settings.json>")
    d = Path(sys.argv[1])
    import numpy as np

    s = json.loads((d / "settings.json").read_text())
    folds = json.loads((d / "folds.json").read_text())["folds"]
    data = np.loadtxt(d / "data.csv", delimiter=",", skiprows=1, ndmin=2)
    x, y = data[:, :-1], data[:, -1]
    ensure(s["models"], s.get("install", True))
    out = {}
    for name in s["models"]:
        preds = []
        version = ""
        for f in folds:
            model, version = make(name, s)
            model.fit(x[f["train"]], y[f["train"]])
            preds.append([float(v) for v in model.predict(x[f["test"]])])
        out[name] = {"version": version, "folds": preds}
    (d / "predictions.json").write_text(json.dumps({"models": out}))


if __name__ == "__main__":
    main()
