"""Checkpoints of a run folder, written atomically (temporary file + rename, so a kill mid-write
leaves the previous checkpoint intact):

* ``last.pt``: everything the loop reads, so a resumed run continues to the result an
  uninterrupted one reaches (bit-identical for the same seed and thread count on CPU): network and
  optimiser state, epoch/step counters (also mid-epoch), best score/epoch, stale-epoch count, the
  history behind log.csv, the numpy ``Generator`` state, the augmentation ``torch.Generator``
  state, torch's global RNG state (and CUDA's), the accumulated training time and the sessions.
* ``best.pt``: weights only (fp32 by default, so the exported ONNX is exact; fp16 on request) plus
  what evaluation needs (config, normalisation, split stems, epoch, record).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

CHECKPOINT_FORMAT = 2
SIDE_HEAD_PREFIX = "side_heads."


def save_atomic(payload: dict[str, Any], path: Path) -> None:
    """``torch.save`` to ``path`` through ``path.tmp`` + ``os.replace`` (atomic on one file system)."""
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        torch.save(payload, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def weights_for_storage(state_dict: dict[str, torch.Tensor], precision: str) -> dict[str, torch.Tensor]:
    """Detached CPU copies; floating tensors cast to fp16 when ``precision == "fp16"``."""
    out = {}
    for k, v in state_dict.items():
        v = v.detach().cpu().clone()
        out[k] = v.half() if precision == "fp16" and v.is_floating_point() else v
    return out


def strip_side_heads(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The weights without deep-supervision side heads (they never reach the exported graph)."""
    return {k: v for k, v in state_dict.items() if not k.startswith(SIDE_HEAD_PREFIX)}


def load_weights(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """``(fp32 state_dict, checkpoint)`` from best.pt or last.pt (either format of this trainer)."""
    ckpt = torch.load(path, map_location="cpu")
    state = ckpt.get("state_dict") or ckpt["network"]
    return {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}, ckpt


def capture_rng(rng: Any, gen: torch.Generator) -> dict[str, Any]:
    """Every random state the training loop draws from."""
    state: dict[str, Any] = {
        "numpy_generator": rng.bit_generator.state,
        "torch_generator": gen.get_state(),
        "torch_global": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["torch_cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(state: dict[str, Any], rng: Any, gen: torch.Generator) -> None:
    rng.bit_generator.state = state["numpy_generator"]
    gen.set_state(state["torch_generator"])
    torch.set_rng_state(state["torch_global"])
    if "torch_cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["torch_cuda"])
