"""Training losses for the seed networks (never exported to ONNX).

Shapes everywhere: ``logits (B, K, H, W)``, ``target (B, H, W)`` integer labels.
"""

from .boundary_dou import BoundaryDoULoss, boundary_dou_alpha
from .dice_ce import DiceCELoss, one_hot_labels, soft_dice_per_class
from .lossnet import LossNetSubstitute, M2SNetLoss, PerceptualLoss
from .structure import StructureLoss, boundary_weight_map

__all__ = [
    "BoundaryDoULoss",
    "DiceCELoss",
    "LossNetSubstitute",
    "M2SNetLoss",
    "PerceptualLoss",
    "StructureLoss",
    "boundary_dou_alpha",
    "boundary_weight_map",
    "one_hot_labels",
    "soft_dice_per_class",
]
