"""ConvUNeXt (Han, Jian, Wang, Knowledge-Based Systems 2022), re-implemented from
../shared/papers/convunext.md.

* Block: depthwise 7x7 conv (reflect padding) -> BN -> 1x1 conv C->4C -> GELU -> 1x1 conv 4C->C
  -> BN -> GELU(x + residual). The official Linear layers on channels-last tensors are written as
  1x1 convs (same maths and parameter count, no Transpose/MatMul in the ONNX graph).
* Encoder: 7x7 stem conv + BN + GELU + 1 block; four downsamplings BN -> 2x2 stride-2 conv, with
  1, 1, 3, 1 blocks (stage ratio 1:1:3:1); bilinear variant (deepest width halved).
* Decoder ``Up``: BN -> bilinear x2 -> LSTM-like gate on the skip, per pixel and channel:
  ``[g1, g2, g3] = W(x1)``; ``x2' = sigmoid(W1(g1 + x2)) * x2 + sigmoid(g2) * tanh(g3)``;
  ``x2'' = W2(x2')``; then 1x1 conv on ``cat[x2'', x1]`` and one block.

Deviation: the official upsampling uses ``align_corners=True``; we train from scratch and use
``align_corners=False`` (half-pixel Resize, supported by every onnxruntime provider we target).

Shapes: input ``(B, in_channels, H, W)``, H and W divisible by 16 and >= 64 (reflect padding of
3 needs at least 4 pixels at 1/16 scale); output logits ``(B, num_classes, H, W)``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvUNeXtBlock(nn.Module):
    """``(B, C, H, W) -> (B, C, H, W)``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        c = channels
        self.dwconv = nn.Conv2d(c, c, 7, padding=3, groups=c, padding_mode="reflect")
        self.norm1 = nn.BatchNorm2d(c)
        self.pw1 = nn.Conv2d(c, 4 * c, 1)
        self.act1 = nn.GELU()
        self.pw2 = nn.Conv2d(4 * c, c, 1)
        self.norm2 = nn.BatchNorm2d(c)
        self.act2 = nn.GELU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm2(self.pw2(self.act1(self.pw1(self.norm1(self.dwconv(x))))))
        return self.act2(x + y)


class Down(nn.Sequential):
    """BN -> 2x2 stride-2 conv -> ``blocks`` blocks. ``(B, Cin, H, W) -> (B, Cout, H/2, W/2)``."""

    def __init__(self, in_channels: int, out_channels: int, blocks: int = 1) -> None:
        super().__init__(
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, out_channels, 2, stride=2),
            *[ConvUNeXtBlock(out_channels) for _ in range(blocks)],
        )


class Up(nn.Module):
    """Gated skip fusion. ``x1 (B, C, h, w)`` deeper, ``x2 (B, C, 2h, 2w)`` skip -> ``(B, Cout, 2h, 2w)``."""

    def __init__(self, in_channels: int, out_channels: int, blocks: int = 1) -> None:
        super().__init__()
        c = in_channels // 2
        self.channels = c
        self.norm = nn.BatchNorm2d(c)
        self.gates = nn.Conv2d(c, 3 * c, 1)
        self.forget = nn.Conv2d(c, c, 1)
        self.mix = nn.Conv2d(c, c, 1)
        self.fuse = nn.Conv2d(2 * c, out_channels, 1)
        self.blocks = nn.Sequential(*[ConvUNeXtBlock(out_channels) for _ in range(blocks)])

    def forward(self, x1: torch.Tensor, x2: torch.Tensor) -> torch.Tensor:
        x1 = F.interpolate(self.norm(x1), size=x2.shape[-2:], mode="bilinear", align_corners=False)
        g1, g2, g3 = torch.split(self.gates(x1), self.channels, dim=1)
        skip = torch.sigmoid(self.forget(g1 + x2)) * x2 + torch.sigmoid(g2) * torch.tanh(g3)
        return self.blocks(self.fuse(torch.cat([self.mix(skip), x1], dim=1)))


class ConvUNeXt(nn.Module):
    """``forward((B, in_channels, H, W)) -> (B, num_classes, H, W)`` logits."""

    size_multiple = 16

    def __init__(self, in_channels: int = 1, num_classes: int = 3, base_channels: int = 32) -> None:
        super().__init__()
        b = base_channels
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, b, 7, padding=3, padding_mode="reflect"),
            nn.BatchNorm2d(b),
            nn.GELU(),
            ConvUNeXtBlock(b),
        )
        self.down1 = Down(b, 2 * b, 1)
        self.down2 = Down(2 * b, 4 * b, 1)
        self.down3 = Down(4 * b, 8 * b, 3)
        self.down4 = Down(8 * b, 8 * b, 1)  # bilinear variant: 16b // 2
        self.up1 = Up(16 * b, 4 * b)
        self.up2 = Up(8 * b, 2 * b)
        self.up3 = Up(4 * b, b)
        self.up4 = Up(2 * b, b)
        self.head = nn.Conv2d(b, num_classes, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.stem(x)
        x2 = self.down1(x1)
        x3 = self.down2(x2)
        x4 = self.down3(x3)
        x5 = self.down4(x4)
        d = self.up1(x5, x4)
        d = self.up2(d, x3)
        d = self.up3(d, x2)
        d = self.up4(d, x1)
        return self.head(d)
