"""pytest set-up for models/tests: importable ``segnets`` from any working directory, small thread
count (the build machines have 2 cores), and the parity output folder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

MODELS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = MODELS_DIR.parent
if str(MODELS_DIR) not in sys.path:
    sys.path.insert(0, str(MODELS_DIR))

torch.set_num_threads(2)


@pytest.fixture(scope="session")
def parity_dir() -> Path:
    """test-output/parity (git-ignored): ONNX files + reference inputs/outputs for the TS parity test."""
    d = REPO_ROOT / "test-output" / "parity"
    d.mkdir(parents=True, exist_ok=True)
    return d
