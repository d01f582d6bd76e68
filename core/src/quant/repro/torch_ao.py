"""torch.ao dynamic quantization beside deepfield's: the same trained weights (a deepfield model
folder), the same test tensors; accuracy and one-thread latency of the float model and of
quantize_dynamic({Linear, LSTM}, qint8). Usage: torch_ao.py MODEL_DIR DATA.safetensors BUDGET_S
(prints one JSON object). Needs torch and safetensors."""
import json
import sys
import time

import torch
from safetensors.torch import load_file

torch.set_num_threads(1)
model_dir, data_path, budget = sys.argv[1], sys.argv[2], float(sys.argv[3])
cfg = json.load(open(f"{model_dir}/config.json"))
kind, c = cfg["kind"], cfg["config"]
w = load_file(f"{model_dir}/model.safetensors")
data = load_file(data_path)


def mlp(prefix, inp, hidden, out):
    layers, d = [], inp
    for h in hidden:
        layers += [torch.nn.Linear(d, h), torch.nn.ReLU()]
        d = h
    layers.append(torch.nn.Linear(d, out))
    seq = torch.nn.Sequential(*layers)
    names = [f"hidden.{i}" for i in range(len(hidden))] + ["out"]
    lin = [m for m in seq if isinstance(m, torch.nn.Linear)]
    for n, m in zip(names, lin):
        m.weight.data = w[f"{prefix}{n}.weight"]
        m.bias.data = w[f"{prefix}{n}.bias"]
    return seq


class Seq(torch.nn.Module):
    def __init__(self, r, head):
        super().__init__()
        self.lstm = torch.nn.LSTM(r["input"], r["hidden"], batch_first=True)
        for n in ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]:
            getattr(self.lstm, n).data = w[f"rnn.{n}"]
        self.head = head

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


if kind == "mlp":
    model = mlp("", c["input"], c["hidden"], c["output"])
elif kind == "rnn":
    model = Seq(c["rnn"], mlp("head.", c["rnn"]["hidden"], c.get("head_hidden", []), c["output"]))
else:
    raise SystemExit(f"torch_ao.py: no torch twin for kind {kind}")
model.eval()
qmodel = torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear, torch.nn.LSTM}, dtype=torch.qint8)


def accuracy(m):
    with torch.no_grad():
        return (m(data["input"]).argmax(-1) == data["labels"]).double().mean().item()


def latency(m):
    x = data["latency_input"]
    with torch.no_grad():
        for _ in range(2):
            m(x)
        times, start = [], time.perf_counter()
        while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 1000):
            t = time.perf_counter()
            m(x)
            times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2]


print(json.dumps({
    "torch": torch.__version__,
    "fp32_accuracy": accuracy(model), "int8_accuracy": accuracy(qmodel),
    "fp32_latency_s": latency(model), "int8_latency_s": latency(qmodel),
}))
