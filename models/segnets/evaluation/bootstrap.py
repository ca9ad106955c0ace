"""Bootstrap confidence intervals over validation slices (percentile method, seeded)."""

from __future__ import annotations

from typing import Callable

import numpy as np

Rows = list[dict[str, float]]


def bootstrap_ci(rows: Rows, statistic: Callable[[Rows], float], n: int = 2000, seed: int = 0) -> tuple[float, float]:
    """Percentile 95% CI of ``statistic`` over slices resampled with replacement."""
    rng = np.random.default_rng(seed)
    values = [statistic([rows[i] for i in rng.integers(0, len(rows), len(rows))]) for _ in range(n)]
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def paired_bootstrap_difference(
    rows_a: Rows, rows_b: Rows, statistic: Callable[[Rows], float], n: int = 2000, seed: int = 0
) -> tuple[float, float, float]:
    """``(b - a, low, high)``: the difference of ``statistic`` between two models evaluated on the same
    slices (row i of both is slice i), with a 95% CI from resampling slices jointly."""
    if len(rows_a) != len(rows_b):
        raise ValueError("paired bootstrap needs the same slices for both models")
    rng = np.random.default_rng(seed)
    diffs = []
    for _ in range(n):
        idx = rng.integers(0, len(rows_a), len(rows_a))
        diffs.append(statistic([rows_b[i] for i in idx]) - statistic([rows_a[i] for i in idx]))
    return statistic(rows_b) - statistic(rows_a), float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))
