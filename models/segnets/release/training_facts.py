"""The manifest's ``training`` section, generated from the run folder (config, summary, sessions)."""

from __future__ import annotations

from typing import Any

from ..training.config import TrainConfig
from ..training.hardware import hardware_in_words, plural
from .constants import WINDOW_ESTIMATE


def hardware_of_sessions(sessions: list[dict[str, Any]]) -> str:
    """The machines of every training session, in words, deduplicated in order."""
    words = list(dict.fromkeys(hardware_in_words(s) for s in sessions if "cpu" in s))
    return "; ".join(words) if words else "unknown (the run predates session records)"


def describe_pseudo_labels(cfg: TrainConfig) -> str:
    if cfg.pseudo_per_batch <= 0:
        return "not used"
    if cfg.pseudo_mode == "soft":
        target = "soft targets (the pseudo probability itself on every pixel: soft BCE + soft Dice)"
    else:
        lo, hi = cfg.pseudo_band
        target = f">= {hi:g} infection, <= {lo:g} background, band ignored"
    return f"binary infection-vs-background only: {target}; loss weight {cfg.pseudo_weight:g}; {cfg.pseudo_per_batch} per batch"


def describe_loss(cfg: TrainConfig) -> str:
    text = f"CE(class weights {list(cfg.class_weights)}) + foreground soft Dice + {cfg.bdou_weight} x Boundary DoU"
    if cfg.deep_supervision:
        text += f"; deep supervision: {cfg.side_weight:g} x mean side-output loss"
    if cfg.consolidation_share > 0:
        text += f"; {cfg.consolidation_share:.0%} of labelled samples drawn from slices with consolidation"
    return text


def training_section(
    cfg: TrainConfig, evaluation: dict[str, Any], summary: dict[str, Any], reproduce: str, verification: dict[str, Any] | None
) -> dict[str, Any]:
    sessions = summary.get("sessions", [])
    pseudo_slices = summary.get("pseudo_train_slices")
    pseudo_volumes = summary.get("pseudo_train_volumes")
    held = cfg.heldout_pseudo_volume
    pseudo_text = "no pseudo-labelled slices"
    if pseudo_slices:
        pseudo_text = f"{plural(pseudo_slices, 'pseudo-labelled slice')} of {plural(pseudo_volumes or 0, 'volume')}"
        pseudo_text += f" (volume {held} held out)" if held else " (none held out)"
    reproduction: dict[str, Any] = {
        "command": reproduce,
        "determinism": f"bit-identical weights for seed {cfg.seed} and {cfg.threads} threads on CPU, resumed or not",
        "sessions": len(sessions),
    }
    if verification:
        reproduction["verifiedAgainst"] = verification
    return {
        "data": "COVID-SemiSeg (Inf-Net, Fan et al. IEEE TMI 2020): 8-bit lung-window JPG crops; "
        f"{len(evaluation['train_stems'])} labelled slices for training, {evaluation['validation']['slices']} held out "
        f"(similarity groups kept together), {pseudo_text}",
        "labelledTrainStems": evaluation["train_stems"],
        "validationStems": evaluation["validation"]["stems"],
        "pseudoData": pseudo_text,
        "pseudoLabels": describe_pseudo_labels(cfg),
        "loss": describe_loss(cfg),
        "epochs": summary.get("epochs_run"),
        "stepsPerEpoch": cfg.steps_per_epoch,
        "steps": summary.get("steps"),
        "batch": {"labelled": cfg.labelled_per_batch, "pseudo": cfg.pseudo_per_batch},
        "bestEpoch": evaluation["epoch"],
        "stopReason": summary.get("stop_reason"),
        "trainMinutes": round(summary.get("train_minutes", 0.0), 1),
        "hardware": hardware_of_sessions(sessions),
        "inputSizePx": cfg.size,
        "seed": cfg.seed,
        "pretraining": "none (from scratch)",
        "windowEstimate": WINDOW_ESTIMATE,
        "reproduction": reproduction,
    }
