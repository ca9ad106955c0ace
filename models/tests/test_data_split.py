"""The validation split keeps near-identical (neighbouring) slices together; dataset discovery checks pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from segnets.data import DatasetError, find_labelled, load_slices, similarity_groups, split_keeping_neighbours


def blob_slice(seed: int, side: int = 64) -> np.ndarray:
    """A random smooth 'slice' (uint8): distinct seeds give uncorrelated images."""
    rng = np.random.default_rng(seed)
    coarse = rng.random((8, 8)) * 255
    return np.asarray(Image.fromarray(coarse.astype(np.uint8)).resize((side, side), Image.BICUBIC))


def neighbour_of(img: np.ndarray, seed: int) -> np.ndarray:
    """The same anatomy with a little noise: what the next slice of one patient looks like."""
    noise = np.random.default_rng(seed).normal(0, 6, img.shape)
    return np.clip(img.astype(np.float64) + noise, 0, 255).astype(np.uint8)


def test_near_identical_slices_form_one_group_and_unrelated_ones_do_not() -> None:
    a, b = blob_slice(1), blob_slice(2)
    images = [a, neighbour_of(a, 10), b, neighbour_of(a, 11), blob_slice(3)]
    groups = similarity_groups(images)
    assert [0, 1, 3] in groups
    assert [2] in groups and [4] in groups


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_split_never_separates_a_group(seed: int) -> None:
    images = []
    families = []
    for fam in range(8):
        base = blob_slice(100 + fam)
        for k in range(1 + fam % 3):
            images.append(base if k == 0 else neighbour_of(base, 1000 * fam + k))
            families.append(fam)
    train, val = split_keeping_neighbours(images, val_count=4, seed=seed)
    assert sorted(train + val) == list(range(len(images)))
    assert len(val) >= 4
    val_families = {families[i] for i in val}
    train_families = {families[i] for i in train}
    assert not val_families & train_families


def test_split_is_deterministic_for_a_seed() -> None:
    images = [blob_slice(s) for s in range(12)]
    assert split_keeping_neighbours(images, 3, seed=7) == split_keeping_neighbours(images, 3, seed=7)


def test_split_rejects_an_impossible_validation_size() -> None:
    with pytest.raises(ValueError):
        split_keeping_neighbours([blob_slice(s) for s in range(3)], val_count=3, seed=0)


def write_pair(root: Path, stem: str, labels: np.ndarray) -> None:
    (root / "train" / "images").mkdir(parents=True, exist_ok=True)
    (root / "train" / "masks-multiclass").mkdir(parents=True, exist_ok=True)
    Image.fromarray(blob_slice(int(stem))).save(root / "train" / "images" / f"{stem}.jpg")
    Image.fromarray(labels).save(root / "train" / "masks-multiclass" / f"{stem}.png")


def test_labelled_slices_load_with_nearest_labels_at_the_model_size(tmp_path: Path) -> None:
    labels = np.zeros((64, 64), np.uint8)
    labels[10:30, 10:30] = 1
    labels[40:60, 40:60] = 2
    write_pair(tmp_path, "3", labels)
    write_pair(tmp_path, "12", labels)
    records = find_labelled(tmp_path)
    assert [r.stem for r in records] == ["3", "12"]
    arrays = load_slices(records, 32, keep_originals=True)
    assert arrays.images.shape == (2, 32, 32) and 0 <= arrays.images.min() and arrays.images.max() <= 1
    assert set(np.unique(arrays.targets)) == {0, 1, 2}
    assert arrays.originals is not None and arrays.originals[0].shape == (64, 64)


def test_a_mask_with_labels_above_two_is_rejected(tmp_path: Path) -> None:
    labels = np.full((64, 64), 255, np.uint8)
    write_pair(tmp_path, "1", labels)
    with pytest.raises(DatasetError, match="expected 0 background"):
        load_slices(find_labelled(tmp_path), 32)


def test_an_image_without_a_mask_is_reported(tmp_path: Path) -> None:
    write_pair(tmp_path, "1", np.zeros((64, 64), np.uint8))
    (tmp_path / "train" / "masks-multiclass" / "1.png").unlink()
    with pytest.raises(DatasetError, match="has no mask"):
        find_labelled(tmp_path)
