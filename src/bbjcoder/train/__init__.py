"""The train stage: stage 1 continued pretraining, stage 2 instruction tuning, versioned resumable runs.

    from bbjcoder.train import load_config, train
    result = train(load_config("configs/tiny.yaml", ["instruct.epochs=2"]))
    result["output"]        # runs/<id>/model (full) or runs/<id>/adapter (LoRA)
    train(resume="runs/<id>")   # continue a killed run from its last checkpoint

Modules: config (the config model), tokenizer (the tiny BPE + ChatML template), model (model factory, size
checks), data (input formats, tokenization, label masks), stages (SFTTrainer per stage), run (run folder,
state machine, metrics), tracking / progress (metrics.jsonl, TensorBoard, the terminal bar), pipeline (train).
Nothing heavy is imported until used: `bbjcoder --help` stays instant, torch loads only when training.
"""

from __future__ import annotations

from typing import Any

__all__ = ["STAGES", "TrainConfig", "load_config", "validate_config", "train"]


def __getattr__(name: str) -> Any:
    if name in ("STAGES", "TrainConfig", "load_config", "validate_config"):
        from . import config

        return getattr(config, name)
    if name == "train":
        from .pipeline import train

        return train
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
