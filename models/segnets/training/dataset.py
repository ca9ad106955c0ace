"""The slices a run trains and validates on, resized to the model size (``PreparedData``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..data import SliceArrays, default_data_root, find_labelled, find_pseudo, load_slices, split_keeping_neighbours
from .config import TrainConfig


@dataclass
class PreparedData:
    train: SliceArrays
    val: SliceArrays
    pseudo: SliceArrays | None
    heldout_pseudo: SliceArrays | None
    mean: float
    std: float
    pseudo_train_slices: int = 0
    pseudo_train_volumes: int = 0


def prepare_data(cfg: TrainConfig, log: Callable[[str], None] = print) -> PreparedData:
    """Labelled train/validation split (neighbour-safe), pseudo slices (minus the held-out volume),
    and the normalisation (mean/std of the labelled training images, rounded to 4 decimals)."""
    root = Path(cfg.data_root) if cfg.data_root else default_data_root()
    labelled = find_labelled(root)
    all_lab = load_slices(labelled, cfg.size, keep_originals=True)
    train_idx, val_idx = split_keeping_neighbours(list(all_lab.images), cfg.val_count, cfg.seed, cfg.link_threshold)
    assert all_lab.originals is not None

    def subset(idx: list[int]) -> SliceArrays:
        return SliceArrays(
            [all_lab.records[i] for i in idx], all_lab.images[idx], all_lab.targets[idx], [all_lab.originals[i] for i in idx]  # type: ignore[index]
        )

    train, val = subset(train_idx), subset(val_idx)
    log(f"labelled: {len(train_idx)} train, {len(val_idx)} validation (stems {[r.stem for r in val.records]})")
    pseudo_records = find_pseudo(root)
    pseudo = heldout = None
    kept = []
    if pseudo_records:
        held_name = cfg.heldout_pseudo_volume
        kept = [r for r in pseudo_records if r.volume != held_name]
        held = [r for r in pseudo_records if held_name and r.volume == held_name]
        if cfg.pseudo_per_batch > 0:
            pseudo = load_slices(kept, cfg.size)
        if held:
            heldout = load_slices(held, cfg.size)
        log(f"pseudo: {len(kept)} train slices, {len(held)} held out ({held_name or 'none'})")
    mean, std = float(train.images.mean()), float(train.images.std())
    return PreparedData(train, val, pseudo, heldout, round(mean, 4), round(std, 4), len(kept), len({r.volume for r in kept}))
