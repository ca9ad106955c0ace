"""Registry of the seed networks: ``build_network(name, **kw)``.

Every network takes ``in_channels`` (1 for CT) and ``num_classes`` (3: background, ground-glass
opacity, consolidation), maps ``(B, in_channels, H, W)`` to logits ``(B, num_classes, H, W)`` in
eval mode, and has a ``size_multiple`` attribute (H and W must be multiples of it).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any, Callable

from torch import nn

# name -> (module, class, fixed keyword arguments)
_REGISTRY: dict[str, tuple[str, str, dict[str, Any]]] = {
    "cmunext": ("cmunext", "CMUNeXt", {"variant": "default"}),
    "cmunext-s": ("cmunext", "CMUNeXt", {"variant": "s"}),
    "cmunext-l": ("cmunext", "CMUNeXt", {"variant": "l"}),
    "m2snet": ("m2snet", "M2SNet", {}),
    "ba-net": ("ba_net", "BANet", {}),
    "convunext": ("convunext", "ConvUNeXt", {}),
}


def network_names() -> list[str]:
    return list(_REGISTRY)


def network_class(name: str) -> Callable[..., nn.Module]:
    if name not in _REGISTRY:
        raise ValueError(f"unknown network {name!r}; expected one of {', '.join(_REGISTRY)}")
    module, cls, _ = _REGISTRY[name]
    return getattr(import_module(f"{__name__}.{module}"), cls)


def build_network(name: str, in_channels: int = 1, num_classes: int = 3, **kw: Any) -> nn.Module:
    """Builds a registered network with random initial weights (on CPU; move it with ``.to(device)``)."""
    fixed = dict(_REGISTRY[name][2]) if name in _REGISTRY else {}
    fixed.update(kw)
    return network_class(name)(in_channels=in_channels, num_classes=num_classes, **fixed)


__all__ = ["build_network", "network_class", "network_names"]
