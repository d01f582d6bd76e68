"""Reference MFCCs for deepfield-audio's tests, from librosa and python_speech_features run on real
recordings of the data directory (cough_etiquette, fsdd). Writes tests/fixtures/mfcc_reference.json.

Run from the workspace root with the deepfield venv (after `pip install librosa python_speech_features`):
    target/deepfield-venv/bin/python audio/scripts/gen_mfcc_fixtures.py
The recordings are read in place (DEEPFIELD_DATA or ../shared/datasets); only the features are stored.
"""
import json
import os
import pathlib

import librosa
import numpy as np
import python_speech_features as psf
import scipy.io.wavfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("DEEPFIELD_DATA", ROOT.parent / "shared" / "datasets"))
OUT = ROOT / "audio" / "tests" / "fixtures" / "mfcc_reference.json"


def load(rel):
    # Same normalisation as deepfield (16-bit PCM / 32768), as float32 like librosa.load.
    sr, x = scipy.io.wavfile.read(DATA / rel)
    assert x.dtype == np.int16, rel
    y_lib, sr_lib = librosa.load(DATA / rel, sr=None, mono=True)
    y = (x.astype(np.float32) / 32768.0)
    assert sr_lib == sr and np.array_equal(y, y_lib), rel
    return y, sr


def rounded(m):
    return [[float(f"{v:.7g}") for v in row] for row in np.asarray(m, dtype=np.float64)]


cases = []
for rel in ["cough_etiquette/none_short/1-m-n-01.wav", "cough_etiquette/elbow_short/5-f-e-03.wav",
            "fsdd/recordings/3_theo_7.wav"]:
    y, sr = load(rel)
    m = librosa.feature.mfcc(y=y, sr=sr)  # defaults: n_mfcc=20, n_fft=2048, hop 512, 128 Slaney mels
    cases.append({"preset": "librosa", "file": rel, "sample_rate": sr, "mfcc": rounded(m.T)})

for rel in ["fsdd/recordings/0_george_0.wav", "fsdd/recordings/7_lucas_12.wav"]:
    y, sr = load(rel)
    m = psf.mfcc(y.astype(np.float64), samplerate=sr)  # defaults: 25 ms / 10 ms, 26 filters, 13 ceps
    d = psf.delta(m, 2)
    cases.append({"preset": "python_speech_features", "file": rel, "sample_rate": sr,
                  "mfcc": rounded(m), "delta": rounded(d)})

rel = "cough_etiquette/hand_short/2-m-h-04.wav"
y, sr = load(rel)
m = psf.mfcc(y.astype(np.float64), samplerate=sr, nfft=2048)
cases.append({"preset": "python_speech_features", "file": rel, "sample_rate": sr, "n_fft": 2048,
              "mfcc": rounded(m)})

# HTK mel scale, no filter normalisation, Hamming window (librosa with non-default arguments).
rel = "fsdd/recordings/5_nicolas_30.wav"
y, sr = load(rel)
S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=512, hop_length=128, window="hamming",
                                   n_mels=40, htk=True, norm=None)
m = librosa.feature.mfcc(S=librosa.power_to_db(S), n_mfcc=13)
cases.append({"preset": "librosa_htk", "file": rel, "sample_rate": sr, "n_fft": 512, "hop_length": 128,
              "n_mels": 40, "n_mfcc": 13, "mfcc": rounded(m.T)})

meta = {"librosa": librosa.__version__, "python_speech_features": getattr(psf, "__version__", "0.6"),
        "numpy": np.__version__, "cases": cases}
OUT.parent.mkdir(parents=True, exist_ok=True)
OUT.write_text(json.dumps(meta, separators=(",", ":")))
print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")
