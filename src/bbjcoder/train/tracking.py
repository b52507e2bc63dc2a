"""Tracking: what the Trainer reports goes to metrics.jsonl, TensorBoard and an optional Reporter (the UI).

Library code never prints: the CLI passes a Reporter (progress.RichReporter); tests pass none.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

from transformers import TrainerCallback

from .run import MetricsWriter

__all__ = ["Reporter", "NullReporter", "TrackingCallback", "check_backends"]


def check_backends(backends: list[str], wandb_project: str | None) -> None:
    """Fail before training when a requested backend is missing; point wandb at the configured project."""
    import importlib.util
    import os

    from ..errors import TrainError

    if "wandb" in backends:
        if importlib.util.find_spec("wandb") is None:
            raise TrainError("tracking.backends includes wandb but it is not installed: pip install wandb, or drop it")
        os.environ.setdefault("WANDB_PROJECT", wandb_project or "bbjcoder")


class Reporter(Protocol):
    """Receives progress events; every method is optional to act upon."""

    def stage_started(self, stage: str, total_steps: int, start_step: int, info: dict[str, Any]) -> None: ...

    def step(self, stage: str, step: int) -> None: ...

    def logged(self, stage: str, step: int, record: dict[str, Any]) -> None: ...

    def stage_finished(self, stage: str, summary: dict[str, Any]) -> None: ...

    def note(self, message: str) -> None: ...


class NullReporter:
    def stage_started(self, stage, total_steps, start_step, info):
        pass

    def step(self, stage, step):
        pass

    def logged(self, stage, step, record):
        pass

    def stage_finished(self, stage, summary):
        pass

    def note(self, message):
        pass


class TrackingCallback(TrainerCallback):
    """Turns Trainer logs into metrics.jsonl lines {stage, step, split, loss, lr, ...} and Reporter events.

    tokens/s comes from TRL's running `num_tokens` (tokens fed to the model, padding excluded) between two logs.
    """

    def __init__(self, stage: str, metrics: MetricsWriter, reporter: Reporter, info: dict[str, Any]) -> None:
        self.stage = stage
        self.metrics = metrics
        self.reporter = reporter
        self.info = info
        self._last: tuple[float, float] | None = None  # (time, num_tokens) at the previous train log
        self._resync = False
        self.first_eval: float | None = None
        self.last_eval: float | None = None
        self.best_eval: float | None = None

    def on_train_begin(self, args, state, control, **kwargs):
        self._last = (time.time(), 0.0)
        self._resync = True
        if state.is_world_process_zero:
            self.reporter.stage_started(self.stage, state.max_steps, state.global_step, self.info)

    def on_step_begin(self, args, state, control, **kwargs):
        if self._resync and self._last is not None:  # leave validation time out of tokens/s
            self._last = (time.time(), self._last[1])
            self._resync = False

    def on_evaluate(self, args, state, control, **kwargs):
        self._resync = True

    def on_step_end(self, args, state, control, **kwargs):
        if state.is_world_process_zero:
            self.reporter.step(self.stage, state.global_step)

    def on_log(self, args, state, control, logs=None, **kwargs):
        if not state.is_world_process_zero or not logs:
            return
        record = self._record(state, logs)
        if record is not None:
            self.metrics.write(record)
            self.reporter.logged(self.stage, state.global_step, record)

    def _record(self, state, logs: dict[str, Any]) -> dict[str, Any] | None:
        base = {"stage": self.stage, "step": state.global_step, "epoch": round(state.epoch or 0.0, 4), "time": round(time.time(), 3)}
        if "eval_loss" in logs:
            loss = float(logs["eval_loss"])
            self.first_eval = loss if self.first_eval is None else self.first_eval
            self.last_eval = loss
            self.best_eval = loss if self.best_eval is None else min(self.best_eval, loss)
            return {**base, "split": "validation", "loss": loss, "lr": None}
        if "loss" in logs:
            record = {**base, "split": "train", "loss": float(logs["loss"]), "lr": logs.get("learning_rate")}
            now, tokens = time.time(), float(logs.get("num_tokens", 0.0))
            if self._last is not None and tokens > self._last[1] and now > self._last[0]:
                record["tokens_per_s"] = round((tokens - self._last[1]) / (now - self._last[0]), 1)
            self._last = (now, tokens)
            return record
        return None  # the end-of-training summary (train_runtime ...) is not a metric point
