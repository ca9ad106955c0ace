"""Export a seed network to ONNX for onnxruntime-node, and write a model-manifest stub.

Usage (from ``models/``; from the repo root use ``PYTHONPATH=models`` or ``python3 models/segnets/export_onnx.py``)::

    /usr/bin/python3 -m segnets.export_onnx --net cmunext --out onnx/cmunext.onnx \
        [--checkpoint runs/x/best.pt] [--size 256] [--dynamic-spatial] [--manifest-out manifests/cmunext.json]

Choices, and why:

* **opset 17**: the newest opset that both torch 1.13's exporter and Debian's onnx 1.12 checker know
  (onnx 1.12 = IR 8 / opset 17); onnxruntime 1.30 runs it, as do its CUDA, DirectML and CoreML
  providers for every op these networks use.
* **Batch is dynamic** (input ``image`` ``(N, 1, H, W)`` float32, output ``logits``
  ``(N, num_classes, H, W)``). **H and W are fixed** at ``--size`` by default: static shapes let the
  providers pre-plan memory and keep every Resize/pool static; ``--dynamic-spatial`` exports H and W
  as symbolic (multiples of the network's ``size_multiple``) and records it in the manifest.
* The network is exported in eval mode: BatchNorm uses running statistics, deep-supervision heads
  are not part of the graph, only the main logits are returned.

Errors print ``E_CODE: message`` (codes from electron/common/errors) and exit with status 2.
"""

from __future__ import annotations

import argparse
import hashlib
import inspect
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

if __package__ in (None, ""):  # run as a file: make `segnets` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import onnx  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from segnets.networks import build_network, network_names  # noqa: E402

OPSET = 17
INPUT_NAME = "image"
OUTPUT_NAME = "logits"
CLASS_NAMES = ["background", "ground-glass opacity", "consolidation"]


class ExportError(Exception):
    """A failure caused by the caller's input; ``code`` is from the OPAL error catalogue."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class MainLogits(nn.Module):
    """Wraps a network so the exported graph has exactly one output: the main logits."""

    def __init__(self, net: nn.Module) -> None:
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        if isinstance(out, dict):
            out = out["out"]
        if isinstance(out, (tuple, list)):
            out = out[0]
        return out


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load_checkpoint(net: nn.Module, checkpoint: Path) -> None:
    """Loads a state dict saved by ``torch.save``: a plain state dict or one under ``model``,
    ``model_state``, ``state_dict`` (the trainer's best.pt) or ``network`` (its last.pt). fp16
    weights are widened; deep-supervision side heads (training-only) are dropped."""
    if not checkpoint.is_file():
        raise ExportError("E_MODEL_MISSING", f"checkpoint not found: {checkpoint}")
    try:
        state: Any = torch.load(checkpoint, map_location="cpu")
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad file for the user
        raise ExportError("E_MODEL_LOAD", f"cannot read checkpoint {checkpoint}: {e}") from e
    if isinstance(state, dict):
        for key in ("model", "model_state", "state_dict", "network"):
            if isinstance(state.get(key), dict):
                state = state[key]
                break
    if not isinstance(state, dict):
        raise ExportError("E_MODEL_LOAD", f"checkpoint {checkpoint} holds no state dict")
    state = {k[len("module."):] if k.startswith("module.") else k: v for k, v in state.items()}
    state = {k: (v.float() if v.is_floating_point() else v) for k, v in state.items() if not k.startswith("side_heads.")}
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise ExportError("E_MODEL_LOAD", f"checkpoint {checkpoint} does not fit this network: {e}") from e


@dataclass
class ExportResult:
    onnx_path: Path
    sha256: str
    height: int
    width: int
    dynamic_spatial: bool
    size_multiple: int
    num_classes: int


def export_network(
    net: nn.Module,
    out_path: Path | str,
    size: int = 256,
    dynamic_spatial: bool = False,
    in_channels: int = 1,
) -> ExportResult:
    """Exports ``net`` (any device; moved to CPU copy-free if already there) to ``out_path``.

    Checks the graph with ``onnx.checker`` and returns its sha256 and geometry.
    """
    multiple = int(getattr(net, "size_multiple", 32))
    if size <= 0 or size % multiple != 0:
        raise ExportError("E_BAD_ARGUMENT", f"--size {size} must be a positive multiple of {multiple} for this network")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    was_training = net.training
    device = next(net.parameters()).device
    net = net.cpu().eval()
    wrapper = MainLogits(net).eval()
    dummy = torch.zeros(1, in_channels, size, size)
    axes: dict[int, str] = {0: "batch"}
    if dynamic_spatial:
        axes.update({2: "height", 3: "width"})
    tmp = out_path.with_name(out_path.name + ".tmp")
    # PyTorch >= 2.9 defaults to the dynamo exporter; keep the TorchScript exporter everywhere so
    # torch 1.13 (Debian) and 2.x (GPU training machines) produce the same kind of graph.
    extra: dict[str, Any] = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    with torch.no_grad():
        num_classes = int(wrapper(dummy).shape[1])
        torch.onnx.export(
            wrapper,
            dummy,
            str(tmp),
            opset_version=OPSET,
            input_names=[INPUT_NAME],
            output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: axes, OUTPUT_NAME: dict(axes)},
            do_constant_folding=True,
            training=torch.onnx.TrainingMode.EVAL,
            **extra,
        )
    onnx.checker.check_model(str(tmp), full_check=True)
    os.replace(tmp, out_path)
    net.to(device).train(was_training)
    return ExportResult(out_path, sha256_of(out_path), size, size, dynamic_spatial, multiple, num_classes)


def manifest_stub(
    result: ExportResult,
    manifest_path: Path,
    name: str,
    architecture: str,
    version: str = "0.0.0-untrained",
    window_center_hu: float = -300.0,
    window_width_hu: float = 1400.0,
    mean: float = 0.0,
    std: float = 1.0,
    crop: str = "lung-bbox",
    crop_margin_mm: float = 10.0,
    license_text: str = "UNLICENSED (untrained stub)",
    reproduce: str | None = None,
) -> dict[str, Any]:
    """Manifest stub matching electron/common/models/ModelManifest.ts (schemaVersion 1).

    ``file`` is relative to the manifest folder's parent (``models/`` for ``models/manifests/x.json``).
    The trainer completes ``training``, ``metrics`` and ``license``.
    """
    base = manifest_path.resolve().parent.parent
    rel = Path(os.path.relpath(result.onnx_path.resolve(), base)).as_posix()
    classes = CLASS_NAMES if result.num_classes == 3 else [f"class-{i}" for i in range(result.num_classes)]
    stub: dict[str, Any] = {
        "schemaVersion": 1,
        "name": name,
        "version": version,
        "architecture": architecture,
        "file": rel,
        "sha256": result.sha256,
        "input": {
            "name": INPUT_NAME,
            "channels": 1,
            "height": result.height,
            "width": result.width,
            "dynamicSpatial": result.dynamic_spatial,
            "sizeMultiple": result.size_multiple,
            "intensity": {"windowCenterHu": window_center_hu, "windowWidthHu": window_width_hu, "mean": mean, "std": std},
            "crop": crop,
            "cropMarginMm": crop_margin_mm,
        },
        "output": {"name": OUTPUT_NAME, "kind": "logits"},
        "classes": classes,
        "license": license_text,
    }
    if reproduce:
        stub["reproduce"] = reproduce
    return stub


def write_json_atomic(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="segnets.export_onnx", description="Export a seed network to ONNX (opset 17).")
    p.add_argument("--net", required=True, choices=network_names())
    p.add_argument("--checkpoint", type=Path, help="state dict from torch.save (default: random init, seed 0)")
    p.add_argument("--out", required=True, type=Path, help="output .onnx file")
    p.add_argument("--size", type=int, default=256, help="input height = width in pixels (default 256)")
    p.add_argument("--dynamic-spatial", action="store_true", help="export H and W as dynamic axes")
    p.add_argument("--manifest-out", type=Path, help="write a manifest stub (ModelManifest schema) here")
    p.add_argument("--name", help="manifest name (default: the --net name)")
    p.add_argument("--version", default="0.0.0-untrained")
    p.add_argument("--window-center", type=float, default=-300.0, help="HU (default -300)")
    p.add_argument("--window-width", type=float, default=1400.0, help="HU (default 1400: [-1000, 400])")
    p.add_argument("--mean", type=float, default=0.0)
    p.add_argument("--std", type=float, default=1.0)
    p.add_argument("--crop", choices=["lung-bbox", "full-slice"], default="lung-bbox")
    p.add_argument("--license", default="UNLICENSED (untrained stub)")
    args = p.parse_args(argv)
    try:
        if args.std <= 0 or args.window_width <= 0:
            raise ExportError("E_BAD_ARGUMENT", "--std and --window-width must be positive")
        torch.manual_seed(0)
        net = build_network(args.net)
        if args.checkpoint is not None:
            load_checkpoint(net, args.checkpoint)
        result = export_network(net, args.out, args.size, args.dynamic_spatial)
        print(json.dumps({"onnx": str(result.onnx_path), "sha256": result.sha256, "opset": OPSET}))
        if args.manifest_out is not None:
            cmd = "/usr/bin/python3 -m segnets.export_onnx " + " ".join(argv if argv is not None else sys.argv[1:])
            stub = manifest_stub(
                result,
                args.manifest_out,
                name=args.name or args.net,
                architecture=args.net,
                version=args.version,
                window_center_hu=args.window_center,
                window_width_hu=args.window_width,
                mean=args.mean,
                std=args.std,
                crop=args.crop,
                license_text=args.license,
                reproduce=cmd,
            )
            write_json_atomic(args.manifest_out, stub)
    except ExportError as e:
        print(str(e), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
