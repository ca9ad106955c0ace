"""COVID-SemiSeg slices for training: discovery, loading, the neighbour-safe validation split.

The data (../shared/data/covid-semiseg, non-commercial licence) is read in place, never copied:

* ``train/images/N.jpg`` + ``train/masks-multiclass/N.png`` (50 labelled slices, labels 0 background,
  1 ground-glass opacity, 2 consolidation);
* ``pseudo/images/<volume>_<slice>.jpg`` + ``pseudo/masks-pseudo/<same>.png`` (1600 slices of 20
  volumes with soft 0..255 infection-vs-background pseudo-labels from Semi-Inf-Net).

Every slice is squashed (no aspect-ratio padding, as Inf-Net does) to ``size x size``: images with
bilinear interpolation to float ``pixel / 255`` in [0, 1], label maps with nearest-neighbour, soft
pseudo masks with bilinear interpolation to a probability in [0, 1].

Validation split (labelled slices only). The 50 labelled slices come from ~40 patients and are
numbered in no patient order (neighbouring stems are not neighbouring slices: checked by image
correlation), so stem ranges do not keep a patient together. Instead we link two slices when the
Pearson correlation of their 48x48 z-scored thumbnails is >= ``link_threshold`` (0.85: the clear
same-patient neighbours reach 0.88-0.998 while unrelated lung slices sit at 0.3-0.82), take the
connected components (union-find) as groups, and move whole groups into validation in a seeded
random order until the wanted number of slices is reached. The pseudo-labelled volumes come from a
different public collection (COVID-19-CT-Seg: coronacases + Radiopaedia), so they cannot leak
labelled-validation patients; one pseudo volume is held out whole to measure false-positive area on
slices without infection.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Sequence

import numpy as np
from PIL import Image

SliceKind = Literal["labelled", "pseudo"]
CLASS_NAMES = ("background", "ground-glass opacity", "consolidation")

_PSEUDO_NAME = re.compile(r"^(?P<volume>.+)_(?P<slice>\d+)$")


class DatasetError(ValueError):
    """The data folder is missing or does not look like COVID-SemiSeg."""


@dataclass(frozen=True)
class SliceRecord:
    """One slice on disk. ``volume`` is the source volume for pseudo slices, ``"labelled"`` otherwise."""

    stem: str
    image_path: Path
    mask_path: Path
    kind: SliceKind
    volume: str


def default_data_root() -> Path:
    """``$OPAL_SHARED_DATA/covid-semiseg`` or ``<repo>/../shared/data/covid-semiseg``."""
    env = os.environ.get("OPAL_SHARED_DATA")
    if env:
        return Path(env) / "covid-semiseg"
    repo = Path(__file__).resolve().parents[2]
    return repo.parent / "shared" / "data" / "covid-semiseg"


def _stem_key(stem: str) -> tuple[int, str]:
    return (int(stem), stem) if stem.isdigit() else (1 << 30, stem)


def find_labelled(root: Path) -> list[SliceRecord]:
    """The labelled slices (image + multi-class mask pairs), sorted by numeric stem."""
    img_dir, mask_dir = root / "train" / "images", root / "train" / "masks-multiclass"
    if not img_dir.is_dir() or not mask_dir.is_dir():
        raise DatasetError(f"no labelled COVID-SemiSeg slices under {root} (expected train/images and train/masks-multiclass)")
    records = []
    for img in sorted(img_dir.glob("*.jpg"), key=lambda p: _stem_key(p.stem)):
        mask = mask_dir / f"{img.stem}.png"
        if not mask.is_file():
            raise DatasetError(f"labelled image {img.name} has no mask {mask}")
        records.append(SliceRecord(img.stem, img, mask, "labelled", "labelled"))
    if not records:
        raise DatasetError(f"no labelled images in {img_dir}")
    return records


def find_pseudo(root: Path) -> list[SliceRecord]:
    """The pseudo-labelled slices, sorted by (volume, slice number); empty when the folder is absent."""
    img_dir, mask_dir = root / "pseudo" / "images", root / "pseudo" / "masks-pseudo"
    if not img_dir.is_dir():
        return []
    records = []
    for img in img_dir.glob("*.jpg"):
        m = _PSEUDO_NAME.match(img.stem)
        mask = mask_dir / f"{img.stem}.png"
        if m is None or not mask.is_file():
            raise DatasetError(f"pseudo image {img.name} has no matching mask or volume name")
        records.append(SliceRecord(img.stem, img, mask, "pseudo", m.group("volume")))
    records.sort(key=lambda r: (r.volume, int(_PSEUDO_NAME.match(r.stem).group("slice"))))  # type: ignore[union-attr]
    return records


def read_grey(path: Path) -> np.ndarray:
    """8-bit greyscale image ``(H, W) uint8``."""
    with Image.open(path) as im:
        return np.asarray(im.convert("L"), dtype=np.uint8)


def read_labels(path: Path) -> np.ndarray:
    """Palette/greyscale label PNG ``(H, W) uint8`` of raw indices (0, 1, 2); rejects other values."""
    with Image.open(path) as im:
        labels = np.asarray(im if im.mode in ("P", "L") else im.convert("L"), dtype=np.uint8)
    if labels.max(initial=0) > 2:
        raise DatasetError(f"{path} holds label {labels.max()}; expected 0 background, 1 GGO, 2 consolidation")
    return labels


def resize_image(pixels: np.ndarray, size: int) -> np.ndarray:
    """``(H, W) uint8`` -> ``(size, size) float32`` in [0, 1] (bilinear, like the ONNX engine)."""
    im = Image.fromarray(pixels).resize((size, size), Image.BILINEAR)
    return np.asarray(im, dtype=np.float32) / 255.0


def resize_labels(labels: np.ndarray, size: int) -> np.ndarray:
    """``(H, W) uint8`` labels -> ``(size, size) uint8`` (nearest neighbour)."""
    return np.asarray(Image.fromarray(labels).resize((size, size), Image.NEAREST), dtype=np.uint8)


def resize_soft(mask: np.ndarray, size: int) -> np.ndarray:
    """Soft ``(H, W) uint8`` mask -> ``(size, size) float32`` probability (bilinear)."""
    return np.asarray(Image.fromarray(mask).resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0


@dataclass
class SliceArrays:
    """Slices resized to the model size. ``images (N, S, S) float32``; ``targets`` are ``(N, S, S)``:
    uint8 labels for labelled slices, float32 infection probability for pseudo slices. ``originals``
    keeps the full-resolution label maps (for honest metrics at the original size)."""

    records: list[SliceRecord]
    images: np.ndarray
    targets: np.ndarray
    originals: list[np.ndarray] | None = None


def load_slices(records: Sequence[SliceRecord], size: int, keep_originals: bool = False) -> SliceArrays:
    """Reads and resizes ``records`` (all of one kind)."""
    kinds = {r.kind for r in records}
    if len(kinds) > 1:
        raise ValueError("load_slices takes slices of one kind at a time")
    images = np.zeros((len(records), size, size), np.float32)
    labelled = kinds == {"labelled"}
    targets = np.zeros((len(records), size, size), np.uint8 if labelled else np.float32)
    originals: list[np.ndarray] = []
    for i, r in enumerate(records):
        pixels = read_grey(r.image_path)
        images[i] = resize_image(pixels, size)
        if labelled:
            labels = read_labels(r.mask_path)
            if labels.shape != pixels.shape:
                raise DatasetError(f"{r.mask_path} is {labels.shape}, image {r.image_path} is {pixels.shape}")
            targets[i] = resize_labels(labels, size)
            if keep_originals:
                originals.append(labels)
        else:
            targets[i] = resize_soft(read_grey(r.mask_path), size)
    return SliceArrays(list(records), images, targets, originals if keep_originals else None)


def thumbnails(images: Sequence[np.ndarray], side: int = 48) -> np.ndarray:
    """Z-scored ``side x side`` thumbnails ``(N, side*side)`` of 8-bit or [0, 1] images."""
    out = np.zeros((len(images), side * side), np.float64)
    for i, img in enumerate(images):
        a = np.asarray(img, dtype=np.float32)
        if a.max() <= 1.0:
            a = a * 255.0
        t = np.asarray(Image.fromarray(a.astype(np.uint8)).resize((side, side), Image.BILINEAR), np.float64).ravel()
        out[i] = (t - t.mean()) / (t.std() + 1e-6)
    return out


def similarity_groups(images: Sequence[np.ndarray], link_threshold: float = 0.85) -> list[list[int]]:
    """Groups of indices whose thumbnails correlate >= ``link_threshold`` (transitively)."""
    t = thumbnails(images)
    corr = t @ t.T / t.shape[1]
    parent = list(range(len(images)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(images)):
        for j in range(i + 1, len(images)):
            if corr[i, j] >= link_threshold:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(images)):
        groups.setdefault(find(i), []).append(i)
    return sorted(groups.values(), key=lambda g: g[0])


def split_keeping_neighbours(
    images: Sequence[np.ndarray], val_count: int, seed: int, link_threshold: float = 0.85
) -> tuple[list[int], list[int]]:
    """``(train_indices, val_indices)``: whole similarity groups go to validation (seeded order)
    until at least ``val_count`` slices are there; no group is ever split across the two."""
    if not 0 < val_count < len(images):
        raise ValueError(f"val_count must be in (0, {len(images)}), got {val_count}")
    groups = similarity_groups(images, link_threshold)
    order = np.random.default_rng(seed).permutation(len(groups))
    val: list[int] = []
    for g in order:
        if len(val) >= val_count:
            break
        if len(val) + len(groups[g]) > val_count + 2 and len(groups[g]) > 1:
            continue  # a big group would overshoot: keep it for training
        val.extend(groups[g])
    val_set = set(val)
    return [i for i in range(len(images)) if i not in val_set], sorted(val)


def dataset_mean_std(images: np.ndarray) -> tuple[float, float]:
    """Mean and standard deviation of ``pixel / 255`` over the given resized training images."""
    return float(images.mean()), float(images.std())
