"""Training: the recipe (``config``), the data a run sees (``dataset``), the losses of a step
(``objective``), the loop with hooks (``trainer``), resumable checkpoints (``checkpoint``), logs and
curves (``logs``), and ``run_training`` that ties them to a run folder (``run``)."""

from .config import TrainConfig, config_from_json, config_to_json
from .run import RunFolderError, run_training
from .trainer import Trainer

__all__ = ["RunFolderError", "TrainConfig", "Trainer", "config_from_json", "config_to_json", "run_training"]
