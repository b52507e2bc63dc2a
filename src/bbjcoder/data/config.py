"""The data-stage config: one model for the Python API, the CLI flags and `--config` YAML.

    config = load_config("configs/data.yaml", {"out": "/tmp/build"})  # YAML, then flags

Example YAML (every key optional; unknown keys are errors, all reported at once):

    sources: [training-data, corpus, old/bbj-chat.jsonl]
    out: build
    split: {train: 0.8, validation: 0.1, test: 0.1}
    near_duplicate_threshold: 0.85
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..settings import load_settings

__all__ = ["SplitFractions", "BuildConfig", "load_config", "DEFAULT_SOURCES"]

DEFAULT_SOURCES = ("training-data", "corpus")


class SplitFractions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    train: float = Field(0.8, ge=0.0, le=1.0, description="Share of duplicate groups in train.")
    validation: float = Field(0.1, ge=0.0, le=1.0, description="Share in validation (watched during training).")
    test: float = Field(0.1, ge=0.0, le=1.0, description="Share in test (kept for evaluation).")

    @model_validator(mode="after")
    def _sums_to_one(self) -> "SplitFractions":
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"train + validation + test must be 1, got {total:g}")
        return self


class BuildConfig(BaseModel):
    """Settings of `bbjcoder data build`; each field's description is its --help text."""

    model_config = ConfigDict(extra="forbid")

    sources: list[str] = Field(
        default_factory=lambda: list(DEFAULT_SOURCES),
        description="Markdown example folders, ChatML .jsonl files and folders of BBj programs. Defaults that "
        "do not exist are skipped with a warning; named ones must exist.",
    )
    out: str = Field("build", description="Output folder.")
    split: SplitFractions = Field(default_factory=SplitFractions, description="Split shares by duplicate group.")
    near_duplicate_threshold: float = Field(
        0.85, gt=0.0, le=1.0,
        description="Jaccard similarity of token shingles above which two examples are near-duplicates. Lower "
        "catches more rewordings but groups examples that merely share idioms.",
    )
    minhash_permutations: int = Field(128, ge=16, le=1024, description="MinHash size: more is slower and more exact.")
    drop_near_duplicates: bool = Field(
        False, description="Keep one example per near-duplicate group (default: keep all, same split).")
    keep_failing_code: bool = Field(False, description="Keep imported examples whose code fails the checker.")
    keep_failing_corpus: bool = Field(False, description="Keep corpus files that fail the checker.")
    skip_invalid: bool = Field(False, description="Exit 0 even when inputs were rejected as invalid.")
    checker: Literal["auto", "builtin", "bbjcpl"] = Field("auto", description="Checker backend.")
    compiler: str | None = Field(None, description="Path of bbjcpl for the bbjcpl backend.")
    eval_sets: list[str] = Field(
        default_factory=lambda: ["evalsets"],
        description="Evaluation JSONL files or folders checked for overlap with the training data (dataset card).",
    )
    coverage: bool = Field(True, description="Also write COVERAGE.md into each Markdown examples folder.")


def load_config(path: str | Path | None = None, overrides: dict | None = None) -> BuildConfig:
    """Config from YAML (optional), then overrides (None values ignored); every error at once."""
    return load_settings(BuildConfig, path, overrides, keys_hint="sources, out, split ...")
