"""The order of work: validate -> build -> train -> evaluate -> export, each skipped when done.

State lives in <runs>/pipeline-<name>.json (see state.py), written after every stage, so a rerun
after a failure or a kill continues where it stopped: finished stages are skipped, an unfinished
training run is resumed from its last checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import PipelineConfig
from .state import PipelineState
from .stages import StageOutcome, build_stage, evaluate_stage, export_stage, train_stage, validate_stage
from .summary import collect_summary

__all__ = ["PipelineResult", "run_pipeline", "state_path"]

STAGE_ORDER = ("validate", "build", "train", "evaluate", "export")


@dataclass
class PipelineResult:
    stages: list[StageOutcome] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)
    state_file: Path | None = None


def state_path(cfg: PipelineConfig) -> Path:
    return Path(cfg.train.run.output_dir) / f"pipeline-{cfg.train.run.name}.json"


def run_pipeline(cfg: PipelineConfig, on_stage: Callable[[str], None] | None = None, *, reporter=None,
                 progress=None) -> PipelineResult:
    """Run every stage in order; `on_stage(name)` is called as each one starts.

    reporter: the train stage's progress reporter (train.progress); progress: the evaluation's
    progress callback (step, done, total). Both optional: library use stays quiet.
    """
    state = PipelineState(state_path(cfg))
    result = PipelineResult(state_file=state.path)

    def step(name: str, fn: Callable[[], StageOutcome]) -> StageOutcome:
        if on_stage:
            on_stage(name)
        outcome = fn()
        result.stages.append(outcome)
        return outcome

    step("validate", lambda: validate_stage(cfg, state))
    built = step("build", lambda: build_stage(cfg, state))
    trained = step("train", lambda: train_stage(cfg, state, built, reporter))
    evaluated = step("evaluate", lambda: evaluate_stage(cfg, state, trained, progress))
    step("export", lambda: export_stage(cfg, state, trained, evaluated))
    result.summary = collect_summary(result.stages)
    return result
