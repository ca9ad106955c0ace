"""``run_training``: a run folder from a recipe, started fresh or resumed from its ``last.pt``."""

from __future__ import annotations

import inspect
import json
import os
import time
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import torch
from torch import nn

from ..networks import build_network, network_class
from .config import TrainConfig, config_from_json, config_to_json, recipe_differences
from .dataset import prepare_data
from .trainer import Trainer


class RunFolderError(ValueError):
    """The run folder does not fit the request (``code`` from the OPAL error catalogue)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


def seed_everything(seed: int) -> None:
    """Seeds Python-visible RNGs; the trainer uses its own ``numpy.Generator``/``torch.Generator`` too."""
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def build_training_network(cfg: TrainConfig) -> nn.Module:
    """The network of ``cfg``; with ``deep_supervision`` its side heads on (networks that offer them)."""
    kw: dict[str, Any] = {}
    if cfg.deep_supervision:
        if "deep_supervision" in inspect.signature(network_class(cfg.net)).parameters:
            kw["deep_supervision"] = True
        elif not getattr(network_class(cfg.net), "side_outputs", ()):
            raise ValueError(f"{cfg.net} has no side outputs for deep supervision")
    return build_network(cfg.net, in_channels=1, num_classes=3, **kw)


def build_export_network(cfg: TrainConfig) -> nn.Module:
    """The network as it is exported: no side heads (they are training-only)."""
    return build_network(cfg.net, in_channels=1, num_classes=3)


def started_config(out_dir: Path) -> TrainConfig:
    path = out_dir / "config.json"
    if not path.is_file():
        raise RunFolderError("E_MODEL_MISSING", f"{out_dir} has no config.json: nothing to resume")
    return config_from_json(json.loads(path.read_text()))


def _open_log(out_dir: Path) -> TextIO:
    return open(out_dir / "train.log", "a")


def run_training(cfg: TrainConfig, out_dir: Path, resume: bool = False) -> dict[str, Any]:
    """Trains into ``out_dir`` (log.csv, curves.png, train.log, config.json, last.pt, best.pt,
    summary.json; ``train.pid`` while it runs). With ``resume``, continues from ``out_dir/last.pt``; the recipe must be the one
    the run started with (operational fields such as ``max_minutes`` may change)."""
    cfg.validate()
    out_dir.mkdir(parents=True, exist_ok=True)
    last = out_dir / "last.pt"
    if resume:
        if not last.is_file():
            raise RunFolderError("E_MODEL_MISSING", f"{last} does not exist: nothing to resume")
        diffs = recipe_differences(started_config(out_dir), cfg)
        if diffs:
            raise RunFolderError("E_BAD_ARGUMENT", "--resume with a different recipe: " + "; ".join(diffs))
    elif last.is_file():
        raise RunFolderError("E_BAD_ARGUMENT", f"{out_dir} already holds a run; pass --resume to continue it or choose another folder")
    log_file = _open_log(out_dir)
    # Who to signal to stop the run resumably: `kill -TERM $(cat <run>/train.pid)`.
    pid_file = out_dir / "train.pid"
    pid_file.write_text(f"{os.getpid()}\n")

    def log(msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    try:
        torch.set_num_threads(cfg.threads)
        seed_everything(cfg.seed)
        if not resume:
            (out_dir / "config.json").write_text(json.dumps(config_to_json(cfg), indent=2) + "\n")
        else:
            started = started_config(out_dir)
            if started.threads != cfg.threads:
                log(f"warning: the run started with {started.threads} threads, now {cfg.threads}: "
                    "not bit-identical to an uninterrupted run")
        t0 = time.time()
        data = prepare_data(cfg, log)
        log(f"data loaded in {time.time() - t0:.0f}s; mean {data.mean} std {data.std}; device {cfg.device}, threads {cfg.threads}")
        seed_everything(cfg.seed)
        network = build_training_network(cfg)
        log(f"{cfg.net}: {sum(p.numel() for p in network.parameters())} parameters; {cfg.total_steps} steps planned")
        trainer = Trainer(cfg, network, data.train, data.pseudo, data.val, out_dir, data.mean, data.std, log)
        if resume:
            trainer.resume(last)
        summary = trainer.fit()
        summary["pseudo_train_slices"] = data.pseudo_train_slices
        summary["pseudo_train_volumes"] = data.pseudo_train_volumes
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
        log(f"done: {json.dumps({k: v for k, v in summary.items() if k != 'sessions'})}")
        return summary
    finally:
        log_file.close()
        pid_file.unlink(missing_ok=True)
