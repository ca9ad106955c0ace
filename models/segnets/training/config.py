"""The training recipe as one typed record (``TrainConfig``), its JSON form, and which fields a
resumed run may change.

Every field that changes what the network learns is a *recipe* field: a resumed run must use the
value it started with (``recipe_differences``). The *operational* fields (where and how fast the
run goes, how often it checkpoints) may change between sessions without changing the result,
except ``threads``: CPU kernels split work by thread count, so bit-identical resumption needs the
same count (a change is allowed, and logged).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from ..augment import AugmentConfig

PSEUDO_MODES = ("band", "soft")

# Fields a resumed session may set differently from the session that started the run.
OPERATIONAL_FIELDS = frozenset({"threads", "device", "max_minutes", "checkpoint_every_steps", "data_root", "best_precision"})


@dataclass
class TrainConfig:
    net: str = "cmunext-s"
    size: int = 192
    epochs: int = 60
    steps_per_epoch: int = 10
    labelled_per_batch: int = 4
    pseudo_per_batch: int = 4
    lr: float = 3e-3
    weight_decay: float = 1e-4
    warmup_epochs: int = 2
    patience: int = 15
    min_epochs: int = 10
    class_weights: tuple[float, float, float] = (1.0, 1.0, 1.5)
    bdou_weight: float = 0.3
    pseudo_weight: float = 0.5
    # Pseudo-label targets: "band" = thresholded, pixels between the two band edges ignored;
    # "soft" = the pseudo probability itself as a soft target on every pixel.
    pseudo_mode: str = "band"
    pseudo_band: tuple[float, float] = (0.25, 0.75)
    # Share of each labelled batch drawn from the slices that contain consolidation (0 = uniform).
    consolidation_share: float = 0.0
    # Side outputs (networks that have them): weight of their summed loss against the main output.
    deep_supervision: bool = False
    side_weight: float = 0.4
    val_count: int = 10
    link_threshold: float = 0.85
    # "" = no pseudo volume held out (all of them train).
    heldout_pseudo_volume: str = "Data-1_coronacases_org_003"
    seed: int = 20261123
    threads: int = 2
    device: str = "cpu"
    # Budget of training time over all sessions of a run (0 = none); the run stops, resumable.
    max_minutes: float = 0.0
    # Also write last.pt every N optimiser steps inside an epoch (0 = only at epoch ends).
    checkpoint_every_steps: int = 0
    # best.pt weights: "fp32" (exact: what finalize exports) or "fp16" (half the size).
    best_precision: str = "fp32"
    data_root: str = ""
    augment: AugmentConfig = field(default_factory=AugmentConfig)

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    def validate(self) -> None:
        """Raises ``ValueError`` on a recipe that cannot run."""
        if self.pseudo_mode not in PSEUDO_MODES:
            raise ValueError(f"pseudo_mode must be one of {PSEUDO_MODES}, got {self.pseudo_mode!r}")
        lo, hi = self.pseudo_band
        if not 0 <= lo <= hi <= 1:
            raise ValueError(f"pseudo_band must satisfy 0 <= low <= high <= 1, got {self.pseudo_band}")
        if not 0 <= self.consolidation_share < 1:
            raise ValueError(f"consolidation_share must be in [0, 1), got {self.consolidation_share}")
        if self.best_precision not in ("fp32", "fp16"):
            raise ValueError(f"best_precision must be fp32 or fp16, got {self.best_precision!r}")
        if self.epochs < 1 or self.steps_per_epoch < 1:
            raise ValueError("epochs and steps_per_epoch must be at least 1")
        if len(self.class_weights) != 3:
            raise ValueError("class_weights needs 3 values (background, GGO, consolidation)")


def config_to_json(cfg: TrainConfig) -> dict[str, Any]:
    d = asdict(cfg)
    d["class_weights"] = list(cfg.class_weights)
    d["pseudo_band"] = list(cfg.pseudo_band)
    return d


def config_from_json(d: dict[str, Any]) -> TrainConfig:
    """Inverse of ``config_to_json``; fields added since a run was written take their defaults."""
    known = {f.name for f in fields(TrainConfig)}
    d = {k: v for k, v in d.items() if k in known}
    d["augment"] = AugmentConfig(**d.get("augment", {}))
    d["class_weights"] = tuple(d.get("class_weights", TrainConfig.class_weights))
    d["pseudo_band"] = tuple(d.get("pseudo_band", (0.25, 0.75)))
    return TrainConfig(**d)


def recipe_differences(started: TrainConfig, now: TrainConfig) -> list[str]:
    """``["field: started X, now Y", ...]`` for recipe fields that differ (operational ones excluded)."""
    a, b = config_to_json(started), config_to_json(now)
    return [f"{k}: started {a[k]!r}, now {b.get(k)!r}" for k in a if k not in OPERATIONAL_FIELDS and a[k] != b.get(k)]
