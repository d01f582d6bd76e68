"""torchcam side of `deepfield-vision bench --task gradcam++`: torchcam's GradCAMpp on the same
LeNet-5 / ResNet-20 as bench_cnn.py, loaded from the safetensors weights the Rust side wrote
(PyTorch parameter names), in eval mode, one image per call for the predicted class, on the
same MNIST test images (a safetensors file with `images` [N, 1, 28, 28]). Prints ms per image
after one untimed call. torchcam is installed by `cargo xtask bench vision`
(bench/requirements.txt)."""
import argparse
import sys
import time
from pathlib import Path

import torch
from safetensors.torch import load_file
from torchcam.methods import GradCAMpp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_cnn import LeNet5, ResNet  # noqa: E402

LAYER = {"lenet5": "conv2", "resnet20": "layer3"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--model", choices=sorted(LAYER), required=True)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model = LeNet5() if a.model == "lenet5" else ResNet()
    state = load_file(a.weights)
    # BatchNorm's counter is not a deepfield tensor; everything else must match by name.
    missing, unexpected = model.load_state_dict(state, strict=False)
    missing = [m for m in missing if not m.endswith("num_batches_tracked")]
    if missing or unexpected:
        sys.exit(f"weights do not match the PyTorch model: missing {missing}, unexpected {unexpected}")
    model.eval()
    x = load_file(a.images)["images"]
    with GradCAMpp(model, target_layer=LAYER[a.model], input_shape=tuple(x.shape[1:])) as cam:

        def one(i):
            scores = model(x[i : i + 1])
            return cam(class_idx=scores.argmax(1).tolist(), scores=scores)[0]

        one(0)
        t = time.perf_counter()
        for i in range(x.shape[0]):
            m = one(i)
        m.sum().item()
    ms = (time.perf_counter() - t) * 1000 / x.shape[0]
    print(f"bench gradcam++ {a.model} torchcam threads={a.threads} images={x.shape[0]} ms_per_image={ms:.3f}")


if __name__ == "__main__":
    main()
