"""PyTorch-eager twin of `deepfield-core bench`: the same two models, shapes and training loop.

Run by `cargo xtask bench core` with the venv's python. Prints one line per model:
    bench <model> threads=<n> steps_per_s=<x>
Loop per epoch (as deepfield's Trainer): a seeded permutation of the data gathered once, then
batches as views; forward, cross-entropy, zero_grad, backward, Adam step; the loss summed on the
device and read once per epoch.
"""
import argparse
import time

import torch
from torch import nn


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.ModuleList([nn.Linear(64, 256), nn.Linear(256, 256)])
        self.out = nn.Linear(256, 10)

    def forward(self, x):
        for layer in self.hidden:
            x = torch.relu(layer(x))
        return self.out(x)


class BiLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(13, 64, num_layers=1, batch_first=True, bidirectional=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.head(out.mean(dim=1))


def bench(name, model, x, y, batch, seconds, loss_fn=None):
    """Training steps per second of `model` on `(x, y)` in batches of `batch` over about
    `seconds` (after one warm-up epoch): Adam(1e-3), `loss_fn` (default cross-entropy). Also
    used by `timeseries/bench/bench_cnn_lstm.py`."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss() if loss_fn is None else loss_fn
    n = x.shape[0]
    gen = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(n, generator=gen)
        xs, ys = x[perm], y[perm]
        total = torch.zeros(())
        steps = 0
        for s in range(0, n, batch):
            xb, yb = xs[s:s + batch], ys[s:s + batch]
            loss = loss_fn(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.detach() * xb.shape[0]
            steps += 1
        float(total)
        return steps

    epoch()  # warm-up
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        steps += epoch()
    return steps / (time.perf_counter() - start)


def setup(seconds):
    """The command line `--threads N --seconds S` (default S: `seconds`), with torch's threads
    set and seed 0. Also used by `timeseries/bench/bench_cnn_lstm.py`."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=seconds)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    return a


def main():
    a = setup(3.0)
    x = torch.randn(128 * 50, 64)
    y = torch.randint(0, 10, (128 * 50,))
    sps = bench("mlp", Mlp(), x, y, 128, a.seconds)
    print(f"bench mlp threads={a.threads} steps_per_s={sps:.2f}", flush=True)
    x = torch.randn(32 * 20, 100, 13)
    y = torch.randint(0, 10, (32 * 20,))
    sps = bench("bilstm", BiLstm(), x, y, 32, a.seconds)
    print(f"bench bilstm threads={a.threads} steps_per_s={sps:.2f}", flush=True)


if __name__ == "__main__":
    main()
