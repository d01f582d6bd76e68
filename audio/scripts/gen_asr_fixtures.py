#!/usr/bin/env python3
"""Reference values for the subword-asr tests -> audio/tests/fixtures/asr_reference.json.

* CTC loss: torch.nn.functional.ctc_loss on hand-made log-probabilities (deterministic formula,
  no RNG), blank 0, reductions "none" and "mean", zero_infinity=True.
* WER/CER: jiwer.wer / jiwer.cer over lists of (reference, hypothesis) sentences, Tamil,
  Kannada and Latin text.

Run with the project's venv: $DEEPFIELD_PYTHON audio/scripts/gen_asr_fixtures.py
(installs jiwer and rapidfuzz with --no-deps when missing; neither touches torch).
"""
import importlib.metadata
import json
import math
import pathlib
import subprocess
import sys

try:
    import jiwer  # noqa: F401
except ImportError:
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "jiwer", "rapidfuzz"])
import jiwer
import torch
import torch.nn.functional as F

OUT = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "asr_reference.json"

# CTC: T=6 frames, B=2, C=4 classes (blank + 3 units).
T, B, C = 6, 2, 4
logits = [[[math.sin(0.7 * t + 1.3 * c + 2.1 * b) * 2.0 for c in range(C)] for b in range(B)] for t in range(T)]
x = torch.tensor(logits, dtype=torch.float64)
lp = F.log_softmax(x, dim=-1)
targets = torch.tensor([[1, 2, 2], [3, 1, 0]], dtype=torch.long)
in_len = [6, 4]
tgt_len = [3, 2]
none = F.ctc_loss(lp, targets, in_len, tgt_len, blank=0, reduction="none", zero_infinity=True)
mean = F.ctc_loss(lp, targets, in_len, tgt_len, blank=0, reduction="mean", zero_infinity=True)

pairs = [
    ("அவர் வீட்டில் இருந்தார்", "அவர் வீட்டிலும் இருந்தார்"),
    ("மக்களுக்கு உதவி செய்தார்", "மக்களுக்கு செய்தார்"),
    ("ಮನೆಯನ್ನು ನೋಡಿದರು", "ಮನೆಯನ್ನು ನೋಡಿದರು ಅವರು"),
    ("the cat sat on the mat", "the cat sit on mat"),
    ("a b c", "x y z w"),
]
refs = [p[0] for p in pairs]
hyps = [p[1] for p in pairs]
fixture = {
    "generator": "audio/scripts/gen_asr_fixtures.py",
    "torch": torch.__version__,
    "jiwer": importlib.metadata.version("jiwer"),
    "ctc": {
        "log_probs": lp.tolist(),  # [T][B][C]
        "targets": targets.tolist(),
        "input_lengths": in_len,
        "target_lengths": tgt_len,
        "loss_none": none.tolist(),
        "loss_mean": mean.item(),
    },
    "wer_pairs": pairs,
    "wer": jiwer.wer(refs, hyps),
    "cer": jiwer.cer(refs, hyps),
    "per_pair": [{"wer": jiwer.wer(r, h), "cer": jiwer.cer(r, h)} for r, h in pairs],
}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
print(f"wrote {OUT}")
