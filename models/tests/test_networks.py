"""Seed networks: output shapes, parameter counts against the papers, gradient flow."""

from __future__ import annotations

import pytest
import torch

from segnets.networks import build_network, network_names

# name -> (paper params in millions for 1 input channel / 3 classes where known, source, test size)
PAPER_PARAMS_M: dict[str, tuple[float, str]] = {
    "cmunext": (3.149, "notes cmunext.md (official code 3.149 M; authors' benchmark 3.14 M)"),
    "cmunext-s": (0.418, "notes cmunext.md (official code, S variant)"),
    "cmunext-l": (8.29, "notes cmunext.md (official code, L variant)"),
}
TEST_SIZE = {"m2snet": 64, "ba-net": 64, "convunext": 64}


def count_params(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize("name", [n for n in network_names() if n in PAPER_PARAMS_M])
def test_parameter_count_is_within_10_percent_of_the_paper(name: str) -> None:
    ours = count_params(build_network(name)) / 1e6
    paper, source = PAPER_PARAMS_M[name]
    print(f"{name}: ours {ours:.3f} M, paper {paper:.3f} M ({source})")
    assert abs(ours - paper) / paper <= 0.10


@pytest.mark.parametrize("name", ["cmunext", "cmunext-s", "cmunext-l"])
def test_eval_output_is_logits_of_input_size_per_class(name: str) -> None:
    torch.manual_seed(0)
    net = build_network(name).eval()
    size = TEST_SIZE.get(name, 64)
    with torch.no_grad():
        out = net(torch.rand(2, 1, size, size))
    assert out.shape == (2, 3, size, size)
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["cmunext"])
def test_gradients_reach_every_parameter(name: str) -> None:
    torch.manual_seed(0)
    net = build_network(name).train()
    out = net(torch.rand(2, 1, 64, 64))
    out = out[0] if isinstance(out, (tuple, list)) else out
    out.square().mean().backward()
    missing = [n for n, p in net.named_parameters() if p.grad is None or not torch.isfinite(p.grad).all()]
    assert missing == []
    assert sum(p.grad.abs().sum().item() for p in net.parameters() if p.grad is not None) > 0


def test_unknown_network_names_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown network"):
        build_network("unet-9000")
