"""PyTorch-eager twin of `deepfield-timeseries bench`: the same CNN-LSTM, shapes and loop.

CNN-LSTM (core's default `CnnLstmConfig::new(8, 1)`): Conv1d(8→64, kernel 3, padding 1), ReLU,
MaxPool1d(2), LSTM(64, batch_first), Linear(64→1) on the last step. Windows 30 × 8, batch 64,
20 batches per epoch, MSE, Adam(1e-3). Per epoch, as deepfield's Trainer: a seeded permutation
gathered once, batches as views, loss summed on the device and read once per epoch.
Prints `bench cnn_lstm_pytorch threads=<n> steps_per_s=<x>`.
"""
import sys
from pathlib import Path

import torch
from torch import nn

# The command line, training loop and timing are core's PyTorch twin's (`core/bench/bench_core.py`).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "core" / "bench"))
from bench_core import bench, setup  # noqa: E402


class CnnLstm(nn.Module):
    def __init__(self, features=8, filters=64, hidden=64):
        super().__init__()
        self.conv = nn.Conv1d(features, filters, 3, padding=1)
        self.pool = nn.MaxPool1d(2)
        self.lstm = nn.LSTM(filters, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h = self.pool(torch.relu(self.conv(x.transpose(1, 2))))
        o, _ = self.lstm(h.transpose(1, 2))
        return self.out(o[:, -1])


def main():
    a = setup(5.0)
    n, batch = 64 * 20, 64
    x, y = torch.randn(n, 30, 8), torch.randn(n, 1)
    sps = bench("cnn_lstm", CnnLstm(), x, y, batch, a.seconds, loss_fn=nn.MSELoss())
    print(f"bench cnn_lstm_pytorch threads={a.threads} steps_per_s={sps:.2f}", flush=True)


if __name__ == "__main__":
    main()
