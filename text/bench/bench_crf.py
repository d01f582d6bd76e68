"""PyTorch side of `deepfield-text bench --task crf`: the NeuroNER BiLSTM-CRF training step
(forward, pytorch-crf negative log-likelihood summed over the batch, backward, gradient values
clipped to ±5, SGD 0.005) on the batches the Rust side wrote, timed after warm-up steps.
Prints `ms_per_step=<float> loss=<float>`."""
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
from torchcrf import CRF


class NeuroNER(nn.Module):
    def __init__(self, words, chars, tags, cd=25, ch=25, td=100, th=100, dropout=0.5):
        super().__init__()
        self.ch, self.dropout = ch, dropout
        self.word_embedding = nn.Embedding(words, td)
        self.char_embedding = nn.Embedding(chars, cd)
        self.char_lstm = nn.LSTM(cd, ch, batch_first=True, bidirectional=True)
        self.token_lstm = nn.LSTM(td + 2 * ch, th, batch_first=True, bidirectional=True)
        self.hidden = nn.Linear(2 * th, th)
        self.output = nn.Linear(th, tags)
        self.crf = CRF(tags, batch_first=True)

    def loss(self, xs, tags, mask):
        b, t, w1 = xs.shape
        chars = xs[:, :, 1:].reshape(b * t, w1 - 1)
        clen = (chars != 0).sum(1)
        real = clen > 0
        packed = pack_padded_sequence(
            self.char_embedding(chars[real]), clen[real], batch_first=True, enforce_sorted=False
        )
        _, (h, _) = self.char_lstm(packed)
        feats = torch.zeros(b * t, 2 * self.ch)
        feats[real] = torch.cat([h[0], h[1]], 1)
        x = torch.cat([self.word_embedding(xs[:, :, 0]), feats.view(b, t, -1)], 2)
        x = F.dropout(x, self.dropout, training=True)
        packed = pack_padded_sequence(x, mask.sum(1), batch_first=True, enforce_sorted=False)
        out, _ = self.token_lstm(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=t)
        em = self.output(torch.tanh(self.hidden(out)))
        return -self.crf(em, tags, mask=mask, reduction="sum")


def main():
    p = argparse.ArgumentParser()
    for a in ["data"]:
        p.add_argument("--" + a, required=True)
    for a in ["threads", "warmup", "steps", "words", "chars", "tags"]:
        p.add_argument("--" + a, type=int, required=True)
    a = p.parse_args()
    torch.set_num_threads(max(a.threads, 1))
    torch.manual_seed(0)
    data = load_file(a.data)
    n = a.warmup + a.steps
    batches = [(data[f"xs_{i}"], data[f"tags_{i}"], data[f"mask_{i}"].bool()) for i in range(n)]
    model = NeuroNER(a.words, a.chars, a.tags)
    opt = torch.optim.SGD(model.parameters(), lr=0.005)

    def step(b):
        loss = model.loss(*b)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_value_(model.parameters(), 5.0)
        opt.step()
        return loss.item()

    for b in batches[: a.warmup]:
        step(b)
    t = time.perf_counter()
    loss = float("nan")
    for b in batches[a.warmup :]:
        loss = step(b)
    ms = (time.perf_counter() - t) * 1000 / a.steps
    print(f"ms_per_step={ms:.4f} loss={loss:.4f}")


if __name__ == "__main__":
    main()
