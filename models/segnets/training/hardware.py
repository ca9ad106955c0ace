"""Where a training session runs, described by code (for the manifest and the card)."""

from __future__ import annotations

import os
import platform
from typing import Any

import torch


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def describe_machine(device: str, threads: int) -> dict[str, Any]:
    """``{"device", "cpu", "cores", "threads", "torch", "gpu"?}`` for the session that calls it."""
    info: dict[str, Any] = {
        "device": device,
        "cpu": cpu_model(),
        "cores": usable_cores(),
        "threads": threads,
        "torch": torch.__version__,
    }
    if str(device).startswith("cuda") and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def hardware_in_words(machine: dict[str, Any]) -> str:
    """``"CPU: Intel Xeon ... (2 cores usable; torch 1.13.0, 2 threads)"`` or the GPU's name."""
    if machine.get("gpu"):
        return f"GPU: {machine['gpu']} (torch {machine['torch']})"
    cores, threads = plural(machine["cores"], "core"), plural(machine["threads"], "thread")
    return f"CPU: {machine['cpu']} ({cores} usable; torch {machine['torch']}, {threads})"
