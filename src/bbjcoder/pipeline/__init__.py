"""The one-command pipeline: data validate -> build -> train -> evaluate -> export, resumable.

    from bbjcoder.pipeline import load_pipeline_config, run_pipeline
    result = run_pipeline(load_pipeline_config("configs/tiny.yaml"))

Modules: config (the pipeline section of a training config), state (what each stage last did and
for which inputs), stages (one function per stage), runner (the order of work), summary (the
terminal table). Nothing heavy is imported until a stage runs.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PipelineConfig", "PipelineSettings", "load_pipeline_config", "run_pipeline", "PipelineResult"]

_WHERE = {
    "PipelineConfig": "config", "PipelineSettings": "config", "load_pipeline_config": "config",
    "run_pipeline": "runner", "PipelineResult": "runner",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from importlib import import_module

        return getattr(import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(name)
