"""Boundary DoU loss (Sun, Luo, Li, MICCAI 2023, arXiv:2308.00220), from ../shared/papers/boundary-dou-loss.md.

Per class c, over the whole batch at once (soft form of the official code):

    I = sum p*g,  Z = sum p^2,  Y = sum g,  eps = 1e-5
    L_c = (Z + Y - 2 I + eps) / (Z + Y - (1 + alpha_c) I + eps)
    alpha_c = min(1 - 2 C_c / S_c, 0.8)          (computed as 2 (1 - (C+eps)/(S+eps)) - 1)

C_c is the number of one-pixel inner-contour pixels of the ground truth of class c (foreground
pixels with a background 4-neighbour, image border counting as background: a plus-kernel
convolution with zero padding), S_c its area, both counted over the whole batch: alpha is a
per-batch, per-class constant without gradient. alpha = 0 gives the soft IoU loss, alpha = -1
the squared soft Dice loss.

Deviation from the official code (stated on purpose): the official loss averages over all K
classes, and a class absent from the batch contributes the constant 1 with zero gradient. We
average over the classes *present* in the batch's ground truth instead, so a perfect prediction
scores 0 (up to eps) rather than (#absent / K). Gradients differ only by the factor
K / #present. ``include_background`` (default True, as in the paper) selects whether background
takes part. If no selected class is present, the loss is 0 (same zero gradient as official).
Computation runs on whatever device the inputs are on (no ``.cuda()``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .dice_ce import check_logits_target, one_hot_labels

ALPHA_CAP = 0.8


def boundary_dou_alpha(onehot: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """alpha per class ``(K,)`` from one-hot ground truth ``(B, K, H, W)`` (no gradient)."""
    with torch.no_grad():
        b, k, h, w = onehot.shape
        masks = onehot.reshape(b * k, 1, h, w).float()
        plus = torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]], device=onehot.device).view(1, 1, 3, 3)
        neighbours = F.conv2d(masks, plus, padding=1)
        contour = (neighbours < 5) & (masks > 0.5)
        c = contour.reshape(b, k, h, w).sum(dim=(0, 2, 3)).float()
        s = masks.reshape(b, k, h, w).sum(dim=(0, 2, 3))
        alpha = 2 * (1 - (c + eps) / (s + eps)) - 1
        return torch.clamp(alpha, max=ALPHA_CAP)


class BoundaryDoULoss(nn.Module):
    """Boundary DoU loss on softmax probabilities. ``logits (B, K, H, W)``, ``target (B, H, W)``."""

    def __init__(self, num_classes: int = 3, include_background: bool = True, eps: float = 1e-5) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.include_background = include_background
        self.eps = eps

    def per_class(self, logits: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(L_c (K,), present (K,) bool)``."""
        check_logits_target(logits, target)
        if logits.shape[1] != self.num_classes:
            raise ValueError(f"logits have {logits.shape[1]} classes, loss expects {self.num_classes}")
        probs = torch.softmax(logits.float(), dim=1)
        g = one_hot_labels(target, self.num_classes)
        alpha = boundary_dou_alpha(g, self.eps)
        dims = (0, 2, 3)
        inter = (probs * g).sum(dims)
        z = (probs * probs).sum(dims)
        y = g.sum(dims)
        loss = (z + y - 2 * inter + self.eps) / (z + y - (1 + alpha) * inter + self.eps)
        return loss, y > 0

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        loss, present = self.per_class(logits, target)
        if not self.include_background:
            loss, present = loss[1:], present[1:]
        if not bool(present.any()):
            return logits.sum() * 0.0
        return loss[present].mean()
