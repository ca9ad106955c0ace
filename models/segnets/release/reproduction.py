"""Checks that two run folders of one recipe reached the same weights (a reproduction record)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..training.checkpoint import load_weights


def compare_best_weights(run_dir: Path, other_run_dir: Path) -> dict[str, Any]:
    """``{"run", "identicalWeights", "maxAbsDifference"}`` comparing the two runs' best.pt weights."""
    a, _ = load_weights(run_dir / "best.pt")
    b, _ = load_weights(other_run_dir / "best.pt")
    if a.keys() != b.keys():
        return {"run": other_run_dir.name, "identicalWeights": False, "maxAbsDifference": None}
    identical = all(torch.equal(a[k], b[k]) for k in a)
    diff = max((float((a[k].double() - b[k].double()).abs().max()) for k in a if a[k].numel()), default=0.0)
    return {"run": other_run_dir.name, "identicalWeights": identical, "maxAbsDifference": diff}
