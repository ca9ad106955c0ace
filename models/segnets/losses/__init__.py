"""Training losses for the seed networks (never exported to ONNX)."""

from .boundary_dou import BoundaryDoULoss, boundary_dou_alpha
from .dice_ce import DiceCELoss, one_hot_labels, soft_dice_per_class

__all__ = ["BoundaryDoULoss", "DiceCELoss", "boundary_dou_alpha", "one_hot_labels", "soft_dice_per_class"]
