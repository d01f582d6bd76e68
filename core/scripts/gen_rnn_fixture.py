"""Generate core/tests/fixtures/rnn_reference.json: PyTorch LSTM/GRU reference outputs.

Run from the repository root with the project venv:

    target/deepfield-venv/bin/python core/scripts/gen_rnn_fixture.py

A 2-layer bidirectional nn.LSTM and nn.GRU (input 2, hidden 3, batch_first=True) with seeded
weights, one input batch [B=2, T=4, F=2], and for each: the state dict (names, shapes, values),
the outputs and top-layer final states `[h_n[-2], h_n[-1]]` for the full batch, and for the batch
packed with lengths [4, 2] (pack_padded_sequence, enforce_sorted=False). The Rust test
`nn::rnn::tests::matches_pytorch_reference` loads the weights by name and must match to 1e-5.
"""

import json
import pathlib

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "rnn_reference.json"
INPUT, HIDDEN, LAYERS, T, B = 2, 3, 2, 4, 2
LENGTHS = [4, 2]


def as_json(t: torch.Tensor) -> dict:
    t = t.detach().to(torch.float32)
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def top_state(h_n: torch.Tensor) -> torch.Tensor:
    # [layers * 2, B, H] -> [B, 2H]: forward then backward state of the top layer.
    return torch.cat([h_n[-2], h_n[-1]], dim=1)


def case(module: torch.nn.RNNBase, x: torch.Tensor) -> dict:
    module.eval()
    with torch.no_grad():
        out, state = module(x)
        h_n = state[0] if isinstance(state, tuple) else state
        packed = pack_padded_sequence(x, torch.tensor(LENGTHS), batch_first=True, enforce_sorted=False)
        pout, pstate = module(packed)
        pout, _ = pad_packed_sequence(pout, batch_first=True, total_length=T)
        ph_n = pstate[0] if isinstance(pstate, tuple) else pstate
    sd = module.state_dict()
    return {
        "input_size": INPUT,
        "hidden_size": HIDDEN,
        "num_layers": LAYERS,
        "bidirectional": True,
        "state_dict_keys": list(sd.keys()),
        "weights": {k: as_json(v) for k, v in sd.items()},
        "full": {"output": as_json(out), "last": as_json(top_state(h_n))},
        "packed": {"output": as_json(pout), "last": as_json(top_state(ph_n))},
    }


def main() -> None:
    torch.manual_seed(20240501)
    kw = dict(num_layers=LAYERS, bidirectional=True, batch_first=True)
    lstm = torch.nn.LSTM(INPUT, HIDDEN, **kw)
    gru = torch.nn.GRU(INPUT, HIDDEN, **kw)
    x = torch.randn(B, T, INPUT)
    fixture = {
        "torch_version": torch.__version__,
        "input": as_json(x),
        "lengths": LENGTHS,
        "lstm": case(lstm, x),
        "gru": case(gru, x),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
