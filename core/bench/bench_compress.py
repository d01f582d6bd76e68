"""PyTorch side of `deepfield-core bench-compress` (`cargo xtask bench compress`): the same MLP,
LSTM classifier and CNN as deepfield's, rebuilt from the weights the Rust side exported
(DIR/inputs.safetensors, sizes in DIR/sizes.json). At --threads N it times, as the median of
repeated calls within --seconds, the f32 models and torch.ao's
quantize_dynamic({Linear, LSTM}, qint8) of the MLP and the LSTM, and PGD-10 of torchattacks on the
CNN (images/s). Prints one JSON line; writes its outputs to DIR/outputs.safetensors for the
agreement checks. Needs torch, safetensors and torchattacks.

Usage: bench_compress.py DIR --threads N --seconds S"""
import argparse
import json
import time
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchattacks
from safetensors.torch import load_file, save_file

warnings.filterwarnings("ignore")

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--seconds", type=float, default=2.0)
args = ap.parse_args()
torch.set_num_threads(args.threads)
d = load_file(f"{args.dir}/inputs.safetensors")
sizes = json.load(open(f"{args.dir}/sizes.json"))


def load(module, prefix):
    state = {k[len(prefix):]: v for k, v in d.items() if k.startswith(prefix)}
    module.load_state_dict(state, strict=True)
    return module.eval()


class Mlp(nn.Module):
    """deepfield's Mlp: `hidden.{i}` Linear + ReLU, then `out`."""

    def __init__(self, inp, hidden, out):
        super().__init__()
        dims = [inp] + hidden
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(dims, dims[1:]))
        self.out = nn.Linear(dims[-1], out)

    def forward(self, x):
        for layer in self.hidden:
            x = F.relu(layer(x))
        return self.out(x)


class LstmClassifier(nn.Module):
    """deepfield's SequenceClassifier: one-layer LSTM `rnn`, last step, `head`."""

    def __init__(self, inp, hidden, out):
        super().__init__()
        self.rnn = nn.LSTM(inp, hidden, batch_first=True)
        self.head = Mlp(hidden, [], out)

    def forward(self, x):
        y, _ = self.rnn(x)
        return self.head(y[:, -1])


class Block(nn.Module):
    def __init__(self, i, o, pool):
        super().__init__()
        self.conv = nn.Conv2d(i, o, 3, padding=1)
        self.pool = pool

    def forward(self, x):
        x = F.relu(self.conv(x))
        return F.max_pool2d(x, 2) if self.pool else x


class Cnn(nn.Module):
    """deepfield's CnnClassifier: `blocks.{i}.conv` 3×3 same + ReLU (+ max-pool 2), global
    max pooling, `head`."""

    def __init__(self, w):
        super().__init__()
        self.blocks = nn.ModuleList([Block(1, w, True), Block(w, 2 * w, True), Block(2 * w, 4 * w, False)])
        self.head = Mlp(4 * w, [4 * w], 10)

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return self.head(x.flatten(2).amax(2))


h = sizes["mlp_hidden"]
mlp = load(Mlp(784, [h, h], 10), "mlp.")
lstm = load(LstmClassifier(sizes["lstm_input"], sizes["lstm_hidden"], 10), "lstm.")
cnn = load(Cnn(sizes["cnn_width"]), "cnn.")
ao = {
    name: torch.ao.quantization.quantize_dynamic(m, {nn.Linear, nn.LSTM}, dtype=torch.qint8)
    for name, m in [("mlp", mlp), ("lstm", lstm)]
}
images, seqs = d["images"], d["seqs"]
flat = images.flatten(1)


def median_s(f, warmup=2, min_runs=5):
    for _ in range(warmup):
        f()
    times, start = [], time.perf_counter()
    while len(times) < min_runs or (time.perf_counter() - start < args.seconds and len(times) < 10000):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


latency = {}
outputs = {}
with torch.no_grad():
    for name, m, x in [("mlp", mlp, flat), ("lstm", lstm, seqs), ("cnn", cnn, images)]:
        latency[name] = {"fp32": median_s(lambda: m(x))}
        outputs[f"{name}.fp32"] = m(x)
        if name in ao:
            latency[name]["ao"] = median_s(lambda: ao[name](x))
            outputs[f"{name}.ao"] = ao[name](x)
    outputs["mlp.test_ao"] = ao["mlp"](d["test_x"])

pgd = torchattacks.PGD(cnn, eps=sizes["eps"], alpha=sizes["alpha"], steps=sizes["steps"], random_start=False)
labels = d["attack_labels"]
pgd_s = median_s(lambda: pgd(images, labels), warmup=1, min_runs=3)
outputs["pgd.adv"] = pgd(images, labels)
save_file({k: v.contiguous() for k, v in outputs.items()}, f"{args.dir}/outputs.safetensors")
print(json.dumps({
    "torch": torch.__version__,
    "torchattacks": torchattacks.__version__,
    "threads": args.threads,
    "latency": latency,
    "pgd_images_per_s": images.shape[0] / pgd_s,
}))
