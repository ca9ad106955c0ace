"""Inference with a trained network in PyTorch (evaluation and validation use it; the app uses ONNX)."""

from .predict import normalise, predict_labels

__all__ = ["normalise", "predict_labels"]
