"""PyTorch Geometric side of `deepfield-graph bench`: a 2-layer GCN (16 hidden, dropout 0.5,
Adam 0.01, weight decay 5e-4) on Cora read from the same text files, dense row-normalised features
(as in PyG's examples/gcn.py), cached normalised adjacency. Prints ms per training epoch and the
test accuracy after the last epoch."""
import argparse
import time

import torch
import torch.nn.functional as F
from torch_geometric.nn import GCNConv


def load(d):
    rows = [l.rstrip("\n").split("\t") for l in open(f"{d}/nodes.tsv")][1:]
    n = len(rows)
    y = torch.tensor([int(r[1]) for r in rows])
    train = torch.tensor([r[2] == "train" for r in rows])
    test = torch.tensor([r[2] == "test" for r in rows])
    feats = [[int(t) for t in l.split()] for l in open(f"{d}/features.txt")][:n]
    f = max(max(r) for r in feats if r) + 1
    x = torch.zeros(n, f)
    for i, r in enumerate(feats):
        x[i, r] = 1.0
    x = x / x.sum(1, keepdim=True).clamp(min=1)
    e = torch.tensor([[int(a), int(b)] for a, b in (l.split() for l in open(f"{d}/edges.txt"))]).t()
    edge_index = torch.cat([e, e.flip(0)], 1)
    return x, y, edge_index, train, test


class GCN(torch.nn.Module):
    def __init__(self, i, h, o):
        super().__init__()
        self.conv1 = GCNConv(i, h, cached=True)
        self.conv2 = GCNConv(h, o, cached=True)

    def forward(self, x, ei):
        x = F.dropout(x, 0.5, self.training)
        x = self.conv1(x, ei).relu()
        x = F.dropout(x, 0.5, self.training)
        return self.conv2(x, ei)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--epochs", type=int, default=200)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    x, y, ei, train, test = load(a.data)
    model = GCN(x.size(1), 16, int(y.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)

    def step():
        model.train()
        opt.zero_grad()
        out = model(x, ei)
        F.cross_entropy(out[train], y[train]).backward()
        opt.step()

    for _ in range(5):
        step()
    t = time.perf_counter()
    for _ in range(a.epochs):
        step()
    ms = (time.perf_counter() - t) * 1000 / a.epochs
    model.eval()
    with torch.no_grad():
        acc = (model(x, ei).argmax(1)[test] == y[test]).float().mean().item()
    print(f"bench gcn-cora pyg threads={a.threads} epochs={a.epochs} ms_per_epoch={ms:.3f} test_acc={acc:.4f}")


if __name__ == "__main__":
    main()
