"""Seed networks: output shapes, parameter counts against the papers, gradient flow."""

from __future__ import annotations

import pytest
import torch

from segnets.networks import build_network, network_names
from segnets.networks.m2snet import FixedAllOnesFilter

# name -> (in_channels, num_classes of the paper's configuration, params in millions, source).
# Reference counts are "effective" (unused classifier heads excluded), as in ../shared/papers.
PAPER_PARAMS_M: dict[str, tuple[int, int, float, str]] = {
    "cmunext": (3, 1, 3.149, "cmunext.md: official code 3.149 M; authors' benchmark 3.14 M"),
    "cmunext-s": (3, 1, 0.418, "cmunext.md: official code, S variant"),
    "cmunext-l": (3, 1, 8.29, "cmunext.md: official code, L variant"),
    # Paper Table VI: ~27.7 M; the notes measured 27.83 M on the official code, whose extra ~0.14 M
    # we do not reproduce (we match the paper's figure; difference 0.5 %).
    "m2snet": (3, 1, 27.7, "m2snet.md: paper Table VI ~27.7 M (official code 27.83 M)"),
    "ba-net": (3, 2, 42.8, "ba-net.md: official code 42.8 M effective (ASPP 15.5 M)"),
    "convunext": (3, 2, 3.51, "convunext.md: official code 3.51 M"),
}
# Heavy nets are tested at 64x64 to keep the suite fast on 2 cores (their size multiples divide 64).
TEST_SIZE = 64


def count_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def test_every_registered_network_has_a_paper_parameter_count() -> None:
    assert sorted(PAPER_PARAMS_M) == sorted(network_names())


@pytest.mark.parametrize("name", network_names())
def test_parameter_count_is_within_10_percent_of_the_paper(name: str) -> None:
    cin, classes, paper, source = PAPER_PARAMS_M[name]
    ours = count_params(build_network(name, in_channels=cin, num_classes=classes)) / 1e6
    ct = count_params(build_network(name)) / 1e6
    print(f"{name}: ours {ours:.3f} M ({cin} in, {classes} out; CT config 1 in, 3 out: {ct:.3f} M), paper {paper:.3f} M ({source})")
    assert abs(ours - paper) / paper <= 0.10


@pytest.mark.parametrize("name", network_names())
def test_eval_output_is_logits_of_input_size_per_class(name: str) -> None:
    torch.manual_seed(0)
    net = build_network(name).eval()
    assert TEST_SIZE % net.size_multiple == 0
    with torch.no_grad():
        out = net(torch.rand(2, 1, TEST_SIZE, TEST_SIZE))
    assert isinstance(out, torch.Tensor)
    assert out.shape == (2, 3, TEST_SIZE, TEST_SIZE)
    assert torch.isfinite(out).all()


def test_ba_net_returns_deep_supervision_outputs_only_in_training_mode() -> None:
    torch.manual_seed(0)
    net = build_network("ba-net").train()
    outs = net(torch.rand(2, 1, TEST_SIZE, TEST_SIZE))
    assert isinstance(outs, tuple) and len(outs) == 9
    assert all(o.shape == (2, 3, TEST_SIZE, TEST_SIZE) for o in outs)


# The S and L variants share CMUNeXt's code; the smallest size each net accepts keeps this fast
# (ConvUNeXt's reflect padding needs 64).
GRAD_SIZE = {"cmunext": 32, "m2snet": 32, "ba-net": 32, "convunext": 64}


@pytest.mark.parametrize("name", sorted(GRAD_SIZE))
def test_gradients_reach_every_parameter(name: str) -> None:
    torch.manual_seed(0)
    net = build_network(name).train()
    outs = net(torch.rand(2, 1, GRAD_SIZE[name], GRAD_SIZE[name]))
    outs = outs if isinstance(outs, tuple) else (outs,)
    sum(o.square().mean() for o in outs).backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert missing == []
    zero = [n for n, p in net.named_parameters() if p.grad is not None and p.grad.abs().sum().item() == 0]
    assert len(zero) < len(list(net.parameters())) // 10, f"parameters with exactly zero gradient: {zero[:10]}"


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_fixed_all_ones_filter_equals_the_naive_dense_convolution(kernel_size: int) -> None:
    torch.manual_seed(0)
    f = FixedAllOnesFilter(64, kernel_size)
    x = torch.randn(2, 64, 11, 13)
    fast, naive = f.box_sum(x), f.naive_conv(x)
    assert fast.shape == naive.shape
    assert torch.allclose(fast, naive, rtol=1e-5, atol=1e-4 * naive.abs().max().item())


def test_fixed_all_ones_filter_has_no_learnable_conv_weights() -> None:
    f = FixedAllOnesFilter(64, 5)
    assert sorted(n for n, _ in f.named_parameters()) == ["norm.bias", "norm.weight"]


def test_unknown_network_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown network"):
        build_network("unet-9000")
