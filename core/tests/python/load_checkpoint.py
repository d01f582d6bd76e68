"""Load a deepfield checkpoint into the equivalent PyTorch module and run it.

Used by core/tests/checkpoint_python.rs:

    python load_checkpoint.py MODEL CHECKPOINT_DIR INPUT.safetensors OUTPUT.safetensors

MODEL is `mlp` (deepfield_core::nn::mlp::Mlp) or `sequence_classifier`
(deepfield_core::nn::rnn::SequenceClassifier). Builds the equivalent torch.nn.Module from
CHECKPOINT_DIR/config.json, loads CHECKPOINT_DIR/model.safetensors with
load_state_dict(strict=True) (so every name and shape must match) and runs the tensor "input"
of INPUT in eval mode, writing "output" to OUTPUT. When INPUT also holds a "mask" ([B, T] bool,
right-padded), "output" uses it (packed sequences) and "output_full" ignores it.
"""

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Mlp(nn.Module):
    """deepfield Mlp: ModuleList `hidden` of Linear, each + activation + dropout, Linear `out`."""

    def __init__(self, cfg):
        super().__init__()
        if cfg["activation"] != "relu":
            raise SystemExit(f"this script only builds ReLU MLPs, got {cfg['activation']!r}")
        sizes = [cfg["input"], *cfg["hidden"]]
        self.hidden = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))
        self.out = nn.Linear(sizes[-1], cfg["output"])
        self.act = nn.ReLU()
        self.drop = nn.Dropout(cfg["dropout"])

    def forward(self, x, mask=None):
        for layer in self.hidden:
            x = self.drop(self.act(layer(x)))
        return self.out(x)


class SequenceClassifier(nn.Module):
    """deepfield SequenceClassifier: nn.LSTM/GRU `rnn` (batch_first) -> pooling -> dropout -> Mlp `head`."""

    def __init__(self, cfg):
        super().__init__()
        r = cfg["rnn"]
        cell = {"lstm": nn.LSTM, "gru": nn.GRU}[r["cell"]]
        self.rnn = cell(
            r["input"],
            r["hidden"],
            num_layers=r["layers"],
            bidirectional=r["bidirectional"],
            dropout=r["dropout"],
            batch_first=True,
        )
        self.bidirectional = r["bidirectional"]
        self.pooling = cfg["pooling"]
        if self.pooling not in ("last", "mean", "max"):
            raise SystemExit(f"this script does not build pooling {self.pooling!r}")
        width = r["hidden"] * (2 if self.bidirectional else 1)
        head = {"input": width, "hidden": cfg["head_hidden"], "output": cfg["output"]}
        self.head = Mlp({**head, "activation": "relu", "dropout": cfg["dropout"]})
        self.drop = nn.Dropout(cfg["dropout"])

    def forward(self, x, mask=None):
        b, t, _ = x.shape
        if mask is None:
            mask = torch.ones(b, t, dtype=torch.bool)
        lengths = mask.sum(1)
        packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        out, h_n = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=t)
        if isinstance(h_n, tuple):  # LSTM: (h_n, c_n)
            h_n = h_n[0]
        if self.pooling == "last":
            pooled = torch.cat([h_n[-2], h_n[-1]], 1) if self.bidirectional else h_n[-1]
        elif self.pooling == "mean":
            pooled = out.sum(1) / lengths.clamp(min=1).unsqueeze(1)
        else:
            pooled = out.masked_fill(~mask.unsqueeze(-1), float("-inf")).amax(1)
        return self.head(self.drop(pooled))


MODELS = {"mlp": Mlp, "sequence_classifier": SequenceClassifier}


def main():
    kind, ckpt, inp, out = sys.argv[1:5]
    ckpt = Path(ckpt)
    cfg = json.loads((ckpt / "config.json").read_text())
    model = MODELS[kind](cfg)
    model.load_state_dict(load_file(str(ckpt / "model.safetensors")), strict=True)
    inputs = load_file(inp)
    x, mask = inputs["input"], inputs.get("mask")

    outputs = {}
    with torch.no_grad():
        model.eval()
        y = model(x, mask)
        assert torch.equal(y, model(x, mask)), "eval mode is not deterministic"
        outputs["output"] = y
        if mask is not None:
            outputs["output_full"] = model(x)
        model.train()
        assert not torch.equal(y, model(x, mask)), "dropout had no effect in train mode"
    save_file({k: v.contiguous() for k, v in outputs.items()}, out)


if __name__ == "__main__":
    main()
