"""A stopped run, resumed from last.pt, ends with the weights, optimiser state and history of an
uninterrupted run (same seed, same thread count, CPU); SIGTERM and Ctrl-C leave a resumable
checkpoint; the run folder refuses a silent restart or a changed recipe."""

from __future__ import annotations

import csv
import json
import os
import signal
from pathlib import Path

import pytest
import torch
from synthetic_semiseg import tiny_recipe, write_semiseg
from test_trainer import synthetic

from segnets.networks import build_network
from segnets.trainer import EXIT_STOPPED, main
from segnets.training.config import TrainConfig
from segnets.training.trainer import Trainer

CFG = dict(net="cmunext-s", size=32, epochs=3, steps_per_epoch=2, labelled_per_batch=2, pseudo_per_batch=2, warmup_epochs=1, min_epochs=1)


@pytest.fixture(autouse=True)
def one_thread() -> object:
    """One thread: fast on a loaded 2-core machine, and the determinism claim is per thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class StoppedTrainer(Trainer):
    """Sends itself ``signum`` during optimiser step ``stop_at`` (as `kill` or Ctrl-C would)."""

    stop_at = 0
    signum = signal.SIGTERM

    def train_step(self, batch: dict[str, torch.Tensor]) -> dict[str, float]:
        parts = super().train_step(batch)
        if self.step == self.stop_at:
            os.kill(os.getpid(), self.signum)
        return parts


def make_trainer(cls: type[Trainer], out: Path, **overrides: object) -> Trainer:
    torch.manual_seed(0)
    cfg = TrainConfig(**{**CFG, **overrides})  # type: ignore[arg-type]
    data = synthetic("labelled", 4), synthetic("pseudo", 4), synthetic("labelled", 2)
    return cls(cfg, build_network(cfg.net), *data, out, 0.5, 0.25, log=lambda _: None)


def assert_same_run(a: Trainer, b: Trainer) -> None:
    sa, sb = a.network.state_dict(), b.network.state_dict()
    assert all(torch.equal(sa[k], sb[k]) for k in sa), "weights differ"
    oa, ob = a.optimizer.state_dict()["state"], b.optimizer.state_dict()["state"]
    assert all(torch.equal(oa[i][k], ob[i][k]) for i in oa for k in oa[i]), "optimiser state differs"
    assert (a.step, a.epoch, a.best_epoch, a.best_score) == (b.step, b.epoch, b.best_epoch, b.best_score)
    keys = [k for k in a.history[0] if k not in ("epoch_seconds", "elapsed_minutes")]
    assert [[h[k] for k in keys] for h in a.history] == [[h[k] for k in keys] for h in b.history]
    assert a.rng.bit_generator.state == b.rng.bit_generator.state
    assert torch.equal(a.gen.get_state(), b.gen.get_state())


@pytest.mark.parametrize(
    "stop_at, signum",
    [(3, signal.SIGTERM), (4, signal.SIGTERM), (1, signal.SIGINT)],
    ids=["sigterm-mid-epoch", "sigterm-at-epoch-end", "ctrl-c-first-step"],
)
def test_a_stopped_and_resumed_run_ends_bit_identical_to_an_uninterrupted_one(tmp_path: Path, stop_at: int, signum: int) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole = make_trainer(Trainer, tmp_path / "a")
    whole.fit()
    first = make_trainer(StoppedTrainer, tmp_path / "b")
    first.stop_at, first.signum = stop_at, signum  # type: ignore[attr-defined]
    summary = first.fit()
    assert summary["interrupted"] and first.step == stop_at
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored after fit
    second = make_trainer(Trainer, tmp_path / "b")
    second.resume(tmp_path / "b" / "last.pt")
    summary = second.fit()
    assert summary["stop_reason"] == "completed" and not summary["interrupted"]
    assert_same_run(whole, second)
    assert len(summary["sessions"]) == 2 and summary["sessions"][0]["endStep"] == stop_at
    with open(tmp_path / "b" / "log.csv") as fh:
        assert [int(float(r["epoch"])) for r in csv.DictReader(fh)] == [0, 1, 2]


def test_mid_epoch_checkpoints_resume_to_the_same_weights(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    whole = make_trainer(Trainer, tmp_path / "a", steps_per_epoch=3, epochs=2)
    whole.fit()
    # A hard kill after step 4 leaves the checkpoint written every 2 steps (step 4, mid-epoch 1).
    partial = make_trainer(Trainer, tmp_path / "b", steps_per_epoch=3, epochs=2, checkpoint_every_steps=2)
    saved: list[int] = []
    original = partial.on_checkpoint

    def keep_step(path: Path, record: dict[str, float] | None) -> None:
        original(path, record)
        saved.append(partial.step)
        if partial.step == 4:
            raise SystemExit("killed")

    partial.on_checkpoint = keep_step  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        partial.fit()
    assert saved == [2, 3, 3, 4]  # step 2 (mid-epoch), epoch end (last + best), step 4 (mid-epoch)
    resumed = make_trainer(Trainer, tmp_path / "b", steps_per_epoch=3, epochs=2, checkpoint_every_steps=2)
    resumed.resume(tmp_path / "b" / "last.pt")
    assert resumed.step_in_epoch == 1
    resumed.fit()
    assert_same_run(whole, resumed)


def test_best_checkpoint_holds_only_weights_and_fp16_halves_it(tmp_path: Path) -> None:
    for precision in ("fp32", "fp16"):
        (tmp_path / precision).mkdir()
        make_trainer(Trainer, tmp_path / precision, epochs=1, best_precision=precision).fit()
    best = torch.load(tmp_path / "fp16" / "best.pt")
    assert "optimizer" not in best and "rng" not in best
    assert all(v.dtype == torch.float16 for v in best["state_dict"].values() if v.is_floating_point())
    assert (tmp_path / "fp16" / "best.pt").stat().st_size < 0.7 * (tmp_path / "fp32" / "best.pt").stat().st_size
    assert not list(tmp_path.glob("*/*.tmp"))


def test_the_cli_resumes_a_stopped_run_and_refuses_a_restart_or_a_changed_recipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_semiseg(tmp_path / "data")
    run = tmp_path / "run"
    assert main(tiny_recipe(data, run, "--max-minutes", "1e-9")) == EXIT_STOPPED  # budget spent after epoch 0
    assert json.loads((run / "summary.json").read_text())["stop_reason"] == "time budget"
    assert main(tiny_recipe(data, run)) == 2
    assert "--resume" in capsys.readouterr().err
    assert main(tiny_recipe(data, run, "--lr", "0.1", "--resume")) == 2
    assert "lr: started" in capsys.readouterr().err
    # Only the operational budget changes: the run completes its 2 epochs.
    assert main(["train", "--out", str(run), "--resume", "--max-minutes", "0"]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert (summary["stop_reason"], summary["epochs_run"], summary["steps"]) == ("completed", 2, 4)
    assert len((run / "log.csv").read_text().splitlines()) == 1 + 2
