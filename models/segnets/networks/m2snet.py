"""M2SNet (Zhao et al., arXiv:2303.10894), re-implemented from ../shared/papers/m2snet.md.

Res2Net-50 encoder (random init: ImageNet weights cannot be downloaded here, a stated deviation),
64-channel reductions of levels 2-5, a pyramid of 10 multi-scale subtraction units (MSU), the
complementary-enhancement sums per level and a top-down decoder. One output, no deep supervision.

MSU(A, B) = Conv3x3-BN-ReLU( |A - B| + |f3(A) - f3(B)| + |f5(A) - f5(B)| ), A resized to B's size.
As in the official code, the 1x1 term is the plain per-channel difference (not a channel sum), and
f3/f5 are *one* pair of fixed all-ones kxk filters (64 -> 64 channels) + learnable BN + ReLU shared
by all 10 MSUs. An all-ones (C, C, k, k) conv gives every output channel the same map
``boxsum_k(sum_c x_c)``, so :class:`FixedAllOnesFilter` computes it as a channel sum plus one box
filter (``avg_pool * k^2``, zero padding = ``count_include_pad=True``) and broadcasts it: ~90 adds per
pixel instead of a 64x64xkxk dense conv (the naive form is kept for the equality test).
fp16 caution: the 5x5 sum adds 1600 values before BN.

All resizes are bilinear with ``align_corners=False`` (as the official code). The structure loss
and the LossNet substitute live in ``segnets.losses``.

Shapes: input ``(B, in_channels, H, W)``, H and W divisible by 32; output logits
``(B, num_classes, H, W)`` (computed at H/4 and upsampled x4).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .res2net import Res2Net50


def resize_to(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Bilinear resize of ``x`` to ``ref``'s H, W (no-op when equal)."""
    if x.shape[-2:] == ref.shape[-2:]:
        return x
    return F.interpolate(x, size=ref.shape[-2:], mode="bilinear", align_corners=False)


def conv_bn_relu(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class FixedAllOnesFilter(nn.Module):
    """Fixed all-ones kxk conv over ``channels`` -> ``channels`` (zero bias, zero padding k//2),
    then learnable BN + ReLU. ``(B, C, H, W) -> (B, C, H, W)``. No learnable conv weights."""

    def __init__(self, channels: int, kernel_size: int) -> None:
        super().__init__()
        self.channels, self.kernel_size = channels, kernel_size
        self.norm = nn.BatchNorm2d(channels)
        self.relu = nn.ReLU(inplace=True)

    def box_sum(self, x: torch.Tensor) -> torch.Tensor:
        """The all-ones conv, efficiently: ``(B, C, H, W) -> (B, C, H, W)`` (one map broadcast to C)."""
        k = self.kernel_size
        summed = x.sum(dim=1, keepdim=True)
        box = F.avg_pool2d(summed, k, stride=1, padding=k // 2, count_include_pad=True) * float(k * k)
        return box.expand(-1, self.channels, -1, -1)

    def naive_conv(self, x: torch.Tensor) -> torch.Tensor:
        """Reference: the literal dense all-ones conv of the official code (for tests)."""
        k = self.kernel_size
        weight = torch.ones(self.channels, x.shape[1], k, k, dtype=x.dtype, device=x.device)
        return F.conv2d(x, weight, padding=k // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.norm(self.box_sum(x)))


class MultiScaleSubtraction(nn.Module):
    """One MSU's learnable part: 3x3 conv + BN + ReLU on the summed multi-scale differences."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = conv_bn_relu(channels, channels)

    def forward(self, a: torch.Tensor, b: torch.Tensor, f3: FixedAllOnesFilter, f5: FixedAllOnesFilter) -> torch.Tensor:
        a = resize_to(a, b)
        diff = torch.abs(a - b) + torch.abs(f3(a) - f3(b)) + torch.abs(f5(a) - f5(b))
        return self.conv(diff)


class M2SNet(nn.Module):
    """``forward((B, in_channels, H, W)) -> (B, num_classes, H, W)`` logits."""

    size_multiple = 32

    def __init__(self, in_channels: int = 1, num_classes: int = 3, channels: int = 64) -> None:
        super().__init__()
        c = channels
        self.encoder = Res2Net50(in_channels)
        self.reduce2 = conv_bn_relu(256, c)
        self.reduce3 = conv_bn_relu(512, c)
        self.reduce4 = conv_bn_relu(1024, c)
        self.reduce5 = conv_bn_relu(2048, c)
        self.f3 = FixedAllOnesFilter(c, 3)
        self.f5 = FixedAllOnesFilter(c, 5)
        # Pyramid of subtraction units, named by the levels they cover.
        self.su54, self.su43, self.su32, self.su21 = (MultiScaleSubtraction(c) for _ in range(4))
        self.su543, self.su432, self.su321 = (MultiScaleSubtraction(c) for _ in range(3))
        self.su5432, self.su4321 = MultiScaleSubtraction(c), MultiScaleSubtraction(c)
        self.pre5432 = conv_bn_relu(c, c)
        self.su54321 = MultiScaleSubtraction(c)
        self.level3, self.level2, self.level1 = conv_bn_relu(c, c), conv_bn_relu(c, c), conv_bn_relu(c, c)
        self.decode5 = conv_bn_relu(2048, c)
        self.out4, self.out3, self.out2 = conv_bn_relu(c, c), conv_bn_relu(c, c), conv_bn_relu(c, c)
        self.head = nn.Conv2d(c, num_classes, 3, padding=1)

    def msu(self, unit: MultiScaleSubtraction, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return unit(a, b, self.f3, self.f5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2, x3, x4, x5 = self.encoder(x)
        r5, r4, r3, r2 = self.reduce5(x5), self.reduce4(x4), self.reduce3(x3), self.reduce2(x2)
        s54, s43, s32, s21 = self.msu(self.su54, r5, r4), self.msu(self.su43, r4, r3), self.msu(self.su32, r3, r2), self.msu(self.su21, r2, x1)
        s543, s432, s321 = self.msu(self.su543, s54, s43), self.msu(self.su432, s43, s32), self.msu(self.su321, s32, s21)
        s5432, s4321 = self.msu(self.su5432, s543, s432), self.msu(self.su4321, s432, s321)
        s54321 = self.msu(self.su54321, self.pre5432(s5432), s4321)
        level4 = s54
        level3 = self.level3(s43 + s543)
        level2 = self.level2(s32 + s432 + s5432)
        level1 = self.level1(s21 + s321 + s4321 + s54321)
        d = self.out4(resize_to(self.decode5(x5), level4) + level4)
        d = self.out3(resize_to(d, level3) + level3)
        d = self.out2(resize_to(d, level2) + level2)
        logits = self.head(resize_to(d, level1) + level1)
        return F.interpolate(logits, size=x.shape[-2:], mode="bilinear", align_corners=False)
