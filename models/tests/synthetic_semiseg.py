"""A tiny COVID-SemiSeg-shaped folder built in code, for end-to-end trainer tests (CLI, resume,
finalize, comparison): labelled slices with GGO and consolidation blobs, pseudo volumes with soft
masks. Every slice is a different random texture, so no two slices are near-identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

HELD_OUT_VOLUME = "vol_b"


def _slice(rng: np.random.Generator, side: int) -> tuple[np.ndarray, np.ndarray]:
    """(image uint8, labels uint8): dark lung texture with a bright GGO blob and a brighter consolidation blob."""
    coarse = rng.random((8, 8)) * 90
    image = np.asarray(Image.fromarray(coarse.astype(np.uint8)).resize((side, side), Image.BICUBIC), np.float64)
    yy, xx = np.mgrid[:side, :side]
    labels = np.zeros((side, side), np.uint8)
    for label, brightness in ((1, 120), (2, 200)):
        cy, cx = rng.integers(side // 5, 4 * side // 5, 2)
        r = rng.integers(side // 10, side // 5)
        blob = (yy - cy) ** 2 + (xx - cx) ** 2 <= r * r
        labels[blob] = label
        image[blob] = brightness + rng.normal(0, 10, blob.sum())
    return np.clip(image, 0, 255).astype(np.uint8), labels


def write_semiseg(root: Path, labelled: int = 8, pseudo_per_volume: int = 3, side: int = 48, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for sub in ("train/images", "train/masks-multiclass", "pseudo/images", "pseudo/masks-pseudo"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for i in range(labelled):
        image, labels = _slice(rng, side)
        Image.fromarray(image).save(root / "train" / "images" / f"{i}.jpg", quality=95)
        Image.fromarray(labels).save(root / "train" / "masks-multiclass" / f"{i}.png")
    for volume in ("vol_a", HELD_OUT_VOLUME):
        for k in range(pseudo_per_volume):
            image, labels = _slice(rng, side)
            soft = np.where(labels > 0, 230, 10).astype(np.uint8)
            if k == 0 and volume == HELD_OUT_VOLUME:
                soft[:] = 0  # one infection-free held-out slice: the false-positive check has something to count
            Image.fromarray(image).save(root / "pseudo" / "images" / f"{volume}_{k}.jpg", quality=95)
            Image.fromarray(soft).save(root / "pseudo" / "masks-pseudo" / f"{volume}_{k}.png")
    return root


def tiny_recipe(data: Path, out: Path, *extra: str) -> list[str]:
    """Trainer CLI arguments for a run of a few seconds: cmunext-s at 32 px, 2 epochs of 2 steps."""
    return [
        "train", "--net", "cmunext-s", "--size", "32", "--epochs", "2", "--steps-per-epoch", "2",
        "--labelled-per-batch", "2", "--pseudo-per-batch", "2", "--warmup-epochs", "1", "--min-epochs", "1",
        "--val-count", "2", "--threads", "1", "--heldout-pseudo-volume", HELD_OUT_VOLUME,
        "--data", str(data), "--out", str(out), *extra,
    ]  # fmt: skip
