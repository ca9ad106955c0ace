"""Losses: zero for a perfect prediction, positive otherwise, equal to hand-computed values."""

from __future__ import annotations

import math

import pytest
import torch

from segnets.losses import (
    BoundaryDoULoss,
    DiceCELoss,
    LossNetSubstitute,
    M2SNetLoss,
    PerceptualLoss,
    StructureLoss,
    boundary_dou_alpha,
    one_hot_labels,
)

LN3 = math.log(3.0)


def perfect_logits(target: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Logits whose softmax is exactly one-hot in float32 (exp(-200) underflows to 0)."""
    return one_hot_labels(target, num_classes) * 200.0 - 100.0


def lesion_batch() -> torch.Tensor:
    t = torch.zeros(2, 16, 16, dtype=torch.long)
    t[0, 3:9, 4:12] = 1
    t[0, 10:13, 2:5] = 2
    t[1, 5:12, 5:12] = 1
    return t


def tiny_example() -> tuple[torch.Tensor, torch.Tensor]:
    """1 image of 1x2 pixels, 2 classes; softmax gives p = (0.25, 0.75) then (0.75, 0.25); labels 1, 0."""
    logits = torch.tensor([[[[0.0, LN3]], [[LN3, 0.0]]]])  # (B=1, K=2, H=1, W=2)
    return logits, torch.tensor([[[1, 0]]])


def test_dice_ce_is_zero_for_a_perfect_prediction() -> None:
    t = lesion_batch()
    assert DiceCELoss(3)(perfect_logits(t, 3), t).item() == pytest.approx(0.0, abs=1e-6)


def test_dice_ce_is_positive_for_an_imperfect_prediction() -> None:
    t = lesion_batch()
    logits = perfect_logits(t, 3) * 0.01
    assert DiceCELoss(3)(logits, t).item() > 0.1


def test_dice_ce_matches_the_hand_computed_value() -> None:
    logits, target = tiny_example()
    # CE = -ln 0.75 at both pixels; foreground Dice = (2 * 0.75) / (1.0 + 1) = 0.75.
    expected = -math.log(0.75) + (1 - 0.75)
    assert DiceCELoss(2, smooth=0.0)(logits, target).item() == pytest.approx(expected, rel=1e-6)


def test_dice_ce_rejects_labels_outside_the_classes() -> None:
    logits, _ = tiny_example()
    with pytest.raises(ValueError, match="labels must lie"):
        DiceCELoss(2)(logits, torch.tensor([[[0, 2]]]))


@pytest.mark.parametrize(("side", "alpha"), [(2, -1.0), (4, -0.5), (10, 0.28), (20, 0.62), (50, 0.8)])
def test_boundary_dou_alpha_follows_one_minus_two_contour_over_area_capped_at_0_8(side: int, alpha: float) -> None:
    t = torch.zeros(1, 64, 64, dtype=torch.long)
    t[0, 5 : 5 + side, 5 : 5 + side] = 1
    assert boundary_dou_alpha(one_hot_labels(t, 2))[1].item() == pytest.approx(alpha, abs=1e-4)


def test_boundary_dou_alpha_counts_the_image_border_as_boundary() -> None:
    t = torch.ones(1, 4, 4, dtype=torch.long)  # whole image foreground: the 12 border pixels are contour
    assert boundary_dou_alpha(one_hot_labels(t, 2))[1].item() == pytest.approx(1 - 2 * 12 / 16, abs=1e-5)


def test_boundary_dou_is_zero_for_a_perfect_prediction() -> None:
    t = lesion_batch()
    assert BoundaryDoULoss(3)(perfect_logits(t, 3), t).item() == pytest.approx(0.0, abs=1e-5)


def test_boundary_dou_is_positive_for_an_imperfect_prediction() -> None:
    t = lesion_batch()
    assert BoundaryDoULoss(3)(perfect_logits(t, 3) * 0.01, t).item() > 0.1


def test_boundary_dou_matches_the_hand_computed_value() -> None:
    logits, target = tiny_example()
    # Each class has 1 pixel, on the border: C = S = 1, alpha = -1 (Dice form).
    # Z = 0.25^2 + 0.75^2 = 0.625, Y = 1, I = 0.75: L = (1.625 - 1.5) / (1.625 - 0) = 1/13 per class.
    assert BoundaryDoULoss(2, eps=0.0)(logits, target).item() == pytest.approx(1 / 13, rel=1e-6)


def test_boundary_dou_ignores_classes_absent_from_the_batch() -> None:
    t = torch.zeros(1, 8, 8, dtype=torch.long)
    t[0, 2:6, 2:6] = 1  # no consolidation anywhere
    loss, present = BoundaryDoULoss(3).per_class(perfect_logits(t, 3), t)
    assert present.tolist() == [True, True, False]
    assert loss[2].item() == pytest.approx(1.0)  # official constant, excluded from the mean
    assert BoundaryDoULoss(3)(perfect_logits(t, 3), t).item() == pytest.approx(0.0, abs=1e-5)


def test_losses_pass_gradients_to_the_logits() -> None:
    t = lesion_batch()
    logits = torch.randn(2, 3, 16, 16, requires_grad=True)
    (DiceCELoss(3)(logits, t) + BoundaryDoULoss(3)(logits, t)).backward()
    assert logits.grad is not None and logits.grad.abs().sum().item() > 0


# --- structure loss (M2SNet) ---------------------------------------------------------------


def test_structure_loss_is_zero_for_a_perfect_prediction() -> None:
    t = lesion_batch()
    assert StructureLoss(3)(perfect_logits(t, 3), t).item() == pytest.approx(0.0, abs=1e-5)
    binary = (t > 0).long()
    assert StructureLoss(1)((binary.float() * 200 - 100).unsqueeze(1), binary).item() == pytest.approx(0.0, abs=1e-5)


def test_structure_loss_is_positive_for_an_imperfect_prediction() -> None:
    t = lesion_batch()
    assert StructureLoss(3)(perfect_logits(t, 3) * 0.01, t).item() > 0.1


def test_structure_loss_matches_the_hand_computed_value() -> None:
    # Binary, 1x2 image, mask (1, 0), p = sigmoid(ln 3) = 0.75 at both pixels.
    # The 31x31 zero-padded mean of the mask is 1/961 at both pixels:
    w0, w1 = 1 + 5 * (960 / 961), 1 + 5 * (1 / 961)
    wbce = (w0 * -math.log(0.75) + w1 * -math.log(0.25)) / (w0 + w1)
    inter = w0 * 0.75
    union = w0 * (0.75 + 1) + w1 * 0.75
    wiou = 1 - (inter + 1) / (union - inter + 1)
    logits = torch.full((1, 1, 1, 2), LN3)
    assert StructureLoss(1)(logits, torch.tensor([[[1, 0]]])).item() == pytest.approx(wbce + wiou, rel=1e-5)


def test_structure_loss_can_reproduce_the_official_unweighted_bce() -> None:
    logits = torch.full((1, 1, 1, 2), LN3)
    target = torch.tensor([[[1, 0]]])
    w0, w1 = 1 + 5 * (960 / 961), 1 + 5 * (1 / 961)
    wiou = 1 - (w0 * 0.75 + 1) / (w0 * 1.75 + w1 * 0.75 - w0 * 0.75 + 1)
    plain_bce = (-math.log(0.75) - math.log(0.25)) / 2
    official = StructureLoss(1, reproduce_official_bce=True)(logits, target).item()
    assert official == pytest.approx(plain_bce + wiou, rel=1e-5)


def test_structure_loss_softmax_form_equals_sigmoid_form_for_two_classes() -> None:
    # softmax over (0, z) is sigmoid(z): the 2-class path must agree with the binary one.
    torch.manual_seed(0)
    z = torch.randn(2, 1, 16, 16)
    t = lesion_batch().clamp(max=1)
    two = StructureLoss(2)(torch.cat([torch.zeros_like(z), z], dim=1), t)
    assert two.item() == pytest.approx(StructureLoss(1)(z, t).item(), rel=1e-5)


# --- LossNet substitute (perceptual loss) ----------------------------------------------------


def test_perceptual_loss_matches_the_hand_computed_value() -> None:
    # One block that averages the 3 copied channels: phi(P) = P, so the loss is MSE(P, G).
    mean_of_copies = torch.nn.Conv2d(3, 1, 1, bias=False)
    torch.nn.init.constant_(mean_of_copies.weight, 1 / 3)
    loss = PerceptualLoss([mean_of_copies], normalize_imagenet=False, resize=None)
    logits, target = tiny_example()  # foreground p = (0.75, 0.25), mask (1, 0)
    assert loss(logits, target).item() == pytest.approx((0.25**2 + 0.25**2) / 2, rel=1e-6)


def test_lossnet_substitute_is_zero_for_a_perfect_prediction_and_positive_otherwise() -> None:
    t = lesion_batch()
    lossnet = LossNetSubstitute(resize=32)
    assert lossnet(perfect_logits(t, 3), t).item() == pytest.approx(0.0, abs=1e-6)
    assert lossnet(perfect_logits(t, 3) * 0.01, t).item() > 0


def test_lossnet_substitute_is_frozen_but_passes_gradients_to_the_prediction() -> None:
    t = lesion_batch()
    lossnet = LossNetSubstitute(resize=32).train()
    logits = torch.randn(2, 3, 16, 16, requires_grad=True)
    M2SNetLoss(3, lossnet=lossnet)(logits, t).backward()
    assert logits.grad is not None and logits.grad.abs().sum().item() > 0
    assert all(p.grad is None and not p.requires_grad for p in lossnet.parameters())
    assert not lossnet.blocks.training


def test_lossnet_substitute_is_the_same_for_the_same_seed() -> None:
    a, b = LossNetSubstitute(seed=3, resize=None), LossNetSubstitute(seed=3, resize=None)
    assert all(torch.equal(x, y) for x, y in zip(a.parameters(), b.parameters()))
    assert sum(p.numel() for p in a.parameters()) == 7_635_264  # VGG-16 up to relu4_3 (notes: 7.64 M)
