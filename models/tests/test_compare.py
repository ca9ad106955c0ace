"""comparison.md is generated from real (tiny) run folders: every figure in it is the run's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from synthetic_semiseg import tiny_recipe, write_semiseg

from segnets import compare
from segnets.release.card import format_with_ci
from segnets.trainer import main as trainer_main


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Two finished tiny runs on one split: plain CMUNeXt-S and CMUNeXt-S with deep supervision."""
    before = torch.get_num_threads()
    root = tmp_path_factory.mktemp("compare")
    data = write_semiseg(root / "data")
    runs = [root / "runs" / "plain", root / "runs" / "deep-supervised"]
    assert trainer_main(tiny_recipe(data, runs[0])) == 0
    assert trainer_main(tiny_recipe(data, runs[1], "--deep-supervision")) == 0
    torch.set_num_threads(before)
    return runs


def test_the_comparison_reports_each_runs_own_metrics_with_cis_and_costs(two_runs: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "comparison.md"
    assert compare.main(["--runs", *map(str, two_runs), "--out", str(out)]) == 0
    text = out.read_text()
    for run in two_runs:
        evaluation = json.loads((run / "evaluation.json").read_text())
        summary = json.loads((run / "summary.json").read_text())
        val = evaluation["validation"]
        row = next(line for line in text.splitlines() if line.startswith(f"| {run.name} | cmunext-s |"))
        assert format_with_ci(val["dice_infection"], val["ci95"]["dice_infection"]) in row
        assert format_with_ci(val["dice_consolidation"], val["ci95"]["dice_consolidation"]) in row
        cost = next(line for line in text.splitlines() if line.startswith(f"| {run.name} | 32 |"))
        assert f"{evaluation['params']:,}" in cost and f"{summary['steps']} (" in cost
    assert "Paired difference in pooled infection Dice against **plain**" in text
    assert "differs in `deep_supervision` (plain: False, deep-supervised: True)" in text
    assert "PyTorch CPU eager" in text
    assert "--deep-supervision --out runs/deep-supervised" in text


def test_onnxruntime_timings_replace_the_torch_ones_when_given(two_runs: list[Path], tmp_path: Path) -> None:
    bench = tmp_path / "ort.json"
    bench.write_text(json.dumps({"plain": 12.5, "cmunext-s": 13.25}))
    out = tmp_path / "comparison.md"
    assert compare.main(["--runs", *map(str, two_runs), "--out", str(out), "--ort-ms", str(bench)]) == 0
    text = out.read_text()
    assert "onnxruntime CPU" in text
    assert "| 12.5 |" in text  # by run name
    assert "| 13.2 |" in text  # by architecture for the run not named in the file


def test_a_folder_without_a_finished_run_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert compare.main(["--runs", str(tmp_path), "--out", str(tmp_path / "c.md")]) == 2
    assert "E_MODEL_MISSING" in capsys.readouterr().err
