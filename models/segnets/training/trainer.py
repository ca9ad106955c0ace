"""The training loop with explicit hooks, resumable from ``last.pt`` (nnU-Net-style trainer).

Hook order per epoch: ``on_epoch_start`` -> (``sample_batch`` + ``train_step``) x steps ->
``validation_step`` per validation slice -> ``on_epoch_end`` (log row, curves) -> ``on_checkpoint``
for ``last.pt`` every epoch and for ``best.pt`` when the validation score improved.

Batches mix labelled and pseudo-labelled slices in one forward pass (BatchNorm sees both); the
losses are in ``objective.py``. The learning rate is a function of the global step (linear warm-up,
cosine decay), so a resumed run follows the same schedule.

Stopping: SIGTERM or Ctrl-C (SIGINT) during ``fit`` finishes the current optimiser step, writes
``last.pt`` at that step (mid-epoch) and returns with ``summary["interrupted"]``; a second Ctrl-C
interrupts at once. ``resume`` then continues from the saved step.
"""

from __future__ import annotations

import json
import math
import signal
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch
from torch import nn

from ..augment import augment_labelled, augment_pseudo
from ..data import SliceArrays
from ..evaluation.metrics import aggregate_metrics, slice_metrics
from ..inference.predict import normalise, predict_labels
from .checkpoint import CHECKPOINT_FORMAT, capture_rng, restore_rng, save_atomic, weights_for_storage
from .config import TrainConfig, config_to_json
from .hardware import describe_machine
from .logs import draw_curves, write_log_csv
from .objective import TrainingObjective

# Why a run ended; "time budget" and "interrupted" can be resumed, the others are final.
FINAL_STOPS = ("completed", "early stop")
# Loop attributes restored as saved by ``resume`` (besides network, optimiser, RNGs and time).
LOOP_STATE_KEYS = ("epoch", "step", "step_in_epoch", "epoch_losses", "best_score", "best_epoch", "stale", "stop_reason", "history", "sessions")


class Trainer:
    """Fits ``network`` on labelled + pseudo slices; override the hooks to change one behaviour."""

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
        self.cfg = cfg
        self.device = torch.device(cfg.device)
        self.network = network.to(self.device)
        self.labelled, self.pseudo, self.val = labelled, pseudo, val
        self.out_dir = out_dir
        self.mean, self.std = mean, std
        self.log = log
        self.objective = TrainingObjective(cfg, tuple(getattr(network, "side_outputs", ()))).to(self.device)
        self.optimizer = torch.optim.AdamW(network.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        self.rng = np.random.default_rng(cfg.seed)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.consolidation_slices = (labelled.targets == 2).reshape(len(labelled.targets), -1).any(1)
        # Loop state: everything here is in last.pt.
        self.epoch = 0
        self.step = 0
        self.step_in_epoch = 0
        self.best_score = -math.inf
        self.best_epoch = -1
        self.stale = 0
        self.stop_reason = ""
        self.history: list[dict[str, float]] = []
        self.epoch_losses: list[dict[str, float]] = []
        self.val_rows: list[dict[str, float]] = []
        self.train_seconds_before = 0.0
        self.sessions: list[dict[str, Any]] = []
        self.started = time.time()
        self.epoch_started = self.started
        self.stop_requested = False

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
        return normalise(images, self.mean, self.std)

    def train_minutes(self) -> float:
        """Training wall time over every session of this run."""
        return (self.train_seconds_before + time.time() - self.started) / 60

    # ---- batches --------------------------------------------------------------------------
    def choose_labelled(self) -> np.ndarray:
        """Indices of the labelled slices of one batch (without replacement); with
        ``consolidation_share`` > 0 the slices holding consolidation together get that share of the
        sampling probability."""
        n, k = len(self.labelled.images), self.cfg.labelled_per_batch
        share = self.cfg.consolidation_share
        has = self.consolidation_slices
        if share <= 0 or has.all() or not has.any():
            return self.rng.choice(n, k, replace=False)
        p = np.where(has, share / has.sum(), (1 - share) / (~has).sum())
        return self.rng.choice(n, k, replace=False, p=p)

    def sample_batch(self) -> dict[str, torch.Tensor]:
        """Random labelled (+ pseudo) slices, augmented: ``image (B, 1, S, S)``, ``labels``, ``soft``."""
        li = self.choose_labelled()
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
        outputs = self.network(self.normalise(images.to(self.device)))
        soft = batch["soft"].to(self.device) if "soft" in batch else None
        loss, parts = self.objective(outputs, n_lab, batch["labels"].to(self.device), soft)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.step += 1
        self.epoch_losses.append(parts)
        return parts

    def predict(self, image: np.ndarray, out_shape: tuple[int, int]) -> np.ndarray:
        """``(S, S)`` image in [0, 1] -> ``(H, W)`` labels at the original size."""
        return predict_labels(self.network, image, out_shape, self.mean, self.std, self.device)

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
            "elapsed_minutes": self.train_minutes(),
            "step": float(self.step),
        }
        self.history.append(record)
        write_log_csv(self.out_dir / "log.csv", self.history)
        draw_curves(self.out_dir / "curves.png", self.history)
        self.log(
            f"epoch {self.epoch:3d} step {self.step} loss {losses['loss']:.4f} (lab {losses['loss_labelled']:.4f} pseudo "
            f"{losses['loss_pseudo']:.4f}) val Dice inf {metrics['dice_infection']:.4f} (per-slice "
            f"{metrics['dice_infection_per_slice_mean']:.4f}) ggo {metrics['dice_ggo']:.4f} cons "
            f"{metrics['dice_consolidation']:.4f} {record['epoch_seconds']:.0f}s"
        )
        return record

    def on_checkpoint(self, path: Path, record: dict[str, float] | None) -> None:
        """``best.pt``: weights + evaluation metadata; ``last.pt``: the full resumable state."""
        meta = {
            "format": CHECKPOINT_FORMAT,
            "config": config_to_json(self.cfg),
            "mean": self.mean,
            "std": self.std,
            "record": record,
            "val_stems": [r.stem for r in self.val.records],
            "train_stems": [r.stem for r in self.labelled.records],
        }
        if path.name == "best.pt":
            weights = weights_for_storage(self.network.state_dict(), self.cfg.best_precision)
            save_atomic({**meta, "state_dict": weights, "epoch": self.best_epoch, "step": self.step}, path)
            return
        save_atomic({**meta, **self.loop_state()}, path)

    # ---- resumable state -----------------------------------------------------------------
    def loop_state(self) -> dict[str, Any]:
        """What ``resume`` needs to continue exactly where the loop stands now."""
        return {
            "network": self.network.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "epoch": self.epoch,
            "step": self.step,
            "step_in_epoch": self.step_in_epoch,
            "epoch_losses": self.epoch_losses,
            "best_score": self.best_score,
            "best_epoch": self.best_epoch,
            "stale": self.stale,
            "stop_reason": self.stop_reason,
            "history": self.history,
            "rng": capture_rng(self.rng, self.gen),
            "train_seconds": self.train_minutes() * 60,
            "sessions": self.sessions_so_far(),
        }

    def sessions_so_far(self) -> list[dict[str, Any]]:
        if not self.sessions:
            return []
        current = dict(self.sessions[-1], endStep=self.step, minutes=round((time.time() - self.started) / 60, 2))
        return [*self.sessions[:-1], current]

    def resume(self, path: Path) -> None:
        """Loads ``last.pt`` written by ``on_checkpoint`` (the network must be built the same way)."""
        ckpt = torch.load(path, map_location="cpu")
        if ckpt.get("format") != CHECKPOINT_FORMAT or "optimizer" not in ckpt:
            raise ValueError(f"{path} is not a resumable checkpoint of this trainer (format {ckpt.get('format')})")
        if ckpt["val_stems"] != [r.stem for r in self.val.records] or ckpt["train_stems"] != [r.stem for r in self.labelled.records]:
            raise ValueError("the data split differs from the one the run started with")
        self.network.load_state_dict(ckpt["network"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        for key in LOOP_STATE_KEYS:
            setattr(self, key, ckpt[key])
        self.train_seconds_before = ckpt["train_seconds"]
        restore_rng(ckpt["rng"], self.rng, self.gen)
        self.log(f"resumed from {path}: epoch {self.epoch}, step {self.step} ({self.step_in_epoch} into the epoch)")

    # ---- loop -----------------------------------------------------------------------------
    def score(self, record: dict[str, float]) -> float:
        """Early-stopping score: mean per-slice infection Dice on the validation slices."""
        return record["val_dice_infection_per_slice_mean"]

    def fit(self) -> dict[str, Any]:
        self.started = time.time()
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        self.sessions.append({"startStep": self.step, "started": started, **describe_machine(self.cfg.device, self.cfg.threads)})
        if self.stop_reason in FINAL_STOPS:
            self.log(f"the run had already ended ({self.stop_reason})")
            return self.write_summary()
        self.stop_reason = ""
        with stop_on_signals(self):
            while self.epoch < self.cfg.epochs:
                if self.run_epoch():
                    break
        if self.stop_reason == "":
            self.stop_reason = "completed"
            self.on_checkpoint(self.out_dir / "last.pt", self.history[-1] if self.history else None)
        return self.write_summary()

    def run_epoch(self) -> bool:
        """One epoch (or the rest of one, after a mid-epoch resume); True when the run must stop."""
        if self.step_in_epoch == 0:
            self.on_epoch_start()
        else:
            self.network.train()
            self.val_rows = []
            self.epoch_started = time.time()
        every = self.cfg.checkpoint_every_steps
        while self.step_in_epoch < self.cfg.steps_per_epoch:
            self.train_step(self.sample_batch())
            self.step_in_epoch += 1
            if self.stop_requested:
                self.stop_reason = "interrupted"
                self.on_checkpoint(self.out_dir / "last.pt", None)
                self.log(f"stopped at step {self.step} (epoch {self.epoch}); continue with --resume")
                return True
            if every and self.step % every == 0 and self.step_in_epoch < self.cfg.steps_per_epoch:
                self.on_checkpoint(self.out_dir / "last.pt", None)
        for i in range(len(self.val.images)):
            self.validation_step(i)
        record = self.on_epoch_end()
        improved = self.score(record) > self.best_score
        if improved:
            self.best_score, self.best_epoch, self.stale = self.score(record), self.epoch, 0
        else:
            self.stale += 1
        if self.stale >= self.cfg.patience and self.epoch + 1 >= self.cfg.min_epochs:
            self.log(f"early stop: no better validation Dice for {self.stale} epochs")
            self.stop_reason = "early stop"
        elif self.cfg.max_minutes and self.train_minutes() >= self.cfg.max_minutes:
            self.log(f"time budget of {self.cfg.max_minutes} min reached; continue with --resume and a larger --max-minutes")
            self.stop_reason = "time budget"
        elif self.epoch + 1 >= self.cfg.epochs:
            self.stop_reason = "completed"
        self.epoch += 1
        self.step_in_epoch = 0
        self.on_checkpoint(self.out_dir / "last.pt", record)
        if improved:
            self.on_checkpoint(self.out_dir / "best.pt", record)
        if self.stop_requested and not self.stop_reason:
            self.stop_reason = "interrupted"
            self.log(f"stopped after epoch {self.epoch - 1}; continue with --resume")
        return bool(self.stop_reason)

    def write_summary(self) -> dict[str, Any]:
        summary = {
            "best_epoch": self.best_epoch,
            "best_val_dice_infection_per_slice_mean": self.best_score,
            "epochs_run": self.epoch,
            "steps": self.step,
            "train_minutes": self.train_minutes(),
            "stop_reason": self.stop_reason,
            "interrupted": self.stop_reason in ("interrupted", "time budget"),
            "sessions": self.sessions_so_far(),
        }
        tmp = self.out_dir / "summary.json.tmp"
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
        tmp.replace(self.out_dir / "summary.json")
        return summary


@contextmanager
def stop_on_signals(trainer: Trainer) -> Iterator[None]:
    """SIGTERM/SIGINT set ``trainer.stop_requested`` (the loop checkpoints and stops after the
    current step); a second SIGINT raises ``KeyboardInterrupt`` at once. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def request_stop(signum: int, _frame: object) -> None:
        if trainer.stop_requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        trainer.stop_requested = True
        trainer.log(f"signal {signal.Signals(signum).name}: stopping after the current step")

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
