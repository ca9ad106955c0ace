"""Command line of the trainer (3 classes: background, GGO, consolidation). The work lives in
``segnets.training`` (recipe, loop, checkpoints), ``segnets.evaluation`` (metrics, bootstrap,
evaluate_run) and ``segnets.release`` (ONNX export, manifest, card).

    cd models && /usr/bin/python3 -m segnets.trainer train --net cmunext-s --epochs 24 --out runs/x
    cd models && /usr/bin/python3 -m segnets.trainer train --out runs/x --resume     # continue a stopped run
    cd models && /usr/bin/python3 -m segnets.trainer finalize --run runs/x --name opal-infection-cmunext-s
    (or ``models/train.sh`` / ``npm run train -- --net cmunext-s --epochs 24 [--resume]``, which do both)

``train`` writes to the run folder: ``config.json``, ``log.csv`` and ``curves.png`` (every epoch of
every session), ``train.log``, ``last.pt`` (full resumable state, every epoch and optionally every
``--checkpoint-every-steps`` steps), ``best.pt`` (weights of the best validation epoch) and
``summary.json``. SIGTERM or Ctrl-C stops after the current step with ``last.pt`` written (exit
status 75); ``--resume`` continues to bit-identical weights for the same seed and thread count.
With ``--resume`` the recipe comes from the run's ``config.json``: recipe flags may be repeated
but not changed; ``--max-minutes``, ``--threads``, ``--device`` and ``--checkpoint-every-steps``
may change.

Errors print ``E_CODE: message`` (codes from electron/common/errors) and exit with status 2.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from .evaluation.bootstrap import bootstrap_ci
from .evaluation.evaluate_run import cpu_ms_per_slice, evaluate_run
from .evaluation.metrics import aggregate_metrics, dice_score, slice_metrics
from .release.card import render_card
from .release.finalize import MODELS_DIR, finalize_run
from .training.config import PSEUDO_MODES, TrainConfig, config_from_json, config_to_json
from .training.objective import pseudo_infection_loss, soft_pseudo_infection_loss
from .training.run import RunFolderError, run_training, seed_everything, started_config
from .training.trainer import Trainer

EMPTY_ARGUMENT = "''"
EXIT_STOPPED = 75  # EX_TEMPFAIL: stopped by a signal or the time budget; resumable

__all__ = [
    "MODELS_DIR",
    "TrainConfig",
    "Trainer",
    "aggregate_metrics",
    "bootstrap_ci",
    "config_from_json",
    "config_to_json",
    "cpu_ms_per_slice",
    "dice_score",
    "evaluate_run",
    "finalize_run",
    "main",
    "pseudo_infection_loss",
    "render_card",
    "run_training",
    "seed_everything",
    "slice_metrics",
    "soft_pseudo_infection_loss",
]


def _floats(count: int):  # type: ignore[no-untyped-def]
    def parse(text: str) -> tuple[float, ...]:
        values = tuple(float(x) for x in text.split(","))
        if len(values) != count:
            raise argparse.ArgumentTypeError(f"expected {count} comma-separated numbers, got {text!r}")
        return values

    return parse


# flag -> (TrainConfig field, type); every flag defaults to None so that explicit ones are known.
_RECIPE_FLAGS: dict[str, tuple[str, Any]] = {
    "--net": ("net", str),
    "--size": ("size", int),
    "--epochs": ("epochs", int),
    "--steps-per-epoch": ("steps_per_epoch", int),
    "--labelled-per-batch": ("labelled_per_batch", int),
    "--pseudo-per-batch": ("pseudo_per_batch", int),
    "--lr": ("lr", float),
    "--weight-decay": ("weight_decay", float),
    "--warmup-epochs": ("warmup_epochs", int),
    "--patience": ("patience", int),
    "--min-epochs": ("min_epochs", int),
    "--class-weights": ("class_weights", _floats(3)),
    "--bdou-weight": ("bdou_weight", float),
    "--pseudo-weight": ("pseudo_weight", float),
    "--pseudo-mode": ("pseudo_mode", str),
    "--pseudo-band": ("pseudo_band", _floats(2)),
    "--consolidation-share": ("consolidation_share", float),
    "--side-weight": ("side_weight", float),
    "--val-count": ("val_count", int),
    "--heldout-pseudo-volume": ("heldout_pseudo_volume", str),
    "--seed": ("seed", int),
    "--threads": ("threads", int),
    "--device": ("device", str),
    "--max-minutes": ("max_minutes", float),
    "--checkpoint-every-steps": ("checkpoint_every_steps", int),
    "--best-precision": ("best_precision", str),
    "--data": ("data_root", str),
}

_HELP = {
    "--size": "input height = width in px (the shipped default used 128; 192-256 keeps small lesions)",
    "--epochs": "epochs (the LR schedule spans epochs x steps-per-epoch steps)",
    "--class-weights": "CE class weights background,GGO,consolidation (default 1,1,1.5)",
    "--pseudo-mode": f"pseudo-label targets: {' or '.join(PSEUDO_MODES)} "
    "(band: thresholded, band ignored; soft: the probability itself)",
    "--pseudo-band": "low,high edges of the ignored band in --pseudo-mode band (default 0.25,0.75)",
    "--consolidation-share": "share of labelled samples drawn from slices with consolidation (default 0 = uniform)",
    "--side-weight": "weight of the deep-supervision side-output loss (default 0.4)",
    "--heldout-pseudo-volume": "pseudo volume held out for the false-positive check; '' trains on all of them",
    "--max-minutes": "training-time budget over all sessions of the run; the run stops resumable (0 = none)",
    "--checkpoint-every-steps": "also write last.pt every N steps inside an epoch (long epochs)",
    "--best-precision": "best.pt weights: fp32 (exact export, default) or fp16 (half the size)",
    "--data": "covid-semiseg folder (default ../shared/data/covid-semiseg)",
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="trainer", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a network (or continue one with --resume)")
    for flag, (name, kind) in _RECIPE_FLAGS.items():
        t.add_argument(flag, dest=name, type=kind, default=None, help=_HELP.get(flag))
    t.add_argument("--deep-supervision", dest="deep_supervision", action="store_const", const=True, default=None,
                   help="train side outputs too (CMUNeXt side heads; BA-Net always has them)")
    t.add_argument("--steps", type=int, default=None, help="total optimiser steps: sets --epochs to ceil(steps / steps-per-epoch)")
    t.add_argument("--out", required=True, help="run folder (checkpoints, log.csv, curves.png)")
    t.add_argument("--resume", action="store_true", help="continue the run in --out from its last.pt")
    f = sub.add_parser("finalize", help="evaluate best.pt, export ONNX, write manifest + card")
    f.add_argument("--run", required=True)
    f.add_argument("--name", required=True)
    f.add_argument("--version", default="1.0.0")
    f.add_argument("--models-dir", default=str(MODELS_DIR), help="where <name>.onnx, manifests/ and cards/ go")
    f.add_argument("--reproduce", default="")
    f.add_argument("--verify-run", default="", help="another run of the same command: record whether its weights are identical")
    return p.parse_args(argv)


def train_command(cfg: TrainConfig, out: str) -> str:
    """The ``segnets.trainer train`` command line that starts ``cfg`` (flags for non-default fields only)."""
    default, now = config_to_json(TrainConfig()), config_to_json(cfg)
    parts = ["python -m segnets.trainer train"]
    for flag, (name, _) in _RECIPE_FLAGS.items():
        if name != "data_root" and now[name] != default[name]:
            value = now[name]
            text = ",".join(f"{x:g}" for x in value) if isinstance(value, list) else str(value)
            parts.append(f"{flag} {text or EMPTY_ARGUMENT}")
    if cfg.deep_supervision:
        parts.append("--deep-supervision")
    return " ".join([*parts, "--out", out])


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The recipe: defaults (or, with --resume, the run's config.json) with the explicit flags applied."""
    explicit = {name: getattr(args, name) for name, _ in _RECIPE_FLAGS.values() if getattr(args, name) is not None}
    if args.deep_supervision is not None:
        explicit["deep_supervision"] = True
    base = started_config(Path(args.out)) if args.resume else TrainConfig()
    cfg = replace(base, **explicit)
    if args.steps is not None:
        if args.epochs is not None and args.epochs != math.ceil(args.steps / cfg.steps_per_epoch):
            raise RunFolderError("E_BAD_ARGUMENT", "give --steps or --epochs, not both")
        cfg = replace(cfg, epochs=math.ceil(args.steps / cfg.steps_per_epoch))
    return cfg


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "train":
            cfg = config_from_args(args)
            summary = run_training(cfg, Path(args.out), resume=args.resume)
            return EXIT_STOPPED if summary["interrupted"] else 0
        verify = Path(args.verify_run) if args.verify_run else None
        finalize_run(Path(args.run), args.name, args.version, Path(args.models_dir), args.reproduce, verify)
        return 0
    except RunFolderError as e:
        print(str(e), file=sys.stderr)
        return 2
    except ValueError as e:
        print(f"E_BAD_ARGUMENT: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
