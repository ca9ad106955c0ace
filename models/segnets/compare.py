"""Comparison of finished runs (e.g. the four seed networks trained on one split with one recipe):
writes ``models/cards/comparison.md`` entirely from the run folders.

    cd models && /usr/bin/python3 -m segnets.compare --runs runs/cmp-cmunext runs/cmp-m2snet runs/cmp-ba-net \
        runs/cmp-convunext [--out cards/comparison.md] [--ort-ms bench.json]

Per run: validation Dice pooled and per class with bootstrap 95% CIs, mean per-slice Dice,
sensitivity, parameters, GMAC (conv multiply-accumulates at the run's input size, as
``bench_torch.conv_macs`` counts them), ms per slice, training steps, time and hardware; and the
paired bootstrap difference in pooled infection Dice against the first run (same slices resampled
jointly), which says whether one model is *clearly* better on these few slices.

Speed: onnxruntime has no Python package on the build machines, so by default ms/slice is PyTorch
CPU eager (batch 1, median of 7, the run's thread count), measured by ``evaluate_run``. With
``--ort-ms FILE`` (JSON ``{"<run folder name or architecture>": ms}``, e.g. from the app's
``npm run bench`` models section) the table shows those onnxruntime CPU figures instead and says so.

A run's evaluation is cached in its ``evaluation.json`` (reused while ``best.pt`` is unchanged).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bench_torch import conv_macs
from .evaluation.bootstrap import paired_bootstrap_difference
from .evaluation.evaluate_run import evaluate_run, file_sha256, load_best_network
from .evaluation.metrics import aggregate_metrics
from .release.card import format_with_ci, minutes_in_words
from .release.training_facts import hardware_of_sessions
from .trainer import train_command
from .training.config import OPERATIONAL_FIELDS, config_from_json, config_to_json

MODELS_DIR = Path(__file__).resolve().parents[1]
ACCURACY_COLUMNS = ("dice_infection", "dice_ggo", "dice_consolidation", "dice_infection_per_slice_mean", "sensitivity_infection")
# Recipe fields expected to differ between the compared runs.
COMPARED_FIELDS = frozenset({"net"})


@dataclass
class RunResult:
    name: str
    run_dir: Path
    evaluation: dict[str, Any]
    summary: dict[str, Any]
    gmac: float

    @property
    def config(self) -> dict[str, Any]:
        return self.evaluation["config"]

    @property
    def rows(self) -> list[dict[str, Any]]:
        return self.evaluation["validation"]["rows"]


def cached_evaluation(run_dir: Path) -> dict[str, Any]:
    """``evaluation.json`` when it belongs to the current best.pt and has per-slice rows, else a fresh one."""
    path = run_dir / "evaluation.json"
    if path.is_file():
        cached = json.loads(path.read_text())
        if cached.get("bestSha256") == file_sha256(run_dir / "best.pt") and "rows" in cached.get("validation", {}):
            return cached
    evaluation = evaluate_run(run_dir, log=lambda msg: print(f"{run_dir.name}: {msg}", file=sys.stderr), speed_sizes=())
    path.write_text(json.dumps(evaluation, indent=2) + "\n")
    return evaluation


def load_run(run_dir: Path) -> RunResult:
    if not (run_dir / "best.pt").is_file():
        raise FileNotFoundError(f"E_MODEL_MISSING: {run_dir} has no best.pt (not a finished run)")
    evaluation = cached_evaluation(run_dir)
    summary_path = run_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    network, _ = load_best_network(run_dir)
    gmac = conv_macs(network, int(evaluation["config"]["size"])) / 1e9
    return RunResult(run_dir.name, run_dir, evaluation, summary, gmac)


def recipe_differences(runs: list[RunResult]) -> dict[str, list[Any]]:
    """Recipe fields (besides the network) whose values differ between runs: field -> values per run."""
    configs = [config_to_json(config_from_json(r.config)) for r in runs]
    out = {}
    for key in configs[0]:
        if key in OPERATIONAL_FIELDS or key in COMPARED_FIELDS:
            continue
        values = [c.get(key) for c in configs]
        if any(v != values[0] for v in values):
            out[key] = values
    return out


def speed_of(run: RunResult, ort_ms: dict[str, float] | None) -> float | None:
    if ort_ms is not None:
        return ort_ms.get(run.name, ort_ms.get(run.config["net"]))
    return run.evaluation["cpuMsPerSlice"].get(str(run.config["size"]))


def render_comparison(runs: list[RunResult], ort_ms: dict[str, float] | None, command: str) -> str:
    if not runs:
        raise ValueError("no runs to compare")
    ref = runs[0]
    same_split = all(r.evaluation["validation"]["stems"] == ref.evaluation["validation"]["stems"] for r in runs)
    diffs = recipe_differences(runs)
    threads = sorted({str(r.evaluation.get("cpuMsPerSliceThreads", r.config.get("threads"))) for r in runs})
    speed_source = (
        "onnxruntime CPU (from the bench JSON given with --ort-ms)"
        if ort_ms is not None
        else f"PyTorch CPU eager, batch 1, median of 7, {'/'.join(threads)} thread(s): onnxruntime has no Python package here"
    )
    lines = [
        "# Seed networks compared on one split",
        "",
        f"Generated by `segnets/compare.py` on {time.strftime('%Y-%m-%d')} from {len(runs)} run folders "
        f"(`{command}`). Every number below is read or computed from the runs; nothing is typed in.",
        "",
        f"- Validation: {ref.evaluation['validation']['slices']} held-out labelled slices at their original resolution; "
        + (
            "every run used the same slices."
            if same_split
            else "**the runs used different validation slices: paired differences are omitted.**"
        ),
        "- Recipe: " + ("identical for every run apart from the network." if not diffs else "differs in " + "; ".join(
            f"`{k}` ({', '.join(f'{r.name}: {v}' for r, v in zip(runs, vals))})" for k, vals in diffs.items()) + "."),
        "- 95% CIs: bootstrap over slices (2000 resamples, percentile).",
        "",
        "## Accuracy",
        "",
        "| run | network | Dice infection (pooled) | Dice GGO | Dice consolidation | Dice infection (mean per slice) "
        "| sensitivity, infection |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        v, ci = r.evaluation["validation"], r.evaluation["validation"]["ci95"]
        cells = [format_with_ci(v[k], ci[k]) for k in ACCURACY_COLUMNS]
        lines.append(f"| {r.name} | {r.config['net']} | " + " | ".join(cells) + " |")
    if same_split and len(runs) > 1:
        lines += [
            "",
            f"Paired difference in pooled infection Dice against **{ref.name}** (same slices resampled jointly; "
            "an interval that excludes 0 means a clear difference on these slices):",
            "",
            "| run | Δ Dice infection | 95% CI |",
            "|---|---|---|",
        ]
        for r in runs[1:]:
            d, lo, hi = paired_bootstrap_difference(ref.rows, r.rows, lambda rows: aggregate_metrics(rows)["dice_infection"])
            lines.append(f"| {r.name} | {d:+.3f} | {lo:+.3f} to {hi:+.3f} |")
    lines += [
        "",
        "## Cost",
        "",
        f"ms/slice: {speed_source}.",
        "",
        "| run | input px | parameters | GMAC | ms/slice | steps (epochs × steps) | training time | stopped | hardware |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in runs:
        s, cfg = r.summary, r.config
        ms = speed_of(r, ort_ms)
        steps = s.get("steps")
        budget = f"{steps} ({s.get('epochs_run')} × {cfg['steps_per_epoch']})" if steps is not None else "n/a"
        minutes = s.get("train_minutes")
        lines.append(
            f"| {r.name} | {cfg['size']} | {r.evaluation['params']:,} | {r.gmac:.2f} | "
            f"{'n/a' if ms is None else f'{ms:.1f}'} | {budget} | {'n/a' if minutes is None else minutes_in_words(minutes)} | "
            f"{s.get('stop_reason', 'n/a')} | {hardware_of_sessions(s.get('sessions', []))} |"
        )
    lines += ["", "## Commands", "", "Each run (from `models/`, reading ../shared/data/covid-semiseg in place):", ""]
    lines += [f"- {r.name}: `{train_command(config_from_json(r.config), 'runs/' + r.name)}`" for r in runs]
    lines += ["", f"Then: `{command}`.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="segnets.compare", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", nargs="+", required=True, type=Path, help="finished run folders; the first is the reference")
    p.add_argument("--out", type=Path, default=MODELS_DIR / "cards" / "comparison.md")
    p.add_argument("--ort-ms", type=Path, help='JSON {"<run name or architecture>": ms per slice} from onnxruntime CPU')
    args = p.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        runs = [load_run(d) for d in args.runs]
    except FileNotFoundError as e:
        print(str(e), file=sys.stderr)
        return 2
    ort_ms = json.loads(args.ort_ms.read_text()) if args.ort_ms else None
    command = "python -m segnets.compare --runs " + " ".join(f"runs/{d.name}" for d in args.runs)
    if args.ort_ms:
        command += f" --ort-ms {args.ort_ms.name}"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(render_comparison(runs, ort_ms, command))
    tmp.replace(args.out)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
