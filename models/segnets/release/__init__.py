"""Release of a trained run: ONNX export, manifest and model card, all generated from the run folder."""

from .finalize import finalize_run

__all__ = ["finalize_run"]
