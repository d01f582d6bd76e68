"""Generate core/tests/fixtures/transformer_reference.json, the PyTorch reference for
deepfield-core's `nn::transformer::TransformerEncoder` (test `matches_pytorch_reference`).

Each case builds, with fixed seeds, the same model from PyTorch parts: an optional input
`nn.Linear` (`input_proj`), an optional `[CLS]` token, the sinusoidal positional encoding of
Vaswani et al. (2017), `torch.nn.TransformerEncoder` (batch_first=True, dropout 0, optional final
LayerNorm `norm` when norm_first), masked mean / CLS / no pooling, and an optional `nn.Linear`
head. It stores the config (deepfield's JSON form), the state dict under deepfield's parameter
names (PyTorch's own for the encoder), an input whose padded steps are zero, the key padding
mask (deepfield convention: true = real step) and the output.

Run: /work/main/target/deepfield-venv/bin/python core/scripts/gen_transformer_fixture.py
"""

import json
import math
import pathlib

import torch
from torch import nn

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "transformer_reference.json"


def positional_encoding(max_len: int, d: int) -> torch.Tensor:
    pe = torch.zeros(max_len, d, dtype=torch.float64)
    pos = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe.float()


class Reference(nn.Module):
    def __init__(self, cfg: dict):
        super().__init__()
        d = cfg["d_model"]
        self.cfg = cfg
        self.input_proj = nn.Linear(cfg["input"], d) if cfg["input"] else None
        self.cls_token = nn.Parameter(torch.randn(1, 1, d)) if cfg["pooling"] == "cls" else None
        layer = nn.TransformerEncoderLayer(
            d, cfg["heads"], cfg["feedforward"], dropout=0.0, activation=cfg["activation"],
            batch_first=True, norm_first=cfg["norm_first"],
        )
        final_norm = nn.LayerNorm(d) if cfg["norm_first"] else None
        self.encoder = nn.TransformerEncoder(layer, cfg["layers"], norm=final_norm, enable_nested_tensor=False)
        self.head = nn.Linear(d, cfg["output"]) if cfg["output"] else None
        self.register_buffer("pe", positional_encoding(cfg["max_len"], d))
        # TransformerEncoder deep-copies one layer: give every parameter its own random values
        # (layer norms around 1 / 0) so that a mix-up of names or layers cannot go unnoticed.
        with torch.no_grad():
            for name, p in self.named_parameters():
                if "norm" in name and name.endswith("weight"):
                    p.copy_(1.0 + 0.2 * torch.randn_like(p))
                else:
                    p.copy_(0.3 * torch.randn_like(p))

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.input_proj(x) if self.input_proj is not None else x
        if self.cls_token is not None:
            b = h.shape[0]
            h = torch.cat([self.cls_token.expand(b, -1, -1), h], 1)
            mask = torch.cat([torch.ones(b, 1, dtype=torch.bool), mask], 1)
        h = h + self.pe[: h.shape[1]]
        # PyTorch's mask is True at padding. Gradients stay enabled so the exact (slow) path runs.
        h = self.encoder(h, src_key_padding_mask=~mask)
        pooling = self.cfg["pooling"]
        if pooling == "mean":
            w = mask.unsqueeze(-1).float()
            h = (h * w).sum(1) / w.sum(1)
        elif pooling == "cls":
            h = h[:, 0]
        elif pooling != "none":
            raise ValueError(pooling)
        return self.head(h) if self.head is not None else h


def tensor_json(t: torch.Tensor) -> dict:
    t = t.detach().float()
    return {"shape": list(t.shape), "values": t.reshape(-1).tolist()}


def config(**kw) -> dict:
    base = dict(input=3, d_model=8, heads=2, layers=2, feedforward=16, dropout=0.0, activation="relu",
                norm_first=False, max_len=16, pooling="none", output=None)
    base.update(kw)
    return base


def case(name: str, seed: int, cfg: dict, lengths: list, t: int) -> dict:
    torch.manual_seed(seed)
    model = Reference(cfg).eval()
    features = cfg["input"] or cfg["d_model"]
    mask = torch.arange(t).unsqueeze(0) < torch.tensor(lengths).unsqueeze(1)
    x = torch.randn(len(lengths), t, features) * mask.unsqueeze(-1)
    y = model(x, mask)
    state = {}
    for key, value in model.state_dict().items():
        if key == "pe":
            continue
        state[key.removeprefix("encoder.")] = tensor_json(value)
    return {
        "name": name,
        "config": cfg,
        "state_dict": state,
        "input": tensor_json(x),
        "mask": mask.tolist(),
        "output": tensor_json(y),
    }


def main():
    cases = [
        case("post_norm_sequence", 1, config(), [5, 3, 1], 5),
        case("post_norm_mean_head", 2, config(pooling="mean", output=2), [6, 4, 2], 6),
        case("pre_norm_cls_gelu", 3,
             config(input=None, layers=1, activation="gelu", norm_first=True, pooling="cls", output=1),
             [4, 2], 4),
    ]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "generator": "core/scripts/gen_transformer_fixture.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
