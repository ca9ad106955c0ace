"""Softmax cross-entropy + multi-class soft Dice, the common loss of the seed networks.

Shapes: ``logits (B, K, H, W)`` float, ``target (B, H, W)`` int64 labels in ``[0, K)``.

Dice is the *batch* soft Dice per class (sums over B, H and W, as nnU-Net's batch Dice), so a class
absent from one slice does not dominate the loss; with ``include_background=False`` (default, as
recommended for COVID CT in the papers' notes) the mean runs over the foreground classes only.
A perfect one-hot prediction gives exactly 0 (absent classes: (0 + s) / (0 + s) = 1, so their
Dice term is 0 too).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def one_hot_labels(target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """``(B, H, W)`` int labels -> ``(B, K, H, W)`` float one-hot; rejects labels outside ``[0, K)``."""
    if target.dtype not in (torch.int64, torch.int32, torch.uint8, torch.int16):
        raise TypeError(f"target must hold integer labels, got {target.dtype}")
    if target.dim() != 3:
        raise ValueError(f"target must be (B, H, W), got shape {tuple(target.shape)}")
    lo, hi = int(target.min()), int(target.max())
    if lo < 0 or hi >= num_classes:
        raise ValueError(f"target labels must lie in [0, {num_classes}); found [{lo}, {hi}]")
    return F.one_hot(target.long(), num_classes).permute(0, 3, 1, 2).to(torch.float32)


def check_logits_target(logits: torch.Tensor, target: torch.Tensor) -> None:
    if logits.dim() != 4:
        raise ValueError(f"logits must be (B, K, H, W), got shape {tuple(logits.shape)}")
    if target.shape != (logits.shape[0], logits.shape[2], logits.shape[3]):
        raise ValueError(f"target shape {tuple(target.shape)} does not match logits {tuple(logits.shape)}")


def soft_dice_per_class(probs: torch.Tensor, onehot: torch.Tensor, smooth: float) -> torch.Tensor:
    """Batch soft Dice per class: ``(2 sum(p g) + s) / (sum p + sum g + s)`` -> ``(K,)``."""
    dims = (0, 2, 3)
    inter = (probs * onehot).sum(dims)
    return (2 * inter + smooth) / (probs.sum(dims) + onehot.sum(dims) + smooth)


class DiceCELoss(nn.Module):
    """``ce_weight * CE(logits, target) + dice_weight * (1 - mean_c Dice_c)``.

    ``class_weights`` (length K) weight the cross-entropy (e.g. up-weight the rare consolidation).
    """

    def __init__(
        self,
        num_classes: int = 3,
        ce_weight: float = 1.0,
        dice_weight: float = 1.0,
        class_weights: Sequence[float] | None = None,
        include_background: bool = False,
        smooth: float = 1e-5,
    ) -> None:
        super().__init__()
        if num_classes < 2:
            raise ValueError("DiceCELoss needs at least 2 classes (background + one foreground)")
        if class_weights is not None and len(class_weights) != num_classes:
            raise ValueError(f"class_weights needs {num_classes} values, got {len(class_weights)}")
        self.num_classes = num_classes
        self.ce_weight = ce_weight
        self.dice_weight = dice_weight
        self.include_background = include_background
        self.smooth = smooth
        weights = torch.tensor(list(class_weights), dtype=torch.float32) if class_weights is not None else None
        self.register_buffer("class_weights", weights, persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_logits_target(logits, target)
        if logits.shape[1] != self.num_classes:
            raise ValueError(f"logits have {logits.shape[1]} classes, loss expects {self.num_classes}")
        onehot = one_hot_labels(target, self.num_classes)  # validates the labels first
        logits = logits.float()
        ce = F.cross_entropy(logits, target.long(), weight=self.class_weights)
        dice = soft_dice_per_class(torch.softmax(logits, dim=1), onehot, self.smooth)
        if not self.include_background:
            dice = dice[1:]
        return self.ce_weight * ce + self.dice_weight * (1 - dice.mean())
