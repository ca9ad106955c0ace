"""Res2Net-50 v1b, 26w x 4s (Gao et al., TPAMI 2021, arXiv:1904.01169), written from the paper's
description for M2SNet's encoder (no ImageNet weights are available offline: random init).

Bottle2neck: 1x1 conv to ``scale`` groups of ``width`` channels; group 1 passes through, groups
2..s go through hierarchical 3x3 convs (each adds the previous group's output before its conv);
1x1 conv back to ``4 * planes``; residual. The first block of a stage ("stage" type) convolves every
group without the hierarchical sum and average-pools the pass-through group when it strides.
v1b: deep 3-conv stem, and the strided shortcut is avg-pool then 1x1 conv (no strided 1x1 conv).

Shapes (input ``(B, C, H, W)``, H and W divisible by 32): stem ``64 @ H/2``, after max-pool
``64 @ H/4``, layer1 ``256 @ H/4``, layer2 ``512 @ H/8``, layer3 ``1024 @ H/16``, layer4 ``2048 @ H/32``.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class Bottle2neck(nn.Module):
    expansion = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        downsample: nn.Module | None = None,
        base_width: int = 26,
        scale: int = 4,
        first_of_stage: bool = False,
    ) -> None:
        super().__init__()
        width = int(math.floor(planes * base_width / 64.0))
        self.width, self.scale, self.first_of_stage = width, scale, first_of_stage
        self.conv1 = nn.Conv2d(inplanes, width * scale, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width * scale)
        self.convs = nn.ModuleList(nn.Conv2d(width, width, 3, stride, 1, bias=False) for _ in range(scale - 1))
        self.bns = nn.ModuleList(nn.BatchNorm2d(width) for _ in range(scale - 1))
        # Static 3x3 average pool for the pass-through group of a strided first block.
        self.pool = nn.AvgPool2d(3, stride, 1) if first_of_stage and stride != 1 else None
        self.conv3 = nn.Conv2d(width * scale, planes * self.expansion, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * self.expansion)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        groups = torch.split(out, self.width, dim=1)
        parts: list[torch.Tensor] = []
        sp = groups[0]
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns)):
            sp = groups[i] if i == 0 or self.first_of_stage else sp + groups[i]
            sp = self.relu(bn(conv(sp)))
            parts.append(sp)
        last = groups[self.scale - 1]
        parts.append(self.pool(last) if self.pool is not None else last)
        out = self.bn3(self.conv3(torch.cat(parts, dim=1)))
        residual = x if self.downsample is None else self.downsample(x)
        return self.relu(out + residual)


class Res2Net50(nn.Module):
    """Res2Net-50 v1b 26w4s feature extractor (no classifier). ``forward`` returns
    ``(x1, x2, x3, x4, x5)``: max-pooled stem ``64 @ H/4`` and layers 1-4."""

    def __init__(self, in_channels: int = 1, base_width: int = 26, scale: int = 4) -> None:
        super().__init__()
        self.base_width, self.scale = base_width, scale
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3, 2, 1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 32, 3, 1, 1, bias=False),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.Conv2d(32, 64, 3, 1, 1, bias=False),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
        )
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = 64
        self.layer1 = self._make_layer(64, 3, 1)
        self.layer2 = self._make_layer(128, 4, 2)
        self.layer3 = self._make_layer(256, 6, 2)
        self.layer4 = self._make_layer(512, 3, 2)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, planes: int, blocks: int, stride: int) -> nn.Sequential:
        out_planes = planes * Bottle2neck.expansion
        downsample: nn.Module | None = None
        if stride != 1 or self.inplanes != out_planes:
            shortcut: list[nn.Module] = []
            if stride != 1:
                # v1b: average-pool then 1x1 conv. ceil_mode is irrelevant for the even sizes we allow.
                shortcut.append(nn.AvgPool2d(stride, stride, count_include_pad=False))
            shortcut += [nn.Conv2d(self.inplanes, out_planes, 1, bias=False), nn.BatchNorm2d(out_planes)]
            downsample = nn.Sequential(*shortcut)
        layers = [Bottle2neck(self.inplanes, planes, stride, downsample, self.base_width, self.scale, first_of_stage=True)]
        self.inplanes = out_planes
        layers += [Bottle2neck(out_planes, planes, 1, None, self.base_width, self.scale) for _ in range(1, blocks)]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        x1 = self.maxpool(self.stem(x))
        x2 = self.layer1(x1)
        x3 = self.layer2(x2)
        x4 = self.layer3(x3)
        x5 = self.layer4(x4)
        return x1, x2, x3, x4, x5
