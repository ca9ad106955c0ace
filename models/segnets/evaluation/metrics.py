"""Segmentation metrics at the original slice resolution: per-slice pixel counts, pooled Dice.

Labels: 0 background, 1 ground-glass opacity (GGO), 2 consolidation; "infection" is GGO or
consolidation. Pooled (global) Dice sums intersections and sizes over all slices before dividing.
"""

from __future__ import annotations

import numpy as np

CLASS_KEYS = ("infection", "ggo", "consolidation")


def dice_score(pred: np.ndarray, truth: np.ndarray) -> float:
    """Dice of two boolean masks; 1.0 when both are empty."""
    inter = np.logical_and(pred, truth).sum()
    total = pred.sum() + truth.sum()
    return 1.0 if total == 0 else float(2 * inter / total)


def slice_metrics(pred: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """Per-slice counts and Dice at the original resolution. ``pred``/``truth`` ``(H, W)`` labels 0/1/2."""
    out: dict[str, float] = {"pixels": float(truth.size)}
    for name, p, t in (
        ("infection", pred > 0, truth > 0),
        ("ggo", pred == 1, truth == 1),
        ("consolidation", pred == 2, truth == 2),
    ):
        out[f"{name}_inter"] = float(np.logical_and(p, t).sum())
        out[f"{name}_pred"] = float(p.sum())
        out[f"{name}_truth"] = float(t.sum())
        out[f"{name}_dice"] = dice_score(p, t)
    return out


def aggregate_metrics(rows: list[dict[str, float]]) -> dict[str, float]:
    """Global (pixel-pooled) Dice per class, mean per-slice infection Dice, infection sensitivity."""
    out: dict[str, float] = {}
    for name in CLASS_KEYS:
        inter = sum(r[f"{name}_inter"] for r in rows)
        denom = sum(r[f"{name}_pred"] + r[f"{name}_truth"] for r in rows)
        out[f"dice_{name}"] = 1.0 if denom == 0 else 2 * inter / denom
    out["dice_infection_per_slice_mean"] = float(np.mean([r["infection_dice"] for r in rows]))
    truth = sum(r["infection_truth"] for r in rows)
    out["sensitivity_infection"] = 1.0 if truth == 0 else sum(r["infection_inter"] for r in rows) / truth
    return out
