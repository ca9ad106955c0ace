"""finalize writes the ONNX, manifest and card from the run folder alone: steps, epochs, time,
hardware, sessions and the reproduction check are generated, never typed."""

from __future__ import annotations

import json
from pathlib import Path

import onnx
import pytest
import torch
from synthetic_semiseg import tiny_recipe, write_semiseg

from segnets.evaluation.evaluate_run import file_sha256
from segnets.trainer import EXIT_STOPPED
from segnets.trainer import main as trainer_main
from segnets.training.hardware import describe_machine, hardware_in_words


@pytest.fixture(autouse=True)
def restore_threads() -> object:
    """The trainer sets torch's thread count from the recipe (1 here); later tests expect conftest's."""
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


def test_finalize_generates_the_card_and_manifest_from_a_resumed_run_and_records_its_reproduction(tmp_path: Path) -> None:
    data = write_semiseg(tmp_path / "data")
    whole, resumed = tmp_path / "runs" / "whole", tmp_path / "runs" / "resumed"
    assert trainer_main(tiny_recipe(data, whole)) == 0
    assert trainer_main(tiny_recipe(data, resumed, "--max-minutes", "1e-9")) == EXIT_STOPPED
    assert trainer_main(tiny_recipe(data, resumed, "--max-minutes", "0", "--resume")) == 0
    models = tmp_path / "models"
    argv = ["finalize", "--run", str(resumed), "--name", "tiny", "--models-dir", str(models), "--verify-run", str(whole)]
    assert trainer_main(argv) == 0

    manifest = json.loads((models / "manifests" / "tiny.json").read_text())
    assert manifest["sha256"] == file_sha256(models / "tiny.onnx")
    onnx.checker.check_model(onnx.load(str(models / "tiny.onnx")))
    training = manifest["training"]
    summary = json.loads((resumed / "summary.json").read_text())
    assert (training["epochs"], training["steps"], training["stepsPerEpoch"]) == (2, 4, 2)
    assert training["trainMinutes"] == round(summary["train_minutes"], 1)
    assert training["hardware"] == hardware_in_words(describe_machine("cpu", 1))
    assert training["reproduction"]["sessions"] == 2
    # The resumed run reached the uninterrupted run's weights, bit for bit.
    assert training["reproduction"]["verifiedAgainst"] == {"run": "whole", "identicalWeights": True, "maxAbsDifference": 0.0}

    card = (models / "cards" / "tiny.md").read_text()
    assert "Trained 2 epochs of 2 steps (4 optimiser steps" in card
    assert "over 2 sessions (resumed)" in card
    assert training["hardware"] in card
    assert "Training on 1 CPU thread for under a minute (2 epochs of 2 steps)" in card
    assert "bit-identical weights" in card
    assert "${" not in card
