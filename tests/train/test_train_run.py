"""The run folder: unique ids, the state machine, checkpoint discovery, metrics rewind on resume."""

from __future__ import annotations

import pytest

from bbjcoder.errors import TrainError
from bbjcoder.train.run import MetricsWriter, RunDir, RunState


def test_each_run_gets_a_new_folder(tmp_path):
    a, b = RunDir.create(tmp_path, "x"), RunDir.create(tmp_path, "x")
    assert a.root != b.root and a.root.is_dir() and b.root.is_dir()
    assert a.id.startswith("x-") and b.id.startswith(a.id)


def test_state_moves_forward_only(tmp_path):
    run = RunDir.create(tmp_path, "s")
    state = RunState(run)
    assert state.state == "created"
    state.enter("instruct")  # pretrain disabled: skipping a stage is a forward move
    assert RunState(run).state == "instruct" and RunState(run).is_past("pretrain")
    with pytest.raises(TrainError, match=r"state.json: expected a state after 'instruct', got a move back to 'pretrain'"):
        state.enter("pretrain")


def test_last_checkpoint_skips_and_removes_incomplete_ones(tmp_path):
    run = RunDir.create(tmp_path, "c")
    folder = run.stage_dir("pretrain")
    for step, complete in ((2, True), (10, True), (12, False)):
        (folder / f"checkpoint-{step}").mkdir(parents=True)
        if complete:
            (folder / f"checkpoint-{step}" / "trainer_state.json").write_text("{}")
    assert run.last_checkpoint("pretrain") == folder / "checkpoint-10"  # numeric order, not text order
    assert not (folder / "checkpoint-12").exists()  # cut short by a kill while saving
    assert run.last_checkpoint("instruct") is None


def test_metrics_rewind_drops_what_the_resumed_steps_rewrite(tmp_path):
    metrics = MetricsWriter(tmp_path / "metrics.jsonl")
    for stage, step in (("pretrain", 4), ("instruct", 2), ("instruct", 4), ("instruct", 6)):
        metrics.write({"stage": stage, "step": step, "split": "train", "loss": 1.0, "lr": 0.1})
    metrics.rewind("instruct", 4)
    assert [(r["stage"], r["step"]) for r in metrics.read()] == [("pretrain", 4), ("instruct", 2), ("instruct", 4)]
    metrics.rewind("pretrain", -1)  # restarting stage 1 from scratch forgets it and everything after
    assert metrics.read() == []
