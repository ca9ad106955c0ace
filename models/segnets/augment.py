"""CT-slice augmentations, applied per batch with one sampling grid for image and target.

Geometric (the same warp for the image and its mask, so they stay aligned):
  * left-right and up-down flips (the COVID-SemiSeg crops come in both orientations);
  * rotation within +-``max_rotation_deg`` and isotropic scale in [1 - s, 1 + s], small translation;
  * grid distortion: a smooth random displacement field (a coarse ``grid_points`` x ``grid_points``
    lattice of offsets up to ``distortion`` of the half-width, bicubically upsampled) added to the
    affine grid: a cheap elastic deformation.
Images are resampled bilinearly, label maps with nearest neighbour, soft masks bilinearly; pixels
that come from outside the slice get 0 (black air in the 8-bit window) and background label.

Intensity (image only): window jitter ``x' = clip(a x + b)`` with contrast ``a`` and brightness
``b`` (what a slightly different display window does to an 8-bit slice), gamma, Gaussian noise.

Shapes: images ``(B, 1, H, W)`` float in [0, 1]; labels ``(B, H, W)`` int64; soft ``(B, H, W)`` float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AugmentConfig:
    flip_probability: float = 0.5
    max_rotation_deg: float = 15.0
    max_scale: float = 0.15
    max_translate: float = 0.05
    grid_points: int = 5
    distortion: float = 0.03
    contrast: float = 0.15
    brightness: float = 0.08
    gamma: float = 0.2
    noise_std: float = 0.02


def random_grid(batch: int, height: int, width: int, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Sampling grid ``(B, H, W, 2)`` in [-1, 1] coordinates: flips, rotation, scale, shift, distortion."""
    angle = (torch.rand(batch, generator=gen) * 2 - 1) * math.radians(cfg.max_rotation_deg)
    scale = 1 + (torch.rand(batch, generator=gen) * 2 - 1) * cfg.max_scale
    flip_x = torch.where(torch.rand(batch, generator=gen) < cfg.flip_probability, -1.0, 1.0)
    flip_y = torch.where(torch.rand(batch, generator=gen) < cfg.flip_probability, -1.0, 1.0)
    shift = (torch.rand(batch, 2, generator=gen) * 2 - 1) * cfg.max_translate
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.zeros(batch, 2, 3)
    theta[:, 0, 0], theta[:, 0, 1] = cos * flip_x, -sin * flip_y
    theta[:, 1, 0], theta[:, 1, 1] = sin * flip_x, cos * flip_y
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, [batch, 1, height, width], align_corners=False)
    if cfg.distortion > 0 and cfg.grid_points >= 2:
        coarse = (torch.rand(batch, 2, cfg.grid_points, cfg.grid_points, generator=gen) * 2 - 1) * cfg.distortion
        coarse[:, :, 0, :] = 0  # keep the border fixed so no content slides in from outside
        coarse[:, :, -1, :] = 0
        coarse[:, :, :, 0] = 0
        coarse[:, :, :, -1] = 0
        field = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
        grid = grid + field.permute(0, 2, 3, 1)
    return grid


def warp_image(images: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``(B, C, H, W)`` float, bilinear, zeros outside."""
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


def warp_labels(labels: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` integer labels, nearest neighbour, background outside."""
    warped = F.grid_sample(labels[:, None].float(), grid, mode="nearest", padding_mode="zeros", align_corners=False)
    return warped[:, 0].round().long()


def warp_soft(soft: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """``(B, H, W)`` probabilities, bilinear, 0 outside."""
    return F.grid_sample(soft[:, None], grid, mode="bilinear", padding_mode="zeros", align_corners=False)[:, 0]


def jitter_intensity(images: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator) -> torch.Tensor:
    """Window (contrast/brightness), gamma and noise jitter on ``(B, 1, H, W)`` images in [0, 1]."""
    b = images.shape[0]
    a = 1 + (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * cfg.contrast
    c = (torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * cfg.brightness
    g = torch.exp((torch.rand(b, 1, 1, 1, generator=gen) * 2 - 1) * cfg.gamma)
    out = (images * a + c).clamp(0, 1) ** g
    if cfg.noise_std > 0:
        out = out + torch.randn(images.shape, generator=gen) * cfg.noise_std
    return out.clamp(0, 1)


def augment_labelled(
    images: torch.Tensor, labels: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Same random warp on ``images (B, 1, H, W)`` and ``labels (B, H, W)``, then intensity jitter."""
    grid = random_grid(images.shape[0], images.shape[2], images.shape[3], cfg, gen)
    return jitter_intensity(warp_image(images, grid), cfg, gen), warp_labels(labels, grid)


def augment_pseudo(
    images: torch.Tensor, soft: torch.Tensor, cfg: AugmentConfig, gen: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """Same random warp on ``images (B, 1, H, W)`` and soft masks ``(B, H, W)``, then intensity jitter."""
    grid = random_grid(images.shape[0], images.shape[2], images.shape[3], cfg, gen)
    return jitter_intensity(warp_image(images, grid), cfg, gen), warp_soft(soft, grid)
