"""PyTorch eager side of `deepfield-vision bench`: the same LeNet-5 and ResNet-20 (BasicBlock,
1x1-projection shortcuts) as deepfield-vision's, a training step (forward, cross-entropy,
backward, Adam) on MNIST batches of 64 read from the same IDX files. One call times one round
of `--steps` steps after `--warmup` untimed ones and prints ms per step; the Rust side calls it
in alternation with its own rounds and keeps the best round of each."""
import argparse
import gzip
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def idx(path):
    raw = open(path, "rb").read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


class BasicBlock(nn.Module):
    def __init__(self, i, o, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(i, o, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(o)
        self.conv2 = nn.Conv2d(o, o, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(o)
        self.downsample = None
        if stride != 1 or i != o:
            self.downsample = nn.Sequential(nn.Conv2d(i, o, 1, stride, bias=False), nn.BatchNorm2d(o))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        idn = x if self.downsample is None else self.downsample(x)
        return F.relu(out + idn)


class ResNet(nn.Module):
    def __init__(self, widths=(16, 32, 64), blocks=(3, 3, 3), classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        layers, c = [], widths[0]
        for s, (w, n) in enumerate(zip(widths, blocks)):
            stage = []
            for b in range(n):
                stage.append(BasicBlock(c, w, 2 if s > 0 and b == 0 else 1))
                c = w
            layers.append(nn.Sequential(*stage))
        self.layer1, self.layer2, self.layer3 = layers
        self.fc = nn.Linear(c, classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.fc(x.mean((2, 3)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True, help="the mnist folder (train-*-idx*-ubyte.gz)")
    ap.add_argument("--model", choices=["lenet5", "resnet20"], required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    n = a.batch * (a.steps + a.warmup)
    x = torch.from_numpy(idx(f"{a.data}/train-images-idx3-ubyte.gz")[:n].copy()).float().div(255).unsqueeze(1)
    y = torch.from_numpy(idx(f"{a.data}/train-labels-idx1-ubyte.gz")[:n].astype(np.int64))
    model = LeNet5() if a.model == "lenet5" else ResNet()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(i):
        xb, yb = x[i * a.batch : (i + 1) * a.batch], y[i * a.batch : (i + 1) * a.batch]
        opt.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        opt.step()
        return loss

    for i in range(a.warmup):
        step(i)
    t = time.perf_counter()
    for i in range(a.steps):
        loss = step(a.warmup + i)
    loss.item()
    ms = (time.perf_counter() - t) * 1000 / a.steps
    print(f"bench {a.model} pytorch threads={a.threads} steps={a.steps} ms_per_step={ms:.3f} loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
