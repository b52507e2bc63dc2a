"""Pipeline configuration: a training config plus its `pipeline:` section.

One YAML file drives everything (configs/tiny.yaml is the default):

    run: ...; model: ...; training: ...      # the train stage, as `bbjcoder train` reads it
    pipeline:
      data: {sources: [training-data, corpus], out: build}          # bbjcoder data build settings
      evaluate: {prompts: evalsets/bbj-eval.jsonl, max_new_tokens: 512, baselines: []}
      export: {quants: [f16, q8_0, q4_k_m]}

The train config's `data` paths are set from `pipeline.data.out`, so the stages always read what
the build wrote. Unknown keys anywhere are errors, all reported at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import ConfigError
from ..settings import config_error, validation_problems

__all__ = ["PipelineSettings", "PipelineConfig", "load_pipeline_config", "DEFAULT_CONFIG"]

DEFAULT_CONFIG = Path("configs/tiny.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EvaluateSection(_Strict):
    prompts: Path = Field(Path("evalsets/bbj-eval.jsonl"), description="Held-out prompt set for both the base and the trained model.")
    limit: int | None = Field(None, ge=1, description="Only the first N prompts (smoke runs).")
    max_new_tokens: int = Field(512, ge=1, description="Answer length limit; generous, or most answers end truncated.")
    batch_size: int = Field(8, ge=1, description="Prompts per batch for local generation.")
    threads: int | None = Field(None, ge=1, description="CPU threads for generation (see `bbjcoder eval run --help`).")
    dtype: Literal["auto", "float32", "bfloat16"] = Field("auto", description="Weights for generation: auto (float32 on CPU), float32 or bfloat16.")
    samples: int = Field(0, ge=0, description="Sampled answers per prompt for compile@k (0: greedy compile@1 only).")
    general: int = Field(0, ge=0, description="HumanEval problems for the forgetting check (0: off).")
    baselines: list[str] = Field(default_factory=list, description="More models to evaluate beside the base and the trained run (HF folders, .gguf files).")
    evaluate_base: bool = Field(True, description="Evaluate the untrained base (runs/<id>@base) for the before/after table.")


class ExportSection(_Strict):
    enabled: bool = Field(True, description="Write GGUF files, the Modelfile and the model card.")
    quants: list[str] | None = Field(None, description="GGUF types (f16, q8_0, q4_k_m ...); None: f16 and q8_0, plus q4_k_m when llama-cpp-python is installed.")
    name: str = Field("bbj-coder", description="Model name: GGUF file names and `ollama create <name>`.")


class PipelineSettings(_Strict):
    data: dict[str, Any] = Field(default_factory=dict, description="bbjcoder data build settings (see `bbjcoder data build --help`).")
    evaluate: EvaluateSection = Field(default_factory=EvaluateSection, description="The evaluation stage.")
    export: ExportSection = Field(default_factory=ExportSection, description="The export stage.")
    validate_examples: bool = Field(True, description="Validate the Markdown examples before the build (schema, sections, code).")


class PipelineConfig(_Strict):
    """The resolved pipeline: each stage's own config model, checked before anything runs."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    source: str
    settings: PipelineSettings
    build: Any  # bbjcoder.data.config.BuildConfig
    train: Any  # bbjcoder.train.config.TrainConfig


def load_pipeline_config(path: str | Path = DEFAULT_CONFIG, overrides: list[str] | None = None) -> PipelineConfig:
    """Read a training YAML with a `pipeline:` section; `--set key=value` overrides apply to the train part.

    Every problem (pipeline section, build settings, train config) is reported in one ConfigError.
    """
    from ..data.config import BuildConfig
    from ..train.config import apply_overrides, check_config, parse_overrides, read_config_file

    path = Path(path)
    raw = read_config_file(path)
    problems: list[str] = []
    settings = build = train = None
    try:
        settings = PipelineSettings.model_validate(raw.get("pipeline") or {})
    except ValidationError as exc:
        problems += validation_problems(exc, PipelineSettings, prefix="pipeline.")
    if settings is not None:
        try:
            build = BuildConfig.model_validate(settings.data)
        except ValidationError as exc:
            problems += validation_problems(exc, BuildConfig, prefix="pipeline.data.")
    try:
        train_raw = apply_overrides(raw, parse_overrides(overrides or []))
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    train_raw.pop("pipeline", None)
    if build is not None:
        out = Path(build.out)
        data = dict(train_raw.get("data") or {})
        data.update(corpus=str(out / "corpus.jsonl"), train=str(out / "train.jsonl"),
                    validation=str(out / "validation.jsonl"))
        train_raw["data"] = data
    train, train_problems = check_config(train_raw)
    problems += train_problems
    if problems:
        raise config_error(str(path), problems)
    return PipelineConfig(source=str(path), settings=settings, build=build, train=train)
