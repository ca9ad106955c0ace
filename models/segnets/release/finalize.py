"""``finalize_run``: evaluate a run's ``best.pt``, export ONNX, write the manifest and the card.

Every manifest field comes from the run folder (config, summary with its sessions, evaluation) or
from ``constants.py``; nothing is typed in by hand.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..evaluation.evaluate_run import evaluate_run, load_best_network
from ..export_onnx import export_network, manifest_stub, write_json_atomic
from ..training.config import config_from_json
from .card import render_card
from .constants import CROP_MARGIN_MM, INTENDED_USE, LICENSE, WINDOW_CENTER_HU, WINDOW_WIDTH_HU
from .reproduction import compare_best_weights
from .training_facts import training_section

MODELS_DIR = Path(__file__).resolve().parents[2]


def metrics_section(evaluation: dict[str, Any]) -> dict[str, Any]:
    val = evaluation["validation"]
    return {
        "split": f"{val['slices']} labelled slices held out of the {val['slices'] + len(evaluation['train_stems'])} "
        "(groups of near-identical slices kept on one side)",
        "resolution": "original slice size (logits resized bilinearly)",
        "diceInfection": val["dice_infection"],
        "diceInfectionPerSliceMean": val["dice_infection_per_slice_mean"],
        "diceGgo": val["dice_ggo"],
        "diceConsolidation": val["dice_consolidation"],
        "sensitivityInfection": val["sensitivity_infection"],
        "ci95Bootstrap": val["ci95"],
        "heldoutPseudoVolume": evaluation.get("heldoutPseudoVolume"),
        "params": evaluation["params"],
        "cpuMsPerSliceTorch": evaluation["cpuMsPerSlice"],
        "cpuMsPerSliceTorchThreads": evaluation["cpuMsPerSliceThreads"],
    }


def default_reproduce(cfg_json: dict[str, Any], name: str) -> str:
    return f"npm run train -- --net {cfg_json['net']} --epochs {cfg_json['epochs']} --size {cfg_json['size']} --name {name}"


def finalize_run(
    run_dir: Path, name: str, version: str, models_dir: Path, reproduce: str, verify_run: Path | None = None
) -> dict[str, Any]:
    """Evaluates ``run_dir/best.pt``, exports ``<models_dir>/<name>.onnx``, writes manifest + card."""

    def log(msg: str) -> None:
        print(f"{time.strftime('%H:%M:%S')} {msg}", flush=True)

    evaluation = evaluate_run(run_dir, log)
    (run_dir / "evaluation.json").write_text(json.dumps(evaluation, indent=2) + "\n")
    cfg = config_from_json(evaluation["config"])
    network, _ = load_best_network(run_dir)
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
        reproduce=reproduce or default_reproduce(evaluation["config"], name),
    )
    summary = json.loads((run_dir / "summary.json").read_text()) if (run_dir / "summary.json").is_file() else {}
    verification = compare_best_weights(run_dir, verify_run) if verify_run else None
    manifest["training"] = training_section(cfg, evaluation, summary, manifest["reproduce"], verification)
    manifest["metrics"] = metrics_section(evaluation)
    manifest["intendedUse"] = INTENDED_USE
    write_json_atomic(manifest_path, manifest)
    card = models_dir / "cards" / f"{name}.md"
    card.parent.mkdir(parents=True, exist_ok=True)
    card.write_text(render_card(manifest, evaluation, summary.get("sessions", [])))
    log(f"wrote {result.onnx_path} ({result.onnx_path.stat().st_size} bytes), {manifest_path}, {card}")
    return manifest
