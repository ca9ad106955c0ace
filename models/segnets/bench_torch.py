"""PyTorch eager side of `npm run bench` (models section): per network, parameters, conv MACs and
ms per 256x256 slice at batch 1 and 4 (CPU, ``torch.set_num_threads(threads)``), and an ONNX export
of the same network (random init, seed 0) for the onnxruntime-node side. Prints one JSON object.

    /usr/bin/python3 -m segnets.bench_torch --out-dir DIR [--nets cmunext,m2snet] [--size 256] [--reps 3]

MACs: multiply-accumulates of Conv2d layers only (what papers call "GFLOPs"); M2SNet's fixed
all-ones filters run as channel sum + box pool and are not counted, as in the paper.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from segnets.export_onnx import export_network  # noqa: E402
from segnets.networks import build_network  # noqa: E402


def conv_macs(net: nn.Module, size: int) -> int:
    total = 0

    def hook(m: nn.Module, _inp: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        nonlocal total
        assert isinstance(m, nn.Conv2d)
        k = m.kernel_size[0] * m.kernel_size[1]
        total += out[0].numel() * (m.in_channels // m.groups) * k

    handles = [m.register_forward_hook(hook) for m in net.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        net(torch.zeros(1, 1, size, size))
    for h in handles:
        h.remove()
    return total


def ms_per_slice(net: nn.Module, batch: int, size: int, reps: int) -> float:
    x = torch.rand(batch, 1, size, size)
    with torch.no_grad():
        net(x)  # warm-up
        best = float("inf")
        for _ in range(reps):
            t0 = time.perf_counter()
            net(x)
            best = min(best, time.perf_counter() - t0)
    return 1000 * best / batch


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out-dir", type=Path, required=True)
    p.add_argument("--nets", default="cmunext,m2snet,ba-net,convunext")
    p.add_argument("--size", type=int, default=256)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    warnings.filterwarnings("ignore")
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.nets.split(","):
        torch.manual_seed(0)
        net = build_network(name).eval()
        onnx_path = args.out_dir / f"{name}.onnx"
        export_network(net, onnx_path, size=args.size)
        rows.append(
            {
                "network": name,
                "params": sum(q.numel() for q in net.parameters()),
                "gmac": conv_macs(net, args.size) / 1e9,
                "torchMsBatch1": ms_per_slice(net, 1, args.size, args.reps),
                "torchMsBatch4": ms_per_slice(net, 4, args.size, args.reps),
                "onnx": str(onnx_path),
            }
        )
    print(json.dumps({"torch": torch.__version__, "threads": args.threads, "size": args.size, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
