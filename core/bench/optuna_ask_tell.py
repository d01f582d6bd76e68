"""Optuna's TPESampler behind a line protocol, so deepfield evaluates the very same objective.

Usage: optuna_ask_tell.py SPACE_JSON SEED DIRECTION [SAMPLER]
SPACE_JSON is a deepfield `hpo::Space` ({"params": [...]}); SAMPLER is tpe (default) or random.
stdin, one JSON object per line:  {"op": "ask"}  ->  {"number": n, "params": {...}}
                                  {"op": "tell", "number": n, "value": v}  ->  {"ok": true}
Parameters are suggested in the space's order; a conditional one only when its parent took one
of the listed values (define-by-run, as an Optuna objective would do).
"""
import json
import sys

import optuna


def suggest(trial, p):
    t = p["type"]
    if t == "float":
        return trial.suggest_float(
            p["name"], p["low"], p["high"], log=p.get("log", False), step=p.get("step")
        )
    if t == "int":
        return trial.suggest_int(
            p["name"], p["low"], p["high"], step=p.get("step", 1), log=p.get("log", False)
        )
    return trial.suggest_categorical(p["name"], p["choices"])


def main():
    space = json.load(open(sys.argv[1]))["params"]
    seed = int(sys.argv[2])
    direction = sys.argv[3]
    kind = sys.argv[4] if len(sys.argv) > 4 else "tpe"
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    if kind == "tpe":
        sampler = optuna.samplers.TPESampler(seed=seed)
    else:
        sampler = optuna.samplers.RandomSampler(seed=seed)
    study = optuna.create_study(direction=direction, sampler=sampler)
    open_trials = {}
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["op"] == "ask":
            trial = study.ask()
            chosen = {}
            for p in space:
                c = p.get("condition")
                if c is not None and chosen.get(c["param"]) not in c["values"]:
                    continue
                chosen[p["name"]] = suggest(trial, p)
            open_trials[trial.number] = trial
            out = {"number": trial.number, "params": chosen}
        elif msg["op"] == "tell":
            trial = open_trials.pop(msg["number"])
            if msg.get("value") is None:
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, msg["value"])
            out = {"ok": True}
        else:
            out = {"error": "unknown op " + str(msg.get("op"))}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
