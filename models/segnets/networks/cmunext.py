"""CMUNeXt (Tang et al., ISBI 2024, arXiv:2308.01239), re-implemented from ../shared/papers/cmunext.md.

Large-kernel depthwise residual mixing + inverted bottleneck, with Skip-Fusion in the decoder.
Trained from scratch (no ImageNet weights needed). Faithful details kept on purpose:

* conv -> GELU -> BN order (activation before the norm), as in the authors' code;
* the residual covers only the depthwise part of a block;
* bilinear x2 upsampling with ``align_corners=False`` (exports as ONNX Resize, half_pixel);
* Skip-Fusion = grouped 3x3 conv (groups=2) + inverted bottleneck on ``[skip, up]``.

Shapes: input ``(B, in_channels, H, W)`` with H, W divisible by 16; output logits
``(B, num_classes, H, W)``. The paper uses no deep supervision; ``deep_supervision=True`` (our
training option, off by default) adds 1x1 side heads on the decoder stages at 1/8, 1/4 and 1/2
scale. In training mode ``forward`` then returns ``(main, side_8, side_4, side_2)``, every side
upsampled bilinearly to ``(B, num_classes, H, W)``; in eval/export mode only the main logits, so
the side heads never reach the ONNX graph (``segnets.training.checkpoint.strip_side_heads`` drops
their weights before export).
"""

from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

# (dims, depths, kernels) per published variant.
CMUNEXT_VARIANTS: dict[str, tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]]] = {
    "s": ((8, 16, 32, 64, 128), (1, 1, 1, 1, 1), (3, 3, 7, 7, 9)),
    "default": ((16, 32, 128, 160, 256), (1, 1, 1, 3, 1), (3, 3, 7, 7, 7)),
    "l": ((32, 64, 128, 256, 512), (1, 1, 1, 6, 3), (3, 3, 7, 7, 7)),
}


class ConvBnRelu(nn.Sequential):
    """3x3 conv (with bias) -> BN -> ReLU: changes the width after each encoder block."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=True),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class LargeKernelResidual(nn.Module):
    """x + BN(GELU(DWConv_kxk(x))): the large-kernel spatial mixing of a CMUNeXt block."""

    def __init__(self, channels: int, kernel_size: int) -> None:
        super().__init__()
        self.mix = nn.Sequential(
            nn.Conv2d(channels, channels, kernel_size, padding=kernel_size // 2, groups=channels),
            nn.GELU(),
            nn.BatchNorm2d(channels),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(x)


class CMUNeXtBlock(nn.Module):
    """``depth`` x (large-kernel residual + inverted bottleneck C->4C->C), then 3x3 conv C->C_out.

    ``(B, C, H, W) -> (B, C_out, H, W)``.
    """

    def __init__(self, in_channels: int, out_channels: int, depth: int, kernel_size: int) -> None:
        super().__init__()
        c = in_channels
        layers: list[nn.Module] = []
        for _ in range(depth):
            layers += [
                LargeKernelResidual(c, kernel_size),
                nn.Conv2d(c, 4 * c, 1),
                nn.GELU(),
                nn.BatchNorm2d(4 * c),
                nn.Conv2d(4 * c, c, 1),
                nn.GELU(),
                nn.BatchNorm2d(c),
            ]
        self.blocks = nn.Sequential(*layers)
        self.change_width = ConvBnRelu(c, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.change_width(self.blocks(x))


class UpConv(nn.Sequential):
    """Bilinear x2 (align_corners=False) -> 3x3 conv -> BN -> ReLU. ``(B, Cin, H, W) -> (B, Cout, 2H, 2W)``."""

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
            nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=True),
            nn.BatchNorm2d(out_channels),
            nn.ReLU(inplace=True),
        )


class SkipFusion(nn.Sequential):
    """Skip-Fusion on ``cat[skip, up]`` (2C channels): grouped 3x3 (groups=2) + inverted bottleneck.

    ``(B, 2C, H, W) -> (B, C_out, H, W)``; each group of the 3x3 conv sees one source only.
    """

    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__(
            nn.Conv2d(in_channels, in_channels, 3, padding=1, groups=2, bias=True),
            nn.GELU(),
            nn.BatchNorm2d(in_channels),
            nn.Conv2d(in_channels, 4 * out_channels, 1),
            nn.GELU(),
            nn.BatchNorm2d(4 * out_channels),
            nn.Conv2d(4 * out_channels, out_channels, 1),
            nn.GELU(),
            nn.BatchNorm2d(out_channels),
        )


class CMUNeXt(nn.Module):
    """CMUNeXt U-Net. ``forward((B, in_channels, H, W)) -> (B, num_classes, H, W)`` logits.

    ``variant`` is ``"s"``, ``"default"`` or ``"l"`` (widths/depths/kernels of the paper's S, base
    and L models); ``dims``/``depths``/``kernels`` override it.
    """

    size_multiple = 16

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 3,
        variant: str = "default",
        dims: Sequence[int] | None = None,
        depths: Sequence[int] | None = None,
        kernels: Sequence[int] | None = None,
        deep_supervision: bool = False,
    ) -> None:
        super().__init__()
        if variant not in CMUNEXT_VARIANTS:
            raise ValueError(f"unknown CMUNeXt variant {variant!r}; expected one of {sorted(CMUNEXT_VARIANTS)}")
        d0, dp0, k0 = CMUNEXT_VARIANTS[variant]
        d = tuple(dims) if dims is not None else d0
        dp = tuple(depths) if depths is not None else dp0
        k = tuple(kernels) if kernels is not None else k0
        if not (len(d) == len(dp) == len(k) == 5):
            raise ValueError("CMUNeXt needs 5 dims, 5 depths and 5 kernels")
        self.pool = nn.MaxPool2d(2, 2)
        self.stem = ConvBnRelu(in_channels, d[0])
        self.encoder1 = CMUNeXtBlock(d[0], d[0], dp[0], k[0])
        self.encoder2 = CMUNeXtBlock(d[0], d[1], dp[1], k[1])
        self.encoder3 = CMUNeXtBlock(d[1], d[2], dp[2], k[2])
        self.encoder4 = CMUNeXtBlock(d[2], d[3], dp[3], k[3])
        self.encoder5 = CMUNeXtBlock(d[3], d[4], dp[4], k[4])
        self.up5, self.fuse5 = UpConv(d[4], d[3]), SkipFusion(2 * d[3], d[3])
        self.up4, self.fuse4 = UpConv(d[3], d[2]), SkipFusion(2 * d[2], d[2])
        self.up3, self.fuse3 = UpConv(d[2], d[1]), SkipFusion(2 * d[1], d[1])
        self.up2, self.fuse2 = UpConv(d[1], d[0]), SkipFusion(2 * d[0], d[0])
        self.head = nn.Conv2d(d[0], num_classes, 1)
        self.deep_supervision = deep_supervision
        # What each extra training output is, for the trainer's deep-supervision loss.
        self.side_outputs: tuple[str, ...] = ("seg", "seg", "seg") if deep_supervision else ()
        if deep_supervision:
            self.side_heads = nn.ModuleList(nn.Conv2d(c, num_classes, 1) for c in (d[3], d[2], d[1]))

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        x1 = self.encoder1(self.stem(x))
        x2 = self.encoder2(self.pool(x1))
        x3 = self.encoder3(self.pool(x2))
        x4 = self.encoder4(self.pool(x3))
        x5 = self.encoder5(self.pool(x4))
        d5 = self.fuse5(torch.cat([x4, self.up5(x5)], dim=1))
        d4 = self.fuse4(torch.cat([x3, self.up4(d5)], dim=1))
        d3 = self.fuse3(torch.cat([x2, self.up3(d4)], dim=1))
        d = self.fuse2(torch.cat([x1, self.up2(d3)], dim=1))
        out = self.head(d)
        if not (self.training and self.deep_supervision):
            return out
        sides = [
            F.interpolate(head(f), size=x.shape[-2:], mode="bilinear", align_corners=False)
            for head, f in zip(self.side_heads, (d5, d4, d3))
        ]
        return (out, *sides)
