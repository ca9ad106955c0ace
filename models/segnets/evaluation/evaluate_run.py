"""``evaluate_run``: metrics of a run's ``best.pt`` on its validation slices (per slice, pooled,
bootstrap CIs) and on the held-out pseudo-labelled volume (false-positive area), plus size and
CPU speed of the network."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from ..inference.predict import predict_labels
from ..training.checkpoint import load_weights, strip_side_heads
from ..training.config import config_from_json
from ..training.dataset import prepare_data
from ..training.run import build_export_network
from .bootstrap import bootstrap_ci
from .metrics import aggregate_metrics, dice_score, slice_metrics

CI_METRICS = ("dice_infection", "dice_infection_per_slice_mean", "dice_ggo", "dice_consolidation", "sensitivity_infection")


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


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_best_network(run_dir: Path) -> tuple[nn.Module, dict[str, Any]]:
    """The exportable network with ``best.pt``'s weights (side heads dropped), and the checkpoint."""
    weights, ckpt = load_weights(run_dir / "best.pt")
    network = build_export_network(config_from_json(ckpt["config"]))
    network.load_state_dict(strip_side_heads(weights))
    return network.eval(), ckpt


def evaluate_run(run_dir: Path, log: Callable[[str], None] = print, speed_sizes: tuple[int, ...] = (256,)) -> dict[str, Any]:
    """Metrics of ``run_dir/best.pt``; ``rows`` keeps each validation slice's pixel counts so that
    models evaluated on the same slices can be compared pairwise."""
    network, ckpt = load_best_network(run_dir)
    cfg = config_from_json(ckpt["config"])
    cfg.device = "cpu"
    cfg.pseudo_per_batch = 0  # evaluation needs only the validation slices and the held-out volume
    torch.set_num_threads(cfg.threads)
    data = prepare_data(cfg, log)
    if [r.stem for r in data.val.records] != ckpt["val_stems"]:
        raise RuntimeError("the validation split differs from the one the checkpoint was trained with")
    mean, std = ckpt["mean"], ckpt["std"]
    rows = []
    assert data.val.originals is not None
    for i, truth in enumerate(data.val.originals):
        row: dict[str, Any] = slice_metrics(predict_labels(network, data.val.images[i], truth.shape, mean, std), truth)
        row["stem"] = data.val.records[i].stem
        rows.append(row)
    pooled = aggregate_metrics(rows)
    ci = {k: bootstrap_ci(rows, lambda r, k=k: aggregate_metrics(r)[k]) for k in CI_METRICS}
    result: dict[str, Any] = {
        "bestSha256": file_sha256(run_dir / "best.pt"),
        "validation": {
            "slices": len(rows),
            "stems": [r["stem"] for r in rows],
            **{k: round(v, 4) for k, v in pooled.items()},
            "ci95": {k: [round(lo, 4), round(hi, 4)] for k, (lo, hi) in ci.items()},
            "perSliceInfectionDice": {str(r["stem"]): round(r["infection_dice"], 4) for r in rows},
            "rows": rows,
        },
        "epoch": ckpt["epoch"],
        "config": ckpt["config"],
        "mean": mean,
        "std": std,
        "train_stems": ckpt["train_stems"],
    }
    if data.heldout_pseudo is not None:
        fp_fraction, dices = [], []
        for img, soft in zip(data.heldout_pseudo.images, data.heldout_pseudo.targets):
            pred = predict_labels(network, img, soft.shape, mean, std) > 0
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
        str(s): round(cpu_ms_per_slice(network, s, cfg.threads), 1) for s in dict.fromkeys((cfg.size, *speed_sizes))
    }
    result["cpuMsPerSliceThreads"] = cfg.threads
    return result
