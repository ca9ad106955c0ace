"""OPAL's PyTorch side: seed segmentation networks, losses, training and ONNX export.

Run Python from ``models/`` (``cd models && /usr/bin/python3 -m segnets.export_onnx ...``) or add
``models/`` to ``PYTHONPATH``. Code runs on torch 1.13 CPU and PyTorch 2.x CUDA: devices are passed
in, never hard-coded.
"""

from .networks import build_network, network_names

__all__ = ["build_network", "network_names"]
