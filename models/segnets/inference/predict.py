"""One slice through a network, as the app's engine does it: normalise, forward, resize the logits
to the original size (bilinear), argmax."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def normalise(images: torch.Tensor, mean: float, std: float) -> torch.Tensor:
    return (images - mean) / std


@torch.no_grad()
def predict_labels(
    network: nn.Module, image: np.ndarray, out_shape: tuple[int, int], mean: float, std: float, device: torch.device | str = "cpu"
) -> np.ndarray:
    """``(S, S)`` image in [0, 1] -> ``(H, W)`` uint8 labels at ``out_shape`` (logits resized bilinearly)."""
    network.eval()
    x = normalise(torch.from_numpy(image)[None, None].to(device), mean, std)
    logits = network(x).float()
    logits = F.interpolate(logits, size=out_shape, mode="bilinear", align_corners=False)
    return logits.argmax(1)[0].cpu().numpy().astype(np.uint8)
