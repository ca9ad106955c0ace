"""BA-Net, boundary-aware context network (Wang et al., Medical Image Analysis 2022, arXiv:2005.00966),
re-implemented from ../shared/papers/ba-net.md with the modules the paper names:

* **Encoder**: dilated ResNet-50, output stride 8 (layer3 dilation 2, layer4 dilation 4), 7x7 stem.
  Random init: ImageNet ResNet-50 weights cannot be downloaded here (stated deviation).
* **ASPP** on layer4: 1x1, 3x3 at dilations 6/12/18 and image pooling, 256 channels each, projected
  to 256. The image-pooling branch is broadcast back with ``expand`` (what a bilinear resize of a
  1x1 map computes), so the graph has no Resize there.
* Per stage i = 1..4 a :class:`StageMultiTask`: 1x1 reduction to 128, **PEE** (pyramid edge
  extraction: ``x - avgpool_k(x)`` at two kernel sizes, as the paper describes the edge cue; the
  official code concatenates the pooled maps instead, which spans the same space), **mini-MTL**
  (a segmentation and an edge branch) coupled by **IA** (interactive attention
  ``E' = E + (1 - sigmoid(a_E(E))) * S``, ``S' = S + (1 - sigmoid(a_S(S))) * E``), and 3x3 side heads.
* **CFF** (cross feature fusion) per stage:
  ``out_i = S'_i + (1 - sigmoid(w_i(S'_i))) * sum_{j != i} sigmoid(w_j(S'_j)) * S'_j``.
* Decoder over [CFF4, ASPP] -> CFF3 -> CFF2 -> CFF1 with separable convs, 3x3 + 1x1 head at 1/4
  scale, upsampled x4.
* **Deep supervision**: in training mode ``forward`` returns
  ``(out, seg_1, edge_1, ..., seg_4, edge_4)``, all ``(B, num_classes, H, W)``; in eval/export mode
  only ``out``.

Deviation: the official resizes use ``align_corners=True``; we train from scratch and use
``align_corners=False`` (half-pixel Resize, supported by every onnxruntime provider we target).

Shapes: input ``(B, in_channels, H, W)``, H and W divisible by 8; output logits
``(B, num_classes, H, W)``.
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def resize_to(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    if x.shape[-2:] == ref.shape[-2:]:
        return x
    return F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=False)


def separable(cin: int, cout: int) -> nn.Sequential:
    """Depthwise 3x3 -> BN -> pointwise 1x1 (no activation), the building block of the BA-Net head."""
    return nn.Sequential(nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False), nn.BatchNorm2d(cin), nn.Conv2d(cin, cout, 1, bias=False))


class Bottleneck(nn.Module):
    """ResNet-50 bottleneck with stride and dilation on the 3x3 conv."""

    expansion = 4

    def __init__(self, inplanes: int, planes: int, stride: int = 1, dilation: int = 1, downsample: nn.Module | None = None) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, padding=dilation, dilation=dilation, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + (x if self.downsample is None else self.downsample(x)))


class DilatedResNet50(nn.Module):
    """Output stride 8. ``forward`` -> ``(c1 256 @ H/4, c2 512 @ H/8, c3 1024 @ H/8, c4 2048 @ H/8)``."""

    def __init__(self, in_channels: int = 1) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2, 1)
        )
        self.inplanes = 64
        self.layer1 = self._make_layer(64, [1, 1, 1], stride=1)
        self.layer2 = self._make_layer(128, [1, 1, 1, 1], stride=2)
        self.layer3 = self._make_layer(256, [1, 2, 2, 2, 2, 2], stride=1)  # first block undilated
        self.layer4 = self._make_layer(512, [4, 4, 4], stride=1)  # multi-grid (4, 4, 4)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def _make_layer(self, planes: int, dilations: Sequence[int], stride: int) -> nn.Sequential:
        downsample = None
        if stride != 1 or self.inplanes != planes * 4:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4))
        layers = [Bottleneck(self.inplanes, planes, stride, dilations[0], downsample)]
        self.inplanes = planes * 4
        layers += [Bottleneck(self.inplanes, planes, 1, d) for d in dilations[1:]]
        return nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        c1 = self.layer1(self.stem(x))
        c2 = self.layer2(c1)
        c3 = self.layer3(c2)
        c4 = self.layer4(c3)
        return c1, c2, c3, c4


def conv_bn_relu(cin: int, cout: int, k: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, k, padding=dilation * (k // 2), dilation=dilation, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)
    )


class ASPP(nn.Module):
    """``(B, 2048, h, w) -> (B, 256, h, w)``."""

    def __init__(self, in_channels: int = 2048, channels: int = 256, rates: Sequence[int] = (6, 12, 18)) -> None:
        super().__init__()
        self.branches = nn.ModuleList([conv_bn_relu(in_channels, channels, 1)] + [conv_bn_relu(in_channels, channels, 3, r) for r in rates])
        self.image_pool = nn.Sequential(nn.AdaptiveAvgPool2d(1), conv_bn_relu(in_channels, channels, 1))
        self.project = conv_bn_relu(channels * (len(rates) + 2), channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        feats = [b(x) for b in self.branches]
        feats.append(self.image_pool(x).expand(-1, -1, x.shape[2], x.shape[3]))
        return self.project(torch.cat(feats, dim=1))


class StageMultiTask(nn.Module):
    """Reduction + PEE + mini-MTL with IA + side heads for one encoder stage.

    ``(B, Cin, h, w) -> (S' (B, 128, h, w), seg logits (B, K, h, w), edge logits (B, K, h, w))``.
    """

    def __init__(self, in_channels: int, num_classes: int, pool_sizes: tuple[int, int], dim: int = 128) -> None:
        super().__init__()
        self.reduce = nn.Conv2d(in_channels, dim, 1)
        self.pool_sizes = pool_sizes
        self.pee = nn.Sequential(
            nn.Conv2d(3 * dim, dim, 1, bias=False), nn.ReLU(inplace=True), separable(dim, dim)
        )
        self.edge_branch = separable(dim, dim)
        self.seg_branch = separable(dim, dim)
        self.edge_attention = separable(dim, dim)
        self.seg_attention = separable(dim, dim)
        self.edge_head = nn.Conv2d(dim, num_classes, 3, padding=1)
        self.seg_head = nn.Conv2d(dim, num_classes, 3, padding=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.reduce(x)
        edges = [x - F.avg_pool2d(x, k, stride=1, padding=k // 2, count_include_pad=True) for k in self.pool_sizes]
        f = self.pee(torch.cat([x, *edges], dim=1))
        e, s = self.edge_branch(f), self.seg_branch(f)
        e2 = e + (1 - torch.sigmoid(self.edge_attention(e))) * s
        s2 = s + (1 - torch.sigmoid(self.seg_attention(s))) * e
        return s2, self.seg_head(s2), self.edge_head(e2)


class CrossFeatureFusion(nn.Module):
    """CFF for one target stage over all ``num_stages`` stage features (each ``(B, 128, *, *)``)."""

    def __init__(self, target: int, num_stages: int = 4, dim: int = 128) -> None:
        super().__init__()
        self.target = target
        self.attention = nn.ModuleList(nn.Conv2d(dim, dim, 3, padding=1, bias=False) for _ in range(num_stages))

    def forward(self, feats: Sequence[torch.Tensor]) -> torch.Tensor:
        own = feats[self.target]
        borrowed = torch.zeros_like(own)
        for j, f in enumerate(feats):
            if j != self.target:
                f = resize_to(f, own)
                borrowed = borrowed + torch.sigmoid(self.attention[j](f)) * f
        return own + (1 - torch.sigmoid(self.attention[self.target](own))) * borrowed


class DecoderFuse(nn.Sequential):
    """ReLU -> depthwise 3x3 -> BN -> 1x1 to ``cout`` on a concatenation."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__(nn.ReLU(), separable(cin, cout))


class BANet(nn.Module):
    """``forward((B, in_channels, H, W))`` -> logits ``(B, num_classes, H, W)`` (eval), or the tuple
    ``(out, seg_1, edge_1, ..., seg_4, edge_4)`` in training mode (deep supervision)."""

    size_multiple = 8
    # What each extra training output is, for the trainer's deep-supervision loss.
    side_outputs: tuple[str, ...] = ("seg", "edge") * 4

    def __init__(self, in_channels: int = 1, num_classes: int = 3, dim: int = 128) -> None:
        super().__init__()
        self.encoder = DilatedResNet50(in_channels)
        self.aspp = ASPP(2048, 256)
        pools = [(5, 7), (5, 7), (3, 5), (3, 5)]
        self.stages = nn.ModuleList(StageMultiTask(c, num_classes, p, dim) for c, p in zip((256, 512, 1024, 2048), pools))
        self.fusions = nn.ModuleList(CrossFeatureFusion(i, 4, dim) for i in range(4))
        self.decode4 = DecoderFuse(dim + 256, dim)
        self.decode3 = DecoderFuse(2 * dim, dim)
        self.decode2 = DecoderFuse(2 * dim, dim)
        self.decode1 = DecoderFuse(2 * dim, dim)
        self.head = nn.Sequential(conv_bn_relu(dim, dim, 3), nn.Conv2d(dim, num_classes, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        c = self.encoder(x)
        stage_out = [stage(ci) for stage, ci in zip(self.stages, c)]
        s = [o[0] for o in stage_out]
        fused = [cff(s) for cff in self.fusions]
        d = self.decode4(torch.cat([fused[3], self.aspp(c[3])], dim=1))
        d = self.decode3(torch.cat([fused[2], resize_to(d, fused[2])], dim=1))
        d = self.decode2(torch.cat([fused[1], resize_to(d, fused[1])], dim=1))
        d = self.decode1(torch.cat([fused[0], resize_to(d, fused[0])], dim=1))
        out = F.interpolate(self.head(d), size=x.shape[-2:], mode="bilinear", align_corners=False)
        if not self.training:
            return out
        sides: list[torch.Tensor] = []
        for _, seg, edge in stage_out:
            sides += [resize_to(seg, out), resize_to(edge, out)]
        return (out, *sides)
