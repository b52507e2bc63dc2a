"""Kill a real `bbjcoder train` process with SIGKILL in the middle of stage 2, resume it, finish with every artifact."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

INSTRUCT_STEPS = 40


def _wait_for(predicate, proc, timeout=120.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        if proc.poll() is not None:
            return False
        time.sleep(0.02)
    return False


@pytest.mark.slow
def test_sigkill_mid_stage_then_resume_to_completion(micro, data_dir, tmp_path):
    raw = micro(data_dir, tmp_path / "runs")
    raw["instruct"] = {"max_steps": INSTRUCT_STEPS, "eval_steps": 4, "save_steps": 4}
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(raw))
    cmd = [sys.executable, "-m", "bbjcoder.cli", "train"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    # 1. start a run and kill it once stage 2 has a complete checkpoint
    proc = subprocess.Popen(cmd + [str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    ckpt = lambda: next((tmp_path / "runs").glob("t-*/checkpoints/instruct/checkpoint-8/trainer_state.json"), None)  # noqa: E731
    try:
        reached = _wait_for(ckpt, proc)
        assert reached, f"never reached instruct step 8: {proc.communicate()[1].decode()[-2000:]}"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    run = ckpt().parents[3]
    assert json.loads((run / "state.json").read_text())["state"] == "instruct"
    assert not (run / "model").exists()

    # 2. resume to completion
    done = subprocess.run(cmd + ["--resume", str(run)], capture_output=True, env=env, timeout=300)
    err = done.stderr.decode()
    assert done.returncode == 0, err[-3000:]
    assert done.stdout.decode().strip().splitlines()[-1] == str(run)
    assert "pretrain: already done in this run, skipped" in err
    assert "instruct: resuming from" in err and "checkpoint-0" not in err

    # 3. every artifact, and a metrics history without gaps or repeats
    assert json.loads((run / "state.json").read_text())["state"] == "done"
    for path in ("config.yaml", "dataset.json", "metrics.jsonl", "loss.png", "tokenizer/tokenizer.json",
                 "model/model.safetensors", "checkpoints/pretrain/final", "checkpoints/instruct/final"):
        assert (run / path).exists(), path
    assert list((run / "tensorboard" / "instruct").glob("events.out.tfevents.*"))
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    train_steps = [m["step"] for m in metrics if m["stage"] == "instruct" and m["split"] == "train"]
    assert train_steps == list(range(1, INSTRUCT_STEPS + 1))
    val_steps = [m["step"] for m in metrics if m["stage"] == "instruct" and m["split"] == "validation"]
    assert val_steps == list(range(0, INSTRUCT_STEPS + 1, 4))
    last = json.loads((run / f"checkpoints/instruct/checkpoint-{INSTRUCT_STEPS}/trainer_state.json").read_text())
    assert last["global_step"] == INSTRUCT_STEPS
    assert not list(Path(run).glob("**/*.tmp"))
