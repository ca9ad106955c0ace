"""The model card (Markdown), rendered from ``card_template.md`` with values taken from the manifest
and the run's evaluation: every number and every run-specific sentence is computed here."""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

from ..augment import AugmentConfig
from ..training.hardware import plural
from .constants import PAPER_EPOCHS, PAPER_INPUT_PX

TEMPLATE_PATH = Path(__file__).with_name("card_template.md")


def format_with_ci(value: float, ci: list[float]) -> str:
    return f"{value:.3f} (95% CI {ci[0]:.3f}–{ci[1]:.3f})"


def minutes_in_words(minutes: float) -> str:
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"{minutes:.0f} minutes"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes / 1440:.1f} days"


def budget_sentence(t: dict[str, Any], hardware_short: str) -> str:
    """E.g. "Training on 2 CPU threads for 20 minutes (24 epochs of 10 steps): ..." from the run."""
    epochs, spe = t.get("epochs") or 0, t.get("stepsPerEpoch") or 0
    text = f"Training on {hardware_short} for {minutes_in_words(t['trainMinutes'])} ({epochs} epochs of {spe} steps)"
    comparison = "a small" if epochs < PAPER_EPOCHS / 3 else "a comparable"
    text += f": {comparison} number of epochs compared with the papers ({PAPER_EPOCHS} epochs)"
    if t["inputSizePx"] < 256:
        text += f"; input {t['inputSizePx']} px instead of {PAPER_INPUT_PX}"
    return text + "."


def render_card(manifest: dict[str, Any], evaluation: dict[str, Any], sessions: list[dict[str, Any]] | None = None) -> str:
    m, t, val = manifest["metrics"], manifest["training"], evaluation["validation"]
    ci = val["ci95"]
    held = m.get("heldoutPseudoVolume") or {}
    cfg = evaluation["config"]
    intensity = manifest["input"]["intensity"]
    augment = AugmentConfig(**cfg.get("augment", {}))
    if held.get("infectionFreeSlices", 0) > 0:
        fp_text = (
            f"False positives on infection-free slices (held-out pseudo-labelled volume, {held['infectionFreeSlices']} slices whose\n"
            f"pseudo-label is empty): mean {held.get('falsePositiveAreaPercentMean')}% of the image area labelled infection (median\n"
            f"{held.get('falsePositiveAreaPercentMedian')}%); "
            f"{held.get('infectionFreeSlicesWithFalsePositiveOver1Percent')} slices above 1%."
        )
    else:
        fp_text = (
            "False positives: no held-out pseudo-labelled slice has an empty pseudo-label, so\n"
            "false positives are measured on a real CT without COVID-19 instead (section at the end of this card)."
        )
    agreement = (
        f"Agreement with the pseudo-labels on its {held.get('slicesWithPseudoInfection')} infected slices: mean Dice "
        f"{held.get('diceVsPseudoLabelMean')}\n(pseudo-labels are model outputs, not ground truth)."
        if held
        else "No pseudo-labelled volume was held out, so there is no agreement figure on unseen pseudo-labels."
    )
    sessions = sessions or []
    threads = {s.get("threads") for s in sessions} or {cfg.get("threads")}
    gpu = next((s["gpu"] for s in sessions if s.get("gpu")), None)
    count = "/".join(str(x) for x in sorted(threads, key=str))
    hardware_short = f"a {gpu} GPU" if gpu else f"{count} CPU thread{'' if count == '1' else 's'}"
    batch_text = f"{t['batch']['labelled']} labelled + {t['batch']['pseudo']} pseudo-labelled slices"
    reproduction = t.get("reproduction", {})
    verified = reproduction.get("verifiedAgainst")
    reproduction_text = ""
    if verified:
        outcome = (
            "bit-identical weights"
            if verified["identicalWeights"]
            else f"weights differ (max |Δ| {verified['maxAbsDifference']:.3g})"
        )
        reproduction_text = f"\nChecked against an independent run of the same command ({verified['run']}): {outcome}."
    values = {
        "name": manifest["name"],
        "version": manifest["version"],
        "architecture": manifest["architecture"],
        "params": f"{m['params']:,}",
        "window_center": f"{intensity['windowCenterHu']:.0f}",
        "window_width": f"{intensity['windowWidthHu']:.0f}",
        "crop_margin": f"{manifest['input']['cropMarginMm']:.0f}",
        "width": manifest["input"]["width"],
        "height": manifest["input"]["height"],
        "mean": intensity["mean"],
        "std": intensity["std"],
        "train_slices": len(evaluation["train_stems"]),
        "val_slices": val["slices"],
        "labelled_slices": val["slices"] + len(evaluation["train_stems"]),
        "link_threshold": cfg.get("link_threshold", 0.85),
        "pseudo_sentence": f"Pseudo-labels (Semi-Inf-Net outputs from COVID-19-CT-Seg, coronacases + Radiopaedia CC BY-NC-SA 3.0): "
        f"{t['pseudoLabels']}; {t['pseudoData']}.",
        "rotation": f"{augment.max_rotation_deg:g}",
        "scale": f"{100 * augment.max_scale:g}",
        "loss": t["loss"],
        "epochs": t["epochs"],
        "steps_per_epoch": t["stepsPerEpoch"],
        "steps": t["steps"],
        "batch_text": batch_text,
        "best_epoch": t["bestEpoch"],
        "train_minutes": t["trainMinutes"],
        "sessions_text": f" over {len(sessions)} sessions (resumed)" if len(sessions) > 1 else "",
        "hardware": t["hardware"],
        "size": t["inputSizePx"],
        "seed": t["seed"],
        **{k: format_with_ci(val[k], ci[k]) for k in ci},
        "per_slice": ", ".join(f"{k}: {v:.2f}" for k, v in val["perSliceInfectionDice"].items()),
        "false_positive_text": fp_text,
        "pseudo_agreement_text": agreement,
        "speed_threads": plural(int(evaluation.get("cpuMsPerSliceThreads", cfg.get("threads", 2))), "thread"),
        "speed_text": ", ".join(f"{k}×{k} px: {v} ms" for k, v in m["cpuMsPerSliceTorch"].items()),
        "resolution_caveat": ": small and thin lesions and lesion borders blur" if t["inputSizePx"] < 256 else "",
        "budget_sentence": budget_sentence(t, hardware_short),
        "reproduce": manifest.get("reproduce", ""),
        "reproduction_text": reproduction_text,
    }
    return Template(TEMPLATE_PATH.read_text()).substitute(values)
