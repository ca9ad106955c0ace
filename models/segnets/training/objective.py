"""What a training step minimises: the labelled loss (Dice + CE, Boundary DoU), the pseudo-label
loss and the deep-supervision loss on side outputs.

Shapes: ``logits (B, K, H, W)``; ``labels (B, H, W)`` int64; ``soft (B, H, W)`` pseudo infection
probability in [0, 1].

Pseudo-labels are binary (infection vs background): the network's infection probability is
``p1 + p2`` (GGO + consolidation), computed in log space with logsumexp. Two target modes:

* ``band`` (the shipped default): pixels with ``soft >= high`` are infection, ``<= low``
  background, the band in between is ignored (the pseudo-labels are another model's outputs);
* ``soft``: every pixel trains towards ``soft`` itself (soft BCE + soft Dice), so the uncertain
  rim of each pseudo lesion contributes what the labelling model believed.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import BoundaryDoULoss, DiceCELoss
from .config import TrainConfig


def _infection_log_probs(logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(log p_infection, log p_background)``, each ``(B, H, W)``."""
    log_all = torch.logsumexp(logits, dim=1)
    return torch.logsumexp(logits[:, 1:], dim=1) - log_all, logits[:, 0] - log_all


def pseudo_infection_loss(logits: torch.Tensor, soft: torch.Tensor, band: tuple[float, float] = (0.25, 0.75)) -> torch.Tensor:
    """Band mode: CE on ``p_inf`` over confident pixels (``soft >= band[1]`` or ``<= band[0]``) +
    soft Dice of ``p_inf`` against the thresholded mask over those pixels."""
    log_inf, log_bg = _infection_log_probs(logits)
    positive = soft >= band[1]
    valid = (positive | (soft <= band[0])).float()
    target = positive.float()
    ce = -(target * log_inf + (1 - target) * log_bg)
    ce = (ce * valid).sum() / valid.sum().clamp(min=1)
    p_inf = log_inf.exp() * valid
    inter = (p_inf * target).sum()
    dice = (2 * inter + 1e-5) / (p_inf.sum() + (target * valid).sum() + 1e-5)
    return ce + (1 - dice)


def soft_pseudo_infection_loss(logits: torch.Tensor, soft: torch.Tensor) -> torch.Tensor:
    """Soft mode: BCE of ``p_inf`` against ``soft`` on every pixel + soft Dice against ``soft``."""
    log_inf, log_bg = _infection_log_probs(logits)
    ce = -(soft * log_inf + (1 - soft) * log_bg).mean()
    p_inf = log_inf.exp()
    dice = (2 * (p_inf * soft).sum() + 1e-5) / (p_inf.sum() + soft.sum() + 1e-5)
    return ce + (1 - dice)


def edge_labels(labels: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` labels -> ``(B, H, W)`` edge labels: class c on the pixels of class c (c >= 1)
    that touch another class in their 3x3 neighbourhood, 0 elsewhere (BA-Net's per-class edges)."""
    lab = labels[:, None].float()
    grown = F.max_pool2d(lab, 3, stride=1, padding=1)
    shrunk = -F.max_pool2d(-lab, 3, stride=1, padding=1)
    edge = (grown != shrunk)[:, 0] & (labels > 0)
    return torch.where(edge, labels, torch.zeros_like(labels))


class TrainingObjective(nn.Module):
    """Loss of one mixed batch; ``forward`` returns ``(total, parts)`` with float parts for the log."""

    def __init__(self, cfg: TrainConfig, side_outputs: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.cfg = cfg
        self.side_outputs = side_outputs
        self.dice_ce = DiceCELoss(num_classes=3, class_weights=cfg.class_weights)
        self.bdou = BoundaryDoULoss(num_classes=3, include_background=False)
        self.edge_ce = nn.CrossEntropyLoss()

    def labelled(self, logits: torch.Tensor, n_labelled: int, labels: torch.Tensor) -> torch.Tensor:
        """Loss of the first ``n_labelled`` images. Each term slices ``logits`` itself: autograd then
        sums the terms' gradients in the order the shipped model was trained with (bit-identical)."""
        loss = self.dice_ce(logits[:n_labelled], labels)
        if self.cfg.bdou_weight > 0:
            loss = loss + self.cfg.bdou_weight * self.bdou(logits[:n_labelled], labels)
        return loss

    def pseudo(self, logits: torch.Tensor, soft: torch.Tensor) -> torch.Tensor:
        if self.cfg.pseudo_mode == "soft":
            return soft_pseudo_infection_loss(logits, soft)
        return pseudo_infection_loss(logits, soft, tuple(self.cfg.pseudo_band))  # type: ignore[arg-type]

    def sides(self, sides: tuple[torch.Tensor, ...], labels: torch.Tensor) -> torch.Tensor:
        """Mean over side outputs of Dice + CE (``seg`` sides) or CE on edge labels (``edge`` sides)."""
        edges = edge_labels(labels) if "edge" in self.side_outputs else None
        terms = []
        for kind, side in zip(self.side_outputs, sides):
            terms.append(self.edge_ce(side.float(), edges) if kind == "edge" else self.dice_ce(side, labels))
        return torch.stack(terms).mean()

    def forward(
        self, outputs: torch.Tensor | tuple[torch.Tensor, ...], n_labelled: int, labels: torch.Tensor, soft: torch.Tensor | None
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """``outputs``: the network's training output for ``cat[labelled, pseudo]`` images."""
        logits, sides = (outputs[0], tuple(outputs[1:])) if isinstance(outputs, (tuple, list)) else (outputs, ())
        loss_lab = self.labelled(logits, n_labelled, labels)
        loss = loss_lab
        parts = {"loss_labelled": float(loss_lab)}
        loss_pseudo = torch.zeros(())
        if soft is not None:
            loss_pseudo = self.pseudo(logits[n_labelled:].float(), soft)
            loss = loss + self.cfg.pseudo_weight * loss_pseudo
        parts["loss_pseudo"] = float(loss_pseudo)
        if sides:
            loss_sides = self.sides(tuple(s[:n_labelled] for s in sides), labels)
            loss = loss + self.cfg.side_weight * loss_sides
            parts["loss_sides"] = float(loss_sides)
        return loss, {"loss": float(loss), **parts}
