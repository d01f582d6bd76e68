"""Reference values of the biosignal-ssl losses (InfoNCE with optional same-group masking, and
KoLeo) in PyTorch, for timeseries/tests/ssl_losses.rs.

    $DEEPFIELD_PYTHON timeseries/scripts/make_ssl_loss_fixture.py > timeseries/tests/fixtures/ssl_losses.json

Float64 throughout; the Rust side computes in float32 and compares with a tolerance of 1e-4
(relative) / 1e-5 (absolute).
"""
import json

import torch
import torch.nn.functional as F


def info_nce(za, zb, tau, groups=None):
    a = F.normalize(za, dim=1)
    b = F.normalize(zb, dim=1)
    logits = a @ b.T / tau
    n = za.shape[0]
    if groups is not None:
        same = groups[:, None] == groups[None, :]
        off = same & ~torch.eye(n, dtype=torch.bool)
        logits = logits.masked_fill(off, float("-inf"))
    target = torch.arange(n)
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def koleo(z, eps=1e-8):
    x = F.normalize(z, dim=1)
    d = torch.cdist(x, x)  # pairwise Euclidean distances
    d = d + torch.diag(torch.full((x.shape[0],), float("inf"), dtype=x.dtype))
    nearest = d.min(dim=1).values
    return -torch.log(nearest + eps).mean()


def main():
    g = torch.Generator().manual_seed(19)
    za = torch.randn(8, 6, generator=g, dtype=torch.float64)
    zb = za + 1.0 * torch.randn(8, 6, generator=g, dtype=torch.float64)
    groups = torch.tensor([0, 0, 1, 1, 1, 2, 3, 3])
    tau, lam = 0.1, 0.1
    za_ = za.clone().requires_grad_(True)
    zb_ = zb.clone().requires_grad_(True)
    total = info_nce(za_, zb_, tau, groups) + lam * (koleo(za_) + koleo(zb_)) / 2
    total.backward()
    out = {
        "generator": "timeseries/scripts/make_ssl_loss_fixture.py",
        "torch": torch.__version__,
        "za": za.tolist(),
        "zb": zb.tolist(),
        "groups": groups.tolist(),
        "temperature": tau,
        "koleo_weight": lam,
        "info_nce": info_nce(za, zb, tau).item(),
        "info_nce_groups": info_nce(za, zb, tau, groups).item(),
        "info_nce_tau_0_04": info_nce(za, zb, 0.04).item(),
        "koleo_za": koleo(za).item(),
        "koleo_zb": koleo(zb).item(),
        "total": total.item(),
        "grad_za": za_.grad.tolist(),
        "grad_zb": zb_.grad.tolist(),
    }
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
