"""Trainer for the COVID-19 infection networks (3 classes: background, GGO, consolidation).

    cd models && /usr/bin/python3 -m segnets.trainer train --net cmunext-s --epochs 24 --out runs/x
    cd models && /usr/bin/python3 -m segnets.trainer finalize --run runs/x --name opal-infection-cmunext-s
    (or ``models/train.sh`` / ``npm run train -- --net cmunext-s --epochs 24``, which do both)

``train`` fits a network with explicit hooks (``on_epoch_start``, ``train_step``,
``validation_step``, ``on_epoch_end``, ``on_checkpoint``), logs every epoch to ``log.csv``, draws
``curves.png`` and keeps ``best.pt`` (highest validation infection Dice) and ``last.pt``.
``finalize`` evaluates ``best.pt`` on the validation slices (bootstrap CIs) and on the held-out
pseudo volume (false-positive area on infection-free slices), exports ONNX with
``segnets/export_onnx.py`` and writes ``models/manifests/<name>.json`` and ``models/cards/<name>.md``.

Batches mix labelled and pseudo-labelled slices in one forward pass (BatchNorm sees both):

* labelled slices: ``DiceCELoss`` (softmax CE with class weights + foreground soft Dice) plus
  ``bdou_weight`` x ``BoundaryDoULoss`` (losses by the models engineer, ``models/segnets/losses``);
* pseudo slices (binary soft masks): infection-vs-background only. The network's infection
  probability is ``p1 + p2`` (GGO + consolidation), trained with a masked binary CE
  (``log(p1 + p2)`` vs ``log p0``, computed with logsumexp) and a binary soft Dice. Pixels with
  pseudo probability >= 0.75 count as infection, <= 0.25 as background, the uncertain band in
  between is ignored (the pseudo-labels are another model's outputs). The pseudo loss is weighted
  ``pseudo_weight`` (0.5) against the labelled loss.

Runs on CPU (torch 1.13, ``--threads``) or CUDA (``--device cuda``) with the same seeds.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .augment import AugmentConfig, augment_labelled, augment_pseudo
from .data import (
    SliceArrays,
    default_data_root,
    find_labelled,
    find_pseudo,
    load_slices,
    split_keeping_neighbours,
)

PSEUDO_POSITIVE = 0.75
PSEUDO_NEGATIVE = 0.25


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
    val_count: int = 10
    link_threshold: float = 0.85
    heldout_pseudo_volume: str = "Data-1_coronacases_org_003"
    seed: int = 20261123
    threads: int = 2
    device: str = "cpu"
    max_minutes: float = 0.0
    data_root: str = ""
    augment: AugmentConfig = field(default_factory=AugmentConfig)


def seed_everything(seed: int) -> None:
    """Seeds Python-visible RNGs; the trainer uses its own ``numpy.Generator``/``torch.Generator`` too."""
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def pseudo_infection_loss(logits: torch.Tensor, soft: torch.Tensor) -> torch.Tensor:
    """Binary infection-vs-background loss for pseudo slices. ``logits (B, K, H, W)``, ``soft (B, H, W)``.

    CE on ``p_inf = sum_{k>=1} p_k`` over confident pixels (soft >= 0.75 or <= 0.25) + soft Dice of
    ``p_inf`` against the thresholded mask over those pixels."""
    log_all = torch.logsumexp(logits, dim=1)
    log_inf = torch.logsumexp(logits[:, 1:], dim=1) - log_all
    log_bg = logits[:, 0] - log_all
    positive = soft >= PSEUDO_POSITIVE
    valid = (positive | (soft <= PSEUDO_NEGATIVE)).float()
    target = positive.float()
    ce = -(target * log_inf + (1 - target) * log_bg)
    ce = (ce * valid).sum() / valid.sum().clamp(min=1)
    p_inf = log_inf.exp() * valid
    inter = (p_inf * target).sum()
    dice = (2 * inter + 1e-5) / (p_inf.sum() + (target * valid).sum() + 1e-5)
    return ce + (1 - dice)


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
    for name in ("infection", "ggo", "consolidation"):
        inter = sum(r[f"{name}_inter"] for r in rows)
        denom = sum(r[f"{name}_pred"] + r[f"{name}_truth"] for r in rows)
        out[f"dice_{name}"] = 1.0 if denom == 0 else 2 * inter / denom
    out["dice_infection_per_slice_mean"] = float(np.mean([r["infection_dice"] for r in rows]))
    truth = sum(r["infection_truth"] for r in rows)
    out["sensitivity_infection"] = 1.0 if truth == 0 else sum(r["infection_inter"] for r in rows) / truth
    return out


class Trainer:
    """Fits ``network`` on labelled + pseudo slices; override the hooks to change one behaviour.

    Hook order per epoch: ``on_epoch_start`` -> ``train_step`` x steps -> ``validation_step`` per
    validation slice -> ``on_epoch_end`` (logs, early stopping) -> ``on_checkpoint`` when the
    validation score improved (and for ``last.pt`` every epoch).
    """

    def __init__(
        self,
        cfg: TrainConfig,
        network: nn.Module,
        labelled: SliceArrays,
        pseudo: SliceArrays | None,
        val: SliceArrays,
        out_dir: Path,
        mean: float,
        std: float,
        log: Callable[[str], None] = print,
    ) -> None:
        from .losses import BoundaryDoULoss, DiceCELoss

        self.cfg = cfg
        self.device = torch.device(cfg.device)
        self.network = network.to(self.device)
        self.labelled, self.pseudo, self.val = labelled, pseudo, val
        self.out_dir = out_dir
        self.mean, self.std = mean, std
        self.log = log
        self.dice_ce = DiceCELoss(num_classes=3, class_weights=cfg.class_weights).to(self.device)
        self.bdou = BoundaryDoULoss(num_classes=3, include_background=False).to(self.device)
        self.optimizer = torch.optim.AdamW(network.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.rng = np.random.default_rng(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.epoch = 0
        self.step = 0
        self.best_score = -math.inf
        self.best_epoch = -1
        self.history: list[dict[str, float]] = []
        self.epoch_losses: list[dict[str, float]] = []
        self.val_rows: list[dict[str, float]] = []
        self.started = time.time()

    # ---- schedule -------------------------------------------------------------------------
    def learning_rate(self, step: int) -> float:
        """Linear warm-up, then cosine decay to 1% of ``lr`` at the last step."""
        total = self.cfg.epochs * self.cfg.steps_per_epoch
        warm = self.cfg.warmup_epochs * self.cfg.steps_per_epoch
        if step < warm:
            return self.cfg.lr * (step + 1) / warm
        t = (step - warm) / max(1, total - warm)
        return self.cfg.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, t))))

    def normalise(self, images: torch.Tensor) -> torch.Tensor:
        return (images - self.mean) / self.std

    # ---- batches --------------------------------------------------------------------------
    def sample_batch(self) -> dict[str, torch.Tensor]:
        """Random labelled (+ pseudo) slices, augmented: ``image (B, 1, S, S)``, ``labels``, ``soft``."""
        li = self.rng.choice(len(self.labelled.images), self.cfg.labelled_per_batch, replace=False)
        img = torch.from_numpy(self.labelled.images[li])[:, None]
        lab = torch.from_numpy(self.labelled.targets[li].astype(np.int64))
        img, lab = augment_labelled(img, lab, self.cfg.augment, self.gen)
        batch = {"labelled_image": img, "labels": lab}
        if self.pseudo is not None and self.cfg.pseudo_per_batch > 0:
            pi = self.rng.choice(len(self.pseudo.images), self.cfg.pseudo_per_batch, replace=False)
            pimg = torch.from_numpy(self.pseudo.images[pi])[:, None]
            soft = torch.from_numpy(self.pseudo.targets[pi])
            pimg, soft = augment_pseudo(pimg, soft, self.cfg.augment, self.gen)
            batch["pseudo_image"], batch["soft"] = pimg, soft
        return batch

    # ---- hooks ----------------------------------------------------------------------------
    def on_epoch_start(self) -> None:
        self.network.train()
        self.epoch_losses = []
        self.val_rows = []
        self.epoch_started = time.time()

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        """One optimiser step on a mixed batch; returns the loss parts."""
        for g in self.optimizer.param_groups:
            g["lr"] = self.learning_rate(self.step)
        n_lab = batch["labelled_image"].shape[0]
        images = batch["labelled_image"]
        if "pseudo_image" in batch:
            images = torch.cat([images, batch["pseudo_image"]])
        logits = self.network(self.normalise(images.to(self.device)))
        labels = batch["labels"].to(self.device)
        loss_lab = self.dice_ce(logits[:n_lab], labels)
        if self.cfg.bdou_weight > 0:
            loss_lab = loss_lab + self.cfg.bdou_weight * self.bdou(logits[:n_lab], labels)
        loss = loss_lab
        loss_pseudo = torch.zeros(())
        if "pseudo_image" in batch:
            loss_pseudo = pseudo_infection_loss(logits[n_lab:].float(), batch["soft"].to(self.device))
            loss = loss + self.cfg.pseudo_weight * loss_pseudo
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        parts = {"loss": float(loss), "loss_labelled": float(loss_lab), "loss_pseudo": float(loss_pseudo)}
        self.epoch_losses.append(parts)
        return parts

    @torch.no_grad()
    def predict(self, image: np.ndarray, out_shape: tuple[int, int]) -> np.ndarray:
        """``(S, S)`` image in [0, 1] -> ``(H, W)`` labels at the original size (logits resized bilinearly)."""
        self.network.eval()
        x = self.normalise(torch.from_numpy(image)[None, None].to(self.device))
        logits = self.network(x).float()
        logits = F.interpolate(logits, size=out_shape, mode="bilinear", align_corners=False)
        return logits.argmax(1)[0].cpu().numpy().astype(np.uint8)

    def validation_step(self, index: int) -> dict[str, float]:
        assert self.val.originals is not None
        truth = self.val.originals[index]
        row = slice_metrics(self.predict(self.val.images[index], truth.shape), truth)
        self.val_rows.append(row)
        return row

    def on_epoch_end(self) -> dict[str, float]:
        losses = {k: float(np.mean([p[k] for p in self.epoch_losses])) for k in self.epoch_losses[0]}
        metrics = aggregate_metrics(self.val_rows)
        record = {
            "epoch": float(self.epoch),
            "lr": self.learning_rate(self.step - 1),
            **losses,
            **{f"val_{k}": v for k, v in metrics.items()},
            "epoch_seconds": time.time() - self.epoch_started,
            "elapsed_minutes": (time.time() - self.started) / 60,
        }
        self.history.append(record)
        write_log_csv(self.out_dir / "log.csv", self.history)
        draw_curves(self.out_dir / "curves.png", self.history)
        self.log(
            f"epoch {self.epoch:3d} loss {losses['loss']:.4f} (lab {losses['loss_labelled']:.4f} pseudo "
            f"{losses['loss_pseudo']:.4f}) val Dice inf {metrics['dice_infection']:.4f} (per-slice "
            f"{metrics['dice_infection_per_slice_mean']:.4f}) ggo {metrics['dice_ggo']:.4f} cons "
            f"{metrics['dice_consolidation']:.4f} {record['epoch_seconds']:.0f}s"
        )
        return record

    def on_checkpoint(self, path: Path, record: dict[str, float]) -> None:
        torch.save(
            {
                "state_dict": self.network.state_dict(),
                "config": config_to_json(self.cfg),
                "mean": self.mean,
                "std": self.std,
                "epoch": self.epoch,
                "record": record,
                "val_stems": [r.stem for r in self.val.records],
                "train_stems": [r.stem for r in self.labelled.records],
            },
            path,
        )

    # ---- loop -----------------------------------------------------------------------------
    def score(self, record: dict[str, float]) -> float:
        """Early-stopping score: mean per-slice infection Dice on the validation slices."""
        return record["val_dice_infection_per_slice_mean"]

    def fit(self) -> dict[str, Any]:
        stale = 0
        for self.epoch in range(self.cfg.epochs):
            self.on_epoch_start()
            for _ in range(self.cfg.steps_per_epoch):
                self.train_step(self.sample_batch())
            for i in range(len(self.val.images)):
                self.validation_step(i)
            record = self.on_epoch_end()
            self.on_checkpoint(self.out_dir / "last.pt", record)
            if self.score(record) > self.best_score:
                self.best_score, self.best_epoch, stale = self.score(record), self.epoch, 0
                self.on_checkpoint(self.out_dir / "best.pt", record)
            else:
                stale += 1
            if stale >= self.cfg.patience and self.epoch + 1 >= self.cfg.min_epochs:
                self.log(f"early stop: no better validation Dice for {stale} epochs")
                break
            if self.cfg.max_minutes and (time.time() - self.started) / 60 >= self.cfg.max_minutes:
                self.log(f"time budget of {self.cfg.max_minutes} min reached")
                break
        summary = {
            "best_epoch": self.best_epoch,
            "best_val_dice_infection_per_slice_mean": self.best_score,
            "epochs_run": self.epoch + 1,
            "train_minutes": (time.time() - self.started) / 60,
        }
        (self.out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        return summary


# ---- logs and curves --------------------------------------------------------------------------


def write_log_csv(path: Path, history: list[dict[str, float]]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(history[0]))
        w.writeheader()
        for rec in history:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in rec.items()})


def draw_curves(path: Path, history: list[dict[str, float]], width: int = 900, height: int = 420) -> None:
    """Training-curve PNG with PIL (matplotlib is not installed here): loss left, validation Dice right."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    panels = [
        ("training loss", [("loss", (31, 119, 180)), ("loss_labelled", (255, 127, 14)), ("loss_pseudo", (44, 160, 44))], None),
        (
            "validation Dice",
            [
                ("val_dice_infection", (214, 39, 40)),
                ("val_dice_ggo", (148, 103, 189)),
                ("val_dice_consolidation", (140, 86, 75)),
                ("val_dice_infection_per_slice_mean", (23, 190, 207)),
            ],
            (0.0, 1.0),
        ),
    ]
    pw = width // 2
    epochs = [h["epoch"] for h in history]
    for p, (title, series, fixed) in enumerate(panels):
        x0, y0, x1, y1 = p * pw + 50, 30, p * pw + pw - 15, height - 90
        draw.rectangle([x0, y0, x1, y1], outline="black")
        draw.text((x0, 10), title, fill="black")
        values = [h[k] for k, _ in series for h in history if k in h]
        lo, hi = fixed if fixed else (min(values + [0.0]), max(values + [1e-6]))
        hi = hi if hi > lo else lo + 1
        for frac in (0.0, 0.5, 1.0):
            yy = y1 - frac * (y1 - y0)
            draw.text((p * pw + 5, yy - 6), f"{lo + frac * (hi - lo):.2f}", fill="black")
        emax = max(epochs[-1], 1)
        for k, colour in series:
            pts = [(x0 + (h["epoch"] / emax) * (x1 - x0), y1 - (h[k] - lo) / (hi - lo) * (y1 - y0)) for h in history if k in h]
            if len(pts) > 1:
                draw.line(pts, fill=colour, width=2)
            elif pts:
                draw.ellipse([pts[0][0] - 2, pts[0][1] - 2, pts[0][0] + 2, pts[0][1] + 2], fill=colour)
        for i, (k, colour) in enumerate(series):
            draw.line([x0, y1 + 22 + 14 * i, x0 + 20, y1 + 22 + 14 * i], fill=colour, width=3)
            draw.text((x0 + 25, y1 + 16 + 14 * i), k, fill="black")
        draw.text((x1 - 60, y1 + 4), f"epoch {int(epochs[-1])}", fill="black")
    img.save(path)


def config_to_json(cfg: TrainConfig) -> dict[str, Any]:
    d = asdict(cfg)
    d["class_weights"] = list(cfg.class_weights)
    return d


def config_from_json(d: dict[str, Any]) -> TrainConfig:
    d = dict(d)
    d["augment"] = AugmentConfig(**d.get("augment", {}))
    d["class_weights"] = tuple(d["class_weights"])
    return TrainConfig(**d)


# ---- data preparation -------------------------------------------------------------------------


@dataclass
class PreparedData:
    train: SliceArrays
    val: SliceArrays
    pseudo: SliceArrays | None
    heldout_pseudo: SliceArrays | None
    mean: float
    std: float


def prepare_data(cfg: TrainConfig, log: Callable[[str], None] = print) -> PreparedData:
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
    if pseudo_records:
        kept = [r for r in pseudo_records if r.volume != cfg.heldout_pseudo_volume]
        held = [r for r in pseudo_records if r.volume == cfg.heldout_pseudo_volume]
        if cfg.pseudo_per_batch > 0:
            pseudo = load_slices(kept, cfg.size)
        if held:
            heldout = load_slices(held, cfg.size)
        log(f"pseudo: {len(kept)} train slices, {len(held)} held out ({cfg.heldout_pseudo_volume})")
    mean, std = float(train.images.mean()), float(train.images.std())
    return PreparedData(train, val, pseudo, heldout, round(mean, 4), round(std, 4))


def run_training(cfg: TrainConfig, out_dir: Path) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    log_file = open(out_dir / "train.log", "a")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    torch.set_num_threads(cfg.threads)
    seed_everything(cfg.seed)
    (out_dir / "config.json").write_text(json.dumps(config_to_json(cfg), indent=2) + "\n")
    t0 = time.time()
    data = prepare_data(cfg, log)
    log(f"data loaded in {time.time() - t0:.0f}s; mean {data.mean} std {data.std}; device {cfg.device}, threads {cfg.threads}")
    from .networks import build_network

    seed_everything(cfg.seed)
    network = build_network(cfg.net, in_channels=1, num_classes=3)
    log(f"{cfg.net}: {sum(p.numel() for p in network.parameters())} parameters")
    trainer = Trainer(cfg, network, data.train, data.pseudo, data.val, out_dir, data.mean, data.std, log)
    summary = trainer.fit()
    log(f"done: {json.dumps(summary)}")
    return summary


# ---- finalize: evaluation, export, manifest, card ----------------------------------------------

MODELS_DIR = Path(__file__).resolve().parents[1]
# Estimated by models/cards/estimate_window.py (tissue-peak matching, see the model card).
WINDOW_CENTER_HU = -420.0
WINDOW_WIDTH_HU = 1420.0
# The crops are framed around the lungs with a rim of chest wall; ~10 mm is our estimate.
CROP_MARGIN_MM = 10.0
LICENSE = (
    "Research use only. Weights derived from the COVID-SemiSeg dataset (Fan et al., Inf-Net, IEEE TMI 2020), "
    "which is available for non-commercial purposes only; the pseudo-labelled Radiopaedia slices are CC BY-NC-SA 3.0. "
    "Do not use or distribute these weights commercially."
)
INTENDED_USE = "research/investigational use only; not a medical device; every mask must be reviewed by a radiologist"


def bootstrap_ci(
    rows: list[dict[str, float]], statistic: Callable[[list[dict[str, float]]], float], n: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """Percentile 95% CI of ``statistic`` over slices resampled with replacement."""
    rng = np.random.default_rng(seed)
    values = [statistic([rows[i] for i in rng.integers(0, len(rows), len(rows))]) for _ in range(n)]
    return float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))


def cpu_ms_per_slice(network: nn.Module, size: int, threads: int = 2, repeats: int = 7) -> float:
    """Median wall time of one eval forward pass on a ``1 x 1 x size x size`` input (torch, CPU)."""
    torch.set_num_threads(threads)
    network.eval()
    x = torch.zeros(1, 1, size, size)
    times = []
    with torch.no_grad():
        network(x)
        for _ in range(repeats):
            t = time.perf_counter()
            network(x)
            times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def evaluate_run(run_dir: Path, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Metrics of ``best.pt``: validation (per slice, pooled, bootstrap CIs) and held-out pseudo volume."""
    ckpt = torch.load(run_dir / "best.pt", map_location="cpu")
    cfg = config_from_json(ckpt["config"])
    cfg.device = "cpu"
    cfg.pseudo_per_batch = 0  # evaluation needs only the validation slices and the held-out volume
    torch.set_num_threads(cfg.threads)
    data = prepare_data(cfg, log)
    if [r.stem for r in data.val.records] != ckpt["val_stems"]:
        raise RuntimeError("the validation split differs from the one the checkpoint was trained with")
    from .networks import build_network

    network = build_network(cfg.net, in_channels=1, num_classes=3)
    network.load_state_dict(ckpt["state_dict"])
    trainer = Trainer(cfg, network, data.train, None, data.val, run_dir, ckpt["mean"], ckpt["std"], log)
    rows = []
    for i in range(len(data.val.images)):
        row = trainer.validation_step(i)
        row["stem"] = data.val.records[i].stem  # type: ignore[assignment]
        rows.append(row)
    pooled = aggregate_metrics(rows)
    ci = {
        "dice_infection": bootstrap_ci(rows, lambda r: aggregate_metrics(r)["dice_infection"]),
        "dice_infection_per_slice_mean": bootstrap_ci(rows, lambda r: aggregate_metrics(r)["dice_infection_per_slice_mean"]),
        "dice_ggo": bootstrap_ci(rows, lambda r: aggregate_metrics(r)["dice_ggo"]),
        "dice_consolidation": bootstrap_ci(rows, lambda r: aggregate_metrics(r)["dice_consolidation"]),
        "sensitivity_infection": bootstrap_ci(rows, lambda r: aggregate_metrics(r)["sensitivity_infection"]),
    }
    result: dict[str, Any] = {
        "validation": {
            "slices": len(rows),
            "stems": [r["stem"] for r in rows],
            **{k: round(v, 4) for k, v in pooled.items()},
            "ci95": {k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in ci.items()},
            "perSliceInfectionDice": {str(r["stem"]): round(r["infection_dice"], 4) for r in rows},
        },
        "epoch": ckpt["epoch"],
        "config": ckpt["config"],
        "mean": ckpt["mean"],
        "std": ckpt["std"],
        "train_stems": ckpt["train_stems"],
    }
    if data.heldout_pseudo is not None:
        fp_fraction, dices = [], []
        for img, soft in zip(data.heldout_pseudo.images, data.heldout_pseudo.targets):
            pred = trainer.predict(img, soft.shape) > 0
            truth = soft >= 0.5
            if not truth.any():
                fp_fraction.append(float(pred.mean()))
            else:
                dices.append(dice_score(pred, truth))
        fp = np.array(fp_fraction)
        result["heldoutPseudoVolume"] = {
            "volume": cfg.heldout_pseudo_volume,
            "note": "slices of one pseudo-labelled volume never used in training; its masks are Semi-Inf-Net outputs, not expert labels",
            "infectionFreeSlices": int(len(fp)),
            "falsePositiveAreaPercentMean": round(100 * float(fp.mean()), 3) if len(fp) else None,
            "falsePositiveAreaPercentMedian": round(100 * float(np.median(fp)), 3) if len(fp) else None,
            "infectionFreeSlicesWithFalsePositiveOver1Percent": int((fp > 0.01).sum()),
            "slicesWithPseudoInfection": len(dices),
            "diceVsPseudoLabelMean": round(float(np.mean(dices)), 4) if dices else None,
        }
    result["params"] = int(sum(p.numel() for p in network.parameters()))
    result["cpuMsPerSlice"] = {
        f"{cfg.size}": round(cpu_ms_per_slice(network, cfg.size, cfg.threads), 1),
        "256": round(cpu_ms_per_slice(network, 256, cfg.threads), 1),
    }
    return result


def describe_hardware(cfg: TrainConfig) -> str:
    """Where training ran, in words (device, torch version, threads, cores), for the manifest."""
    import os

    if str(cfg.device).startswith("cuda") and torch.cuda.is_available():
        return f"{torch.cuda.get_device_name(0)} (torch {torch.__version__})"
    return f"CPU, {os.cpu_count()} cores (torch {torch.__version__}, {cfg.threads} threads)"


def finalize_run(run_dir: Path, name: str, version: str, models_dir: Path, reproduce: str) -> dict[str, Any]:
    """Evaluates ``run_dir/best.pt``, exports ``models/<name>.onnx``, writes manifest + card."""
    if str(MODELS_DIR) not in sys.path:
        sys.path.insert(0, str(MODELS_DIR))
    from segnets.export_onnx import export_network, manifest_stub, write_json_atomic  # type: ignore[import-not-found]

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    evaluation = evaluate_run(run_dir, log)
    (run_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    cfg = config_from_json(evaluation["config"])
    from segnets.networks import build_network  # type: ignore[import-not-found]

    network = build_network(cfg.net, in_channels=1, num_classes=3)
    network.load_state_dict(torch.load(run_dir / "best.pt", map_location="cpu")["state_dict"])
    result = export_network(network, models_dir / f"{name}.onnx", size=cfg.size, dynamic_spatial=False)
    manifest_path = models_dir / "manifests" / f"{name}.json"
    manifest = manifest_stub(
        result,
        manifest_path,
        name=name,
        architecture=cfg.net,
        version=version,
        window_center_hu=WINDOW_CENTER_HU,
        window_width_hu=WINDOW_WIDTH_HU,
        mean=evaluation["mean"],
        std=evaluation["std"],
        crop="lung-bbox",
        crop_margin_mm=CROP_MARGIN_MM,
        license_text=LICENSE,
        reproduce=reproduce or f"npm run train -- --net {cfg.net} --epochs {cfg.epochs} --size {cfg.size} --name {name}",
    )
    summary = json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").is_file() else {}
    manifest["training"] = {
        "data": "COVID-SemiSeg (Inf-Net, Fan et al. IEEE TMI 2020): 8-bit lung-window JPG crops; "
        f"{len(evaluation['train_stems'])} labelled slices for training, {evaluation['validation']['slices']} held out "
        "(similarity groups kept together), ~1530 pseudo-labelled slices of 19 volumes (one volume held out)",
        "labelledTrainStems": evaluation["train_stems"],
        "validationStems": evaluation["validation"]["stems"],
        "pseudoLabels": "binary infection-vs-background only: >= 0.75 infection, <= 0.25 background, band ignored; loss weight 0.5",
        "loss": f"CE(class weights {list(cfg.class_weights)}) + foreground soft Dice + {cfg.bdou_weight} x Boundary DoU",
        "epochs": summary.get("epochs_run"),
        "bestEpoch": evaluation["epoch"],
        "trainMinutes": round(summary.get("train_minutes", 0.0), 1),
        "hardware": describe_hardware(cfg),
        "inputSizePx": cfg.size,
        "seed": cfg.seed,
        "pretraining": "none (from scratch)",
        "windowEstimate": "models/cards/estimate_window.py: tissue-peak matching, centre IQR [-494, -396] HU, width IQR [1300, 1498] HU",
    }
    val = evaluation["validation"]
    manifest["metrics"] = {
        "split": f"{val['slices']} labelled slices held out of the 50 (groups of near-identical slices kept on one side)",
        "resolution": "original slice size (logits resized bilinearly)",
        "diceInfection": val["dice_infection"],
        "diceInfectionPerSliceMean": val["dice_infection_per_slice_mean"],
        "diceGgo": val["dice_ggo"],
        "diceConsolidation": val["dice_consolidation"],
        "sensitivityInfection": val["sensitivity_infection"],
        "ci95Bootstrap": val["ci95"],
        "heldoutPseudoVolume": evaluation.get("heldoutPseudoVolume"),
        "params": evaluation["params"],
        "cpuMsPerSliceTorch2Threads": evaluation["cpuMsPerSlice"],
    }
    manifest["intendedUse"] = INTENDED_USE
    write_json_atomic(manifest_path, manifest)
    card = models_dir / "cards" / f"{name}.md"
    card.write_text(render_card(manifest, evaluation))
    log(f"wrote {result.onnx_path} ({result.onnx_path.stat().st_size} bytes), {manifest_path}, {card}")
    return manifest


def _fmt(value: float, ci: list[float]) -> str:
    return f"{value:.3f} (95% CI {ci[0]:.3f}–{ci[1]:.3f})"


def render_card(manifest: dict[str, Any], evaluation: dict[str, Any]) -> str:
    m, t, val = manifest["metrics"], manifest["training"], evaluation["validation"]
    ci = val["ci95"]
    held = m.get("heldoutPseudoVolume") or {}
    per_slice = ", ".join(f"{k}: {v:.2f}" for k, v in val["perSliceInfectionDice"].items())
    if held.get("infectionFreeSlices", 0) > 0:
        fp_text = (
            f"False positives on infection-free slices (held-out pseudo-labelled volume, {held['infectionFreeSlices']} slices whose\n"
            f"pseudo-label is empty): mean {held.get('falsePositiveAreaPercentMean')}% of the image area labelled infection (median\n"
            f"{held.get('falsePositiveAreaPercentMedian')}%); {held.get('infectionFreeSlicesWithFalsePositiveOver1Percent')} slices above 1%."
        )
    else:
        fp_text = (
            "False positives: the held-out pseudo-labelled volume has no slice with an empty pseudo-label, so\n"
            "false positives are measured on a real CT without COVID-19 instead (section at the end of this card)."
        )
    return f"""# {manifest['name']} {manifest['version']} — COVID-19 lung infection segmentation (CT, 2-D)

**Investigational use only.** Not a medical device. Research weights derived from non-commercial data.
Every mask it produces must be reviewed and corrected by a radiologist.

## What it does
Labels each pixel of an axial chest CT slice as background, ground-glass opacity (GGO) or consolidation.
Network: {manifest['architecture']} ({m['params']:,} parameters), trained from scratch (no pretraining).
Input: one slice, windowed to centre {manifest['input']['intensity']['windowCenterHu']:.0f} HU / width
{manifest['input']['intensity']['windowWidthHu']:.0f} HU, cropped to the lung bounding box with a
~{manifest['input']['cropMarginMm']:.0f} mm margin, resized to {manifest['input']['width']}×{manifest['input']['height']} px,
then `(w − {manifest['input']['intensity']['mean']}) / {manifest['input']['intensity']['std']}`.

## Intended use
Research and method development: a first draft of infection masks on chest CT that a radiologist edits.
Not for diagnosis, triage or any clinical decision. Not validated on any external or prospective data.

## Training data
- COVID-SemiSeg (Fan et al., *Inf-Net*, IEEE TMI 2020), **non-commercial licence**: 8-bit, display-windowed
  JPG crops around the lungs (no Hounsfield units, no pixel spacing), from ~40 patients.
- {len(evaluation['train_stems'])} expert-labelled slices for training, {val['slices']} held out for validation.
  The public split is by slice, so neighbouring slices of one patient exist; near-identical slices
  (thumbnail correlation ≥ 0.85) were grouped and kept on one side of our split.
- ~1530 pseudo-labelled slices (Semi-Inf-Net outputs, binary infection only) from 19 volumes of
  COVID-19-CT-Seg (coronacases, Radiopaedia CC BY-NC-SA 3.0); used as infection-vs-background targets
  (≥ 0.75 infection, ≤ 0.25 background, uncertain band ignored) with half the weight of expert labels.
  One further volume ({held.get('volume', 'n/a')}) was held out whole.
- Augmentation: flips, rotation ±15°, scale ±15%, small shifts, grid distortion, window/gamma/noise jitter.
- Trained {t['epochs']} epochs (best epoch {t['bestEpoch']}) in {t['trainMinutes']} min on {t['hardware']},
  input {t['inputSizePx']}×{t['inputSizePx']} px, seed {t['seed']}.

## Validation results ({val['slices']} held-out labelled slices, original resolution)
Bootstrap 95% CIs over slices (2000 resamples). With so few slices the intervals are wide.

| metric | value |
|---|---|
| Dice, infection (GGO + consolidation vs background), pooled pixels | {_fmt(val['dice_infection'], ci['dice_infection'])} |
| Dice, infection, mean per slice | {_fmt(val['dice_infection_per_slice_mean'], ci['dice_infection_per_slice_mean'])} |
| Dice, ground-glass opacity | {_fmt(val['dice_ggo'], ci['dice_ggo'])} |
| Dice, consolidation | {_fmt(val['dice_consolidation'], ci['dice_consolidation'])} |
| Sensitivity, infection (pixels) | {_fmt(val['sensitivity_infection'], ci['sensitivity_infection'])} |

Per-slice infection Dice: {per_slice}.

{fp_text}
Agreement with the pseudo-labels on its {held.get('slicesWithPseudoInfection')} infected slices: mean Dice {held.get('diceVsPseudoLabelMean')}
(pseudo-labels are model outputs, not ground truth).

Published references (binary infection Dice on the dataset's 48-slice test split, which we do not have):
Inf-Net 0.682, Semi-Inf-Net 0.739, MSNet 0.779, M2SNet 0.795 (the last two ImageNet-pretrained). Our figure is
on a different, smaller, leakage-reduced split and is not directly comparable.

## Speed
PyTorch CPU, 2 threads, batch 1, median of 7 (machine shared, so these are upper bounds):
{', '.join(f'{k}×{k} px: {v} ms' for k, v in m['cpuMsPerSliceTorch2Threads'].items())}.

## Known failure modes and limits
- Trained on display-windowed JPGs: OPAL must window DICOM to the estimated window; the true window of the
  source images is unknown and varied between cases (estimated centre IQR −494…−396 HU, width IQR 1300…1498 HU).
- Low input resolution ({t['inputSizePx']} px) blurs small and thin lesions and lesion borders.
- GGO vs consolidation is the least reliable output (few consolidation examples); treat the class split as a hint.
- Expect false positives at dependent atelectasis, vessels, fissures, motion and beam-hardening artefacts and
  at the lung bases near the diaphragm; fibrosis and other non-COVID opacities will be labelled as infection.
- 2-D only: no use of neighbouring slices. Never validated on 3-D DICOM volumes with expert masks.

## Deviations from the published methods
- No ImageNet or any other pretraining; small network (CMUNeXt-S) for CPU speed.
- Training on 2 CPU cores for about 20 minutes (24 epochs of 10 steps): a tiny number of epochs/steps compared with the papers
  (300 epochs); input {t['inputSizePx']} px instead of 256/352.
- Validation on a held-out part of the 50 training slices, not on the official test split.
- 3 classes (with pseudo-labels mapped to infection vs background) instead of binary infection.

## Reproduce
`{manifest.get('reproduce', '')}` (reads ../shared/data/covid-semiseg in place; never copies it).
"""


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="trainer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a network")
    d = TrainConfig()
    t.add_argument("--net", default=d.net)
    t.add_argument("--size", type=int, default=d.size)
    t.add_argument("--epochs", type=int, default=d.epochs)
    t.add_argument("--steps-per-epoch", type=int, default=d.steps_per_epoch)
    t.add_argument("--labelled-per-batch", type=int, default=d.labelled_per_batch)
    t.add_argument("--pseudo-per-batch", type=int, default=d.pseudo_per_batch)
    t.add_argument("--lr", type=float, default=d.lr)
    t.add_argument("--patience", type=int, default=d.patience)
    t.add_argument("--bdou-weight", type=float, default=d.bdou_weight)
    t.add_argument("--pseudo-weight", type=float, default=d.pseudo_weight)
    t.add_argument("--val-count", type=int, default=d.val_count)
    t.add_argument("--seed", type=int, default=d.seed)
    t.add_argument("--threads", type=int, default=d.threads)
    t.add_argument("--device", default=d.device)
    t.add_argument("--max-minutes", type=float, default=d.max_minutes)
    t.add_argument("--data", default="", help="covid-semiseg folder (default ../shared/data/covid-semiseg)")
    t.add_argument("--out", required=True, help="run folder (checkpoints, log.csv, curves.png)")
    f = sub.add_parser("finalize", help="evaluate best.pt, export ONNX, write manifest + card")
    f.add_argument("--run", required=True)
    f.add_argument("--name", required=True)
    f.add_argument("--version", default="1.0.0")
    f.add_argument("--models-dir", default=str(Path(__file__).resolve().parents[1]), help="where <name>.onnx, manifests/ and cards/ go")
    f.add_argument("--reproduce", default="")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.command == "train":
        cfg = TrainConfig(
            net=args.net,
            size=args.size,
            epochs=args.epochs,
            steps_per_epoch=args.steps_per_epoch,
            labelled_per_batch=args.labelled_per_batch,
            pseudo_per_batch=args.pseudo_per_batch,
            lr=args.lr,
            patience=args.patience,
            bdou_weight=args.bdou_weight,
            pseudo_weight=args.pseudo_weight,
            val_count=args.val_count,
            seed=args.seed,
            threads=args.threads,
            device=args.device,
            max_minutes=args.max_minutes,
            data_root=args.data,
        )
        run_training(cfg, Path(args.out))
        return 0
    finalize_run(Path(args.run), args.name, args.version, Path(args.models_dir), args.reproduce)
    return 0


if __name__ == "__main__":
    sys.exit(main())
