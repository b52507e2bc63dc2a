"""The evaluate stage's configuration: one pydantic model for the Python API, YAML (--config) and the CLI flags.

    cfg = load_eval_config("eval.yaml", {"samples": 10})     # YAML, then flags; unknown keys are errors
    cfg = EvalConfig(models=["runs/tiny-20250101-120000"], general=20)

Example eval.yaml:
    prompts: evalsets/bbj-eval.jsonl
    models: [runs/tiny-20250101-120000@base, runs/tiny-20250101-120000]
    samples: 10        # 0 = greedy only (compile@1); n > 0 adds n sampled answers per prompt for compile@k
    k: 5
    general: 20        # HumanEval forgetting check on 20 problems; 0 = off

Every problem is collected and reported at once, before any model loads.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import ConfigError
from ..settings import config_error, validation_problems

__all__ = ["EvalConfig", "load_eval_config"]


class EvalConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    models: list[str] = Field(default_factory=list, description="Run folders (runs/<id>, runs/<id>@base), HF model or adapter folders, .gguf files. The first is the baseline of the comparison.")
    prompts: Path = Field(Path("evalsets/bbj-eval.jsonl"), description="Prompt set: an evalset JSONL or the build's test.jsonl.")
    limit: int | None = Field(None, ge=1, description="Evaluate only the first N prompts (smoke runs; such reports only compare with each other).")
    endpoint: str | None = Field(None, description="OpenAI-compatible base URL, e.g. http://localhost:11434/v1 (Ollama) or http://localhost:8080/v1 (llama-server).")
    model: str | None = Field(None, description="Model name on the endpoint (required with endpoint).")
    api_key_env: str = Field("OPENAI_API_KEY", description="Environment variable holding the endpoint's API key (sent only when set).")
    concurrency: int = Field(4, ge=1, description="HTTP requests in flight at once. Local servers serve one or a few at a time; more only queues.")
    timeout: float = Field(300.0, gt=0, description="Seconds one HTTP answer may take (a CPU server writing 1024 tokens is slow).")
    retries: int = Field(3, ge=0, description="Retries of a transient HTTP failure (timeouts, 429, 5xx), with exponential backoff from 0.5 s.")
    max_new_tokens: int = Field(1024, ge=1, description="Answer length limit. Generous on purpose: answers cut off before the end-of-turn token are counted as truncated, and a short limit makes most answers truncated.")
    batch_size: int = Field(8, ge=1, description="Prompts per batch for local generation. 8 keeps a CPU busy; larger on a GPU.")
    threads: int | None = Field(None, ge=1, description="CPU threads for torch / llama.cpp. None: 1 for a local model under 50M parameters on CPU (decoding it is overhead-bound; more threads only contend), else the library default.")
    dtype: Literal["auto", "float32", "bfloat16"] = Field("auto", description="Weights of local HF models and runs. auto: bf16 (or fp16) on a CUDA GPU, float32 on CPU. bfloat16 on a CPU with avx512_bf16 or AMX generates ~2x faster than float32.")
    samples: int = Field(0, ge=0, description="Sampled answers per code prompt for compile@k; 0 = greedy only. 10-20 for a stable compile@5.")
    k: int | None = Field(None, ge=1, description="k of compile@k (<= samples). None: min(5, samples).")
    temperature: float = Field(0.8, gt=0, description="Sampling temperature for compile@k (greedy answers ignore it).")
    top_p: float = Field(0.95, gt=0, le=1, description="Nucleus sampling for compile@k.")
    seed: int = Field(0, ge=0, description="Sampling seed: the same seed gives the same sampled answers.")
    general: int = Field(0, ge=0, description="HumanEval problems for the forgetting check (a fixed, evenly spread subset); 0 = off, 164 = all.")
    general_max_new_tokens: int = Field(512, ge=1, description="Answer length limit for HumanEval.")
    general_timeout: float = Field(10.0, gt=0, description="Wall-clock seconds per HumanEval program (CPU limit the same).")
    name: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Evaluation name: runs/<id>/eval/<name>/. None: the prompt file's stem.")
    out: Path | None = Field(None, description="Where models that are not runs are written (one folder each). None: evals/<name>/.")
    train_data: list[Path] | None = Field(None, description="train.jsonl / corpus.jsonl for the verbatim-copy rate. None: the run's own data files, else build/train.jsonl and build/corpus.jsonl when they exist.")
    backend: str = Field("auto", description="Checker: auto (bbjcpl when found), builtin or bbjcpl.")
    compiler: str | None = Field(None, description="Path of bbjcpl.")
    note: str | None = Field(None, description="Free text for the Notes column.")

    @model_validator(mode="after")
    def _consistent(self) -> EvalConfig:
        problems = []
        if not self.models and not self.endpoint:
            problems.append("models: give at least one model (run folder, HF folder, .gguf) or endpoint + model")
        if self.endpoint and not self.model:
            problems.append("model: an endpoint needs the model name it serves (--model NAME)")
        if self.model and not self.endpoint:
            problems.append("endpoint: --model names a model on an endpoint; give --endpoint URL too (local models are positional arguments)")
        if self.samples and self.k is not None and self.k > self.samples:
            problems.append(f"k: compile@{self.k} needs at least {self.k} samples per prompt, got samples {self.samples}; raise samples or lower k")
        if not self.samples and self.k is not None:
            problems.append("k: compile@k needs sampled answers; set samples (e.g. 10)")
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def effective_k(self) -> int | None:
        return (self.k or min(5, self.samples)) if self.samples else None

    @property
    def eval_name(self) -> str:
        return self.name or self.prompts.stem

    @property
    def out_root(self) -> Path:
        return self.out or Path("evals") / self.eval_name


def load_eval_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> EvalConfig:
    """YAML at `path` (optional), then `overrides` (flags that were given); every problem in one ConfigError."""
    import yaml

    raw: dict[str, Any] = {}
    source = "flags"
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"--config {path}: no such file")
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping of eval settings at the top level")
        source = str(path)
    raw.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return EvalConfig.model_validate(raw)
    except ValidationError as exc:
        raise config_error(source, validation_problems(exc, EvalConfig)) from None
