"""avalanche-lib on the same split-MNIST stream as the `continual` reproduction (Class-IL:
5 experiences of consecutive digit pairs, one shared 10-unit head), for comparison.

Usage: python avalanche_split.py MNIST_DIR HIDDEN ITERATIONS LR TRAIN_SAMPLES SEED OUT_JSON
Training runs for ceil(ITERATIONS * 128 / samples per task) epochs per experience (avalanche
counts epochs). Writes {"methods": {name: final average accuracy}, "versions": {...}}.
"""
import gzip
import json
import math
import sys

import numpy as np
import torch
from torch import nn
from torch.utils.data import TensorDataset

import avalanche
from avalanche.benchmarks.scenarios.deprecated.generators import nc_benchmark
from avalanche.training.supervised import EWC, LwF, Naive, Replay, SynapticIntelligence


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


class Digits(TensorDataset):
    def __init__(self, x, y):
        super().__init__(x, y)
        self.targets = y.tolist()


def load(folder, stem, limit, seed):
    x = torch.tensor(read_idx(f"{folder}/{stem}-images-idx3-ubyte.gz"), dtype=torch.float32)
    y = torch.tensor(read_idx(f"{folder}/{stem}-labels-idx1-ubyte.gz"), dtype=torch.long)
    x = x.reshape(len(x), -1) / 255.0
    if limit and limit < len(x):
        idx = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))[:limit]
        x, y = x[idx], y[idx]
    return Digits(x, y)


def main():
    folder, hidden, iters, lr, limit, seed, out = sys.argv[1:8]
    hidden, iters, lr, limit, seed = int(hidden), int(iters), float(lr), int(limit), int(seed)
    torch.manual_seed(seed)
    train = load(folder, "train", limit, 12345)
    test = load(folder, "t10k", 0, 0)
    bench = nc_benchmark(train, test, n_experiences=5, task_labels=False, shuffle=False,
                         fixed_class_order=list(range(10)))
    per_task = len(train) / 5
    epochs = max(1, math.ceil(iters * 128 / per_task))

    def mlp():
        return nn.Sequential(nn.Linear(784, hidden), nn.ReLU(), nn.Linear(hidden, hidden),
                             nn.ReLU(), nn.Linear(hidden, 10))

    common = dict(train_mb_size=128, train_epochs=epochs, eval_mb_size=1000, device="cpu",
                  evaluator=None)
    methods = {
        "fine-tune": lambda m, o: Naive(model=m, optimizer=o, criterion=nn.CrossEntropyLoss(),
                                        **common),
        "ewc": lambda m, o: EWC(model=m, optimizer=o, criterion=nn.CrossEntropyLoss(),
                                ewc_lambda=1e9, **common),
        "si": lambda m, o: SynapticIntelligence(model=m, optimizer=o,
                                                criterion=nn.CrossEntropyLoss(), si_lambda=5e3,
                                                **common),
        "lwf": lambda m, o: LwF(model=m, optimizer=o, criterion=nn.CrossEntropyLoss(),
                                alpha=1.0, temperature=2.0, **common),
        "replay": lambda m, o: Replay(model=m, optimizer=o, criterion=nn.CrossEntropyLoss(),
                                      mem_size=1000, **common),
    }
    result = {}
    for name, make in methods.items():
        torch.manual_seed(seed)
        model = mlp()
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
        strategy = make(model, opt)
        for exp in bench.train_stream:
            strategy.train(exp)
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for exp in bench.test_stream:
                ds = exp.dataset
                xs = torch.stack([ds[i][0] for i in range(len(ds))])
                ys = torch.tensor([int(ds[i][1]) for i in range(len(ds))])
                correct_t = (model(xs).argmax(-1) == ys).float().mean().item()
                correct += correct_t
                total += 1
        result[name] = correct / total
        print(f"avalanche {name}: {100 * result[name]:.2f} %", flush=True)
    with open(out, "w") as f:
        json.dump({"methods": result, "epochs_per_experience": epochs,
                   "versions": {"avalanche": avalanche.__version__, "torch": torch.__version__}},
                  f)


if __name__ == "__main__":
    main()
