"""Evaluation: metrics at the original resolution, bootstrap CIs, and ``evaluate_run`` for a run folder."""

from .bootstrap import bootstrap_ci, paired_bootstrap_difference
from .metrics import aggregate_metrics, dice_score, slice_metrics

__all__ = ["aggregate_metrics", "bootstrap_ci", "dice_score", "paired_bootstrap_difference", "slice_metrics"]
