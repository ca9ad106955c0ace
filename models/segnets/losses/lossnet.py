"""M2SNet's LossNet: a frozen feature-extractor ("perceptual") loss, ``sum_k MSE(phi_k(P), phi_k(G))``.

The paper uses an ImageNet-pretrained VGG-16 (``features[:4]``, ``[4:9]``, ``[9:16]``, ``[16:23]``,
i.e. up to relu1_2, relu2_2, relu3_3, relu4_3). **Deviation**: ImageNet weights cannot be
downloaded here, so :class:`LossNetSubstitute` is the same VGG-16 feature stack, **randomly
initialised with a fixed seed (Kaiming, as torchvision) and frozen** ("random perceptual loss"),
or, when ``weights_path`` is given, a self-trained extractor loaded from a local state dict. It is
*not* the paper's loss; its effect is less predictable, and any gain the paper attributes to
LossNet must not be quoted for our runs. Say so in the model card.

As in the paper, the probability map and the mask are copied to 3 channels, normalised with the
ImageNet mean/std and resized bilinearly to 224x224 (``resize=None`` keeps the input size). For
``K > 1`` classes the foreground probability maps are each compared as one-channel images.
Training only; never exported. The extractor is frozen (no parameter gets a gradient) but the
gradient flows to the prediction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .dice_ce import check_logits_target, one_hot_labels

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
# VGG-16 "D" configuration up to relu4_3, cut where the paper cuts it.
_VGG16_BLOCKS: tuple[tuple[int | str, ...], ...] = ((64, 64), ("M", 128, 128), ("M", 256, 256, 256), ("M", 512, 512, 512))


def vgg16_feature_blocks() -> list[nn.Sequential]:
    blocks: list[nn.Sequential] = []
    cin = 3
    for spec in _VGG16_BLOCKS:
        layers: list[nn.Module] = []
        for v in spec:
            if v == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                assert isinstance(v, int)
                layers += [nn.Conv2d(cin, v, 3, padding=1), nn.ReLU(inplace=False)]
                cin = v
        blocks.append(nn.Sequential(*layers))
    return blocks


class PerceptualLoss(nn.Module):
    """``sum_k MSE(phi_k(P), phi_k(G))`` over frozen ``blocks`` applied in sequence.

    ``forward(logits (B, K, H, W), target (B, H, W))``; K = 1 uses sigmoid, K > 1 softmax and the
    foreground classes.
    """

    def __init__(self, blocks: Sequence[nn.Module], normalize_imagenet: bool = True, resize: int | None = 224) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)
        self.blocks.requires_grad_(False)
        self.blocks.eval()
        self.normalize_imagenet = normalize_imagenet
        self.resize = resize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def train(self, mode: bool = True) -> PerceptualLoss:
        super().train(mode)
        self.blocks.eval()  # frozen: never in training mode
        return self

    def _prepare(self, maps: torch.Tensor) -> torch.Tensor:
        x = maps.unsqueeze(1).expand(-1, 3, -1, -1)
        if self.normalize_imagenet:
            x = (x - self.mean) / self.std
        if self.resize is not None and tuple(x.shape[-2:]) != (self.resize, self.resize):
            x = F.interpolate(x, size=(self.resize, self.resize), mode="bilinear", align_corners=False)
        return x

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        check_logits_target(logits, target)
        k = logits.shape[1]
        z = logits.float()
        if k == 1:
            pred, gt = torch.sigmoid(z[:, 0]), target.float()
        else:
            pred = torch.softmax(z, dim=1)[:, 1:].reshape(-1, *z.shape[-2:])
            gt = one_hot_labels(target, k)[:, 1:].reshape(-1, *z.shape[-2:])
        p, g = self._prepare(pred), self._prepare(gt)
        total = z.new_zeros(())
        for block in self.blocks:
            p, g = block(p), block(g)
            total = total + F.mse_loss(p, g)
        return total


class LossNetSubstitute(PerceptualLoss):
    """VGG-16 features (4 blocks), frozen; random init with ``seed`` unless ``weights_path`` is given
    (a state dict of this module's ``blocks``, e.g. from a self-trained mask auto-encoder)."""

    def __init__(self, seed: int = 0, weights_path: str | Path | None = None, resize: int | None = 224) -> None:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            blocks = vgg16_feature_blocks()
            for block in blocks:
                for m in block.modules():
                    if isinstance(m, nn.Conv2d):
                        nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                        nn.init.zeros_(m.bias)
        super().__init__(blocks, normalize_imagenet=True, resize=resize)
        if weights_path is not None:
            self.blocks.load_state_dict(torch.load(Path(weights_path), map_location="cpu"))
        self.blocks.requires_grad_(False)


class M2SNetLoss(nn.Module):
    """The paper's total: ``structure + 0.1 * LossNet`` (with the LossNet substitute above)."""

    def __init__(self, num_classes: int = 3, lossnet_weight: float = 0.1, lossnet: PerceptualLoss | None = None) -> None:
        super().__init__()
        from .structure import StructureLoss

        self.structure = StructureLoss(num_classes)
        self.lossnet = lossnet if lossnet is not None else LossNetSubstitute()
        self.lossnet_weight = lossnet_weight

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        return self.structure(logits, target) + self.lossnet_weight * self.lossnet(logits, target)
