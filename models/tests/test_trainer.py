"""Trainer hooks, pseudo-label loss and augmentation alignment on tiny synthetic slices (fast, CPU)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from segnets.augment import AugmentConfig, augment_labelled, augment_pseudo, random_grid, warp_image, warp_labels
from segnets.data import SliceArrays, SliceRecord
from segnets.networks import build_network
from segnets.trainer import Trainer, TrainConfig, aggregate_metrics, pseudo_infection_loss, slice_metrics

SIZE = 32


def synthetic(kind: str, n: int) -> SliceArrays:
    rng = np.random.default_rng(0)
    images = rng.random((n, SIZE, SIZE)).astype(np.float32)
    if kind == "labelled":
        targets = np.zeros((n, SIZE, SIZE), np.uint8)
        targets[:, 4:12, 4:12] = 1
        targets[:, 20:28, 20:28] = 2
        originals = [t.copy() for t in targets]
    else:
        targets = np.zeros((n, SIZE, SIZE), np.float32)
        targets[:, 8:20, 8:20] = 0.9
        originals = None
    recs = [SliceRecord(str(i), Path(f"{i}.jpg"), Path(f"{i}.png"), kind, kind) for i in range(n)]  # type: ignore[arg-type]
    return SliceArrays(recs, images, targets, originals)


class RecordingTrainer(Trainer):
    calls: list[str]

    def on_epoch_start(self) -> None:
        self.calls.append("on_epoch_start")
        super().on_epoch_start()

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        self.calls.append("train_step")
        return super().train_step(batch)

    def validation_step(self, index: int) -> dict[str, float]:
        self.calls.append("validation_step")
        return super().validation_step(index)

    def on_checkpoint(self, path: Path, record: dict[str, float]) -> None:
        self.calls.append(f"on_checkpoint:{path.name}")
        super().on_checkpoint(path, record)


def test_a_two_step_run_calls_every_hook_in_order_and_writes_logs(tmp_path: Path) -> None:
    cfg = TrainConfig(
        net="cmunext-s", size=SIZE, epochs=1, steps_per_epoch=2, labelled_per_batch=2, pseudo_per_batch=2, warmup_epochs=1, min_epochs=1
    )
    torch.manual_seed(0)
    trainer = RecordingTrainer(
        cfg, build_network("cmunext-s"), synthetic("labelled", 2), synthetic("pseudo", 2), synthetic("labelled", 2), tmp_path, 0.5, 0.25, log=lambda _: None
    )
    trainer.calls = []
    before = [p.detach().clone() for p in trainer.network.parameters()]
    summary = trainer.fit()
    assert trainer.calls == [
        "on_epoch_start",
        "train_step",
        "train_step",
        "validation_step",
        "validation_step",
        "on_checkpoint:last.pt",
        "on_checkpoint:best.pt",
    ]
    assert trainer.step == 2 and summary["epochs_run"] == 1
    assert any(not torch.equal(a, b) for a, b in zip(before, trainer.network.parameters()))
    for name in ("log.csv", "curves.png", "best.pt", "last.pt", "summary.json"):
        assert (tmp_path / name).is_file(), name
    header = (tmp_path / "log.csv").read_text().splitlines()[0].split(",")
    assert {"loss", "loss_labelled", "loss_pseudo", "val_dice_infection", "val_dice_ggo", "val_dice_consolidation"} <= set(header)
    assert torch.load(tmp_path / "best.pt")["val_stems"] == ["0", "1"]


def test_the_same_seed_gives_the_same_first_batch() -> None:
    cfg = TrainConfig(size=SIZE, labelled_per_batch=2, pseudo_per_batch=2)
    batches = []
    for _ in range(2):
        t = Trainer(cfg, build_network("cmunext-s"), synthetic("labelled", 3), synthetic("pseudo", 3), synthetic("labelled", 1), Path("."), 0.5, 0.25)
        batches.append(t.sample_batch())
    for key in batches[0]:
        assert torch.equal(batches[0][key], batches[1][key]), key


def test_augmentation_moves_image_and_mask_together() -> None:
    gen = torch.Generator().manual_seed(3)
    labels = torch.zeros(4, 48, 48, dtype=torch.long)
    labels[:, 10:22, 8:30] = 1
    labels[:, 30:40, 30:44] = 2
    # the image encodes the label: warping both with one grid must keep them equal
    image = labels[:, None].float() / 2
    grid = random_grid(4, 48, 48, AugmentConfig(), gen)
    warped_image = warp_image(image, grid)
    warped_labels = warp_labels(labels, grid)
    interior = (warped_image * 2 - warped_labels[:, None].float()).abs()[:, 0]
    # bilinear vs nearest differ only along label edges (by less than one label step);
    # a misaligned warp would put whole regions a full step apart
    assert (interior < 1e-4).float().mean() > 0.9
    assert (interior > 0.75).float().mean() < 0.01
    assert not torch.equal(warped_labels, labels)


def test_augmented_labels_stay_valid_and_soft_masks_stay_probabilities() -> None:
    gen = torch.Generator().manual_seed(5)
    images = torch.rand(2, 1, 32, 32)
    labels = torch.randint(0, 3, (2, 32, 32))
    out_img, out_lab = augment_labelled(images, labels, AugmentConfig(), gen)
    assert out_img.shape == images.shape and float(out_img.min()) >= 0 and float(out_img.max()) <= 1
    assert set(out_lab.unique().tolist()) <= {0, 1, 2}
    _, soft = augment_pseudo(images, torch.rand(2, 32, 32), AugmentConfig(), gen)
    assert float(soft.min()) >= 0 and float(soft.max()) <= 1


def test_pseudo_loss_rewards_infection_in_either_class_and_ignores_the_uncertain_band() -> None:
    soft = torch.zeros(1, 8, 8)
    soft[:, :4] = 0.9
    right = torch.full((1, 3, 8, 8), -5.0)
    right[:, 0, 4:] = 5.0
    right[:, 2, :4] = 5.0  # consolidation counts as infection for a binary pseudo-label
    wrong = right.flip(2)
    assert float(pseudo_infection_loss(right, soft)) < 0.05
    assert float(pseudo_infection_loss(wrong, soft)) > 1.0
    uncertain = torch.full((1, 8, 8), 0.5)
    assert float(pseudo_infection_loss(wrong, uncertain)) == float(pseudo_infection_loss(right, uncertain))


def test_metrics_pool_pixels_across_slices() -> None:
    truth = np.zeros((10, 10), np.uint8)
    truth[:5] = 1
    pred = truth.copy()
    pred[:5, :5] = 2
    row = slice_metrics(pred, truth)
    assert row["infection_dice"] == 1.0 and row["ggo_dice"] == 2 * 25 / (25 + 50)
    agg = aggregate_metrics([row, slice_metrics(np.zeros_like(truth), truth)])
    assert abs(agg["dice_infection"] - 2 * 50 / (50 + 100)) < 1e-9
    assert agg["sensitivity_infection"] == 0.5
