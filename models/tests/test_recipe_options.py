"""Recipe options for long runs: deep supervision, soft pseudo targets, consolidation balance,
--steps, and the generated train command; defaults leave the shipped recipe unchanged."""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pytest
import torch
from test_trainer import synthetic

from segnets.networks import build_network
from segnets.trainer import config_from_args, parse_args, train_command
from segnets.training.checkpoint import strip_side_heads
from segnets.training.config import TrainConfig
from segnets.training.objective import TrainingObjective, edge_labels, pseudo_infection_loss, soft_pseudo_infection_loss
from segnets.training.trainer import Trainer


def test_cmunext_side_heads_train_but_leave_the_eval_graph_and_its_weights_unchanged() -> None:
    torch.manual_seed(0)
    plain = build_network("cmunext-s")
    torch.manual_seed(0)
    deep = build_network("cmunext-s", deep_supervision=True)
    x = torch.rand(2, 1, 32, 32)
    outputs = deep.train()(x)
    assert isinstance(outputs, tuple) and len(outputs) == 1 + len(deep.side_outputs) == 4
    assert all(o.shape == (2, 3, 32, 32) for o in outputs)
    plain.load_state_dict(strip_side_heads(deep.state_dict()))
    assert torch.equal(plain.eval()(x), deep.eval()(x))
    # default construction draws the same initial weights as before the option existed
    assert all(torch.equal(a, b) for a, b in zip(plain.state_dict().values(), strip_side_heads(deep.state_dict()).values()))


def test_side_outputs_add_a_loss_term() -> None:
    cfg = TrainConfig(deep_supervision=True)
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    labels[:, 4:10, 4:10] = 1
    main = torch.randn(2, 3, 16, 16)
    loss_plain, parts_plain = TrainingObjective(cfg)(main, 2, labels, None)
    sides = (torch.randn(2, 3, 16, 16), torch.randn(2, 3, 16, 16))
    loss_deep, parts = TrainingObjective(cfg, ("seg", "edge"))((main, *sides), 2, labels, None)
    assert "loss_sides" not in parts_plain and parts["loss_sides"] > 0
    assert float(loss_deep) == pytest.approx(float(loss_plain) + cfg.side_weight * parts["loss_sides"], rel=1e-5)


def test_edge_labels_mark_each_class_border_with_its_class() -> None:
    labels = torch.zeros(1, 9, 9, dtype=torch.long)
    labels[0, 2:7, 2:7] = 2
    edges = edge_labels(labels)
    assert edges[0, 4, 4] == 0 and edges[0, 2, 4] == 2 and edges[0, 0, 0] == 0
    assert int((edges == 2).sum()) == 16  # the 5x5 square's rim


def test_soft_pseudo_targets_use_the_uncertain_band_that_band_mode_ignores() -> None:
    soft = torch.full((1, 8, 8), 0.5)
    a, b = torch.randn(1, 3, 8, 8), torch.randn(1, 3, 8, 8)
    assert float(pseudo_infection_loss(a, soft)) == float(pseudo_infection_loss(b, soft))
    assert float(soft_pseudo_infection_loss(a, soft)) != float(soft_pseudo_infection_loss(b, soft))
    logits = torch.zeros(1, 3, 8, 8)
    logits[:, 0] = float(np.log(2))  # p_background = p_infection = 0.5: the soft CE is at its minimum
    worse = logits.clone()
    worse[:, 0] = 3.0
    assert float(soft_pseudo_infection_loss(logits, soft)) < float(soft_pseudo_infection_loss(worse, soft))


def test_consolidation_share_draws_slices_with_consolidation_that_often() -> None:
    labelled = synthetic("labelled", 8)
    labelled.targets[2:] = np.where(labelled.targets[2:] == 2, 0, labelled.targets[2:])  # only slices 0, 1 hold consolidation
    cfg = TrainConfig(size=32, labelled_per_batch=1, consolidation_share=0.5)
    trainer = Trainer(cfg, build_network("cmunext-s"), labelled, None, synthetic("labelled", 1), Path("."), 0.5, 0.25)
    picks = np.array([trainer.choose_labelled()[0] for _ in range(2000)])
    assert 0.45 < np.isin(picks, [0, 1]).mean() < 0.55  # uniform sampling would give 0.25


def test_steps_sets_the_epochs_and_defaults_stay_the_shipped_recipe() -> None:
    args = parse_args(["train", "--steps", "20001", "--steps-per-epoch", "50", "--out", "x"])
    assert config_from_args(args).epochs == 401
    assert config_from_args(parse_args(["train", "--out", "x"])) == TrainConfig()


def test_the_generated_train_command_parses_back_to_the_same_recipe() -> None:
    cfg = TrainConfig(
        size=256, epochs=400, pseudo_mode="soft", pseudo_band=(0.2, 0.8), class_weights=(1.0, 1.0, 3.0), deep_supervision=True,
        heldout_pseudo_volume="",
    )
    argv = shlex.split(train_command(cfg, "runs/x"))[3:]
    assert config_from_args(parse_args(argv)) == cfg
