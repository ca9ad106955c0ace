"""Structure loss of M2SNet / PraNet / F3Net: weighted BCE + weighted IoU, from ../shared/papers/m2snet.md.

With probability p, mask g and the boundary weight map ``w = 1 + 5 |avgpool_31(g) - g|``
(31x31, stride 1, zero padding 15 counted), per image::

    wBCE = sum(w * BCE(p, g)) / sum(w)
    wIoU = 1 - (sum(w p g) + 1) / (sum(w (p + g)) - sum(w p g) + 1)

and the loss is the batch mean of ``wBCE + wIoU``.

* ``num_classes == 1`` (the paper's binary set-up): p = sigmoid(logits).
* ``num_classes > 1`` (our 3-class CT adaptation, a stated deviation): p = softmax(logits)[:, c] and
  g = (target == c) for each foreground class c, each with its own weight map; mean over the
  foreground classes. log p and log(1 - p) come from log-softmax / log-sum-exp (no clamping).
* The official code's ``reduce='none'`` bug turns the weighted BCE into the plain mean BCE. We
  compute the weighted BCE the paper describes; ``reproduce_official_bce=True`` restores the bug.

Shapes: ``logits (B, K, H, W)``; ``target (B, H, W)`` integer labels (binary: 0/1).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .dice_ce import check_logits_target


def boundary_weight_map(mask: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` float mask -> ``(B, H, W)`` weights ``1 + 5 |avgpool_31(g) - g|``."""
    pooled = F.avg_pool2d(mask.unsqueeze(1), kernel_size=31, stride=1, padding=15, count_include_pad=True).squeeze(1)
    return 1 + 5 * torch.abs(pooled - mask)


def _structure_terms(log_p: torch.Tensor, log_not_p: torch.Tensor, g: torch.Tensor, official_bce: bool) -> torch.Tensor:
    """Per-image ``wBCE + wIoU`` -> ``(B,)``."""
    w = boundary_weight_map(g)
    bce = -(g * log_p + (1 - g) * log_not_p)
    dims = (1, 2)
    wbce = bce.mean().expand(g.shape[0]) if official_bce else (w * bce).sum(dims) / w.sum(dims)
    p = torch.exp(log_p)
    inter = (w * p * g).sum(dims)
    union = (w * (p + g)).sum(dims)
    wiou = 1 - (inter + 1) / (union - inter + 1)
    return wbce + wiou


class StructureLoss(nn.Module):
    def __init__(self, num_classes: int = 3, reproduce_official_bce: bool = False) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.reproduce_official_bce = reproduce_official_bce

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_logits_target(logits, target)
        k = self.num_classes
        if logits.shape[1] != k:
            raise ValueError(f"logits have {logits.shape[1]} classes, loss expects {k}")
        lo, hi = int(target.min()), int(target.max())
        if lo < 0 or hi >= max(k, 2):
            raise ValueError(f"target labels must lie in [0, {max(k, 2)}); found [{lo}, {hi}]")
        z = logits.float()
        if k == 1:
            g = target.float()
            return _structure_terms(F.logsigmoid(z[:, 0]), F.logsigmoid(-z[:, 0]), g, self.reproduce_official_bce).mean()
        log_all = torch.logsumexp(z, dim=1)
        per_class = []
        for c in range(1, k):
            others = torch.cat([z[:, :c], z[:, c + 1 :]], dim=1)
            log_p = z[:, c] - log_all
            log_not_p = torch.logsumexp(others, dim=1) - log_all
            g = (target == c).float()
            per_class.append(_structure_terms(log_p, log_not_p, g, self.reproduce_official_bce).mean())
        return torch.stack(per_class).mean()
