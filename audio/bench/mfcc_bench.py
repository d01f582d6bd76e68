"""MFCC throughput of librosa and python_speech_features (audio-seconds per second) over the
spoken-digit recordings; the other half of `deepfield-audio bench`. Prints one JSON line.

usage: python mfcc_bench.py DATA_DIR/fsdd/recordings MIN_SECONDS
Threads are pinned by the caller (OMP_NUM_THREADS etc.). Signals are loaded once, as float32 in
[-1, 1], before timing; only the feature computation is timed (as on the Rust side).
"""
import json
import pathlib
import sys
import time
import warnings

import numpy as np
import scipy.io.wavfile

warnings.filterwarnings("ignore")
import librosa  # noqa: E402
import python_speech_features as psf  # noqa: E402

folder, min_s = pathlib.Path(sys.argv[1]), float(sys.argv[2])
signals = []
for f in sorted(folder.glob("*.wav")):
    sr, x = scipy.io.wavfile.read(f)
    signals.append((x.astype(np.float32) / 32768.0, sr))
audio_s = sum(len(x) / sr for x, sr in signals)


def rate(fn):
    fn(*signals[0])  # warm-up (librosa caches the mel basis)
    done, start = 0.0, time.perf_counter()
    while True:
        for x, sr in signals:
            fn(x, sr)
        done += audio_s
        el = time.perf_counter() - start
        if el >= min_s:
            return done / el


out = {
    "files": len(signals),
    "audio_seconds": audio_s,
    "librosa": rate(lambda x, sr: librosa.feature.mfcc(y=x, sr=sr)),
    "python_speech_features": rate(lambda x, sr: psf.mfcc(x, samplerate=sr)),
    "librosa_version": librosa.__version__,
}
print(json.dumps(out))
