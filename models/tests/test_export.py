"""ONNX export: every network exports (opset 17, dynamic batch, checker passes), the graph avoids
ops the GPU providers lack, the CLI reports coded errors, and the parity references are written.

Parity references (read by test/models/onnxParity.test.ts, which runs after pytest in `npm test`):
``test-output/parity/<case>.onnx``, ``<case>.input.f32`` and ``<case>.output.f32`` (raw
little-endian float32, C order), ``manifests/<case>.json`` (manifest stub) and ``index.json``
listing the cases with their shapes. Random init with a fixed seed, BatchNorm statistics
calibrated on random inputs so that the eval-mode graph exercises non-trivial BN, logits scaled to
[-1, 1], PyTorch reference computed in float64.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper
import pytest
import torch
from torch import nn

from segnets.export_onnx import OPSET, export_network, main, manifest_stub, write_json_atomic
from segnets.networks import build_network

# case -> (network, export size, dynamic H/W, reference input size). 64 px keeps the suite fast.
PARITY_CASES: dict[str, tuple[str, int, bool, int]] = {
    "cmunext": ("cmunext", 64, False, 64),
    "cmunext-dynamic": ("cmunext", 64, True, 96),
    "m2snet": ("m2snet", 64, False, 64),
    "ba-net": ("ba-net", 64, False, 64),
    "convunext": ("convunext", 64, False, 64),
}


def calibrate_batchnorm(net: nn.Module, size: int, passes: int = 2) -> None:
    """Gives every BN layer real running statistics (cumulative average over a few random batches)."""
    bns = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None
    net.train()
    with torch.no_grad():
        for _ in range(passes):
            net(torch.rand(2, 1, size, size))
    for m in bns:
        m.momentum = 0.1
    net.eval()


def scale_logits_to_unit_range(net: nn.Module, x: torch.Tensor) -> None:
    """Divides the last (linear) conv by max|logits| on ``x``, so logits lie in [-1, 1].

    Random-init logits reach 10-200; float32 rounding then gives absolute ORT-vs-torch differences
    of ~1e-3 at a relative error of ~1e-5. Scaling makes the 1e-4 absolute bound a relative one.
    The final bilinear resize after the head is linear, so the scaling is exact.
    """
    head = [m for m in net.modules() if isinstance(m, nn.Conv2d)][-1]
    with torch.no_grad():
        scale = float(net.eval()(x).abs().max())
        head.weight.div_(scale)
        if head.bias is not None:
            head.bias.div_(scale)


def ops_of(path: Path) -> list[onnx.NodeProto]:
    return list(onnx.load(str(path)).graph.node)


@pytest.fixture(scope="module")
def exported(parity_dir: Path) -> dict[str, dict[str, object]]:
    """Exports every parity case once and writes its reference files; returns the index entries."""
    entries: dict[str, dict[str, object]] = {}
    for case, (net_name, size, dynamic, ref_size) in PARITY_CASES.items():
        torch.manual_seed(1234)
        net = build_network(net_name)
        calibrate_batchnorm(net, size)
        gen = torch.Generator().manual_seed(99)
        x = torch.rand(2, 1, ref_size, ref_size, generator=gen)
        scale_logits_to_unit_range(net, x)
        onnx_path = parity_dir / f"{case}.onnx"
        result = export_network(net, onnx_path, size=size, dynamic_spatial=dynamic)
        with torch.no_grad():
            # Reference in float64: the bound then measures ORT's float32 error alone, not the sum of
            # two float32 implementations' rounding.
            y = net.eval().double()(x.double()).float()
            net.float()
        (parity_dir / f"{case}.input.f32").write_bytes(x.numpy().astype("<f4").tobytes())
        (parity_dir / f"{case}.output.f32").write_bytes(y.numpy().astype("<f4").tobytes())
        manifest_path = parity_dir / "manifests" / f"{case}.json"
        write_json_atomic(manifest_path, manifest_stub(result, manifest_path, name=case, architecture=net_name))
        entries[case] = {
            "network": net_name,
            "onnx": onnx_path.name,
            "manifest": f"manifests/{case}.json",
            "input": f"{case}.input.f32",
            "output": f"{case}.output.f32",
            "inputShape": list(x.shape),
            "outputShape": list(y.shape),
            "exportSize": size,
            "dynamicSpatial": dynamic,
            "maxAbsOutput": float(y.abs().max()),
            "torch": torch.__version__,
        }
    write_json_atomic(parity_dir / "index.json", {"opset": OPSET, "cases": entries})
    return entries


@pytest.mark.parametrize("case", list(PARITY_CASES))
def test_export_writes_a_checked_opset_17_graph_with_dynamic_batch(case: str, exported: dict, parity_dir: Path) -> None:
    model = onnx.load(str(parity_dir / f"{case}.onnx"))
    onnx.checker.check_model(model, full_check=True)
    assert [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")] == [OPSET]
    (inp,) = model.graph.input
    (out,) = model.graph.output
    assert (inp.name, out.name) == ("image", "logits")
    in_dims = inp.type.tensor_type.shape.dim
    assert in_dims[0].dim_param == "batch"
    assert in_dims[1].dim_value == 1
    _, _, size, dynamic, _ = (None, *PARITY_CASES[case])
    if dynamic:
        assert (in_dims[2].dim_param, in_dims[3].dim_param) == ("height", "width")
    else:
        assert (in_dims[2].dim_value, in_dims[3].dim_value) == (size, size)


@pytest.mark.parametrize("case", list(PARITY_CASES))
def test_exported_graph_uses_half_pixel_resizes_and_static_pooling(case: str, exported: dict, parity_dir: Path) -> None:
    nodes = ops_of(parity_dir / f"{case}.onnx")
    for n in nodes:
        if n.op_type == "Resize":
            attrs = {a.name: a for a in n.attribute}
            assert attrs["coordinate_transformation_mode"].s == b"half_pixel"
    kinds = {n.op_type for n in nodes}
    assert not kinds & {"Loop", "If", "Scan", "NonZero", "Unique", "MaxRoiPool", "ATen"}


def test_fixed_filters_export_as_channel_sum_and_box_pool_not_dense_convs(exported: dict, parity_dir: Path) -> None:
    model = onnx.load(str(parity_dir / "m2snet.onnx"))
    inits = {i.name: i for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "Conv" and len(n.input) > 1 and n.input[1] in inits:
            w = numpy_helper.to_array(inits[n.input[1]])
            assert not (w.shape[-1] in (3, 5) and np.all(w == 1.0)), "an all-ones dense conv is in the graph"
    assert any(n.op_type == "AveragePool" for n in model.graph.node)


def test_parity_references_are_written_for_every_case(exported: dict, parity_dir: Path) -> None:
    index = json.loads((parity_dir / "index.json").read_text())
    assert sorted(index["cases"]) == sorted(PARITY_CASES)
    for case, e in index["cases"].items():
        n_in = int(np.prod(e["inputShape"]))
        n_out = int(np.prod(e["outputShape"]))
        assert (parity_dir / e["input"]).stat().st_size == 4 * n_in
        assert (parity_dir / e["output"]).stat().st_size == 4 * n_out
        assert e["outputShape"] == [e["inputShape"][0], 3, *e["inputShape"][2:]]
        assert e["maxAbsOutput"] == pytest.approx(1.0, rel=1e-3), f"{case}: logits not scaled to unit range"


def test_manifest_stub_points_at_the_onnx_file_with_its_sha256(exported: dict, parity_dir: Path) -> None:
    import hashlib

    stub = json.loads((parity_dir / "manifests" / "cmunext.json").read_text())
    assert stub["file"] == "cmunext.onnx"
    assert stub["sha256"] == hashlib.sha256((parity_dir / "cmunext.onnx").read_bytes()).hexdigest()
    assert stub["input"]["sizeMultiple"] == 16 and stub["input"]["dynamicSpatial"] is False
    assert stub["classes"] == ["background", "ground-glass opacity", "consolidation"]
    assert stub["output"] == {"name": "logits", "kind": "logits"}


def test_cli_rejects_a_size_the_network_cannot_take(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--net", "cmunext-s", "--size", "72", "--out", str(tmp_path / "x.onnx")]) == 2
    assert "E_BAD_ARGUMENT" in capsys.readouterr().err
    assert not (tmp_path / "x.onnx").exists()


def test_cli_reports_a_missing_checkpoint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--net", "cmunext-s", "--checkpoint", str(tmp_path / "none.pt"), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "E_MODEL_MISSING" in capsys.readouterr().err


def test_cli_reports_a_checkpoint_of_another_network(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ckpt = tmp_path / "s.pt"
    torch.save({"model": build_network("cmunext-s").state_dict()}, ckpt)
    assert main(["--net", "cmunext", "--checkpoint", str(ckpt), "--out", str(tmp_path / "x.onnx")]) == 2
    assert "E_MODEL_LOAD" in capsys.readouterr().err


def test_cli_exports_a_trained_checkpoint_and_writes_its_manifest(tmp_path: Path) -> None:
    torch.manual_seed(5)
    net = build_network("cmunext-s")
    ckpt = tmp_path / "run" / "best.pt"
    ckpt.parent.mkdir()
    torch.save({"epoch": 3, "model_state": net.state_dict()}, ckpt)
    out = tmp_path / "onnx" / "tiny.onnx"
    manifest = tmp_path / "manifests" / "tiny.json"
    args = ["--net", "cmunext-s", "--checkpoint", str(ckpt), "--out", str(out), "--size", "32", "--manifest-out", str(manifest), "--name", "tiny"]
    assert main(args) == 0
    stub = json.loads(manifest.read_text())
    assert (stub["name"], stub["file"], stub["input"]["height"]) == ("tiny", "onnx/tiny.onnx", 32)
    # The exported weights are the checkpoint's: the first conv's initializer equals it.
    first_conv = net.stem[0].weight.detach().numpy()
    inits = [numpy_helper.to_array(i) for i in onnx.load(str(out)).graph.initializer]
    assert any(a.shape == first_conv.shape and np.allclose(a, first_conv) for a in inits)
